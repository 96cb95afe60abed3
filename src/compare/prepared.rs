//! A batch prepared once, compared many times: [`Prepared`].
//!
//! [`Comparator::compare`] works on two records and nothing else, so every
//! call redoes what depends on one record only: the nickname table lookup of
//! each given name, the generic-value lookups of each email, phone and
//! address, whether an email spells its own record's name, string lengths.
//! A batch compares each record with dozens of others (candidate pairs) and
//! hundreds of thousands of random pairs (the u estimate), so
//! [`Comparator::prepare`] does that work once per record and
//! [`Prepared::compare`] is left with what truly depends on the pair:
//!
//! * **Tokens instead of strings.** Every value compared for equality
//!   carries a two-word token: the string itself when it has at most 15
//!   bytes (most names, postcodes, cities, phones), so equal tokens are equal
//!   strings; a 64-bit hash otherwise, confirmed on the text when two hashes
//!   agree, so a collision never changes a level.
//! * **Bounds before Jaro–Winkler.** Each fuzzy value keeps its length in
//!   characters, a 64-bit set of its characters and its first four
//!   characters. Characters of one string absent from the other can never be
//!   matched, which bounds Jaro's match count and so Jaro–Winkler from above;
//!   when the bound is below the lowest threshold the level is *else* without
//!   computing the metric. The same sets rule out "one edit" when the lengths
//!   differ by two or more, or when two distinct characters of one side are
//!   missing from the other. Random pairs (which disagree on nearly
//!   everything) stop there.
//! * **Usable values only.** Placeholder and generic values are dropped at
//!   preparation, as the plain path skips them pair by pair.
//!
//! The levels are exactly those of [`Comparator::compare`]: a test runs both
//! on random records and on a synthetic batch and asserts they agree.
//!
//! # Layout
//!
//! A random pair touches two random records, so the cost of a comparison is
//! mostly cache misses, not arithmetic. Each record's keys are therefore
//! packed as `u64` words, contiguously, in one array: a header (counts, birth
//! date), then its names, usable emails, phones, addresses and identifier
//! kinds, a few adjacent cache lines that the hardware fetches together. The
//! records themselves are read only to confirm two equal long-string hashes, to
//! compute Jaro–Winkler once a bound lets it through, and for the rare levels
//! that need more (house numbers, identifier values).

use rayon::prelude::*;

use super::generic::GenericValues;
use super::similarity::{STACK_CHARS, jaro_winkler, within_one_edit};
use super::{Comparator, ComparisonKind, address, date, email, identifier, name, phone, stronger};
use crate::normalize::nickname::canonical_given;
use crate::normalize::{NormalizedRecord, PartialDate, PersonName, PhoneKind};
use crate::record::{IdentifierKind, RecordId};

/// Records per parallel preparation task.
const CHUNK: usize = 4096;

/// A bound this close below a threshold still computes the metric: the bound
/// and the metric are computed with the same operations when they coincide,
/// so this is only insurance against floating-point surprises.
const BOUND_MARGIN: f64 = 1e-9;

/// Words per header and per key of each kind.
const HEADER_WORDS: usize = 2;
const NAME_WORDS: usize = 12;
const EMAIL_WORDS: usize = 7;
const PHONE_WORDS: usize = 5;
const ADDRESS_WORDS: usize = 9;
const IDENTIFIER_WORDS: usize = 1;

/// A character count at or above this is "long": no bound, no filter.
const LONG: usize = 0xffff;

/// No character (an `Option<char>` packed in 32 bits).
const NO_CHAR: u64 = 0xffff_ffff;

/// A fast, deterministic 64-bit string hash (eight bytes per step). Only used
/// inside one [`Prepared`], never stored: quality matters for speed only,
/// since equal hashes are always confirmed on the text.
fn text_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(K)
            .rotate_left(29);
    }
    let rest = chunks.remainder();
    let mut word = [0u8; 8];
    word[..rest.len()].copy_from_slice(rest);
    h = (h ^ u64::from_le_bytes(word)).wrapping_mul(K);
    h ^ (h >> 31)
}

/// Two words that stand for a string: the string itself when it has at most
/// 15 bytes (its length in the top byte), so equal tokens are equal strings
/// and the text is never read; a longer string's hash and a marker, so equal
/// tokens still need the texts compared. Most names, postcodes, cities and
/// phones are short.
type Token = [u64; 2];

/// The top byte of a long string's token (a short one holds its length there).
const LONG_MARKER: u64 = 0xff << 56;

fn token(text: &str) -> Token {
    let bytes = text.as_bytes();
    if bytes.len() <= 15 {
        let mut buf = [0u8; 16];
        buf[..bytes.len()].copy_from_slice(bytes);
        buf[15] = bytes.len() as u8;
        let v = u128::from_le_bytes(buf);
        [v as u64, (v >> 64) as u64]
    } else {
        [text_hash(bytes), LONG_MARKER]
    }
}

/// The token holds the whole string.
fn is_inline(t: &Token) -> bool {
    t[1] & LONG_MARKER != LONG_MARKER
}

/// The bytes and length of an inline token.
fn inline_bytes(t: &Token) -> (u128, usize) {
    let v = u128::from(t[0]) | u128::from(t[1]) << 64;
    (v & ((1u128 << 120) - 1), (t[1] >> 56) as usize)
}

/// A string to compute a metric on: taken from its token when the token
/// holds it whole (no read of the record, whose strings are a cache miss or
/// two away at a million records), else borrowed from the record.
enum Text<'t> {
    Inline([u8; 16], usize),
    Borrowed(&'t str),
}

impl Text<'_> {
    fn as_str(&self) -> &str {
        match self {
            // The bytes are a whole string's, so valid UTF-8: the fallback
            // is never taken.
            Text::Inline(bytes, len) => bytes
                .get(..*len)
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or(""),
            Text::Borrowed(text) => text,
        }
    }
}

/// The string a token stands for, read from the record only when the token
/// does not hold it.
fn text_of<'t>(t: &Token, record_text: impl FnOnce() -> &'t str) -> Text<'t> {
    if is_inline(t) {
        let (v, len) = inline_bytes(t);
        Text::Inline(v.to_le_bytes(), len)
    } else {
        Text::Borrowed(record_text())
    }
}

