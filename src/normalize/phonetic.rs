//! A French phonetic key for names: Soundex2.
//!
//! Soundex2 is Frédéric Brouard's adaptation of Soundex to French spelling
//! ("L'art des Soundex", <https://sqlpro.developpez.com/cours/soundex/>, also
//! described by Carlier, <http://www-info.univ-lemans.fr/~carlier/recherche/soundex.html>).
//! Its published steps, numbered as in the article, are:
//!
//! 1. remove leading and trailing blanks;
//! 2. convert to upper case;
//! 3. convert accented letters and `Ç` to plain letters;
//! 4. remove blanks and hyphens;
//! 5. replace the letter groups `GUI`→`KI`, `GUE`→`KE`, `GA`→`KA`, `GO`→`KO`,
//!    `GU`→`K`, `CA`→`KA`, `CO`→`KO`, `CU`→`KU`, `Q`→`K`, `CC`→`K`, `CK`→`K`,
//!    in that order;
//! 6. replace every vowel except `Y` by `A`, the first letter excepted;
//! 7. replace the prefixes `MAC`→`MCC`, `ASA`→`AZA`, `KN`→`NN`, `PF`→`FF`,
//!    `SCH`→`SSS`, `PH`→`FF`;
//! 8. remove every `H` not preceded by `C` or `S`;
//! 9. remove every `Y` not preceded by `A`;
//! 10. remove the endings `A`, `T`, `D` and `S`;
//! 11. remove every `A` except a leading one;
//! 12. collapse every run of repeated letters to one letter;
//! 13. keep the first four letters.
//!
//! # Reading of the published rules, and additions
//!
//! - Steps 1 to 4: the input is folded text (see [`fold`](super::text::fold)),
//!   so accents are already gone; every byte that is not an ASCII letter is
//!   ignored (spaces, digits, other scripts). Upper-case ASCII is accepted as
//!   lower case. **Several words are concatenated**, as step 4 prescribes:
//!   `jean francois` is keyed as `JEANFRANCOIS`. For blocking on family names,
//!   key [`PersonName::family`](super::name::PersonName::family) (particles
//!   already removed), so `de la Fontaine` and `Fontaine` share a key.
//! - Steps 8 and 9 keep the first letter, as the reference implementations
//!   do: the rules name a preceding letter, and a first letter has none.
//! - Step 10 removes one ending; a doubled ending (`TT`) is one ending
//!   written twice, so `Dupontt` keys as `Dupont`. It never removes the only
//!   letter left, so a one-letter name keeps its key.
//! - Step 13 does not pad with blanks: the padding only served fixed-width
//!   columns, and an empty input gives an empty key.
//! - **Addition (step 5b)**: after the first letter, `B` is written `V`. The
//!   `b` of `Lefebvre` is silent and often dropped or swapped
//!   (`Lefèvre`, `Lefebre`), and Iberian names confuse the two
//!   (`Silva`/`Silba`); without this, those spellings get different keys.
//!   An initial `B` is kept, so `Bernier` and `Vernier` stay apart.
//!
//! The key is upper-case ASCII, at most four letters: `DPN` for `dupont`.

/// How many letters a key keeps (step 13).
const KEY_LEN: usize = 4;

/// The letter groups of step 5, replaced in this order.
const GROUPS: [(&[u8], &[u8]); 11] = [
    (b"GUI", b"KI"),
    (b"GUE", b"KE"),
    (b"GA", b"KA"),
    (b"GO", b"KO"),
    (b"GU", b"K"),
    (b"CA", b"KA"),
    (b"CO", b"KO"),
    (b"CU", b"KU"),
    (b"Q", b"K"),
    (b"CC", b"K"),
    (b"CK", b"K"),
];

/// The prefixes of step 7. None is a prefix of another, so order is moot.
const PREFIXES: [(&[u8], &[u8]); 6] = [
    (b"MAC", b"MCC"),
    (b"ASA", b"AZA"),
    (b"KN", b"NN"),
    (b"PF", b"FF"),
    (b"SCH", b"SSS"),
    (b"PH", b"FF"),
];

