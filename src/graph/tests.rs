use proptest::prelude::*;

use super::*;
use crate::cluster::{NoGuard, cluster};
use crate::normalize::normalize;
use crate::record::Channel;

fn key(channel: Channel, id: &str) -> SourceKey {
    SourceKey::new(channel, id).unwrap()
}

fn record(channel: Channel, id: &str, fill: impl FnOnce(&mut crate::RecordBuilder)) -> Record {
    let mut b = Record::builder(key(channel, id));
    fill(&mut b);
    b.build()
}

/// A graph of `raw` where `groups` lists each customer's record indexes.
fn graph_of(raw: &[Record], groups: &[&[u32]]) -> CustomerGraph {
    let normalized: Vec<_> = raw.iter().map(normalize).collect();
    let edges: Vec<Edge> = groups
        .iter()
        .flat_map(|g| {
            g.windows(2)
                .map(|w| Edge::new(RecordId(w[0]), RecordId(w[1]), 12.0))
        })
        .collect();
    let clustering = cluster(raw.len(), &edges, 0.0, &NoGuard);
    let keys: Vec<_> = raw.iter().map(|r| r.key.clone()).collect();
    let ids = clustering
        .clusters()
        .map(|(c, _)| clustering.customer_id(c, &keys).unwrap())
        .collect();
    CustomerGraph::builder(normalized, clustering, ids)
        .raw_records(raw)
        .build()
        .unwrap()
}

/// Marie Dupont (store card + web account), her husband Jean (app), who
/// share the landline, and Paul Martin (call centre).
fn household() -> (Vec<Record>, CustomerGraph) {
    let raw = vec![
        record(Channel::Store, "4001234567", |b| {
            b.full_name("DUPONT Marie").unwrap();
            b.phone("06.12.34.56.78").unwrap();
            b.phone("01 43 55 66 77").unwrap();
            b.loyalty_card("4001 2345 67").unwrap();
            b.postcode("75011").unwrap();
            b.updated_at("2024-05-01").unwrap();
        }),
        record(Channel::Web, "WEB000000001", |b| {
            b.given_name("Marie").unwrap();
            b.family_name("Dupont").unwrap();
            b.email("Marie.Dupont@gmail.com").unwrap();
            b.phone("+33612345678").unwrap();
            b.account_id("WEB000000001").unwrap();
            b.birth_date("05/03/1980").unwrap();
        }),
        record(Channel::App, "u-1", |b| {
            b.full_name("Jean Dupont").unwrap();
            b.phone("01.43.55.66.77").unwrap();
            b.email("jean.dupont@hotmail.fr").unwrap();
            b.updated_at("2023-01-01").unwrap();
        }),
        record(Channel::CallCentre, "CC1", |b| {
            b.full_name("M. MARTIN Paul").unwrap();
            b.phone("07 11 22 33 44").unwrap();
            b.email("pasdemail@magasin.fr").unwrap();
            b.postcode("69003").unwrap();
        }),
    ];
    let graph = graph_of(&raw, &[&[0, 1], &[2], &[3]]);
    (raw, graph)
}

#[test]
fn the_graph_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CustomerGraph>();
}

#[test]
fn a_phone_in_any_format_finds_its_customer() {
    let (raw, graph) = household();
    let marie = graph.by_source_key(&raw[0].key).unwrap();
    assert_eq!(marie.records().count(), 2);
    for query in [
        "0612345678",
        "+33 6 12 34 56 78",
        "0033612345678",
        "6 12 34 56 78",
        "+33 (0)6-12-34-56-78",
    ] {
        let found = graph.by_phone(query);
        let m = found
            .unique()
            .unwrap_or_else(|| panic!("{query}: {found:?}"));
        assert_eq!(m.cluster, marie.cluster());
        assert_eq!(m.records, 2);
        assert!(m.preferred);
    }
    assert_eq!(graph.by_phone("06 00 00 00 00"), Lookup::NotFound);
    assert_eq!(graph.by_phone("12"), Lookup::Invalid);
    assert_eq!(graph.by_phone("poste 12"), Lookup::Invalid);
}

