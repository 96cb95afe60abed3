//! Hand cases on realistic French records, and the laws of the clustering.

use std::collections::VecDeque;

use proptest::prelude::*;

use super::profile::tests::person_name;
use super::*;
use crate::normalize::{NormalizedAddress, NormalizedRecord, PartialDate, Phone, PhoneKind};
use crate::record::{Channel, RecordId, SourceKey};

/// A normalized record built field by field, as the normalizer would give it.
struct Person(NormalizedRecord);

fn person(channel: Channel, id: &str) -> Person {
    Person(NormalizedRecord {
        key: SourceKey::new(channel, id).unwrap(),
        civility: None,
        names: smallvec::smallvec![],
        birth: None,
        emails: smallvec::smallvec![],
        phones: smallvec::smallvec![],
        addresses: vec![],
        identifiers: vec![],
        created_at: None,
        updated_at: None,
        issues: vec![],
    })
}

impl Person {
    fn named(mut self, given: &str, family: &str) -> Self {
        self.0.names.push(person_name(given, family));
        self
    }
    fn born(mut self, year: u16, month: u8, day: u8) -> Self {
        self.0.birth = Some(PartialDate {
            year,
            month: Some(month),
            day: Some(day),
        });
        self
    }
    fn born_in(mut self, year: u16) -> Self {
        self.0.birth = Some(PartialDate {
            year,
            month: None,
            day: None,
        });
        self
    }
    fn living_at(mut self, number: u32, street: &str, postcode: &str, city: &str) -> Self {
        self.0.addresses.push(NormalizedAddress {
            number: Some(number),
            number_suffix: None,
            street: Some(street.into()),
            postcode: Some(postcode.into()),
            city: Some(city.into()),
            country: None,
        });
        self
    }
    /// An address of which the source kept only the postcode and town, as
    /// the call centre does.
    fn in_town(mut self, postcode: &str, city: &str) -> Self {
        self.0.addresses.push(NormalizedAddress {
            number: None,
            number_suffix: None,
            street: None,
            postcode: Some(postcode.into()),
            city: Some(city.into()),
            country: None,
        });
        self
    }
    fn phone(mut self, e164: &str, kind: PhoneKind) -> Self {
        self.0.phones.push(Phone {
            e164: e164.into(),
            kind,
        });
        self
    }
    fn done(self) -> NormalizedRecord {
        self.0
    }
}

fn edge(a: u32, b: u32, weight: f64) -> Edge {
    Edge::new(RecordId(a), RecordId(b), weight)
}

fn ids(v: &[u32]) -> Vec<RecordId> {
    v.iter().copied().map(RecordId).collect()
}

fn members_of(c: &Clustering, record: u32) -> Vec<RecordId> {
    c.members(c.cluster_of(RecordId(record)).unwrap()).to_vec()
}

/// Marie Dupont (store card, born 5 March 1980), an app account that only
/// says "Dupont" with Marie's email and the family landline, and Jean Dupont
/// (web, born 20 November 1975) who shares that landline.
fn chain_records() -> Vec<NormalizedRecord> {
    vec![
        person(Channel::Store, "4001234")
            .named("marie", "dupont")
            .born(1980, 3, 5)
            .done(),
        person(Channel::App, "u-77")
            .named("", "dupont")
            .phone("+33143550000", PhoneKind::Landline)
            .done(),
        person(Channel::Web, "A-1029")
            .named("jean", "dupont")
            .born(1975, 11, 20)
            .phone("+33143550000", PhoneKind::Landline)
            .done(),
    ]
}

