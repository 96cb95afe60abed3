//! The engine: guarded union-find over edges in a total order, and its result.

use std::collections::HashMap;
use std::fmt;

use petgraph::unionfind::UnionFind;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::customer_id::CustomerId;
use super::edge::Edge;
use super::guard::{MergeGuard, RefusalReason};
use crate::record::{RecordId, SourceKey};

/// Most records one run can cluster: record ids are `u32`, and member offsets
/// are stored as `u32` too. Records past this are not clustered (see
/// [`cluster`]); four billion records do not fit a machine's memory anyway.
pub const MAX_RECORDS: usize = u32::MAX as usize;

/// The dense index of a cluster in one [`Clustering`]: clusters are numbered
/// `0..len` in the order of their smallest record. Like [`RecordId`] it is
/// not stable across runs; [`CustomerId`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ClusterIndex(pub u32);

impl ClusterIndex {
    /// The index as a `usize`, for slice access.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for ClusterIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// An edge a guard refused, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefusedEdge {
    /// The edge, canonical.
    pub edge: Edge,
    /// Why the two clusters it would have joined were kept apart.
    pub reason: RefusalReason,
}

/// Counts of one clustering run: where every input edge went, and the shape
/// of the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterStats {
    /// Records clustered.
    pub records: usize,
    /// Edges given.
    pub edges_in: usize,
    /// Edges dropped because their weight is below the threshold (or NaN).
    pub edges_below_threshold: usize,
    /// Edges dropped because they join a record to itself or name a record
    /// past `n_records`.
    pub edges_invalid: usize,
    /// Edges that joined two clusters.
    pub edges_accepted: usize,
    /// Edges whose records were already in one cluster.
    pub edges_redundant: usize,
    /// Edges a guard refused.
    pub edges_refused: usize,
    /// Clusters, singletons included.
    pub clusters: usize,
    /// Clusters of one record.
    pub singletons: usize,
    /// Members of the largest cluster.
    pub largest_cluster: usize,
}

/// The result of [`cluster`]: a partition of the records into clusters, with
/// the edges that explain it and the edges the guards refused.
///
/// Laws (tested): every record is in exactly one cluster; members are listed
/// in ascending id order; clusters are numbered in the order of their
/// smallest record; the accepted edges form a spanning forest (one fewer per
/// cluster than it has members); the result is identical for any order of
/// the input edges.
///
/// `Debug` prints counts and ids, never personal data (there is none here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clustering {
    /// Per record, its cluster.
    assignment: Vec<ClusterIndex>,
    /// Members of all clusters, cluster after cluster, each ascending.
    members: Vec<RecordId>,
    /// `members[offsets[c]..offsets[c + 1]]` are cluster `c`'s members.
    offsets: Vec<u32>,
    /// Accepted edges grouped by cluster, strongest first within a cluster.
    accepted: Vec<Edge>,
    /// Refused edges in the order they were considered.
    refused: Vec<RefusedEdge>,
    stats: ClusterStats,
}

impl Clustering {
    /// Number of records clustered.
    pub fn n_records(&self) -> usize {
        self.assignment.len()
    }

    /// Number of clusters, singletons included.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// True when there are no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cluster of a record; `None` for an id past the records.
    pub fn cluster_of(&self, record: RecordId) -> Option<ClusterIndex> {
        self.assignment.get(record.index()).copied()
    }

    /// Per record (indexed by [`RecordId`]), its cluster.
    pub fn assignment(&self) -> &[ClusterIndex] {
        &self.assignment
    }

