//! The final report on stdout: counts, cluster sizes, the largest clusters
//! (sizes and customer ids only), time per stage, peak memory, accuracy.
//! Nothing here prints a name, an email, a phone or an address.

use std::time::Duration;

use omnicanal::CustomerId;
use omnicanal::resolver::Resolution;

use crate::customers::Customers;
use crate::erase::Erasure;
use crate::incremental::UpsertStats;
use crate::read::SourceCount;
use crate::support::{PhasePeaks, mib, rate, thousands};
use crate::truth::TruthReport;

/// Cluster-size buckets of the histogram: 1, 2, 3, 4, 5–9, 10+.
pub const BUCKETS: [&str; 6] = ["1", "2", "3", "4", "5-9", "10+"];

/// How many clusters fall in each of [`BUCKETS`].
pub fn size_histogram(customers: &Customers) -> [u64; 6] {
    let mut counts = [0u64; 6];
    for (_, members) in customers.clustering.clusters() {
        let bucket = match members.len() {
            0 | 1 => 0,
            2 => 1,
            3 => 2,
            4 => 3,
            5..=9 => 4,
            _ => 5,
        };
        counts[bucket] += 1;
    }
    counts
}

/// The `n` largest clusters as (size, customer id), largest first, ties by id
/// so the list is the same on every run.
pub fn largest(customers: &Customers, n: usize) -> Vec<(usize, CustomerId)> {
    let mut sizes: Vec<(usize, CustomerId)> = customers
        .clustering
        .clusters()
        .filter_map(|(cluster, members)| {
            let id = customers.ids.get(cluster.index())?;
            Some((members.len(), *id))
        })
        .collect();
    let n = n.min(sizes.len());
    if n == 0 {
        return Vec::new();
    }
    let by_size_then_id = |a: &(usize, CustomerId), b: &(usize, CustomerId)| {
        b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1))
    };
    sizes.select_nth_unstable_by(n - 1, by_size_then_id);
    sizes.truncate(n);
    sizes.sort_by(by_size_then_id);
    sizes
}

/// What the events part of the job gave.
#[derive(Debug, Default)]
pub struct EventsSummary {
    /// Events read.
    pub read: u64,
    /// Event rows rejected.
    pub rejects: u64,
    /// Events attached by source id alone.
    pub attached_by_id: u64,
    /// Events of erased records, dropped (neither placed nor orphans).
    pub erased: u64,
    /// Events placed in a timeline.
    pub placed: u64,
    /// Events in no timeline (`orphan_events.csv`).
    pub orphans: u64,
    /// Customers with at least one event.
    pub customers: u64,
}

/// What a batch resolution counted (the training batch's, in incremental
/// mode).
#[derive(Debug, Clone, Copy)]
pub struct ResolveStats {
    /// Candidate pairs compared.
    pub pairs_compared: u64,
    /// Pairs scoring at or above the threshold.
    pub edges_above_threshold: u64,
    /// Merges the guards refused.
    pub refused: u64,
}

impl ResolveStats {
    /// The counts of `resolution`.
    pub fn of(resolution: &Resolution) -> ResolveStats {
        ResolveStats {
            pairs_compared: resolution.pairs_compared,
            edges_above_threshold: resolution.edges_above_threshold,
            refused: resolution.clustering.refused().len() as u64,
        }
    }
}

/// Everything the report shows.
pub struct Summary<'a> {
    /// The job file or the single input, for the title.
    pub input: String,
    /// `batch` or `incremental`.
    pub mode: &'static str,
    /// Per customer file.
    pub sources: &'a [SourceCount],
    /// The customers written.
    pub customers: &'a Customers,
    /// The batch resolution's counts, when there was one.
    pub resolve: Option<ResolveStats>,
    /// Upsert latencies, in incremental mode.
    pub upserts: Option<UpsertStats>,
    /// What `--erase` did.
    pub erasure: Option<&'a Erasure>,
    /// `--snapshot`: the file and its payload size in bytes.
    pub snapshot: Option<(String, u64)>,
    /// Events, when the job has some.
    pub events: Option<EventsSummary>,
    /// Time per stage, in run order.
    pub stages: Vec<(&'static str, Duration)>,
    /// Whole run.
    pub total: Duration,
    /// Peak resident memory, overall and per phase, when the OS says.
    pub memory: PhasePeaks,
    /// The output folder.
    pub out_dir: String,
    /// Accuracy, with `--truth`.
    pub truth: Option<TruthReport>,
}

