//! Loading a dataset described by a job file into a queryable customer graph
//! with its timelines: the glue every interactive example needs.
//!
//! ```text
//! mod support;
//! let loaded = support::load::load_job("examples/data/job.toml")?;
//! println!("{} customers, {} events", loaded.graph.len(), loaded.timelines.len());
//! ```
//!
//! Needs the `io` feature (the job file and its readers).
//!
//! The steps, in order: read every source of the job (rows the readers
//! refuse are counted and kept as [`Reject`]s, which never hold a value),
//! normalize each record with its own source's options, resolve with the
//! default [`Settings`], read the events, attach each to its record, build
//! the timelines, and build the graph with the timelines (so profiles carry
//! activity) and the resolver (so pairs can be explained field by field).
//!
//! **Events attached by id alone.** An events export often has one channel
//! column, where the event happened: a click & collect pickup is a `store`
//! event attached to a `WEB…` account. Its key (`store`, `WEB…`) names no
//! record, so an event whose key is unknown is attached to the one record
//! of the job that has its source id, when exactly one has it (ids of
//! different systems rarely collide: `WEB…`, `CC…`, 13-digit cards, UUIDs).
//! When none or several do, the event stays an orphan and is counted.

use std::collections::HashMap;

use super::attach::RecordIndex;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use omnicanal::graph::CustomerGraph;
use omnicanal::io::{JobFile, Reject};
use omnicanal::normalize::{NormalizedRecord, Normalizer};
use omnicanal::resolver::{LiveResolver, Resolver, Settings};
use omnicanal::timeline::{Event, Timelines};
use omnicanal::{Record, RecordId, SourceKey};
use rayon::prelude::*;

/// A loaded dataset: what a tool needs to answer queries, and counts to
/// report. Holds no raw records: the graph keeps their normalized form and
/// the profiles, the timelines keep the events.
pub struct Loaded {
    /// The resolved customers, with lookup indexes and explanations.
    pub graph: CustomerGraph,
    /// Every placed event, by customer (customer = the graph's cluster).
    pub timelines: Timelines,
    /// How much was read and how long it took.
    pub counts: LoadCounts,
    /// Rows the readers refused (file, line, reason; never a value).
    pub rejects: Vec<Reject>,
}

/// Counts and timings of one load, for a one-line summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadCounts {
    /// Records read from the sources.
    pub records: usize,
    /// Events read from the events files.
    pub events: usize,
    /// Source and events rows refused by the readers.
    pub rejects: usize,
    /// Events whose key named no record but whose source id alone did.
    pub events_attached_by_id: usize,
    /// Events in no timeline: their record is unknown (or ambiguous by id).
    pub orphan_events: usize,
    /// Customers found.
    pub customers: usize,
    /// Wall time of the whole load.
    pub elapsed: Duration,
}

impl std::fmt::Display for LoadCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} records → {} customers, {} events ({} attached by id, {} orphans), {} rejects, in {:.2?}",
            self.records,
            self.customers,
            self.events,
            self.events_attached_by_id,
            self.orphan_events,
            self.rejects,
            self.elapsed
        )
    }
}

