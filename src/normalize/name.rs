//! Person names: civility, full-name splitting, particles, compound given names
//! and nicknames.
//!
//! [`normalize_names`] turns a record's name fields into [`PersonName`]s whose
//! strings are folded (see [`fold`](super::text::fold)):
//!
//! | input | civility | given | canonical | initials | particles | family |
//! | --- | --- | --- | --- | --- | --- | --- |
//! | `Mme Dupont Marie` | Madame | `marie` | `marie` | `m` | | `dupont` |
//! | `M. Jean-François LEFÈVRE` | Monsieur | `jean francois` | `jean francois` | `jf` | | `lefevre` |
//! | `Dupont, J-F` | | `j f` | `jean francois` | `jf` | | `dupont` |
//! | `Fred de la Fontaine` | | `fred` | `frederic` | `f` | `de la` | `fontaine` |
//! | `Mme Durand née Dupont` | Madame | | | | | `durand`, `dupont` |
//!
//! # Splitting a full name
//!
//! A one-field full name (`full_names`) is split in this order of evidence:
//!
//! 1. leading civilities are removed (`M. et Mme` is a couple: no civility);
//! 2. `née`, `épouse`, `ép.`, `veuve` start another family name
//!    (birth and married names give one [`PersonName`] each);
//! 3. a comma puts the family name first: `Dupont, Marie`;
//! 4. when some words are written in capitals and others not, the capitals are
//!    the family name: `DUPONT Marie`, `Marie DUPONT` (initials such as `J.` or
//!    `JF` are not evidence; particles follow the word after them);
//! 5. otherwise a particle starts the family name (`Jean de la Fontaine`,
//!    `Le Gall Marie`), and failing that the curated list of given names
//!    (`data/given_names.txt`) decides: the split that puts known given names on
//!    one side and unknown words on the other wins. A given name that is also a
//!    frequent family name (Martin, Thomas, Bernard) counts for less, so
//!    `Pierre Martin` and `Martin Pierre` both split right.
//! 6. **Default order** when the evidence ties (`Thomas Bernard`, two unknown
//!    words): family name first, `NOM Prénom`, the order of French
//!    administrative forms and of the store and call-centre exports. A single
//!    word is a given name only when the list knows it as one (`Marie`), else a
//!    family name (`Mme Martin`).
//!
//! # Combining fields
//!
//! Every given name (from `given_names` and from split full names) is crossed
//! with every family name (birth, married, from any field), in input order,
//! family-major, duplicates removed. At most [`MAX_NAMES`] names come out, the
//! first [`MAX_NAMES`] values of each field are read, and a value's words beyond
//! [`MAX_TOKENS`] are ignored, so the work per record is bounded.

use std::sync::LazyLock;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::Names;
use super::nickname::{StaticTable, canonical_given, table_rows};
use super::text::{ScratchBuffer, fold_ascii_byte, fold_into, fold_one_char};

/// The most [`PersonName`]s one record gives.
pub const MAX_NAMES: usize = 8;

/// The most words read from one name value; the rest are ignored.
pub const MAX_TOKENS: usize = 16;

/// A civility (title), removed from the name and kept aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Civility {
    /// M., Monsieur, Mr
    Monsieur,
    /// Mme, Madame, Mrs, Ms
    Madame,
    /// Mlle, Mademoiselle, Miss
    Mademoiselle,
    /// Dr, Docteur
    Docteur,
    /// Me, Maître (lawyers, notaries)
    Maitre,
}

/// One normalized person name. All strings are folded (see
/// [`fold`](super::text::fold)), tokens joined by single spaces.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PersonName {
    /// Given-name tokens as written: `jean francois`.
    pub given: CompactString,
    /// Given-name tokens with nicknames and abbreviations resolved:
    /// `fred` → `frederic`, `jf` → `jean francois`.
    pub given_canonical: CompactString,
    /// One initial per canonical given-name token: `jf`.
    pub initials: CompactString,
    /// Family-name tokens without leading particles: `fontaine`.
    pub family: CompactString,
    /// The leading particles removed from the family name: `de la`.
    pub particles: CompactString,
}

impl std::fmt::Debug for PersonName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonName(..)")
    }
}

/// Parses a civility (`M.`, `Mme`, `Mlle`, `Dr`, `Monsieur`, `Madame`, …).
///
/// Case, accents and a trailing dot do not matter. A value naming two people
/// (`M. et Mme`) or anything else gives none.
///
/// ```
/// use omnicanal::normalize::name::{parse_civility, Civility};
/// assert_eq!(parse_civility("M."), Some(Civility::Monsieur));
/// assert_eq!(parse_civility("MME"), Some(Civility::Madame));
/// assert_eq!(parse_civility("Maître"), Some(Civility::Maitre));
/// assert_eq!(parse_civility("M. et Mme"), None);
/// assert_eq!(parse_civility("Dupont"), None);
/// ```
pub fn parse_civility(s: &str) -> Option<Civility> {
    let s = s.trim();
    // "Mademoiselle." is the longest spelling; skip folding anything longer.
    if s.is_empty() || s.len() > 24 {
        return None;
    }
    if s.is_ascii() {
        // Fast path without allocation, folding as `fold` does: alphanumerics
        // lower-cased into a stack buffer, control characters vanish, anything
        // else separates, and a second word means no civility.
        let mut word = [0u8; 24];
        let (mut len, mut ended) = (0, false);
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() {
                if ended {
                    return None;
                }
                word[len] = b.to_ascii_lowercase();
                len += 1;
            } else if b.is_ascii_control() && !b.is_ascii_whitespace() {
                continue;
            } else if len > 0 {
                ended = true;
            }
        }
        return civility_of_token(std::str::from_utf8(&word[..len]).ok()?);
    }
    parse_civility_folded(s)
}

/// [`parse_civility`] through [`fold`](super::text::fold), for any text.
fn parse_civility_folded(s: &str) -> Option<Civility> {
    let mut folded = String::with_capacity(s.len());
    fold_into(s, &mut folded);
    if folded.contains(' ') {
        return None;
    }
    civility_of_token(&folded)
}

/// The civility a folded token spells, if any.
fn civility_of_token(token: &str) -> Option<Civility> {
    Some(match token {
        "m" | "mr" | "monsieur" => Civility::Monsieur,
        "mme" | "madame" | "mrs" | "ms" => Civility::Madame,
        // "melle" is the most frequent misspelling of "Mlle".
        "mlle" | "melle" | "mademoiselle" | "miss" => Civility::Mademoiselle,
        "dr" | "docteur" => Civility::Docteur,
        "me" | "maitre" => Civility::Maitre,
        _ => return None,
    })
}

/// Leading family-name particles. `der`/`den` follow `van`/`von`; `l` is the
/// elided `le` of `L'Hermite`.
pub(crate) fn is_particle(token: &str) -> bool {
    matches!(
        token,
        "de" | "du"
            | "des"
            | "d"
            | "l"
            | "le"
            | "la"
            | "van"
            | "von"
            | "der"
            | "den"
            | "da"
            | "das"
            | "do"
            | "dos"
            | "del"
            | "della"
            | "di"
            | "ten"
            | "ter"
    )
}