/// Equal strings: equal tokens, then (long strings only) equal texts.
fn same<'t>(
    x: Token,
    y: Token,
    tx: impl FnOnce() -> &'t str,
    ty: impl FnOnce() -> &'t str,
) -> bool {
    x == y && (is_inline(&x) || tx() == ty())
}

/// A string reduced to what bounds its similarity to another without
/// computing it: three words.
#[derive(Clone, Copy)]
struct Fuzzy {
    token: Token,
    /// Bit `c mod 64` set for each character `c`. Two characters may share a
    /// bit, which only loosens the bounds, never breaks them.
    mask: u64,
    /// The first four characters, 12 low bits of each, 0-padded: truncation
    /// and padding can only overstate a common prefix, which keeps the bound
    /// an upper bound.
    prefix: u64,
    /// Length in characters, saturated at [`LONG`].
    chars: usize,
}

impl Fuzzy {
    fn push(text: &str, out: &mut Vec<u64>) {
        let mut chars = 0usize;
        let mut mask = 0u64;
        let mut prefix = 0u64;
        for c in text.chars() {
            if chars < 4 {
                prefix |= (u64::from(c) & 0xfff) << (12 * chars);
            }
            chars += 1;
            mask |= 1 << (u32::from(c) % 64);
        }
        out.extend(token(text));
        out.push(mask);
        out.push(prefix | ((chars.min(LONG) as u64) << 48));
    }

    fn read(words: &[u64; 4]) -> Fuzzy {
        Fuzzy {
            token: [words[0], words[1]],
            mask: words[2],
            prefix: words[3] & 0xffff_ffff_ffff,
            chars: (words[3] >> 48) as usize,
        }
    }

    fn is_empty(&self) -> bool {
        self.chars == 0
    }

    /// Characters of `self` that cannot have a partner in `other`, at least.
    fn missing_from(&self, other: &Fuzzy) -> usize {
        (self.mask & !other.mask).count_ones() as usize
    }

    /// False when `self` and `other` are surely more than one edit apart: an
    /// edit changes the length by at most one character and brings at most
    /// one new character to either side.
    fn may_be_one_edit(&self, other: &Fuzzy) -> bool {
        if self.chars >= LONG || other.chars >= LONG {
            return true;
        }
        self.chars.abs_diff(other.chars) <= 1
            && self.missing_from(other) <= 1
            && other.missing_from(self) <= 1
    }

    /// An upper bound of `jaro_winkler(self, other)`.
    ///
    /// Jaro is `(m/|a| + m/|b| + (m − t)/m) / 3` with `m` matched characters
    /// and `t` transpositions; `m` is at most the length of each side minus
    /// its characters absent from the other, and `t ≥ 0`. Winkler's boost
    /// `j + 0.1·p·(1 − j)` grows with `j` and with the common prefix `p`, so
    /// the boost of the bound with the bound's prefix bounds the real one.
    /// Over-long strings (which the metric computes differently) get no bound.
    fn jaro_winkler_bound(&self, other: &Fuzzy) -> f64 {
        if self.chars > STACK_CHARS || other.chars > STACK_CHARS {
            return f64::INFINITY;
        }
        if self.chars == 0 || other.chars == 0 {
            return 1.0;
        }
        let matches = (self.chars - self.missing_from(other).min(self.chars))
            .min(other.chars - other.missing_from(self).min(other.chars));
        if matches == 0 {
            return 0.0;
        }
        let m = matches as f64;
        let jaro = (m / self.chars as f64 + m / other.chars as f64 + 1.0) / 3.0;
        let differ = self.prefix ^ other.prefix;
        let prefix = ((differ.trailing_zeros() / 12) as usize).min(4);
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    }

    /// True when Jaro–Winkler surely stays below `lowest`.
    fn surely_below(&self, other: &Fuzzy, lowest: f64) -> bool {
        self.jaro_winkler_bound(other) < lowest - BOUND_MARGIN
    }
}

/// The fixed-size array of `N` words at `at`, if there.
fn fixed_words<const N: usize>(all: &[u64], at: usize) -> Option<&[u64; N]> {
    all.get(at..at + N).and_then(|w| w.try_into().ok())
}

fn fuzzy_at(key: &[u64], at: usize) -> Fuzzy {
    fixed_words::<4>(key, at).map_or(
        Fuzzy {
            token: [0, 0],
            mask: 0,
            prefix: 0,
            chars: 0,
        },
        Fuzzy::read,
    )
}

fn char_of(word: u64) -> u64 {
    word & NO_CHAR
}

fn pack_char(c: Option<char>) -> u64 {
    c.map_or(NO_CHAR, u64::from)
}

/// Where a record's key sections start, from its header.
#[derive(Clone, Copy)]
struct Header {
    names: usize,
    emails: usize,
    phones: usize,
    addresses: usize,
    identifiers: usize,
    /// Some count did not fit the header: compare on the plain path.
    overflow: bool,
    birth: Option<PartialDate>,
}

impl Header {
    fn push(record: &NormalizedRecord, counts: [usize; 5], out: &mut Vec<u64>) {
        let fits = counts.iter().all(|&c| c < 0xffff);
        let c = |i: usize| (counts[i].min(0xffff)) as u64;
        out.push(c(0) | c(1) << 16 | c(2) << 32 | c(3) << 48);
        let opt = |v: Option<u8>| v.map_or(0, |v| 0x100 | u64::from(v));
        let birth = record.birth.map_or(0, |d| {
            1 | u64::from(d.year) << 1 | opt(d.month) << 17 | opt(d.day) << 26
        });
        out.push(c(4) | u64::from(!fits) << 16 | birth << 17);
    }

    fn read(words: &[u64; 2]) -> Header {
        let count = |w: u64, i: u32| ((w >> (16 * i)) & 0xffff) as usize;
        let birth = words[1] >> 17;
        let opt = |v: u64| (v & 0x100 != 0).then_some((v & 0xff) as u8);
        Header {
            names: count(words[0], 0),
            emails: count(words[0], 1),
            phones: count(words[0], 2),
            addresses: count(words[0], 3),
            identifiers: count(words[1], 0),
            overflow: words[1] & (1 << 16) != 0,
            birth: (birth & 1 != 0).then(|| PartialDate {
                year: ((birth >> 1) & 0xffff) as u16,
                month: opt(birth >> 17),
                day: opt(birth >> 26),
            }),
        }
    }
}

