//! omnicanal — map to be written.
#![deny(missing_docs)]

pub mod error;
pub mod normalize;
pub mod record;
#[cfg(feature = "synth")]
pub mod synth;
pub mod timeline;

pub use error::{Error, ErrorKind, Result};
pub use record::{Address, Channel, Field, Identifier, IdentifierKind, Record, RecordBuilder, RecordId, SourceKey};