/// Words that start a further family name: the birth name after `née`, the
/// married name after `épouse`/`ép.`, the late husband's after `veuve`.
fn is_family_marker(token: &str) -> bool {
    matches!(token, "nee" | "epouse" | "ep" | "epse" | "veuve" | "vve")
}

/// How strongly the given-name list marks a name as a given name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum GivenEvidence {
    /// A given name, rarely a family name.
    Given,
    /// A given name that is also a frequent family name (Martin).
    AlsoFamily,
}

/// The curated given names (`data/given_names.txt`), parsed once.
static GIVEN_NAMES: LazyLock<StaticTable<GivenEvidence>> = LazyLock::new(|| {
    table_rows(include_str!("../../data/given_names.txt"))
        .map(|(name, mark)| {
            let evidence = if mark == "family" {
                GivenEvidence::AlsoFamily
            } else {
                GivenEvidence::Given
            };
            (name, evidence)
        })
        .collect()
});

/// Whether a folded single word is in the curated given-name list
/// (`data/given_names.txt`): the clustering guards tell a name's feminine
/// form (`martine` for `martin`) from a typo (`paulett`) by it.
pub(crate) fn is_listed_given_name(word: &str) -> bool {
    GIVEN_NAMES.get(word).is_some()
}

/// Civilities found in name fields: none, one, or a couple (`M. et Mme`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Found {
    Nothing,
    One(Civility),
    Couple,
}

impl Found {
    /// Keeps the first civility found, unless it was a couple.
    fn add(&mut self, other: Found) {
        if *self == Found::Nothing {
            *self = other;
        }
    }

    fn civility(self) -> Option<Civility> {
        match self {
            Found::One(c) => Some(c),
            Found::Nothing | Found::Couple => None,
        }
    }
}

/// How many leading tokens are civilities (`mme`, `m et mme`), and which.
/// In a given name a lone last `m` is an initial (`M`), not `M.`; elsewhere
/// (`M. Dupont`, a family name of `M.`) it is a civility.
fn leading_civilities(tokens: &[&str], lone_m_is_initial: bool) -> (usize, Found) {
    let is_civility = |i: usize| -> Option<Civility> {
        let token = tokens.get(i)?;
        if lone_m_is_initial && *token == "m" && i + 1 == tokens.len() {
            return None;
        }
        civility_of_token(token)
    };
    let (mut i, mut found) = (0, Found::Nothing);
    loop {
        if let Some(c) = is_civility(i) {
            if found == Found::Nothing {
                found = Found::One(c);
            }
            i += 1;
        } else if i > 0
            && matches!(tokens.get(i), Some(&("et" | "ou")))
            && is_civility(i + 1).is_some()
        {
            found = Found::Couple;
            i += 1;
        } else {
            return (i, found);
        }
    }
}

/// Whether an ASCII byte separates the raw words of a name value: whitespace
/// as `char::is_whitespace` reads it (vertical tab included), and commas.
fn is_ascii_word_separator(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b',')
}

/// One folded word of a raw name value, with what its raw spelling said.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
struct Token {
    /// Byte range in the folded buffer.
    start: u32,
    end: u32,
    /// Index of the raw word (`Jean-François` is one word, two tokens).
    word: u32,
    /// The raw word was in capitals (two or more upper-case letters, no lower).
    caps: bool,
    /// The raw word had lower-case letters.
    lower: bool,
    /// A comma followed this token in the raw value.
    comma_after: bool,
}

/// A raw name value folded into tokens, at most [`MAX_TOKENS`]. Reused across
/// values so a record folds into one buffer.
struct Tokenized {
    buf: ScratchBuffer,
    tokens: [Token; MAX_TOKENS],
    len: usize,
}

impl Tokenized {
    fn new() -> Self {
        Tokenized {
            buf: ScratchBuffer::take(),
            tokens: [Token::default(); MAX_TOKENS],
            len: 0,
        }
    }

    /// Folds `raw` into tokens. Whitespace and commas separate raw words;
    /// folding splits a raw word into tokens at its punctuation
    /// (`Jean-François` is one word, two tokens). Tokens without a letter
    /// (`2`, `1980`) are dropped: names have none.
    ///
    /// One pass over the bytes counts each raw word's capitals and folds it
    /// (ASCII bytes inline, other characters decoded); the word's tokens are
    /// then read off the folded buffer. Names are a third of normalizing a
    /// record and this pass most of them: counting, folding and splitting
    /// in separate passes cost a sixth more per record.
    /// `tokenize_by_words` (tests) is the plain reading it must agree with.
    fn tokenize(&mut self, raw: &str) {
        self.buf.clear();
        self.len = 0;
        let bytes = raw.as_bytes();
        let mut word = 0u32;
        // Where the current raw word's folded text starts; `None` between
        // words.
        let mut word_from: Option<usize> = None;
        let (mut upper, mut lower) = (0u32, 0u32);
        let mut pending_space = false;
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            // Non-ASCII text is decoded once: `None` for an ASCII byte.
            let decoded = if b.is_ascii() {
                None
            } else {
                // `i` only ever stops at character boundaries.
                let Some(c) = raw.get(i..).and_then(|rest| rest.chars().next()) else {
                    break;
                };
                Some(c)
            };
            let (separator, comma, width) = match decoded {
                None => (is_ascii_word_separator(b), b == b',', 1),
                Some(c) => (c.is_whitespace(), false, c.len_utf8()),
            };
            if separator {
                if let Some(from) = word_from.take() {
                    self.end_word(from, word, upper, lower);
                    word = word.wrapping_add(1);
                    if self.len >= MAX_TOKENS {
                        return;
                    }
                }
                if comma && self.len > 0 {
                    self.tokens[self.len - 1].comma_after = true;
                }
                i += width;
                continue;
            }
            if word_from.is_none() {
                word_from = Some(self.buf.len());
                (upper, lower) = (0, 0);
                pending_space = !self.buf.is_empty();
            }
            match decoded {
                None => {
                    upper += u32::from(b.is_ascii_uppercase());
                    lower += u32::from(b.is_ascii_lowercase());
                    fold_ascii_byte(b, &mut self.buf, &mut pending_space);
                }
                Some(c) => {
                    if c.is_uppercase() {
                        upper += 1;
                    } else if c.is_lowercase() {
                        lower += 1;
                    }
                    fold_one_char(c, &mut self.buf, &mut pending_space);
                }
            }
            i += width;
        }
        if let Some(from) = word_from {
            self.end_word(from, word, upper, lower);
        }
    }

    /// Reads the tokens of the raw word folded into `buf[from..]`, at most
    /// up to [`MAX_TOKENS`], with what its `upper` and `lower` case letters
    /// say.
    fn end_word(&mut self, from: usize, word: u32, upper: u32, lower: u32) {
        let bytes = self.buf.as_bytes();
        let mut pos = from;
        while pos < bytes.len() && self.len < MAX_TOKENS {
            if bytes[pos] == b' ' {
                pos += 1;
                continue;
            }
            let end = bytes[pos..]
                .iter()
                .position(|&b| b == b' ')
                .map_or(bytes.len(), |n| pos + n);
            let token = &self.buf[pos..end];
            if token.bytes().any(|b| b.is_ascii_alphabetic())
                || (!token.is_ascii() && token.chars().any(char::is_alphabetic))
            {
                self.tokens[self.len] = Token {
                    start: pos as u32,
                    end: end as u32,
                    word,
                    caps: upper >= 2 && lower == 0,
                    lower: lower > 0,
                    comma_after: false,
                };
                self.len += 1;
            }
            pos = end;
        }
    }

    /// Writes the tokens' text to the caller's array (no allocation per
    /// token; filled in place, since returning the array by value copied
    /// it twice) and gives their number.
    fn texts<'a>(&'a self, texts: &mut [&'a str; MAX_TOKENS]) -> usize {
        for (text, t) in texts.iter_mut().zip(&self.tokens[..self.len]) {
            *text = &self.buf[t.start as usize..t.end as usize];
        }
        self.len
    }
}

