//! Laws of batch resolution, on generated French data:
//! - any permutation of the input gives the same customers;
//! - one thread and two threads give the same result;
//! - every record is in exactly one customer;
//! - with the guards off, the partition is the connected components of the
//!   edges at or above the threshold (checked against a naive oracle);
//! - the default settings find the generator's persons accurately.
#![cfg(feature = "synth")]

use std::collections::{BTreeSet, HashMap};

use omnicanal::eval::evaluate;
use omnicanal::normalize::{NormalizedRecord, normalize};
use omnicanal::resolver::{Resolution, Resolver, Settings};
use omnicanal::synth::{EventRates, SynthConfig, generate};
use omnicanal::{RecordId, SourceKey};
use proptest::prelude::*;

fn dataset(persons: u64, seed: u64) -> (Vec<NormalizedRecord>, Vec<u64>) {
    let data = generate(&SynthConfig {
        persons,
        seed,
        events: EventRates::none(),
        ..SynthConfig::default()
    });
    let records = data.records.iter().map(normalize).collect();
    let truth = data.truth.records.iter().map(|t| t.person.0).collect();
    (records, truth)
}

fn settings() -> Settings {
    let mut settings = Settings::default();
    // Small samples keep the debug-build test fast; u stays well estimated
    // for a few hundred records.
    settings.training.u_sample_pairs = 50_000;
    settings
}

fn resolve(records: &[NormalizedRecord], settings: Settings) -> Resolution {
    Resolver::new(settings)
        .expect("valid settings")
        .resolve(records)
        .expect("resolution")
}

/// The partition as sets of source keys: comparable across input orders.
fn partition(
    records: &[NormalizedRecord],
    resolution: &Resolution,
) -> BTreeSet<BTreeSet<SourceKey>> {
    resolution
        .clustering
        .clusters()
        .map(|(_, members)| {
            members
                .iter()
                .map(|r| records[r.index()].key.clone())
                .collect()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn any_permutation_gives_the_same_customers(seed in 0u64..1000, shuffle_seed in any::<u64>()) {
        let (records, _) = dataset(250, seed);
        let mut shuffled = records.clone();
        // Fisher–Yates with a SplitMix64 stream: reproducible from the seed.
        let mut state = shuffle_seed;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            let j = ((z ^ (z >> 31)) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        let a = resolve(&records, settings());
        let b = resolve(&shuffled, settings());
        prop_assert_eq!(partition(&records, &a), partition(&shuffled, &b));
        // Customer ids follow the members, not the positions.
        let ids = |recs: &[NormalizedRecord], r: &Resolution| -> BTreeSet<(SourceKey, u64)> {
            recs.iter().enumerate().map(|(i, n)| {
                let id = r.customer_of(RecordId(i as u32)).expect("every record has a customer");
                (n.key.clone(), id.as_u64())
            }).collect()
        };
        prop_assert_eq!(ids(&records, &a), ids(&shuffled, &b));
    }

    #[test]
    fn every_record_is_in_exactly_one_customer(seed in 0u64..1000) {
        let (records, _) = dataset(200, seed);
        let resolution = resolve(&records, settings());
        let mut seen = vec![0u32; records.len()];
        for (_, members) in resolution.clustering.clusters() {
            for r in members {
                seen[r.index()] += 1;
            }
        }
        prop_assert!(seen.iter().all(|&n| n == 1));
        prop_assert_eq!(resolution.customer_ids.len(), resolution.clustering.len());
    }
}

#[test]
fn one_and_two_threads_give_the_same_result() {
    let (records, _) = dataset(400, 11);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        pool.install(|| resolve(&records, settings()))
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(one.clustering.assignment(), two.clustering.assignment());
    assert_eq!(one.customer_ids, two.customer_ids);
    assert_eq!(one.model, two.model);
    assert_eq!(one.pairs_compared, two.pairs_compared);
}

#[test]
fn without_guards_the_partition_is_the_connected_components_of_the_edges() {
    let (records, _) = dataset(300, 5);
    let mut unguarded = settings();
    unguarded.strong_facts_guard = false;
    unguarded.household_guard = false;
    unguarded.names_guard = false;
    let resolution = resolve(&records, unguarded);
    // Oracle: components over the accepted and refused edges (with no guard,
    // nothing is refused, and every edge at or above the threshold is kept).
    assert!(resolution.clustering.refused().is_empty());
    let mut adjacency: HashMap<u32, Vec<u32>> = HashMap::new();
    for e in resolution.clustering.accepted() {
        adjacency.entry(e.a.0).or_default().push(e.b.0);
        adjacency.entry(e.b.0).or_default().push(e.a.0);
    }
    let mut component = vec![u32::MAX; records.len()];
    for start in 0..records.len() as u32 {
        if component[start as usize] != u32::MAX {
            continue;
        }
        let mut stack = vec![start];
        component[start as usize] = start;
        while let Some(r) = stack.pop() {
            for &next in adjacency.get(&r).into_iter().flatten() {
                if component[next as usize] == u32::MAX {
                    component[next as usize] = start;
                    stack.push(next);
                }
            }
        }
    }
    let assignment = resolution.clustering.assignment();
    for a in 0..records.len() {
        for b in a + 1..records.len() {
            assert_eq!(
                component[a] == component[b],
                assignment[a] == assignment[b],
                "records {a} and {b}"
            );
        }
    }
    assert_eq!(
        resolution.edges_above_threshold,
        resolution.clustering.accepted().len() as u64
            + resolution.clustering.stats().edges_redundant as u64,
    );
}

#[test]
fn default_settings_find_the_generators_persons() {
    // A small, fixed dataset: a regression guard for accuracy, far below the
    // benchmark's figures (see examples/scale.rs for those).
    let (records, truth) = dataset(1500, 42);
    let resolution = resolve(&records, settings());
    let predicted: Vec<u32> = resolution
        .clustering
        .assignment()
        .iter()
        .map(|c| c.0)
        .collect();
    let accuracy = evaluate(&predicted, &truth).expect("same lengths");
    assert!(accuracy.pairwise_f1 > 0.9, "{accuracy}");
    assert!(accuracy.bcubed_f1 > 0.95, "{accuracy}");
}
