//! Address levels, best over every pair of non-empty, non-generic addresses.

use super::generic::GenericValues;
use super::similarity::jaro_winkler;
use super::stronger;
use crate::normalize::NormalizedAddress;

pub(super) const SAME_STREET_NUMBER: u8 = 1;
pub(super) const SAME_STREET: u8 = 2;
pub(super) const SAME_POSTCODE: u8 = 3;
pub(super) const SAME_CITY: u8 = 4;
pub(super) const ELSE: u8 = 5;

/// The best address level (see [`ComparisonKind::Address`](super::ComparisonKind::Address)).
pub(crate) fn address_level(
    a: &[NormalizedAddress],
    b: &[NormalizedAddress],
    street_jaro_winkler: f64,
    generic: &impl GenericValues,
) -> u8 {
    let usable = |x: &&NormalizedAddress| !x.is_empty() && !generic.address(x);
    let mut best = 0;
    for x in a.iter().filter(usable) {
        for y in b.iter().filter(usable) {
            best = stronger(best, pair(x, y, street_jaro_winkler));
            if best == SAME_STREET_NUMBER {
                return best;
            }
        }
    }
    best
}

/// Both present and equal.
fn agree<T: PartialEq + ?Sized>(x: Option<&T>, y: Option<&T>) -> bool {
    matches!((x, y), (Some(p), Some(q)) if p == q)
}

fn pair(x: &NormalizedAddress, y: &NormalizedAddress, street_jaro_winkler: f64) -> u8 {
    let both = |p: bool, q: bool| p && q;
    let comparable = both(x.postcode.is_some(), y.postcode.is_some())
        || both(x.city.is_some(), y.city.is_some());
    if !comparable {
        // A street against a city alone says nothing either way.
        return 0;
    }
    if let (Some(p), Some(q)) = (x.country, y.country) {
        if p != q {
            return ELSE;
        }
    }
    if agree(x.postcode.as_deref(), y.postcode.as_deref()) {
        let same_street = match (x.street.as_deref(), y.street.as_deref()) {
            (Some(s), Some(t)) => s == t || jaro_winkler(s, t) >= street_jaro_winkler,
            _ => false,
        };
        if !same_street {
            return SAME_POSTCODE;
        }
        // `12` and `12 bis` are different doors; a missing suffix is only an
        // omission, so it agrees with any.
        let same_suffix = match (x.number_suffix.as_deref(), y.number_suffix.as_deref()) {
            (Some(s), Some(t)) => s == t,
            _ => true,
        };
        if agree(x.number.as_ref(), y.number.as_ref()) && same_suffix {
            return SAME_STREET_NUMBER;
        }
        return SAME_STREET;
    }
    if agree(x.city.as_deref(), y.city.as_deref()) {
        return SAME_CITY;
    }
    ELSE
}