/// One record's words and header, with the record for texts.
#[derive(Clone, Copy)]
struct View<'p> {
    record: &'p NormalizedRecord,
    words: &'p [u64],
    header: Header,
    /// The readings the name keys' ranges index: the whole batch's for a
    /// [`Prepared`], the record's own for a [`PreparedRecord`].
    readings: &'p [(Token, &'static str)],
}

impl<'p> View<'p> {
    fn names(&self) -> impl Iterator<Item = (usize, &'p [u64])> + 'p {
        section(self.words, HEADER_WORDS, self.header.names, NAME_WORDS)
    }

    fn emails(&self) -> impl Iterator<Item = (usize, &'p [u64])> + 'p {
        let at = HEADER_WORDS + self.header.names * NAME_WORDS;
        section(self.words, at, self.header.emails, EMAIL_WORDS)
    }

    fn phones(&self) -> impl Iterator<Item = (usize, &'p [u64])> + 'p {
        let at = HEADER_WORDS + self.header.names * NAME_WORDS + self.header.emails * EMAIL_WORDS;
        section(self.words, at, self.header.phones, PHONE_WORDS)
    }

    fn addresses(&self) -> impl Iterator<Item = (usize, &'p [u64])> + 'p {
        let at = HEADER_WORDS
            + self.header.names * NAME_WORDS
            + self.header.emails * EMAIL_WORDS
            + self.header.phones * PHONE_WORDS;
        section(self.words, at, self.header.addresses, ADDRESS_WORDS)
    }

    fn identifier_kinds(&self) -> &'p [u64] {
        let at = HEADER_WORDS
            + self.header.names * NAME_WORDS
            + self.header.emails * EMAIL_WORDS
            + self.header.phones * PHONE_WORDS
            + self.header.addresses * ADDRESS_WORDS;
        self.words
            .get(at..at + self.header.identifiers * IDENTIFIER_WORDS)
            .unwrap_or(&[])
    }
}

/// `count` keys of `size` words from `at`, numbered from 0.
fn section(
    words: &[u64],
    at: usize,
    count: usize,
    size: usize,
) -> impl Iterator<Item = (usize, &[u64])> {
    words
        .get(at..at + count * size)
        .unwrap_or(&[])
        .chunks_exact(size)
        .enumerate()
}

/// A batch of records prepared for many comparisons by one [`Comparator`]:
/// see [`Comparator::prepare`].
///
/// `Debug` prints only the number of records.
pub struct Prepared<'a, G> {
    comparator: &'a Comparator<G>,
    records: &'a [NormalizedRecord],
    /// Record `i`'s words are `words[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<usize>,
    words: Vec<u64>,
    /// Nickname readings (token, text), referred to by name keys.
    readings: Vec<(Token, &'static str)>,
}

impl<G> std::fmt::Debug for Prepared<'_, G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("records", &self.records.len())
            .finish()
    }
}

/// One chunk's preparation: offsets relative to its own words.
struct Part {
    lens: Vec<usize>,
    words: Vec<u64>,
    readings: Vec<(Token, &'static str)>,
}

impl<G: GenericValues + Sync> Comparator<G> {
    /// Prepares a batch for many comparisons: per-record work (nickname
    /// readings, generic-value checks, hashes, lengths) done once, in
    /// parallel, instead of once per pair. Then
    /// [`Prepared::compare`]`(i, j, out)` gives exactly what
    /// [`compare`](Self::compare)`(&records[i], &records[j], out)` gives, several
    /// times faster. Memory: about 60 bytes per name, email, phone and
    /// address of the batch; the records are borrowed, not copied.
    ///
    /// ```
    /// use omnicanal::compare::Comparator;
    /// use omnicanal::normalize::{NormalizedRecord, PersonName};
    /// use omnicanal::{Channel, RecordId, SourceKey};
    ///
    /// let person = |id: &str, given: &str, family: &str| NormalizedRecord {
    ///     key: SourceKey::new(Channel::Web, id).unwrap(),
    ///     civility: None,
    ///     names: [PersonName {
    ///         given: given.into(),
    ///         given_canonical: given.into(),
    ///         family: family.into(),
    ///         ..PersonName::default()
    ///     }].into_iter().collect(),
    ///     birth: None, emails: Default::default(), phones: Default::default(),
    ///     addresses: vec![],
    ///     identifiers: vec![], created_at: None, updated_at: None, issues: vec![],
    /// };
    /// let records = [person("1", "marie", "dupont"), person("2", "marie", "dupond")];
    /// let comparator = Comparator::default();
    /// let prepared = comparator.prepare(&records);
    /// let mut levels = vec![0u8; comparator.len()];
    /// assert!(prepared.compare(RecordId(0), RecordId(1), &mut levels));
    /// assert_eq!(levels, comparator.compare_to_vec(&records[0], &records[1]));
    /// assert_eq!(levels[..2], [1, 3]); // exact given name, close family name
    /// ```
    pub fn prepare<'a>(&'a self, records: &'a [NormalizedRecord]) -> Prepared<'a, G> {
        let parts: Vec<Part> = records
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut part = Part {
                    lens: Vec::with_capacity(chunk.len()),
                    words: Vec::with_capacity(chunk.len() * 32),
                    readings: Vec::new(),
                };
                for record in chunk {
                    let before = part.words.len();
                    self.push_keys(record, &mut part);
                    part.lens.push(part.words.len() - before);
                }
                part
            })
            .collect();
        let mut offsets = Vec::with_capacity(records.len() + 1);
        offsets.push(0);
        let mut words = Vec::with_capacity(parts.iter().map(|p| p.words.len()).sum());
        let mut readings = Vec::new();
        for part in parts {
            // Reading indexes in name keys are relative to the part: shift
            // them by the readings already gathered.
            let shift = readings.len() as u64;
            let mut at = words.len();
            words.extend(part.words);
            for len in part.lens {
                let end = at + len;
                if let Some(record) = words.get_mut(at..end) {
                    shift_readings(record, shift);
                }
                offsets.push(end);
                at = end;
            }
            readings.extend(part.readings);
        }
        Prepared {
            comparator: self,
            records,
            offsets,
            words,
            readings,
        }
    }

