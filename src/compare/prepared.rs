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
//! * **Hashed strings.** Every value compared for equality carries a 64-bit
//!   hash; two different hashes settle "not equal" with one integer compare,
//!   equal hashes are confirmed on the text, so a collision never changes a
//!   level.
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

use rayon::prelude::*;

use super::generic::GenericValues;
use super::similarity::{STACK_CHARS, jaro_winkler, within_one_edit};
use super::{Comparator, ComparisonKind, address, date, email, identifier, name, phone, stronger};
use crate::normalize::nickname::canonical_given;
use crate::normalize::{Email, NormalizedAddress, NormalizedRecord, PersonName, Phone, PhoneKind};
use crate::record::RecordId;

/// Records per parallel preparation task.
const CHUNK: usize = 4096;

/// A bound this close below a threshold still computes the metric: the bound
/// and the metric are computed with the same operations when they coincide,
/// so this is only insurance against floating-point surprises.
const BOUND_MARGIN: f64 = 1e-9;

/// A string with its hash: unequal hashes settle most equality checks with
/// one integer compare.
#[derive(Clone, Copy)]
struct Word<'a> {
    text: &'a str,
    hash: u64,
}

impl<'a> Word<'a> {
    fn new(text: &'a str) -> Self {
        Word {
            text,
            hash: text_hash(text.as_bytes()),
        }
    }

    /// Exact equality; the hash only speeds up the common "different" case.
    fn same(&self, other: &Word<'_>) -> bool {
        self.hash == other.hash && self.text == other.text
    }
}

/// A string with what bounds its similarity to another without computing it.
#[derive(Clone, Copy)]
struct Fuzzy<'a> {
    word: Word<'a>,
    /// Length in characters.
    chars: usize,
    /// Bit `c mod 64` set for each character `c`. Two characters may share a
    /// bit, which only loosens the bounds, never breaks them.
    mask: u64,
    /// The first four characters, `\0`-padded (padding can only overstate a
    /// common prefix, which keeps the bound an upper bound).
    prefix: [char; 4],
}

impl<'a> Fuzzy<'a> {
    fn new(text: &'a str) -> Self {
        let mut chars = 0;
        let mut mask = 0u64;
        let mut prefix = ['\0'; 4];
        for c in text.chars() {
            if let Some(slot) = prefix.get_mut(chars) {
                *slot = c;
            }
            chars += 1;
            mask |= 1 << (u32::from(c) % 64);
        }
        Fuzzy {
            word: Word::new(text),
            chars,
            mask,
            prefix,
        }
    }

    fn text(&self) -> &'a str {
        self.word.text
    }

    /// Characters of `self` that cannot have a partner in `other`, at least.
    fn missing_from(&self, other: &Fuzzy<'_>) -> usize {
        (self.mask & !other.mask).count_ones() as usize
    }

    /// False when `self` and `other` are surely more than one edit apart: an
    /// edit changes the length by at most one character and brings at most
    /// one new character to either side.
    fn may_be_one_edit(&self, other: &Fuzzy<'_>) -> bool {
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
    fn jaro_winkler_bound(&self, other: &Fuzzy<'_>) -> f64 {
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
        let prefix = self
            .prefix
            .iter()
            .zip(&other.prefix)
            .take_while(|(x, y)| x == y)
            .count();
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    }

    /// True when Jaro–Winkler surely stays below `lowest`.
    fn surely_below(&self, other: &Fuzzy<'_>, lowest: f64) -> bool {
        self.jaro_winkler_bound(other) < lowest - BOUND_MARGIN
    }
}

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
        h = (h ^ u64::from_le_bytes(word)).wrapping_mul(K).rotate_left(29);
    }
    let rest = chunks.remainder();
    let mut word = [0u8; 8];
    word[..rest.len()].copy_from_slice(rest);
    h = (h ^ u64::from_le_bytes(word)).wrapping_mul(K);
    h ^ (h >> 31)
}

/// A range of a flat array of keys.
#[derive(Clone, Copy, Default)]
struct Span {
    start: usize,
    end: usize,
}

impl Span {
    fn of<T>(self, all: &[T]) -> &[T] {
        all.get(self.start..self.end).unwrap_or(&[])
    }

