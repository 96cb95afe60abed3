//! Exact lookups: phone, email, identifier, source key.
//!
//! Values are indexed by a 64-bit hash in one sorted array of
//! `(hash, cluster)` pairs: 16 bytes per distinct (value, customer), one
//! binary search per lookup, no string kept twice. A hash collision could
//! only add a customer who does not carry the value, and every candidate is
//! checked against its profile before it is returned, so answers are exact.

use std::hash::{DefaultHasher, Hash, Hasher};

use jiff::Timestamp;
use serde::Serialize;

use crate::cluster::{ClusterIndex, CustomerId};

/// What a value is, mixed into its hash so equal text in two fields never meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum ValueTag {
    Phone,
    Email,
    Identifier,
    SourceKey,
}

/// The hash of a tagged value. SipHash with fixed keys: deterministic within
/// and across processes, never persisted.
pub(super) fn value_hash(tag: ValueTag, parts: &[&str]) -> u64 {
    let mut h = DefaultHasher::new();
    tag.hash(&mut h);
    for part in parts {
        part.hash(&mut h);
    }
    h.finish()
}

/// `(hash, cluster)` pairs, sorted and deduplicated.
#[derive(Default)]
pub(super) struct ValueIndex {
    pairs: Vec<(u64, u32)>,
}

impl ValueIndex {
    pub(super) fn new(mut pairs: Vec<(u64, u32)>) -> Self {
        use rayon::slice::ParallelSliceMut;
        pairs.par_sort_unstable();
        pairs.dedup();
        ValueIndex { pairs }
    }

    /// The clusters filed under `hash`, ascending.
    pub(super) fn get(&self, hash: u64) -> impl ExactSizeIterator<Item = u32> + '_ {
        let lo = self.pairs.partition_point(|p| p.0 < hash);
        let hi = lo + self.pairs[lo..].partition_point(|p| p.0 <= hash);
        self.pairs[lo..hi].iter().map(|p| p.1)
    }

    pub(super) fn memory_bytes(&self) -> usize {
        self.pairs.capacity() * std::mem::size_of::<(u64, u32)>()
    }
}

/// One customer found by a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CustomerMatch {
    /// The customer in this graph.
    pub cluster: ClusterIndex,
    /// Its stable id.
    pub customer_id: CustomerId,
    /// How many of its records carry the value.
    pub records: usize,
    /// When a record carrying the value was last seen.
    pub last_seen: Option<Timestamp>,
    /// True when the value is the customer's preferred one (first in its
    /// profile by the survivorship rules).
    pub preferred: bool,
}

impl CustomerMatch {
    /// The ranking of several customers sharing a value: those for whom it is
    /// the preferred value first, then the most records carrying it, then
    /// the most recently seen with it, then the smallest customer id (so the
    /// order is total and stable).
    pub(super) fn rank(a: &CustomerMatch, b: &CustomerMatch) -> std::cmp::Ordering {
        b.preferred
            .cmp(&a.preferred)
            .then(b.records.cmp(&a.records))
            .then(b.last_seen.cmp(&a.last_seen))
            .then(a.customer_id.cmp(&b.customer_id))
    }
}

/// The answer to an exact lookup (phone, email, identifier).
///
/// A value is never answered with one customer picked among several: a
/// household landline or a shared email gives [`Lookup::Ambiguous`] with
/// every holder ranked, and a generic value (the store's own phone typed for
/// hundreds of customers, `pasdemail@…`) gives [`Lookup::Generic`], which
/// says nothing about who is calling — narrow with a name search instead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Lookup {
    /// The query is not a value of that kind at all (`12` as a phone).
    Invalid,
    /// No customer carries it.
    NotFound,
    /// Exactly one customer carries it.
    Found(CustomerMatch),
    /// Several customers carry it, ranked (see [`CustomerMatch`]'s fields):
    /// the first is the likeliest, not a certainty.
    Ambiguous(Vec<CustomerMatch>),
    /// The value is generic: detected as such over the whole batch, a
    /// placeholder email, or carried by more customers than
    /// [`GraphOptions::max_customers_per_value`](super::GraphOptions::max_customers_per_value).
    Generic {
        /// How many customers of the graph carry it.
        customers: usize,
    },
}

impl Lookup {
    /// The one customer, when there is exactly one.
    pub fn unique(&self) -> Option<&CustomerMatch> {
        match self {
            Lookup::Found(m) => Some(m),
            _ => None,
        }
    }

    /// Every customer returned, best first (empty for the other answers).
    pub fn matches(&self) -> &[CustomerMatch] {
        match self {
            Lookup::Found(m) => std::slice::from_ref(m),
            Lookup::Ambiguous(ms) => ms,
            _ => &[],
        }
    }
}
