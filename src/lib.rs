//! omnicanal — map to be written.
#![deny(missing_docs)]

pub mod block;
pub mod cluster;
pub mod compare;
pub mod error;
pub mod eval;
pub mod graph;
#[cfg(feature = "io")]
pub mod io;
pub mod normalize;
pub mod profile;
pub mod record;
pub mod resolver;
pub mod score;
#[cfg(feature = "synth")]
pub mod synth;
pub mod timeline;

pub use cluster::{ClusterIndex, Clustering, CustomerId, Edge, MergeGuard, RefusalReason};
pub use error::{Error, ErrorKind, Result};
pub use record::{
    Address, Channel, Field, Identifier, IdentifierKind, Record, RecordBuilder, RecordId, SourceKey,
};
