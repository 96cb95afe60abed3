//! The batch dedup job: the nightly exports of the retailer's systems in,
//! one customer id per record out, with each customer's merged timeline.
//!
//! ```sh
//! # the bundled sample (examples/data/job.toml), output in ./out
//! cargo run --release --all-features --example dedup
//! # with accuracy against the sample's ground truth
//! cargo run --release --all-features --example dedup -- --truth examples/data/truth_records.csv
//! # your own job file, output elsewhere
//! cargo run --release --all-features --example dedup -- --job nightly/job.toml --out /tmp/dedup
//! # the sample's job over another export with the same files (e.g. examples/synth.rs output)
//! cargo run --release --all-features --example dedup -- --data-dir /tmp/synth1m --out /tmp/out1m
//! # one file described by flags
//! cargo run --release --all-features --example dedup -- --input us.csv --channel web \
//!     --id-column id --map given_name=first_name --map family_name=surname \
//!     --map street=street_number,address_1 --date-order mdy --region US
//! # incremental: train on the batch, then upsert record by record (shuffled)
//! cargo run --release --all-features --example dedup -- --mode incremental --shuffle-seed 7
//! # forget some records, and keep the final live graph for the call centre
//! cargo run --release --all-features --example dedup -- --erase forget.csv --snapshot out/live.snap
//! ```
//!
//! # Stages
//!
//! 1. **read** — every customer file of the job, streamed (a reader thread
//!    parses, the main thread normalizes batches in parallel with each
//!    source's own `Normalizer`); kept are the normalized records and, for
//!    the profiles' spellings, each record's names as typed (packed in a
//!    `TypedNames`, some 20 bytes a record beyond the names, where a raw
//!    `Record` costs over 300). Rows that cannot be read go to
//!    `rejects.csv`; records read + rejects = data rows.
//! 2. **resolve** — `Resolver::resolve` with the default settings: block,
//!    compare, train (no labels), score, cluster (union-find with guards).
//!    With `--mode incremental`, see below.
//! 3. **erase, snapshot** — with `--erase FILE`, the listed records are
//!    erased from a live graph (`LiveResolver::erase`), whose customers may
//!    split; with `--snapshot FILE`, the final live graph is saved
//!    (`LiveResolver::save`, atomic and checksummed) for
//!    `callcentre --snapshot FILE`. In batch mode either flag builds the
//!    live graph with `LiveResolver::from_batch`, which resolves once, like
//!    `resolve` (so the summary has one "resolve" time, without pair
//!    counts), and costs one more copy of the normalized records.
//! 4. **events** — when the job has `[[events]]`: in a plain batch (no
//!    `--erase`, no `--snapshot`), read while step 2 resolves, in a rayon
//!    pool of their own (`events_pool`), so that the system shares the
//!    cores between the two (the summary marks the stage `events*`, its time
//!    overlapping the resolution's); else after step 3. Read in batches
//!    (`JobEvents::next_batch`: one thread splits rows while the previous
//!    batch is parsed in parallel), each batch attached to the records (as
//!    read, so an erased record's events are known as such and not sent by
//!    their id to another record; one probe of a flat index per event,
//!    `RecordIndex::attach_each`), stripped of erased records' events and
//!    packed with their records, in the numbering of the records kept, into
//!    compact columns (`TimelinesBuilder::push_attached`, about 60 bytes an
//!    event beyond its strings) while the next batch is read. The events
//!    are never all held as owned `Event`s (some 230 bytes each plus heap
//!    strings), except for `--snapshot`, which takes them whole. Then
//!    **write** `customers.csv` and build the per-customer timelines
//!    (`TimelinesBuilder::build`: the store `Timelines::build` would make;
//!    the records being known, no key is looked up again).
//! 5. **profiles** — one golden profile per customer (`omnicanal::profile`),
//!    with its activity when there are events, built and written as JSON
//!    (`Profile::write_json`) a slice of customers at a time, in parallel,
//!    while a writer thread writes the slices before in order
//!    (`output::write_ordered`, which also writes `customers.csv` and
//!    `timelines.jsonl`); then the records are dropped. A batch's profiles
//!    take the generic values its resolution found (a live graph's are
//!    found again over the records kept).
//! 6. **write** — meanwhile, on a thread of its own, `timelines.jsonl` and
//!    `orphan_events.csv` from the timelines' store (`write events*` in the
//!    summary, its time overlapping the profiles').
//!
//! # Incremental mode
//!
//! `--mode incremental` shows the live graph a CRM backend would run. It
//! trains exactly as the batch does — `Resolver::resolve` over every record,
//! for its `model` and `population` (generic values, name frequencies) —
//! because a live graph scores with a *frozen* model: an upsert must never
//! change the weight of a pair already scored, or the customers would
//! depend on arrival order. Then `LiveResolver::new(settings, model,
//! population)` takes the records one `upsert` at a time, in input order or
//! shuffled with `--shuffle-seed S` (a seeded Fisher–Yates), each call
//! timed; the summary gives records/s and the median, p99 and slowest call.
//! The live graph's law (its partition equals a batch resolution of the same
//! records with the same model and population) makes every output file
//! byte for byte the batch's, whatever the order; the tests check it.
//!
//! The ids in the files are the canonical ones, `CustomerId::from_member_refs`
//! of each customer's keys, as in batch mode. The live graph's own ids are
//! *stable* instead: a customer keeps its id as records join and merge, so
//! they depend on the history (which record came first), and two orders
//! would give two files. A snapshot keeps the live ids.
//!
//! # Erasures
//!
//! `--erase FILE` is a CSV file with the header `channel,source_id` (other
//! columns ignored). After resolving (either mode) each listed record is
//! erased: it has no row in `customers.csv`, is in no profile, and its
//! events are in no timeline and not in `orphan_events.csv` either (the
//! summary counts them as erased). A key no record has, a key listed twice
//! and a row that names no valid key go to `rejects.csv` with the file and
//! line, and are counted in the summary; they do not stop the job. A missing
//! file or a header without `channel` and `source_id` does, before any output.
//!
//! # Outputs (in `--out`, default `out/` under the working directory, created
//! when missing; files of an earlier run are overwritten)
//!
//! - `customers.csv` — `channel,source_id,customer_id`, one row per record
//!   read (and not erased), in input order. Customer ids are `C` + 16 hex digits, derived from
//!   the customer's smallest source key, so they are stable across runs while
//!   that record stays.
//! - `profiles.jsonl` — one golden profile per customer, in cluster order:
//!   its records (channel, id, last seen) and every distinct name, birth
//!   date, phone, email, address and identifier with the records carrying
//!   it (as positions in that list), best first by the default survivorship
//!   rules, and the activity from the events (counts, spend, first and last
//!   interaction per channel). This file is personal data, by design.
//! - `rejects.csv` — `file,line,reason` for every customer or events row that
//!   could not be read, and every row of `--erase` not applied (the reason
//!   names the column, never the value).
//! - `timelines.jsonl` (with events) — one JSON object per customer having
//!   events, in cluster order: `{"customer_id", "events": [{"event_id",
//!   "timestamp" (RFC 3339, UTC), "channel" (where it happened), "kind",
//!   "amount" (decimal string or null), "currency", "order_ref", "store",
//!   "attributes" (only when present)}]}`, events oldest first (instant,
//!   then channel, then input order). Customers without events have no line.
//! - `orphan_events.csv` (with events) — `event_id,source_channel,source_id,reason`
//!   for events whose record is unknown: every event read is in exactly one
//!   timeline or in this file.
//!
//! An events export whose channel column says where the event happened
//! rather than which system its record is in (the bundled sample's) is
//! handled by attaching an event by its source id alone when its key names
//! no record and exactly one record of the job has that id; the summary
//! counts those.
//!
//! # Report
//!
//! Progress per stage goes to stderr (hidden with `--quiet` or when stderr is
//! not a terminal); the summary goes to stdout: records in, rejects,
//! customers, cluster-size histogram, the largest clusters (sizes and ids
//! only), pairs compared, upsert throughput and latency (incremental),
//! erasures, the snapshot's size, time per stage, peak memory, and with
//! `--truth` pairwise and B-cubed precision, recall and F1.
//!
//! # Errors
//!
//! A missing file, an unknown column in a mapping, a bad job file, an
//! unsupported encoding or an unknown flag stops the job before any output
//! is written, with one line on stderr naming the file, line, key or column
//! (never a value) and a non-zero exit: 2 for command-line mistakes, 1 for
//! everything else.

