//! The call centre's figures at full scale: a million customers and twenty
//! million events in memory.
//!
//! ```sh
//! cargo run --release --features synth --example timeline_scale
//! cargo run --release --features synth --example timeline_scale -- 100000 2000000   # persons, events
//! ```
//!
//! Measures, and prints with the targets of the issue beside them:
//!
//! 1. building every timeline from the events (rayon, all threads);
//! 2. bytes per event held by the store beyond strings and free attributes;
//! 3. "phone lookup → last 50 events" on one core: 10,000 queries, each
//!    timed alone with `Instant`, median and p99 (criterion gives no p99);
//! 4. a fuzzy name search (a misspelt family name and a postcode) on one
//!    core, median and p99 over 5,000 queries.
//!
//! Data: `omnicanal::synth` with the given persons and every event rate
//! scaled so the events come near the target (the defaults give about 8 per
//! person). The graph is built on the generator's true clustering (one
//! customer per person), as `benches/lookup.rs` does: the figures are those
//! of the lookups and the store, not of a resolution, which `examples/scale`
//! measures. Queries spell phones as a cashier would (`06 12 34 56 78`).
//! Figures are wall-clock; on a shared machine they are upper bounds.

mod support;

/// The same allocator as the other scale examples (see the `mimalloc`
/// entry in Cargo.toml): building frees twenty million events' strings,
/// which glibc spends much of the build consolidating.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use omnicanal::cluster::{NoGuard, cluster};
use omnicanal::graph::{CustomerGraph, Lookup, NameQuery};
use omnicanal::normalize::{NormalizeOptions, Normalizer};
use omnicanal::synth::{EventRates, SynthConfig, generate};
use omnicanal::timeline::{Event, Timelines};
use omnicanal::{Edge, RecordId, SourceKey};
use rayon::prelude::*;
use support::{mib, peak_rss_bytes, thousands};