    fn shifted(self, by: usize) -> Span {
        Span {
            start: self.start + by,
            end: self.end + by,
        }
    }
}

/// Where one record's keys lie in the flat arrays.
#[derive(Clone, Copy, Default)]
struct Spans {
    names: Span,
    emails: Span,
    phones: Span,
    addresses: Span,
}

/// One person name, prepared.
struct NameKeys<'a> {
    given: Fuzzy<'a>,
    /// The canonical given name, or the written one when none was derived.
    canonical: Word<'a>,
    family: Fuzzy<'a>,
    /// The canonical readings of the written given name as a nickname, in
    /// `Prepared::readings`.
    readings: Span,
    /// When the written given name is only initials, its first letter.
    initials_head: Option<char>,
    /// The first initial of the canonical given name.
    canonical_head: Option<char>,
}

/// One usable email, prepared.
struct EmailKeys<'a> {
    normalized: Fuzzy<'a>,
    /// Local part and domain, when the address has an `@`.
    parts: Option<(&'a str, Word<'a>)>,
    /// Hash and length (characters) of the local part as said aloud
    /// (`email::local_key`).
    local_key_hash: u64,
    local_key_chars: usize,
    /// Whether the local part only spells a name of its own record.
    spells_a_name: bool,
}

/// One usable phone, prepared.
struct PhoneKeys<'a> {
    e164: Fuzzy<'a>,
    mobile: bool,
}

/// One usable address, prepared.
struct AddressKeys<'a> {
    address: &'a NormalizedAddress,
    postcode: Option<Word<'a>>,
    city: Option<Word<'a>>,
    street: Option<Fuzzy<'a>>,
}

/// A batch of records prepared for many comparisons by one [`Comparator`]:
/// see [`Comparator::prepare`].
///
/// `Debug` prints only the number of records.
pub struct Prepared<'a, G> {
    comparator: &'a Comparator<G>,
    records: &'a [NormalizedRecord],
    spans: Vec<Spans>,
    names: Vec<NameKeys<'a>>,
    readings: Vec<Word<'static>>,
    emails: Vec<EmailKeys<'a>>,
    phones: Vec<PhoneKeys<'a>>,
    addresses: Vec<AddressKeys<'a>>,
}

impl<G> std::fmt::Debug for Prepared<'_, G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("records", &self.records.len())
            .finish()
    }
}

impl<G: GenericValues + Sync> Comparator<G> {
    /// Prepares a batch for many comparisons: per-record work (nickname
    /// readings, generic-value checks, hashes, lengths) done once, in
    /// parallel, instead of once per pair. Then
    /// `Prepared::compare``(i, j, out)` gives exactly what
    /// [`compare`](Self::compare)`(&records[i], &records[j], out)` gives, several
    /// times faster. Memory: about 200 bytes per name, email, phone and
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
    ///     names: vec![PersonName {
    ///         given: given.into(),
    ///         given_canonical: given.into(),
    ///         family: family.into(),
    ///         ..PersonName::default()
    ///     }],
    ///     birth: None, emails: vec![], phones: vec![], addresses: vec![],
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
        let parts: Vec<Prepared<'a, G>> = records
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut part = Prepared::empty(self, records);
                for record in chunk {
                    part.push(record);
                }
                part
            })
            .collect();
        let mut all = Prepared::empty(self, records);
        all.spans.reserve(records.len());
        for part in parts {
            all.append(part);
        }
        all
    }
}

impl<'a, G: GenericValues> Prepared<'a, G> {
    fn empty(comparator: &'a Comparator<G>, records: &'a [NormalizedRecord]) -> Self {
        Prepared {
            comparator,
            records,
            spans: Vec::new(),
            names: Vec::new(),
            readings: Vec::new(),
            emails: Vec::new(),
            phones: Vec::new(),
            addresses: Vec::new(),
        }
    }

