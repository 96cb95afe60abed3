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
//! ```
//!
//! # Stages
//!
//! 1. **read** — every customer file of the job, streamed (a reader thread
//!    parses, the main thread normalizes batches in parallel with each
//!    source's own `Normalizer`); kept are the normalized records and, for
//!    the profiles' spellings, each record's names as typed. Rows that cannot
//!    be read go to `rejects.csv`; records read + rejects = data rows.
//! 2. **resolve** — `Resolver::resolve` with the default settings: block,
//!    compare, train (no labels), score, cluster (union-find with guards).
//! 3. **write** — `customers.csv`.
//! 4. **events** — when the job has `[[events]]`: read, attach to records,
//!    build the per-customer timelines (`Timelines::build`, which packs the
//!    events into compact columns).
//! 5. **profiles** — one golden profile per customer (`omnicanal::profile`),
//!    with its activity when there are events, built and written a slice of
//!    customers at a time; then the records are dropped.
//! 6. **write** — `timelines.jsonl` and `orphan_events.csv` from the
//!    timelines' store.
//!
//! # Outputs (in `--out`, default `out/` under the working directory, created
//! when missing; files of an earlier run are overwritten)
//!
//! - `customers.csv` — `channel,source_id,customer_id`, one row per record
//!   read, in input order. Customer ids are `C` + 16 hex digits, derived from
//!   the customer's smallest source key, so they are stable across runs while
//!   that record stays.
//! - `profiles.jsonl` — one golden profile per customer, in cluster order:
//!   every distinct name, birth date, phone, email, address and identifier
//!   with the records carrying it, best first by the default survivorship
//!   rules, and the activity from the events (counts, spend, first and last
//!   interaction per channel). This file is personal data, by design.
//! - `rejects.csv` — `file,line,reason` for every customer or events row that
//!   could not be read (the reason names the column, never the value).
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
//! only), pairs compared, time per stage, peak memory, and with `--truth`
//! pairwise and B-cubed precision, recall and F1.
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

mod args;
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
use omnicanal::io::{JobFile, RejectWriter};
use omnicanal::profile::{ProfileBuilder, SurvivorshipRules};
use omnicanal::resolver::{Resolver, Settings};
use omnicanal::timeline::Timelines;

use args::{Command, Input, Mode, Options, UsageError};
use progress::Progress;
use summary::{EventsSummary, Summary};
use support::attach::RecordIndex;

fn main() -> ExitCode {
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

fn run(options: Options) -> Result<(), Error> {
    let started = Instant::now();
    let Options {
        input,
        out_dir,
        truth,
        quiet,
        mode,
    } = options;
    let Mode::Batch = mode;
    let progress = Progress::new(quiet);
    let Job {
        title,
        job,
        base_dir,
    } = load(input)?;
    // Everything that can be checked before a long run is, and before any
    // output is written: every input file and mapping (the library opens
    // them all and checks each header), then the truth file.
    let source_rows = job.read_sources(&base_dir)?;
    let event_rows = if job.events.is_empty() {
        None
    } else {
        Some(job.read_events(&base_dir)?)
    };
    let truth = truth.as_ref().map(truth::load).transpose()?;
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

    // 2. Resolve.
    let spinner = progress.spinner("resolve", "block, compare, train, score, cluster");
    let resolution = Resolver::new(Settings::default())?.resolve(&sources.records)?;
    spinner.finish("");
    let t = resolution.timings;
    let n = sources.records.len() as u64;
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
    memory.end_phase("resolve");

    let read::SourcesRead {
        records,
        names,
        per_source,
        ..
    } = sources;

    // 3. Customers.
    let writing = progress.counter("write", "records");
    let written = output::write_customers(&out_dir.join("customers.csv"), &records, &resolution)?;
    writing.inc(written);
    let mut write_time = writing.finish("customers.csv");

    let truth = truth
        .map(|t| t.score(&records, resolution.clustering.assignment()))
        .transpose()?;

    // 4. Events and timelines: read, attach, build. The events themselves
    // are consumed by the build, which keeps them in compact columns.
    let built = match event_rows {
        Some(event_rows) => {
            let read = read::read_events(event_rows, &mut rejects, &progress)?;
            stages.push(("events", read.took));
            let building = progress.spinner("timelines", "attach events, build timelines");
            let built_at = Instant::now();
            let mut events = read.events;
            let read_count = events.len() as u64;
            let index = RecordIndex::new(&records);
            let attached_by_id = index.attach(&mut events);
            let customer_of_record = output::customer_of_record(&resolution);
            let built = Timelines::build(events, |key| index.exact(key), &customer_of_record)?;
            drop(index);
            building.finish(&format!(
                "{} orphans",
                support::thousands(built.orphans.len() as u64)
            ));
            stages.push(("timelines", built_at.elapsed()));
            let summary = EventsSummary {
                read: read_count,
                rejects: read.rejects,
                attached_by_id,
                ..EventsSummary::default()
            };
            Some((built, summary))
        }
        None => None,
    };

    // 5. Golden profiles, with each customer's activity when there are events.
    let building = progress.counter("profiles", "customers");
    let generic = GenericValues::detect(&records, &Settings::default().blocking.generic);
    let rules = SurvivorshipRules::default();
    let mut builder = ProfileBuilder::new(&rules, &records)
        .raw_records(&names)
        .generic_values(&generic);
    if let Some((built, _)) = &built {
        builder = builder.timelines(&built.timelines);
    }
    let profiles = output::write_profiles(
        &out_dir.join("profiles.jsonl"),
        &builder,
        &resolution.clustering,
        &resolution.customer_ids,
        &building,
    )?;
    stages.push((
        "profiles",
        building.finish(&format!(
            "{} in profiles.jsonl",
            support::thousands(profiles)
        )),
    ));
    drop(generic);
    // The records are no longer needed; the timelines are written from their
    // own store.
    drop(names);
    drop(records);

    let events = match built {
        Some((built, mut summary)) => {
            let writing = progress.counter("write", "events");
            let (customers, placed) = output::write_timelines(
                &out_dir.join("timelines.jsonl"),
                &built.timelines,
                &resolution.customer_ids,
            )?;
            let orphans =
                output::write_orphans(&out_dir.join("orphan_events.csv"), &built.orphans)?;
            writing.inc(placed + orphans);
            write_time += writing.finish("timelines.jsonl, orphan_events.csv");
            summary.placed = placed;
            summary.orphans = orphans;
            summary.customers = customers;
            Some(summary)
        }
        None => None,
    };

    rejects.finish().map_err(|e| e.in_file(&rejects_path))?;
    stages.push(("write", write_time));
    memory.end_phase("events, profiles, output");

    Summary {
        input: title,
        sources: &per_source,
        resolution: &resolution,
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