/// A given name ready to be paired.
#[derive(PartialEq, Eq, Default)]
struct GivenForm {
    given: CompactString,
    canonical: CompactString,
    initials: CompactString,
}

/// A family name ready to be paired.
#[derive(PartialEq, Eq, Default)]
struct FamilyForm {
    family: CompactString,
    particles: CompactString,
}

/// Appends `tokens` to `out`, separated by single spaces.
fn push_joined(out: &mut String, tokens: &[&str]) {
    for token in tokens {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(token);
    }
}

/// The given form of folded given-name tokens: nicknames resolved to their
/// primary reading, runs of single letters read as initials (`j f` → `jf` →
/// `jean francois` when the table knows them).
///
/// Each string is built in `scratch` (a reused buffer) and stored once at its
/// final length: `CompactString`'s own `push` costs more per call than
/// `String`'s.
fn given_form(tokens: &[&str], scratch: &mut String) -> Option<GivenForm> {
    if tokens.is_empty() {
        return None;
    }
    scratch.clear();
    push_joined(scratch, tokens);
    let given = CompactString::new(scratch.as_str());
    scratch.clear();
    let canonical = &mut *scratch;
    let mut i = 0;
    while i < tokens.len() {
        let run = tokens[i..]
            .iter()
            .take_while(|t| t.chars().nth(1).is_none())
            .count();
        if run >= 2 {
            // Inline up to 24 bytes: a run of initials rarely allocates.
            let mut letters = CompactString::with_capacity(run * 2);
            for t in &tokens[i..i + run] {
                letters.push_str(t);
            }
            match canonical_given(&letters).first() {
                Some(reading) => push_joined(canonical, &[reading]),
                None => push_joined(canonical, &tokens[i..i + run]),
            }
            i += run;
        } else {
            let token = tokens[i];
            let reading = canonical_given(token).first().copied().unwrap_or(token);
            push_joined(canonical, &[reading]);
            i += 1;
        }
    }
    // The initials are appended to the same buffer, after the canonical
    // form: the first character of each word, on bytes (a word starts after
    // a space, and only a non-ASCII initial needs decoding).
    let end = canonical.len();
    let mut word_start = true;
    for i in 0..end {
        let Some(&b) = canonical.as_bytes().get(i) else {
            break;
        };
        if b == b' ' {
            word_start = true;
        } else if word_start {
            word_start = false;
            if b.is_ascii() {
                canonical.push(char::from(b));
            } else if let Some(c) = canonical.get(i..end).and_then(|rest| rest.chars().next()) {
                canonical.push(c);
            }
        }
    }
    // `end` was the length of the text before the initials: a boundary.
    let (canonical, initials) = canonical.split_at(end);
    Some(GivenForm {
        given,
        canonical: CompactString::new(canonical),
        initials: CompactString::new(initials),
    })
}

/// The family form of folded family-name tokens: leading particles set aside,
/// unless the name is nothing but particles (`Le`, `Da`).
/// Built in `scratch`, as [`given_form`] does.
fn family_form(tokens: &[&str], scratch: &mut String) -> Option<FamilyForm> {
    if tokens.is_empty() {
        return None;
    }
    let mut split = tokens.iter().take_while(|t| is_particle(t)).count();
    if split == tokens.len() {
        split = 0;
    }
    scratch.clear();
    push_joined(scratch, &tokens[..split]);
    let particles = CompactString::new(scratch.as_str());
    scratch.clear();
    push_joined(scratch, &tokens[split..]);
    let family = CompactString::new(scratch.as_str());
    Some(FamilyForm { family, particles })
}

/// Distinct forms, at most [`MAX_NAMES`]. A record gives one or two: the
/// first is held inline and the others in a vector that allocates only when
/// a second form comes (an array of [`MAX_NAMES`] forms cost more to fill
/// and drop than the one form it held).
struct Forms<T> {
    first: Option<T>,
    rest: Vec<T>,
}