    /// Prepares one more record (the next record id).
    fn push(&mut self, record: &'a NormalizedRecord) {
        let generic = &self.comparator.generic;
        let start = self.names.len();
        for person in &record.names {
            let key = self.name_keys(person);
            self.names.push(key);
        }
        let names = Span {
            start,
            end: self.names.len(),
        };

        let start = self.emails.len();
        let usable = |e: &&'a Email| {
            e.identifying && !e.normalized.is_empty() && !generic.email(&e.normalized)
        };
        for e in record.emails.iter().filter(usable) {
            let parts = email::split(&e.normalized);
            let (mut local_key_hash, mut local_key_chars) = (0x9e37_79b9_7f4a_7c15_u64, 0);
            if let Some((local, _)) = parts {
                for c in email::local_key(local) {
                    local_key_hash = (local_key_hash ^ u64::from(u32::from(c)))
                        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                        .rotate_left(29);
                    local_key_chars += 1;
                }
            }
            self.emails.push(EmailKeys {
                normalized: Fuzzy::new(&e.normalized),
                parts: parts.map(|(local, domain)| (local, Word::new(domain))),
                local_key_hash,
                local_key_chars,
                spells_a_name: email::spells_a_name(&e.normalized, &record.names),
            });
        }
        let emails = Span {
            start,
            end: self.emails.len(),
        };

        let start = self.phones.len();
        for p in record
            .phones
            .iter()
            .filter(|p: &&Phone| !p.e164.is_empty() && !generic.phone(&p.e164))
        {
            self.phones.push(PhoneKeys {
                e164: Fuzzy::new(&p.e164),
                mobile: p.kind == PhoneKind::Mobile,
            });
        }
        let phones = Span {
            start,
            end: self.phones.len(),
        };

        let start = self.addresses.len();
        for x in record
            .addresses
            .iter()
            .filter(|x: &&NormalizedAddress| !x.is_empty() && !generic.address(x))
        {
            self.addresses.push(AddressKeys {
                address: x,
                postcode: x.postcode.as_deref().map(Word::new),
                city: x.city.as_deref().map(Word::new),
                street: x.street.as_deref().map(Fuzzy::new),
            });
        }
        let addresses = Span {
            start,
            end: self.addresses.len(),
        };