/// The Soundex2 key of a folded name (see [`fold`](super::text::fold)):
/// up to four upper-case ASCII letters, empty when the input has no ASCII
/// letter. See the [module docs](self) for the steps.
///
/// ```
/// use omnicanal::normalize::phonetic::phonetic_key;
/// assert_eq!(phonetic_key("dupont"), "DPN");
/// assert_eq!(phonetic_key("dupond"), phonetic_key("dupont"));
/// assert_eq!(phonetic_key("philippe"), phonetic_key("filipe"));
/// assert_ne!(phonetic_key("bernard"), phonetic_key("martin"));
/// assert_eq!(phonetic_key(""), "");
/// ```
pub fn phonetic_key(folded: &str) -> String {
    // Steps 1–4: letters only, upper case, words concatenated. The working
    // buffer becomes the returned string, so a key costs one allocation.
    let mut code: Vec<u8> = folded
        .bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if code.is_empty() {
        return String::new();
    }

    // Step 5: letter groups. Every replacement is no longer than its pattern,
    // so each pass rewrites the buffer in place.
    // Every group starts with G, C or Q and no replacement writes one of
    // them, so a name without those letters skips the eleven passes.
    if code.iter().any(|b| matches!(b, b'G' | b'C' | b'Q')) {
        for (pattern, replacement) in GROUPS {
            replace_all(&mut code, pattern, replacement);
        }
    }

    // Step 5b (omnicanal): B after the first letter is written V.
    for b in code.iter_mut().skip(1) {
        if *b == b'B' {
            *b = b'V';
        }
    }

    // Step 6: vowels other than Y become A, the first letter excepted.
    for b in code.iter_mut().skip(1) {
        if matches!(*b, b'E' | b'I' | b'O' | b'U') {
            *b = b'A';
        }
    }

    // Step 7: prefixes (same length, replaced in place).
    for (prefix, replacement) in PREFIXES {
        if code.starts_with(prefix) {
            code[..prefix.len()].copy_from_slice(replacement);
            break;
        }
    }

    // Step 8: H not preceded by C or S; step 9: Y not preceded by A. The
    // preceding letter is the one of the step's input, as a look-behind reads it.
    retain_after(&mut code, b'H', |prev| matches!(prev, b'C' | b'S'));
    retain_after(&mut code, b'Y', |prev| prev == b'A');

    // Step 10: one ending A, T, D or S (with its doubling), never the first letter.
    if let Some(&last) = code.last() {
        if matches!(last, b'A' | b'T' | b'D' | b'S') {
            let mut keep = code.len();
            while keep > 1 && code[keep - 1] == last {
                keep -= 1;
            }
            code.truncate(keep);
        }
    }

    // Step 11: every A but a leading one; step 12: runs of a letter collapse.
    let mut write = 1;
    for read in 1..code.len() {
        let b = code[read];
        if b != b'A' && b != code[write - 1] {
            code[write] = b;
            write += 1;
        }
    }
    code.truncate(write);

    // Step 13: the first four letters.
    code.truncate(KEY_LEN);
    // Only ASCII upper-case letters were ever written.
    String::from_utf8(code).unwrap_or_default()
}

/// Replaces every non-overlapping `pattern`, left to right, by a replacement
/// no longer than it, in place.
fn replace_all(code: &mut Vec<u8>, pattern: &[u8], replacement: &[u8]) {
    debug_assert!(replacement.len() <= pattern.len());
    let Some(&first) = pattern.first() else {
        return;
    };
    // Most passes find nothing: skip them without rewriting the buffer.
    let Some(start) = code.iter().position(|&b| b == first) else {
        return;
    };
    // Patterns are one to three bytes: compare by hand rather than through
    // `memcmp`, whose call costs more than the comparison.
    let matches_at = |code: &[u8], at: usize| {
        pattern
            .iter()
            .enumerate()
            .all(|(k, &p)| code.get(at + k) == Some(&p))
    };
    let (mut read, mut write) = (start, start);
    while read < code.len() {
        if code[read] == first && matches_at(code, read) {
            code[write..write + replacement.len()].copy_from_slice(replacement);
            write += replacement.len();
            read += pattern.len();
        } else {
            code[write] = code[read];
            write += 1;
            read += 1;
        }
    }
    code.truncate(write);
}