#[test]
fn a_shared_landline_is_ambiguous_and_ranked() {
    let (raw, graph) = household();
    let Lookup::Ambiguous(matches) = graph.by_phone("01 43 55 66 77") else {
        panic!("a household landline is shared");
    };
    assert_eq!(matches.len(), 2);
    // Jean has only this phone (preferred); Marie's preferred is her mobile.
    let jean = graph.by_source_key(&raw[2].key).unwrap().cluster();
    assert_eq!(matches[0].cluster, jean);
    assert!(matches[0].preferred && !matches[1].preferred);
}

#[test]
fn a_generic_phone_says_nothing_about_the_caller() {
    // The store's number typed for twelve different customers.
    let families = [
        "Petit", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand",
        "Roux", "Vincent", "Fournier",
    ];
    let raw: Vec<Record> = families
        .iter()
        .enumerate()
        .map(|(i, f)| {
            record(Channel::Store, &format!("S{i}"), |b| {
                b.full_name(format!("{} Anne", f.to_uppercase())).unwrap();
                b.phone("04 78 00 00 00").unwrap();
                b.phone(format!("06 00 00 00 {i:02}")).unwrap();
            })
        })
        .collect();
    let groups: Vec<Vec<u32>> = (0..raw.len() as u32).map(|i| vec![i]).collect();
    let groups: Vec<&[u32]> = groups.iter().map(Vec::as_slice).collect();
    let graph = graph_of(&raw, &groups);
    assert_eq!(
        graph.by_phone("0478000000"),
        Lookup::Generic { customers: 12 }
    );
    assert_eq!(
        graph.by_phone("06 00 00 00 03").unique().map(|m| m.cluster),
        Some(ClusterIndex(3))
    );
    // And the profile never prefers it.
    assert_eq!(
        graph.profiles()[0].phone().map(|p| p.e164.as_str()),
        Some("+33600000000")
    );
}

#[test]
fn email_provider_variants_find_the_same_customer() {
    let (raw, graph) = household();
    let marie = graph.by_source_key(&raw[1].key).unwrap().cluster();
    for query in [
        "Marie.Dupont@gmail.com",
        "mariedupont@gmail.com",
        "marie.dupont+promo@googlemail.com",
        "MARIE.DUPONT@GMAIL.COM",
        " Marie Dupont <marie.dupont@gmail.com> ",
        "mailto:m.a.r.i.e.dupont@gmail.com",
    ] {
        assert_eq!(
            graph.by_email(query).unique().map(|m| m.cluster),
            Some(marie),
            "{query}"
        );
    }
    let jean = graph.by_source_key(&raw[2].key).unwrap().cluster();
    assert_eq!(
        graph
            .by_email("jean.dupont+shop@hotmail.fr")
            .unique()
            .map(|m| m.cluster),
        Some(jean)
    );
    // Hotmail keeps dots: another mailbox.
    assert_eq!(graph.by_email("jeandupont@hotmail.fr"), Lookup::NotFound);
    assert_eq!(
        graph.by_email("pasdemail@magasin.fr"),
        Lookup::Generic { customers: 1 }
    );
    assert_eq!(graph.by_email("not an email"), Lookup::Invalid);
}

