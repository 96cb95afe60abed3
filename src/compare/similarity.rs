//! String similarity without heap allocation.
//!
//! `strsim` allocates on every call (flag vectors for Jaro, a matrix and a map
//! for Damerau–Levenshtein). A comparison runs millions of times per batch, so
//! the hot path uses the two forms it actually needs:
//!
//! * [`jaro_winkler`]: the same algorithm as [`strsim::jaro_winkler`] on stack
//!   buffers for strings up to [`STACK_CHARS`] characters (every real name and
//!   street), falling back to `strsim` beyond that. A test checks the two agree.
//! * [`within_one_edit`]: "Damerau–Levenshtein distance ≤ 1" (or Levenshtein
//!   ≤ 1 without transpositions) decided in one linear pass, which is all the
//!   levels ask for — the full distance is never needed.

/// The longest string (in characters) compared on the stack.
pub(crate) const STACK_CHARS: usize = 64;

/// Jaro–Winkler similarity of `a` and `b`, symmetric by construction.
///
/// Jaro's greedy matching can give a slightly different transposition count
/// depending on which string is scanned first, so the arguments are put in a
/// canonical order (byte order) before computing: a comparator built on it is
/// symmetric whatever the inputs.
pub(crate) fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    let mut a_chars = ['\0'; STACK_CHARS];
    let mut b_chars = ['\0'; STACK_CHARS];
    match (fill(a, &mut a_chars), fill(b, &mut b_chars)) {
        (Some(a_len), Some(b_len)) => jaro_winkler_chars(&a_chars[..a_len], &b_chars[..b_len]),
        // Rare (over-long values): allocate rather than truncate.
        _ => strsim::jaro_winkler(a, b),
    }
}

/// Copies the characters of `s` into `buffer`; none when it does not fit.
fn fill(s: &str, buffer: &mut [char; STACK_CHARS]) -> Option<usize> {
    let mut len = 0;
    for c in s.chars() {
        *buffer.get_mut(len)? = c;
        len += 1;
    }
    Some(len)
}

/// Jaro–Winkler on character slices of at most [`STACK_CHARS`] each, step for
/// step as `strsim::generic_jaro_winkler` does it (same search window, same
/// greedy matching, same prefix boost over at most 4 characters above 0.7).
fn jaro_winkler_chars(a: &[char], b: &[char]) -> f64 {
    let jaro = jaro_chars(a, b);
    if jaro > 0.7 {
        let prefix = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    } else {
        jaro
    }
}

