//! The scale benchmark: generate, normalize and resolve synthetic French
//! customers at several sizes; print per-stage throughput, pairs compared,
//! peak memory and accuracy against the generator's ground truth.
//!
//! ```sh
//! cargo run --release --all-features --example scale                 # 100k and 1M records
//! cargo run --release --all-features --example scale -- 100000 1000000 10000000
//! ```
//!
//! `--dry-run` counts candidate pairs per blocking rule without comparing them,
//! and how many of them are true pairs. With several sizes, a last table
//! gives the resolve time and the pairs per record at each size, with their
//! ratios to the size before: a cost linear in the records keeps them near 1.
//! Sizes are in records (the generator makes about 1.86 records per person).
//! Run on a quiet machine; figures are wall-clock and machine-dependent.
//!
//! Records are generated part by part (`synth::generate_parts`, 64
//! generation chunks or some 490,000 records a part): each part is
//! normalized and its raw records dropped before the next is drawn; then the
//! normalized records and their truth are sorted by source key, the order of
//! `synth::generate`, so the resolver sees exactly the records it would from
//! `generate`. At 10M records that keeps generation at about 7 GiB (the
//! normalized records and truth, 6.1 GiB, and one part), where every raw
//! record beside its normalized form would take some 18 GiB (1.8 GiB at 1M);
//! the resolve peak is about 12 GiB. The example prints both peaks: it
//! resets the kernel's peak before resolving, so `/usr/bin/time`'s maximum
//! RSS covers only the resolve and what follows.
//!
//! For tuning (synthetic data only, so values may be printed):
//! - `OMNICANAL_THRESHOLD=BITS` overrides the match-weight threshold;
//! - `OMNICANAL_CAPS=rule=N,rule=N` sets the block-size caps of named rules;
//! - `OMNICANAL_COMMON_FAMILY_RATE=1` draws every French family name from the
//!   few hundred most common (the namesake-heavy stress population; see
//!   `PopulationRates::common_family_rate`);
//! - `OMNICANAL_PRINT_MODEL=1` prints the trained m and u per level;
//! - `OMNICANAL_DIAG=N` explains up to N missed true pairs (not blocked, below
//!   the threshold, or kept apart) and N false edges.

mod support;

/// See the `mimalloc` entry in Cargo.toml: the batch's many small
/// allocations are cheaper with it than with the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe extern "C" {
    /// mimalloc's own collection (linked in with the allocator): with
    /// `force`, frees its retained pages back to the system now.
    fn mi_collect(force: bool);
}

/// Hands the generator's freed raw records back to the system, so that the
/// peak measured during resolution is the resolver's working set rather than
/// pages mimalloc keeps for reuse (it returns them lazily otherwise).
fn return_freed_memory() {
    // SAFETY: `mi_collect` takes no pointers and may be called at any time
    // from any thread; it only releases memory the allocator no longer uses.
    unsafe { mi_collect(true) }
}

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use omnicanal::eval::{evaluate, household_merges};
use omnicanal::normalize::{NormalizeOptions, NormalizedRecord, Normalizer};
use omnicanal::resolver::{Resolver, Settings};
use omnicanal::synth::{CHUNK_PERSONS, EventRates, RecordTruth, SynthConfig, generate_parts};
use rayon::prelude::*;
use support::{mib, peak_rss_bytes, rate, reset_peak_rss, thousands};

/// Records per person in the generator's default channel mix (measured on
/// the bundled sample: 3,725 records for 2,000 persons).
const RECORDS_PER_PERSON: f64 = 1.86;

/// Persons per generated part: 64 generation chunks, some 490,000 records.
/// 100k records are one part, 1M three, 10M twenty-one.
const PERSONS_PER_PART: u64 = 64 * CHUNK_PERSONS;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let dry_run = args.iter().any(|a| a == "--dry-run");
    args.retain(|a| a != "--dry-run");
    let sizes: Vec<u64> = match args {
        args if args.is_empty() => vec![100_000, 1_000_000],
        args => args
            .iter()
            .map(|a| a.replace('_', "").parse::<u64>())
            .collect::<Result<_, _>>()?,
    };
    println!(
        "threads: {}  (RAYON_NUM_THREADS to change)",
        rayon::current_num_threads()
    );
    let mut costs = Vec::new();
    for target in sizes {
        costs.extend(run(target, dry_run)?);
    }
    print_cost_per_record(&costs);
    Ok(())
}

