//! # omnicanal
//!
//! Customer-identity resolution and a unified, cross-channel customer history
//! for omnichannel retailers: one customer out of a store loyalty card, a web
//! account, a call-centre contact and a mobile-app user, with household
//! members (same address, same landline, sometimes the same mailbox) kept
//! apart, and one merged timeline per customer.
//!
//! ## The map: one module per stage, in the order data meets them
//!
//! | module | stage |
//! | --- | --- |
//! | [`record`] | a source row as raw text: [`Record`], [`SourceKey`], [`RecordBuilder`] |
//! | [`normalize`] | French-aware folding, names, phones (E.164), emails, addresses, dates, phonetic key |
//! | [`block`] | which pairs are compared: OR-ed rules, each pair once, generic values, dry run |
//! | [`compare`] | per-field comparison levels (null → exact → fuzzy → else) |
//! | [`score`] | Fellegi–Sunter weights, EM without labels, term frequencies, explanations |
//! | [`cluster`] | union-find in a total order, guards against bad merges, [`CustomerId`] |
//! | [`resolver`] | the facade: a batch of records in, a [`resolver::Resolution`] out; [`resolver::LiveResolver`] takes them one at a time (upsert, erase, stable ids, change reports, snapshots) |
//! | [`timeline`] | events, per-customer timelines, cursors, order journeys |
//! | [`profile`] | the golden record by survivorship rules, with provenance |
//! | [`graph`] | the resolved customer graph: lookups by phone, email, card, name |
//! | [`eval`] | pairwise and B-cubed precision, recall, F1 against ground truth |
//! | [`snapshot`] | any serde value to disk and back: versioned, checksummed, atomic |
//! | `io` (feature `io`) | job files, CSV/JSONL readers with encodings and mappings, rejects |
//! | `synth` (feature `synth`) | French multi-channel customers and events with ground truth |
//! | [`error`] | the one error type, pointing at file, line and field, never at the value |
//!
//! `ARCHITECTURE.md` walks the stages and the decisions behind them.
//!
//! ## A batch in a few lines
//!
//! ```
//! use omnicanal::normalize::normalize;
//! use omnicanal::resolver::{Resolver, Settings};
//! use omnicanal::{Channel, Record, SourceKey};
//!
//! let rows = [
//!     (Channel::Store, "4001", "DUPONT Marie", "06.12.34.56.78"),
//!     (Channel::Web, "A-77", "Marie Dupont", "+33 6 12 34 56 78"),
//!     (Channel::CallCentre, "C-9", "M. Martin Jean", "01 43 55 66 77"),
//! ];
//! let mut records = Vec::new();
//! for (channel, id, name, phone) in rows {
//!     let record = Record::builder(SourceKey::new(channel, id)?)
//!         .full_name(name)?
//!         .phone(phone)?
//!         .build();
//!     records.push(normalize(&record));
//! }
//! let resolution = Resolver::new(Settings::default())?.resolve(&records)?;
//! assert_eq!(resolution.clustering.len(), 2); // Marie Dupont, Jean Martin
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Features
//!
//! - `io`: reading the retailer's exports (CSV in any delimiter and encoding,
//!   JSONL with nested paths) through a TOML job file. Off by default: the
//!   matching core never touches files.
//! - `synth`: the deterministic generator of French customers, households and
//!   events with ground truth, for tests, benchmarks and examples.
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
pub mod snapshot;
#[cfg(feature = "synth")]
pub mod synth;
pub mod timeline;

pub use cluster::{ClusterIndex, Clustering, CustomerId, Edge, MergeGuard, RefusalReason};
pub use error::{Error, ErrorKind, Result};
pub use record::{
    Address, Channel, Field, Identifier, IdentifierKind, Record, RecordBuilder, RecordId, SourceKey,
};

/// The README's example, compiled and run as a doc test so it never rots.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
