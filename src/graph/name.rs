//! Fuzzy search by name, with optional postcode, city and birth date.
//!
//! # Index
//!
//! Every name of every record is filed under two keys of its family name
//! (particles removed): its French phonetic key
//! ([`phonetic_key`], `dupont` and `dupond` share `DPN`) and its first three
//! letters (`dup`), so that a typo changing the phonetic key (`Dupomt`) is
//! still found through the prefix, and a spelling variant in the first
//! letters (`Doupont`) through the phonetic key. One posting per
//! (record name, record address) carries everything scoring needs — ids of
//! the interned name strings, letter masks, postcode, city hash and birth
//! date — so a search scans postings sequentially and touches strings only
//! for postings that pass the letter-mask filter, and computes each distinct
//! string similarity once per query.
//!
//! The score is documented on
//! [`CustomerGraph::search_name`](super::CustomerGraph::search_name).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde::Serialize;

use crate::cluster::{ClusterIndex, CustomerId};
use crate::normalize::address::{normalize_city, normalize_postcode};
use crate::normalize::date::{DateOrder, parse_date};
use crate::normalize::name::normalize_names;
use crate::normalize::phonetic::phonetic_key;
use crate::normalize::{NormalizedRecord, PartialDate, Region};
use crate::timeline::strings::FastMap;

/// A fuzzy name search. Only `name` is required.
///
/// ```
/// use omnicanal::graph::NameQuery;
/// let query = NameQuery::new("Mme Dupont Marie").postcode("75011");
/// assert_eq!(query.limit, 10);
/// ```
#[derive(Clone, PartialEq, Serialize)]
pub struct NameQuery {
    /// The name as the caller gives it, in any order (`Mme Dupont Marie`,
    /// `marie dupont`, `Dupont`).
    pub name: String,
    /// A postcode, as typed.
    pub postcode: Option<String>,
    /// A commune, as typed.
    pub city: Option<String>,
    /// A birth date, as typed (day first).
    pub birth_date: Option<String>,
    /// Most candidates returned.
    pub limit: usize,
    /// Candidates whose name score is below this are not returned.
    pub min_name_score: f64,
}

impl std::fmt::Debug for NameQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The query is personal data: say which parts are given.
        f.debug_struct("NameQuery")
            .field("postcode", &self.postcode.is_some())
            .field("city", &self.city.is_some())
            .field("birth_date", &self.birth_date.is_some())
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl NameQuery {
    /// A query by name, at most 10 candidates, name score at least 0.80.
    pub fn new(name: impl Into<String>) -> Self {
        NameQuery {
            name: name.into(),
            postcode: None,
            city: None,
            birth_date: None,
            limit: 10,
            min_name_score: 0.80,
        }
    }

    /// With a postcode.
    pub fn postcode(mut self, postcode: impl Into<String>) -> Self {
        self.postcode = Some(postcode.into());
        self
    }

    /// With a commune.
    pub fn city(mut self, city: impl Into<String>) -> Self {
        self.city = Some(city.into());
        self
    }

    /// With a birth date.
    pub fn birth_date(mut self, birth_date: impl Into<String>) -> Self {
        self.birth_date = Some(birth_date.into());
        self
    }

    /// With another limit.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }
}

/// A customer found by a name search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NameCandidate {
    /// The customer in this graph.
    pub cluster: ClusterIndex,
    /// Its stable id.
    pub customer_id: CustomerId,
    /// The score (see [`CustomerGraph::search_name`](super::CustomerGraph::search_name)):
    /// the name score plus evidence.
    pub score: f64,
    /// The name score alone, in `[0, 1]`.
    pub name_score: f64,
}

/// One record name (under one address) filed under one key.
#[derive(Clone, Copy)]
struct Posting {
    key: u64,
    cluster: u32,
    family: u32,
    given: u32,
    canonical: u32,
    family_mask: u32,
    canonical_mask: u32,
    /// Hash of the folded postcode, 0 when none.
    postcode: u32,
    /// Hash of the folded city, 0 when none.
    city: u32,
    /// Packed birth date, 0 when none (see [`pack_date`]).
    birth: u32,
}

/// Interned strings: ids are positions.
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    strings: Vec<Box<str>>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.into());
        self.ids.insert(s.to_owned(), id);
        id
    }
}

/// The name index of a graph.
#[derive(Default)]
pub(super) struct NameIndex {
    postings: Vec<Posting>,
    strings: Vec<Box<str>>,
}

fn small_hash(s: &str) -> u32 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    // 0 means "none".
    (h.finish() as u32).max(1)
}

fn key_hash(tag: u8, s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    tag.hash(&mut h);
    s.hash(&mut h);
    h.finish()
}