#[test]
fn identifiers_keys_and_ids_find_the_customer() {
    let (raw, graph) = household();
    let marie = graph.by_source_key(&raw[0].key).unwrap();
    for card in ["4001234567", "4001 2345 67", "4001-2345-67"] {
        assert_eq!(
            graph.by_loyalty_card(card).unique().map(|m| m.cluster),
            Some(marie.cluster())
        );
    }
    assert_eq!(
        graph
            .by_account_id("web 000 000 001")
            .unique()
            .map(|m| m.cluster),
        Some(marie.cluster())
    );
    // A card number is not an account id.
    assert_eq!(graph.by_account_id("4001234567"), Lookup::NotFound);
    assert_eq!(graph.by_loyalty_card(" - "), Lookup::Invalid);
    assert_eq!(
        graph
            .by_customer_id(marie.customer_id())
            .map(|c| c.cluster()),
        Some(marie.cluster())
    );
    assert!(graph.by_source_key(&key(Channel::Web, "nobody")).is_none());
    assert_eq!(graph.record_id(&raw[3].key), Some(RecordId(3)));
    let channels: Vec<_> = marie.records().map(|(_, k)| k.channel.clone()).collect();
    assert_eq!(channels, [Channel::Store, Channel::Web]);
    assert_eq!(
        marie.profile().name().map(|n| n.full()),
        Some("Marie Dupont".to_owned())
    );
    assert_eq!(marie.explanation().len(), 1);
    assert_eq!(marie.explanation()[0].weight, 12.0);
    assert_eq!(
        graph.path(RecordId(1), RecordId(0)).map(|p| p.len()),
        Some(1)
    );
    assert!(graph.explain_pair(RecordId(0), RecordId(1)).is_err());
    let dbg = format!("{graph:?} {marie:?}");
    assert!(!dbg.contains("upont") && !dbg.contains("+33"), "{dbg}");
}

#[test]
fn names_are_found_misspelled_swapped_nicknamed_and_narrowed_by_place() {
    let (raw, graph) = household();
    let marie = graph.by_source_key(&raw[0].key).unwrap().cluster();
    let jean = graph.by_source_key(&raw[2].key).unwrap().cluster();
    let paul = graph.by_source_key(&raw[3].key).unwrap().cluster();
    let first = |q: NameQuery| graph.search_name(&q).first().map(|c| c.cluster);
    assert_eq!(first(NameQuery::new("Mme Dupond Marie")), Some(marie));
    assert_eq!(first(NameQuery::new("marie dupomt")), Some(marie));
    assert_eq!(first(NameQuery::new("Jean DUPONT")), Some(jean));
    assert_eq!(first(NameQuery::new("paul martin")), Some(paul));
    assert_eq!(first(NameQuery::new("Martin Paul")), Some(paul));
    // Family name alone: both Duponts, the postcode decides.
    let both = graph.search_name(&NameQuery::new("Mme Dupont"));
    assert_eq!(both.len(), 2);
    let near = graph.search_name(&NameQuery::new("Dupont").postcode("75011"));
    assert_eq!(near[0].cluster, marie);
    assert!(near[0].score > near[1].score);
    let born = graph.search_name(&NameQuery::new("M. Dupont").birth_date("05/03/1980"));
    assert_eq!(born[0].cluster, marie);
    assert!(
        graph
            .search_name(&NameQuery::new("Lefebvre Anne"))
            .is_empty()
    );
    assert!(graph.search_name(&NameQuery::new("")).is_empty());
}

