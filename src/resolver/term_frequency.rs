//! Term frequencies of names, for the term-frequency adjustment of exact
//! agreements: two records that are both `martin` say less than two that are
//! both `kerherve` (Winkler 1989; Splink's `term_frequency_adjustments`).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::compare::{ComparisonKind, ComparisonSettings};
use crate::normalize::nickname::FnvHasher;
use crate::normalize::{NormalizedRecord, PersonName};
use crate::score::Model;

/// The level of an exact agreement (see [`crate::compare`]).
const EXACT: u8 = 1;

/// Per record and per name, the relative frequency of its given and family
/// name among the records: a value's frequency over the frequency of the
/// value two records agree on, on average (Σf² / Σf). Computed once per
/// batch, a part of the records per thread, each name as its 64-bit hash,
/// so scoring a pair compares integers.
#[derive(Clone, Default)]
pub struct TermFrequencies {
    /// All records' names, record after record.
    names: Vec<NameFrequency>,
    /// Where each record's names start in `names` (one more entry than
    /// records: the end).
    starts: Vec<u32>,
    given_comparison: Option<usize>,
    family_comparison: Option<usize>,
}

/// One name of one record: its given and family names as [`name_id`]s
/// ([`NO_NAME`] for none) and their relative frequencies.
#[derive(Clone, Copy)]
struct NameFrequency {
    given: u64,
    family: u64,
    given_relative: f64,
    family_relative: f64,
}

/// The id of an empty name.
const NO_NAME: u64 = 0;

/// A name's id for comparing names, from its [`name_hash`]: never
/// [`NO_NAME`] for a name. Hashes rather than ids interned one name after
/// the other, so that every record's ids are found in parallel; two names
/// colliding would count as one, the NameTable's own risk (one in 10^19 per
/// pair of names).
fn name_id(hash: u64) -> u64 {
    hash | 1
}

impl std::fmt::Debug for TermFrequencies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TermFrequencies")
            .field("records", &self.starts.len().saturating_sub(1))
            .finish()
    }
}

/// Where the given-name and family-name comparisons are in the settings.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TfPositions {
    given: Option<usize>,
    family: Option<usize>,
}

impl TfPositions {
    pub(crate) fn of(comparisons: &ComparisonSettings) -> Self {
        let position = |pred: fn(&ComparisonKind) -> bool| {
            comparisons.comparisons.iter().position(|c| pred(&c.kind))
        };
        TfPositions {
            given: position(|k| matches!(k, ComparisonKind::GivenName { .. })),
            family: position(|k| matches!(k, ComparisonKind::FamilyName { .. })),
        }
    }
}

/// How many records hold each value, by [`name_hash`].
type Counts = HashMap<u64, f64, BuildHasherDefault<FnvHasher>>;

/// The model's u for an exact agreement is the average frequency of an
/// agreeing value, measured on its own pairs; a value's frequency relative
/// to that average keeps the adjustment on the model's scale. Also returns
/// the relative frequency of a value seen once. The sums run in hash order,
/// so that they do not depend on how the counting was split (counts are
/// whole numbers, so below 2^53 they are exact in any order anyway).
fn relative(counts: &Counts) -> (Vec<(u64, f64)>, f64) {
    let mut counts: Vec<(u64, f64)> = counts.iter().map(|(&h, &c)| (h, c)).collect();
    counts.sort_unstable_by_key(|&(hash, _)| hash);
    let total: f64 = counts.iter().map(|&(_, c)| c).sum();
    let squares: f64 = counts.iter().map(|&(_, c)| c * c).sum();
    let mean_agreeing = if total > 0.0 { squares / total } else { 1.0 };
    (
        counts
            .into_iter()
            .map(|(hash, c)| (hash, c / mean_agreeing))
            .collect(),
        1.0 / mean_agreeing,
    )
}

/// How common each given and family name was in the population a model was
/// trained on, frozen: the live resolver scores new records with the
/// frequencies it was trained with, so that a pair's weight never depends
/// on which other records happen to be loaded (and an incremental run equals
/// the batch run with the same table).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NameFrequencies {
    given: NameTable,
    family: NameTable,
}

/// One field's values and their relative frequencies.
///
/// Keyed by a 64-bit hash of the name, not the name: the table outlives the
/// records it was counted on (it is frozen in a live resolver and in its
/// snapshots), and a customer's erasure must not leave their name's bytes
/// behind in it. Two names colliding would share a frequency, an error on
/// the order of one in 10^19 per pair of names.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
struct NameTable {
    relative: HashMap<u64, f64, BuildHasherDefault<FnvHasher>>,
    /// The relative frequency of a value seen once: what a value the table
    /// has never seen counts as.
    unseen: f64,
}