fn jaro_chars(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    // Bit sets: both slices are at most 64 long.
    let mut a_flags: u64 = 0;
    let mut b_flags: u64 = 0;
    let mut matches = 0usize;
    for (i, x) in a.iter().enumerate() {
        let low = i.saturating_sub(window);
        let high = b.len().min(i + window + 1);
        for j in low..high {
            if b_flags & (1 << j) == 0 && b.get(j) == Some(x) {
                a_flags |= 1 << i;
                b_flags |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut b_matched = b
        .iter()
        .enumerate()
        .filter(|(j, _)| b_flags & (1 << j) != 0)
        .map(|(_, c)| c);
    for (i, x) in a.iter().enumerate() {
        if a_flags & (1 << i) != 0 && b_matched.next() != Some(x) {
            transpositions += 1;
        }
    }
    transpositions /= 2;
    let m = matches as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (matches - transpositions) as f64 / m) / 3.0
}

/// True when `a` and `b` are at most one edit apart: one substitution,
/// insertion or deletion of a character, or (with `transpositions`) one swap of
/// two adjacent characters. With transpositions this is exactly
/// "Damerau–Levenshtein distance ≤ 1", without it "Levenshtein distance ≤ 1".
pub(crate) fn within_one_edit(a: &str, b: &str, transpositions: bool) -> bool {
    // Skip the common prefix; what remains must differ by one edit at its start.
    let split = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map(|((i, _), _)| i);
    let Some(i) = split else {
        // One is a prefix of the other: at most one trailing character more.
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        return long[short.len()..].chars().count() <= 1;
    };
    // `i` is a char boundary in `a`; the prefix is equal so it is one in `b` too.
    let (ra, rb) = (&a[i..], &b[i..]);
    let (ta, tb) = (skip_one(ra), skip_one(rb));
    if ta == tb || ta == rb || ra == tb {
        // Substitution, deletion from `a`, insertion into `a`.
        return true;
    }
    if transpositions {
        let mut ca = ra.chars();
        let mut cb = rb.chars();
        if let (Some(a0), Some(a1), Some(b0), Some(b1)) =
            (ca.next(), ca.next(), cb.next(), cb.next())
        {
            return a0 == b1 && a1 == b0 && ca.as_str() == cb.as_str();
        }
    }
    false
}

/// `s` without its first character.
fn skip_one(s: &str) -> &str {
    let mut chars = s.chars();
    chars.next();
    chars.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn jaro_winkler_known_values() {
        assert!((jaro_winkler("martha", "marhta") - 0.9611).abs() < 1e-3);
        assert!((jaro_winkler("dupont", "dupond") - 0.9333).abs() < 1e-3);
        assert_eq!(jaro_winkler("", ""), 1.0);
        assert_eq!(jaro_winkler("marie", ""), 0.0);
        assert_eq!(jaro_winkler("abc", "xyz"), 0.0);
    }

    #[test]
    fn one_edit_cases() {
        assert!(within_one_edit("dupont", "dupond", true));
        assert!(within_one_edit("dupont", "dupont", true));
        assert!(within_one_edit("dupont", "dupon", true));
        assert!(within_one_edit("dupont", "dupoint", true));
        assert!(within_one_edit("dupont", "dupnot", true));
        assert!(!within_one_edit("dupont", "dupnot", false));
        assert!(!within_one_edit("dupont", "dunopt", true));
        assert!(within_one_edit("dupont", "udpont", true));
        assert!(!within_one_edit("dupont", "udpont", false));
        assert!(!within_one_edit("dupont", "durand", true));
        assert!(within_one_edit("lefevre", "lefèvre", true));
        assert!(within_one_edit("", "a", true));
        assert!(!within_one_edit("", "ab", true));
    }

    /// Reference: strsim's osa distance (= Damerau ≤ 1 at distance one).
    fn reference_one_edit(a: &str, b: &str, transpositions: bool) -> bool {
        if transpositions {
            strsim::osa_distance(a, b) <= 1
        } else {
            strsim::levenshtein(a, b) <= 1
        }
    }

    proptest! {
        #[test]
        fn stack_jaro_winkler_equals_strsim(a in "[a-e ]{0,12}", b in "[a-e ]{0,12}") {
            let (x, y) = if a <= b { (&a, &b) } else { (&b, &a) };
            prop_assert_eq!(jaro_winkler(&a, &b), strsim::jaro_winkler(x, y));
        }

        #[test]
        fn stack_jaro_winkler_equals_strsim_any_text(a in "\\PC{0,80}", b in "\\PC{0,80}") {
            let (x, y) = if a <= b { (&a, &b) } else { (&b, &a) };
            prop_assert_eq!(jaro_winkler(&a, &b), strsim::jaro_winkler(x, y));
        }

        #[test]
        fn jaro_winkler_symmetric_and_bounded(a in "\\PC{0,20}", b in "\\PC{0,20}") {
            let s = jaro_winkler(&a, &b);
            prop_assert_eq!(s, jaro_winkler(&b, &a));
            prop_assert!((0.0..=1.0).contains(&s));
        }

        #[test]
        fn one_edit_equals_reference(a in "[ab\u{e9}]{0,6}", b in "[ab\u{e9}]{0,6}", t in any::<bool>()) {
            prop_assert_eq!(within_one_edit(&a, &b, t), reference_one_edit(&a, &b, t));
            prop_assert_eq!(within_one_edit(&a, &b, t), within_one_edit(&b, &a, t));
        }
    }
}
