//! The live resolver: upsert and erase against a resolved graph, snapshot
//! save and load.
//!
//! Targets (issue 6): upsert against a 1M-record graph ≥ 50,000 records/s on
//! one core (median ≤ 20 µs); erase ≤ 1 ms; snapshot save and load of 1M
//! records (and 20M events) ≤ 5 s each.
//!
//! The graph size comes from the environment so that a plain `cargo bench`
//! stays short: `OMNICANAL_BENCH_RECORDS` (default 100,000). Full target:
//! `OMNICANAL_BENCH_RECORDS=1000000 cargo bench --all-features --bench live`
//! (about a minute of set-up: generating, normalizing and resolving 1M
//! synthetic records). `examples/live_scale.rs` prints the same figures with
//! medians, p99 and peak memory in one run.
//!
//! Measured: `upsert` feeds records the batch has not seen (held out from
//! the generated population, so most of them attach to a known person);
//! each timed batch of upserts is erased again untimed, so every iteration
//! runs against the same graph. `erase` is timed the other way round.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use omnicanal::normalize::{NormalizeOptions, NormalizedRecord, Normalizer};
use omnicanal::resolver::{LiveResolver, Settings};
use omnicanal::synth::{EventRates, SynthConfig, generate};
use rayon::prelude::*;

fn records_wanted() -> usize {
    std::env::var("OMNICANAL_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(100_000)
}

fn label(n: usize) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.0}M", n as f64 / 1e6),
        n if n >= 1_000 => format!("{:.0}k", n as f64 / 1e3),
        n => n.to_string(),
    }
}

/// The graph of all but a random 5,000 records, and those 5,000.
fn setup(target: usize) -> (LiveResolver, Vec<NormalizedRecord>) {
    let dataset = generate(&SynthConfig {
        persons: (target as f64 / 1.86).ceil() as u64,
        seed: 42,
        events: EventRates::none(),
        ..SynthConfig::default()
    });
    let normalizer = Normalizer::new(NormalizeOptions::default()).expect("default options");
    let mut normalized: Vec<NormalizedRecord> = dataset
        .records
        .par_iter()
        .map(|r| normalizer.normalize(r))
        .collect();
    let held_out = 5_000.min(normalized.len() / 2);
    let mut state: u64 = 0x5eed;
    for i in (1..normalized.len()).rev().take(held_out) {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        normalized.swap(i, (state >> 33) as usize % (i + 1));
    }
    let fresh = normalized.split_off(normalized.len() - held_out);
    let live = LiveResolver::from_batch(Settings::default(), normalized).expect("resolves");
    (live, fresh)
}

fn live(c: &mut Criterion) {
    let n = records_wanted();
    let (mut live, fresh) = setup(n);
    let size = label(live.len());
    let mut group = c.benchmark_group("live");
    group.throughput(Throughput::Elements(1));

    group.bench_function(BenchmarkId::new("upsert/new_record", &size), |b| {
        let mut next = 0;
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut inserted = Vec::new();
            for _ in 0..iters {
                let record = fresh[next % fresh.len()].clone();
                next += 1;
                let key = record.key.clone();
                let started = Instant::now();
                let changes = live.upsert(record).expect("upsert");
                total += started.elapsed();
                assert!(!changes.is_empty(), "a new record always changes the graph");
                inserted.push(key);
                if inserted.len() == fresh.len() {
                    for key in inserted.drain(..) {
                        live.erase(&key).expect("erase");
                    }
                }
            }
            for key in inserted {
                live.erase(&key).expect("erase");
            }
            total
        })
    });

    group.bench_function(BenchmarkId::new("erase/record", &size), |b| {
        let mut next = 0;
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let record = fresh[next % fresh.len()].clone();
                next += 1;
                let key = record.key.clone();
                live.upsert(record).expect("upsert");
                let started = Instant::now();
                let changes = live.erase(&key).expect("erase");
                total += started.elapsed();
                assert!(
                    !changes.is_empty(),
                    "erasing a held record changes the graph"
                );
            }
            total
        })
    });

    group.sample_size(10);
    group.throughput(Throughput::Elements(live.len() as u64));
    let dir = std::env::temp_dir().join(format!("omnicanal-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("live.snap");
    group.bench_function(BenchmarkId::new("snapshot/save", &size), |b| {
        b.iter(|| black_box(live.save(&path).expect("save")).payload_bytes)
    });
    group.bench_function(BenchmarkId::new("snapshot/load", &size), |b| {
        b.iter(|| {
            let loaded = LiveResolver::load(&path).expect("load");
            assert_eq!(loaded.len(), live.len());
            loaded
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, live);
criterion_main!(benches);