/// Removes every `letter` after the first position whose preceding letter
/// (in the input of this step) fails `keep_after`.
fn retain_after(code: &mut Vec<u8>, letter: u8, keep_after: impl Fn(u8) -> bool) {
    let mut write = 1;
    let mut prev = match code.first() {
        Some(&b) => b,
        None => return,
    };
    for read in 1..code.len() {
        let b = code[read];
        if b != letter || keep_after(prev) {
            code[write] = b;
            write += 1;
        }
        prev = b;
    }
    code.truncate(write);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::text::fold;
    use proptest::prelude::*;

    fn key(raw: &str) -> String {
        phonetic_key(&fold(raw))
    }

    #[test]
    fn spelling_variants_of_french_family_names_share_a_key() {
        assert_eq!(key("Dupont"), "DPN");
        assert_eq!(key("Dupond"), "DPN");
        assert_eq!(key("Dupontt"), "DPN");
        assert_eq!(key("Lefebvre"), "LFVR");
        assert_eq!(key("Lefèbvre"), "LFVR");
        assert_eq!(key("Lefebre"), "LFVR");
        assert_eq!(key("Lefèvre"), "LFVR");
        assert_eq!(key("Philippe"), "FLP");
        assert_eq!(key("Filipe"), "FLP");
        assert_eq!(key("Thomas"), "TM");
        assert_eq!(key("Tomas"), "TM");
        assert_eq!(key("Gautier"), key("Gauthier"));
        assert_eq!(key("Gérard"), key("Gerart"));
        assert_eq!(key("Schmitt"), key("Schmit"));
        assert_eq!(key("Da Silva"), key("Dasilba"));
        assert_eq!(key("Guichard"), key("Kichard"));
    }

    #[test]
    fn different_names_get_different_keys() {
        assert_eq!(key("Bernard"), "BRNR");
        assert_eq!(key("Martin"), "MRTN");
        assert_ne!(key("Bernard"), key("Martin"));
        assert_ne!(key("Bernier"), key("Vernier"));
        assert_ne!(key("Durand"), key("Dupont"));
        assert_ne!(key("Petit"), key("Moreau"));
    }

    #[test]
    fn published_steps() {
        // Step 7 prefixes.
        assert_eq!(key("MacDonald"), "MCDN");
        assert_eq!(key("Knapp"), "NP");
        assert_eq!(key("Schneider"), "SNDR");
        // Step 8: CH and SH keep their H.
        assert_eq!(key("Chevalier"), "CHVL");
        // Step 9: Y kept after A only.
        assert_eq!(key("Raymond"), "RYMN");
        assert_eq!(key("Lyon"), "LN");
        // Step 6 keeps the first vowel.
        assert_eq!(key("Emile"), "EML");
        // Multi-word names are concatenated (step 4).
        assert_eq!(key("de la Fontaine"), key("Delafontaine"));
        assert_eq!(key("jean francois"), key("jeanfrancois"));
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(phonetic_key(""), "");
        assert_eq!(phonetic_key("   "), "");
        assert_eq!(phonetic_key("1234"), "");
        assert_eq!(phonetic_key("a"), "A");
        assert_eq!(phonetic_key("t"), "T");
        assert_eq!(phonetic_key("tt"), "T");
        assert_eq!(phonetic_key("hhh"), "H");
        assert_eq!(phonetic_key("дюпон"), "");
    }

    /// The plain form of [`replace_all`], without its shortcuts.
    fn replace_all_reference(code: &mut Vec<u8>, pattern: &[u8], replacement: &[u8]) {
        let (mut read, mut write) = (0, 0);
        while read < code.len() {
            if code[read..].starts_with(pattern) {
                code[write..write + replacement.len()].copy_from_slice(replacement);
                write += replacement.len();
                read += pattern.len();
            } else {
                code[write] = code[read];
                write += 1;
                read += 1;
            }
        }
        code.truncate(write);
    }

    proptest! {
        #[test]
        fn group_passes_agree_with_the_plain_replacement(s in "[GUIEAOCQKX]{0,16}") {
            let mut fast = s.clone().into_bytes();
            let mut plain = fast.clone();
            for (pattern, replacement) in GROUPS {
                replace_all(&mut fast, pattern, replacement);
                replace_all_reference(&mut plain, pattern, replacement);
                prop_assert_eq!(&fast, &plain);
            }
        }

        #[test]
        fn total_bounded_and_deterministic(s in any::<String>()) {
            let k = phonetic_key(&s);
            prop_assert!(k.len() <= KEY_LEN);
            prop_assert!(k.bytes().all(|b| b.is_ascii_uppercase()));
            prop_assert_eq!(&k, &phonetic_key(&s));
            let folded = fold(&s);
            prop_assert_eq!(phonetic_key(&folded), phonetic_key(&fold(&folded)));
        }

        #[test]
        fn stable_on_its_own_folded_input(s in "[ -~]{0,40}") {
            // Folding only changes case and separators, which the key ignores.
            prop_assert_eq!(phonetic_key(&s), phonetic_key(&fold(&s)));
        }

        #[test]
        fn empty_only_without_letters(s in "[a-z ]{0,20}") {
            prop_assert_eq!(phonetic_key(&s).is_empty(), !s.bytes().any(|b| b.is_ascii_lowercase()));
        }
    }
}