/// Loads the job file at `path`: reads, normalizes, resolves, builds the
/// timelines and the graph. Paths in the job are relative to its folder.
///
/// Errors (a missing or malformed job file, a missing data file, a mapped
/// column absent from a header) name the file and the key or column, never
/// a value read from the data.
pub fn load_job(path: impl AsRef<Path>) -> Result<Loaded, Box<dyn Error>> {
    let path = path.as_ref();
    let job = JobFile::load(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    load(&job, base)
}

/// What a job's files hold, read and normalized but not resolved: the
/// common start of [`load`] and of tools that resolve their own way (the
/// live server feeds a `LiveResolver`).
pub struct JobData {
    /// Every record read, in file then row order.
    pub raw: Vec<Record>,
    /// `normalized[i]` is `raw[i]` normalized with its own source's options.
    pub normalized: Vec<NormalizedRecord>,
    /// Every event read, each pointed at its record (exact key, or the id
    /// alone when one record holds it; see the module docs).
    pub events: Vec<Event>,
    /// Events whose key named no record but whose source id alone did.
    pub events_attached_by_id: usize,
    /// Rows the readers refused.
    pub rejects: Vec<Reject>,
}

/// Reads the job file at `path` (paths in it relative to its folder): every
/// record, normalized, and every event, attached.
pub fn read_job_file(path: impl AsRef<Path>) -> Result<JobData, Box<dyn Error>> {
    let path = path.as_ref();
    let job = JobFile::load(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    read_job(&job, base)
}

/// [`read_job_file`] for a job already parsed; paths are relative to
/// `base_dir`.
pub fn read_job(job: &JobFile, base_dir: &Path) -> Result<JobData, Box<dyn Error>> {
    let mut rejects = Vec::new();

    // Records, each with the index of the source it came from, so that it
    // is normalized with that source's options (date order, region, zone).
    let normalizers = job
        .sources
        .iter()
        .map(|spec| Normalizer::new(spec.normalize_options()))
        .collect::<Result<Vec<_>, _>>()?;
    let source_files: Vec<PathBuf> = job.sources.iter().map(|s| base_dir.join(&s.path)).collect();
    let mut raw: Vec<Record> = Vec::new();
    let mut source_of: Vec<u16> = Vec::new();
    let mut rows = job.read_sources(base_dir)?;
    while let Some(row) = rows.next() {
        match row {
            Ok(record) => {
                // The reader that gave the row is still the current one.
                let source = rows
                    .current()
                    .and_then(|r| source_files.iter().position(|f| f == r.file()))
                    .unwrap_or(0);
                raw.push(record);
                source_of.push(u16::try_from(source).unwrap_or(0));
            }
            Err(reject) => rejects.push(reject),
        }
    }
    let normalized: Vec<NormalizedRecord> = raw
        .par_iter()
        .zip(&source_of)
        .map(|(record, &source)| normalizers[usize::from(source)].normalize(record))
        .collect();

    let mut events: Vec<Event> = Vec::new();
    for row in job.read_events(base_dir)? {
        match row {
            Ok(event) => events.push(event),
            Err(reject) => rejects.push(reject),
        }
    }
    let events_attached_by_id = RecordIndex::new(&normalized).attach(&mut events) as usize;
    Ok(JobData {
        raw,
        normalized,
        events,
        events_attached_by_id,
        rejects,
    })
}

/// [`load_job`] for a job already parsed; paths are relative to `base_dir`.
pub fn load(job: &JobFile, base_dir: &Path) -> Result<Loaded, Box<dyn Error>> {
    let started = Instant::now();
    let JobData {
        raw,
        normalized,
        events,
        events_attached_by_id,
        rejects,
    } = read_job(job, base_dir)?;

    let resolver = Resolver::new(Settings::default())?;
    let resolution = resolver.resolve(&normalized)?;
    let customer_of_record: Vec<u32> = resolution
        .clustering
        .assignment()
        .iter()
        .map(|c| c.0)
        .collect();

    let n_events = events.len();
    let by_key: HashMap<&SourceKey, RecordId> = raw
        .iter()
        .enumerate()
        .map(|(i, r)| (&r.key, RecordId(i as u32)))
        .collect();
    let built = Timelines::build(events, |k| by_key.get(k).copied(), &customer_of_record)?;
    drop(by_key);
    let orphan_events = built.orphans.len();
    let timelines = built.timelines;

    let graph =
        CustomerGraph::from_resolution(&resolver, &raw, normalized, resolution, Some(&timelines))?;
    let counts = LoadCounts {
        records: raw.len(),
        events: n_events,
        rejects: rejects.len(),
        events_attached_by_id,
        orphan_events,
        customers: graph.len(),
        elapsed: started.elapsed(),
    };
    Ok(Loaded {
        graph,
        timelines,
        counts,
        rejects,
    })
}

/// Loads a live graph saved by `LiveResolver::save` (e.g. `dedup --snapshot
/// FILE`) as a queryable graph: profiles, lookups, name search and
/// explanations, with the snapshot's own customer ids.
///
/// The snapshot's events become the timelines (and the profiles' activity).
/// The graph is built once here (`LiveResolver::to_graph_with_timelines`, a
/// union-find over the kept edges, the profiles and the timeline store),
/// not per query.
///
/// Errors name the file: a missing file, and a truncated, corrupted or
/// foreign one (the snapshot container checks its length and checksum).
pub fn load_snapshot(path: impl AsRef<Path>) -> Result<Loaded, Box<dyn Error>> {
    let started = Instant::now();
    let path = path.as_ref();
    let live = LiveResolver::load(path)?;
    let (graph, timelines) = live.to_graph_with_timelines()?;
    let counts = LoadCounts {
        records: live.len(),
        customers: graph.len(),
        elapsed: started.elapsed(),
        ..LoadCounts::default()
    };
    Ok(Loaded {
        graph,
        timelines,
        counts,
        rejects: Vec::new(),
    })
}
