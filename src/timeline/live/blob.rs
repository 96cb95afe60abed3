//! The byte arena holding each event's variable part as one *blob*, and the
//! blob encoding.
//!
//! Why blobs and not one column per field: an event's id, amount, order
//! reference, store code, attributes (and its source key when it differs
//! from its record's) are read together and only when the event is shown,
//! never to sort or filter. Packed together they cost one 40-bit reference
//! per event plus a few bytes of framing, where columns cost 4 to 8 bytes per
//! field whether the event has the field or not. And erasure is one
//! `fill(0)` per event: no shared string table to reference-count.
//!
//! # Chunks
//!
//! The arena is a list of chunks of about [`CHUNK`] bytes, so appending never
//! copies more than one chunk (a single `Vec<u8>` of 1 GB would stall a
//! `push` for the whole copy when it grows). A blob never straddles two
//! chunks; a blob bigger than a chunk gets a chunk of its own. A reference is
//! `chunk << 20 | offset`, 40 bits: 2^20 chunks of 1 MiB, 1 TiB.
//!
//! # Encoding (all lengths and numbers are LEB128 varints)
//!
//! ```text
//! event blob: id_len id flags
//!             [zigzag(amount) currency_id]        flags & AMOUNT
//!             [ref_len order_ref]                 flags & ORDER_REF
//!             [store_len store]                   flags & STORE
//!             [source_channel_id id_len id]       flags & OWN_SOURCE
//!             [count (key_len key value_len value)*]  flags & ATTRIBUTES
//! key blob:   channel_id id_len id
//! ```
//!
//! Every reader is total: a reference or a blob that does not parse (only
//! possible in a corrupted snapshot that slipped past validation) reads as
//! empty, never panics.

use crate::timeline::event::Event;

/// Target chunk size; see the module docs.
pub(super) const CHUNK: usize = 1 << 20;
const OFFSET_BITS: u32 = 20;
/// Most chunks an arena holds: the 40-bit reference's upper 20 bits, less the
/// all-ones value that [`NO_REF`] uses.
pub(super) const MAX_CHUNKS: usize = (1 << 20) - 1;
/// Bits of a blob reference.
pub(super) const REF_BITS: u32 = 40;
/// Mask of a blob reference.
pub(super) const REF_MASK: u64 = (1 << REF_BITS) - 1;
/// "No blob" (a record without a key): chunk `MAX_CHUNKS` never exists.
pub(super) const NO_REF: u64 = REF_MASK;

const AMOUNT: u8 = 1;
const ORDER_REF: u8 = 2;
const STORE: u8 = 4;
const OWN_SOURCE: u8 = 8;
const ATTRIBUTES: u8 = 16;
const KNOWN_FLAGS: u8 = AMOUNT | ORDER_REF | STORE | OWN_SOURCE | ATTRIBUTES;

/// The chunks, and how many of their bytes belong to erased blobs (zeroed,
/// waiting for [`compaction`](super::RecordEvents::compact)).
#[derive(Clone, Default)]
pub(super) struct Arena {
    pub(super) chunks: Vec<Vec<u8>>,
    pub(super) garbage: usize,
}

impl Arena {
    /// Room for `len` more bytes: the reference they will get, or `None` when
    /// the arena is out of chunks. Opens a chunk when the last one is full.
    pub(super) fn reserve(&mut self, len: usize) -> Option<u64> {
        let fits = matches!(self.chunks.last(), Some(c) if c.len() + len <= CHUNK || c.is_empty());
        if !fits {
            if self.chunks.len() >= MAX_CHUNKS {
                return None;
            }
            // The first chunk of a small store starts small; chunks after it
            // are full-size.
            let capacity = if self.chunks.is_empty() {
                len.max(4096)
            } else {
                len.max(CHUNK)
            };
            self.chunks.push(Vec::with_capacity(capacity));
        }
        let chunk = self.chunks.len() - 1;
        let offset = self.chunks[chunk].len();
        Some(((chunk as u64) << OFFSET_BITS) | offset as u64)
    }

