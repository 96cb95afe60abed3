//! Tests of the generator as a whole.
