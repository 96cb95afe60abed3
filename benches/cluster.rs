//! Clustering alone: the union-find and component passes over a graph of a
//! batch's shape, without guards (their cost is the records', not the
//! graph's). Persons of one to four records, every pair of a person's
//! records an edge, ids spread over the batch as a channel's exports spread
//! a person's records: at 10M records the per-record arrays are far larger
//! than the caches, which is what this measures.
//!
//! `OMNICANAL_BENCH_RECORDS` (default 1,000,000) sets the records; for the
//! 10M case: `OMNICANAL_BENCH_RECORDS=10000000 cargo bench --bench cluster`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use omnicanal::RecordId;
use omnicanal::cluster::{Edge, NoGuard, cluster};

/// The edges of `n` records in persons of one to four, ids spread by a
/// multiplicative permutation, weights from a xorshift stream.
fn batch_graph(n: u32) -> Vec<Edge> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // 2,654,435,761 is prime: multiplying by it modulo any smaller n
    // permutes 0..n.
    let spread = |i: u32| ((u64::from(i) * 2_654_435_761) % u64::from(n)) as u32;
    let mut edges = Vec::new();
    let mut first = 0u32;
    while first < n {
        let size = 1 + (next() % 4) as u32;
        let ids: Vec<u32> = (first..(first + size).min(n)).map(spread).collect();
        for (i, &a) in ids.iter().enumerate() {
            for &b in &ids[i + 1..] {
                let weight = (next() % 1000) as f64 / 10.0;
                edges.push(Edge::new(RecordId(a), RecordId(b), weight));
            }
        }
        first += size;
    }
    // Scored pairs come in record order.
    edges.sort_by_key(|e| (e.a.0.min(e.b.0), e.a.0.max(e.b.0)));
    edges
}

fn bench_cluster(c: &mut Criterion) {
    let n: u32 = std::env::var("OMNICANAL_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let edges = batch_graph(n);
    let mut group = c.benchmark_group("cluster");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(u64::from(n)));
    group.bench_function(format!("{n} records, {} edges", edges.len()), |b| {
        b.iter(|| black_box(cluster(n as usize, &edges, 0.0, &NoGuard)).len())
    });
    group.finish();
}

criterion_group!(benches, bench_cluster);
criterion_main!(benches);
