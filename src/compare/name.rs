//! Given- and family-name levels, best over every pair of the records' names.

use super::similarity::{jaro_winkler, within_one_edit};
use super::stronger;
use crate::normalize::PersonName;
use crate::normalize::nickname::canonical_given;

/// Given-name levels (see [`ComparisonKind::GivenName`](super::ComparisonKind::GivenName)).
pub(super) const GIVEN_EXACT: u8 = 1;
pub(super) const GIVEN_SWAPPED: u8 = 2;
pub(super) const GIVEN_NICKNAME: u8 = 3;
pub(super) const GIVEN_INITIALS: u8 = 4;
pub(super) const GIVEN_FIRST_FUZZY: u8 = 5;

/// Family-name levels (see [`ComparisonKind::FamilyName`](super::ComparisonKind::FamilyName)).
pub(super) const FAMILY_EXACT: u8 = 1;
pub(super) const FAMILY_SWAPPED: u8 = 2;
pub(super) const FAMILY_CLOSE: u8 = 3;
pub(super) const FAMILY_FIRST_FUZZY: u8 = 4;

/// One edit in a name shorter than this is a different name (`li`/`le`,
/// `roy`/`ray`), not a typo.
pub(super) const MIN_CHARS_FOR_ONE_EDIT: usize = 4;

/// Given and family names exchanged between the two records' boxes, one
/// of them possibly misspelt (see [`swapped_names`]).
fn swapped(x: &PersonName, y: &PersonName) -> bool {
    swapped_names(
        (&x.given, &x.family),
        (&y.given, &y.family),
        x.given == y.family,
        x.family == y.given,
    )
}

/// Whether `(given, family)` of one record are the other's family and given
/// names: both crosses equal, or one equal and the other [`swap_close`] (a
/// swapped record was typed by someone who also slips: `mansourii hanane`
/// for Hanane Mansouri, `thibault d` for Didier Thibault, `le bras maelle`
/// for Maëlle (le) Bras). `given_is_family` and `family_is_given` are the
/// two crosses' equality, which callers may know more cheaply.
pub(super) fn swapped_names(
    (x_given, x_family): (&str, &str),
    (y_given, y_family): (&str, &str),
    given_is_family: bool,
    family_is_given: bool,
) -> bool {
    if x_given.is_empty() || x_family.is_empty() || y_given.is_empty() || y_family.is_empty() {
        return false;
    }
    match (given_is_family, family_is_given) {
        (true, true) => true,
        (true, false) => swap_close(x_family, y_given),
        (false, true) => swap_close(x_given, y_family),
        (false, false) => false,
    }
}

/// Two names close enough to complete a swap whose other half is exact:
/// one edit apart (names of [`MIN_CHARS_FOR_ONE_EDIT`] characters or more),
/// an initial and a name it begins, or a family name with and without its
/// particle (`le bras` / `bras`).
fn swap_close(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut short_chars = short.chars();
    let initial = match (short_chars.next(), short_chars.next()) {
        (Some(c), None) => long.starts_with(c),
        _ => false,
    };
    let particle_dropped = short.chars().nth(2).is_some()
        && long
            .strip_suffix(short)
            .is_some_and(|head| head.ends_with(' ') && head.len() > 1);
    let one_edit =
        short.chars().nth(MIN_CHARS_FOR_ONE_EDIT - 1).is_some() && within_one_edit(a, b, true);
    initial || particle_dropped || one_edit
}

/// The best given-name level over all name pairs.
pub(crate) fn given_level(a: &[PersonName], b: &[PersonName], thresholds: &[f64]) -> u8 {
    let mut best = 0;
    for x in a {
        for y in b {
            best = stronger(best, given_pair(x, y, thresholds, best));
            if best == GIVEN_EXACT {
                return best;
            }
        }
    }
    best
}

fn given_pair(x: &PersonName, y: &PersonName, thresholds: &[f64], best: u8) -> u8 {
    if x.given.is_empty() || y.given.is_empty() {
        return 0;
    }
    if x.given == y.given {
        return GIVEN_EXACT;
    }
    if swapped(x, y) {
        return GIVEN_SWAPPED;
    }
    if same_canonical(x, y) {
        return GIVEN_NICKNAME;
    }
    if initials_agree(&x.given, canonical(y)) || initials_agree(&y.given, canonical(x)) {
        return GIVEN_INITIALS;
    }
    let else_level = GIVEN_FIRST_FUZZY + thresholds.len() as u8;
    if best != 0 && best < GIVEN_FIRST_FUZZY {
        // A stronger level is already known: the fuzzy metric cannot win.
        return else_level;
    }
    fuzzy_level(&x.given, &y.given, thresholds, GIVEN_FIRST_FUZZY)
}

/// The canonical given name (nicknames resolved), or the written one when
/// the normalizer left it empty.
pub(super) fn canonical(name: &PersonName) -> &str {
    if name.given_canonical.is_empty() {
        &name.given
    } else {
        &name.given_canonical
    }
}

