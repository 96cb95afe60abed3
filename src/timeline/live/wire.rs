//! The serialized form of a [`RecordEvents`]: a few big byte strings, not
//! one value per event, so that postcard writes and reads 20 million events
//! at memory speed.
//!
//! ```text
//! version, next_seq, channels, kinds, currencies   the small tables
//! record_lens    u32 LE per record slot: its number of events
//! record_keys    u64 LE per record slot: its key blob's reference or NO_REF
//! entries        24 bytes per event, record by record in list order:
//!                seconds i64, nanos u32, seq u32, packed u64 (LE)
//! chunks         the arena's chunks, as they are (erased bytes are zeros)
//! ```
//!
//! Loading validates everything a reader relies on and refuses the input
//! otherwise (an error, never a panic): lengths agree, every reference and
//! table id is in range, every blob parses (valid UTF-8 included), every
//! record's list is strictly sorted, instants are valid, sequences are below
//! `next_seq`, a record has a key exactly when it has events. Not checked:
//! that sequences are distinct *across* records (only a tie between two
//! records' events would be ordered arbitrarily) and that blobs do not
//! overlap (erasing one would then zero part of another, which then reads as
//! empty).

use std::borrow::Cow;

use rayon::prelude::*;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use super::blob::{self, Arena, MAX_CHUNKS, NO_REF};
use super::{Entry, MAX_TABLE_ENTRIES, RecordEvents, RecordSlot, ranks_by_name, sort_key};
use crate::error::{Error, ErrorKind, Result};
use crate::record::Channel;
use crate::timeline::event::{Currency, EventKind};

const VERSION: u32 = 1;
const ENTRY_BYTES: usize = 24;

/// Bytes serialized as one byte string.
struct RawBytes<'a>(&'a [u8]);

impl Serialize for RawBytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// A byte string read in place when the format lends it (postcard from a
/// slice), copied otherwise (or a sequence of bytes, for formats without
/// byte strings).
struct Bytes<'a>(Cow<'a, [u8]>);

impl<'de: 'a, 'a> Deserialize<'de> for Bytes<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Bytes<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_borrowed_bytes<E: de::Error>(
                self,
                v: &'de [u8],
            ) -> std::result::Result<Bytes<'a>, E> {
                Ok(Bytes(Cow::Borrowed(v)))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> std::result::Result<Bytes<'a>, E> {
                Ok(Bytes(Cow::Owned(v.to_vec())))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> std::result::Result<Bytes<'a>, E> {
                Ok(Bytes(Cow::Owned(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Bytes<'a>, A::Error> {
                // The hint comes from the input: capped, so a lying length
                // cannot allocate more than the bytes that follow.
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
                while let Some(b) = seq.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(Bytes(Cow::Owned(out)))
            }
        }
        d.deserialize_bytes(V(std::marker::PhantomData))
    }
}

#[derive(Serialize)]
struct WireOut<'a> {
    version: u32,
    next_seq: u32,
    channels: &'a [Channel],
    kinds: &'a [EventKind],
    currencies: &'a [Currency],
    record_lens: RawBytes<'a>,
    record_keys: RawBytes<'a>,
    entries: RawBytes<'a>,
    chunks: Vec<RawBytes<'a>>,
}

/// A [`RecordEvents`] as read, not yet validated: its byte strings borrowed
/// from the input when the format lends them. The live resolver's snapshot
/// load reads one in place and builds the store with
/// [`into_store`](Self::into_store) while it rebuilds its own indexes.
#[derive(Deserialize)]
pub(crate) struct RecordEventsWire<'a> {
    version: u32,
    next_seq: u32,
    channels: Vec<Channel>,
    kinds: Vec<EventKind>,
    currencies: Vec<Currency>,
    #[serde(borrow)]
    record_lens: Bytes<'a>,
    #[serde(borrow)]
    record_keys: Bytes<'a>,
    #[serde(borrow)]
    entries: Bytes<'a>,
    #[serde(borrow)]
    chunks: Vec<Bytes<'a>>,
}

impl RecordEventsWire<'_> {
    /// Validates the store and builds it (see the module docs for what is
    /// checked).
    pub(crate) fn into_store(self) -> Result<RecordEvents> {
        RecordEvents::from_wire(self)
    }
}