/// `06 12 34 56 78`-style digits written with French and international noise.
fn format_phone(digits: &str, prefix: u8, separator: u8, grouping: bool) -> String {
    let national = &digits[1..]; // without the trunk 0
    let sep = [" ", ".", "-", "", "  "][separator as usize % 5];
    let grouped = |s: &str| -> String {
        if !grouping {
            return s.to_owned();
        }
        let chars: Vec<char> = s.chars().collect();
        let mut out = String::new();
        let mut i = chars.len() % 2;
        out.extend(&chars[..i]);
        while i < chars.len() {
            if !out.is_empty() {
                out.push_str(sep);
            }
            out.extend(&chars[i..i + 2]);
            i += 2;
        }
        out
    };
    match prefix % 6 {
        0 => grouped(digits),
        1 => format!("+33{sep}{}", grouped(national)),
        2 => format!("0033{sep}{}", grouped(national)),
        3 => format!("+33{sep}(0){}", grouped(national)),
        4 => grouped(national),
        _ => format!("33{national}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_format_of_one_phone_finds_the_same_customer(
        mobile in "0[67][0-9]{8}",
        other in "0[1-5][0-9]{8}",
        formats in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<bool>()), 1..6),
    ) {
        prop_assume!(mobile[1..] != other[1..]);
        let raw = vec![
            record(Channel::Store, "a", |b| { b.full_name("DUPONT Marie").unwrap(); b.phone(&mobile).unwrap(); }),
            record(Channel::Web, "b", |b| { b.full_name("MARTIN Paul").unwrap(); b.phone(&other).unwrap(); }),
        ];
        let graph = graph_of(&raw, &[&[0], &[1]]);
        for (prefix, separator, grouping) in formats {
            let query = format_phone(&mobile, prefix, separator, grouping);
            let found = graph.by_phone(&query);
            prop_assert_eq!(found.unique().map(|m| m.cluster), Some(ClusterIndex(0)), "{}", query);
            let query = format_phone(&other, prefix, separator, grouping);
            prop_assert_eq!(graph.by_phone(&query).unique().map(|m| m.cluster), Some(ClusterIndex(1)), "{}", query);
        }
    }

    #[test]
    fn lookups_are_total_on_any_string(s in any::<String>()) {
        let (_, graph) = household();
        let _ = graph.by_phone(&s);
        let _ = graph.by_email(&s);
        let _ = graph.by_loyalty_card(&s);
        let _ = graph.search_name(&NameQuery::new(s.clone()).postcode(s.clone()).city(s.clone()).birth_date(s.clone()));
    }

    #[test]
    fn gmail_spellings_find_the_same_customer(
        local in "[a-z]{2,6}\\.[a-z]{2,8}",
        dots in proptest::collection::vec(any::<bool>(), 16),
        tag in proptest::option::of("[a-z0-9]{1,8}"),
        upper in any::<bool>(),
        googlemail in any::<bool>(),
    ) {
        let raw = vec![record(Channel::Web, "w", |b| {
            b.full_name("Marie Dupont").unwrap();
            b.email(format!("{local}@gmail.com")).unwrap();
        })];
        let graph = graph_of(&raw, &[&[0]]);
        let mut spelled: String = local
            .chars()
            .filter(|c| *c != '.')
            .zip(&dots)
            .flat_map(|(c, dot)| if *dot { vec![c, '.'] } else { vec![c] })
            .collect();
        if spelled.ends_with('.') {
            spelled.pop();
        }
        if let Some(tag) = tag {
            spelled = format!("{spelled}+{tag}");
        }
        let domain = if googlemail { "googlemail.com" } else { "gmail.com" };
        let mut query = format!("{spelled}@{domain}");
        if upper {
            query = query.to_uppercase();
        }
        prop_assert_eq!(graph.by_email(&query).unique().map(|m| m.cluster), Some(ClusterIndex(0)), "{}", query);
    }
}

#[cfg(feature = "synth")]
mod synth {
    use std::collections::HashMap;

    use super::*;
    use crate::profile::tests::truth_clustering;
    use crate::synth::{SynthConfig, generate};

    #[test]
    fn a_resolved_graph_explains_pairs_with_the_weights_that_linked_them() {
        let data = generate(&SynthConfig {
            persons: 200,
            seed: 3,
            ..SynthConfig::default()
        });
        let normalized: Vec<_> = data.records.iter().map(normalize).collect();
        let mut settings = crate::resolver::Settings::default();
        settings.training.u_sample_pairs = 20_000;
        let resolver = Resolver::new(settings).unwrap();
        let resolution = resolver.resolve(&normalized).unwrap();
        let graph =
            CustomerGraph::from_resolution(&resolver, &data.records, normalized, resolution, None)
                .unwrap();
        let mut explained = 0;
        for (c, members) in graph.clustering().clusters() {
            let edges = graph.explain(c);
            assert_eq!(edges.len(), members.len() - 1);
            for edge in edges.iter().take(2) {
                let why = graph.explain_pair(edge.a, edge.b).unwrap();
                assert!(why.above_threshold);
                assert!((why.weights.match_weight - edge.weight).abs() < 1e-9);
                assert_eq!(graph.path(edge.a, edge.b), Some(vec![*edge]));
                explained += 1;
            }
            if explained >= 10 {
                break;
            }
        }
        assert_eq!(explained, 10);
        assert!(graph.explain_pair(RecordId(0), RecordId(u32::MAX)).is_err());
    }

