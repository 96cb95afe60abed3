//! The live resolver at scale: resolve most of a synthetic population in one
//! batch, then feed the rest one record at a time through `upsert`, erase
//! some, and report per-call latency, throughput and peak memory.
//!
//! ```sh
//! cargo run --release --all-features --example live_scale               # 1M records
//! cargo run --release --all-features --example live_scale -- 100000     # another size
//! RAYON_NUM_THREADS=1 cargo run --release --all-features --example live_scale
//! cargo run --release --all-features --example live_scale -- 100000 20000  # hold out 20k
//! OMNICANAL_LIVE_EVENTS=20000000 cargo run --release --all-features --example live_scale
//! # keep the snapshot, then time a cold load in a fresh process
//! OMNICANAL_KEEP_SNAPSHOT=/tmp/live.snap cargo run --release --all-features --example live_scale
//! cargo run --release --all-features --example live_scale -- --load /tmp/live.snap
//! ```
//!
//! `OMNICANAL_LIVE_EVENTS=N` loads N synthetic events (purchases, a third
//! with an order reference) over the batch's records before the upserts, so
//! that the snapshot figures include them. With `OMNICANAL_RAW_EVENTS_SIZE=1`
//! it also prints their size as the systems would export them (the columns
//! and formats of `synth`'s `events.csv`), the events' share of the raw
//! input the snapshot is compared with; the records' share is the size of
//! `synth --persons 537635 --seed 42`'s four source files (the same
//! population as the default run).
//!
//! The held-out records (2 %, at most 50,000) are chosen at random, so most
//! of them belong to a person the batch already knows: the upserts attach,
//! merge and create as a CRM feed would. Upserts and erasures run on one
//! thread (they take `&mut self`); the batch before them uses every core.

mod support;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use jiff::Timestamp;
use omnicanal::SourceKey;
use omnicanal::normalize::{NormalizeOptions, Normalizer};
use omnicanal::resolver::{Change, LiveResolver, Settings};
use omnicanal::synth::{EventRates, SynthConfig, generate};
use omnicanal::timeline::{Currency, Event, EventKind, Money};
use rayon::prelude::*;
use support::{mib, peak_rss_bytes, thousands};

/// Records per person in the generator's default channel mix.
const RECORDS_PER_PERSON: f64 = 1.86;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().nth(1).as_deref() == Some("--load") {
        // A cold load in a fresh process, as a CRM restarting would do.
        let path = std::env::args()
            .nth(2)
            .ok_or("--load needs a snapshot path")?;
        let started = Instant::now();
        let live = LiveResolver::load(std::path::Path::new(&path))?;
        println!(
            "loaded {} records, {} customers, {} events in {:.2?}; peak RSS {}",
            thousands(live.len() as u64),
            thousands(live.customer_count() as u64),
            thousands(live.event_count() as u64),
            started.elapsed(),
            peak_rss_bytes().map_or("n/a".into(), mib)
        );
        return Ok(());
    }
    let target: u64 = match std::env::args().nth(1) {
        Some(a) => a.replace('_', "").parse()?,
        None => 1_000_000,
    };
    let persons = ((target as f64) / RECORDS_PER_PERSON).ceil() as u64;
    let dataset = generate(&SynthConfig {
        persons,
        seed: 42,
        events: EventRates::none(),
        ..SynthConfig::default()
    });
    let normalizer = Normalizer::new(NormalizeOptions::default())?;
    let mut normalized: Vec<_> = dataset
        .records
        .par_iter()
        .map(|r| normalizer.normalize(r))
        .collect();
    drop(dataset);

    // Hold out a random 2 % (deterministic: a fixed-seed LCG shuffle of the
    // tail positions).
    let held_out_count = match std::env::args().nth(2) {
        Some(a) => a
            .replace('_', "")
            .parse::<usize>()?
            .clamp(1, normalized.len()),
        None => (normalized.len() / 50).clamp(1, 50_000),
    };
    let mut state: u64 = 0x5eed;
    for i in (1..normalized.len()).rev().take(held_out_count) {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = (state >> 33) as usize % (i + 1);
        normalized.swap(i, j);
    }
    let held_out = normalized.split_off(normalized.len() - held_out_count);
    println!(
        "records: {} in the batch, {} upserted one by one; threads: {}",
        thousands(normalized.len() as u64),
        thousands(held_out.len() as u64),
        rayon::current_num_threads()
    );

    let started = Instant::now();
    let mut live = LiveResolver::from_batch(Settings::default(), normalized)?;
    println!(
        "batch + going live: {:.2?}, {} customers",
        started.elapsed(),
        thousands(live.customer_count() as u64)
    );

    let event_count: usize = std::env::var("OMNICANAL_LIVE_EVENTS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(0);
    if event_count > 0 {
        let keys: Vec<SourceKey> = live.records().map(|r| r.key.clone()).collect();
        let started = Instant::now();
        let events = synthetic_events(&keys, event_count);
        let generated = started.elapsed();
        if std::env::var_os("OMNICANAL_RAW_EVENTS_SIZE").is_some() {
            println!(
                "events as exported (synth's events.csv format): {}",
                mib(raw_events_csv_bytes(&events)?)
            );
        }
        let started = Instant::now();
        let pending = live.load_events(events)?;
        println!(
            "events: {} generated in {:.2?}, loaded in {:.2?} ({} pending)",
            thousands(event_count as u64),
            generated,
            started.elapsed(),
            pending
        );
    }

    let mut kinds = [0u64; 7];
    let mut latencies = Vec::with_capacity(held_out.len());
    let erase_keys: Vec<_> = held_out.iter().step_by(10).map(|r| r.key.clone()).collect();
    let cpu_before = thread_cpu();
    let started = Instant::now();
    for record in held_out {
        let t = Instant::now();
        let changes = live.upsert(record)?;
        latencies.push(t.elapsed());
        for c in &changes {
            kinds[kind_index(c)] += 1;
        }
    }
    let upsert_total = started.elapsed();
    let upsert_cpu = thread_cpu()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    report("upsert", &mut latencies, upsert_total);
    if let Some(cpu) = upsert_cpu {
        // On a shared machine wall time includes waiting for a core; this
        // thread's own CPU time does not.
        println!(
            "  on-CPU time {:.2?} = {:.0}/s per CPU-second",
            cpu,
            latencies.len() as f64 / cpu.as_secs_f64().max(1e-9)
        );
    }
    println!(
        "  changes: {} created, {} attached, {} merged, {} split, {} updated",
        kinds[0], kinds[1], kinds[3], kinds[4], kinds[2]
    );

    let mut latencies = Vec::with_capacity(erase_keys.len());
    let started = Instant::now();
    for key in &erase_keys {
        let t = Instant::now();
        live.erase(key)?;
        latencies.push(t.elapsed());
    }
    report("erase", &mut latencies, started.elapsed());
    // OMNICANAL_KEEP_SNAPSHOT=PATH keeps the file for `--load PATH`.
    let kept = std::env::var_os("OMNICANAL_KEEP_SNAPSHOT").map(std::path::PathBuf::from);
    let path = kept.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("omnicanal-live-{}.snap", std::process::id()))
    });
    let started = Instant::now();
    let info = live.save(&path)?;
    let save_time = started.elapsed();
    let started = Instant::now();
    let loaded = LiveResolver::load(&path)?;
    let load_time = started.elapsed();
    if kept.is_none() {
        std::fs::remove_file(&path)?;
    }
    println!(
        "snapshot: {} ({:.0} bytes per record and its events), {} events; saved in {:.2?}, loaded in {:.2?}",
        mib(info.file_bytes()),
        info.file_bytes() as f64 / live.len().max(1) as f64,
        thousands(live.event_count() as u64),
        save_time,
        load_time
    );
    assert_eq!(loaded.len(), live.len());
    assert_eq!(loaded.event_count(), live.event_count());
    drop(loaded);
    println!(
        "graph: {} records, {} customers; peak RSS {}",
        thousands(live.len() as u64),
        thousands(live.customer_count() as u64),
        peak_rss_bytes().map_or("n/a".into(), mib)
    );
    Ok(())
}