/// Events per person with the default rates (measured on the bundled
/// sample: 16,256 events for 2,000 persons).
const DEFAULT_EVENTS_PER_PERSON: f64 = 8.13;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut build_only = false;
    let mut scattered = false;
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter(|a| {
            // `--scattered`: build from the events where the generator left
            // them (see `as_read_from_an_export`).
            if a == "--scattered" {
                scattered = true;
                return false;
            }
            // `--build-only`: generate, build the store, stop (no graph, no
            // queries); the quick loop for profiling the build.
            let flag = a == "--build-only";
            build_only |= flag;
            !flag
        })
        .map(|a| a.replace('_', "").parse::<u64>())
        .collect::<Result<_, _>>()?;
    let persons = args.first().copied().unwrap_or(1_000_000);
    let target_events = args.get(1).copied().unwrap_or(20_000_000);
    println!(
        "threads: {} (RAYON_NUM_THREADS to change); size_of::<Event>() = {} bytes",
        rayon::current_num_threads(),
        size_of::<Event>()
    );

    // ---- generate
    let scale = target_events as f64 / (persons as f64 * DEFAULT_EVENTS_PER_PERSON);
    let defaults = EventRates::default();
    let rates = EventRates {
        store_purchases: defaults.store_purchases * scale,
        web_orders: defaults.web_orders * scale,
        app_orders: defaults.app_orders * scale,
        app_sessions: defaults.app_sessions * scale,
        calls: defaults.calls * scale,
        ..defaults
    };
    let started = Instant::now();
    let mut data = generate(&SynthConfig {
        persons,
        seed: 42,
        events: rates,
        ..SynthConfig::default()
    });
    println!(
        "generated {} persons, {} records, {} events in {:.1?} (rates ×{scale:.2}); peak RSS so far {}",
        thousands(persons),
        thousands(data.records.len() as u64),
        thousands(data.events.len() as u64),
        started.elapsed(),
        peak_rss_bytes().map(mib).unwrap_or_default(),
    );
    // The truth of events is not needed: free it before the big allocations.
    data.truth.events = Vec::new();

    // ---- the true clustering and the graph
    let started = Instant::now();
    let n_records = data.records.len();
    let mut by_person: Vec<(u64, u32)> = data
        .truth
        .records
        .iter()
        .enumerate()
        .map(|(r, t)| (t.person.0, r as u32))
        .collect();
    by_person.sort_unstable();
    let edges: Vec<Edge> = by_person
        .windows(2)
        .filter(|w| w[0].0 == w[1].0)
        .map(|w| Edge::new(RecordId(w[0].1), RecordId(w[1].1), 10.0))
        .collect();
    drop(by_person);
    let clustering = cluster(n_records, &edges, 0.0, &NoGuard);
    let keys: Vec<SourceKey> = data.records.iter().map(|r| r.key.clone()).collect();
    let customer_of_record: Vec<u32> = clustering.assignment().iter().map(|c| c.0).collect();
    let graph = if build_only {
        None
    } else {
        let normalizer = Normalizer::new(NormalizeOptions::default())?;
        let normalized: Vec<_> = data
            .records
            .par_iter()
            .map(|r| normalizer.normalize(r))
            .collect();
        let ids: Vec<_> = clustering
            .clusters()
            .filter_map(|(c, _)| clustering.customer_id(c, &keys))
            .collect();
        let graph = CustomerGraph::builder(normalized, clustering, ids)
            .raw_records(&data.records)
            .build()?;
        println!(
            "graph: {} customers, {} records, built in {:.1?} (normalize, profiles, indexes {})",
            thousands(graph.len() as u64),
            thousands(graph.n_records() as u64),
            started.elapsed(),
            mib(graph.index_memory_bytes() as u64),
        );
        Some(graph)
    };
    data.records = Vec::new();
    data.truth.records = Vec::new();

    // ---- timelines
    let n_events = data.events.len();
    let events = std::mem::take(&mut data.events);
    let events = if scattered {
        println!("events as the generator left them (--scattered)");
        events
    } else {
        as_read_from_an_export(events)
    };
    let lookup: HashMap<&SourceKey, RecordId> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k, RecordId(i as u32)))
        .collect();
    let rss_before = current_rss_bytes();
    let cpu_before = cpu_time();
    let started = Instant::now();
    let built = Timelines::build(events, |k| lookup.get(k).copied(), &customer_of_record)?;
    let build_time = started.elapsed();
    let build_cpu = cpu_time()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    drop(lookup);
    let timelines = built.timelines;
    let memory = timelines.memory();
    println!(
        "\ntimeline build     {:>9.2?} for {} events on {} threads ({:.1} M events/s; {} orphans)   target ≤ 10 s for 20M on 2 cores",
        build_time,
        thousands(n_events as u64),
        rayon::current_num_threads(),
        n_events as f64 / build_time.as_secs_f64() / 1e6,
        built.orphans.len(),
    );
    if let Some(cpu) = build_cpu {
        // On a shared machine the wall time includes waiting for a core;
        // CPU time over the thread count is what the build would take alone.
        println!(
            "                   CPU time {:.2?} (user + system, all threads): {:.2?} of wall time on an idle machine with {} cores",
            cpu,
            cpu / rayon::current_num_threads().max(1) as u32,
            rayon::current_num_threads(),
        );
    }
    println!(
        "store memory       {:>9.1} bytes/event beyond strings and attributes ({:.1} total, {:.1} strings, {:.1} attributes; {} in all)   target ≤ 64",
        memory.overhead_per_event(),
        memory.total as f64 / n_events.max(1) as f64,
        memory.string_bytes as f64 / n_events.max(1) as f64,
        memory.attribute_bytes as f64 / n_events.max(1) as f64,
        mib(memory.total as u64),
    );
    if let (Some(before), Some(after)) = (rss_before, current_rss_bytes()) {
        println!(
            "                   RSS {} before the build, {} after (the input events are freed by the build)",
            mib(before),
            mib(after)
        );
    }

    let Some(graph) = graph else {
        return Ok(());
    };

    // ---- queries, on this thread only
    let step = (graph.len() / 20_000).max(1);
    let sample: Vec<_> = graph.profiles().iter().step_by(step).collect();
    let phones: Vec<String> = sample
        .iter()
        .filter_map(|p| p.phone())
        .map(|p| national(&p.e164))
        .take(10_000)
        .collect();
    let names: Vec<NameQuery> = sample
        .iter()
        .filter_map(|p| {
            let name = p.name()?;
            let postcode = p.address()?.postcode.clone()?;
            Some(
                NameQuery::new(format!("{} {}", misspell(&name.family), name.given))
                    .postcode(postcode),
            )
        })
        .take(5_000)
        .collect();

    // Warm-up: page the indexes and the store in once, as a running service would have.
    for phone in &phones {
        black_box(last_50(&graph, &timelines, phone));
    }
    let mut found = 0usize;
    let mut ambiguous = 0usize;
    let mut lookup_times = Vec::with_capacity(phones.len());
    let mut events_returned = 0usize;
    for phone in &phones {
        let started = Instant::now();
        let (answer, n) = last_50(&graph, &timelines, phone);
        lookup_times.push(started.elapsed());
        events_returned += n;
        match answer {
            Outcome::Found => found += 1,
            Outcome::Ambiguous => ambiguous += 1,
            Outcome::Other => {}
        }
    }
    let (median, p99, max) = percentiles(&mut lookup_times);
    println!(
        "phone → last 50    median {:>8.2?}  p99 {:>8.2?}  max {:>8.2?}   over {} queries on one core ({} unique, {} ambiguous → first candidate; {:.1} events/answer)   target ≤ 10 µs median",
        median,
        p99,
        max,
        thousands(phones.len() as u64),
        found,
        ambiguous,
        events_returned as f64 / phones.len().max(1) as f64,
    );

    for query in names.iter().take(500) {
        black_box(graph.search_name(query));
    }
    let mut name_times = Vec::with_capacity(names.len());
    let mut hits = 0usize;
    for query in &names {
        let started = Instant::now();
        let candidates = graph.search_name(black_box(query));
        name_times.push(started.elapsed());
        hits += usize::from(!candidates.is_empty());
    }
    let (median, p99, max) = percentiles(&mut name_times);
    println!(
        "fuzzy name search  median {:>8.2?}  p99 {:>8.2?}  max {:>8.2?}   over {} queries on one core (misspelt family name + postcode; {} with candidates)   target ≤ 1 ms",
        median,
        p99,
        max,
        thousands(names.len() as u64),
        hits,
    );
    if let Some(peak) = peak_rss_bytes() {
        println!("peak RSS           {}", mib(peak));
    }
    Ok(())
}