/// The two keys of a folded family name: phonetic, and the first three letters.
fn keys(family: &str) -> [Option<u64>; 2] {
    let phonetic = phonetic_key(family);
    let prefix: String = family.chars().filter(|c| *c != ' ').take(3).collect();
    [
        (!phonetic.is_empty()).then(|| key_hash(0, &phonetic)),
        (!prefix.is_empty()).then(|| key_hash(1, &prefix)),
    ]
}

/// The set of ASCII letters of a folded string, one bit per letter; other
/// characters share bit 26.
fn letter_mask(s: &str) -> u32 {
    s.bytes().fold(0, |m, b| match b {
        b'a'..=b'z' => m | 1 << (b - b'a'),
        b' ' => m,
        _ => m | 1 << 26,
    })
}

/// True when two strings' letter sets are within two edits of each other: a
/// substitution, insertion or deletion changes each set by at most one letter.
fn masks_close(a: u32, b: u32) -> bool {
    let shared = (a & b).count_ones();
    shared + 2 >= a.count_ones().max(b.count_ones())
}

/// Year, month and day in one `u32`; 0 for none.
fn pack_date(d: Option<PartialDate>) -> u32 {
    d.map_or(0, |d| {
        (u32::from(d.year) << 9)
            | (u32::from(d.month.unwrap_or(0)) << 5)
            | u32::from(d.day.unwrap_or(0))
    })
}

fn birth_evidence(query: u32, record: u32) -> f64 {
    if query == 0 || record == 0 {
        return 0.0;
    }
    if query >> 9 != record >> 9 {
        return -0.15;
    }
    let full = |d: u32| d & 0x1f != 0 && (d >> 5) & 0xf != 0;
    if full(query) && full(record) {
        if query == record { 0.15 } else { 0.0 }
    } else {
        0.05
    }
}

fn equality_evidence(query: u32, record: u32, weight: f64) -> f64 {
    match (query, record) {
        (0, _) | (_, 0) => 0.0,
        (q, r) if q == r => weight,
        _ => -weight,
    }
}

fn is_initials(given: &str) -> bool {
    !given.is_empty() && given.split(' ').all(|t| t.chars().nth(1).is_none())
}

impl NameIndex {
    /// Indexes every record name of every record (`cluster_of[r]` is record
    /// `r`'s cluster).
    pub(super) fn build(records: &[NormalizedRecord], cluster_of: &[u32]) -> Self {
        let mut interner = Interner::default();
        let mut postings = Vec::new();
        for (record, &cluster) in records.iter().zip(cluster_of) {
            let birth = pack_date(record.birth);
            let mut places: Vec<(u32, u32)> = record
                .addresses
                .iter()
                .map(|a| {
                    (
                        a.postcode.as_deref().map_or(0, small_hash),
                        a.city.as_deref().map_or(0, small_hash),
                    )
                })
                .collect();
            places.sort_unstable();
            places.dedup();
            if places.is_empty() {
                places.push((0, 0));
            }
            for name in &record.names {
                if name.family.is_empty() {
                    continue;
                }
                let family = interner.intern(&name.family);
                let given = interner.intern(&name.given);
                let canonical = interner.intern(&name.given_canonical);
                for key in keys(&name.family).into_iter().flatten() {
                    for &(postcode, city) in &places {
                        postings.push(Posting {
                            key,
                            cluster,
                            family,
                            given,
                            canonical,
                            family_mask: letter_mask(&name.family),
                            canonical_mask: letter_mask(&name.given_canonical),
                            postcode,
                            city,
                            birth,
                        });
                    }
                }
            }
        }
        // By key, then by family name: a bucket's equal family names are
        // adjacent (the similarity cache hits), and the order is total.
        postings.sort_unstable_by_key(|p| {
            (
                p.key,
                p.family,
                p.canonical,
                p.given,
                p.cluster,
                p.postcode,
                p.city,
                p.birth,
            )
        });
        postings.dedup_by_key(|p| {
            (
                p.key,
                p.family,
                p.canonical,
                p.given,
                p.cluster,
                p.postcode,
                p.city,
                p.birth,
            )
        });
        NameIndex {
            postings,
            strings: interner.strings,
        }
    }

    pub(super) fn memory_bytes(&self) -> usize {
        self.postings.capacity() * std::mem::size_of::<Posting>()
            + self
                .strings
                .iter()
                .map(|s| s.len() + std::mem::size_of::<Box<str>>())
                .sum::<usize>()
    }