/// True when the two given names resolve to the same canonical name: equal
/// canonical forms, or one written name is a nickname one of whose readings
/// is the other's name. The second part catches ambiguous nicknames whose
/// primary reading the normalizer kept (`fred` → `frederic`) while the other
/// record is a `frederique`. The table lookup allocates nothing.
fn same_canonical(x: &PersonName, y: &PersonName) -> bool {
    if canonical(x) == canonical(y) {
        return true;
    }
    let reads_as = |nickname: &str, other: &PersonName| {
        canonical_given(nickname)
            .iter()
            .any(|reading| *reading == other.given || *reading == canonical(other))
    };
    reads_as(&x.given, y) || reads_as(&y.given, x)
}

/// The first-token-of-each-word letters of `s`: `jean francois` → `jf`.
pub(super) fn initials(s: &str) -> impl Iterator<Item = char> + '_ {
    s.split(' ').filter_map(|token| token.chars().next())
}

/// When `written` is only initials, those initials: `j` → `j`, `j f` → `jf`,
/// `jf` → `jf` (one short token without a vowel is a run of initials; no
/// French given name is written that way).
pub(super) fn initials_only(written: &str) -> Option<&str> {
    let all_single = written.split(' ').all(|t| t.chars().nth(1).is_none());
    if all_single {
        return Some(written);
    }
    let short_without_vowel = !written.contains(' ')
        && written.chars().count() <= 3
        && written
            .chars()
            .all(|c| c.is_ascii_lowercase() && !"aeiouy".contains(c));
    short_without_vowel.then_some(written)
}

/// True when `written` is only initials and they agree with the initials of
/// `other`: the shorter run is a prefix of the longer (`j` agrees with
/// `jean francois`).
pub(super) fn initials_agree(written: &str, other: &str) -> bool {
    let Some(letters) = initials_only(written) else {
        return false;
    };
    let mut mine = letters.chars().filter(|c| *c != ' ');
    let mut theirs = initials(other);
    let mut compared = 0;
    loop {
        match (mine.next(), theirs.next()) {
            (Some(m), Some(t)) if m == t => compared += 1,
            (Some(_), Some(_)) => return false,
            _ => return compared > 0,
        }
    }
}

/// `joined`'s family name is `split`'s particles and family name written as
/// one word: `lecrooere` for `le crooere`, `dalmeida` for `d almeida`. The
/// normalizer can only take a particle off a name written apart, so the
/// same name typed both ways reaches the comparison as two different family
/// names. A spelling variant, compared as `close`.
pub(crate) fn particles_written_joined(joined: &PersonName, split: &PersonName) -> bool {
    !split.particles.is_empty()
        && joined.family.len() > split.family.len()
        && joined.family.ends_with(split.family.as_str())
        && no_spaces(&joined.family).eq(no_spaces(&split.particles).chain(no_spaces(&split.family)))
}

fn no_spaces(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().filter(|c| !c.is_whitespace())
}

/// The best family-name level over all name pairs.
pub(crate) fn family_level(
    a: &[PersonName],
    b: &[PersonName],
    close_jaro_winkler: f64,
    thresholds: &[f64],
) -> u8 {
    let mut best = 0;
    for x in a {
        for y in b {
            best = stronger(
                best,
                family_pair(x, y, close_jaro_winkler, thresholds, best),
            );
            if best == FAMILY_EXACT {
                return best;
            }
        }
    }
    best
}

fn family_pair(
    x: &PersonName,
    y: &PersonName,
    close_jaro_winkler: f64,
    thresholds: &[f64],
    best: u8,
) -> u8 {
    if x.family.is_empty() || y.family.is_empty() {
        return 0;
    }
    if x.family == y.family {
        return FAMILY_EXACT;
    }
    if swapped(x, y) {
        return FAMILY_SWAPPED;
    }
    if particles_written_joined(x, y) || particles_written_joined(y, x) {
        return FAMILY_CLOSE;
    }
    let else_level = FAMILY_FIRST_FUZZY + thresholds.len() as u8;
    if best != 0 && best <= FAMILY_CLOSE {
        return else_level;
    }
    let long_enough = x.family.chars().nth(MIN_CHARS_FOR_ONE_EDIT - 1).is_some()
        && y.family.chars().nth(MIN_CHARS_FOR_ONE_EDIT - 1).is_some();
    if long_enough && within_one_edit(&x.family, &y.family, true) {
        return FAMILY_CLOSE;
    }
    let similarity = jaro_winkler(&x.family, &y.family);
    if similarity >= close_jaro_winkler {
        return FAMILY_CLOSE;
    }
    bucket(similarity, thresholds, FAMILY_FIRST_FUZZY)
}

/// The level of a Jaro–Winkler similarity over decreasing `thresholds`, the
/// first of which is level `first`; below all of them, the else level.
fn fuzzy_level(a: &str, b: &str, thresholds: &[f64], first: u8) -> u8 {
    if thresholds.is_empty() {
        return first;
    }
    bucket(jaro_winkler(a, b), thresholds, first)
}

pub(super) fn bucket(similarity: f64, thresholds: &[f64], first: u8) -> u8 {
    let index = thresholds
        .iter()
        .position(|&t| similarity >= t)
        .unwrap_or(thresholds.len());
    first + index as u8
}