/// What one size cost to resolve, for the closing comparison of sizes.
struct ResolveCost {
    records: u64,
    resolve: Duration,
    pairs: u64,
}

/// The resolve time and the pairs per record at each size, each against the
/// size before it: a cost linear in the records keeps both ratios near 1.
/// One run's ratios are only as steady as the machine: compare medians.
fn print_cost_per_record(costs: &[ResolveCost]) {
    if costs.len() < 2 {
        return;
    }
    println!(
        "
cost per record (a linear cost keeps each ratio to the size before near 1)"
    );
    println!(
        "{:>14}  {:>14}  {:>6}  {:>12}  {:>6}",
        "records", "resolve", "ratio", "pairs", "ratio"
    );
    let per_record = |c: &ResolveCost| {
        let records = c.records.max(1) as f64;
        (
            c.resolve.as_secs_f64() * 1e6 / records,
            c.pairs as f64 / records,
        )
    };
    let mut previous: Option<(f64, f64)> = None;
    for cost in costs {
        let (micros, pairs) = per_record(cost);
        let ratio = |now: f64, before: Option<f64>| {
            before.map_or(String::new(), |b| format!("{:.2}x", now / b))
        };
        println!(
            "{:>14}  {:>11.2} us  {:>6}  {:>12.3}  {:>6}",
            thousands(cost.records),
            micros,
            ratio(micros, previous.map(|p| p.0)),
            pairs,
            ratio(pairs, previous.map(|p| p.1)),
        );
        previous = Some((micros, pairs));
    }
}