#[test]
fn chain_through_a_weak_record_is_cut_at_the_conflict() {
    let records = chain_records();
    let guard = StrongFactsGuard::new(&records);
    // Marie–app on the email is strong; app–Jean on the landline is weaker.
    let edges = [edge(0, 1, 14.0), edge(1, 2, 7.5), edge(0, 2, 3.0)];
    let result = cluster(3, &edges, 2.0, &guard);
    assert_eq!(members_of(&result, 0), ids(&[0, 1]));
    assert_eq!(members_of(&result, 2), ids(&[2]));
    assert_eq!(result.accepted(), [edge(0, 1, 14.0)]);
    let reason = RefusalReason::ConflictingStrongFacts {
        records: (RecordId(0), RecordId(2)),
    };
    // The app–Jean link is refused although app and Jean alone do not
    // conflict: Marie is already in the cluster. The direct edge too.
    assert_eq!(
        result.refused(),
        [
            RefusedEdge {
                edge: edge(1, 2, 7.5),
                reason: reason.clone()
            },
            RefusedEdge {
                edge: edge(0, 2, 3.0),
                reason
            },
        ]
    );
    assert_eq!(result.stats().edges_refused, 2);

    // Without the guard, the chain glues the three together.
    let unguarded = cluster(3, &edges, 2.0, &NoGuard);
    assert_eq!(unguarded.len(), 1);
    assert_eq!(unguarded.explain(ClusterIndex(0)).len(), 2);
}

#[test]
fn the_strongest_link_decides_which_side_the_weak_record_joins() {
    let records = chain_records();
    let guard = StrongFactsGuard::new(&records);
    let edges = [edge(0, 1, 6.0), edge(1, 2, 11.0)];
    let result = cluster(3, &edges, 2.0, &guard);
    assert_eq!(members_of(&result, 0), ids(&[0]));
    assert_eq!(members_of(&result, 1), ids(&[1, 2]));
    assert_eq!(result.refused().len(), 1);
    assert_eq!(result.refused()[0].edge, edge(0, 1, 6.0));
}

/// Pierre and Sophie Martin, married, 12 rue de la Paix 75002 Paris, one
/// landline; Pierre has a second record as "P. Martin" in the call centre.
fn household_records() -> Vec<NormalizedRecord> {
    vec![
        person(Channel::Store, "4005678")
            .named("pierre", "martin")
            .born(1972, 6, 14)
            .living_at(12, "rue de la paix", "75002", "paris")
            .phone("+33142600000", PhoneKind::Landline)
            .done(),
        person(Channel::Web, "B-2231")
            .named("sophie", "martin")
            .living_at(12, "rue de la paix", "75002", "paris")
            .phone("+33142600000", PhoneKind::Landline)
            .phone("+33611223344", PhoneKind::Mobile)
            .done(),
        person(Channel::CallCentre, "CC-9")
            .named("p", "martin")
            .phone("+33142600000", PhoneKind::Landline)
            .done(),
    ]
}

#[test]
fn spouses_sharing_address_landline_and_family_name_stay_apart() {
    let records = household_records();
    let guards = (
        StrongFactsGuard::new(&records),
        HouseholdGuard::new(&records),
    );
    // What a naive scorer gives: address + landline + family name agree.
    let edges = [edge(0, 1, 12.0), edge(1, 2, 8.0), edge(0, 2, 8.0)];
    let result = cluster(3, &edges, 5.0, &guards);
    assert_eq!(members_of(&result, 0), ids(&[0, 2]), "Pierre and P. Martin");
    assert_eq!(members_of(&result, 1), ids(&[1]), "Sophie alone");
    assert_eq!(
        result.refused()[0],
        RefusedEdge {
            edge: edge(0, 1, 12.0),
            reason: RefusalReason::Household {
                records: (RecordId(0), RecordId(1))
            }
        }
    );
    // P. Martin–Sophie is refused through Pierre.
    assert_eq!(result.refused().len(), 2);
    assert_eq!(
        result.refused()[1].reason,
        RefusalReason::Household {
            records: (RecordId(0), RecordId(1))
        }
    );
    // The strong-facts guard alone lets them through: Sophie gave no birth date.
    assert_eq!(
        cluster(3, &edges, 5.0, &StrongFactsGuard::new(&records)).len(),
        1
    );
}

