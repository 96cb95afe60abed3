//! Birth-date levels.

use crate::normalize::PartialDate;

const EXACT: u8 = 1;
const DAY_MONTH_SWAPPED: u8 = 2;
const ONE_DIGIT_OFF: u8 = 3;
const SAME_YEAR_MONTH: u8 = 4;
const SAME_YEAR: u8 = 5;
const ELSE: u8 = 6;

/// The birth-date level of two optional dates (see
/// [`ComparisonKind::BirthDate`](super::ComparisonKind::BirthDate)).
pub(crate) fn birth_level(a: Option<&PartialDate>, b: Option<&PartialDate>) -> u8 {
    let (Some(a), Some(b)) = (a, b) else {
        return 0;
    };
    let full = |d: &PartialDate| d.month.zip(d.day);
    if let (Some((am, ad)), Some((bm, bd))) = (full(a), full(b)) {
        if a.year == b.year && am == bm && ad == bd {
            return EXACT;
        }
        if a.year == b.year && ad == bm && am == bd {
            return DAY_MONTH_SWAPPED;
        }
        if one_digit_off(&digits(a.year, am, ad), &digits(b.year, bm, bd)) {
            return ONE_DIGIT_OFF;
        }
    }
    if a.year != b.year {
        return ELSE;
    }
    match (a.month, b.month) {
        (Some(am), Some(bm)) if am == bm => SAME_YEAR_MONTH,
        // Two known, different months of the same year: a disagreement the
        // year alone does not outweigh.
        (Some(_), Some(_)) => ELSE,
        _ => SAME_YEAR,
    }
}

/// `yyyyymmdd` as digits (five year digits so any `u16` fits; the leading
/// digit is 0 for real years on both sides and never changes the verdict).
fn digits(year: u16, month: u8, day: u8) -> [u8; 9] {
    let mut out = [0u8; 9];
    let mut put = |range: std::ops::Range<usize>, mut value: u32| {
        for i in range.rev() {
            out[i] = (value % 10) as u8;
            value /= 10;
        }
    };
    put(0..5, u32::from(year));
    put(5..7, u32::from(month));
    put(7..9, u32::from(day));
    out
}

/// Damerau–Levenshtein distance exactly 1 between two equal-length strings:
/// one substitution or one swap of adjacent digits (an insertion needs a
/// deletion too at equal length, so those are all the one-edit cases).
fn one_digit_off(a: &[u8; 9], b: &[u8; 9]) -> bool {
    let Some(first) = (0..9).find(|&i| a[i] != b[i]) else {
        return false;
    };
    let rest_equal = |from: usize| (from..9).all(|i| a[i] == b[i]);
    rest_equal(first + 1)
        || (first + 1 < 9
            && a[first] == b[first + 1]
            && a[first + 1] == b[first]
            && rest_equal(first + 2))
}