#[path = "../support/mod.rs"]
mod support;

/// See the `mimalloc` entry in Cargo.toml: the batch's many small
/// allocations are cheaper with it than with the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe extern "C" {
    /// mimalloc's own option setter, linked in with the allocator (the
    /// `mimalloc` crate wraps it only behind a feature).
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// `mi_option_purge_delay` in mimalloc v3 (`libmimalloc-sys`'s default):
/// how long freed pages stay committed before they go back to the OS.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// How long freed memory stays mapped before it goes back to the OS: a
/// quarter of a second, where mimalloc's default is 10 ms. The job frees
/// large structures stage after stage (raw batches, the resolver's pairs and
/// vectors, each batch of events) and allocates the next ones at once;
/// returned at once, their pages were faulted in and zeroed by the kernel
/// again (some 540,000 faults at 1M records). Kept a second, they were
/// reused: at 1M records, median of 5 alternating runs, 21.0 s -> 19.7 s and
/// 34.8 -> 32.2 CPU-seconds, 65,000 faults, for a peak of 1.72 GB instead
/// of 1.48 GB. (The 10 ms default held pages freed by one thread while
/// another allocated, for a peak of 2.0 GB with no gain in speed.) Since the
/// events have threads of their own (`events_pool`), a second held up to
/// 1.96 GB at 1M records; a quarter of a second holds 1.70-1.85 GB (9 runs)
/// for about the same time (1M: median 13.5 s against 13.7 s, 6 runs each;
/// 10M: 175.0 and 173.1 s against 172.6 s). `MIMALLOC_PURGE_DELAY` in the
/// environment still wins.
const PURGE_DELAY_MS: std::ffi::c_long = 250;