/// `n` purchases spread over the records, two years of them, a third with
/// an order reference and a store code: the shape of the retailer's events.
fn synthetic_events(keys: &[SourceKey], n: usize) -> Vec<Event> {
    (0..n)
        .into_par_iter()
        .map(|i| {
            let mixed = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let key = &keys[(mixed >> 20) as usize % keys.len()];
            let with_order = i % 3 == 0;
            Event {
                id: format!("E{i:09}"),
                source: key.clone(),
                timestamp: Timestamp::from_second(1_672_531_200 + (mixed % 63_072_000) as i64)
                    .unwrap_or(Timestamp::UNIX_EPOCH),
                channel: key.channel.clone(),
                kind: EventKind::Purchase,
                amount: Some(Money {
                    minor: (mixed % 50_000) as i64,
                    currency: Currency::EUR,
                }),
                order_ref: with_order.then(|| format!("CMD-{:08}", i / 3)),
                store: with_order.then(|| format!("S{:03}", mixed % 400)),
                attributes: Vec::new(),
            }
        })
        .collect()
}

/// The bytes of `events` written as `synth` writes `events.csv` (same
/// columns, Paris time with its offset, euros with two decimals), counted
/// in parallel chunks without keeping the text.
fn raw_events_csv_bytes(events: &[Event]) -> Result<u64, Box<dyn std::error::Error>> {
    let paris = jiff::tz::TimeZone::get("Europe/Paris")?;
    let chunks: Vec<Result<u64, String>> = events
        .par_chunks(65_536)
        .map(|chunk| {
            let mut w = csv::Writer::from_writer(Vec::new());
            support::events_csv::write_rows(&mut w, chunk, &paris).map_err(|e| e.to_string())?;
            let bytes = w.into_inner().map_err(|e| e.to_string())?;
            Ok(bytes.len() as u64)
        })
        .collect();
    // The header: its names, the commas between them and the newline.
    let header = support::events_csv::HEADER;
    let mut total = (header.iter().map(|h| h.len()).sum::<usize>() + header.len()) as u64;
    for chunk in chunks {
        total += chunk?;
    }
    Ok(total)
}

/// This thread's time on a CPU so far (Linux: `/proc/thread-self/schedstat`,
/// nanoseconds); `None` elsewhere.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn kind_index(change: &Change) -> usize {
    match change {
        Change::Created { .. } => 0,
        Change::Attached { .. } => 1,
        Change::Updated { .. } => 2,
        Change::Merged { .. } => 3,
        Change::Split { .. } => 4,
        Change::Detached { .. } => 5,
        Change::Removed { .. } => 6,
    }
}

fn report(what: &str, latencies: &mut [Duration], total: Duration) {
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or_default()
    };
    println!(
        "{what}: {} calls in {:.2?} = {:.0}/s; median {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        thousands(latencies.len() as u64),
        total,
        latencies.len() as f64 / total.as_secs_f64().max(1e-9),
        at(0.5).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6,
        at(1.0).as_secs_f64() * 1e6,
    );
}
