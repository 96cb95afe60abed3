//! Placeholder: replaced by the synth helper.
fn main() {}