    /// Appends one record's header and keys to `part`.
    fn push_keys(&self, record: &NormalizedRecord, part: &mut Part) {
        let generic = &self.generic;
        let out = &mut part.words;
        let header_at = out.len();
        out.extend([0; HEADER_WORDS]);

        for person in &record.names {
            Fuzzy::push(&person.given, out);
            Fuzzy::push(&person.family, out);
            let canonical = name::canonical(person);
            out.extend(token(canonical));
            let readings = canonical_given(&person.given);
            let start = part.readings.len() as u64;
            part.readings
                .extend(readings.iter().map(|r| (token(r), *r)));
            let len = (part.readings.len() as u64 - start).min(0xffff);
            out.push(start << 16 | len);
            let initials_head = name::initials_only(&person.given)
                .and_then(|letters| letters.chars().find(|&c| c != ' '));
            // The first letter of the first non-empty token: what
            // `name::initials` yields first.
            let canonical_head = canonical.chars().find(|&c| c != ' ');
            out.push(pack_char(initials_head) | pack_char(canonical_head) << 32);
        }

        let mut emails = 0;
        for (k, e) in record.emails.iter().enumerate() {
            if !e.identifying || e.normalized.is_empty() || generic.email(&e.normalized) {
                continue;
            }
            emails += 1;
            Fuzzy::push(&e.normalized, out);
            let parts = email::split(&e.normalized);
            let (mut local_hash, mut local_chars) = (0x9e37_79b9_7f4a_7c15_u64, 0u64);
            if let Some((local, _)) = parts {
                for c in email::local_key(local) {
                    local_hash = (local_hash ^ u64::from(c))
                        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                        .rotate_left(29);
                    local_chars += 1;
                }
            }
            out.push(local_hash);
            out.push(local_chars);
            let spells = email::spells_a_name(&e.normalized, &record.names);
            out.push(
                u64::from(parts.is_some())
                    | u64::from(spells) << 1
                    | (k as u64 & 0xffff_ffff) << 32,
            );
        }

        let mut phones = 0;
        for (k, p) in record.phones.iter().enumerate() {
            if p.e164.is_empty() || generic.phone(&p.e164) {
                continue;
            }
            phones += 1;
            Fuzzy::push(&p.e164, out);
            out.push(
                u64::from(p.kind == PhoneKind::Mobile)
                    | u64::from(p.e164.is_ascii()) << 1
                    | (k as u64 & 0xffff_ffff) << 32,
            );
        }

        let mut addresses = 0;
        for (k, x) in record.addresses.iter().enumerate() {
            if x.is_empty() || generic.address(x) {
                continue;
            }
            addresses += 1;
            out.extend(token(x.postcode.as_deref().unwrap_or_default()));
            out.extend(token(x.city.as_deref().unwrap_or_default()));
            Fuzzy::push(x.street.as_deref().unwrap_or_default(), out);
            let country = x.country.map_or(0, |c| {
                let [p, q] = c.as_str().as_bytes().try_into().unwrap_or([0, 0]);
                0x1_0000 | u64::from(p) << 8 | u64::from(q)
            });
            out.push(
                u64::from(x.postcode.is_some())
                    | u64::from(x.city.is_some()) << 1
                    | u64::from(x.street.is_some()) << 2
                    | country << 3
                    | (k as u64 & 0xffff_ffff) << 32,
            );
        }

        let mut identifiers = 0;
        for (kind, value) in &record.identifiers {
            if value.is_empty() {
                continue;
            }
            identifiers += 1;
            out.push(kind_code(kind));
        }

        let counts = [record.names.len(), emails, phones, addresses, identifiers];
        let mut header = Vec::with_capacity(HEADER_WORDS);
        Header::push(record, counts, &mut header);
        if let Some(slot) = out.get_mut(header_at..header_at + HEADER_WORDS) {
            slot.copy_from_slice(&header);
        }
    }
}

/// One record prepared on its own, for a store whose records come and go
/// (the live resolver): what [`Comparator::prepare`] keeps for one record
/// of a batch, owned. Compare two with [`Comparator::compare_prepared`].
///
/// `Debug` prints only the sizes. Memory: about 60 bytes per name, email,
/// phone and address, plus 32 bytes.
#[derive(Clone, Default)]
pub struct PreparedRecord {
    words: Box<[u64]>,
    /// Nickname readings of the names; the name keys' ranges index this.
    readings: Box<[(Token, &'static str)]>,
}

impl std::fmt::Debug for PreparedRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedRecord")
            .field("words", &self.words.len())
            .field("readings", &self.readings.len())
            .finish()
    }
}

impl PreparedRecord {
    /// True when `other` holds a name whose given (or, with `family`,
    /// family) name is the same string as `record`'s `k`-th name's: what
    /// term-frequency adjustment asks of each exact name agreement. Equal
    /// tokens decide it, the texts being read only for names longer than
    /// a token holds. Each preparation must be of its record.
    pub(crate) fn shares_name(
        &self,
        record: &NormalizedRecord,
        k: usize,
        (other_record, other): (&NormalizedRecord, &PreparedRecord),
        family: bool,
    ) -> bool {
        let field: fn(&PersonName) -> &str = if family { |p| &p.family } else { |p| &p.given };
        let plain = || {
            record
                .names
                .get(k)
                .is_some_and(|x| other_record.names.iter().any(|y| field(y) == field(x)))
        };
        let (Some(x), Some(y)) = (self.view(record), other.view(other_record)) else {
            return plain();
        };
        if x.header.overflow || y.header.overflow {
            return plain();
        }
        let at = if family { 4 } else { 0 };
        let Some((_, key)) = x.names().nth(k) else {
            return plain();
        };
        let (token, text) = (fuzzy_at(key, at).token, || {
            record.names.get(k).map_or("", field)
        });
        y.names().any(|(j, key)| {
            same(token, fuzzy_at(key, at).token, text, || {
                other_record.names.get(j).map_or("", field)
            })
        })
    }