        self.spans.push(Spans {
            names,
            emails,
            phones,
            addresses,
        });
    }

    fn name_keys(&mut self, person: &'a PersonName) -> NameKeys<'a> {
        let start = self.readings.len();
        self.readings
            .extend(canonical_given(&person.given).iter().map(|r| Word::new(r)));
        let canonical = name::canonical(person);
        let initials_head = name::initials_only(&person.given)
            .and_then(|letters| letters.chars().find(|&c| c != ' '));
        NameKeys {
            given: Fuzzy::new(&person.given),
            canonical: Word::new(canonical),
            family: Fuzzy::new(&person.family),
            readings: Span {
                start,
                end: self.readings.len(),
            },
            initials_head,
            // The first letter of the first non-empty token: what
            // `name::initials` yields first.
            canonical_head: canonical.chars().find(|&c| c != ' '),
        }
    }

    /// Appends a part prepared from the records that follow this one's.
    fn append(&mut self, part: Prepared<'a, G>) {
        let (names, readings, emails, phones, addresses) = (
            self.names.len(),
            self.readings.len(),
            self.emails.len(),
            self.phones.len(),
            self.addresses.len(),
        );
        self.spans.extend(part.spans.into_iter().map(|s| Spans {
            names: s.names.shifted(names),
            emails: s.emails.shifted(emails),
            phones: s.phones.shifted(phones),
            addresses: s.addresses.shifted(addresses),
        }));
        self.names.extend(part.names.into_iter().map(|mut n| {
            n.readings = n.readings.shifted(readings);
            n
        }));
        self.readings.extend(part.readings);
        self.emails.extend(part.emails);
        self.phones.extend(part.phones);
        self.addresses.extend(part.addresses);
    }

    /// How many records were prepared.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when no record was prepared.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The records, as given to [`Comparator::prepare`].
    pub fn records(&self) -> &'a [NormalizedRecord] {
        self.records
    }

    /// Writes the level of each comparison of records `a` and `b` (their
    /// indexes in the prepared slice) into `out`, in settings order: exactly
    /// what [`Comparator::compare`] writes for the two records. `out` should
    /// be [`Comparator::len`] long: extra entries are left alone, missing
    /// ones are not computed. False (and `out` untouched) when an id is out
    /// of range. Allocates nothing.
    pub fn compare(&self, a: RecordId, b: RecordId, out: &mut [u8]) -> bool {
        let (Some(ra), Some(rb), Some(sa), Some(sb)) = (
            self.records.get(a.index()),
            self.records.get(b.index()),
            self.spans.get(a.index()),
            self.spans.get(b.index()),
        ) else {
            return false;
        };
        for (slot, comparison) in out.iter_mut().zip(&self.comparator.settings.comparisons) {
            *slot = match &comparison.kind {
                ComparisonKind::GivenName { jaro_winkler } => self.given_level(
                    sa.names.of(&self.names),
                    sb.names.of(&self.names),
                    jaro_winkler,
                ),
                ComparisonKind::FamilyName {
                    close_jaro_winkler,
                    jaro_winkler,
                } => family_level(
                    sa.names.of(&self.names),
                    sb.names.of(&self.names),
                    *close_jaro_winkler,
                    jaro_winkler,
                ),
                ComparisonKind::BirthDate => date::birth_level(ra.birth.as_ref(), rb.birth.as_ref()),
                ComparisonKind::Email {
                    same_local_part_min_len,
                } => email_level(
                    sa.emails.of(&self.emails),
                    sb.emails.of(&self.emails),
                    *same_local_part_min_len,
                ),
                ComparisonKind::Phone {
                    mobile_suffix_digits,
                } => phone_level(
                    sa.phones.of(&self.phones),
                    sb.phones.of(&self.phones),
                    *mobile_suffix_digits,
                ),
                ComparisonKind::Address {
                    street_jaro_winkler,
                } => address_level(
                    sa.addresses.of(&self.addresses),
                    sb.addresses.of(&self.addresses),
                    *street_jaro_winkler,
                ),
                ComparisonKind::Identifier { strong, weak } => {
                    identifier::identifier_level(&ra.identifiers, &rb.identifiers, strong, weak)
                }
            };
        }
        true
    }

    /// `name::given_level` on prepared names.
    fn given_level(&self, a: &[NameKeys<'_>], b: &[NameKeys<'_>], thresholds: &[f64]) -> u8 {
        let mut best = 0;
        for x in a {
            for y in b {
                best = stronger(best, self.given_pair(x, y, thresholds, best));
                if best == name::GIVEN_EXACT {
                    return best;
                }
            }
        }
        best
    }

    /// `name::given_pair` on prepared names, step for step.
    fn given_pair(&self, x: &NameKeys<'_>, y: &NameKeys<'_>, thresholds: &[f64], best: u8) -> u8 {
        if x.given.chars == 0 || y.given.chars == 0 {
            return 0;
        }
        if x.given.word.same(&y.given.word) {
            return name::GIVEN_EXACT;
        }
        if swapped(x, y) {
            return name::GIVEN_SWAPPED;
        }
        if x.canonical.same(&y.canonical) || self.reads_as(x, y) || self.reads_as(y, x) {
            return name::GIVEN_NICKNAME;
        }
        let initials = |x: &NameKeys<'_>, y: &NameKeys<'_>| {
            x.initials_head.is_some()
                && x.initials_head == y.canonical_head
                && name::initials_agree(x.given.text(), y.canonical.text)
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
            jaro_winkler(x.given.text(), y.given.text()),
            thresholds,
            name::GIVEN_FIRST_FUZZY,
        )
    }

    /// One of `x`'s nickname readings is `y`'s written or canonical name.
    fn reads_as(&self, x: &NameKeys<'_>, y: &NameKeys<'_>) -> bool {
        x.readings
            .of(&self.readings)
            .iter()
            .any(|r| r.same(&y.given.word) || r.same(&y.canonical))
    }
}

/// Given and family names exchanged between the two records' boxes.
fn swapped(x: &NameKeys<'_>, y: &NameKeys<'_>) -> bool {
    x.given.chars != 0
        && x.family.chars != 0
        && x.given.word.same(&y.family.word)
        && x.family.word.same(&y.given.word)
}

