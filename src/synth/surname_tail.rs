//! The long tail of French family names, composed from name parts.
//!
//! France has about 1.3 million family names. *Martin*, the most common, is
//! borne by about 0.36 % of the population, and the twelve most common by
//! about a million people (Tesnière, *Fréquence des noms de famille*, 1975;
//! INSEE's Fichier des noms), while four names in five are borne by fewer
//! than 500 people. The curated list in `tables.rs` has the few hundred most
//! frequent; drawn alone it would give *Martin* to one French person in
//! fifty and make namesakes several times more common than they are, which
//! is a test of the matcher, but not the retailer's data. So most persons
//! draw their family name from this tail instead (see
//! [`PopulationRates::common_family_rate`](super::PopulationRates::common_family_rate)).
//!
//! A tail name is a root, an optional linking syllable and an ending (some
//! with a Breton, Norman or Occitan flavour, some accented), now and then
//! after `Le`, `La`, `Du` or `Des`. Rank `r` of the Zipf-like weights is mapped to a part
//! combination by a multiplicative permutation, so that frequent names are
//! spread over every root rather than all starting with the first. Names are
//! built once per process, deterministically: the same seed gives the same
//! data on every machine.

use super::tables::Weighted;

/// Opening syllables.
const ROOTS: &[&str] = &[
    "Bour", "Char", "Mar", "Ger", "Fon", "Lan", "Ver", "Gou", "Rob", "Bel", "Fer", "Cham", "Bou",
    "Cor", "Dal", "Gal", "Mon", "Pel", "Ros", "Sal", "Tar", "Vil", "Bar", "Cour", "Dur", "Es",
    "Gré", "Jou", "Lab", "Mal", "Nor", "Pér", "Quen", "Rig", "Sou", "Thi", "Vau", "Bré", "Cal",
    "Cro", "Del", "Fau", "Gil", "Hu", "Lau", "Mer", "Mou", "Pou", "Rou", "Sav", "Tou", "Val",
    "Ker", "Guil", "Mich", "Per", "Rein", "Bon", "Brun", "Chau", "Dau", "Fro", "Gar", "Hér", "Lom",
    "Mé", "Pin", "Rav", "Seg", "Tes", "Vig", "Aub", "Bla", "Cog", "Don", "Fla", "Gri", "Jac",
    "Lar", "Mor",
];

/// Linking syllables between the root and the ending (often none).
const MIDDLES: &[&str] = &[
    "", "", "", "", "a", "e", "i", "o", "el", "er", "an", "on", "ich", "ill", "eg", "ab", "ol",
    "ign", "ev", "ut",
];

/// Endings.
const ENDINGS: &[&str] = &[
    "ard", "aud", "ot", "et", "ier", "in", "eau", "on", "ac", "ec", "oux", "y", "and", "ois", "as",
    "el", "at", "ault", "ès", "ie", "ille", "ais", "ert", "ou", "ange", "ine", "ez", "ère", "os",
    "iou", "an", "enne", "elin", "ouet", "aux", "ic", "och", "ade", "uy", "ieu",
];

/// Article prefixes, for one name in twenty-five.
const PREFIXES: &[&str] = &["Le ", "La ", "Du", "Le ", "Des"];

/// How many tail names exist: every root × middle × ending, with or without
/// a prefix (distinct spellings may coincide, which only merges weights).
fn combinations() -> usize {
    ROOTS.len() * MIDDLES.len() * ENDINGS.len()
}

/// The tail: names in rank order and their sampling weights.
#[derive(Debug)]
pub(crate) struct SurnameTail {
    names: Vec<String>,
    weights: Weighted,
}

impl SurnameTail {
    /// The Zipf-like exponent over the tail's ranks: low, so that even the
    /// head of the tail stays far rarer than *Martin*.
    const EXPONENT: f64 = 0.5;

    pub(crate) fn new() -> Self {
        let n = combinations();
        // An odd multiplier coprime with n permutes 0..n.
        let stride = (0..)
            .map(|k| 7919 + 2 * k)
            .find(|s: &usize| gcd(*s, n) == 1)
            .unwrap_or(1);
        let names: Vec<String> = (0..n)
            .map(|rank| name_of(rank.wrapping_mul(stride) % n, rank))
            .collect();
        let weights = Weighted::zipf(names.len(), Self::EXPONENT);
        SurnameTail { names, weights }
    }

    /// A tail name, drawn by its weight.
    pub(crate) fn sample<R: rand::Rng + ?Sized>(&'static self, rng: &mut R) -> &'static str {
        self.names
            .get(self.weights.sample(rng))
            .map_or("Martin", String::as_str)
    }

    /// Every name of the tail (for tests).
    #[cfg(test)]
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }
}

/// The name made of part combination `combo`; `rank` picks a prefix for one
/// name in twenty-five.
fn name_of(combo: usize, rank: usize) -> String {
    let ending = ENDINGS[combo % ENDINGS.len()];
    let rest = combo / ENDINGS.len();
    let middle = MIDDLES[rest % MIDDLES.len()];
    let root = ROOTS[(rest / MIDDLES.len()) % ROOTS.len()];
    let prefix = (rank % 25 == 3).then(|| PREFIXES[(rank / 25) % PREFIXES.len()]);
    let mut name = String::with_capacity(16);
    if let Some(p) = prefix {
        name.push_str(p);
    }
    if prefix.is_some_and(|p| !p.ends_with(' ')) {
        // `Du` + `Bour…` reads `Dubour…`: the root loses its capital.
        name.extend(root.chars().flat_map(char::to_lowercase));
    } else {
        name.push_str(root);
    }
    name.push_str(middle);
    name.push_str(ending);
    name
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn tail_names_are_many_distinct_and_windows_1252_letters() {
        let tail = SurnameTail::new();
        let distinct: HashSet<&String> = tail.names().iter().collect();
        assert_eq!(tail.names().len(), combinations());
        assert!(distinct.len() > 50_000, "{} distinct", distinct.len());
        for name in tail.names() {
            assert!(
                name.chars().next().is_some_and(char::is_uppercase),
                "{name}"
            );
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphabetic() || c == ' ' || "éèÉ".contains(c)),
                "{name}"
            );
        }
    }

    #[test]
    fn the_permutation_spreads_frequent_names_over_roots() {
        let tail = SurnameTail::new();
        let first_letters: HashSet<char> = tail.names()[..200]
            .iter()
            .filter_map(|n| n.chars().next())
            .collect();
        assert!(first_letters.len() > 10, "{first_letters:?}");
    }
}