impl<T: PartialEq> Forms<T> {
    fn new() -> Self {
        Forms {
            first: None,
            rest: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    /// Keeps `form` unless it is already there or the forms are full.
    fn push(&mut self, form: Option<T>) {
        let Some(form) = form else {
            return;
        };
        match &self.first {
            None => self.first = Some(form),
            Some(first) => {
                if self.len() < MAX_NAMES && *first != form && !self.rest.contains(&form) {
                    self.rest.push(form);
                }
            }
        }
    }

    /// The `i`-th form, in the order they came.
    fn get(&self, i: usize) -> Option<&T> {
        match i.checked_sub(1) {
            None => self.first.as_ref(),
            Some(j) => self.rest.get(j),
        }
    }

    /// Moves the first form out (the one-name fast path).
    fn take_first(&mut self) -> Option<T> {
        self.first.take()
    }
}

/// Everything gathered from a record's name fields.
struct Gathered {
    found: Found,
    givens: Forms<GivenForm>,
    families: Forms<FamilyForm>,
    /// Where each form's strings are built (see [`given_form`]).
    scratch: ScratchBuffer,
}

impl Gathered {
    /// Given-name tokens: leading civilities removed.
    fn add_given(&mut self, tokens: &[&str]) {
        let (skip, found) = leading_civilities(tokens, true);
        self.found.add(found);
        self.givens
            .push(given_form(&tokens[skip..], &mut self.scratch));
    }

    /// Family-name tokens: split at `née`/`épouse`, leading civilities removed.
    fn add_family(&mut self, tokens: &[&str]) {
        for segment in tokens.split(|t| is_family_marker(t)) {
            let (skip, found) = leading_civilities(segment, false);
            self.found.add(found);
            self.families
                .push(family_form(&segment[skip..], &mut self.scratch));
        }
    }

    /// A one-field full name (see the module docs for the order of evidence).
    fn add_full(&mut self, texts: &[&str], meta: &[Token]) {
        let (skip, found) = leading_civilities(texts, false);
        self.found.add(found);
        let (mut texts, mut meta) = (&texts[skip..], &meta[skip..]);
        // A civility written last (`DUPONT Marie (Mme)`); a last `M` is an initial.
        while let [rest @ .., last] = texts {
            match civility_of_token(last) {
                Some(c) if *last != "m" && !rest.is_empty() => {
                    self.found.add(Found::One(c));
                    texts = rest;
                    meta = &meta[..rest.len()];
                }
                _ => break,
            }
        }
        let main = texts
            .iter()
            .position(|t| is_family_marker(t))
            .unwrap_or(texts.len());
        let (extra, texts, meta) = (&texts[main..], &texts[..main], &meta[..main]);
        let roles = assign_roles(texts, meta);
        let mut given = [""; MAX_TOKENS];
        let mut family = [""; MAX_TOKENS];
        let (mut n_given, mut n_family) = (0, 0);
        for (text, role) in texts.iter().zip(roles) {
            match role {
                Role::Given => {
                    given[n_given] = text;
                    n_given += 1;
                }
                Role::Family => {
                    family[n_family] = text;
                    n_family += 1;
                }
            }
        }
        self.add_given(&given[..n_given]);
        self.add_family(&family[..n_family]);
        // The names after `née`/`épouse`, after the main one.
        if let Some((_, extra)) = extra.split_first() {
            self.add_family(extra);
        }
    }
}

/// Which part of a full name a token belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Given,
    Family,
}

/// A raw word of a full name: its token range and what it tells.
#[derive(Clone, Copy, Default)]
struct Word {
    start: usize,
    end: usize,
    particle: bool,
    initials: bool,
    caps: bool,
    lower: bool,
    comma_after: bool,
}

/// Splits the words of a full name into given and family parts.
fn assign_roles(texts: &[&str], meta: &[Token]) -> [Role; MAX_TOKENS] {
    let mut roles = [Role::Family; MAX_TOKENS];
    let mut words = [Word::default(); MAX_TOKENS];
    let mut n = 0;
    let mut i = 0;
    while i < texts.len() {
        let end = i + meta[i..]
            .iter()
            .take_while(|t| t.word == meta[i].word)
            .count();
        let tokens = &texts[i..end];
        let single_letters = tokens.iter().all(|t| t.chars().nth(1).is_none());
        let known_abbreviation =
            tokens.len() == 1 && tokens[0].len() == 2 && !canonical_given(tokens[0]).is_empty();
        words[n] = Word {
            start: i,
            end,
            particle: tokens.iter().all(|t| is_particle(t)),
            initials: single_letters || known_abbreviation,
            caps: meta[i].caps,
            lower: meta[i].lower,
            comma_after: meta[end - 1].comma_after,
        };
        n += 1;
        i = end;
    }
    let words = &words[..n];
    let mut word_roles = [Role::Family; MAX_TOKENS];
    decide_word_roles(texts, words, &mut word_roles[..n]);
    for (word, role) in words.iter().zip(word_roles) {
        roles[word.start..word.end].fill(role);
    }
    roles
}

fn decide_word_roles(texts: &[&str], words: &[Word], roles: &mut [Role]) {
    let n = words.len();
    if n == 0 {
        return;
    }
    let evidence = |w: &Word| -> i32 {
        if w.initials {
            2
        } else {
            word_evidence(&texts[w.start..w.end])
        }
    };

    // 3. A comma (not after the last word): family name first.
    if let Some(k) = words[..n - 1].iter().position(|w| w.comma_after) {
        for (j, role) in roles.iter_mut().enumerate() {
            *role = if j <= k { Role::Family } else { Role::Given };
        }
        return;
    }

    // 4. Capitals against lower case.
    let evidence_word = |w: &&Word| !w.particle && !w.initials;
    let caps = words
        .iter()
        .filter(evidence_word)
        .filter(|w| w.caps)
        .count();
    let lower = words
        .iter()
        .filter(evidence_word)
        .filter(|w| !w.caps && w.lower)
        .count();
    if caps > 0 && lower > 0 {
        let mut next = Role::Family;
        for j in (0..n).rev() {
            let w = &words[j];
            roles[j] = if w.particle {
                next
            } else if w.initials || !w.caps {
                Role::Given
            } else {
                Role::Family
            };
            next = roles[j];
        }
        return;
    }

    // 5. A particle starts the family name.
    if n == 1 {
        roles[0] = if evidence(&words[0]) == 2 {
            Role::Given
        } else {
            Role::Family
        };
        return;
    }
    if let Some(p) = words.iter().position(|w| w.particle) {
        if p == 0 {
            // `de la Fontaine Jean`: the particles and the word after them.
            let family_end = words.iter().position(|w| !w.particle).map_or(n, |j| j + 1);
            for (j, role) in roles.iter_mut().enumerate() {
                *role = if j < family_end {
                    Role::Family
                } else {
                    Role::Given
                };
            }
        } else {
            for (j, role) in roles.iter_mut().enumerate() {
                *role = if j < p { Role::Given } else { Role::Family };
            }
        }
        return;
    }

    // 5–6. The given-name list: score every split, family-first on ties.
    let mut prefix = [0i32; MAX_TOKENS + 1];
    for (j, w) in words.iter().enumerate() {
        prefix[j + 1] = prefix[j] + evidence(w);
    }
    let total = prefix[n];
    // (score, given_first, k): the first k words form the first part.
    let mut best = (i32::MIN, false, 1);
    // `first` is the evidence of the first k words; family-first splits are
    // tried first, so they win ties.
    for (k, &first) in prefix.iter().enumerate().take(n).skip(1) {
        let score = (total - first) - first;
        if score > best.0 {
            best = (score, false, k);
        }
    }
    for (k, &first) in prefix.iter().enumerate().take(n).skip(1).rev() {
        let score = first - (total - first);
        if score > best.0 {
            best = (score, true, k);
        }
    }
    let (_, given_first, k) = best;
    let (first, second) = if given_first {
        (Role::Given, Role::Family)
    } else {
        (Role::Family, Role::Given)
    };
    for (j, role) in roles.iter_mut().enumerate() {
        *role = if j < k { first } else { second };
    }
}

/// How much a word looks like a given name: 2 known given name (or nickname,
/// or initial), 1 given name that is also a frequent family name, -1 unknown.
fn word_evidence(tokens: &[&str]) -> i32 {
    let given_names: &StaticTable<GivenEvidence> = &GIVEN_NAMES;
    let mut weakest = 2;
    for token in tokens {
        let score = if token.chars().nth(1).is_none() || !canonical_given(token).is_empty() {
            2
        } else {
            match given_names.get(token) {
                Some(GivenEvidence::Given) => 2,
                Some(GivenEvidence::AlsoFamily) => 1,
                None => -1,
            }
        };
        weakest = weakest.min(score);
    }
    weakest
}

/// Normalizes the name fields of a record into person names and a civility.
///
/// `civility` is the record's civility field; when it gives none, the first
/// civility found in the name fields is kept. Given names are crossed with
/// family names (see the [module docs](self)); empty input gives no names.
///
/// ```
/// use omnicanal::normalize::name::{normalize_names, Civility};
/// let (civility, names) = normalize_names(None, &[], &[], &["Mme DUPONT Marie".into()]);
/// assert_eq!(civility, Some(Civility::Madame));
/// assert_eq!((names[0].given.as_str(), names[0].family.as_str()), ("marie", "dupont"));
///
/// let (_, names) = normalize_names(Some("M."), &["J-F".into()], &["de la Fontaine".into()], &[]);
/// assert_eq!(names[0].given_canonical, "jean francois");
/// assert_eq!(names[0].initials, "jf");
/// assert_eq!((names[0].particles.as_str(), names[0].family.as_str()), ("de la", "fontaine"));
/// ```
pub fn normalize_names(
    civility: Option<&str>,
    given_names: &[String],
    family_names: &[String],
    full_names: &[String],
) -> (Option<Civility>, Names) {
    let mut gathered = Gathered {
        found: Found::Nothing,
        givens: Forms::new(),
        families: Forms::new(),
        scratch: ScratchBuffer::take(),
    };
    let mut tokenized = Tokenized::new();
    for raw in given_names.iter().take(MAX_NAMES) {
        tokenized.tokenize(raw);
        let mut texts = [""; MAX_TOKENS];
        let n = tokenized.texts(&mut texts);
        gathered.add_given(&texts[..n]);
    }
    for raw in family_names.iter().take(MAX_NAMES) {
        tokenized.tokenize(raw);
        let mut texts = [""; MAX_TOKENS];
        let n = tokenized.texts(&mut texts);
        gathered.add_family(&texts[..n]);
    }
    for raw in full_names.iter().take(MAX_NAMES) {
        tokenized.tokenize(raw);
        let mut texts = [""; MAX_TOKENS];
        let n = tokenized.texts(&mut texts);
        gathered.add_full(&texts[..n], &tokenized.tokens[..n]);
    }

    let civility = civility
        .and_then(parse_civility)
        .or_else(|| gathered.found.civility());
    let Gathered {
        givens, families, ..
    } = &mut gathered;
    if givens.len() == 0 && families.len() == 0 {
        return (civility, Names::new());
    }
    // A missing side pairs as one empty form, so a lone family name still
    // gives a name.
    let (n_given, n_family) = (givens.len().max(1), families.len().max(1));
    if n_given * n_family == 1 {
        // The usual record, one given and one family name: move, don't copy.
        let mut name = PersonName::default();
        if let Some(g) = givens.take_first() {
            name.given = g.given;
            name.given_canonical = g.canonical;
            name.initials = g.initials;
        }
        if let Some(f) = families.take_first() {
            name.family = f.family;
            name.particles = f.particles;
        }
        // Held inline: no allocation.
        return (civility, smallvec::smallvec![name]);
    }
    let mut names = Names::with_capacity((n_given * n_family).min(MAX_NAMES));
    'outer: for family in (0..n_family).map(|i| families.get(i)) {
        for given in (0..n_given).map(|i| givens.get(i)) {
            if names.len() == MAX_NAMES {
                break 'outer;
            }
            let mut name = PersonName::default();
            if let Some(g) = given {
                name.given.clone_from(&g.given);
                name.given_canonical.clone_from(&g.canonical);
                name.initials.clone_from(&g.initials);
            }
            if let Some(f) = family {
                name.family.clone_from(&f.family);
                name.particles.clone_from(&f.particles);
            }
            names.push(name);
        }
    }
    (civility, names)
}

