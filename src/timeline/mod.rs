//! Events and, per customer, the merged cross-channel timeline.

pub mod event;

pub use event::{Currency, Event, EventKind, Money};
