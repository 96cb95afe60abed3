//! The recommended shape of a server around a live customer graph.
//!
//! ```sh
//! cargo run --features io --example live_server
//! ```
//!
//! One `LiveResolver` behind an `Arc<RwLock<…>>`:
//!
//! - **readers** (the call-centre screens, the CRM's API) take `read()` and
//!   look customers up: `by_phone`, `customer_of`, `records_of`, and the
//!   customer's timeline. Many readers hold the lock at once; a lookup is a
//!   few hash probes, so they hold it for microseconds.
//! - **one writer** takes `write()` for each upsert or erasure. One writer
//!   thread, fed by a queue, keeps changes in arrival order and keeps every
//!   write short (one record per lock, so readers never wait long); several
//!   writers would only queue on the lock anyway.
//! - **notifications**: each call returns the `Change`s it made (created,
//!   attached, merged, split, …); the writer forwards them, *after* dropping
//!   the lock, to a channel whose consumer mirrors them (here: prints the
//!   first few). Sending outside the lock means a slow consumer never
//!   blocks the readers.
//!
//! The graph starts from the bundled sample (`examples/data`) resolved in
//! one batch (`LiveResolver::from_batch`: trains the model the live graph
//! then scores with), holding back one record in twenty; the writer then
//! upserts those as if they arrived live, and erases two records (a right
//! to be forgotten request).
//!
//! Timelines: the graph holds the events too (`load_events` at start-up,
//! `upsert_event` as they arrive), by record, so they follow their records
//! through merges and splits, and an erasure takes them with the record; a
//! reader asks `timeline(customer)` for the merged, newest-first page.

#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use omnicanal::resolver::{Change, LiveResolver, Settings};
use omnicanal::{CustomerId, SourceKey};

/// Records held back from the start-up batch and upserted live: one in this many.
const HOLD_BACK_EVERY: usize = 20;

/// Reader threads.
const READERS: usize = 3;

/// What the lock guards.
struct State {
    live: LiveResolver,
}

impl State {
    /// How many events the first page of a customer's timeline shows
    /// (newest first, 50 at most), as a call-centre screen would.
    fn timeline(&self, customer: CustomerId) -> usize {
        self.live
            .timeline(customer)
            .map_or(0, |t| t.newest_first().limit(50).page().events.len())
    }
}

/// One change as the consumer sees it: what happened, to which ids. Ids
/// only: a notification channel is a log, not a place for personal data.
fn describe(change: &Change) -> String {
    match change {
        Change::Created { customer, records } => {
            format!("created  {customer} ({} records)", records.len())
        }
        Change::Attached { customer, record } => format!("attached {record} to {customer}"),
        Change::Updated { customer, record } => format!("updated  {record} in {customer}"),
        Change::Detached { customer, record } => format!("detached {record} from {customer}"),
        Change::Merged { into, retired } => format!("merged   {retired} into {into}"),
        Change::Split { from, into } => format!("split    {into} off {from}"),
        Change::Removed { customer } => format!("removed  {customer}"),
    }
}