#[test]
fn one_family_name_in_one_postcode_under_other_given_names_stays_apart() {
    // The call centre kept only "Ivry-sur-Seine 94200" for Eric; his mother
    // Nicole has a store card with her full address. A rare family name and
    // the postcode outweigh the given names in the score; the guard holds.
    let records = vec![
        person(Channel::Store, "1")
            .named("nicole", "kerbrat")
            .living_at(3, "rue marat", "94200", "ivry sur seine")
            .done(),
        person(Channel::CallCentre, "2")
            .named("eric", "kerbrat")
            .in_town("94200", "ivry sur seine")
            .done(),
        person(Channel::Web, "3")
            .named("eric", "kerbrat")
            .in_town("94200", "ivry sur seine")
            .done(),
    ];
    let edges = [edge(0, 1, 9.0), edge(1, 2, 8.0)];
    let result = cluster(3, &edges, 5.0, &HouseholdGuard::new(&records));
    assert_eq!(members_of(&result, 0), ids(&[0]));
    assert_eq!(members_of(&result, 1), ids(&[1, 2]), "Eric's two records");
    assert_eq!(
        result.refused()[0].reason,
        RefusalReason::Household {
            records: (RecordId(0), RecordId(1))
        }
    );
    // Another postcode: nothing says they live together, the score decides.
    let mut moved = records.clone();
    moved[1].addresses[0].postcode = Some("75011".into());
    moved[2].addresses[0].postcode = Some("75011".into());
    let result = cluster(3, &edges, 5.0, &HouseholdGuard::new(&moved));
    assert_eq!(result.len(), 1);
}

#[test]
fn a_mobile_shared_by_two_given_names_is_not_a_household() {
    // A mobile is personal: sharing one is evidence of one person, not a
    // household, so this guard leaves the decision to the score.
    let records = vec![
        person(Channel::Store, "1")
            .named("pierre", "martin")
            .phone("+33611223344", PhoneKind::Mobile)
            .done(),
        person(Channel::Web, "2")
            .named("sophie", "martin")
            .phone("+33611223344", PhoneKind::Mobile)
            .done(),
    ];
    let result = cluster(2, &[edge(0, 1, 9.0)], 5.0, &HouseholdGuard::new(&records));
    assert_eq!(result.len(), 1);
}

#[test]
fn day_month_swapped_birth_date_still_merges() {
    // Marie-Claire on her store card; "Claire" on the app, whose export is
    // month-first, so 05/03/1980 became 3 May.
    let records = vec![
        person(Channel::Store, "4001234")
            .named("marie claire", "dupont")
            .born(1980, 3, 5)
            .done(),
        person(Channel::App, "u-12")
            .named("claire", "dupont")
            .born(1980, 5, 3)
            .done(),
        person(Channel::Web, "A-7")
            .named("claire", "dupont")
            .born(1980, 3, 6)
            .done(),
    ];
    let guard = StrongFactsGuard::new(&records);
    let result = cluster(2, &[edge(0, 1, 9.0)], 5.0, &guard);
    assert_eq!(result.len(), 1);
    assert!(result.refused().is_empty());
    // A genuinely different date with those given names is a conflict.
    let result = cluster(3, &[edge(0, 2, 9.0)], 5.0, &guard);
    assert_eq!(result.len(), 3);
    assert_eq!(
        result.refused()[0].reason,
        RefusalReason::ConflictingStrongFacts {
            records: (RecordId(0), RecordId(2))
        }
    );
    // Only a year: no full date, no conflict.
    let year_only = vec![
        records[0].clone(),
        person(Channel::Web, "A-8")
            .named("claire", "dupont")
            .born_in(1980)
            .done(),
    ];
    let result = cluster(
        2,
        &[edge(0, 1, 9.0)],
        5.0,
        &StrongFactsGuard::new(&year_only),
    );
    assert_eq!(result.len(), 1);
}

#[test]
fn bad_edges_are_counted_not_fatal() {
    let edges = [
        edge(0, 0, 9.0),                               // self-loop
        edge(1, 7, 9.0),                               // record past n
        Edge::new(RecordId(0), RecordId(1), f64::NAN), // NaN weight
        edge(1, 2, 1.0),                               // below threshold
        Edge {
            a: RecordId(2),
            b: RecordId(1),
            weight: 6.0,
        }, // not canonical
        edge(1, 2, 6.0),                               // duplicate
    ];
    let result = cluster(3, &edges, 5.0, &NoGuard);
    assert_eq!(
        *result.stats(),
        ClusterStats {
            records: 3,
            edges_in: 6,
            edges_below_threshold: 2,
            edges_invalid: 2,
            edges_accepted: 1,
            edges_redundant: 1,
            edges_refused: 0,
            clusters: 2,
            singletons: 1,
            largest_cluster: 2,
        }
    );
    assert_eq!(result.accepted(), [edge(1, 2, 6.0)]);
    assert_eq!(cluster(0, &edges, 5.0, &NoGuard).len(), 0);
    assert!(cluster(0, &[], 0.0, &NoGuard).is_empty());
}

