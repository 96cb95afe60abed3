//! Blocking keys: what a record's values become under a rule.
//!
//! A key is the part values of one combination joined in a reusable buffer
//! (`\x1f` between parts) and hashed to 64 bits with FNV-1a followed by the
//! MurmurHash3 finalizer (FNV alone mixes its low bits poorly). The hash is
//! written here by hand so that keys are the same on every machine, every run
//! and every Rust release: reports name blocks by hash, and a dry run must
//! agree with the real run.
//!
//! The rule index goes in the top 6 bits of a [`BlockKey`] and the hash's top
//! 58 bits below it, so sorting a record's keys sorts them by rule first — the
//! candidate-pair engine relies on that to find, with one merge of two short
//! lists, whether an earlier rule already pairs two records.
//!
//! Collisions: two different key strings of one rule with the same 58-bit hash
//! merge two blocks. That only adds candidate pairs, which the comparison
//! stage scores as non-matches; it never removes one. At 10M records and
//! ~10⁸ keys the expected number of colliding key pairs is below 10⁻¹.

use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasherDefault;

use serde::{Deserialize, Serialize};

use super::generic::{GenericField, GenericValues};
use super::rule::{BlockingRule, KeyPart, PartSource, RuleId};
use crate::normalize::nickname::FnvHasher;
use crate::normalize::phonetic::phonetic_key;
use crate::normalize::{
    Email, NormalizedAddress, NormalizedRecord, PartialDate, PersonName, Phone,
};

/// At most this many rules fit in the rule bits of a [`BlockKey`].
pub const MAX_RULES: usize = 64;

const RULE_SHIFT: u32 = 58;

/// A rule's key for one record: the rule in the top 6 bits, the key hash in
/// the other 58. Ordered by rule, then hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BlockKey(pub u64);

impl BlockKey {
    pub(crate) fn new(rule: u8, hash: u64) -> Self {
        BlockKey((u64::from(rule) << RULE_SHIFT) | (hash >> (64 - RULE_SHIFT)))
    }

    /// The rule this key was computed under.
    pub fn rule(self) -> RuleId {
        // The shift leaves 6 bits, which always fit a u8.
        RuleId((self.0 >> RULE_SHIFT) as u8)
    }

    /// The 58-bit hash of the key's values.
    pub fn hash(self) -> u64 {
        self.0 & ((1 << RULE_SHIFT) - 1)
    }
}

impl fmt::Debug for BlockKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlockKey({}, {:#016x})", self.rule().0, self.hash())
    }
}

/// Streaming FNV-1a (64-bit) with a MurmurHash3 `fmix64` finish.
#[derive(Clone, Copy)]
pub(crate) struct KeyHasher(u64);

impl KeyHasher {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub(crate) fn new() -> Self {
        KeyHasher(Self::OFFSET)
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) -> &mut Self {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
        self
    }

    pub(crate) fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 33;
        h
    }
}

/// The hash of a whole byte string.
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    KeyHasher::new().write(bytes).finish()
}

/// Separates part values inside a key; folded text never contains it, and if
/// a raw identifier did the worst outcome is a collision (an extra pair).
const SEPARATOR: char = '\x1f';

/// A rule prepared for key computation: its parts grouped by the element they
/// read, groups in order of first appearance.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pub(crate) id: u8,
    groups: Vec<(PartSource, Vec<KeyPart>)>,
    /// Whether a part needs a name's phonetic keys.
    phonetic: bool,
}

impl CompiledRule {
    pub(crate) fn new(id: u8, rule: &BlockingRule) -> Self {
        let mut groups: Vec<(PartSource, Vec<KeyPart>)> = Vec::new();
        for part in &rule.key {
            let source = part.source();
            match groups.iter_mut().find(|(s, _)| *s == source) {
                Some((_, parts)) => parts.push(part.clone()),
                None => groups.push((source, vec![part.clone()])),
            }
        }
        let phonetic = rule.key.iter().any(|part| {
            matches!(
                part,
                KeyPart::FamilyPhonetic | KeyPart::GivenPhonetic | KeyPart::NamePhonetics
            )
        });
        CompiledRule {
            id,
            groups,
            phonetic,
        }
    }
}