    /// The members of a cluster, ascending; empty for an unknown cluster.
    pub fn members(&self, cluster: ClusterIndex) -> &[RecordId] {
        let c = cluster.index();
        match (self.offsets.get(c), self.offsets.get(c + 1)) {
            (Some(&lo), Some(&hi)) => self.members.get(lo as usize..hi as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Every cluster with its members, in cluster order.
    pub fn clusters(&self) -> impl ExactSizeIterator<Item = (ClusterIndex, &[RecordId])> + '_ {
        (0..self.len()).map(|c| {
            let c = ClusterIndex(c as u32);
            (c, self.members(c))
        })
    }

    /// The accepted edges, grouped by cluster (in cluster order), strongest
    /// first within a cluster.
    pub fn accepted(&self) -> &[Edge] {
        &self.accepted
    }

    /// The refused edges with their reasons, strongest first.
    pub fn refused(&self) -> &[RefusedEdge] {
        &self.refused
    }

    /// Counts of the run.
    pub fn stats(&self) -> &ClusterStats {
        &self.stats
    }

    /// The accepted edges holding a cluster together, strongest first: a
    /// spanning tree of its members (empty for a singleton or an unknown
    /// cluster).
    pub fn explain(&self, cluster: ClusterIndex) -> &[Edge] {
        let cluster_of_edge = |e: &Edge| self.cluster_of(e.a).unwrap_or(ClusterIndex(u32::MAX));
        let lo = self
            .accepted
            .partition_point(|e| cluster_of_edge(e) < cluster);
        let hi = self
            .accepted
            .partition_point(|e| cluster_of_edge(e) <= cluster);
        self.accepted.get(lo..hi).unwrap_or(&[])
    }

    /// The chain of accepted edges linking two records, from `from` to `to`:
    /// why the clustering holds them for one customer. `None` when they are in
    /// different clusters or unknown; empty when `from == to`.
    pub fn path(&self, from: RecordId, to: RecordId) -> Option<Vec<Edge>> {
        let cluster = self.cluster_of(from)?;
        if self.cluster_of(to)? != cluster {
            return None;
        }
        let tree = self.explain(cluster);
        // Breadth-first search in the cluster's spanning tree, remembering
        // for each reached record the edge it was reached by.
        let mut reached_by: HashMap<RecordId, Option<&Edge>> = HashMap::new();
        reached_by.insert(from, None);
        let mut frontier = vec![from];
        while !frontier.is_empty() && !reached_by.contains_key(&to) {
            let mut next = Vec::new();
            for &r in &frontier {
                for e in tree.iter().filter(|e| e.a == r || e.b == r) {
                    let other = if e.a == r { e.b } else { e.a };
                    if let std::collections::hash_map::Entry::Vacant(slot) = reached_by.entry(other)
                    {
                        slot.insert(Some(e));
                        next.push(other);
                    }
                }
            }
            frontier = next;
        }
        let mut chain = Vec::new();
        let mut at = to;
        while let Some(Some(e)) = reached_by.get(&at) {
            chain.push(**e);
            at = if e.a == at { e.b } else { e.a };
        }
        chain.reverse();
        reached_by.contains_key(&to).then_some(chain)
    }

    /// The stable id of a cluster's customer, given each record's source key
    /// (indexed by [`RecordId`]); `None` for an unknown cluster or when no
    /// member has a key in `keys`.
    pub fn customer_id(&self, cluster: ClusterIndex, keys: &[SourceKey]) -> Option<CustomerId> {
        let member_keys: Vec<SourceKey> = self
            .members(cluster)
            .iter()
            .filter_map(|r| keys.get(r.index()).cloned())
            .collect();
        (!member_keys.is_empty()).then(|| CustomerId::from_members(&member_keys))
    }
}

/// The chain of accepted edges holding a customer's cluster together,
/// strongest first (see [`Clustering::explain`]).
pub fn explain_customer(clustering: &Clustering, cluster: ClusterIndex) -> Vec<Edge> {
    clustering.explain(cluster).to_vec()
}

/// [`cluster`] with ties between equally weighted edges broken by `rank`
/// (one distinct value per record) instead of by record id.
///
/// Record ids are positions in the caller's slice, so a tie broken by id
/// depends on the input order; a rank derived from the records themselves
/// (the resolver uses the order of source keys) makes the partition the same
/// for any permutation of the input. Ranks past `n_records` or repeated make
/// the order fall back to record ids among the equals.
pub fn cluster_ranked<G: MergeGuard + Sync + ?Sized>(
    n_records: usize,
    edges: &[Edge],
    threshold: f64,
    guard: &G,
    rank: &[u32],
) -> Clustering {
    // The rank pair breaks ties between equal weights; the ids break the
    // rest (as `Edge::cmp_strength` would).
    cluster_sorted_by(n_records, edges, threshold, guard, |e: &Edge| {
        let (x, y) = (
            rank.get(e.a.index()).copied().unwrap_or(u32::MAX),
            rank.get(e.b.index()).copied().unwrap_or(u32::MAX),
        );
        (u64::from(x.min(y)) << 32) | u64::from(x.max(y))
    })
}

/// Clusters `n_records` records (ids `0..n_records`) by uniting the records
/// of every edge whose weight is at least `threshold`, strongest edge first,
/// unless `guard` refuses.
///
/// Edges are canonicalized and sorted by [`Edge::cmp_strength`] (weight
/// descending, then `(a, b)` ascending), so the result is the same for any
/// order of `edges` and either orientation of each edge. Before uniting two
/// distinct clusters the guard is asked with their summaries; a refused edge
/// is recorded with its reason and the clusters stay apart (a later edge may
/// still unite them if the guard then allows it). Self-loops and edges naming
/// a record past `n_records` are dropped and counted, never a panic; NaN
/// weights are below any threshold.
///
/// `n_records` above [`MAX_RECORDS`] is capped to it.
///
/// Cost: sorting the kept edges (in parallel with rayon), then near-linear
/// union-find; a guard summary exists only for records that touch a kept
/// edge.
///
/// ```
/// use omnicanal::cluster::{cluster, NoGuard};
/// use omnicanal::{Edge, RecordId};
///
/// let edges = [
///     Edge::new(RecordId(0), RecordId(1), 12.0),
///     Edge::new(RecordId(1), RecordId(2), 8.5),
///     Edge::new(RecordId(3), RecordId(4), 1.0), // below the threshold
/// ];
/// let result = cluster(5, &edges, 5.0, &NoGuard);
/// assert_eq!(result.len(), 3);
/// let first = result.cluster_of(RecordId(0)).unwrap();
/// assert_eq!(result.members(first), [RecordId(0), RecordId(1), RecordId(2)]);
/// assert_eq!(result.explain(first).len(), 2);
/// assert_eq!(result.stats().edges_below_threshold, 1);
/// ```
pub fn cluster<G: MergeGuard + Sync + ?Sized>(
    n_records: usize,
    edges: &[Edge],
    threshold: f64,
    guard: &G,
) -> Clustering {
    cluster_sorted_by(n_records, edges, threshold, guard, |_: &Edge| 0)
}

/// An edge's place in the union order, as one integer triple compared
/// without looking anything up: weight descending (in `f64::total_cmp`
/// order), then `tie` ascending, then `(a, b)` ascending. The weight's bits
/// are kept whole, so the edge is rebuilt from its key exactly.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct UnionOrder {
    /// `f64::total_cmp`'s order as an unsigned integer, complemented so that
    /// ascending order is descending weight.
    weight_descending: u64,
    tie: u64,
    /// `a` in the high half, `b` in the low half.
    pair: u64,
}

const SIGN: u64 = 1 << 63;

impl UnionOrder {
    fn of(edge: &Edge, tie: u64) -> Self {
        let bits = edge.weight.to_bits();
        // Negative floats order backwards by their bits, positive ones
        // forwards and above them: flip all bits of the first, the sign of
        // the second.
        let ascending = if bits & SIGN != 0 { !bits } else { bits | SIGN };
        UnionOrder {
            weight_descending: !ascending,
            tie,
            pair: (u64::from(edge.a.0) << 32) | u64::from(edge.b.0),
        }
    }