#[test]
fn explanations_and_paths() {
    // 0–1–2–3 chain plus a redundant 0–3 and a separate pair 4–5.
    let edges = [
        edge(0, 1, 10.0),
        edge(2, 1, 9.0),
        edge(2, 3, 8.0),
        edge(0, 3, 7.0),
        edge(4, 5, 3.0),
    ];
    let result = cluster(7, &edges, 0.0, &NoGuard);
    assert_eq!(result.len(), 3);
    let first = ClusterIndex(0);
    assert_eq!(
        explain_customer(&result, first),
        [edge(0, 1, 10.0), edge(1, 2, 9.0), edge(2, 3, 8.0)]
    );
    assert_eq!(result.explain(ClusterIndex(1)), [edge(4, 5, 3.0)]);
    assert!(result.explain(ClusterIndex(2)).is_empty(), "singleton 6");
    assert!(result.explain(ClusterIndex(99)).is_empty());
    assert_eq!(
        result.path(RecordId(3), RecordId(0)),
        Some(vec![edge(2, 3, 8.0), edge(1, 2, 9.0), edge(0, 1, 10.0)])
    );
    assert_eq!(result.path(RecordId(2), RecordId(2)), Some(vec![]));
    assert_eq!(result.path(RecordId(0), RecordId(4)), None);
    assert_eq!(result.path(RecordId(0), RecordId(70)), None);
    assert_eq!(result.members(ClusterIndex(99)), &[] as &[RecordId]);
}

#[test]
fn customer_ids_come_from_the_smallest_member_key() {
    let records = chain_records();
    let keys: Vec<SourceKey> = records.iter().map(|r| r.key.clone()).collect();
    let result = cluster(3, &[edge(1, 2, 9.0)], 5.0, &NoGuard);
    let joined = result.cluster_of(RecordId(2)).unwrap();
    // "app:u-77" is smaller than "web:A-1029".
    assert_eq!(
        result.customer_id(joined, &keys),
        Some(CustomerId::of_key(&keys[1]))
    );
    assert_eq!(result.customer_id(joined, &[]), None);
}

#[test]
fn clustering_serializes() {
    let records = household_records();
    let result = cluster(
        3,
        &[edge(0, 1, 12.0), edge(0, 2, 8.0)],
        5.0,
        &HouseholdGuard::new(&records),
    );
    let json = serde_json::to_string(&result).unwrap();
    let back: Clustering = serde_json::from_str(&json).unwrap();
    assert_eq!(back, result);
    // Debug carries ids and counts, no names or phones.
    let dbg = format!("{result:?}");
    assert!(!dbg.contains("martin") && !dbg.contains("+33"), "{dbg}");
    let summary = HouseholdGuard::new(&records).summarize(RecordId(1));
    assert_eq!(format!("{summary:?}"), "HouseholdSummary(1 profiles)");
}

// ---------------------------------------------------------------- laws ----

/// Connected components of the edges at or above `threshold` by breadth-first
/// search, numbered in order of smallest record: the oracle for `NoGuard`.
fn oracle_components(n: usize, edges: &[Edge], threshold: f64) -> Vec<ClusterIndex> {
    let mut adjacent = vec![Vec::new(); n];
    for e in edges.iter().filter(|e| e.weight >= threshold) {
        adjacent[e.a.index()].push(e.b.index());
        adjacent[e.b.index()].push(e.a.index());
    }
    let mut label = vec![None; n];
    let mut next = 0;
    for start in 0..n {
        if label[start].is_some() {
            continue;
        }
        label[start] = Some(ClusterIndex(next));
        let mut queue = VecDeque::from([start]);
        while let Some(r) = queue.pop_front() {
            for &s in &adjacent[r] {
                if label[s].is_none() {
                    label[s] = Some(ClusterIndex(next));
                    queue.push_back(s);
                }
            }
        }
        next += 1;
    }
    label.into_iter().map(|l| l.unwrap()).collect()
}