/// One element of a record a group of parts reads.
enum Element<'a> {
    /// A name and its position in the record.
    Name(&'a PersonName, usize),
    Birth(PartialDate),
    Address(&'a NormalizedAddress),
    Email(&'a Email),
    Phone(&'a Phone),
    Identifier(&'a str),
}

/// Computes keys with one reusable buffer; one per worker thread.
///
/// Phonetic keys are remembered per distinct name: a batch has far fewer
/// distinct family and given names than records, and Soundex2 costs a pass
/// per letter group and an allocation, so each name is keyed once per
/// builder and every later occurrence is one hash lookup.
#[derive(Default)]
pub(crate) struct KeyBuilder {
    buf: String,
    /// Name → index of its phonetic key in `phonetic_keys`.
    phonetic_ids: HashMap<Box<str>, u32, BuildHasherDefault<FnvHasher>>,
    phonetic_keys: Vec<Box<str>>,
    /// The current record's (family, first given) phonetic key ids, per name.
    name_phonetics: Vec<(u32, u32)>,
}

impl KeyBuilder {
    /// The id of the phonetic key of `name`, computed on first sight.
    fn phonetic_id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.phonetic_ids.get(name) {
            return id;
        }
        // Builders see at most one batch, whose size fits a u32, and each
        // record gives a handful of names: the count stays far below 2^32.
        let id = self.phonetic_keys.len() as u32;
        self.phonetic_keys.push(phonetic_key(name).into_boxed_str());
        self.phonetic_ids.insert(name.into(), id);
        id
    }
}

impl KeyBuilder {
    /// Appends the record's keys under every rule to `out`, sorted and
    /// deduplicated (so the order of a record's values never matters).
    pub(crate) fn record_keys(
        &mut self,
        record: &NormalizedRecord,
        rules: &[CompiledRule],
        generic: &GenericValues,
        out: &mut Vec<BlockKey>,
    ) {
        let start = out.len();
        self.name_phonetics.clear();
        if rules.iter().any(|rule| rule.phonetic) {
            for name in &record.names {
                let ids = (
                    self.phonetic_id(&name.family),
                    self.phonetic_id(first_given(name)),
                );
                self.name_phonetics.push(ids);
            }
        }
        for rule in rules {
            self.buf.clear();
            let ctx = Ctx {
                record,
                generic,
                rule: rule.id,
                name_phonetics: &self.name_phonetics,
                phonetic_keys: &self.phonetic_keys,
            };
            expand(&ctx, &rule.groups, &mut self.buf, out);
        }
        out[start..].sort_unstable();
        let mut write = start;
        for read in start..out.len() {
            if write == start || out[read] != out[write - 1] {
                out[write] = out[read];
                write += 1;
            }
        }
        out.truncate(write);
    }
}

struct Ctx<'a> {
    record: &'a NormalizedRecord,
    generic: &'a GenericValues,
    rule: u8,
    /// Per name of the record: ids of its family and first-given phonetic
    /// keys in `phonetic_keys` (empty when no rule needs them).
    name_phonetics: &'a [(u32, u32)],
    phonetic_keys: &'a [Box<str>],
}

impl Ctx<'_> {
    /// The (family, first given) phonetic keys of the record's name `k`.
    fn phonetics(&self, k: usize) -> (&str, &str) {
        let key = |id: u32| self.phonetic_keys.get(id as usize).map_or("", |k| &**k);
        self.name_phonetics
            .get(k)
            .map_or(("", ""), |&(family, given)| (key(family), key(given)))
    }
}

/// Depth-first over the groups: each element of the first group, then the
/// rest; the buffer is truncated back after each element, so no allocation.
fn expand(
    ctx: &Ctx<'_>,
    groups: &[(PartSource, Vec<KeyPart>)],
    buf: &mut String,
    out: &mut Vec<BlockKey>,
) {
    let Some(((source, parts), rest)) = groups.split_first() else {
        out.push(BlockKey::new(ctx.rule, hash_bytes(buf.as_bytes())));
        return;
    };
    let record = ctx.record;
    let mut visit = |element: Element<'_>| {
        let len = buf.len();
        if parts
            .iter()
            .all(|part| append_part(ctx, part, &element, buf))
        {
            expand(ctx, rest, buf, out);
        }
        buf.truncate(len);
    };
    match source {
        PartSource::Name => record
            .names
            .iter()
            .enumerate()
            .for_each(|(k, n)| visit(Element::Name(n, k))),
        PartSource::Birth => record.birth.iter().for_each(|b| visit(Element::Birth(*b))),
        PartSource::Address => record
            .addresses
            .iter()
            .for_each(|a| visit(Element::Address(a))),
        PartSource::Email => record.emails.iter().for_each(|e| visit(Element::Email(e))),
        PartSource::Phone => record.phones.iter().for_each(|p| visit(Element::Phone(p))),
        PartSource::Identifier(kind) => record
            .identifiers
            .iter()
            .filter(|(k, _)| k == kind)
            .for_each(|(_, v)| visit(Element::Identifier(v))),
    }
}

