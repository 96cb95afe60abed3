//! Merge guards: rules that may refuse to unite two clusters.
//!
//! Union-find alone is transitive: a chain of individually plausible links
//! (A–B on a shared landline, B–C on a similar name) can glue two different
//! people together. A guard looks at the two clusters about to be united and
//! may refuse. To keep that cheap, a guard does not see the clusters' records
//! but a *summary* of each, built per record on first use and merged when two
//! clusters are united.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::record::RecordId;

/// A rule consulted before every union of two distinct clusters.
///
/// Laws an implementation must keep, because the clustering relies on them for
/// determinism:
/// - `check` is symmetric: `check(a, b) == check(b, a)`, reason included;
/// - `merge` is commutative and associative, so the summary of a cluster
///   depends only on its members, not on the order they were united in;
/// - `summarize` is a pure function of the record.
///
/// `summarize` is only called for records that touch an edge kept by the
/// threshold, so singletons cost nothing.
///
/// ```
/// use omnicanal::cluster::{cluster, MergeGuard, RefusalReason};
/// use omnicanal::{Edge, RecordId};
///
/// /// Refuses clusters of more than three records.
/// struct AtMostThree;
/// impl MergeGuard for AtMostThree {
///     type Summary = usize;
///     fn summarize(&self, _record: RecordId) -> usize { 1 }
///     fn check(&self, a: &usize, b: &usize) -> Result<(), RefusalReason> {
///         if a + b > 3 { Err(RefusalReason::Custom("cluster size".into())) } else { Ok(()) }
///     }
///     fn merge(&self, a: usize, b: usize) -> usize { a + b }
/// }
///
/// let chain: Vec<Edge> = (0..4).map(|i| Edge::new(RecordId(i), RecordId(i + 1), 5.0)).collect();
/// let result = cluster(5, &chain, 0.0, &AtMostThree);
/// assert_eq!(result.len(), 2);
/// assert_eq!(result.refused().len(), 1);
/// ```
pub trait MergeGuard {
    /// What the guard remembers about a cluster.
    type Summary;

    /// The summary of a cluster holding only `record`.
    fn summarize(&self, record: RecordId) -> Self::Summary;

    /// Whether the clusters summarized by `a` and `b` may be united.
    fn check(&self, a: &Self::Summary, b: &Self::Summary) -> Result<(), RefusalReason>;

    /// The summary of the union of two clusters.
    fn merge(&self, a: Self::Summary, b: Self::Summary) -> Self::Summary;
}

/// Why a guard refused to unite two clusters. Never carries personal data:
/// the records are named by id, and the caller looks them up if allowed to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RefusalReason {
    /// One record of each cluster has a birth date (full, or a year), and
    /// the dates are more than a typing slip apart, or differ (even allowing
    /// a day/month swap) under given names that are not compatible: two
    /// different people.
    ConflictingStrongFacts {
        /// The two records in conflict, smaller id first.
        records: (RecordId, RecordId),
    },
    /// One record of each cluster shares an address or landline and a family
    /// name with the other, under an incompatible given name: two members of
    /// one household (spouses, parent and child), not one person.
    Household {
        /// The two records in conflict, smaller id first.
        records: (RecordId, RecordId),
    },
    /// One record of each cluster has given and family names, and neither
    /// the given names nor the family names are compatible (nor swapped): two
    /// people, whatever mailbox, landline or address they share.
    ConflictingNames {
        /// The two records in conflict, smaller id first.
        records: (RecordId, RecordId),
    },
    /// A caller-defined guard refused; the text names the rule, never a value.
    Custom(String),
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefusalReason::ConflictingStrongFacts { records: (a, b) } => write!(
                f,
                "records {} and {} have different birth dates and incompatible given names",
                a.0, b.0
            ),
            RefusalReason::Household { records: (a, b) } => write!(
                f,
                "records {} and {} share an address and a family name under different given names",
                a.0, b.0
            ),
            RefusalReason::ConflictingNames { records: (a, b) } => write!(
                f,
                "records {} and {} have incompatible given and family names",
                a.0, b.0
            ),
            RefusalReason::Custom(rule) => write!(f, "refused by rule {rule}"),
        }
    }
}

/// A guard that allows every union: plain connected components.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoGuard;

impl MergeGuard for NoGuard {
    type Summary = ();

    fn summarize(&self, _record: RecordId) {}

    fn check(&self, _a: &(), _b: &()) -> Result<(), RefusalReason> {
        Ok(())
    }

    fn merge(&self, _a: (), _b: ()) {}
}

impl<G: MergeGuard + ?Sized> MergeGuard for &G {
    type Summary = G::Summary;

    fn summarize(&self, record: RecordId) -> Self::Summary {
        (**self).summarize(record)
    }

    fn check(&self, a: &Self::Summary, b: &Self::Summary) -> Result<(), RefusalReason> {
        (**self).check(a, b)
    }

    fn merge(&self, a: Self::Summary, b: Self::Summary) -> Self::Summary {
        (**self).merge(a, b)
    }
}

/// Guards combined by tuples: each is consulted in order and the first
/// refusal wins. Symmetric when every member is, since the first refusing
/// member refuses both ways with the same reason.
macro_rules! tuple_guard {
    ($($g:ident . $i:tt),+) => {
        impl<$($g: MergeGuard),+> MergeGuard for ($($g,)+) {
            type Summary = ($($g::Summary,)+);

            fn summarize(&self, record: RecordId) -> Self::Summary {
                ($(self.$i.summarize(record),)+)
            }

            fn check(&self, a: &Self::Summary, b: &Self::Summary) -> Result<(), RefusalReason> {
                $(self.$i.check(&a.$i, &b.$i)?;)+
                Ok(())
            }

            fn merge(&self, a: Self::Summary, b: Self::Summary) -> Self::Summary {
                ($(self.$i.merge(a.$i, b.$i),)+)
            }
        }
    };
}

tuple_guard!(A.0, B.1);
tuple_guard!(A.0, B.1, C.2);
tuple_guard!(A.0, B.1, C.2, D.3);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_name_records_by_id_only() {
        let r = RefusalReason::Household {
            records: (RecordId(3), RecordId(17)),
        };
        assert_eq!(
            r.to_string(),
            "records 3 and 17 share an address and a family name under different given names"
        );
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, r#"{"household":{"records":[3,17]}}"#);
        assert_eq!(serde_json::from_str::<RefusalReason>(&json).unwrap(), r);
    }

    struct Parity;
    impl MergeGuard for Parity {
        type Summary = u32;
        fn summarize(&self, record: RecordId) -> u32 {
            record.0 % 2
        }
        fn check(&self, a: &u32, b: &u32) -> Result<(), RefusalReason> {
            if a == b {
                Ok(())
            } else {
                Err(RefusalReason::Custom("parity".into()))
            }
        }
        fn merge(&self, a: u32, _b: u32) -> u32 {
            a
        }
    }

    #[test]
    fn tuples_consult_every_member_and_first_refusal_wins() {
        let g = (NoGuard, Parity);
        let even = g.summarize(RecordId(2));
        let odd = g.summarize(RecordId(3));
        assert_eq!(g.check(&even, &even), Ok(()));
        assert_eq!(
            g.check(&even, &odd),
            Err(RefusalReason::Custom("parity".into()))
        );
        let g3 = (Parity, NoGuard, &NoGuard);
        let merged = g3.merge(g3.summarize(RecordId(4)), g3.summarize(RecordId(6)));
        assert_eq!(merged.0, 0);
    }
}