impl std::fmt::Debug for NameTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Sizes only: the names are personal data.
        write!(f, "NameTable({} values)", self.relative.len())
    }
}

impl NameTable {
    fn of(counts: &Counts) -> Self {
        let (relative, unseen) = relative(counts);
        NameTable {
            relative: relative.into_iter().collect(),
            unseen,
        }
    }

    fn get(&self, value: &str) -> f64 {
        self.get_hashed(name_hash(value))
    }

    /// [`get`](Self::get) with the value's [`name_hash`] given.
    fn get_hashed(&self, hash: u64) -> f64 {
        self.relative.get(&hash).copied().unwrap_or(self.unseen)
    }
}

/// FNV-1a over the bytes, then MurmurHash3's `fmix64` so that names that
/// differ in their last byte land far apart.
fn name_hash(value: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in value.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

impl NameFrequencies {
    /// Counts each record's distinct given and family names once, a part
    /// of the records per thread.
    pub fn count(records: &[NormalizedRecord]) -> Self {
        let add = |(mut given, mut family): (Counts, Counts), record: &NormalizedRecord| {
            let names = &record.names;
            for (i, name) in names.iter().enumerate() {
                let earlier = &names[..i];
                if !name.given.is_empty() && earlier.iter().all(|n| n.given != name.given) {
                    *given.entry(name_hash(&name.given)).or_default() += 1.0;
                }
                if !name.family.is_empty() && earlier.iter().all(|n| n.family != name.family) {
                    *family.entry(name_hash(&name.family)).or_default() += 1.0;
                }
            }
            (given, family)
        };
        let merge = |mut into: Counts, from: Counts| {
            for (hash, count) in from {
                *into.entry(hash).or_default() += count;
            }
            into
        };
        let (given, family) = records
            .par_iter()
            .fold(<(Counts, Counts)>::default, add)
            .reduce(<(Counts, Counts)>::default, |(g1, f1), (g2, f2)| {
                (merge(g1, g2), merge(f1, f2))
            });
        NameFrequencies {
            given: NameTable::of(&given),
            family: NameTable::of(&family),
        }
    }

    /// [`TermFrequencies::fill`] for one pair, straight from the two
    /// records and this table: the live resolver's path, which scores one
    /// record against a few candidates and would spend more interning names
    /// than comparing them. Equal to `fill` over
    /// [`TermFrequencies::with_frequencies`] with this table (the same
    /// values, looked up in the same map, and the same minimum).
    pub(crate) fn fill_pair(
        &self,
        model: &Model,
        positions: TfPositions,
        (a, b): (&NormalizedRecord, &NormalizedRecord),
        levels: &[u8],
        out: &mut [Option<f64>],
    ) {
        self.fill_pair_with(model, positions, a, levels, out, |k, family| {
            let field = if family { family_of } else { given_of };
            a.names
                .get(k)
                .is_some_and(|x| b.names.iter().any(|y| field(y) == field(x)))
        });
    }

    /// [`fill_pair`](Self::fill_pair) with the test "the other record holds
    /// `a`'s `k`-th given (or family) name" given by the caller: the live
    /// resolver answers it from prepared tokens, without reading the other
    /// record's strings (a cache miss or two per candidate otherwise).
    /// `b_holds(k, family)` must be exactly that string equality.
    pub(crate) fn fill_pair_with(
        &self,
        model: &Model,
        positions: TfPositions,
        a: &NormalizedRecord,
        levels: &[u8],
        out: &mut [Option<f64>],
        b_holds: impl Fn(usize, bool) -> bool,
    ) {
        self.fill_pair_relatives(
            model,
            positions,
            &self.relatives_of(a),
            levels,
            out,
            b_holds,
        );
    }

    /// The relative frequencies of `a`'s names, looked up once for all its
    /// pairs by [`fill_pair_relatives`](Self::fill_pair_relatives).
    pub(crate) fn relatives_of(&self, a: &NormalizedRecord) -> NameRelatives {
        let look = |v: &str, table: &NameTable| (!v.is_empty()).then(|| table.get(v));
        NameRelatives(
            a.names
                .iter()
                .map(|x| {
                    (
                        look(given_of(x), &self.given),
                        look(family_of(x), &self.family),
                    )
                })
                .collect(),
        )
    }

    /// [`fill_pair_with`](Self::fill_pair_with) with `a`'s frequencies
    /// looked up beforehand ([`relatives_of`](Self::relatives_of)`(a)`):
    /// the same values and the same minimum, without a table lookup per
    /// pair.
    pub(crate) fn fill_pair_relatives(
        &self,
        model: &Model,
        positions: TfPositions,
        relatives: &NameRelatives,
        levels: &[u8],
        out: &mut [Option<f64>],
        b_holds: impl Fn(usize, bool) -> bool,
    ) {
        out.iter_mut().for_each(|v| *v = None);
        let exact =
            |i: Option<usize>| i.filter(|&i| levels.get(i) == Some(&EXACT) && i < out.len());
        let (given_at, family_at) = (exact(positions.given), exact(positions.family));
        let u_exact = |i: usize| {
            model
                .comparisons
                .get(i)
                .and_then(|c| c.u.get(usize::from(EXACT)))
                .copied()
        };
        let rarest = |family: bool| {
            relatives
                .0
                .iter()
                .enumerate()
                .filter_map(|(k, &(g, f))| if family { f } else { g }.map(|r| (k, r)))
                .filter(|&(k, _)| b_holds(k, family))
                .map(|(_, r)| r)
                .reduce(f64::min)
        };
        if let Some(i) = given_at {
            out[i] = rarest(false)
                .zip(u_exact(i))
                .map(|(relative, u)| relative * u);
        }
        if let Some(i) = family_at {
            out[i] = rarest(true)
                .zip(u_exact(i))
                .map(|(relative, u)| relative * u);
        }
    }

    /// How many distinct given and family names the table holds.
    pub fn distinct(&self) -> (usize, usize) {
        (self.given.relative.len(), self.family.relative.len())
    }
}

/// One record's names' relative frequencies, (given, family) per name,
/// `None` for an empty name: what [`NameFrequencies::fill_pair_relatives`]
/// reads instead of the tables.
pub(crate) struct NameRelatives(Vec<(Option<f64>, Option<f64>)>);

fn given_of(name: &PersonName) -> &str {
    &name.given
}

fn family_of(name: &PersonName) -> &str {
    &name.family
}

impl TermFrequencies {
    /// Counts each record's distinct given and family names once, and gives
    /// each record its names' relative frequencies among `records`.
    pub fn count(records: &[NormalizedRecord], comparisons: &ComparisonSettings) -> Self {
        Self::with_frequencies(records, comparisons, &NameFrequencies::count(records))
    }

    /// Gives each record its names' relative frequencies from a frozen table
    /// (names the table has not seen count as seen once), a part of the
    /// records per thread.
    pub fn with_frequencies(
        records: &[NormalizedRecord],
        comparisons: &ComparisonSettings,
        frequencies: &NameFrequencies,
    ) -> Self {
        // A name's id and relative frequency, from one hash of it.
        let look = |value: &str, table: &NameTable| {
            if value.is_empty() {
                (NO_NAME, 1.0)
            } else {
                let hash = name_hash(value);
                (name_id(hash), table.get_hashed(hash))
            }
        };
        let names: Vec<NameFrequency> = records
            .par_iter()
            .flat_map_iter(|record| {
                record.names.iter().map(|name| {
                    let (given, given_relative) = look(&name.given, &frequencies.given);
                    let (family, family_relative) = look(&name.family, &frequencies.family);
                    NameFrequency {
                        given,
                        family,
                        given_relative,
                        family_relative,
                    }
                })
            })
            .collect();
        let starts: Vec<u32> = std::iter::once(0)
            .chain(records.iter().scan(0u32, |end, record| {
                *end += record.names.len() as u32;
                Some(*end)
            }))
            .collect();
        let positions = TfPositions::of(comparisons);
        TermFrequencies {
            names,
            starts,
            given_comparison: positions.given,
            family_comparison: positions.family,
        }
    }

    fn names_of(&self, record: usize) -> &[NameFrequency] {
        match (self.starts.get(record), self.starts.get(record + 1)) {
            (Some(&a), Some(&b)) => self.names.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The u of the exact agreement of records `a` and `b` (indexes into the
    /// records counted) on a name, per comparison (None where no adjustment
    /// applies): the model's u for an exact agreement times the agreed
    /// name's relative frequency. With several shared values, the rarest
    /// one counts: it is the strongest evidence.
    pub fn for_pair(
        &self,
        model: &Model,
        (a, b): (usize, usize),
        levels: &[u8],
    ) -> Vec<Option<f64>> {
        let mut out = vec![None; levels.len()];
        self.fill(model, (a, b), levels, &mut out);
        out
    }

    /// [`for_pair`](Self::for_pair) into a caller's buffer (no allocation).
    pub fn fill(
        &self,
        model: &Model,
        (a, b): (usize, usize),
        levels: &[u8],
        out: &mut [Option<f64>],
    ) {
        out.iter_mut().for_each(|v| *v = None);
        let exact =
            |i: Option<usize>| i.filter(|&i| levels.get(i) == Some(&EXACT) && i < out.len());
        let (given_at, family_at) = (exact(self.given_comparison), exact(self.family_comparison));
        if given_at.is_none() && family_at.is_none() {
            return;
        }
        let (na, nb) = (self.names_of(a), self.names_of(b));
        let u_exact = |i: usize| {
            model
                .comparisons
                .get(i)
                .and_then(|c| c.u.get(usize::from(EXACT)))
                .copied()
        };
        let rarest = |id: fn(&NameFrequency) -> u64, relative: fn(&NameFrequency) -> f64| {
            na.iter()
                .filter(|x| id(x) != NO_NAME && nb.iter().any(|y| id(y) == id(x)))
                .map(relative)
                .reduce(f64::min)
        };
        if let Some(i) = given_at {
            out[i] = rarest(|n| n.given, |n| n.given_relative)
                .zip(u_exact(i))
                .map(|(relative, u)| relative * u);
        }
        if let Some(i) = family_at {
            out[i] = rarest(|n| n.family, |n| n.family_relative)
                .zip(u_exact(i))
                .map(|(relative, u)| relative * u);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;
    use crate::score::Model;
    use crate::{Channel, Record, SourceKey};

    fn person(id: &str, given: &str, family: &str) -> NormalizedRecord {
        let record = Record::builder(SourceKey::new(Channel::Web, id).expect("key"))
            .given_name(given)
            .and_then(|b| b.family_name(family))
            .map(|b| b.build())
            .expect("record");
        normalize(&record)
    }

    /// The definition, one record after the other: each record's distinct
    /// given and family names counted once, by name.
    fn counted_one_by_one(records: &[NormalizedRecord]) -> NameFrequencies {
        let table = |field: fn(&PersonName) -> &str| {
            let mut counts: std::collections::BTreeMap<&str, f64> = Default::default();
            for record in records {
                let mut own: Vec<&str> = Vec::new();
                for name in &record.names {
                    let value = field(name);
                    if !value.is_empty() && !own.contains(&value) {
                        *counts.entry(value).or_default() += 1.0;
                        own.push(value);
                    }
                }
            }
            let total: f64 = counts.values().sum();
            let squares: f64 = counts.values().map(|c| c * c).sum();
            let mean = if total > 0.0 { squares / total } else { 1.0 };
            NameTable {
                relative: counts
                    .iter()
                    .map(|(value, c)| (name_hash(value), c / mean))
                    .collect(),
                unseen: 1.0 / mean,
            }
        };
        NameFrequencies {
            given: table(given_of),
            family: table(family_of),
        }
    }

    proptest::proptest! {
        /// Counting a part of the records per thread gives the table of the
        /// one-by-one definition, with one thread or three; records with
        /// several names (one repeated) count each distinct name once.
        #[test]
        fn names_counted_in_parallel_equal_the_one_by_one_definition(
            people in proptest::collection::vec(
                proptest::collection::vec(("[a-c]{0,2}", "[x-z]{0,2}"), 1..4),
                0..200,
            ),
        ) {
            let records: Vec<NormalizedRecord> = people
                .iter()
                .enumerate()
                .map(|(i, names)| {
                    let mut record = person(&i.to_string(), "x", "y");
                    record.names = names
                        .iter()
                        .map(|(given, family)| PersonName {
                            given: given.as_str().into(),
                            family: family.as_str().into(),
                            ..PersonName::default()
                        })
                        .collect();
                    record
                })
                .collect();
            let expected = counted_one_by_one(&records);
            for threads in [1, 3] {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                let counted = pool.install(|| NameFrequencies::count(&records));
                proptest::prop_assert_eq!(&counted, &expected);
            }
        }
    }

    #[test]
    fn a_common_name_gets_a_larger_u_than_a_rare_one() {
        let mut records: Vec<_> = (0..8)
            .map(|i| person(&i.to_string(), "Jean", "Martin"))
            .collect();
        records.push(person("r1", "Yannick", "Kerherve"));
        records.push(person("r2", "Yannick", "Kerherve"));
        let comparisons = ComparisonSettings::default();
        let tf = TermFrequencies::count(&records, &comparisons);
        let model = Model::default_for(&comparisons.shape(), &["g", "f", "b", "e", "p", "a", "i"]);
        let levels = [1, 1, 0, 0, 0, 0, 0];
        let common = tf.for_pair(&model, (0, 1), &levels);
        let rare = tf.for_pair(&model, (8, 9), &levels);
        let (Some(uc), Some(ur)) = (common[1], rare[1]) else {
            panic!("exact family agreements are adjusted");
        };
        assert!(uc > ur, "martin {uc} vs kerherve {ur}");
        // No adjustment where the level is not exact, nor across names.
        assert_eq!(
            tf.for_pair(&model, (0, 1), &[2, 3, 0, 0, 0, 0, 0]),
            vec![None; 7]
        );
        assert_eq!(tf.for_pair(&model, (0, 8), &levels)[1], None);
    }
}