    /// The chunk a reference from [`reserve`](Self::reserve) writes into.
    pub(super) fn last_chunk(&mut self) -> Option<&mut Vec<u8>> {
        self.chunks.last_mut()
    }

    /// Appends a finished blob, returning its reference.
    pub(super) fn write(&mut self, blob: &[u8]) -> Option<u64> {
        let r = self.reserve(blob.len())?;
        self.last_chunk()?.extend_from_slice(blob);
        Some(r)
    }

    /// The bytes from a reference to the end of its chunk (empty for a bad
    /// reference).
    pub(super) fn tail(&self, r: u64) -> &[u8] {
        let chunk = (r >> OFFSET_BITS) as usize;
        let offset = (r & ((1 << OFFSET_BITS) - 1)) as usize;
        self.chunks
            .get(chunk)
            .and_then(|c| c.get(offset..))
            .unwrap_or(&[])
    }

    /// Zeroes `len` bytes at a reference and counts them as garbage.
    pub(super) fn scrub(&mut self, r: u64, len: usize) {
        let chunk = (r >> OFFSET_BITS) as usize;
        let offset = (r & ((1 << OFFSET_BITS) - 1)) as usize;
        if let Some(bytes) = self
            .chunks
            .get_mut(chunk)
            .and_then(|c| c.get_mut(offset..offset.saturating_add(len)))
        {
            bytes.fill(0);
            self.garbage += len;
        }
    }

    /// Bytes written, garbage included.
    pub(super) fn used(&self) -> usize {
        self.chunks.iter().map(Vec::len).sum()
    }

    /// Bytes held, capacities included.
    pub(super) fn memory_bytes(&self) -> usize {
        self.chunks.capacity() * size_of::<Vec<u8>>()
            + self.chunks.iter().map(Vec::capacity).sum::<usize>()
    }
}

/// Splits a reference into `(chunk, offset)`.
pub(super) fn split_ref(r: u64) -> (usize, usize) {
    (
        (r >> OFFSET_BITS) as usize,
        (r & ((1 << OFFSET_BITS) - 1)) as usize,
    )
}

/// Makes a reference from `(chunk, offset)`.
pub(super) fn make_ref(chunk: usize, offset: usize) -> u64 {
    ((chunk as u64) << OFFSET_BITS) | offset as u64
}