    /// The edge's records, `a` then `b`.
    fn records(self) -> (u32, u32) {
        ((self.pair >> 32) as u32, self.pair as u32)
    }

    fn edge(self) -> Edge {
        let ascending = !self.weight_descending;
        let bits = if ascending & SIGN != 0 {
            ascending & !SIGN
        } else {
            !ascending
        };
        Edge {
            a: RecordId((self.pair >> 32) as u32),
            b: RecordId(self.pair as u32),
            weight: f64::from_bits(bits),
        }
    }
}

/// Union-find over the kept edges in weight-descending order, ties broken
/// by `tie` (ascending) and then by record ids.
fn cluster_sorted_by<G: MergeGuard + Sync + ?Sized>(
    n_records: usize,
    edges: &[Edge],
    threshold: f64,
    guard: &G,
    tie: impl Fn(&Edge) -> u64,
) -> Clustering {
    let n = n_records.min(MAX_RECORDS);
    let mut stats = ClusterStats {
        records: n,
        edges_in: edges.len(),
        ..ClusterStats::default()
    };

    let mut kept: Vec<UnionOrder> = Vec::new();
    for edge in edges {
        // Not `weight < threshold`: that is false for NaN, and a NaN weight
        // (or threshold) must drop the edge, not keep it.
        let at_least_threshold = edge.weight >= threshold;
        if !at_least_threshold {
            stats.edges_below_threshold += 1;
            continue;
        }
        let edge = edge.canonical();
        if edge.a == edge.b || edge.b.index() >= n {
            stats.edges_invalid += 1;
            continue;
        }
        kept.push(UnionOrder::of(&edge, tie(&edge)));
    }
    // Unstable is fine: the order is total on everything an edge holds.
    kept.par_sort_unstable();

    // A guard only ever compares two clusters about to be united, and those
    // lie in one connected component of the kept edges: each component is
    // united on its own, in the global order restricted to it, exactly as
    // one pass over all edges would unite it — so the components run in
    // parallel and the partition does not depend on the thread count.
    let components = Components::of(n, &kept);
    let unite = |mut done: United, c: usize| {
        components.unite(c, &kept, guard, &mut done);
        done
    };
    let united = if kept.len() < PARALLEL_EDGES {
        (0..components.len()).fold(United::default(), unite)
    } else {
        (0..components.len())
            .into_par_iter()
            .fold(United::default, unite)
            .reduce(United::default, United::append)
    };
    drop(kept);
    let United {
        accepted,
        mut refused,
        redundant,
        representatives,
    } = united;
    // Refused edges are listed in the order they were considered.
    refused.par_sort_unstable_by_key(|(order, _)| *order);
    let refused: Vec<RefusedEdge> = refused.into_iter().map(|(_, r)| r).collect();
    stats.edges_redundant = redundant;
    stats.edges_refused = refused.len();
    stats.edges_accepted = accepted.len();

    // Dense numbering in order of smallest record: scanning records in order,
    // a cluster is first met at its smallest member, labelled by its
    // representative (the record itself when no kept edge names it).
    // `representatives` follows the components' records, component after
    // component (the union folds them in order).
    let mut cluster_of_root = vec![u32::MAX; n];
    let mut assignment = Vec::with_capacity(n);
    let mut sizes: Vec<u32> = Vec::new();
    for record in 0..n {
        let root = components.representative(record, &representatives);
        let slot = &mut cluster_of_root[root as usize];
        if *slot == u32::MAX {
            *slot = sizes.len() as u32;
            sizes.push(0);
        }
        sizes[*slot as usize] += 1;
        assignment.push(ClusterIndex(*slot));
    }
    drop(cluster_of_root);
    drop(representatives);
    drop(components);

    // Members in one flat array (a Vec per cluster would cost 24 bytes of
    // header per singleton); filled in record order, so each is ascending.
    let mut offsets = Vec::with_capacity(sizes.len() + 1);
    offsets.push(0u32);
    let mut total = 0u32;
    for &size in &sizes {
        total += size;
        offsets.push(total);
    }
    let mut next = offsets.clone();
    let mut members = vec![RecordId(0); n];
    for (record, c) in assignment.iter().enumerate() {
        let at = &mut next[c.index()];
        members[*at as usize] = RecordId(record as u32);
        *at += 1;
    }

    // Accepted edges grouped by cluster, strongest first within: a counting
    // sort, stable, as the edges come in union order within each cluster.
    let accepted = group_by_cluster(accepted, &assignment, sizes.len());

    stats.clusters = sizes.len();
    stats.singletons = sizes.iter().filter(|&&s| s == 1).count();
    stats.largest_cluster = sizes.iter().copied().max().unwrap_or(0) as usize;

    Clustering {
        assignment,
        members,
        offsets,
        accepted,
        refused,
        stats,
    }
}

/// `edges` grouped by the cluster of their first record, in cluster order,
/// keeping their order within a cluster.
fn group_by_cluster(edges: Vec<Edge>, assignment: &[ClusterIndex], clusters: usize) -> Vec<Edge> {
    let cluster_of = |edge: &Edge| assignment[edge.a.index()].index();
    let mut next = vec![0usize; clusters + 1];
    for edge in &edges {
        next[cluster_of(edge) + 1] += 1;
    }
    for c in 1..next.len() {
        next[c] += next[c - 1];
    }
    let mut grouped = edges.clone();
    for edge in edges {
        let at = &mut next[cluster_of(&edge)];
        grouped[*at] = edge;
        *at += 1;
    }
    grouped
}

/// Below this many kept edges the components are united on the calling
/// thread: a live resolver's upsert clusters a region of a few records,
/// where handing the work to the thread pool would cost more than the work.
const PARALLEL_EDGES: usize = 4096;

/// The connected components of the kept edges, guards ignored: for each,
/// its records and its edges in the union order.
struct Components {
    /// The records of every component, component after component, each
    /// component's in record order.
    records: Vec<u32>,
    /// `records[record_starts[c]..record_starts[c + 1]]` are component `c`'s.
    record_starts: Vec<usize>,
    /// Positions in the sorted kept edges, component after component, each
    /// component's ascending (its part of the union order).
    edges: Vec<usize>,
    /// `edges[edge_starts[c]..edge_starts[c + 1]]` are component `c`'s.
    edge_starts: Vec<usize>,
    /// Per record, its component ([`NOT_TOUCHED`] for a record no kept
    /// edge names).
    component: Vec<u32>,
    /// Per record, its position among its component's records
    /// ([`NOT_TOUCHED`] for a record no kept edge names).
    local: Vec<u32>,
}

const NOT_TOUCHED: u32 = u32::MAX;

impl Components {
    /// The components of `kept` (sorted, every id below `n`), numbered in
    /// the order of their smallest record, each component's records in
    /// record order. Cost: one unguarded union-find pass, then passes over
    /// the records in order and two over the edges, each edge read for its
    /// first record's component only: at 10M records these arrays are far
    /// larger than the caches, and following the edges in weight order to
    /// number components and place records cost a cache miss per step.
    fn of(n: usize, kept: &[UnionOrder]) -> Self {
        let mut sets: UnionFind<u32> = UnionFind::new(n);
        for edge in kept {
            let (a, b) = edge.records();
            let _ = sets.try_union(a, b);
        }
        // Ids below `n` <= MAX_RECORDS fit a u32.
        let roots: Vec<u32> = (0..n as u32)
            .map(|record| sets.try_find_mut(record).unwrap_or(record))
            .collect();
        drop(sets);
        let mut set_sizes = vec![0u32; n];
        for &root in &roots {
            set_sizes[root as usize] += 1;
        }
        // A component is a set of two records or more: a kept edge never
        // joins a record to itself, and a record no edge names is alone.
        let mut component_of_root = vec![NOT_TOUCHED; n];
        let mut component = vec![NOT_TOUCHED; n];
        let mut local = vec![NOT_TOUCHED; n];
        let mut record_counts: Vec<usize> = Vec::new();
        for (record, &root) in roots.iter().enumerate() {
            if set_sizes[root as usize] < 2 {
                continue;
            }
            let c = &mut component_of_root[root as usize];
            if *c == NOT_TOUCHED {
                *c = record_counts.len() as u32;
                record_counts.push(0);
            }
            let c = *c;
            component[record] = c;
            local[record] = record_counts[c as usize] as u32;
            record_counts[c as usize] += 1;
        }
        drop((roots, set_sizes, component_of_root));

        let component_of_edge = |edge: &UnionOrder| component[edge.records().0 as usize] as usize;
        let mut edge_counts = vec![0usize; record_counts.len()];
        for edge in kept {
            edge_counts[component_of_edge(edge)] += 1;
        }
        let starts = |counts: &[usize]| -> Vec<usize> {
            std::iter::once(0)
                .chain(counts.iter().scan(0, |total, &count| {
                    *total += count;
                    Some(*total)
                }))
                .collect()
        };
        let (record_starts, edge_starts) = (starts(&record_counts), starts(&edge_counts));
        let mut records = vec![0u32; record_starts.last().copied().unwrap_or(0)];
        for (record, &c) in component.iter().enumerate() {
            if c != NOT_TOUCHED {
                records[record_starts[c as usize] + local[record] as usize] = record as u32;
            }
        }
        let mut edges = vec![0usize; kept.len()];
        let mut next_edge = edge_starts.clone();
        for (order, edge) in kept.iter().enumerate() {
            let c = component_of_edge(edge);
            edges[next_edge[c]] = order;
            next_edge[c] += 1;
        }
        Components {
            records,
            record_starts,
            edges,
            edge_starts,
            component,
            local,
        }
    }