fn purge_freed_memory_after_a_while() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: called first thing in `main`, before any other thread
        // exists (the setter is not thread-safe); the option is a plain
        // integer, a delay in milliseconds.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
}

mod args;
mod customers;
mod erase;
mod incremental;
mod output;
mod progress;
mod read;
mod summary;
mod truth;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use omnicanal::Error;
use omnicanal::block::GenericValues;
use omnicanal::io::{JobEvents, JobFile, RejectWriter};
use omnicanal::normalize::NormalizedRecord;
use omnicanal::profile::{ProfileBuilder, SurvivorshipRules};
use omnicanal::resolver::{LiveResolver, Resolution, Resolver, Settings};
use omnicanal::timeline::{Event, TimelinesBuilder};

use args::{Command, Input, Mode, Options, UsageError};
use customers::Customers;
use incremental::UpsertStats;
use progress::Progress;
use summary::{EventsSummary, ResolveStats, Summary};
use support::attach::RecordIndex;

fn main() -> ExitCode {
    purge_freed_memory_after_a_while();
    // Lossy rather than `std::env::args`, which panics on a non-UTF-8
    // argument; such a path is then reported as not found.
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match args::parse(&args) {
        Ok(Command::Help) => {
            println!("{}", args::usage());
            ExitCode::SUCCESS
        }
        Err(UsageError(message)) => {
            eprintln!("dedup: {message} (see --help)");
            ExitCode::from(2)
        }
        Ok(Command::Run(options)) => match run(*options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("dedup: {err}");
                ExitCode::FAILURE
            }
        },
    }
}

/// The job to run, however it was described.
struct Job {
    /// For the summary's title.
    title: String,
    job: JobFile,
    /// The folder the job's relative paths start from.
    base_dir: PathBuf,
}