/// Takes the read lock. A poisoned lock means a writer panicked mid-change;
/// the graph's own methods never leave it half-changed on an error (they
/// return it), so serving what is there is better than stopping every reader.
fn read(state: &RwLock<State>) -> std::sync::RwLockReadGuard<'_, State> {
    state.read().unwrap_or_else(PoisonError::into_inner)
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("live_server: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let job = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/data/job.toml");
    let data = support::load::read_job_file(&job)?;

    // Start-up: the batch minus the held-back records.
    let mut batch = Vec::new();
    let mut arriving = Vec::new();
    for (i, record) in data.normalized.into_iter().enumerate() {
        if i % HOLD_BACK_EVERY == HOLD_BACK_EVERY - 1 {
            arriving.push(record);
        } else {
            batch.push(record);
        }
    }
    // Two records to forget: the first two of the batch.
    let forget: Vec<SourceKey> = batch.iter().take(2).map(|r| r.key.clone()).collect();
    // Phones the readers will look up, as a caller would say them.
    let phones: Vec<String> = data
        .raw
        .iter()
        .flat_map(|r| r.phones.iter().cloned())
        .take(200)
        .collect();
    let keys: Vec<SourceKey> = data.raw.iter().map(|r| r.key.clone()).collect();
    let mut live = LiveResolver::from_batch(Settings::default(), batch)?;
    // Events of held-back records wait for them (pending), then join.
    live.load_events(data.events)?;
    println!(
        "start-up: {} records, {} customers, in {:.2?}",
        live.len(),
        live.customer_count(),
        started.elapsed()
    );
    let state = Arc::new(RwLock::new(State { live }));
    let writing = Arc::new(AtomicBool::new(true));
    let (notify, notifications) = mpsc::channel::<Change>();

    // The consumer: mirrors the changes (prints the first of each kind,
    // counts all).
    let consumer = std::thread::spawn(move || {
        let mut seen = 0usize;
        let mut kinds_shown = std::collections::HashSet::new();
        for change in notifications {
            let line = describe(&change);
            let kind = line
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            if kinds_shown.insert(kind) {
                println!("  change: {line}");
            }
            seen += 1;
        }
        seen
    });

    // The readers: lookups until the writer is done, and at least one pass.
    let readers: Vec<_> = (0..READERS)
        .map(|reader| {
            let state = Arc::clone(&state);
            let writing = Arc::clone(&writing);
            let (phones, keys) = (phones.clone(), keys.clone());
            std::thread::spawn(move || {
                let (mut lookups, mut found, mut events_seen) = (0u64, 0u64, 0u64);
                let mut longest = Duration::ZERO;
                let mut pass = 0;
                while pass == 0 || writing.load(Ordering::Relaxed) {
                    for (i, phone) in phones.iter().enumerate().skip(reader) {
                        let at = Instant::now();
                        let state = read(&state);
                        for customer in state.live.by_phone(phone) {
                            found += 1;
                            events_seen += state.timeline(customer) as u64;
                        }
                        if let Some(key) = keys.get(i * 7 % keys.len().max(1)) {
                            found += u64::from(state.live.customer_of(key).is_some());
                        }
                        drop(state);
                        longest = longest.max(at.elapsed());
                        lookups += 2;
                    }
                    pass += 1;
                    // Requests arrive; they do not spin. (Without a pause,
                    // three spinning readers on a small machine starve
                    // the writer of CPU, not of the lock.)
                    std::thread::sleep(Duration::from_millis(2));
                }
                (lookups, found, events_seen, longest)
            })
        })
        .collect();

    // The writer: one record per write lock; changes sent once it is released.
    let writer = {
        let state = Arc::clone(&state);
        let writing = Arc::clone(&writing);
        std::thread::spawn(
            move || -> Result<(usize, usize, Duration), omnicanal::Error> {
                let began = Instant::now();
                let (mut upserts, mut erasures) = (0, 0);
                for record in arriving {
                    let changes = state
                        .write()
                        .unwrap_or_else(PoisonError::into_inner)
                        .live
                        .upsert(record)?;
                    upserts += 1;
                    for change in changes {
                        // The consumer only stops when every sender is gone.
                        let _ = notify.send(change);
                    }
                }
                for key in &forget {
                    let changes = {
                        let mut state = state.write().unwrap_or_else(PoisonError::into_inner);
                        // Forgotten means the events too: `erase` takes them.
                        state.live.erase(key)?
                    };
                    erasures += 1;
                    for change in changes {
                        let _ = notify.send(change);
                    }
                }
                writing.store(false, Ordering::Relaxed);
                Ok((upserts, erasures, began.elapsed()))
            },
        )
    };

    let writer = writer.join().map_err(|_| "the writer thread panicked")?;
    let reader_results: Vec<_> = readers
        .into_iter()
        .map(|r| r.join().map_err(|_| "a reader thread panicked"))
        .collect::<Result<_, _>>()?;
    // The writer's sender is dropped with its thread: the consumer ends.
    let changes = consumer
        .join()
        .map_err(|_| "the consumer thread panicked")?;
    let (upserts, erasures, took) = writer?;

    println!(
        "writer: {upserts} upserts and {erasures} erasures in {took:.2?}, {changes} changes notified"
    );
    for (reader, (lookups, found, events_seen, longest)) in reader_results.iter().enumerate() {
        println!(
            "reader {reader}: {lookups} lookups, {found} hits, {events_seen} timeline events read, longest {:.2?} (lock wait included)",
            longest
        );
    }
    let state = read(&state);
    println!(
        "now: {} records, {} customers; total {:.2?}",
        state.live.len(),
        state.live.customer_count(),
        started.elapsed()
    );
    Ok(())
}