    /// Reads one word of each cache line of the preparation (the value
    /// means nothing). A caller about to compare one record with many
    /// scattered others touches them all first: the processor then fetches
    /// their lines together rather than one after another, each comparison
    /// waiting for its own (at a million records, most are cache misses).
    pub(crate) fn touch(&self) -> u64 {
        self.words.iter().step_by(8).fold(0, |acc, &w| acc ^ w)
    }

    fn view<'p>(&'p self, record: &'p NormalizedRecord) -> Option<View<'p>> {
        Some(View {
            record,
            words: &self.words,
            header: Header::read(fixed_words::<HEADER_WORDS>(&self.words, 0)?),
            readings: &self.readings,
        })
    }
}

impl<G: GenericValues + Sync> Comparator<G> {
    /// Prepares one record for many comparisons by
    /// [`compare_prepared`](Self::compare_prepared): the per-record work of
    /// [`prepare`](Self::prepare), for a store that adds and replaces
    /// records one at a time.
    pub fn prepare_record(&self, record: &NormalizedRecord) -> PreparedRecord {
        let mut part = Part {
            lens: Vec::new(),
            words: Vec::with_capacity(32),
            readings: Vec::new(),
        };
        self.push_keys(record, &mut part);
        PreparedRecord {
            words: part.words.into_boxed_slice(),
            readings: part.readings.into_boxed_slice(),
        }
    }

    /// Exactly what [`compare`](Self::compare)`(a, b, out)` writes, from
    /// each record and its [`prepare_record`](Self::prepare_record) (which
    /// must be of that record, as it is now: the levels are read from the
    /// preparation, the texts from the record). Allocates nothing.
    pub fn compare_prepared(
        &self,
        (a, prepared_a): (&NormalizedRecord, &PreparedRecord),
        (b, prepared_b): (&NormalizedRecord, &PreparedRecord),
        out: &mut [u8],
    ) {
        match (prepared_a.view(a), prepared_b.view(b)) {
            (Some(x), Some(y)) => compare_views(self, &x, &y, out),
            // Not prepared (a default value): the plain path.
            _ => self.compare(a, b, out),
        }
    }
}

/// A code per identifier kind: equal kinds give equal codes (different kinds
/// may too, which only sends the pair to the exact identifier comparison).
fn kind_code(kind: &IdentifierKind) -> u64 {
    match kind {
        IdentifierKind::LoyaltyCard => 1,
        IdentifierKind::AccountId => 2,
        IdentifierKind::AppUserId => 3,
        IdentifierKind::DeviceId => 4,
        IdentifierKind::Named(name) => text_hash(name.as_bytes()) | 0x100,
    }
}

/// Adds `shift` to the reading index of each name key of one record's words.
fn shift_readings(record: &mut [u64], shift: u64) {
    let names = record.first().map_or(0, |w| (w & 0xffff) as usize);
    for k in 0..names {
        let at = HEADER_WORDS + k * NAME_WORDS + READINGS_WORD;
        if let Some(word) = record.get_mut(at) {
            *word += shift << 16;
        }
    }
}

/// Where a name key keeps its reading range.
const READINGS_WORD: usize = 10;

/// A name key, decoded from its words.
struct NameKey<'p> {
    given: Fuzzy,
    family: Fuzzy,
    canonical: Token,
    readings: &'p [(Token, &'static str)],
    initials_head: u64,
    canonical_head: u64,
    /// The record and the name's position in it: read only to confirm.
    record: &'p NormalizedRecord,
    k: usize,
}

impl<'p> NameKey<'p> {
    fn person(&self) -> Option<&'p PersonName> {
        self.record.names.get(self.k)
    }
    fn given(&self) -> &'p str {
        self.person().map_or("", |p| p.given.as_str())
    }
    fn family(&self) -> &'p str {
        self.person().map_or("", |p| p.family.as_str())
    }
    fn canonical(&self) -> &'p str {
        self.person().map_or("", name::canonical)
    }
    /// [`given`](Self::given), from the token when it holds the name.
    fn given_text(&self) -> Text<'p> {
        text_of(&self.given.token, || self.given())
    }
    /// [`family`](Self::family), from the token when it holds the name.
    fn family_text(&self) -> Text<'p> {
        text_of(&self.family.token, || self.family())
    }
    /// [`canonical`](Self::canonical), from the token when it holds it.
    fn canonical_text(&self) -> Text<'p> {
        text_of(&self.canonical, || self.canonical())
    }
}

impl<'a, G: GenericValues> Prepared<'a, G> {
    /// How many records were prepared.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// True when no record was prepared.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The records, as given to [`Comparator::prepare`].
    pub fn records(&self) -> &'a [NormalizedRecord] {
        self.records
    }

    fn view(&self, id: RecordId) -> Option<View<'_>> {
        let i = id.index();
        let (&start, &end) = (self.offsets.get(i)?, self.offsets.get(i + 1)?);
        let words = self.words.get(start..end)?;
        Some(View {
            record: self.records.get(i)?,
            words,
            header: Header::read(fixed_words::<HEADER_WORDS>(words, 0)?),
            readings: &self.readings,
        })
    }

    /// Writes the level of each comparison of records `a` and `b` (their
    /// indexes in the prepared slice) into `out`, in settings order: exactly
    /// what [`Comparator::compare`] writes for the two records. `out` should
    /// be [`Comparator::len`] long: extra entries are left alone, missing
    /// ones are not computed. False (and `out` untouched) when an id is out
    /// of range. Allocates nothing.
    pub fn compare(&self, a: RecordId, b: RecordId, out: &mut [u8]) -> bool {
        let (Some(x), Some(y)) = (self.view(a), self.view(b)) else {
            return false;
        };
        compare_views(self.comparator, &x, &y, out);
        true
    }
}