/// Generates, normalizes and resolves (or, for a dry run, blocks) about
/// `target_records` records and prints the figures; the resolve's cost, or
/// None for a dry run.
fn run(
    target_records: u64,
    dry_run: bool,
) -> Result<Option<ResolveCost>, Box<dyn std::error::Error>> {
    let persons = ((target_records as f64) / RECORDS_PER_PERSON).ceil() as u64;
    let mut config = SynthConfig {
        persons,
        seed: 42,
        events: EventRates::none(),
        ..SynthConfig::default()
    };
    if let Some(rate) = std::env::var("OMNICANAL_COMMON_FAMILY_RATE")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
    {
        config.population.common_family_rate = rate;
    }
    // Part by part: each part's raw records are normalized and dropped
    // before the next is drawn, so at most one part's raw records (some
    // 360 MiB) live beside the normalized ones. `generate(&config)` at once
    // would hold every raw record and then every normalized one.
    let normalizer = Normalizer::new(NormalizeOptions::default())?;
    // Room for two records a person (1.86 on average): capacity never
    // touched costs address space, not memory, and a doubling `Vec` at the
    // end would copy every record and hold it twice.
    let expected_records = usize::try_from(persons.saturating_mul(2))?;
    let mut normalized: Vec<NormalizedRecord> = Vec::with_capacity(expected_records);
    let mut truth: Vec<RecordTruth> = Vec::with_capacity(expected_records);
    let (mut generate_time, mut normalize_time) = (Duration::ZERO, Duration::ZERO);
    let mut parts = generate_parts(&config, PERSONS_PER_PART);
    let part_count = parts.len();
    loop {
        let started = Instant::now();
        let Some(part) = parts.next() else { break };
        generate_time += started.elapsed();
        let started = Instant::now();
        normalized.par_extend(part.records.par_iter().map(|r| normalizer.normalize(r)));
        normalize_time += started.elapsed();
        truth.extend(part.truth.records);
    }
    // The email and phone owners the generator kept between parts.
    drop(parts);
    // Into `generate`'s order (source key), truth alongside: the resolver's
    // input is then the same sequence of records as from `generate`, so
    // every figure below is too.
    let started = Instant::now();
    normalized.par_sort_unstable_by(|a, b| a.key.cmp(&b.key));
    truth.par_sort_unstable_by(|a, b| a.key.cmp(&b.key));
    let sort_time = started.elapsed();
    if normalized.len() != truth.len() || normalized.iter().zip(&truth).any(|(r, t)| r.key != t.key)
    {
        return Err("normalized records and truth out of step".into());
    }
    let n = normalized.len() as u64;
    // The freed raw records back to the system, so that the peak measured
    // below is the resolver's working set.
    let generation_peak = peak_rss_bytes();
    return_freed_memory();
    reset_peak_rss();
    let rss_before_resolve = support::current_rss_bytes();

    if dry_run {
        // Pairs per rule without comparing them: what a run would cost, and
        // what each rule's pairs are worth: how many join two records of one
        // person (the generator's truth). The pairs themselves are needed
        // for that, so the blocking runs once, its report being the dry
        // run's (`Blocker::dry_run` gives the same without the pairs).
        let started = Instant::now();
        let blocking = omnicanal::block::Blocker::new(settings().blocking)?.block(&normalized)?;
        println!(
            "\n== {} records: blocked without comparing in {:.2?}",
            thousands(n),
            started.elapsed()
        );
        let report = &blocking.report;
        let mut true_pairs = vec![0u64; report.rules.len()];
        for pair in &blocking.pairs {
            if truth[pair.lo.0 as usize].person == truth[pair.hi.0 as usize].person {
                true_pairs[pair.rule.index()] += 1;
            }
        }
        for (rule, true_pairs) in report.rules.iter().zip(true_pairs) {
            println!(
                "{:<28} {:>12} pairs {:>10} true  {:>8} blocks  largest {:>5}  skipped {:>6}",
                rule.name,
                thousands(rule.pairs),
                thousands(true_pairs),
                thousands(rule.blocks as u64),
                rule.largest_block,
                thousands(rule.skipped_blocks as u64)
            );
        }
        println!("total {} pairs", thousands(report.pairs));
        return Ok(None);
    }

    let started = Instant::now();
    let resolution = Resolver::new(settings())?.resolve(&normalized)?;
    let resolve_time = started.elapsed();
    let peak = peak_rss_bytes();

    let predicted: Vec<u32> = resolution
        .clustering
        .assignment()
        .iter()
        .map(|c| c.0)
        .collect();
    let persons_truth: Vec<u64> = truth.iter().map(|t| t.person.0).collect();
    let households: Vec<Option<u64>> = truth.iter().map(|t| Some(t.household.0)).collect();
    let accuracy = evaluate(&predicted, &persons_truth)?;
    let merges = household_merges(&predicted, &persons_truth, &households)?;
    let t = &resolution.timings;
    if std::env::var_os("OMNICANAL_PRINT_MODEL").is_some() {
        if let Some(u) = &resolution.u_report {
            eprintln!("{u:?}");
        }
        for c in &resolution.model.comparisons {
            eprintln!("{:<12} m={:.4?}\n{:<12} u={:.4?}", c.name, c.m, "", c.u);
        }
        for c in &resolution.model.conditional_u {
            let model = &resolution.model.comparisons;
            eprintln!(
                "u of {} {} when {} {}: {:.3e} (own u {:.3e})",
                model[c.comparison].name,
                model[c.comparison].level_name(c.level),
                model[c.when].name,
                model[c.when].level_name(c.when_level),
                c.u,
                model[c.comparison].u[usize::from(c.level)],
            );
        }
    }

    println!();
    println!(
        "== {} records ({} persons), generated in {:.2?} ({} part{})",
        thousands(n),
        thousands(persons),
        generate_time,
        part_count,
        if part_count == 1 { "" } else { "s" }
    );
    println!(
        "normalize   {:>9.2?}  {:>14}",
        normalize_time,
        rate(n, normalize_time)
    );
    println!(
        "sort        {:>9.2?}  {:>14}",
        sort_time,
        rate(n, sort_time)
    );
    if let Some(peak) = generation_peak {
        println!("peak RSS    {} generating and normalizing", mib(peak));
    }
    println!("block       {:>9.2?}  {:>14}", t.block, rate(n, t.block));
    println!(
        "compare     {:>9.2?}  {:>14}  ({} pairs, {})",
        t.compare,
        rate(n, t.compare),
        thousands(resolution.pairs_compared),
        rate(resolution.pairs_compared, t.compare).replace("/s", " pairs/s")
    );
    println!("train       {:>9.2?}  {:>14}", t.train, rate(n, t.train));
    println!("score       {:>9.2?}  {:>14}", t.score, rate(n, t.score));
    println!(
        "cluster     {:>9.2?}  {:>14}",
        t.cluster,
        rate(n, t.cluster)
    );
    println!(
        "resolve     {:>9.2?}  {:>14}  (training included, normalization apart)",
        resolve_time,
        rate(n, resolve_time)
    );
    if let (Some(peak), Some(before)) = (peak, rss_before_resolve) {
        println!(
            "peak RSS    {} during resolve ({} of it the normalized records and truth held before)",
            mib(peak),
            mib(before)
        );
    }
    if let Some(report) = &resolution.training {
        println!(
            "EM          {} iterations, converged: {}, λ = {:.4}",
            report.iterations, report.converged, report.prior
        );
    }
    println!(
        "edges       {} above threshold, {} refused by guards, {} customers",
        thousands(resolution.edges_above_threshold),
        thousands(resolution.clustering.refused().len() as u64),
        thousands(resolution.clustering.len() as u64)
    );
    println!("{accuracy}");
    if let Some(n) = std::env::var("OMNICANAL_DIAG")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        diagnose(&normalized, &truth, &resolution, &predicted, n)?;
    }
    if let Some(every) = std::env::var("OMNICANAL_CALIBRATE")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        calibrate(&normalized, &truth, &resolution, every)?;
    }
    let (merged, multi) = households_wrongly_merged(&predicted, &truth);
    println!(
        "households wrongly merged: {} of {} multi-person households ({:.3}%); {} clusters mix household members",
        thousands(merged),
        thousands(multi),
        100.0 * merged as f64 / multi.max(1) as f64,
        thousands(merges.merging_clusters),
    );
    Ok(Some(ResolveCost {
        records: n,
        resolve: resolve_time,
        pairs: resolution.pairs_compared,
    }))
}