fn load(input: Input) -> Result<Job, Error> {
    match input {
        Input::Job { path, data_dir } => {
            let job = JobFile::load(&path)?;
            let base_dir = match data_dir {
                Some(dir) => dir,
                None => path.parent().map(Path::to_path_buf).unwrap_or_default(),
            };
            Ok(Job {
                title: path.display().to_string(),
                job,
                base_dir,
            })
        }
        Input::Single(spec) => Ok(Job {
            title: spec.path.display().to_string(),
            job: JobFile {
                sources: vec![*spec],
                events: Vec::new(),
            },
            // Relative to the working directory, as the user typed it.
            base_dir: PathBuf::new(),
        }),
    }
}

/// How the customers were found, before erasures.
enum Resolved {
    /// `Resolver::resolve`, nothing live wanted.
    Batch(Box<Resolution>),
    /// A live graph: built from the batch (`--mode batch` with `--erase` or
    /// `--snapshot`), or fed one upsert at a time after training.
    Live {
        live: Box<LiveResolver>,
        /// The batch resolution's counts, when one ran in this process.
        resolve: Option<ResolveStats>,
        upserts: Option<UpsertStats>,
    },
}

fn run(options: Options) -> Result<(), Error> {
    let started = Instant::now();
    let Options {
        input,
        out_dir,
        truth,
        quiet,
        mode,
        erase,
        snapshot,
    } = options;
    let progress = Progress::new(quiet);
    let Job {
        title,
        job,
        base_dir,
    } = load(input)?;
    // Everything that can be checked before a long run is, and before any
    // output is written: every input file and mapping (the library opens
    // them all and checks each header), the erase list, then the truth file.
    let source_rows = job.read_sources(&base_dir)?;
    let event_rows = if job.events.is_empty() {
        None
    } else {
        Some(job.read_events(&base_dir)?)
    };
    let erase_list = erase.as_deref().map(erase::read_list).transpose()?;
    let truth = truth.as_ref().map(truth::load).transpose()?;
    if let Some(folder) = snapshot.as_deref().and_then(Path::parent)
        && !folder.as_os_str().is_empty()
        && !folder.is_dir()
    {
        return Err(Error::new(omnicanal::ErrorKind::Io {
            reason: "the snapshot's folder does not exist".into(),
        })
        .in_file(folder));
    }
    std::fs::create_dir_all(&out_dir).map_err(|e| Error::from(e).in_file(&out_dir))?;
    let rejects_path = out_dir.join("rejects.csv");
    let mut rejects =
        RejectWriter::new(output::create(&rejects_path)?).map_err(|e| e.in_file(&rejects_path))?;
    let mut stages: Vec<(&'static str, Duration)> = Vec::new();

    // 1. Read and normalize.
    let sources = read::read_sources(&job, &base_dir, source_rows, &mut rejects, &progress)?;
    stages.push(("read", sources.took));
    let mut memory = support::PhasePeaks::start();
    memory.end_phase("read");

    // 2. Resolve: in one batch, or train on the batch and upsert one by one.
    // A plain batch reads its events meanwhile (see step 4).
    let wants_live = erase_list.is_some() || snapshot.is_some();
    let mut event_rows = event_rows;
    let mut events_read_early = None;
    let resolved = match mode {
        Mode::Batch if !wants_live => {
            let (resolution, events) = std::thread::scope(|scope| {
                let events = event_rows.take().map(|rows| {
                    let (records, rejects, progress) = (&sources.records, &mut rejects, &progress);
                    scope.spawn(move || {
                        let read = || read_events(rows, records, None, false, rejects, progress);
                        match events_pool() {
                            Some(pool) => pool.install(read),
                            None => read(),
                        }
                    })
                });
                let resolution = resolve_batch(&sources.records, &progress, &mut stages);
                let events = events.map(|thread| {
                    thread
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                });
                (resolution, events)
            });
            if let Some(events) = events {
                let events = events?;
                stages.push((EVENTS_ALONGSIDE_RESOLVE, events.took));
                events_read_early = Some((events.packed, events.whole, events.summary));
            }
            Resolved::Batch(Box::new(resolution?))
        }
        Mode::Batch => {
            // The live graph is built from the batch in one resolution
            // (`from_batch`); its cost is a copy of the normalized records,
            // which the graph keeps while the outputs are written from ours.
            // What it does not give are the per-stage timings and pair
            // counts of a `Resolution`, so the summary has one "resolve" line.
            let spinner = progress.spinner("resolve", "block, compare, train, score, cluster");
            let live = LiveResolver::from_batch(Settings::default(), sources.records.clone())?;
            stages.push(("resolve", spinner.finish("live graph from the batch")));
            Resolved::Live {
                live: Box::new(live),
                resolve: None,
                upserts: None,
            }
        }
        Mode::Incremental { shuffle_seed } => {
            // A live graph scores each pair with a frozen model and frozen
            // population statistics (generic values, name frequencies): an
            // upsert must not change the weight of pairs already scored.
            // They come from training on the whole batch, exactly as batch
            // mode trains, so both modes score with the same model and give
            // the same customers (the live graph's law: its partition equals
            // `resolve_with` over the same records, model and population).
            let resolution = resolve_batch(&sources.records, &progress, &mut stages)?;
            let resolve = ResolveStats::of(&resolution);
            let Resolution {
                model, population, ..
            } = resolution;
            let mut live = LiveResolver::new(Settings::default(), Some(model), population)?;
            let upserts = incremental::feed(&mut live, &sources.records, shuffle_seed, &progress)?;
            stages.push(("upsert", upserts.total));
            Resolved::Live {
                live: Box::new(live),
                resolve: Some(resolve),
                upserts: Some(upserts),
            }
        }
    };
    memory.end_phase("resolve");

    let read::SourcesRead {
        mut records,
        mut names,
        per_source,
        ..
    } = sources;

    // 3. Erase, then save the final state.
    let mut erasure = None;
    let mut snapshot_written = None;
    let (resolved, resolve, upserts) = match resolved {
        Resolved::Batch(resolution) => {
            let resolve = ResolveStats::of(&resolution);
            (Resolved::Batch(resolution), Some(resolve), None)
        }
        Resolved::Live {
            mut live,
            resolve,
            upserts,
        } => {
            if let Some(list) = erase_list {
                let done = erase::apply(&mut live, list, &mut rejects)?;
                stages.push(("erase", done.took));
                erasure = Some(done);
            }
            let live = Resolved::Live {
                live,
                resolve,
                upserts: None,
            };
            (live, resolve, upserts)
        }
    };
    let erased = erasure
        .as_ref()
        .map(|e| &e.erased)
        .filter(|e| !e.is_empty());

    // 4. Events: read and attached to the records as they were read, so
    // that an erased record's events are recognised as such (and not sent
    // by their id to another channel's record), then those are dropped.
    let events = match event_rows {
        Some(event_rows) => {
            let renumber = erased.map(|erased| read::renumber_kept(&records, erased));
            let EventsKept {
                packed,
                whole,
                summary,
                took,
            } = read_events(
                event_rows,
                &records,
                renumber.as_deref(),
                snapshot.is_some(),
                &mut rejects,
                &progress,
            )?;
            stages.push(("events", took));
            Some((packed, whole, summary))
        }
        None => events_read_early,
    };

    // The final state, events included, for a CRM or `callcentre
    // --snapshot` to start from.
    let mut resolved = resolved;
    let mut events = events;
    if let (Some(path), Resolved::Live { live, .. }) = (&snapshot, &mut resolved) {
        let spinner = progress.spinner("snapshot", "save the live graph and its events");
        if let Some((_, whole, _)) = &mut events {
            // The events whole, kept for this (the timelines below are built
            // from their packed copy).
            live.load_events(whole.take().unwrap_or_default())?;
        }
        let info = live.save(path)?;
        stages.push(("snapshot", spinner.finish("")));
        snapshot_written = Some((path.display().to_string(), info.payload_bytes));
    }

    // 5. The customers, over the records that remain, in input order.
    if let Some(erased) = erased {
        let keep: Vec<bool> = records.iter().map(|r| !erased.contains(&r.key)).collect();
        retain_by(&mut records, &keep);
        names.retain_by(&keep);
    }
    // The batch's generic values serve the profiles too; a live graph's
    // records may have changed since (erasures), so theirs are found again.
    let (customers, batch_generic) = match resolved {
        Resolved::Batch(resolution) => {
            let Resolution {
                clustering,
                customer_ids,
                population,
                ..
            } = *resolution;
            let customers = Customers {
                clustering,
                ids: customer_ids,
            };
            (customers, Some(population.generic))
        }
        Resolved::Live { live, .. } => (Customers::of_live(&live, &records)?, None),
    };
    memory.end_phase("customers");

    let writing = progress.counter("write", "records");
    let written = output::write_customers(&out_dir.join("customers.csv"), &records, &customers)?;
    writing.inc(written);
    stages.push(("write", writing.finish("customers.csv")));

    let truth = truth
        .map(|t| t.score(&records, customers.clustering.assignment()))
        .transpose()?;

    // Timelines: the packed events are consumed by the build, which lays
    // them out per customer.
    let built = match events {
        Some((packed, _, summary)) => {
            let building = progress.spinner("timelines", "build timelines");
            // Every event was pushed attached to its record (or to none),
            // in the numbering of the records kept: no key is looked up.
            let customer_of_record = customers.customer_of_record();
            let built = packed.build(|_| None, &customer_of_record)?;
            stages.push((
                "timelines",
                building.finish(&format!(
                    "{} orphans",
                    support::thousands(built.orphans.len() as u64)
                )),
            ));
            Some((built, summary))
        }
        None => None,
    };

    // 6. Golden profiles, with each customer's activity when there are
    // events; meanwhile the timelines are written from their own store (the
    // profiles' build leaves a core idle part of the time, and both mostly
    // wait on the kernel's copies of their output).
    let written_events = std::thread::scope(|scope| -> Result<_, Error> {
        let timelines_written = built.as_ref().map(|(built, _)| {
            let (out_dir, ids, progress) = (&out_dir, &customers.ids, &progress);
            scope.spawn(move || {
                let writing = progress.counter("write", "events");
                let (with_events, placed) = output::write_timelines(
                    &out_dir.join("timelines.jsonl"),
                    &built.timelines,
                    ids,
                )?;
                let orphans =
                    output::write_orphans(&out_dir.join("orphan_events.csv"), &built.orphans)?;
                writing.inc(placed + orphans);
                let took = writing.finish("timelines.jsonl, orphan_events.csv");
                Ok::<_, Error>((with_events, placed, orphans, took))
            })
        });
        let building = progress.counter("profiles", "customers");
        let generic = batch_generic.unwrap_or_else(|| {
            GenericValues::detect(&records, &Settings::default().blocking.generic)
        });
        let rules = SurvivorshipRules::default();
        let mut builder = ProfileBuilder::new(&rules, &records)
            .typed_names(&names)
            .generic_values(&generic);
        if let Some((built, _)) = &built {
            builder = builder.timelines(&built.timelines);
        }
        let profiles = output::write_profiles(
            &out_dir.join("profiles.jsonl"),
            &builder,
            &customers.clustering,
            &customers.ids,
            &building,
        );
        let profiles_took = building.finish(&format!(
            "{} in profiles.jsonl",
            support::thousands(*profiles.as_ref().unwrap_or(&0))
        ));
        let timelines_written = timelines_written.map(|thread| {
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        profiles?;
        stages.push(("profiles", profiles_took));
        timelines_written.transpose()
    })?;
    // The records are no longer needed.
    drop(names);
    drop(records);

    let events = match (built, written_events) {
        (Some((_, mut summary)), Some((with_events, placed, orphans, took))) => {
            stages.push((WRITTEN_ALONGSIDE_PROFILES, took));
            summary.placed = placed;
            summary.orphans = orphans;
            summary.customers = with_events;
            Some(summary)
        }
        _ => None,
    };

    rejects.finish().map_err(|e| e.in_file(&rejects_path))?;
    memory.end_phase("events, profiles, output");

    Summary {
        input: title,
        mode: match mode {
            Mode::Batch => "batch",
            Mode::Incremental { .. } => "incremental",
        },
        sources: &per_source,
        customers: &customers,
        resolve,
        upserts,
        erasure: erasure.as_ref(),
        snapshot: snapshot_written,
        events,
        stages,
        total: started.elapsed(),
        memory,
        out_dir: out_dir.display().to_string(),
        truth,
    }
    .print();
    Ok(())
}

/// The name in the summary's stage times of the events read while the batch
/// resolved (their time overlaps the resolution's stages).
const EVENTS_ALONGSIDE_RESOLVE: &str = "events*";

/// The name in the summary's stage times of the timelines written while the
/// profiles were (their time overlaps the profiles').
const WRITTEN_ALONGSIDE_PROFILES: &str = "write events*";

/// The events read, packed with their records.
struct EventsKept {
    packed: TimelinesBuilder,
    /// Whole, for a snapshot.
    whole: Option<Vec<Event>>,
    summary: EventsSummary,
    /// Wall time of the reading.
    took: Duration,
}

/// Step 4's reading of the events (see `read::read_events`), attached to
/// `records` as read; with the summary's counts and the wall time.
fn read_events<W: std::io::Write + Send>(
    rows: JobEvents,
    records: &[NormalizedRecord],
    renumber: Option<&[Option<omnicanal::RecordId>]>,
    keep_whole: bool,
    rejects: &mut RejectWriter<W>,
    progress: &Progress,
) -> Result<EventsKept, Error> {
    let index = RecordIndex::new(records);
    let read = read::read_events(rows, &index, renumber, keep_whole, rejects, progress)?;
    let summary = EventsSummary {
        read: read.read,
        rejects: read.rejects,
        attached_by_id: read.attached_by_id,
        erased: read.erased,
        ..EventsSummary::default()
    };
    Ok(EventsKept {
        packed: read.packed,
        whole: read.whole,
        summary,
        took: read.took,
    })
}

/// The events' own threads while the batch resolves, as many as the
/// resolver's: in the resolver's pool the events' jobs waited behind its
/// work (a worker takes an outside job only when it has none of its own),
/// so at 10M records they ran mostly after the resolution, 35 s past it.
/// With threads of their own, the system shares the cores between the two.
/// `None` if the threads cannot be started: the events then share the
/// resolver's pool.
fn events_pool() -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(rayon::current_num_threads())
        .thread_name(|i| format!("events-{i}"))
        .build()
        .ok()
}

/// `Resolver::resolve` with the default settings, its stages reported.
fn resolve_batch(
    records: &[NormalizedRecord],
    progress: &Progress,
    stages: &mut Vec<(&'static str, Duration)>,
) -> Result<Resolution, Error> {
    let spinner = progress.spinner("resolve", "block, compare, train, score, cluster");
    let resolution = Resolver::new(Settings::default())?.resolve(records)?;
    spinner.finish("");
    let t = resolution.timings;
    let n = records.len() as u64;
    let pairs = resolution.pairs_compared;
    progress.done("block", pairs, "pairs", t.block, "");
    progress.done("compare", pairs, "pairs", t.compare, "");
    progress.done("train", pairs, "pairs", t.train, "");
    progress.done("score", pairs, "pairs", t.score, "");
    progress.done(
        "cluster",
        n,
        "records",
        t.cluster,
        &format!(
            "{} customers",
            support::thousands(resolution.clustering.len() as u64)
        ),
    );
    stages.extend([
        ("block", t.block),
        ("compare", t.compare),
        ("train", t.train),
        ("score", t.score),
        ("cluster", t.cluster),
    ]);
    Ok(resolution)
}

/// Keeps `items[i]` where `keep[i]`, in order.
fn retain_by<T>(items: &mut Vec<T>, keep: &[bool]) {
    let mut i = 0;
    items.retain(|_| {
        let kept = keep.get(i).copied().unwrap_or(true);
        i += 1;
        kept
    });
}