    fn bucket(&self, key: u64) -> &[Posting] {
        let lo = self.postings.partition_point(|p| p.key < key);
        let hi = lo + self.postings[lo..].partition_point(|p| p.key <= key);
        &self.postings[lo..hi]
    }

    /// Best `(cluster, score, name score)` per customer, unsorted.
    pub(super) fn search(&self, query: &NameQuery, region: Region) -> Vec<(u32, f64, f64)> {
        let (_, names) = normalize_names(None, &[], &[], std::slice::from_ref(&query.name));
        let Some(q) = names.into_iter().next() else {
            return Vec::new();
        };
        let postcode = query
            .postcode
            .as_deref()
            .and_then(|p| normalize_postcode(p, region))
            .map_or(0, |p| small_hash(&p));
        let city = query
            .city
            .as_deref()
            .and_then(normalize_city)
            .map_or(0, |c| small_hash(&c));
        let birth = pack_date(
            query
                .birth_date
                .as_deref()
                .and_then(|b| parse_date(b, DateOrder::Dmy, 30).ok()),
        );
        let evidence = |p: &Posting| {
            equality_evidence(postcode, p.postcode, 0.10)
                + equality_evidence(city, p.city, 0.05)
                + birth_evidence(birth, p.birth)
        };

        // Hashed by FastHasher: a common name (`martin`) sends tens of
        // thousands of postings through these maps, and SipHash costs tens
        // of cycles per small integer key where FastHasher costs a few.
        let mut best: FastMap<u32, (f64, f64)> = FastMap::default();
        let mut family_cache: FastMap<(u32, bool), f64> = FastMap::default();
        let mut given_cache: FastMap<(u32, u32, bool), f64> = FastMap::default();
        // The query as read, then swapped: (family, given as written, given canonical, penalty).
        let readings = [
            (
                q.family.as_str(),
                q.given.as_str(),
                q.given_canonical.as_str(),
                1.0,
                false,
            ),
            (
                q.given.as_str(),
                q.family.as_str(),
                q.family.as_str(),
                0.97,
                true,
            ),
        ];
        for (family, given, canonical, penalty, swapped) in readings {
            if family.is_empty() {
                continue;
            }
            let family_mask = letter_mask(family);
            let canonical_mask = letter_mask(canonical);
            let query_initials = is_initials(given);
            let mut seen_keys = [0u64; 2];
            for (k, key) in keys(family).into_iter().enumerate() {
                let Some(key) = key else { continue };
                if seen_keys[..k].contains(&key) {
                    continue;
                }
                seen_keys[k] = key;
                for p in self.bucket(key) {
                    if !masks_close(family_mask, p.family_mask) {
                        continue;
                    }
                    let entry_canonical = &*self.strings[p.canonical as usize];
                    if !given.is_empty()
                        && !query_initials
                        && canonical_mask.count_ones() > 2
                        && p.canonical_mask.count_ones() > 2
                        && !masks_close(canonical_mask, p.canonical_mask)
                    {
                        continue;
                    }
                    let f = *family_cache.entry((p.family, swapped)).or_insert_with(|| {
                        strsim::jaro_winkler(family, &self.strings[p.family as usize])
                    });
                    if f * penalty < query.min_name_score * 0.55 {
                        continue;
                    }
                    let name_score = if given.is_empty() {
                        f
                    } else {
                        let g = *given_cache
                            .entry((p.given, p.canonical, swapped))
                            .or_insert_with(|| {
                                given_similarity(
                                    given,
                                    canonical,
                                    &self.strings[p.given as usize],
                                    entry_canonical,
                                )
                            });
                        0.55 * f + 0.45 * g
                    } * penalty;
                    if name_score < query.min_name_score {
                        continue;
                    }
                    let score = name_score + evidence(p);
                    let slot = best.entry(p.cluster).or_insert((f64::NEG_INFINITY, 0.0));
                    if score > slot.0 || (score == slot.0 && name_score > slot.1) {
                        *slot = (score, name_score);
                    }
                }
            }
        }
        best.into_iter().map(|(c, (s, n))| (c, s, n)).collect()
    }
}

/// The given-name similarity of the score (see
/// [`CustomerGraph::search_name`](super::CustomerGraph::search_name)).
fn given_similarity(given: &str, canonical: &str, other: &str, other_canonical: &str) -> f64 {
    if other.is_empty() {
        return 0.5;
    }
    if canonical == other_canonical {
        return 1.0;
    }
    if is_initials(given) || is_initials(other) {
        let first = |s: &str| s.chars().next();
        return if first(canonical) == first(other_canonical) {
            0.9
        } else {
            0.0
        };
    }
    strsim::jaro_winkler(given, other).max(strsim::jaro_winkler(canonical, other_canonical))
}
