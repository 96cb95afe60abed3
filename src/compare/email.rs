//! Email levels, best over every pair of identifying, non-generic emails.

use super::generic::GenericValues;
use super::similarity::within_one_edit;
use super::stronger;
use crate::normalize::Email;

const EXACT: u8 = 1;
const SAME_LOCAL_PART: u8 = 2;
const ONE_EDIT: u8 = 3;
const ELSE: u8 = 4;

/// The best email level (see [`ComparisonKind::Email`](super::ComparisonKind::Email)).
pub(crate) fn email_level(
    a: &[Email],
    b: &[Email],
    same_local_part_min_len: usize,
    generic: &impl GenericValues,
) -> u8 {
    // Placeholders and generic mailboxes are no evidence: skip them as if absent.
    let usable =
        |e: &&Email| e.identifying && !e.normalized.is_empty() && !generic.email(&e.normalized);
    let mut best = 0;
    for x in a.iter().filter(usable) {
        for y in b.iter().filter(usable) {
            best = stronger(best, pair(x, y, same_local_part_min_len));
            if best == EXACT {
                return best;
            }
        }
    }
    best
}

fn pair(x: &Email, y: &Email, min_len: usize) -> u8 {
    if x.normalized == y.normalized {
        return EXACT;
    }
    if let (Some((xl, xd)), Some((yl, yd))) = (split(&x.normalized), split(&y.normalized)) {
        if xd != yd
            && local_key(xl).eq(local_key(yl))
            && local_key(xl).nth(min_len.saturating_sub(1)).is_some()
        {
            return SAME_LOCAL_PART;
        }
    }
    if within_one_edit(&x.normalized, &y.normalized, true) {
        return ONE_EDIT;
    }
    ELSE
}

/// The local part as a person would say it aloud, across providers: up to a
/// `+tag`, without the separators `.`, `_`, `-` (gmail's normalized
/// `jeandupont` and orange's `jean.dupont` are the same choice of name).
fn local_key(local: &str) -> impl Iterator<Item = char> + '_ {
    local
        .chars()
        .take_while(|&c| c != '+')
        .filter(|c| !matches!(c, '.' | '_' | '-'))
}

/// Local part and domain, split at the last `@`.
fn split(address: &str) -> Option<(&str, &str)> {
    address.rsplit_once('@')
}