impl Serialize for RecordEvents {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut record_lens = Vec::with_capacity(self.records.len() * 4);
        let mut record_keys = Vec::with_capacity(self.records.len() * 8);
        for slot in &self.records {
            record_lens.extend_from_slice(&(slot.entries.len() as u32).to_le_bytes());
            record_keys.extend_from_slice(&slot.key.to_le_bytes());
        }
        // Per record in parallel, then one concatenation.
        let parts: Vec<Vec<u8>> = self
            .records
            .par_chunks(1 << 12)
            .map(|slots| {
                let n: usize = slots.iter().map(|s| s.entries.len()).sum();
                let mut out = Vec::with_capacity(n * ENTRY_BYTES);
                for e in slots.iter().flat_map(|s| &s.entries) {
                    out.extend_from_slice(&e.seconds.to_le_bytes());
                    out.extend_from_slice(&e.nanos.to_le_bytes());
                    out.extend_from_slice(&e.seq.to_le_bytes());
                    out.extend_from_slice(&e.packed.to_le_bytes());
                }
                out
            })
            .collect();
        let entries = parts.concat();
        drop(parts);
        WireOut {
            version: VERSION,
            next_seq: self.next_seq,
            channels: &self.channels,
            kinds: &self.kinds,
            currencies: &self.currencies,
            record_lens: RawBytes(&record_lens),
            record_keys: RawBytes(&record_keys),
            entries: RawBytes(&entries),
            chunks: self.arena.chunks.iter().map(|c| RawBytes(c)).collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for RecordEvents {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let wire = RecordEventsWire::deserialize(d)?;
        RecordEvents::from_wire(wire).map_err(de::Error::custom)
    }
}

fn invalid(reason: &str) -> Error {
    Error::new(ErrorKind::Snapshot {
        reason: format!("record event store: {reason}"),
    })
}

fn u32_at(bytes: &[u8], i: usize) -> u32 {
    let mut b = [0u8; 4];
    if let Some(s) = bytes.get(i..i + 4) {
        b.copy_from_slice(s);
    }
    u32::from_le_bytes(b)
}

fn u64_at(bytes: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    if let Some(s) = bytes.get(i..i + 8) {
        b.copy_from_slice(s);
    }
    u64::from_le_bytes(b)
}

/// What one record's validation counts.
#[derive(Default)]
struct Tally {
    text: usize,
    attributes: usize,
    blob_bytes: usize,
}

impl RecordEvents {
    fn from_wire(w: RecordEventsWire<'_>) -> Result<RecordEvents> {
        if w.version != VERSION {
            return Err(invalid("unknown version"));
        }
        if w.channels.len() > MAX_TABLE_ENTRIES || w.kinds.len() > MAX_TABLE_ENTRIES {
            return Err(invalid("too many channels or kinds"));
        }
        if w.chunks.len() > MAX_CHUNKS {
            return Err(invalid("too many chunks"));
        }
        let (lens, keys, raw) = (&*w.record_lens.0, &*w.record_keys.0, &*w.entries.0);
        if lens.len() % 4 != 0 || keys.len() != lens.len() * 2 || raw.len() % ENTRY_BYTES != 0 {
            return Err(invalid("column lengths disagree"));
        }
        let n_records = lens.len() / 4;
        if n_records > u32::MAX as usize {
            return Err(invalid("too many records"));
        }
        // Where each record's entries start.
        let mut starts = Vec::with_capacity(n_records + 1);
        let mut total = 0usize;
        starts.push(0);
        for r in 0..n_records {
            total = total
                .checked_add(u32_at(lens, 4 * r) as usize)
                .ok_or_else(|| invalid("event count overflows"))?;
            starts.push(total);
        }
        if total != raw.len() / ENTRY_BYTES {
            return Err(invalid("event count disagrees with the entries"));
        }
        let ranks = ranks_by_name(&w.channels);
        let (n_channels, n_kinds, n_currencies) =
            (w.channels.len(), w.kinds.len(), w.currencies.len());
        let next_seq = w.next_seq;

        // The event blobs, validated chunk by chunk as each chunk is copied
        // into the arena: a record's events are scattered over the arena,
        // and parsing them in entry order would read it at random; a chunk
        // (1 MiB) stays in its core's cache while its blobs are parsed.
        let (bucket, offsets) = offsets_by_chunk(raw, w.chunks.len())?;
        let chunks: Vec<(Vec<u8>, Tally)> = w
            .chunks
            .into_par_iter()
            .enumerate()
            .map(|(c, bytes)| {
                let chunk = bytes.0.into_owned();
                let mut tally = Tally::default();
                for &offset in offsets.get(bucket[c]..bucket[c + 1]).unwrap_or(&[]) {
                    let b = blob::parse_event(chunk.get(offset as usize..).unwrap_or(&[]))
                        .ok_or_else(|| invalid("an event blob does not parse"))?;
                    if b.amount.is_some_and(|(_, c)| c as usize >= n_currencies)
                        || b.own_source.is_some_and(|(c, _)| c as usize >= n_channels)
                    {
                        return Err(invalid("an event's currency or source channel is unknown"));
                    }
                    tally.text += b.text_len();
                    tally.attributes += b.attributes.encoded_len();
                    tally.blob_bytes += b.len;
                }
                Ok((chunk, tally))
            })
            .collect::<Result<_>>()?;
        drop(offsets);
        let mut blobs = Tally::default();
        let mut arena = Arena {
            chunks: Vec::with_capacity(chunks.len()),
            garbage: 0,
        };
        for (chunk, tally) in chunks {
            arena.chunks.push(chunk);
            blobs.text += tally.text;
            blobs.attributes += tally.attributes;
            blobs.blob_bytes += tally.blob_bytes;
        }

        // Each record's entries, decoded straight into its list.
        let check_record = |r: usize| -> std::result::Result<(RecordSlot, Tally), Error> {
            let bytes = raw
                .get(starts[r] * ENTRY_BYTES..starts[r + 1] * ENTRY_BYTES)
                .unwrap_or(&[]);
            let key = u64_at(keys, 8 * r);
            let mut tally = Tally::default();
            if (key == NO_REF) != bytes.is_empty() {
                return Err(invalid(
                    "a record has a key without events or events without a key",
                ));
            }
            if key != NO_REF {
                let (channel, id, len) = blob::parse_key(arena.tail(key))
                    .ok_or_else(|| invalid("a record key does not parse"))?;
                if channel as usize >= n_channels {
                    return Err(invalid("a record key's channel is unknown"));
                }
                tally.text += id.len();
                tally.blob_bytes += len;
            }
            let mut entries = Vec::with_capacity(bytes.len() / ENTRY_BYTES);
            let mut previous = None;
            for b in bytes.chunks_exact(ENTRY_BYTES) {
                let e = Entry {
                    seconds: u64_at(b, 0) as i64,
                    nanos: u32_at(b, 8),
                    seq: u32_at(b, 12),
                    packed: u64_at(b, 16),
                };
                if e.nanos >= 1_000_000_000
                    || jiff::Timestamp::new(e.seconds, e.nanos as i32).is_err()
                {
                    return Err(invalid("an instant is out of range"));
                }
                if e.seq >= next_seq
                    || e.channel() as usize >= n_channels
                    || e.kind() as usize >= n_kinds
                {
                    return Err(invalid("a sequence or table id is out of range"));
                }
                let k = sort_key(&ranks, e);
                if previous.is_some_and(|p| p >= k) {
                    return Err(invalid("a record's events are not strictly sorted"));
                }
                previous = Some(k);
                entries.push(e);
            }
            Ok((RecordSlot { entries, key }, tally))
        };
        let checked: Vec<(RecordSlot, Tally)> = (0..n_records)
            .into_par_iter()
            .map(check_record)
            .collect::<Result<_>>()?;

        let mut store = RecordEvents {
            records: Vec::with_capacity(n_records),
            arena,
            channels: w.channels,
            ranks,
            kinds: w.kinds,
            currencies: w.currencies,
            next_seq,
            len: total,
            text_bytes: 0,
            attribute_bytes: 0,
        };
        let mut blob_bytes = blobs.blob_bytes;
        store.text_bytes += blobs.text;
        store.attribute_bytes += blobs.attributes;
        for (slot, tally) in checked {
            store.records.push(slot);
            store.text_bytes += tally.text;
            store.attribute_bytes += tally.attributes;
            blob_bytes += tally.blob_bytes;
        }
        store.arena.garbage = store.arena.used().saturating_sub(blob_bytes);
        Ok(store)
    }
}

/// The offsets of the event blobs (the entries' references) grouped by
/// chunk, in entry order within a chunk: chunk `c`'s are
/// `offsets[bucket[c]..bucket[c + 1]]`. A counting sort, two passes over
/// the entries: sorting the 64-bit references instead cost as much as
/// parsing the blobs. A reference to no chunk is an error.
fn offsets_by_chunk(raw: &[u8], n_chunks: usize) -> Result<(Vec<usize>, Vec<u32>)> {
    let refs = || {
        raw.chunks_exact(ENTRY_BYTES)
            .map(|b| blob::split_ref(u64_at(b, 16) & blob::REF_MASK))
    };
    let mut bucket = vec![0usize; n_chunks + 1];
    for (chunk, _) in refs() {
        let Some(count) = bucket.get_mut(chunk + 1) else {
            return Err(invalid("an event blob does not parse"));
        };
        *count += 1;
    }
    for c in 0..n_chunks {
        bucket[c + 1] += bucket[c];
    }
    let mut next = bucket.clone();
    let mut offsets = vec![0u32; raw.len() / ENTRY_BYTES];
    for (chunk, offset) in refs() {
        // In range: every chunk index was checked above.
        if let Some(at) = next.get_mut(chunk)
            && let Some(slot) = offsets.get_mut(*at)
        {
            *slot = offset as u32;
            *at += 1;
        }
    }
    Ok((bucket, offsets))
}