/// Households of two or more persons, and how many of them have two of their
/// persons in one predicted customer.
fn households_wrongly_merged(
    predicted: &[u32],
    truth: &[omnicanal::synth::RecordTruth],
) -> (u64, u64) {
    let mut persons_of_household: HashMap<u64, HashSet<u64>> = HashMap::new();
    let mut persons_in_cluster: HashMap<(u32, u64), HashSet<u64>> = HashMap::new();
    for (cluster, t) in predicted.iter().zip(truth) {
        persons_of_household
            .entry(t.household.0)
            .or_default()
            .insert(t.person.0);
        persons_in_cluster
            .entry((*cluster, t.household.0))
            .or_default()
            .insert(t.person.0);
    }
    let merged: HashSet<u64> = persons_in_cluster
        .iter()
        .filter(|(_, persons)| persons.len() > 1)
        .map(|((_, household), _)| *household)
        .collect();
    let multi = persons_of_household
        .values()
        .filter(|p| p.len() > 1)
        .count() as u64;
    (merged.len() as u64, multi)
}

/// The levels of an explained pair, `comparison=level`, without the
/// comparisons a record had no value for.
fn compared_levels(ex: &omnicanal::resolver::PairExplanation) -> Vec<String> {
    ex.levels
        .iter()
        .filter(|(_, l)| l != "null")
        .map(|(c, l)| format!("{c}={l}"))
        .collect()
}