fn arb_edges(n: u32, max: usize) -> impl Strategy<Value = Vec<Edge>> {
    // Weights on a coarse grid so that ties (the interesting case for order
    // independence) are frequent.
    prop::collection::vec(
        (0..n, 0..n, -4i32..16).prop_map(|(a, b, w)| edge(a, b, f64::from(w) / 2.0)),
        0..max,
    )
}

fn arb_graph() -> impl Strategy<Value = (usize, Vec<Edge>, f64)> {
    (1u32..30).prop_flat_map(|n| {
        (
            Just(n as usize),
            arb_edges(n, 60),
            (-2i32..8).prop_map(f64::from),
        )
    })
}

/// Edges shuffled and each possibly written the other way round.
fn arb_permuted(edges: Vec<Edge>) -> impl Strategy<Value = Vec<Edge>> {
    let len = edges.len();
    (
        Just(edges).prop_shuffle(),
        prop::collection::vec(any::<bool>(), len),
    )
        .prop_map(|(edges, flips)| {
            edges
                .into_iter()
                .zip(flips)
                .map(|(e, flip)| {
                    if flip {
                        Edge {
                            a: e.b,
                            b: e.a,
                            weight: e.weight,
                        }
                    } else {
                        e
                    }
                })
                .collect()
        })
}

/// Records from a small vocabulary, so that names, dates, addresses and
/// landlines collide often: Dupont and Martin families, compatible and
/// incompatible given names, swapped dates, year-only dates.
fn arb_record(i: usize) -> impl Strategy<Value = NormalizedRecord> {
    let given = prop::sample::select(vec![
        "",
        "marie",
        "marie claire",
        "claire",
        "m",
        "pierre",
        "p",
        "sophie",
        "jean",
        "j",
    ]);
    let family = prop::sample::select(vec!["dupont", "martin", ""]);
    let birth = prop::sample::select(vec![
        None,
        Some((1980, Some(3), Some(5))),
        Some((1980, Some(5), Some(3))),
        Some((1980, Some(3), Some(6))),
        Some((1975, Some(11), Some(20))),
        Some((1980, None, None)),
    ]);
    let address = prop::sample::select(vec![None, Some("rue de la paix"), Some("avenue foch")]);
    let landline = prop::sample::select(vec![None, Some("+33142600000"), Some("+33143550000")]);
    (
        prop::collection::vec((given, family), 0..3),
        birth,
        address,
        landline,
    )
        .prop_map(move |(names, birth, address, landline)| {
            let mut p = person(Channel::Store, &i.to_string());
            for (g, f) in names {
                p = p.named(g, f);
            }
            if let Some((year, month, day)) = birth {
                p.0.birth = Some(PartialDate { year, month, day });
            }
            if let Some(street) = address {
                p = p.living_at(3, street, "75002", "paris");
            }
            if let Some(l) = landline {
                p = p.phone(l, PhoneKind::Landline);
            }
            p.done()
        })
}

/// At most [`MAX_PROFILES`] records, so no summary ever saturates.
fn arb_records() -> impl Strategy<Value = Vec<NormalizedRecord>> {
    (1usize..=MAX_PROFILES).prop_flat_map(|n| (0..n).map(arb_record).collect::<Vec<_>>())
}

fn arb_records_and_edges() -> impl Strategy<Value = (Vec<NormalizedRecord>, Vec<Edge>)> {
    arb_records().prop_flat_map(|records| {
        let n = records.len() as u32;
        (Just(records), arb_edges(n, 40))
    })
}