    /// canonical given name → a nickname whose primary reading it is.
    fn nicknames() -> HashMap<&'static str, &'static str> {
        let mut out = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        for line in include_str!("../../data/nicknames.csv").lines() {
            if line.starts_with('#') {
                continue;
            }
            if let Some((nick, canonical)) = line.split_once(',') {
                // Only a nickname's first row is its primary reading.
                if seen.insert(nick) {
                    out.entry(canonical).or_insert(nick);
                }
            }
        }
        out
    }

    /// One letter changed two thirds into the word.
    fn typo(word: &str) -> String {
        let mut chars: Vec<char> = word.chars().collect();
        if chars.len() >= 4 {
            let i = chars.len() * 2 / 3;
            chars[i] = if chars[i] == 'e' { 'a' } else { 'e' };
        }
        chars.into_iter().collect()
    }

    #[test]
    fn fuzzy_search_ranks_the_right_customer_first() {
        let data = generate(&SynthConfig {
            persons: 1500,
            seed: 5,
            ..SynthConfig::default()
        });
        let normalized: Vec<_> = data.records.iter().map(normalize).collect();
        let (clustering, ids) = truth_clustering(&data);
        let graph = CustomerGraph::builder(normalized, clustering, ids)
            .raw_records(&data.records)
            .build()
            .unwrap();
        let nick = nicknames();
        let (mut asked, mut first) = (0usize, 0usize);
        let mut misses = Vec::new();
        for (c, members) in graph.clustering().clusters() {
            // The customer's own name, from its most complete record.
            let Some((name, postcode)) = members.iter().find_map(|r| {
                let n = &graph.normalized[r.index()];
                let name = n
                    .names
                    .iter()
                    .find(|p| p.given.len() > 2 && !p.family.is_empty())?;
                let postcode = n.addresses.iter().find_map(|a| a.postcode.clone())?;
                Some((name.clone(), postcode))
            }) else {
                continue;
            };
            let family = if name.particles.is_empty() {
                name.family.to_string()
            } else {
                format!("{} {}", name.particles, name.family)
            };
            let query = match asked % 3 {
                // Misspelled family name, usual order.
                0 => format!("{} {}", typo(&family), name.given),
                // Given name first, all lower case.
                1 => format!("{} {}", name.given, family),
                // Nicknamed (or misspelled) given name, family name in capitals.
                _ => match nick.get(name.given_canonical.as_str()) {
                    Some(n) => format!("{} {}", family.to_uppercase(), n),
                    None => format!("{} {}", family.to_uppercase(), typo(&name.given)),
                },
            };
            asked += 1;
            let found = graph.search_name(&NameQuery::new(query.clone()).postcode(postcode));
            if found.first().map(|f| f.cluster) == Some(c) {
                first += 1;
            } else if misses.len() < 10 {
                misses.push((
                    query,
                    found
                        .first()
                        .map(|f| graph.profiles()[f.cluster.index()].name().map(|n| n.full())),
                ));
            }
        }
        let rate = first as f64 / asked as f64;
        eprintln!("fuzzy name search: top-1 {first}/{asked} = {rate:.4}");
        assert!(asked > 1000, "{asked}");
        assert!(
            rate >= 0.95,
            "top-1 {first}/{asked} = {rate:.3}; misses: {misses:?}"
        );
    }
}