/// Whether two names' given names may be the same person's: the same
/// canonical given name, a nickname or abbreviation of the other under any of
/// its readings (`jm` is `jean marc`, `jean michel` or `jean marie`), or one
/// given as initials only that match the other's initials (`J.` and `Jean`,
/// `J F` and `Jean-François`).
///
/// A missing given name is never equivalent: absence is not agreement. A
/// compound name and one of its parts (`Jean` and `Jean-Pierre`) are not
/// equivalent; string similarity is the comparison stage's job. Symmetric.
///
/// ```
/// use omnicanal::normalize::name::{given_names_equivalent, normalize_names};
/// let name = |given: &str| normalize_names(None, &[given.into()], &[], &[]).1.remove(0);
/// assert!(given_names_equivalent(&name("Fred"), &name("Frédéric")));
/// assert!(given_names_equivalent(&name("J."), &name("Jean")));
/// assert!(given_names_equivalent(&name("JM"), &name("Jean-Michel")));
/// assert!(!given_names_equivalent(&name("Jean"), &name("Jean-Pierre")));
/// assert!(!given_names_equivalent(&name("Marie"), &name("Martine")));
/// ```
pub fn given_names_equivalent(a: &PersonName, b: &PersonName) -> bool {
    if a.given_canonical.is_empty() || b.given_canonical.is_empty() {
        return false;
    }
    if a.given_canonical == b.given_canonical {
        return true;
    }
    if initials_match(a, b) || initials_match(b, a) {
        return true;
    }
    readings(a).any(|x| readings(b).any(|y| x == y))
}

/// Every reading of a name's given name: its canonical form, and each reading
/// of it as a nickname, as written or, for initials, run together
/// (`j m` → `jm`).
fn readings(p: &PersonName) -> impl Iterator<Item = &str> {
    let letters = if p.given.split(' ').all(|t| t.chars().nth(1).is_none()) {
        p.initials.as_str()
    } else {
        ""
    };
    std::iter::once(p.given_canonical.as_str())
        .chain(canonical_given(&p.given).iter().copied())
        .chain(canonical_given(letters).iter().copied())
}