    fn len(&self) -> usize {
        self.record_starts.len().saturating_sub(1)
    }

    /// The representative of `record`'s cluster, read from the united
    /// components' `representatives`; the record itself when no kept edge
    /// names it.
    fn representative(&self, record: usize, representatives: &[u32]) -> u32 {
        match self.component[record] {
            NOT_TOUCHED => record as u32,
            c => representatives
                .get(self.record_starts[c as usize] + self.local[record] as usize)
                .copied()
                .unwrap_or(record as u32),
        }
    }

    /// Unites component `c`'s records along its edges in the union order,
    /// asking `guard` before each union of two clusters, into `done`. Its
    /// union-find and summaries are its own, indexed by local positions:
    /// a component's clusters never meet another's.
    fn unite<G: MergeGuard + ?Sized>(
        &self,
        c: usize,
        kept: &[UnionOrder],
        guard: &G,
        done: &mut United,
    ) {
        let records = &self.records[self.record_starts[c]..self.record_starts[c + 1]];
        let mut sets: UnionFind<u32> = UnionFind::new(records.len());
        // The summary of each cluster, at its representative; none yet at a
        // representative that heads a singleton.
        let mut summaries: Vec<Option<G::Summary>> = std::iter::repeat_with(|| None)
            .take(records.len())
            .collect();
        let summary_of = |root: u32, summaries: &mut Vec<Option<G::Summary>>| {
            summaries[root as usize]
                .take()
                .unwrap_or_else(|| guard.summarize(RecordId(records[root as usize])))
        };
        for &order in &self.edges[self.edge_starts[c]..self.edge_starts[c + 1]] {
            let (a, b) = kept[order].records();
            let (la, lb) = (self.local[a as usize], self.local[b as usize]);
            let (Some(ra), Some(rb)) = (sets.try_find_mut(la), sets.try_find_mut(lb)) else {
                continue;
            };
            if ra == rb {
                done.redundant += 1;
                continue;
            }
            let (sa, sb) = (
                summary_of(ra, &mut summaries),
                summary_of(rb, &mut summaries),
            );
            let edge = kept[order].edge();
            match guard.check(&sa, &sb) {
                Err(reason) => {
                    summaries[ra as usize] = Some(sa);
                    summaries[rb as usize] = Some(sb);
                    done.refused.push((order, RefusedEdge { edge, reason }));
                }
                Ok(()) => {
                    let _ = sets.try_union(ra, rb);
                    let root = sets.try_find_mut(ra).unwrap_or(ra);
                    summaries[root as usize] = Some(guard.merge(sa, sb));
                    done.accepted.push(edge);
                }
            }
        }
        for position in 0..records.len() as u32 {
            let root = sets.try_find_mut(position).unwrap_or(position);
            done.representatives.push(records[root as usize]);
        }
    }
}

/// What uniting some components gave.
#[derive(Default)]
struct United {
    /// Accepted edges, component after component, each component's in the
    /// union order.
    accepted: Vec<Edge>,
    /// Refused edges with their positions in the union order.
    refused: Vec<(usize, RefusedEdge)>,
    /// Edges whose records were already in one cluster.
    redundant: usize,
    /// The representative of every record of the components, in the
    /// order of `Components::records`.
    representatives: Vec<u32>,
}

impl United {
    fn append(mut self, mut other: United) -> United {
        self.accepted.append(&mut other.accepted);
        self.refused.append(&mut other.refused);
        self.redundant += other.redundant;
        self.representatives.append(&mut other.representatives);
        self
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The integer key orders edges as comparing weights with
        /// `total_cmp` (descending), then the tie, then the ids did, and gives
        /// the edge back bit for bit.
        #[test]
        fn union_order_is_the_strength_order(
            wa in any::<f64>(), wb in prop::sample::select(vec![0.0, -0.0, 1.5, -3.25, f64::INFINITY]),
            ta in 0u64..3, tb in 0u64..3,
            (a1, a2, b1, b2) in (0u32..5, 0u32..5, 0u32..5, 0u32..5),
        ) {
            for (wa, wb) in [(wa, wb), (wa, wa), (wb, wb)] {
                let p = Edge::new(RecordId(a1), RecordId(a2), wa);
                let q = Edge::new(RecordId(b1), RecordId(b2), wb);
                let expected = q
                    .weight
                    .total_cmp(&p.weight)
                    .then(ta.cmp(&tb))
                    .then_with(|| p.cmp_strength(&q));
                prop_assert_eq!(UnionOrder::of(&p, ta).cmp(&UnionOrder::of(&q, tb)), expected);
                let back = UnionOrder::of(&p, ta).edge();
                prop_assert_eq!((back.a, back.b, back.weight.to_bits()), (p.a, p.b, p.weight.to_bits()));
            }
        }
    }
}