fn varint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn str_len(s: &str) -> usize {
    varint_len(s.len() as u64) + s.len()
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// What an event's blob holds beyond the event itself: the ids the store
/// gave its currency and (when it differs from its record's) its source
/// channel.
#[derive(Debug, Clone, Copy)]
pub(super) struct BlobIds {
    pub(super) currency: u32,
    /// `Some(channel id)` when the event's source key is not its record's.
    pub(super) own_source: Option<u32>,
}

/// The encoded length of an event's blob.
pub(super) fn event_blob_len(e: &Event, ids: BlobIds) -> usize {
    let mut n = str_len(&e.id) + 1;
    if let Some(m) = &e.amount {
        n += varint_len(zigzag(m.minor)) + varint_len(u64::from(ids.currency));
    }
    if let Some(r) = &e.order_ref {
        n += str_len(r);
    }
    if let Some(s) = &e.store {
        n += str_len(s);
    }
    if let Some(c) = ids.own_source {
        n += varint_len(u64::from(c)) + str_len(&e.source.id);
    }
    if !e.attributes.is_empty() {
        n += attributes_len(e);
    }
    n
}

/// The encoded length of the attribute section (count and pairs).
pub(super) fn attributes_len(e: &Event) -> usize {
    if e.attributes.is_empty() {
        return 0;
    }
    varint_len(e.attributes.len() as u64)
        + e.attributes
            .iter()
            .map(|(k, v)| str_len(k) + str_len(v))
            .sum::<usize>()
}

/// Bytes of text (ids, references, store codes, own source id) in an
/// event's blob: what [`MemoryUsage::string_bytes`](crate::timeline::MemoryUsage)
/// counts.
pub(super) fn event_text_len(e: &Event, ids: BlobIds) -> usize {
    e.id.len()
        + e.order_ref.as_ref().map_or(0, String::len)
        + e.store.as_ref().map_or(0, String::len)
        + ids.own_source.map_or(0, |_| e.source.id.len())
}

/// Appends an event's blob to `out`.
pub(super) fn encode_event(out: &mut Vec<u8>, e: &Event, ids: BlobIds) {
    put_str(out, &e.id);
    let mut flags = 0;
    if e.amount.is_some() {
        flags |= AMOUNT;
    }
    if e.order_ref.is_some() {
        flags |= ORDER_REF;
    }
    if e.store.is_some() {
        flags |= STORE;
    }
    if ids.own_source.is_some() {
        flags |= OWN_SOURCE;
    }
    if !e.attributes.is_empty() {
        flags |= ATTRIBUTES;
    }
    out.push(flags);
    if let Some(m) = &e.amount {
        put_varint(out, zigzag(m.minor));
        put_varint(out, u64::from(ids.currency));
    }
    if let Some(r) = &e.order_ref {
        put_str(out, r);
    }
    if let Some(s) = &e.store {
        put_str(out, s);
    }
    if let Some(c) = ids.own_source {
        put_varint(out, u64::from(c));
        put_str(out, &e.source.id);
    }
    if !e.attributes.is_empty() {
        put_varint(out, e.attributes.len() as u64);
        for (k, v) in &e.attributes {
            put_str(out, k);
            put_str(out, v);
        }
    }
}

/// The encoded length of a record key's blob.
pub(super) fn key_blob_len(channel: u32, id: &str) -> usize {
    varint_len(u64::from(channel)) + str_len(id)
}

/// Appends a record key's blob to `out`.
pub(super) fn encode_key(out: &mut Vec<u8>, channel: u32, id: &str) {
    put_varint(out, u64::from(channel));
    put_str(out, id);
}

/// A bounds-checked reader over a blob.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.varint()?).ok()
    }

    fn raw(&mut self, len: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(len)?;
        let s = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn str(&mut self) -> Option<&'a str> {
        let len = usize::try_from(self.varint()?).ok()?;
        std::str::from_utf8(self.raw(len)?).ok()
    }
}

/// An event blob, parsed. Attributes stay encoded until iterated.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct EventBlob<'a> {
    pub(super) id: &'a str,
    pub(super) amount: Option<(i64, u32)>,
    pub(super) order_ref: Option<&'a str>,
    pub(super) store: Option<&'a str>,
    pub(super) own_source: Option<(u32, &'a str)>,
    pub(super) attributes: Attributes<'a>,
    /// The blob's length in bytes.
    pub(super) len: usize,
}

impl EventBlob<'_> {
    /// Bytes of text, as [`event_text_len`] counts them.
    pub(super) fn text_len(&self) -> usize {
        self.id.len()
            + self.order_ref.map_or(0, str::len)
            + self.store.map_or(0, str::len)
            + self.own_source.map_or(0, |(_, s)| s.len())
    }
}

/// Parses an event blob at the start of `bytes`; `None` when it does not
/// parse (corrupted input).
pub(super) fn parse_event(bytes: &[u8]) -> Option<EventBlob<'_>> {
    let mut r = Reader { bytes, pos: 0 };
    let id = r.str()?;
    let flags = r.byte()?;
    if flags & !KNOWN_FLAGS != 0 {
        return None;
    }
    let amount = if flags & AMOUNT != 0 {
        Some((unzigzag(r.varint()?), r.u32()?))
    } else {
        None
    };
    let order_ref = if flags & ORDER_REF != 0 {
        Some(r.str()?)
    } else {
        None
    };
    let store = if flags & STORE != 0 {
        Some(r.str()?)
    } else {
        None
    };
    let own_source = if flags & OWN_SOURCE != 0 {
        Some((r.u32()?, r.str()?))
    } else {
        None
    };
    let attributes = if flags & ATTRIBUTES != 0 {
        let count = r.varint()?;
        let start = r.pos;
        for _ in 0..count {
            r.str()?;
            r.str()?;
        }
        Attributes {
            bytes: bytes.get(start..r.pos)?,
            count,
        }
    } else {
        Attributes::default()
    };
    Some(EventBlob {
        id,
        amount,
        order_ref,
        store,
        own_source,
        attributes,
        len: r.pos,
    })
}