/// [`Prepared::compare`] and [`Comparator::compare_prepared`] on two views.
fn compare_views<G: GenericValues>(
    comparator: &Comparator<G>,
    x: &View<'_>,
    y: &View<'_>,
    out: &mut [u8],
) {
    if x.header.overflow || y.header.overflow {
        comparator.compare(x.record, y.record, out);
        return;
    }
    for (slot, comparison) in out.iter_mut().zip(&comparator.settings.comparisons) {
        *slot = match &comparison.kind {
            ComparisonKind::GivenName { jaro_winkler } => given_level(x, y, jaro_winkler),
            ComparisonKind::FamilyName {
                close_jaro_winkler,
                jaro_winkler,
            } => family_level(x, y, *close_jaro_winkler, jaro_winkler),
            ComparisonKind::BirthDate => {
                date::birth_level(x.header.birth.as_ref(), y.header.birth.as_ref())
            }
            ComparisonKind::Email {
                same_local_part_min_len,
            } => email_level(x, y, *same_local_part_min_len),
            ComparisonKind::Phone {
                mobile_suffix_digits,
            } => phone_level(x, y, *mobile_suffix_digits),
            ComparisonKind::Address {
                street_jaro_winkler,
            } => address_level(x, y, *street_jaro_winkler),
            ComparisonKind::Identifier { strong, weak } => {
                let (p, q) = (x.identifier_kinds(), y.identifier_kinds());
                // No kind in common: null, without reading the records.
                if p.iter().any(|k| q.contains(k)) {
                    identifier::identifier_level(
                        &x.record.identifiers,
                        &y.record.identifiers,
                        strong,
                        weak,
                    )
                } else {
                    0
                }
            }
        };
    }
}

/// A name key of a view, decoded from its words.
fn name_key<'p>(view: &View<'p>, k: usize, key: &[u64]) -> NameKey<'p> {
    let word = |i: usize| key.get(i).copied().unwrap_or(0);
    let readings = word(READINGS_WORD);
    let (start, len) = ((readings >> 16) as usize, (readings & 0xffff) as usize);
    let heads = key.get(11).copied().unwrap_or(NO_CHAR | NO_CHAR << 32);
    NameKey {
        given: fuzzy_at(key, 0),
        family: fuzzy_at(key, 4),
        canonical: [word(8), word(9)],
        readings: view.readings.get(start..start + len).unwrap_or(&[]),
        initials_head: char_of(heads),
        canonical_head: char_of(heads >> 32),
        record: view.record,
        k,
    }
}

/// `name::given_level` on prepared names.
fn given_level(a: &View<'_>, b: &View<'_>, thresholds: &[f64]) -> u8 {
    let mut best = 0;
    for (i, x) in a.names() {
        let x = name_key(a, i, x);
        for (j, y) in b.names() {
            let y = name_key(b, j, y);
            best = stronger(best, given_pair(&x, &y, thresholds, best));
            if best == name::GIVEN_EXACT {
                return best;
            }
        }
    }
    best
}

/// `name::family_level` on prepared names.
fn family_level(a: &View<'_>, b: &View<'_>, close_jaro_winkler: f64, thresholds: &[f64]) -> u8 {
    let mut best = 0;
    for (i, x) in a.names() {
        let x = name_key(a, i, x);
        for (j, y) in b.names() {
            let y = name_key(b, j, y);
            best = stronger(
                best,
                family_pair(&x, &y, close_jaro_winkler, thresholds, best),
            );
            if best == name::FAMILY_EXACT {
                return best;
            }
        }
    }
    best
}

/// `name::given_pair` on prepared names, step for step.
fn given_pair(x: &NameKey<'_>, y: &NameKey<'_>, thresholds: &[f64], best: u8) -> u8 {
    if x.given.is_empty() || y.given.is_empty() {
        return 0;
    }
    if same(x.given.token, y.given.token, || x.given(), || y.given()) {
        return name::GIVEN_EXACT;
    }
    if swapped(x, y) {
        return name::GIVEN_SWAPPED;
    }
    if same(x.canonical, y.canonical, || x.canonical(), || y.canonical())
        || reads_as(x, y)
        || reads_as(y, x)
    {
        return name::GIVEN_NICKNAME;
    }
    let initials = |x: &NameKey<'_>, y: &NameKey<'_>| {
        x.initials_head != NO_CHAR
            && x.initials_head == y.canonical_head
            && name::initials_agree(x.given_text().as_str(), y.canonical_text().as_str())
    };
    if initials(x, y) || initials(y, x) {
        return name::GIVEN_INITIALS;
    }
    let else_level = name::GIVEN_FIRST_FUZZY + thresholds.len() as u8;
    if best != 0 && best < name::GIVEN_FIRST_FUZZY {
        return else_level;
    }
    let Some(&lowest) = thresholds.last() else {
        return name::GIVEN_FIRST_FUZZY;
    };
    if x.given.surely_below(&y.given, lowest) {
        return else_level;
    }
    name::bucket(
        jaro_winkler(x.given_text().as_str(), y.given_text().as_str()),
        thresholds,
        name::GIVEN_FIRST_FUZZY,
    )
}

/// One of `x`'s nickname readings is `y`'s written or canonical name.
fn reads_as(x: &NameKey<'_>, y: &NameKey<'_>) -> bool {
    x.readings.iter().any(|&(reading, text)| {
        same(reading, y.given.token, || text, || y.given())
            || same(reading, y.canonical, || text, || y.canonical())
    })
}

/// `name::swapped` on prepared names: the crosses' equality by token first,
/// the strings only when one cross holds.
fn swapped(x: &NameKey<'_>, y: &NameKey<'_>) -> bool {
    if x.given.is_empty() || x.family.is_empty() {
        return false;
    }
    let given_is_family = same(x.given.token, y.family.token, || x.given(), || y.family());
    let family_is_given = same(x.family.token, y.given.token, || x.family(), || y.given());
    (given_is_family || family_is_given)
        && name::swapped_names(
            (x.given(), x.family()),
            (y.given(), y.family()),
            given_is_family,
            family_is_given,
        )
}