/// Development aid (synthetic data only, so printing values is fine): why
/// true pairs were missed and why false pairs were made.
fn diagnose(
    records: &[omnicanal::normalize::NormalizedRecord],
    truth: &[omnicanal::synth::RecordTruth],
    resolution: &omnicanal::resolver::Resolution,
    predicted: &[u32],
    n: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    use omnicanal::RecordId;
    let resolver = Resolver::new(settings())?;
    let blocking = omnicanal::block::Blocker::new(Settings::default().blocking)?.block(records)?;
    let blocked: HashSet<(u32, u32)> = blocking.pairs.iter().map(|p| (p.lo.0, p.hi.0)).collect();
    let mut by_person: HashMap<u64, Vec<u32>> = HashMap::new();
    for (i, t) in truth.iter().enumerate() {
        by_person.entry(t.person.0).or_default().push(i as u32);
    }
    let (mut missed, mut not_blocked, mut below, mut refused_or_other) = (0, 0, 0, 0);
    // Missed pairs by cause and comparison levels, the commonest printed last.
    let mut patterns: HashMap<String, u64> = HashMap::new();
    let mut shown = 0;
    let mut persons: Vec<_> = by_person.into_iter().collect();
    persons.sort();
    for (_, members) in persons {
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                if predicted[a as usize] == predicted[b as usize] {
                    continue;
                }
                missed += 1;
                let ex = resolver.explain_pair(
                    &resolution.model,
                    &resolution.population,
                    records,
                    RecordId(a),
                    RecordId(b),
                )?;
                let why = if !blocked.contains(&(a.min(b), a.max(b))) {
                    not_blocked += 1;
                    "not blocked"
                } else if !ex.above_threshold {
                    below += 1;
                    "below threshold"
                } else {
                    refused_or_other += 1;
                    "above threshold, apart (guard or chain)"
                };
                let levels = compared_levels(&ex);
                *patterns
                    .entry(format!("{why}: {}", levels.join(" ")))
                    .or_default() += 1;
                if shown < n {
                    shown += 1;
                    eprintln!("--- missed ({why}) weight {:.2}", ex.weights.match_weight);
                    eprintln!(
                        "  {:?}",
                        ex.levels
                            .iter()
                            .map(|(c, l)| format!("{c}={l}"))
                            .collect::<Vec<_>>()
                    );
                    eprintln!(
                        "  prior {:.1} {:?}",
                        ex.weights.prior_weight,
                        ex.weights
                            .terms
                            .iter()
                            .map(|t| format!("{}:{:.1}", t.comparison, t.weight))
                            .collect::<Vec<_>>()
                    );
                    for r in [a, b] {
                        print_record(&records[r as usize]);
                    }
                }
            }
        }
    }
    let mut patterns: Vec<_> = patterns.into_iter().collect();
    patterns.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (pattern, count) in patterns.iter().take(n).rev() {
        eprintln!("{count:>7}  {pattern}");
    }
    eprintln!(
        "missed true pairs: {missed}: not blocked {not_blocked}, below threshold {below}, other {refused_or_other}"
    );
    // Refusals that kept one person apart, by guard and by the levels of the
    // two records the guard found in conflict.
    let mut refusals: HashMap<String, u64> = HashMap::new();
    for refused in resolution.clustering.refused() {
        let (a, b) = (refused.edge.a, refused.edge.b);
        if truth[a.index()].person != truth[b.index()].person {
            continue;
        }
        let (kind, (x, y)) = match &refused.reason {
            omnicanal::cluster::RefusalReason::ConflictingStrongFacts { records } => {
                ("strong facts", *records)
            }
            omnicanal::cluster::RefusalReason::Household { records } => ("household", *records),
            omnicanal::cluster::RefusalReason::ConflictingNames { records } => ("names", *records),
            _ => ("other", (a, b)),
        };
        let same = truth[x.index()].person == truth[y.index()].person;
        let ex = resolver.explain_pair(&resolution.model, &resolution.population, records, x, y)?;
        let levels = compared_levels(&ex);
        if same && refusals.len() < n * 3 {
            eprintln!(
                "  refused {kind}: {:?} / {:?}",
                records[x.index()]
                    .names
                    .iter()
                    .map(|p| (&p.given, &p.given_canonical, &p.family))
                    .collect::<Vec<_>>(),
                records[y.index()]
                    .names
                    .iter()
                    .map(|p| (&p.given, &p.given_canonical, &p.family))
                    .collect::<Vec<_>>()
            );
        }
        *refusals
            .entry(format!(
                "refused by {kind} (conflict {}): {}",
                if same {
                    "within the person"
                } else {
                    "with another person"
                },
                levels.join(" ")
            ))
            .or_default() += 1;
    }
    let mut refusals: Vec<_> = refusals.into_iter().collect();
    refusals.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    eprintln!(
        "true edges refused: {}",
        refusals.iter().map(|(_, c)| c).sum::<u64>()
    );
    for (pattern, count) in refusals.iter().take(n).rev() {
        eprintln!("{count:>7}  {pattern}");
    }
    let wrong: Vec<_> = resolution
        .clustering
        .accepted()
        .iter()
        .filter(|e| truth[e.a.index()].person != truth[e.b.index()].person)
        .collect();
    let household = wrong
        .iter()
        .filter(|e| truth[e.a.index()].household == truth[e.b.index()].household)
        .count();
    eprintln!(
        "accepted edges joining different persons: {} ({household} within a household)",
        wrong.len()
    );
    let mut false_patterns: HashMap<String, u64> = HashMap::new();
    for e in &wrong {
        let ex =
            resolver.explain_pair(&resolution.model, &resolution.population, records, e.a, e.b)?;
        let same_household = truth[e.a.index()].household == truth[e.b.index()].household;
        let levels = compared_levels(&ex);
        let household = if same_household {
            "household"
        } else {
            "strangers"
        };
        *false_patterns
            .entry(format!("{household}: {}", levels.join(" ")))
            .or_default() += 1;
    }
    let mut false_patterns: Vec<_> = false_patterns.into_iter().collect();
    false_patterns.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (pattern, count) in false_patterns.iter().take(n).rev() {
        eprintln!("{count:>7}  false edge, {pattern}");
    }
    for e in wrong.iter().take(n) {
        let ex =
            resolver.explain_pair(&resolution.model, &resolution.population, records, e.a, e.b)?;
        let same_household = truth[e.a.index()].household == truth[e.b.index()].household;
        eprintln!(
            "--- false edge weight {:.2} household={same_household}",
            e.weight
        );
        eprintln!(
            "  {:?}",
            ex.levels
                .iter()
                .map(|(c, l)| format!("{c}={l}"))
                .collect::<Vec<_>>()
        );
        eprintln!(
            "  {:?}",
            ex.weights
                .terms
                .iter()
                .map(|t| format!("{}:{:.1}", t.comparison, t.weight))
                .collect::<Vec<_>>()
        );
        for r in [e.a, e.b] {
            print_record(&records[r.index()]);
        }
    }
    Ok(())
}