/// Parses a key blob: `(channel id, id, blob length)`.
pub(super) fn parse_key(bytes: &[u8]) -> Option<(u32, &str, usize)> {
    let mut r = Reader { bytes, pos: 0 };
    let channel = r.u32()?;
    let id = r.str()?;
    Some((channel, id, r.pos))
}

/// An event's free attributes, still encoded; iterate for `(key, value)`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Attributes<'a> {
    bytes: &'a [u8],
    count: u64,
}

impl<'a> Attributes<'a> {
    /// Bytes of the encoded attributes (pairs only).
    pub(super) fn encoded_len(&self) -> usize {
        if self.count == 0 {
            0
        } else {
            varint_len(self.count) + self.bytes.len()
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        let mut r = Reader {
            bytes: self.bytes,
            pos: 0,
        };
        (0..self.count).map_while(move |_| Some((r.str()?, r.str()?)))
    }
}

/// Helpers for the store's tests.
#[cfg(test)]
pub(super) mod tests_support {
    /// An amount as blobs encode it.
    pub(in crate::timeline::live) fn varint(out: &mut Vec<u8>, minor: i64) {
        super::put_varint(out, super::zigzag(minor));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Channel, SourceKey};
    use crate::timeline::{Currency, EventKind, Money};

    fn sample() -> Event {
        Event {
            id: "TCK-2024-000183".into(),
            source: SourceKey {
                channel: Channel::Store,
                id: "4001".into(),
            },
            timestamp: jiff::Timestamp::UNIX_EPOCH,
            channel: Channel::Store,
            kind: EventKind::Return,
            amount: Some(Money {
                minor: -4_599,
                currency: Currency::EUR,
            }),
            order_ref: Some("CMD-88".into()),
            store: Some("LYO-02".into()),
            attributes: vec![("motif".into(), "taille".into()), ("".into(), "é".into())],
        }
    }

    #[test]
    fn event_blob_round_trips_and_its_length_is_exact() {
        let e = sample();
        for own in [None, Some(3)] {
            let ids = BlobIds {
                currency: 200,
                own_source: own,
            };
            let mut out = vec![0xAA];
            encode_event(&mut out, &e, ids);
            assert_eq!(out.len() - 1, event_blob_len(&e, ids));
            let blob = parse_event(&out[1..]).unwrap();
            assert_eq!(blob.len, out.len() - 1);
            assert_eq!(blob.id, "TCK-2024-000183");
            assert_eq!(blob.amount, Some((-4_599, 200)));
            assert_eq!(blob.order_ref, Some("CMD-88"));
            assert_eq!(blob.store, Some("LYO-02"));
            assert_eq!(blob.own_source, own.map(|c| (c, "4001")));
            assert_eq!(blob.text_len(), event_text_len(&e, ids));
            assert_eq!(blob.attributes.encoded_len(), attributes_len(&e));
            let attrs: Vec<_> = blob.attributes.iter().collect();
            assert_eq!(attrs, [("motif", "taille"), ("", "é")]);
        }
    }

    #[test]
    fn readers_are_total_on_garbage() {
        for bytes in [
            &[][..],
            &[0xff; 12],
            &[3, b'a'],
            &[1, b'a', 0xff],
            &[0, 1, 0x80],
        ] {
            assert!(parse_event(bytes).is_none());
        }
        assert!(parse_key(&[0, 5, b'a']).is_none());
        let arena = Arena::default();
        assert!(arena.tail(12345).is_empty());
        assert!(arena.tail(NO_REF).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn zigzag_round_trips(v in proptest::num::i64::ANY) {
            proptest::prop_assert_eq!(unzigzag(zigzag(v)), v);
            let mut out = Vec::new();
            put_varint(&mut out, zigzag(v));
            proptest::prop_assert_eq!(out.len(), varint_len(zigzag(v)));
            let mut r = Reader { bytes: &out, pos: 0 };
            proptest::prop_assert_eq!(r.varint(), Some(zigzag(v)));
        }
    }
}