/// Appends one part's value for one element; false when the element has no
/// usable value for the part (missing, empty, placeholder or generic).
fn append_part(ctx: &Ctx<'_>, part: &KeyPart, element: &Element<'_>, buf: &mut String) -> bool {
    buf.push(SEPARATOR);
    let start = buf.len();
    match (part, element) {
        (KeyPart::Email, Element::Email(email)) => {
            email.identifying
                && !ctx.generic.is_generic_email(email)
                && push_nonempty(buf, &email.normalized)
        }
        (KeyPart::Phone, Element::Phone(phone)) => {
            !ctx.generic.is_generic_phone(phone) && push_nonempty(buf, &phone.e164)
        }
        (KeyPart::Identifier(kind), Element::Identifier(value)) => {
            !ctx.generic.is_generic_identifier(kind, value) && push_nonempty(buf, value)
        }
        (KeyPart::FamilyName, Element::Name(name, _)) => push_nonempty(buf, &name.family),
        (KeyPart::FamilyPhonetic, Element::Name(name, k)) => {
            !name.family.is_empty() && push_nonempty(buf, ctx.phonetics(*k).0)
        }
        (KeyPart::FamilyPrefix(len), Element::Name(name, _)) => {
            name.family
                .chars()
                .filter(|c| *c != ' ')
                .take(usize::from(*len))
                .for_each(|c| buf.push(c));
            buf.len() > start
        }
        (KeyPart::GivenName, Element::Name(name, _)) => push_nonempty(buf, first_given(name)),
        (KeyPart::GivenPhonetic, Element::Name(name, k)) => {
            let given = first_given(name);
            !given.is_empty() && push_nonempty(buf, ctx.phonetics(*k).1)
        }
        (KeyPart::NamePhonetics, Element::Name(name, k)) => {
            let given = first_given(name);
            if name.family.is_empty() || given.is_empty() {
                return false;
            }
            let (a, b) = ctx.phonetics(*k);
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            buf.push_str(lo);
            buf.push(SEPARATOR);
            buf.push_str(hi);
            !lo.is_empty() && !hi.is_empty()
        }
        (KeyPart::GivenInitial, Element::Name(name, _)) => {
            match name
                .initials
                .chars()
                .next()
                .or_else(|| first_given(name).chars().next())
            {
                Some(c) => {
                    buf.push(c);
                    true
                }
                None => false,
            }
        }
        (KeyPart::BirthDate, Element::Birth(date)) => match (date.month, date.day) {
            (Some(month), Some(day)) => {
                push_number(buf, u32::from(date.year));
                push_number(buf, u32::from(month) + 100);
                push_number(buf, u32::from(day) + 100);
                true
            }
            _ => false,
        },
        (KeyPart::BirthYear, Element::Birth(date)) => {
            push_number(buf, u32::from(date.year));
            true
        }
        (KeyPart::Postcode, Element::Address(address)) => address
            .postcode
            .as_deref()
            .is_some_and(|p| push_nonempty(buf, p)),
        (KeyPart::Department, Element::Address(address)) => address
            .postcode
            .as_deref()
            .and_then(department)
            .is_some_and(|d| push_nonempty(buf, d)),
        (KeyPart::City, Element::Address(address)) => address
            .city
            .as_deref()
            .is_some_and(|c| push_nonempty(buf, c)),
        (KeyPart::Address, Element::Address(address)) => {
            write_address_value(address, buf)
                && !ctx.generic.contains(GenericField::Address, &buf[start..])
        }
        // A part is only ever asked about an element of its own source.
        _ => false,
    }
}

/// The département of a normalized postcode: its first two digits, three
/// overseas (`97411` is in `974`). None for a postcode too short to have one.
pub(crate) fn department(postcode: &str) -> Option<&str> {
    let len = if postcode.starts_with("97") || postcode.starts_with("98") {
        3
    } else {
        2
    };
    postcode.get(..len).filter(|d| d.len() == len)
}

fn push_nonempty(buf: &mut String, value: &str) -> bool {
    buf.push_str(value);
    !value.is_empty()
}

