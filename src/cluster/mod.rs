//! Clustering: from scored edges to customers.
//!
//! [`cluster`] unites the records of every edge at or above a threshold with
//! union-find (petgraph's [`UnionFind`](petgraph::unionfind::UnionFind)),
//! strongest edge first in a total order, so the same edges in any order give
//! the same customers. Union-find is transitive, and transitivity is how
//! households and namesakes get glued together through a chain of weak links;
//! a [`MergeGuard`] is asked before each union and may refuse it:
//!
//! | guard | refuses when |
//! | --- | --- |
//! | [`NoGuard`] | never: plain connected components |
//! | [`StrongFactsGuard`] | birth dates (full, or year only) more than a typing slip apart, or different under incompatible given names |
//! | [`HouseholdGuard`] | shared address or landline and family name, incompatible given names |
//!
//! Guards combine as tuples: `(StrongFactsGuard::new(&records), HouseholdGuard::new(&records))`.
//!
//! The [`Clustering`] keeps the accepted edges (a spanning forest: why each
//! customer holds together, see [`explain_customer`] and
//! [`Clustering::path`]) and the refused ones with their reasons.
//! [`CustomerId`] gives each customer an id stable across runs.
//!
//! ```
//! use omnicanal::cluster::{cluster, explain_customer, NoGuard};
//! use omnicanal::{Channel, CustomerId, Edge, RecordId, SourceKey};
//!
//! let keys = [
//!     SourceKey::new(Channel::Store, "4001234")?,
//!     SourceKey::new(Channel::Web, "A-1029")?,
//!     SourceKey::new(Channel::App, "u-77")?,
//! ];
//! let edges = [Edge::new(RecordId(2), RecordId(0), 14.2)];
//! let result = cluster(keys.len(), &edges, 6.0, &NoGuard);
//! let customer = result.cluster_of(RecordId(0)).unwrap();
//! assert_eq!(explain_customer(&result, customer), edges);
//! assert_eq!(
//!     result.customer_id(customer, &keys),
//!     Some(CustomerId::from_members(&[keys[0].clone(), keys[2].clone()]))
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod clustering;
mod customer_id;
mod edge;
mod facts;
mod guard;
mod household;
mod names;
mod profile;
#[cfg(test)]
mod tests;

pub use clustering::{
    ClusterIndex, ClusterStats, Clustering, MAX_RECORDS, RefusedEdge, cluster, cluster_ranked,
    explain_customer,
};
pub use customer_id::CustomerId;
pub use edge::Edge;
pub use facts::{StrongFactsGuard, StrongFactsSummary};
pub use guard::{MergeGuard, NoGuard, RefusalReason};
pub use household::{HouseholdGuard, HouseholdSummary};
pub use names::{FAMILY_NAME_JARO_WINKLER, NamesGuard, NamesSummary};
pub use profile::{GIVEN_NAME_JARO_WINKLER, MAX_PROFILES, MAX_VALUES_PER_RECORD};