/// The partition and the spanning-forest laws that hold for any guard.
fn check_partition(result: &Clustering, n: usize) -> Result<(), TestCaseError> {
    prop_assert_eq!(result.n_records(), n);
    // Every record in exactly one cluster, and `assignment` agrees with members.
    let mut seen = vec![0u32; n];
    let mut smallest_members = Vec::new();
    for (c, members) in result.clusters() {
        prop_assert!(!members.is_empty());
        prop_assert!(members.windows(2).all(|w| w[0] < w[1]), "ascending");
        smallest_members.push(members[0]);
        for &r in members {
            seen[r.index()] += 1;
            prop_assert_eq!(result.cluster_of(r), Some(c));
        }
        // Spanning tree: one edge fewer than members, all inside the cluster,
        // and they connect it.
        let tree = result.explain(c);
        prop_assert_eq!(tree.len(), members.len() - 1);
        prop_assert!(
            tree.windows(2).all(|w| w[0].weight >= w[1].weight),
            "strongest first"
        );
        for e in tree {
            prop_assert_eq!(result.cluster_of(e.a), Some(c));
            prop_assert_eq!(result.cluster_of(e.b), Some(c));
        }
        let within = oracle_components(n, tree, f64::NEG_INFINITY);
        prop_assert!(
            members
                .iter()
                .all(|r| within[r.index()] == within[members[0].index()])
        );
    }
    prop_assert!(seen.iter().all(|&k| k == 1), "each record once: {:?}", seen);
    prop_assert!(
        smallest_members.windows(2).all(|w| w[0] < w[1]),
        "numbered by smallest member"
    );
    prop_assert_eq!(result.accepted().len(), n - result.len());
    // The accepted edges are the clusters' trees one after the other.
    let trees: Vec<Edge> = result
        .clusters()
        .flat_map(|(c, _)| result.explain(c).iter().copied())
        .collect();
    prop_assert_eq!(trees.as_slice(), result.accepted());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn without_guard_clusters_are_connected_components((n, edges, threshold) in arb_graph()) {
        let result = cluster(n, &edges, threshold, &NoGuard);
        prop_assert_eq!(result.assignment(), &oracle_components(n, &edges, threshold)[..]);
        prop_assert!(result.refused().is_empty());
        check_partition(&result, n)?;
        let s = result.stats();
        prop_assert_eq!(
            s.edges_in,
            s.edges_below_threshold + s.edges_invalid + s.edges_accepted + s.edges_redundant + s.edges_refused
        );
    }

    #[test]
    fn any_edge_order_gives_the_identical_clustering(
        (n, edges, permuted, threshold) in arb_graph().prop_flat_map(|(n, edges, t)| {
            (Just(n), Just(edges.clone()), arb_permuted(edges), Just(t))
        })
    ) {
        prop_assert_eq!(
            cluster(n, &edges, threshold, &NoGuard),
            cluster(n, &permuted, threshold, &NoGuard)
        );
    }

    #[test]
    fn guarded_clustering_is_order_independent_and_a_partition(
        (records, edges, permuted) in arb_records_and_edges().prop_flat_map(|(records, edges)| {
            (Just(records), Just(edges.clone()), arb_permuted(edges))
        })
    ) {
        let guards = (StrongFactsGuard::new(&records), HouseholdGuard::new(&records));
        let result = cluster(records.len(), &edges, 0.0, &guards);
        prop_assert_eq!(&result, &cluster(records.len(), &permuted, 0.0, &guards));
        check_partition(&result, records.len())?;
    }

    #[test]
    fn no_cluster_holds_a_pair_a_guard_refuses((records, edges) in arb_records_and_edges()) {
        let facts = StrongFactsGuard::new(&records);
        let household = HouseholdGuard::new(&records);
        let result = cluster(records.len(), &edges, 0.0, &(facts, household));
        for (_, members) in result.clusters() {
            for (i, &r) in members.iter().enumerate() {
                for &s in &members[i + 1..] {
                    prop_assert_eq!(facts.check(&facts.summarize(r), &facts.summarize(s)), Ok(()));
                    prop_assert_eq!(
                        household.check(&household.summarize(r), &household.summarize(s)),
                        Ok(())
                    );
                }
            }
        }
        // A refusal is final: the two records never end up together.
        for refused in result.refused() {
            prop_assert_ne!(result.cluster_of(refused.edge.a), result.cluster_of(refused.edge.b));
        }
    }

    #[test]
    fn guards_are_symmetric_and_merges_commutative(
        records in arb_records(),
        split in any::<prop::sample::Index>(),
    ) {
        // Two summaries of disjoint groups of records, built by merging.
        let at = split.index(records.len() + 1);
        let facts = StrongFactsGuard::new(&records);
        let household = HouseholdGuard::new(&records);
        let guards = (facts, household);
        let summary = |range: std::ops::Range<usize>| {
            range
                .map(|i| guards.summarize(RecordId(i as u32)))
                .reduce(|x, y| guards.merge(x, y))
                .unwrap_or_default()
        };
        let (left, right) = (summary(0..at), summary(at..records.len()));
        prop_assert_eq!(facts.check(&left.0, &right.0), facts.check(&right.0, &left.0));
        prop_assert_eq!(household.check(&left.1, &right.1), household.check(&right.1, &left.1));
        prop_assert_eq!(
            guards.merge(left.clone(), right.clone()),
            guards.merge(right, left)
        );
    }
}