enum Outcome {
    Found,
    Ambiguous,
    Other,
}

/// What the agent's screen needs after a phone number: the customer, and
/// the 50 most recent events of its timeline. An ambiguous number opens the
/// first-ranked candidate, as an agent would after one more question.
fn last_50(graph: &CustomerGraph, timelines: &Timelines, phone: &str) -> (Outcome, usize) {
    let found = graph.by_phone(black_box(phone));
    let (outcome, cluster) = match &found {
        Lookup::Found(m) => (Outcome::Found, Some(m.cluster)),
        Lookup::Ambiguous(ms) => (Outcome::Ambiguous, ms.first().map(|m| m.cluster)),
        _ => (Outcome::Other, None),
    };
    let n = match cluster {
        Some(c) => {
            let page = timelines.timeline(c).newest_first().limit(50).page();
            black_box(&page);
            page.events.len()
        }
        None => 0,
    };
    (outcome, n)
}

/// Median, p99 and max.
fn percentiles(times: &mut [Duration]) -> (Duration, Duration, Duration) {
    if times.is_empty() {
        return (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99), times[times.len() - 1])
}

/// Spells a metropolitan E.164 number as a cashier would (`06 12 34 56
/// 78`); other numbers stay as they are.
fn national(e164: &str) -> String {
    let Some(digits) = e164.strip_prefix("+33") else {
        return e164.to_owned();
    };
    let national: Vec<char> = format!("0{digits}").chars().collect();
    national
        .chunks(2)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// One letter changed two thirds in, as heard on the phone (`Dupont` →
/// `Dupant`); short names stay as they are.
fn misspell(family: &str) -> String {
    let mut letters: Vec<char> = family.chars().collect();
    if letters.len() > 4 {
        let i = letters.len() * 2 / 3;
        letters[i] = if letters[i] == 'e' { 'a' } else { 'e' };
    }
    letters.into_iter().collect()
}

/// Resident set size now (VmRSS), in bytes; None off Linux.
fn current_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// CPU time of this process so far (user + system, every thread), from
/// `/proc/self/stat` in clock ticks (assumed 100 per second, the Linux
/// default); None off Linux.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// The events laid out in memory as a reader of an export holds them: each
/// event's strings allocated in the order the events come.
///
/// The generator draws events person by person and then sorts them by
/// time, so an event's strings lie where its person's were drawn, far from
/// the events next to it: walking the vector then misses the cache on
/// almost every string. Events read from a file (the dedup job's
/// `events.csv`, a CRM feed) are allocated as they are read, next to one
/// another. The copy is made before the clock starts; `--scattered` builds
/// from the generator's layout instead.
fn as_read_from_an_export(events: Vec<Event>) -> Vec<Event> {
    let in_order: Vec<Event> = events.to_vec();
    drop(events);
    in_order
}
