//! Phone levels, best over every pair of non-generic numbers.

use super::generic::GenericValues;
use super::similarity::within_one_edit;
use super::stronger;
use crate::normalize::{Phone, PhoneKind};

pub(super) const SAME_MOBILE: u8 = 1;
pub(super) const SAME_LANDLINE: u8 = 2;
pub(super) const MOBILE_CLOSE: u8 = 3;
pub(super) const ELSE: u8 = 4;

/// The best phone level (see [`ComparisonKind::Phone`](super::ComparisonKind::Phone)).
pub(crate) fn phone_level(
    a: &[Phone],
    b: &[Phone],
    mobile_suffix_digits: usize,
    generic: &impl GenericValues,
) -> u8 {
    let usable = |p: &&Phone| !p.e164.is_empty() && !generic.phone(&p.e164);
    let mut best = 0;
    for x in a.iter().filter(usable) {
        for y in b.iter().filter(usable) {
            best = stronger(best, pair(x, y, mobile_suffix_digits));
            if best == SAME_MOBILE {
                return best;
            }
        }
    }
    best
}

fn pair(x: &Phone, y: &Phone, suffix_digits: usize) -> u8 {
    let mobile = |p: &Phone| p.kind == PhoneKind::Mobile;
    if x.e164 == y.e164 {
        // Equal numbers have equal kinds; asking both keeps it symmetric anyway.
        return if mobile(x) && mobile(y) {
            SAME_MOBILE
        } else {
            SAME_LANDLINE
        };
    }
    if mobile(x) != mobile(y) {
        // A mobile and a landline of different numbers say nothing: most
        // people have both, and each system keeps whichever it was given.
        return 0;
    }
    if mobile(x) && mobile(y) {
        let same_suffix = matches!(
            (suffix(&x.e164, suffix_digits), suffix(&y.e164, suffix_digits)),
            (Some(p), Some(q)) if p == q
        );
        if same_suffix || within_one_edit(&x.e164, &y.e164, true) {
            return MOBILE_CLOSE;
        }
    }
    ELSE
}

/// The last `digits` bytes of an E.164 number, when it has that many.
pub(super) fn suffix(e164: &str, digits: usize) -> Option<&str> {
    e164.len().checked_sub(digits).and_then(|i| e164.get(i..))
}