/// Refuses clusters past `cap` members, or whose member ids would sum to a
/// multiple of seven (a rule that depends on who the members are, so a
/// wrong summary or a wrong union order changes the result).
struct PickyGuard {
    cap: usize,
}

impl MergeGuard for PickyGuard {
    /// Members and the sum of their ids.
    type Summary = (usize, u64);

    fn summarize(&self, record: RecordId) -> (usize, u64) {
        (1, u64::from(record.0))
    }

    fn check(&self, a: &(usize, u64), b: &(usize, u64)) -> Result<(), RefusalReason> {
        if a.0 + b.0 > self.cap || (a.1 + b.1) % 7 == 0 {
            Err(RefusalReason::Custom("picky".into()))
        } else {
            Ok(())
        }
    }

    fn merge(&self, a: (usize, u64), b: (usize, u64)) -> (usize, u64) {
        (a.0 + b.0, a.1 + b.1)
    }
}

/// The guarded clustering by its definition, with nothing clever: edges at
/// or above `threshold` in strength order, each asked of the guard with the
/// two clusters' summaries rebuilt from their members; `(label per record,
/// refused edges in order)`.
fn oracle_guarded(
    n: usize,
    edges: &[Edge],
    threshold: f64,
    guard: &PickyGuard,
) -> (Vec<usize>, Vec<Edge>) {
    let mut sorted: Vec<Edge> = edges
        .iter()
        .filter(|e| e.weight >= threshold && e.a != e.b)
        .map(|e| e.canonical())
        .collect();
    sorted.sort_by(Edge::cmp_strength);
    let mut label: Vec<usize> = (0..n).collect();
    let mut refused = Vec::new();
    let summary_of = |label: &[usize], l: usize| {
        (0..n)
            .filter(|&r| label[r] == l)
            .map(|r| guard.summarize(RecordId(r as u32)))
            .reduce(|x, y| guard.merge(x, y))
            .unwrap_or_default()
    };
    for e in sorted {
        let (la, lb) = (label[e.a.index()], label[e.b.index()]);
        if la == lb {
            continue;
        }
        if guard
            .check(&summary_of(&label, la), &summary_of(&label, lb))
            .is_err()
        {
            refused.push(e);
            continue;
        }
        label.iter_mut().filter(|l| **l == lb).for_each(|l| *l = la);
    }
    (label, refused)
}

#[test]
fn components_united_in_parallel_equal_the_one_pass_definition() {
    // Enough edges for the parallel path (`PARALLEL_EDGES`), in many
    // components and a few large ones, with ties; from a fixed seed.
    let n = 2_000usize;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    let edges: Vec<Edge> = (0..6_000)
        .map(|i| {
            // Mostly short-range edges (small components), some long ones.
            let a = next(n as u64) as u32;
            let span = if i % 50 == 0 { n as u64 } else { 6 };
            let b = ((u64::from(a) + next(span)) % n as u64) as u32;
            edge(a, b, f64::from(next(12) as u32) / 2.0)
        })
        .collect();
    let guard = PickyGuard { cap: 6 };
    let (labels, refused) = oracle_guarded(n, &edges, 1.0, &guard);
    assert!(!refused.is_empty(), "the guard must have work to do");
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let result = pool.install(|| cluster(n, &edges, 1.0, &guard));
        for (r, &l) in labels.iter().enumerate() {
            assert_eq!(
                result.assignment()[r],
                result.assignment()[l],
                "{threads} threads: record {r}"
            );
        }
        assert_eq!(
            result.len(),
            labels
                .iter()
                .collect::<std::collections::HashSet<_>>()
                .len()
        );
        let refused_edges: Vec<Edge> = result.refused().iter().map(|r| r.edge).collect();
        assert_eq!(refused_edges, refused, "{threads} threads");
    }
}