impl Summary<'_> {
    /// Prints the report on stdout.
    pub fn print(&self) {
        let records: u64 = self.sources.iter().map(|s| s.records).sum();
        let rejects: u64 = self.sources.iter().map(|s| s.rejects).sum();
        let customers = self.customers;
        println!("omnicanal dedup ({}) — {}", self.mode, self.input);
        println!();
        println!("{:<34} {:>10} {:>9}", "customer file", "records", "rejects");
        for source in self.sources {
            println!(
                "{:<34} {:>10} {:>9}",
                shorten(&source.file.display().to_string(), 34),
                thousands(source.records),
                thousands(source.rejects)
            );
        }
        println!(
            "records in      {}  (+ {} rejects = {} data rows)",
            thousands(records),
            thousands(rejects),
            thousands(records + rejects)
        );
        if let Some(erasure) = self.erasure {
            println!(
                "erased          {} records  ({} unknown keys and {} bad rows in rejects.csv; {} changes)",
                thousands(erasure.erased.len() as u64),
                thousands(erasure.unknown),
                thousands(erasure.bad_rows),
                thousands(erasure.changes)
            );
        }
        let kept = customers.clustering.n_records() as u64;
        println!(
            "customers       {}  ({:.3} records per customer)",
            thousands(customers.clustering.len() as u64),
            kept as f64 / customers.clustering.len().max(1) as f64
        );
        let histogram = size_histogram(customers);
        let cells: Vec<String> = BUCKETS
            .iter()
            .zip(histogram)
            .map(|(bucket, count)| format!("{bucket}: {}", thousands(count)))
            .collect();
        println!("cluster sizes   {}", cells.join("   "));
        let top: Vec<String> = largest(customers, 5)
            .iter()
            .map(|(size, id)| format!("{id} ({size})"))
            .collect();
        println!("largest         {}", top.join(", "));
        if let Some(resolve) = self.resolve {
            let training = if self.upserts.is_some() {
                ", training batch"
            } else {
                ""
            };
            println!(
                "pairs compared  {}  ({} above threshold, {} merges refused by guards{training})",
                thousands(resolve.pairs_compared),
                thousands(resolve.edges_above_threshold),
                thousands(resolve.refused)
            );
        }
        if let Some(upserts) = &self.upserts {
            let order = match upserts.shuffle_seed {
                Some(seed) => format!("shuffled, seed {seed}"),
                None => "input order".into(),
            };
            println!(
                "upserts         {} in {:.2?} ({}): {}, median {} µs, p99 {} µs, max {} µs; {} changes",
                thousands(upserts.upserts),
                upserts.total,
                order,
                rate(upserts.upserts, upserts.total),
                upserts.median.as_micros(),
                upserts.p99.as_micros(),
                upserts.max.as_micros(),
                thousands(upserts.changes)
            );
        }
        if let Some((path, bytes)) = &self.snapshot {
            println!("snapshot        {path}  ({})", mib(*bytes));
        }
        if let Some(events) = &self.events {
            println!(
                "events          {} read (+ {} rejects), {} in {} timelines, {} orphans{}; {} attached by source id alone",
                thousands(events.read),
                thousands(events.rejects),
                thousands(events.placed),
                thousands(events.customers),
                thousands(events.orphans),
                if self.erasure.is_some() {
                    format!(", {} of erased records dropped", thousands(events.erased))
                } else {
                    String::new()
                },
                thousands(events.attached_by_id)
            );
        }
        println!();
        println!("time per stage");
        for (stage, took) in &self.stages {
            println!("  {stage:<12} {:>10.2?}", took);
        }
        println!("  {:<12} {:>10.2?}", "total", self.total);
        if self.stages.iter().any(|(stage, _)| stage.ends_with('*')) {
            println!("  (* ran alongside the stages before it: not part of the total's sum)");
        }
        if let Some(peak) = self.memory.overall() {
            let phases: Vec<String> = self
                .memory
                .phases()
                .iter()
                .map(|(phase, bytes)| format!("{phase} {}", mib(*bytes)))
                .collect();
            if phases.is_empty() {
                println!("peak memory     {}", mib(peak));
            } else {
                println!(
                    "peak memory     {}  (peak so far after {})",
                    mib(peak),
                    phases.join(", ")
                );
            }
        }
        println!(
            "threads         {} (RAYON_NUM_THREADS to change)",
            rayon::current_num_threads()
        );
        println!("output          {}", self.out_dir);
        if let Some(truth) = &self.truth {
            println!();
            println!(
                "accuracy against the truth ({} records without truth left out)",
                thousands(truth.unlabelled)
            );
            println!("{}", truth.evaluation);
        }
    }
}

/// Keeps the end of a long path, where the file name is.
fn shorten(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_owned();
    }
    let tail: String = text.chars().skip(count - (width - 1)).collect();
    format!("…{tail}")
}