/// `name::family_pair` on prepared names, step for step.
fn family_pair(
    x: &NameKey<'_>,
    y: &NameKey<'_>,
    close_jaro_winkler: f64,
    thresholds: &[f64],
    best: u8,
) -> u8 {
    let (f, g) = (&x.family, &y.family);
    if f.is_empty() || g.is_empty() {
        return 0;
    }
    if same(f.token, g.token, || x.family(), || y.family()) {
        return name::FAMILY_EXACT;
    }
    if swapped(x, y) {
        return name::FAMILY_SWAPPED;
    }
    // Particles written joined: the longer family name ends with the
    // shorter one, checked on the tokens' text before reading the names.
    let joined = |long: &NameKey<'_>, short: &NameKey<'_>| {
        long.family.chars > short.family.chars
            && long
                .family_text()
                .as_str()
                .ends_with(short.family_text().as_str())
            && long
                .person()
                .zip(short.person())
                .is_some_and(|(l, s)| name::particles_written_joined(l, s))
    };
    if joined(x, y) || joined(y, x) {
        return name::FAMILY_CLOSE;
    }
    let else_level = name::FAMILY_FIRST_FUZZY + thresholds.len() as u8;
    if best != 0 && best <= name::FAMILY_CLOSE {
        return else_level;
    }
    let long_enough =
        f.chars >= name::MIN_CHARS_FOR_ONE_EDIT && g.chars >= name::MIN_CHARS_FOR_ONE_EDIT;
    if long_enough
        && f.may_be_one_edit(g)
        && within_one_edit(x.family_text().as_str(), y.family_text().as_str(), true)
    {
        return name::FAMILY_CLOSE;
    }
    let lowest = thresholds
        .last()
        .map_or(close_jaro_winkler, |&t| t.min(close_jaro_winkler));
    if f.surely_below(g, lowest) {
        return else_level;
    }
    let similarity = jaro_winkler(x.family_text().as_str(), y.family_text().as_str());
    if similarity >= close_jaro_winkler {
        return name::FAMILY_CLOSE;
    }
    name::bucket(similarity, thresholds, name::FAMILY_FIRST_FUZZY)
}

/// An email key, decoded from its words.
struct EmailKey<'p> {
    normalized: Fuzzy,
    local_hash: u64,
    local_chars: u64,
    has_at: bool,
    spells_a_name: bool,
    /// The record and the email's position in it: read only when needed.
    record: &'p NormalizedRecord,
    k: usize,
}

impl<'p> EmailKey<'p> {
    fn text(&self) -> &'p str {
        self.record
            .emails
            .get(self.k)
            .map_or("", |e| e.normalized.as_str())
    }
}

fn email_key<'p>(view: &View<'p>, key: &[u64]) -> EmailKey<'p> {
    let word = |i: usize| key.get(i).copied().unwrap_or(0);
    let flags = word(6);
    EmailKey {
        normalized: fuzzy_at(key, 0),
        local_hash: word(4),
        local_chars: word(5),
        has_at: flags & 1 != 0,
        spells_a_name: flags & 2 != 0,
        record: view.record,
        k: (flags >> 32) as usize,
    }
}

/// `email::email_level` on prepared (usable) emails.
fn email_level(a: &View<'_>, b: &View<'_>, min_len: usize) -> u8 {
    let mut best = 0;
    for (_, x) in a.emails() {
        let x = email_key(a, x);
        for (_, y) in b.emails() {
            let y = email_key(b, y);
            let level = email_pair(&x, &y, min_len);
            let name_only = level != email::EXACT
                && level != email::ELSE
                && (x.spells_a_name || y.spells_a_name);
            if !name_only {
                best = stronger(best, level);
            }
            if best == email::EXACT {
                return best;
            }
        }
    }
    best
}

/// `email::pair` on prepared emails, step for step.
fn email_pair(x: &EmailKey<'_>, y: &EmailKey<'_>, min_len: usize) -> u8 {
    if same(
        x.normalized.token,
        y.normalized.token,
        || x.text(),
        || y.text(),
    ) {
        return email::EXACT;
    }
    if x.has_at
        && y.has_at
        && x.local_hash == y.local_hash
        && x.local_chars == y.local_chars
        && x.local_chars >= min_len.max(1) as u64
    {
        if let (Some((xl, xd)), Some((yl, yd))) = (email::split(x.text()), email::split(y.text())) {
            if xd != yd && email::local_key(xl).eq(email::local_key(yl)) {
                return email::SAME_LOCAL_PART;
            }
        }
    }
    if x.normalized.may_be_one_edit(&y.normalized) && within_one_edit(x.text(), y.text(), true) {
        return email::ONE_EDIT;
    }
    email::ELSE
}

/// A phone key, decoded: its bounds and whether it is a mobile.
fn phone_key(key: &[u64]) -> (Fuzzy, bool, bool) {
    let flags = key.get(4).copied().unwrap_or(0);
    (fuzzy_at(key, 0), flags & 1 != 0, flags & 2 != 0)
}

/// A phone's text, read from its record only when needed.
fn phone_text<'p>(view: &View<'p>, key: &[u64]) -> &'p str {
    let k = key
        .get(4)
        .map_or(usize::MAX, |flags| (flags >> 32) as usize);
    view.record.phones.get(k).map_or("", |p| p.e164.as_str())
}

/// `phone::suffix` equality on two ASCII strings held whole in their tokens:
/// both at least `digits` long and their last `digits` bytes equal.
fn same_inline_suffix(x: &Token, y: &Token, digits: usize) -> bool {
    let ((p, m), (q, n)) = (inline_bytes(x), inline_bytes(y));
    if digits > m || digits > n || digits == 0 {
        // `suffix` of zero digits is the empty string on both sides.
        return digits == 0;
    }
    let last = |v: u128, len: usize| (v >> (8 * (len - digits))) & ((1u128 << (8 * digits)) - 1);
    last(p, m) == last(q, n)
}

/// `phone::phone_level` on prepared (usable) phones.
fn phone_level(a: &View<'_>, b: &View<'_>, suffix_digits: usize) -> u8 {
    let mut best = 0;
    for (_, x) in a.phones() {
        let (xf, x_mobile, x_ascii) = phone_key(x);
        for (_, y) in b.phones() {
            let (yf, y_mobile, y_ascii) = phone_key(y);
            let level = if same(xf.token, yf.token, || phone_text(a, x), || phone_text(b, y)) {
                if x_mobile && y_mobile {
                    phone::SAME_MOBILE
                } else {
                    phone::SAME_LANDLINE
                }
            } else if x_mobile && y_mobile {
                let whole = x_ascii && y_ascii && is_inline(&xf.token) && is_inline(&yf.token);
                let same_suffix = if whole {
                    same_inline_suffix(&xf.token, &yf.token, suffix_digits)
                } else {
                    matches!(
                        (
                            phone::suffix(phone_text(a, x), suffix_digits),
                            phone::suffix(phone_text(b, y), suffix_digits)
                        ),
                        (Some(s), Some(t)) if s == t
                    )
                };
                if same_suffix
                    || (xf.may_be_one_edit(&yf)
                        && within_one_edit(phone_text(a, x), phone_text(b, y), true))
                {
                    phone::MOBILE_CLOSE
                } else {
                    phone::ELSE
                }
            } else if x_mobile != y_mobile {
                // See `phone::pair`: a mobile against a landline is no evidence.
                0
            } else {
                phone::ELSE
            };
            best = stronger(best, level);
            if best == phone::SAME_MOBILE {
                return best;
            }
        }
    }
    best
}