/// `name::family_level` on prepared names.
fn family_level(
    a: &[NameKeys<'_>],
    b: &[NameKeys<'_>],
    close_jaro_winkler: f64,
    thresholds: &[f64],
) -> u8 {
    let mut best = 0;
    for x in a {
        for y in b {
            best = stronger(
                best,
                family_pair(x, y, close_jaro_winkler, thresholds, best),
            );
            if best == name::FAMILY_EXACT {
                return best;
            }
        }
    }
    best
}

/// `name::family_pair` on prepared names, step for step.
fn family_pair(
    x: &NameKeys<'_>,
    y: &NameKeys<'_>,
    close_jaro_winkler: f64,
    thresholds: &[f64],
    best: u8,
) -> u8 {
    let (f, g) = (&x.family, &y.family);
    if f.chars == 0 || g.chars == 0 {
        return 0;
    }
    if f.word.same(&g.word) {
        return name::FAMILY_EXACT;
    }
    if swapped(x, y) {
        return name::FAMILY_SWAPPED;
    }
    let else_level = name::FAMILY_FIRST_FUZZY + thresholds.len() as u8;
    if best != 0 && best <= name::FAMILY_CLOSE {
        return else_level;
    }
    let long_enough =
        f.chars >= name::MIN_CHARS_FOR_ONE_EDIT && g.chars >= name::MIN_CHARS_FOR_ONE_EDIT;
    if long_enough && f.may_be_one_edit(g) && within_one_edit(f.text(), g.text(), true) {
        return name::FAMILY_CLOSE;
    }
    let lowest = thresholds
        .last()
        .map_or(close_jaro_winkler, |&t| t.min(close_jaro_winkler));
    if f.surely_below(g, lowest) {
        return else_level;
    }
    let similarity = jaro_winkler(f.text(), g.text());
    if similarity >= close_jaro_winkler {
        return name::FAMILY_CLOSE;
    }
    name::bucket(similarity, thresholds, name::FAMILY_FIRST_FUZZY)
}

/// `email::email_level` on prepared (usable) emails.
fn email_level(a: &[EmailKeys<'_>], b: &[EmailKeys<'_>], min_len: usize) -> u8 {
    let mut best = 0;
    for x in a {
        for y in b {
            let level = email_pair(x, y, min_len);
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
fn email_pair(x: &EmailKeys<'_>, y: &EmailKeys<'_>, min_len: usize) -> u8 {
    if x.normalized.word.same(&y.normalized.word) {
        return email::EXACT;
    }
    if let (Some((xl, xd)), Some((yl, yd))) = (&x.parts, &y.parts) {
        if !xd.same(yd)
            && x.local_key_hash == y.local_key_hash
            && x.local_key_chars == y.local_key_chars
            && x.local_key_chars >= min_len.max(1)
            && email::local_key(xl).eq(email::local_key(yl))
        {
            return email::SAME_LOCAL_PART;
        }
    }
    if x.normalized.may_be_one_edit(&y.normalized)
        && within_one_edit(x.normalized.text(), y.normalized.text(), true)
    {
        return email::ONE_EDIT;
    }
    email::ELSE
}

/// `phone::phone_level` on prepared (usable) phones.
fn phone_level(a: &[PhoneKeys<'_>], b: &[PhoneKeys<'_>], suffix_digits: usize) -> u8 {
    let mut best = 0;
    for x in a {
        for y in b {
            best = stronger(best, phone_pair(x, y, suffix_digits));
            if best == phone::SAME_MOBILE {
                return best;
            }
        }
    }
    best
}

/// `phone::pair` on prepared phones, step for step.
fn phone_pair(x: &PhoneKeys<'_>, y: &PhoneKeys<'_>, suffix_digits: usize) -> u8 {
    if x.e164.word.same(&y.e164.word) {
        return if x.mobile && y.mobile {
            phone::SAME_MOBILE
        } else {
            phone::SAME_LANDLINE
        };
    }
    if x.mobile && y.mobile {
        let same_suffix = matches!(
            (phone::suffix(x.e164.text(), suffix_digits), phone::suffix(y.e164.text(), suffix_digits)),
            (Some(p), Some(q)) if p == q
        );
        if same_suffix
            || (x.e164.may_be_one_edit(&y.e164)
                && within_one_edit(x.e164.text(), y.e164.text(), true))
        {
            return phone::MOBILE_CLOSE;
        }
    }
    phone::ELSE
}

/// `address::address_level` on prepared (usable) addresses.
fn address_level(a: &[AddressKeys<'_>], b: &[AddressKeys<'_>], street_jaro_winkler: f64) -> u8 {
    let mut best = 0;
    for x in a {
        for y in b {
            best = stronger(best, address_pair(x, y, street_jaro_winkler));
            if best == address::SAME_STREET_NUMBER {
                return best;
            }
        }
    }
    best
}

/// Both present and equal.
fn agree(x: Option<&Word<'_>>, y: Option<&Word<'_>>) -> bool {
    matches!((x, y), (Some(p), Some(q)) if p.same(q))
}

/// `address::pair` on prepared addresses, step for step.
fn address_pair(x: &AddressKeys<'_>, y: &AddressKeys<'_>, street_jaro_winkler: f64) -> u8 {
    let comparable = (x.postcode.is_some() && y.postcode.is_some())
        || (x.city.is_some() && y.city.is_some());
    if !comparable {
        return 0;
    }
    let (xa, ya) = (x.address, y.address);
    if let (Some(p), Some(q)) = (xa.country, ya.country) {
        if p != q {
            return address::ELSE;
        }
    }
    if agree(x.postcode.as_ref(), y.postcode.as_ref()) {
        let same_street = match (&x.street, &y.street) {
            (Some(s), Some(t)) => {
                s.word.same(&t.word)
                    || (!s.surely_below(t, street_jaro_winkler)
                        && jaro_winkler(s.text(), t.text()) >= street_jaro_winkler)
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
    if agree(x.city.as_ref(), y.city.as_ref()) {
        return address::SAME_CITY;
    }
    address::ELSE
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bound_is_tight_on_equal_multisets_and_prunes_strangers() {
        let (a, b) = (Fuzzy::new("martha"), Fuzzy::new("marhta"));
        assert!(a.jaro_winkler_bound(&b) >= jaro_winkler("martha", "marhta"));
        let (a, b) = (Fuzzy::new("marie"), Fuzzy::new("thomas"));
        assert!(a.surely_below(&b, 0.85));
        assert!(!Fuzzy::new("dupont").surely_below(&Fuzzy::new("dupond"), 0.88));
    }

    #[test]
    fn one_edit_filter_keeps_every_one_edit_pair() {
        for (a, b) in [
            ("dupont", "dupond"),
            ("dupont", "dupnot"),
            ("dupont", "dupon"),
            ("lefevre", "lefèvre"),
        ] {
            assert!(Fuzzy::new(a).may_be_one_edit(&Fuzzy::new(b)), "{a} {b}");
        }
        assert!(!Fuzzy::new("dupont").may_be_one_edit(&Fuzzy::new("durand")));
        assert!(!Fuzzy::new("dupont").may_be_one_edit(&Fuzzy::new("dup")));
    }

    proptest! {
        #[test]
        fn jaro_winkler_never_exceeds_its_bound(a in "[a-f ]{0,10}", b in "[a-f ]{0,10}") {
            let s = jaro_winkler(&a, &b);
            prop_assert!(s <= Fuzzy::new(&a).jaro_winkler_bound(&Fuzzy::new(&b)));
        }

        #[test]
        fn jaro_winkler_never_exceeds_its_bound_any_text(a in "\\PC{0,20}", b in "\\PC{0,20}") {
            let s = jaro_winkler(&a, &b);
            prop_assert!(s <= Fuzzy::new(&a).jaro_winkler_bound(&Fuzzy::new(&b)));
        }

        #[test]
        fn one_edit_filter_never_drops_a_one_edit_pair(a in "[ab\u{e9} ]{0,6}", b in "[ab\u{e9} ]{0,6}") {
            if within_one_edit(&a, &b, true) {
                prop_assert!(Fuzzy::new(&a).may_be_one_edit(&Fuzzy::new(&b)));
            }
        }
    }
}
