//! The customers every output is written from, whichever way they were
//! found: a batch `Resolution`, or the partition of a live graph after
//! upserts and erasures. One shape for both keeps a single code path for
//! `customers.csv`, the profiles, the timelines and the summary, so the two
//! modes cannot drift apart.

use std::collections::HashMap;

use omnicanal::cluster::{NoGuard, cluster};
use omnicanal::normalize::NormalizedRecord;
use omnicanal::resolver::LiveResolver;
use omnicanal::{
    ClusterIndex, Clustering, CustomerId, Edge, Error, ErrorKind, RecordId, SourceKey,
};

/// Records grouped into customers, over one slice of records
/// (`records[i]` is `RecordId(i)`).
pub struct Customers {
    /// Clusters numbered in the order of their smallest record (the
    /// `Clustering` law), so output files list customers in the same order
    /// in both modes.
    pub clustering: Clustering,
    /// `ids[c]` is cluster `c`'s customer id.
    pub ids: Vec<CustomerId>,
}

impl Customers {
    /// The customer id of a record, if it has one.
    pub fn customer_of(&self, record: RecordId) -> Option<CustomerId> {
        let cluster = self.clustering.cluster_of(record)?;
        self.ids.get(cluster.index()).copied()
    }

    /// The customer label of every record, for `Timelines::build`.
    pub fn customer_of_record(&self) -> Vec<u32> {
        self.clustering
            .assignment()
            .iter()
            .map(|c: &ClusterIndex| c.0)
            .collect()
    }

    /// The live graph's partition over `records` (the records it holds, in
    /// input order).
    ///
    /// Ids are the canonical ones, `CustomerId::from_member_refs` of each
    /// customer's keys — what the batch gives — and not the live graph's
    /// own: those depend on the history (which record came first, which
    /// customers merged), so two runs feeding the same records in another
    /// order would write different files. The file's ids depend only on who
    /// is with whom.
    ///
    /// The `Clustering` is rebuilt by an unguarded union-find over a chain
    /// of edges inside each customer (member 0–1, 1–2, …): it gives exactly
    /// the live partition, numbered like the batch's. Its "accepted edges"
    /// are that chain, not evidence; nothing written here explains pairs.
    pub fn of_live(live: &LiveResolver, records: &[NormalizedRecord]) -> Result<Customers, Error> {
        let position: HashMap<&SourceKey, u32> = records
            .iter()
            .enumerate()
            .map(|(i, record)| (&record.key, i as u32))
            .collect();
        if live.len() != records.len() {
            return Err(inconsistent(
                "the live graph holds a different number of records than were read",
            ));
        }
        let mut edges: Vec<Edge> = Vec::with_capacity(records.len());
        let mut members: Vec<u32> = Vec::new();
        for (_, keys) in live.customers() {
            members.clear();
            for key in keys {
                match position.get(key) {
                    Some(&i) => members.push(i),
                    None => {
                        return Err(inconsistent(
                            "the live graph holds a record that was not read",
                        ));
                    }
                }
            }
            edges.extend(
                members
                    .windows(2)
                    .map(|pair| Edge::new(RecordId(pair[0]), RecordId(pair[1]), 1.0)),
            );
        }
        let clustering = cluster(records.len(), &edges, 1.0, &NoGuard);
        let ids = clustering
            .clusters()
            .map(|(_, members)| {
                CustomerId::from_member_refs(
                    members
                        .iter()
                        .filter_map(|r| records.get(r.index()).map(|n| &n.key)),
                )
            })
            .collect();
        Ok(Customers { clustering, ids })
    }
}

/// A live graph that does not match the records read: a bug, said plainly.
fn inconsistent(reason: &str) -> Error {
    Error::new(ErrorKind::InvalidValue {
        reason: reason.into(),
    })
}
