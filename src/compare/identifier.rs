//! Identifier levels: identifiers of the same kind, strong kinds before weak.

use crate::normalize::CompactString;
use crate::record::IdentifierKind;

const SAME_IDENTIFIER: u8 = 1;
const SAME_WEAK_IDENTIFIER: u8 = 2;
const ELSE: u8 = 3;

/// The identifier level (see
/// [`ComparisonKind::Identifier`](super::ComparisonKind::Identifier)): null
/// when the records share no listed kind.
pub(crate) fn identifier_level(
    a: &[(IdentifierKind, CompactString)],
    b: &[(IdentifierKind, CompactString)],
    strong: &[IdentifierKind],
    weak: &[IdentifierKind],
) -> u8 {
    let mut best = 0;
    for (kind, value) in a {
        let level_if_equal = if strong.contains(kind) {
            SAME_IDENTIFIER
        } else if weak.contains(kind) {
            SAME_WEAK_IDENTIFIER
        } else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        for (other_kind, other_value) in b {
            if other_kind != kind || other_value.is_empty() {
                continue;
            }
            let level = if value == other_value {
                level_if_equal
            } else {
                ELSE
            };
            best = super::stronger(best, level);
            if best == SAME_IDENTIFIER {
                return best;
            }
        }
    }
    best
}