/// `short` is written as initials only and they begin `long`'s initials.
/// Allocates nothing: the comparison stage calls this once per candidate pair.
fn initials_match(short: &PersonName, long: &PersonName) -> bool {
    if short.given.is_empty() {
        return false;
    }
    let mut long_initials = long.initials.chars();
    short.given.split(' ').all(|token| {
        let mut chars = token.chars();
        match (chars.next(), chars.next()) {
            (Some(initial), None) => long_initials.next() == Some(initial),
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    /// (given, family) of each name of a full name.
    fn split(full: &str) -> Vec<(String, String)> {
        normalize_names(None, &[], &[], &s(&[full]))
            .1
            .into_iter()
            .map(|p| {
                let family = if p.particles.is_empty() {
                    p.family.to_string()
                } else {
                    format!("{} {}", p.particles, p.family)
                };
                (p.given.to_string(), family)
            })
            .collect()
    }

    fn pair(given: &str, family: &str) -> Vec<(String, String)> {
        vec![(given.to_string(), family.to_string())]
    }

    #[test]
    fn civilities() {
        use Civility::*;
        for (raw, want) in [
            ("M.", Monsieur),
            ("M", Monsieur),
            ("mr", Monsieur),
            ("MONSIEUR", Monsieur),
            ("Mme", Madame),
            ("Madame", Madame),
            ("Mrs.", Madame),
            ("Ms", Madame),
            ("Mlle", Mademoiselle),
            ("Melle", Mademoiselle),
            ("Mademoiselle", Mademoiselle),
            ("MISS", Mademoiselle),
            ("Dr.", Docteur),
            ("Docteur", Docteur),
            ("Me", Maitre),
            ("Maître", Maitre),
            (" MAÎTRE. ", Maitre),
        ] {
            assert_eq!(parse_civility(raw), Some(want), "{raw}");
        }
        for raw in [
            "",
            "Dupont",
            "M. et Mme",
            "Mme Dupont",
            "Mx",
            "Pr",
            "Mademoiselle Mademoiselle",
        ] {
            assert_eq!(parse_civility(raw), None, "{raw}");
        }
    }

    #[test]
    fn civility_is_taken_out_of_full_names() {
        let (c, names) = normalize_names(None, &[], &[], &s(&["Mme Dupont Marie"]));
        assert_eq!(c, Some(Civility::Madame));
        assert_eq!(names[0].given, "marie");
        assert_eq!(names[0].family, "dupont");

        let (c, names) = normalize_names(None, &[], &[], &s(&["M. Jean-Francois Lefevre"]));
        assert_eq!(c, Some(Civility::Monsieur));
        assert_eq!(names[0].given, "jean francois");
        assert_eq!(names[0].initials, "jf");
        assert_eq!(names[0].family, "lefevre");

        // The civility field wins over the one in the name.
        let (c, _) = normalize_names(Some("Mlle"), &[], &[], &s(&["Mme Dupont"]));
        assert_eq!(c, Some(Civility::Mademoiselle));
        // A couple names no single civility.
        let (c, names) = normalize_names(None, &[], &[], &s(&["M. et Mme DUPONT"]));
        assert_eq!(c, None);
        assert_eq!(names[0].family, "dupont");
        // Written last.
        let (c, names) = normalize_names(None, &[], &[], &s(&["DUPONT Marie (Mme)"]));
        assert_eq!(c, Some(Civility::Madame));
        assert_eq!(
            (names[0].given.as_str(), names[0].family.as_str()),
            ("marie", "dupont")
        );
        assert_eq!(split("Dupont M"), pair("m", "dupont"));
        // Glued to the name, in the given-name field, or in the family field.
        assert_eq!(split("M.DUPONT"), pair("", "dupont"));
        let (c, names) = normalize_names(None, &s(&["Mme Marie"]), &s(&["Mme Dupont"]), &[]);
        assert_eq!(c, Some(Civility::Madame));
        assert_eq!(
            (names[0].given.as_str(), names[0].family.as_str()),
            ("marie", "dupont")
        );
        // A lone M is an initial.
        let (c, names) = normalize_names(None, &s(&["M"]), &s(&["Dupont"]), &[]);
        assert_eq!(c, None);
        assert_eq!(names[0].given, "m");
    }

    #[test]
    fn full_name_order_from_capitals_and_commas() {
        assert_eq!(split("DUPONT Marie"), pair("marie", "dupont"));
        assert_eq!(split("Marie DUPONT"), pair("marie", "dupont"));
        assert_eq!(
            split("Jean-Marc DE LA FONTAINE"),
            pair("jean marc", "de la fontaine")
        );
        assert_eq!(
            split("DUPONT-DURAND Marie Claire"),
            pair("marie claire", "dupont durand")
        );
        assert_eq!(split("Dupont, Marie"), pair("marie", "dupont"));
        assert_eq!(split("Martin, Pierre"), pair("pierre", "martin"));
        assert_eq!(split("Thomas,Bernard"), pair("bernard", "thomas"));
        // Initials in capitals are not a family name.
        assert_eq!(split("JF Dupont"), pair("jf", "dupont"));
        assert_eq!(split("DUPONT J."), pair("j", "dupont"));
        // A comma after the last word says nothing.
        assert_eq!(split("marie dupont,"), pair("marie", "dupont"));
    }

    #[test]
    fn full_name_order_from_the_given_name_list() {
        assert_eq!(split("marie dupont"), pair("marie", "dupont"));
        assert_eq!(split("dupont marie"), pair("marie", "dupont"));
        assert_eq!(split("MARIE DUPONT"), pair("marie", "dupont"));
        assert_eq!(split("Pierre Martin"), pair("pierre", "martin"));
        assert_eq!(split("Martin Pierre"), pair("pierre", "martin"));
        assert_eq!(split("Jean Pierre Martin"), pair("jean pierre", "martin"));
        assert_eq!(split("Dupont Marie Claire"), pair("marie claire", "dupont"));
        assert_eq!(split("Kowalski Anna"), pair("anna", "kowalski"));
        assert_eq!(split("Mohamed Benali"), pair("mohamed", "benali"));
        assert_eq!(split("Fred Dupont"), pair("fred", "dupont"));
        // Default when the list cannot tell: family name first.
        assert_eq!(split("Thomas Bernard"), pair("bernard", "thomas"));
        assert_eq!(split("Nkem Okafor"), pair("okafor", "nkem"));
        // One word.
        assert_eq!(split("Marie"), pair("marie", ""));
        assert_eq!(split("Mme Martin"), pair("", "martin"));
        assert_eq!(split("Dupont"), pair("", "dupont"));
    }

    #[test]
    fn module_docs_table() {
        let one = |full: &str| {
            let (c, names) = normalize_names(None, &[], &[], &s(&[full]));
            let names: Vec<_> = names
                .into_iter()
                .map(|p| {
                    [
                        p.given,
                        p.given_canonical,
                        p.initials,
                        p.particles,
                        p.family,
                    ]
                })
                .collect();
            (c, names)
        };
        let row = |v: [&str; 5]| v.map(CompactString::from);
        assert_eq!(
            one("M. Jean-François LEFÈVRE"),
            (
                Some(Civility::Monsieur),
                vec![row(["jean francois", "jean francois", "jf", "", "lefevre"])]
            )
        );
        assert_eq!(
            one("Dupont, J-F"),
            (
                None,
                vec![row(["j f", "jean francois", "jf", "", "dupont"])]
            )
        );
        assert_eq!(
            one("Fred de la Fontaine"),
            (
                None,
                vec![row(["fred", "frederic", "f", "de la", "fontaine"])]
            )
        );
        assert_eq!(
            one("Mme Durand née Dupont"),
            (
                Some(Civility::Madame),
                vec![
                    row(["", "", "", "", "durand"]),
                    row(["", "", "", "", "dupont"])
                ]
            )
        );
    }

    #[test]
    fn particles() {
        assert_eq!(split("Jean de la Fontaine"), pair("jean", "de la fontaine"));
        assert_eq!(split("de la Fontaine Jean"), pair("jean", "de la fontaine"));
        assert_eq!(split("Marie Le Gall"), pair("marie", "le gall"));
        let family = |raw: &str| {
            let (_, names) = normalize_names(None, &[], &s(&[raw]), &[]);
            (names[0].particles.clone(), names[0].family.clone())
        };
        assert_eq!(
            family("de la Fontaine"),
            ("de la".into(), "fontaine".into())
        );
        assert_eq!(family("D'Almeida"), ("d".into(), "almeida".into()));
        assert_eq!(family("DA SILVA"), ("da".into(), "silva".into()));
        assert_eq!(family("van der Berg"), ("van der".into(), "berg".into()));
        assert_eq!(family("Le"), ("".into(), "le".into()));
        assert_eq!(family("Da"), ("".into(), "da".into()));
        assert_eq!(
            family("Dupont de Nemours"),
            ("".into(), "dupont de nemours".into())
        );
    }

    #[test]
    fn given_names_canonical_and_initials() {
        let given = |raw: &str| {
            let (_, names) = normalize_names(None, &s(&[raw]), &[], &[]);
            let p = &names[0];
            (
                p.given.clone(),
                p.given_canonical.clone(),
                p.initials.clone(),
            )
        };
        let g = |a: &str, b: &str, c: &str| (a.into(), b.into(), c.into());
        assert_eq!(
            given("Jean-François"),
            g("jean francois", "jean francois", "jf")
        );
        assert_eq!(given("J-F"), g("j f", "jean francois", "jf"));
        assert_eq!(given("JF"), g("jf", "jean francois", "jf"));
        assert_eq!(given("J.F."), g("j f", "jean francois", "jf"));
        assert_eq!(given("Fred"), g("fred", "frederic", "f"));
        assert_eq!(given("Manu"), g("manu", "emmanuel", "e"));
        assert_eq!(given("Bob"), g("bob", "robert", "r"));
        assert_eq!(
            given("Marie Cathy"),
            g("marie cathy", "marie catherine", "mc")
        );
        assert_eq!(given("J. K."), g("j k", "j k", "jk"));
        assert_eq!(given("Zoé"), g("zoe", "zoe", "z"));
    }

    #[test]
    fn birth_and_married_names_give_several_names() {
        let (c, names) = normalize_names(None, &[], &[], &s(&["Mme Marie Durand née Dupont"]));
        assert_eq!(c, Some(Civility::Madame));
        let got: Vec<_> = names
            .iter()
            .map(|p| (p.given.as_str(), p.family.as_str()))
            .collect();
        assert_eq!(got, [("marie", "durand"), ("marie", "dupont")]);

        let (_, names) = normalize_names(
            None,
            &s(&["Marie", "Marie-Claire"]),
            &s(&["Dupont", "Durand"]),
            &[],
        );
        let got: Vec<_> = names
            .iter()
            .map(|p| (p.given.as_str(), p.family.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("marie", "dupont"),
                ("marie claire", "dupont"),
                ("marie", "durand"),
                ("marie claire", "durand")
            ]
        );
        let (_, names) = normalize_names(None, &s(&["Marie"]), &s(&["Durand ép. Dupont"]), &[]);
        assert_eq!(names.len(), 2);
        assert_eq!(names[1].family, "dupont");
        // Duplicates across fields collapse.
        let (_, names) = normalize_names(
            None,
            &s(&["Marie"]),
            &s(&["DUPONT"]),
            &s(&["Mme Dupont Marie"]),
        );
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn bounded_and_empty() {
        assert_eq!(normalize_names(None, &[], &[], &[]), (None, Names::new()));
        assert_eq!(
            normalize_names(Some("Mme"), &s(&["", " "]), &s(&["-"]), &s(&["Mme"])).1,
            Names::new()
        );
        let many: Vec<String> = (0..20)
            .map(|i| format!("Prenom{}", "a".repeat(i + 1)))
            .collect();
        let (_, names) = normalize_names(None, &many, &many, &many);
        assert_eq!(names.len(), MAX_NAMES);
        let long = "a ".repeat(100);
        let (_, names) = normalize_names(None, &s(&[&long]), &[], &[]);
        assert_eq!(names[0].given.split(' ').count(), MAX_TOKENS);
        // Digits are not names.
        assert_eq!(split("Dupont 2"), pair("", "dupont"));
    }

    #[test]
    fn given_name_equivalence() {
        let name = |given: &str| {
            normalize_names(None, &s(&[given]), &s(&["Dupont"]), &[])
                .1
                .remove(0)
        };
        assert!(given_names_equivalent(&name("Fred"), &name("Frédéric")));
        assert!(given_names_equivalent(&name("Fredo"), &name("Fred")));
        assert!(given_names_equivalent(&name("Max"), &name("Maximilien")));
        assert!(given_names_equivalent(&name("Alex"), &name("Alexis")));
        assert!(given_names_equivalent(
            &name("J.-F."),
            &name("Jean-François")
        ));
        assert!(given_names_equivalent(&name("JF"), &name("Jeff")));
        assert!(given_names_equivalent(&name("J"), &name("Jean-Pierre")));
        assert!(given_names_equivalent(&name("J M"), &name("Jean-Marie")));
        assert!(given_names_equivalent(&name("Bill"), &name("William")));
        assert!(!given_names_equivalent(&name("Jean"), &name("Jean-Pierre")));
        assert!(!given_names_equivalent(&name("JP"), &name("Jean-François")));
        assert!(!given_names_equivalent(&name("Alex"), &name("Max")));
        assert!(!given_names_equivalent(&name("P"), &name("Jean")));
        let no_given = normalize_names(None, &[], &s(&["Dupont"]), &[]).1.remove(0);
        assert!(!given_names_equivalent(&no_given, &no_given));
    }

    #[test]
    fn debug_prints_no_name() {
        let (_, names) = normalize_names(None, &[], &[], &s(&["Marie Dupont"]));
        let shown = format!("{names:?}");
        assert!(
            !shown.contains("marie") && !shown.contains("dupont"),
            "{shown}"
        );
    }

    #[test]
    fn given_name_list_is_folded() {
        for (name, mark) in table_rows(include_str!("../../data/given_names.txt")) {
            assert!(
                super::super::text::is_folded(name) && !name.contains(' '),
                "{name}"
            );
            assert!(mark.is_empty() || mark == "family", "{name}");
            assert!(
                !is_particle(name) && civility_of_token(name).is_none(),
                "{name}"
            );
        }
        assert!(GIVEN_NAMES.len() >= 400);
    }

    /// Words a name field is made of: given names (some also family names),
    /// family names, particles, initials, nicknames, markers, in any case.
    fn name_word() -> impl Strategy<Value = String> {
        let words = prop::sample::select(vec![
            "Marie",
            "Jean",
            "Jean-François",
            "Claire",
            "Pierre",
            "Martin",
            "Thomas",
            "Bernard",
            "Dupont",
            "Durand",
            "Lefèvre",
            "D'Almeida",
            "de",
            "la",
            "Le",
            "van",
            "Da",
            "J.",
            "JF",
            "J-F",
            "Fred",
            "Manu",
            "Bob",
            "née",
            "ép.",
            "Nguyen",
            "Ødegård",
            "O'Brien",
            "2",
            "Zoë",
            "et",
            "ou",
            "François",
        ]);
        (words, 0..3u8).prop_map(|(w, case)| match case {
            0 => w.to_string(),
            1 => w.to_uppercase(),
            _ => w.to_lowercase(),
        })
    }

    fn name_value() -> impl Strategy<Value = String> {
        prop::collection::vec(
            (name_word(), prop::sample::select(vec![" ", " ", ", ", "-"])),
            0..5,
        )
        .prop_map(|parts| parts.into_iter().map(|(w, sep)| w + sep).collect())
    }

    fn civility_word() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "M.", "Mr", "Monsieur", "Mme", "MADAME", "Mrs", "Ms", "Mlle", "Melle", "Miss", "Dr",
            "Docteur", "Me", "Maître",
        ])
    }

    fn field() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(prop_oneof![name_value(), any::<String>()], 0..3)
    }

    /// The plain reading [`Tokenized::tokenize`] must agree with: split the
    /// raw value into words, count each word's capitals, fold it, split the
    /// folded text into tokens, each step a pass of its own.
    fn tokenize_by_words(raw: &str) -> (String, Vec<Token>) {
        let mut t = Tokenized::new();
        let is_separator = |c: char| c.is_whitespace() || c == ',';
        let mut rest = raw;
        let mut word = 0u32;
        while t.len < MAX_TOKENS {
            let start = rest.find(|c: char| !is_separator(c)).unwrap_or(rest.len());
            if rest[..start].contains(',') && t.len > 0 {
                t.tokens[t.len - 1].comma_after = true;
            }
            rest = &rest[start..];
            if rest.is_empty() {
                break;
            }
            let end = rest.find(is_separator).unwrap_or(rest.len());
            let raw_word = &rest[..end];
            let upper = raw_word.chars().filter(|c| c.is_uppercase()).count() as u32;
            let lower = raw_word.chars().filter(|c| c.is_lowercase()).count() as u32;
            let from = t.buf.len();
            fold_into(raw_word, &mut t.buf);
            t.end_word(from, word, upper, lower);
            word += 1;
            rest = &rest[end..];
        }
        (t.buf.clone(), t.tokens[..t.len].to_vec())
    }

    fn tokens_in_one_pass(raw: &str) -> (String, Vec<Token>) {
        let mut t = Tokenized::new();
        t.tokenize(raw);
        (t.buf.clone(), t.tokens[..t.len].to_vec())
    }

    #[test]
    fn one_pass_tokens_carry_word_case_and_commas() {
        let (buf, tokens) = tokens_in_one_pass("DUPONT, Jean-François\u{a0}d'ALMEIDA 1980");
        let texts: Vec<&str> = tokens
            .iter()
            .map(|t| &buf[t.start as usize..t.end as usize])
            .collect();
        assert_eq!(texts, ["dupont", "jean", "francois", "d", "almeida"]);
        let words: Vec<u32> = tokens.iter().map(|t| t.word).collect();
        assert_eq!(words, [0, 1, 1, 2, 2]);
        assert!(tokens[0].caps && tokens[0].comma_after);
        assert!(!tokens[1].caps && tokens[1].lower && !tokens[1].comma_after);
        // `d'ALMEIDA`: one lower-case letter, so not a word in capitals.
        assert!(!tokens[3].caps && tokens[4].lower);
    }

    proptest! {
        #[test]
        fn one_pass_tokenizer_agrees_with_word_by_word(
            raw in "([\\x00-\\x7f]{0,12}|[A-Za-zÉé]{1,6}|[ ,.'-]{1,2}|[\u{a0}\u{2009}œŒßİ\u{200b}😀]|\\PC{0,4}){0,10}"
        ) {
            prop_assert_eq!(tokens_in_one_pass(&raw), tokenize_by_words(&raw));
        }

        #[test]
        fn one_pass_tokenizer_agrees_on_long_values(
            raw in "([A-Za-z]{1,3}[ ,-]){14,20}"
        ) {
            prop_assert_eq!(tokens_in_one_pass(&raw), tokenize_by_words(&raw));
        }

        #[test]
        fn total_on_any_string(
            c in any::<Option<String>>(),
            g in prop::collection::vec(any::<String>(), 0..3),
            f in prop::collection::vec(any::<String>(), 0..3),
            n in prop::collection::vec(any::<String>(), 0..3),
        ) {
            let _ = parse_civility(c.as_deref().unwrap_or(""));
            let (_, names) = normalize_names(c.as_deref(), &g, &f, &n);
            prop_assert!(names.len() <= MAX_NAMES);
            for p in &names {
                prop_assert!(!p.given.is_empty() || !p.family.is_empty());
                prop_assert_eq!(p.given.is_empty(), p.given_canonical.is_empty());
                prop_assert_eq!(p.initials.chars().count(), p.given_canonical.split(' ').filter(|t| !t.is_empty()).count());
            }
        }

        #[test]
        fn idempotent(g in field(), f in field(), n in field()) {
            let (_, names) = normalize_names(None, &g, &f, &n);
            for p in &names {
                let family = if p.particles.is_empty() {
                    p.family.to_string()
                } else {
                    format!("{} {}", p.particles, p.family)
                };
                let (_, again) = normalize_names(None, &[p.given.to_string()], &[family], &[]);
                prop_assert_eq!(again.len(), 1);
                prop_assert_eq!(&again[0].given, &p.given);
                prop_assert_eq!(&again[0].family, &p.family);
                prop_assert_eq!(&again[0].particles, &p.particles);
                prop_assert_eq!(&again[0].given_canonical, &p.given_canonical);
            }
        }

        #[test]
        fn civility_never_leaks(civ in civility_word(), rest in name_value()) {
            let with = normalize_names(None, &[], &[], &[format!("{civ} {rest}")]);
            let without = normalize_names(None, &[], &[], std::slice::from_ref(&rest));
            prop_assert_eq!(&with.1, &without.1);
            prop_assert!(parse_civility(civ).is_some());
            prop_assert_eq!(with.0, parse_civility(civ));
            // Written last, too (but a last `M.` reads as the initial M).
            if civ != "M." {
                let last = normalize_names(None, &[], &[], &[format!("{rest} {civ}")]);
                prop_assert_eq!(last.1, without.1);
            }
        }

        #[test]
        fn civility_fast_path_agrees_with_fold(s in "[ -~\\t\\x00\\x1f]{0,12}", civ in civility_word()) {
            prop_assert_eq!(parse_civility(&s), parse_civility_folded(s.trim()));
            let padded = format!(" {civ}.\t");
            prop_assert_eq!(parse_civility(&padded), parse_civility_folded(padded.trim()));
        }

        #[test]
        fn civility_field_wins(civ in civility_word(), n in field()) {
            let (c, _) = normalize_names(Some(civ), &[], &[], &n);
            prop_assert_eq!(c, parse_civility(civ));
        }

        #[test]
        fn equivalence_is_reflexive_and_symmetric(a in name_value(), b in name_value()) {
            let first = |v: &str| normalize_names(None, &[v.to_string()], &[], &[]).1.into_iter().next();
            if let (Some(x), Some(y)) = (first(&a), first(&b)) {
                prop_assert!(given_names_equivalent(&x, &x));
                prop_assert_eq!(given_names_equivalent(&x, &y), given_names_equivalent(&y, &x));
            }
        }
    }
}