/// `address::address_level` on prepared (usable) addresses.
fn address_level(a: &View<'_>, b: &View<'_>, street_jaro_winkler: f64) -> u8 {
    let mut best = 0;
    for (_, x) in a.addresses() {
        for (_, y) in b.addresses() {
            best = stronger(best, address_pair((a, x), (b, y), street_jaro_winkler));
            if best == address::SAME_STREET_NUMBER {
                return best;
            }
        }
    }
    best
}

/// `address::pair` on prepared addresses, step for step.
fn address_pair(
    (a, x): (&View<'_>, &[u64]),
    (b, y): (&View<'_>, &[u64]),
    street_jaro_winkler: f64,
) -> u8 {
    let word = |key: &[u64], i: usize| key.get(i).copied().unwrap_or(0);
    let (fx, fy) = (word(x, 8), word(y, 8));
    let has = |flags: u64, bit: u32| flags & (1 << bit) != 0;
    let comparable = (has(fx, 0) && has(fy, 0)) || (has(fx, 1) && has(fy, 1));
    if !comparable {
        return 0;
    }
    let country = |flags: u64| (flags >> 3) & 0x1_ffff;
    let (cx, cy) = (country(fx), country(fy));
    if cx != 0 && cy != 0 && cx != cy {
        return address::ELSE;
    }
    // The records are read only once the tokens agree.
    let records = || {
        a.record
            .addresses
            .get((fx >> 32) as usize)
            .zip(b.record.addresses.get((fy >> 32) as usize))
    };
    let tokens_agree = |i: usize, bit: u32| {
        has(fx, bit) && has(fy, bit) && word(x, i) == word(y, i) && word(x, i + 1) == word(y, i + 1)
    };
    // Short postcodes and cities agree on their tokens alone; long ones are
    // confirmed on the text.
    let postcodes = tokens_agree(0, 0)
        .then(records)
        .flatten()
        // Equal inline tokens are equal postcodes: no read of the texts.
        .filter(|(xa, ya)| is_inline(&[word(x, 0), word(x, 1)]) || xa.postcode == ya.postcode);
    if let Some((xa, ya)) = postcodes {
        let same_street = match (xa.street.as_deref(), ya.street.as_deref()) {
            (Some(s), Some(t)) => {
                let (fs, ft) = (fuzzy_at(x, 4), fuzzy_at(y, 4));
                same(fs.token, ft.token, || s, || t)
                    || (!fs.surely_below(&ft, street_jaro_winkler)
                        && jaro_winkler(
                            text_of(&fs.token, || s).as_str(),
                            text_of(&ft.token, || t).as_str(),
                        ) >= street_jaro_winkler)
            }
            _ => false,
        };
        if !same_street {
            return address::SAME_POSTCODE;
        }
        let same_suffix = match (xa.number_suffix.as_deref(), ya.number_suffix.as_deref()) {
            (Some(s), Some(t)) => s == t,
            _ => true,
        };
        let same_number = matches!((xa.number, ya.number), (Some(p), Some(q)) if p == q);
        if same_number && same_suffix {
            return address::SAME_STREET_NUMBER;
        }
        return address::SAME_STREET;
    }
    let cities = tokens_agree(2, 1)
        && (is_inline(&[word(x, 2), word(x, 3)])
            || records().is_some_and(|(xa, ya)| xa.city == ya.city));
    if cities {
        return address::SAME_CITY;
    }
    address::ELSE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fuzzy(text: &str) -> Fuzzy {
        let mut words = Vec::new();
        Fuzzy::push(text, &mut words);
        fuzzy_at(&words, 0)
    }
    use proptest::prelude::*;

    #[test]
    fn bound_is_tight_on_equal_multisets_and_prunes_strangers() {
        let (a, b) = (fuzzy("martha"), fuzzy("marhta"));
        assert!(a.jaro_winkler_bound(&b) >= jaro_winkler("martha", "marhta"));
        let (a, b) = (fuzzy("marie"), fuzzy("thomas"));
        assert!(a.surely_below(&b, 0.85));
        assert!(!fuzzy("dupont").surely_below(&fuzzy("dupond"), 0.88));
    }

    #[test]
    fn one_edit_filter_keeps_every_one_edit_pair() {
        for (a, b) in [
            ("dupont", "dupond"),
            ("dupont", "dupnot"),
            ("dupont", "dupon"),
            ("lefevre", "lefèvre"),
        ] {
            assert!(fuzzy(a).may_be_one_edit(&fuzzy(b)), "{a} {b}");
        }
        assert!(!fuzzy("dupont").may_be_one_edit(&fuzzy("durand")));
        assert!(!fuzzy("dupont").may_be_one_edit(&fuzzy("dup")));
    }

    proptest! {
        #[test]
        fn jaro_winkler_never_exceeds_its_bound(a in "[a-f ]{0,10}", b in "[a-f ]{0,10}") {
            let s = jaro_winkler(&a, &b);
            prop_assert!(s <= fuzzy(&a).jaro_winkler_bound(&fuzzy(&b)));
        }

        #[test]
        fn jaro_winkler_never_exceeds_its_bound_any_text(a in "\\PC{0,20}", b in "\\PC{0,20}") {
            let s = jaro_winkler(&a, &b);
            prop_assert!(s <= fuzzy(&a).jaro_winkler_bound(&fuzzy(&b)));
        }

        #[test]
        fn one_edit_filter_never_drops_a_one_edit_pair(a in "[ab\u{e9} ]{0,6}", b in "[ab\u{e9} ]{0,6}") {
            if within_one_edit(&a, &b, true) {
                prop_assert!(fuzzy(&a).may_be_one_edit(&fuzzy(&b)));
            }
        }
    }
}
