//! Email levels, best over every pair of identifying, non-generic emails.

use super::generic::GenericValues;
use super::similarity::within_one_edit;
use super::stronger;
use crate::normalize::{Email, PersonName};

pub(super) const EXACT: u8 = 1;
pub(super) const SAME_LOCAL_PART: u8 = 2;
pub(super) const ONE_EDIT: u8 = 3;
pub(super) const ELSE: u8 = 4;

/// The best email level (see [`ComparisonKind::Email`](super::ComparisonKind::Email)).
///
/// A similar (not identical) address whose local part only spells the
/// record's name (`marie.lefebvre@orange.fr` ~ `marielefebvre@gmail.com`)
/// counts as null: it repeats the name comparison, and namesakes pick such
/// addresses as often as one person does on two providers.
pub(crate) fn email_level(
    (a, a_names): (&[Email], &[PersonName]),
    (b, b_names): (&[Email], &[PersonName]),
    same_local_part_min_len: usize,
    generic: &impl GenericValues,
) -> u8 {
    // Placeholders and generic mailboxes are no evidence: skip them as if absent.
    let usable =
        |e: &&Email| e.identifying && !e.normalized.is_empty() && !generic.email(&e.normalized);
    let mut best = 0;
    for x in a.iter().filter(usable) {
        for y in b.iter().filter(usable) {
            let level = pair(x, y, same_local_part_min_len);
            let name_only = level != EXACT
                && level != ELSE
                && (spells_a_name(&x.normalized, a_names) || spells_a_name(&y.normalized, b_names));
            if !name_only {
                best = stronger(best, level);
            }
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
pub(super) fn local_key(local: &str) -> impl Iterator<Item = char> + '_ {
    local
        .chars()
        .take_while(|&c| c != '+')
        .filter(|c| !matches!(c, '.' | '_' | '-'))
}

/// True when the address's local part, letters only, is a name of the record:
/// given + family or family + given, or the given initial + family, where
/// the family name may be written with its particles (`legoffannie` for
/// Annie Le Goff, `rosadacosta`) or, for a compound family name, be one of
/// its words of three letters or more (`aicha_ahmed` for Aïcha Ait Ahmed).
/// Namesakes choose such addresses alike: two `annie.legoff` at two
/// providers are no evidence beyond the names.
///
/// Compares the letters as they stream out of the strings, allocating
/// nothing: it runs for every email of every record prepared, upserts
/// included.
pub(super) fn spells_a_name(address: &str, names: &[PersonName]) -> bool {
    let Some((local, _)) = split(address) else {
        return false;
    };
    let local = local.split('+').next().unwrap_or_default();
    names.iter().any(|n| {
        spells(local, &n.given, || squeeze(&n.family))
            || (!n.particles.is_empty()
                && spells(local, &n.given, || {
                    squeeze(&n.particles).chain(squeeze(&n.family))
                }))
            || (n.family.contains(' ')
                && n.family
                    .split(' ')
                    .filter(|word| word.chars().nth(2).is_some())
                    .any(|word| spells(local, &n.given, || squeeze(word))))
    })
}

/// `local`'s letters are given + family, family + given or the given
/// initial + family, `family` giving one spelling of the family name's
/// letters (an empty one spells nothing).
fn spells<F: Iterator<Item = char>>(local: &str, given: &str, family: impl Fn() -> F) -> bool {
    let letters = || squeeze(local);
    let given = squeeze(given);
    family().next().is_some()
        && (letters().eq(given.clone().chain(family()))
            || letters().eq(family().chain(given.clone()))
            || given
                .clone()
                .next()
                .is_some_and(|i| letters().eq(std::iter::once(i).chain(family()))))
}

fn squeeze(s: &str) -> impl Iterator<Item = char> + Clone + '_ {
    s.chars().filter(|c| c.is_alphabetic())
}

/// Local part and domain, split at the last `@`.
pub(super) fn split(address: &str) -> Option<(&str, &str)> {
    address.rsplit_once('@')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The first form of `spells_a_name`, collecting the letters: the
    /// streaming one must say the same.
    fn spells_a_name_collected(address: &str, names: &[PersonName]) -> bool {
        let Some((local, _)) = split(address) else {
            return false;
        };
        let squeeze = |s: &str| {
            s.chars()
                .filter(|c| c.is_alphabetic())
                .collect::<Vec<char>>()
        };
        let local: Vec<char> = local
            .chars()
            .take_while(|&c| c != '+')
            .filter(|c| c.is_alphabetic())
            .collect();
        names.iter().any(|n| {
            let given = squeeze(&n.given);
            let mut families = vec![squeeze(&n.family)];
            if !n.particles.is_empty() {
                families.push(squeeze(&format!("{}{}", n.particles, n.family)));
            }
            if n.family.contains(' ') {
                families.extend(
                    n.family
                        .split(' ')
                        .filter(|w| w.chars().count() >= 3)
                        .map(squeeze),
                );
            }
            let concat = |x: &[char], y: &[char]| {
                local.len() == x.len() + y.len() && local[..x.len()] == *x && local[x.len()..] == *y
            };
            families.iter().filter(|f| !f.is_empty()).any(|family| {
                concat(&given, family)
                    || concat(family, &given)
                    || given
                        .first()
                        .is_some_and(|i| concat(std::slice::from_ref(i), family))
            })
        })
    }

    fn name(given: &str, family: &str) -> PersonName {
        PersonName {
            given: given.into(),
            family: family.into(),
            ..PersonName::default()
        }
    }

    #[test]
    fn an_address_spells_a_name_in_either_order_or_with_an_initial() {
        let names = [name("jean", "dupont")];
        for yes in [
            "jean.dupont@gmail.com",
            "dupont-jean+promo@orange.fr",
            "j.dupont75@free.fr",
            "jdupont@x.fr",
        ] {
            assert!(spells_a_name(yes, &names), "{yes}");
        }
        for no in ["jeandupond@x.fr", "dupont@x.fr", "jean.dupont", "jd@x.fr"] {
            assert!(!spells_a_name(no, &names), "{no}");
        }
        assert!(!spells_a_name("jean@x.fr", &[name("jean", "")]));
    }

    #[test]
    fn an_address_spells_a_name_with_its_particles_or_one_word_of_it() {
        let mut le_goff = name("annie", "goff");
        le_goff.particles = "le".into();
        for yes in [
            "legoffannie@gmail.com",
            "annie.legoff@icloud.com",
            "a.legoff@x.fr",
        ] {
            assert!(spells_a_name(yes, std::slice::from_ref(&le_goff)), "{yes}");
        }
        let ait_ahmed = [name("aicha", "ait ahmed")];
        for yes in ["aicha_ahmed@yahoo.fr", "aichaaitahmed@gmail.com"] {
            assert!(spells_a_name(yes, &ait_ahmed), "{yes}");
        }
        // Words of fewer than three letters are particles, not names.
        assert!(!spells_a_name(
            "aichaait@x.fr",
            &[name("aicha", "ai tahmed")]
        ));
        assert!(!spells_a_name("annie.dugoff@x.fr", &[le_goff]));
    }

    proptest! {
        #[test]
        fn streaming_spells_a_name_equals_the_collected_one(
            local in "[a-dé.+_1-]{0,9}",
            names in prop::collection::vec(("[a-dé -]{0,4}", "[a-dé' ]{0,4}", "(|d|de la)"), 0..3),
        ) {
            let names: Vec<PersonName> = names
                .iter()
                .map(|(g, f, p)| PersonName { particles: p.as_str().into(), ..name(g, f) })
                .collect();
            for address in [format!("{local}@x.fr"), local.clone()] {
                prop_assert_eq!(
                    spells_a_name(&address, &names),
                    spells_a_name_collected(&address, &names)
                );
            }
        }
    }
}