/// Appends the decimal digits of `n` (by hand: `write!` costs a formatter
/// call per key on the hot path).
fn push_number(buf: &mut String, n: u32) {
    let mut digits = [0u8; 10];
    for &d in decimal(n, &mut digits) {
        buf.push(char::from(d));
    }
}

/// The first canonical given name (`jean francois` → `jean`), or the first
/// given name as written when no canonical form was derived.
fn first_given(name: &PersonName) -> &str {
    let given = if name.given_canonical.is_empty() {
        &name.given
    } else {
        &name.given_canonical
    };
    given.split(' ').next().unwrap_or_default()
}

/// The hash of [`write_address_value`]'s text, streamed piece by piece
/// (FNV-1a reads bytes in order, so the pieces hash as their concatenation):
/// no buffer, no allocation. None when the address has no street-level value.
pub(crate) fn address_value_hash(address: &NormalizedAddress) -> Option<u64> {
    let street = address.street.as_deref().filter(|s| !s.is_empty())?;
    let place = address
        .postcode
        .as_deref()
        .filter(|p| !p.is_empty())
        .or(address.city.as_deref().filter(|c| !c.is_empty()))?;
    let mut hasher = KeyHasher::new();
    if let Some(number) = address.number {
        let mut digits = [0u8; 10];
        hasher.write(decimal(number, &mut digits));
    }
    hasher
        .write(b" ")
        .write(
            address
                .number_suffix
                .as_deref()
                .unwrap_or_default()
                .as_bytes(),
        )
        .write(b" ")
        .write(street.as_bytes())
        .write(b" ")
        .write(place.as_bytes());
    Some(hasher.finish())
}

/// The decimal digits of `n`, written at the end of `digits`.
fn decimal(mut n: u32, digits: &mut [u8; 10]) -> &[u8] {
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    &digits[i..]
}

/// The street-level identity of an address: number, suffix, street and the
/// postcode (or the commune when there is no postcode). False without a street
/// or without a place: `rue de la paix` alone exists in hundreds of communes.
pub(crate) fn write_address_value(address: &NormalizedAddress, buf: &mut String) -> bool {
    let Some(street) = address.street.as_deref().filter(|s| !s.is_empty()) else {
        return false;
    };
    let place = address
        .postcode
        .as_deref()
        .filter(|p| !p.is_empty())
        .or(address.city.as_deref().filter(|c| !c.is_empty()));
    let Some(place) = place else {
        return false;
    };
    if let Some(number) = address.number {
        push_number(buf, number);
    }
    buf.push(' ');
    buf.push_str(address.number_suffix.as_deref().unwrap_or_default());
    buf.push(' ');
    buf.push_str(street);
    buf.push(' ');
    buf.push_str(place);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_the_reference_fnv1a_before_finalizing() {
        // FNV-1a 64 reference values (IETF draft-eastlake-fnv): "" and "a".
        assert_eq!(KeyHasher::new().0, 0xcbf29ce484222325);
        assert_eq!(KeyHasher::new().write(b"a").0, 0xaf63dc4c8601ec8c);
        assert_ne!(hash_bytes(b"a"), hash_bytes(b"b"));
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        let mut buf = String::new();
        for n in [0, 7, 10, 1975, u32::MAX] {
            buf.clear();
            push_number(&mut buf, n);
            assert_eq!(buf, n.to_string());
        }
    }

    #[test]
    fn streamed_address_hash_equals_the_hash_of_the_written_value() {
        let mut address = NormalizedAddress {
            number: Some(12),
            number_suffix: Some("bis".into()),
            street: Some("rue de la paix".into()),
            postcode: Some("75002".into()),
            city: Some("paris".into()),
            country: None,
        };
        for step in 0..4 {
            match step {
                1 => address.number = None,
                2 => address.postcode = None,
                3 => address.number_suffix = None,
                _ => {}
            }
            let mut buf = String::new();
            assert!(write_address_value(&address, &mut buf));
            assert_eq!(
                address_value_hash(&address),
                Some(hash_bytes(buf.as_bytes()))
            );
        }
        address.city = None;
        assert_eq!(address_value_hash(&address), None);
    }

    #[test]
    fn block_key_orders_by_rule_first() {
        let a = BlockKey::new(1, u64::MAX);
        let b = BlockKey::new(2, 0);
        assert!(a < b);
        assert_eq!(a.rule(), RuleId(1));
        assert_eq!(b.rule(), RuleId(2));
        assert_eq!(a.hash(), (1 << 58) - 1);
    }
}