/// Development aid: for every `every`-th candidate pair, its match weight
/// against the truth, by weight and by comparison levels — how far the
/// model's weight is from the empirical log2 odds (true / false pairs).
fn calibrate(
    records: &[omnicanal::normalize::NormalizedRecord],
    truth: &[omnicanal::synth::RecordTruth],
    resolution: &omnicanal::resolver::Resolution,
    every: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let resolver = Resolver::new(settings())?;
    let blocking = omnicanal::block::Blocker::new(Settings::default().blocking)?.block(records)?;
    let sampled: Vec<_> = blocking.pairs.iter().step_by(every.max(1)).collect();
    let scored: Vec<(f64, bool, String)> = sampled
        .par_iter()
        .filter_map(|p| {
            let ex = resolver
                .explain_pair(
                    &resolution.model,
                    &resolution.population,
                    records,
                    p.lo,
                    p.hi,
                )
                .ok()?;
            let levels = compared_levels(&ex);
            let same = truth[p.lo.index()].person == truth[p.hi.index()].person;
            Some((ex.weights.match_weight, same, levels.join(" ")))
        })
        .collect();
    let mut bins: std::collections::BTreeMap<i64, (u64, u64)> = Default::default();
    // Per pattern: true, false, sum of weights, and true/false within ±4 bits of the threshold.
    let mut patterns: HashMap<&str, (u64, u64, f64, u64, u64)> = HashMap::new();
    let threshold = settings().match_weight_threshold;
    for (w, same, pattern) in &scored {
        let bin = bins.entry(w.floor() as i64).or_default();
        let near = (w - threshold).abs() <= 4.0;
        let entry = patterns.entry(pattern.as_str()).or_default();
        if *same {
            bin.0 += 1;
            entry.0 += 1;
            entry.3 += u64::from(near);
        } else {
            bin.1 += 1;
            entry.1 += 1;
            entry.4 += u64::from(near);
        }
        entry.2 += w;
    }
    eprintln!("calibration over every {every}th candidate pair; weight bin: true false empirical");
    for (bin, (t, f)) in bins.range(-12..=16) {
        let empirical = ((*t as f64 + 0.5) / (*f as f64 + 0.5)).log2();
        eprintln!(
            "  [{bin:>3}, {:>3}) {t:>8} {f:>8} {empirical:>6.2}",
            bin + 1
        );
    }
    let mut patterns: Vec<_> = patterns
        .into_iter()
        .filter(|(_, e)| e.3 + e.4 > 0)
        .collect();
    patterns.sort_by(|a, b| (b.1.3 + b.1.4).cmp(&(a.1.3 + a.1.4)).then(a.0.cmp(b.0)));
    eprintln!(
        "patterns with pairs within 4 bits of the threshold: near true, near false, mean weight, empirical"
    );
    for (pattern, (t, f, sum, nt, nf)) in patterns.iter().take(40) {
        let empirical = ((*t as f64 + 0.5) / (*f as f64 + 0.5)).log2();
        let mean = sum / (*t + *f) as f64;
        eprintln!("  {nt:>7} {nf:>7} {mean:>7.2} {empirical:>7.2}  {pattern}");
    }
    Ok(())
}

/// Default settings; `OMNICANAL_THRESHOLD` overrides the match-weight
/// threshold (for tuning runs).
fn settings() -> Settings {
    let mut settings = Settings::default();
    if let Some(t) = std::env::var("OMNICANAL_THRESHOLD")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        settings.match_weight_threshold = t;
    }
    // `OMNICANAL_CAPS=rule=N,rule=N`: block-size caps of named rules.
    for (name, cap) in std::env::var("OMNICANAL_CAPS")
        .unwrap_or_default()
        .split(',')
        .filter_map(|c| c.split_once('='))
    {
        let (Some(rule), Ok(cap)) = (
            settings.blocking.rules.iter_mut().find(|r| r.name == name),
            cap.parse(),
        ) else {
            // A tuning run on a mistyped rule would measure the defaults.
            eprintln!("OMNICANAL_CAPS: no default rule {name:?} or no number {cap:?}: ignored");
            continue;
        };
        rule.max_block_size = Some(cap);
    }
    settings
}

/// One record's normalized values on stderr (synthetic data only).
fn print_record(r: &omnicanal::normalize::NormalizedRecord) {
    let names: Vec<_> = r
        .names
        .iter()
        .map(|n| format!("{}|{}|{}", n.given, n.given_canonical, n.family))
        .collect();
    let emails: Vec<_> = r.emails.iter().map(|e| e.normalized.as_str()).collect();
    let phones: Vec<_> = r.phones.iter().map(|p| p.e164.as_str()).collect();
    let addresses: Vec<_> = r
        .addresses
        .iter()
        .map(|a| {
            format!(
                "{:?} {:?} {:?} {:?}",
                a.number, a.street, a.postcode, a.city
            )
        })
        .collect();
    eprintln!(
        "  {} names={names:?} birth={:?} emails={emails:?} phones={phones:?} addr={addresses:?}",
        r.key, r.birth
    );
}
