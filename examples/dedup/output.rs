//! The files the job writes: `customers.csv`, `profiles.jsonl`,
//! `timelines.jsonl`, `orphan_events.csv`.
//!
//! The three large ones go through [`write_ordered`]: slices of customers
//! (or records) are formatted in parallel into byte buffers while a writer
//! thread writes the buffers of the slices before them, in order. Lines are
//! written as bytes, without serde: a profile by `Profile::write_json` (the
//! bytes serde_json writes, a law the library's tests check), a timeline
//! line by [`timeline_line`], each field appended where serde went through
//! its serializer, `Display` and a `String` per amount.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::mpsc;

use omnicanal::normalize::NormalizedRecord;
use omnicanal::profile::{ProfileBuilder, write_json_timestamp};
use omnicanal::timeline::{EventView, Orphan, OrphanReason, Timelines};
use omnicanal::{ClusterIndex, Clustering, CustomerId, Error, ErrorKind, RecordId};
use rayon::prelude::*;

use crate::customers::Customers;
use crate::progress::Stage;

/// Creates `path` for buffered writing; errors name the file.
pub fn create(path: &Path) -> Result<BufWriter<File>, Error> {
    File::create(path)
        .map(|file| BufWriter::with_capacity(1 << 16, file))
        .map_err(|e| Error::from(e).in_file(path))
}

/// Wraps a csv or I/O failure while writing `path`.
pub fn write_error(path: &Path, err: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Io {
        reason: err.to_string(),
    })
    .in_file(path)
}

/// Items (customers or records) formatted per slice: a slice's buffer is
/// some hundreds of KB, large enough that a `write` costs little per byte
/// and small enough that a round of slices (see [`write_ordered`]) stays a
/// few MB.
const SLICE: usize = 256;

/// Slices per formatting thread in one round: enough that a slow slice
/// (a customer with thousands of events) does not leave the other threads
/// idle for long at the round's end.
const SLICES_PER_THREAD: usize = 4;

/// Writes items `0..len` to `out` in order: slices of `SLICE` items are
/// formatted in parallel (rayon) by `format`, which appends a slice's bytes
/// to a buffer and returns what the caller counts; a writer thread writes
/// the buffers in slice order while the next round is formatted, and hands
/// them back to be reused (so a gigabyte file does not make a gigabyte of
/// allocations). `formatted` gets each slice's count, in order, on the
/// calling thread. Returns `out`, flushed.
///
/// The file is the one a sequential loop would write: slices are cut and
/// sent in order and the writer writes in the order it receives. At most
/// two rounds of buffers are held (one formatted, one being written).
pub fn write_ordered<W, C>(
    out: W,
    len: usize,
    format: impl Fn(Range<usize>, &mut Vec<u8>) -> C + Sync,
    mut formatted: impl FnMut(C),
) -> io::Result<W>
where
    W: Write + Send,
    C: Send,
{
    let slices_per_round = rayon::current_num_threads().max(1) * SLICES_PER_THREAD;
    std::thread::scope(|scope| {
        let (to_writer, written_in_order) = mpsc::sync_channel::<Vec<u8>>(slices_per_round);
        let (give_back, spare) = mpsc::channel::<Vec<u8>>();
        let writer = scope.spawn(move || -> io::Result<W> {
            let mut out = out;
            for mut buffer in written_in_order {
                out.write_all(&buffer)?;
                buffer.clear();
                // The formatting side may be done already: then the buffer
                // is simply freed.
                let _ = give_back.send(buffer);
            }
            out.flush()?;
            Ok(out)
        });
        let round_len = SLICE * slices_per_round;
        'rounds: for round_start in (0..len).step_by(round_len) {
            let round_end = (round_start + round_len).min(len);
            let slices: Vec<Range<usize>> = (round_start..round_end)
                .step_by(SLICE)
                .map(|start| start..(start + SLICE).min(round_end))
                .collect();
            let mut buffers: Vec<Vec<u8>> = slices
                .iter()
                .map(|_| spare.try_recv().unwrap_or_default())
                .collect();
            let counts: Vec<C> = slices
                .into_par_iter()
                .zip(buffers.par_iter_mut())
                .map(|(slice, buffer)| format(slice, buffer))
                .collect();
            for (buffer, count) in buffers.into_iter().zip(counts) {
                if to_writer.send(buffer).is_err() {
                    // The writer stopped on an error, which its join gives.
                    break 'rounds;
                }
                formatted(count);
            }
        }
        drop(to_writer);
        writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writer thread panicked")))
    })
}

/// `customers.csv`: `channel,source_id,customer_id`, one row per record, in
/// input order. Returns the rows written.
pub fn write_customers(
    path: &Path,
    records: &[NormalizedRecord],
    customers: &Customers,
) -> Result<u64, Error> {
    let mut out = create(path)?;
    out.write_all(b"channel,source_id,customer_id\n")
        .map_err(|e| write_error(path, e))?;
    let mut failure: Option<csv::Error> = None;
    write_ordered(
        out,
        records.len(),
        |slice, buffer| {
            // The csv crate quotes as the file always was; its output for a
            // row does not depend on the rows before, so slices written
            // apart and joined are the file written at once.
            let mut rows = csv::Writer::from_writer(std::mem::take(buffer));
            let mut customer = String::with_capacity(17);
            let mut result = Ok(());
            for index in slice {
                let Some(record) = records.get(index) else {
                    continue;
                };
                let key = &record.key;
                customer.clear();
                // Every record is in exactly one cluster; a record without
                // one would be a resolver bug, written as an empty id rather
                // than hidden.
                if let Some(id) = customers.customer_of(RecordId(index as u32)) {
                    use std::fmt::Write as _;
                    let _ = write!(customer, "{id}");
                }
                result =
                    rows.write_record([key.channel.name(), key.id.as_str(), customer.as_str()]);
                if result.is_err() {
                    break;
                }
            }
            match rows.into_inner() {
                Ok(bytes) => *buffer = bytes,
                Err(e) => result = result.and(Err(e.into_error().into())),
            }
            result
        },
        |result| {
            if let Err(e) = result {
                failure.get_or_insert(e);
            }
        },
    )
    .map_err(|e| write_error(path, e))?;
    if let Some(e) = failure {
        return Err(write_error(path, e));
    }
    Ok(records.len() as u64)
}

/// `timelines.jsonl`: one object per customer having events, in customer
/// order, its events oldest first (instant, then channel, then input order).
/// Returns (customers written, events written).
pub fn write_timelines(
    path: &Path,
    timelines: &Timelines,
    customer_ids: &[CustomerId],
) -> Result<(u64, u64), Error> {
    let with_events: Vec<ClusterIndex> = timelines.customers().collect();
    let (mut customers, mut events) = (0u64, 0u64);
    write_ordered(
        create(path)?,
        with_events.len(),
        |slice, buffer| {
            let customers = with_events.get(slice).unwrap_or_default();
            timeline_lines(timelines, customers, customer_ids, buffer)
        },
        |(lines, placed)| {
            customers += lines;
            events += placed;
        },
    )
    .map_err(|e| write_error(path, e))?;
    Ok((customers, events))
}

/// The lines of `timelines.jsonl` for these customers, appended to `out`;
/// returns (lines, events) written.
///
/// Each line is what serde_json wrote for
/// `{customer_id, events: [{event_id, timestamp, channel, kind, amount,
/// currency, order_ref, store, attributes?}]}` (attributes only when the
/// event has some). The events' order references and attributes are looked
/// up first, for the whole slice, in a loop doing nothing else: each is a
/// cache miss in a large table, and there the processor waits for several at
/// once instead of one per event between the formatting of the others.
fn timeline_lines(
    timelines: &Timelines,
    customers: &[ClusterIndex],
    customer_ids: &[CustomerId],
    out: &mut Vec<u8>,
) -> (u64, u64) {
    type Looked<'a> = (Option<&'a str>, &'a [(String, String)]);
    let looked_up: Vec<Looked<'_>> = customers
        .iter()
        .flat_map(|&customer| timelines.timeline(customer).oldest_first().iter())
        .map(|view| (view.order_ref(), view.attributes()))
        .collect();
    let mut looked_up = looked_up.into_iter();
    let (mut lines, mut events) = (0u64, 0u64);
    for &customer in customers {
        let timeline = timelines.timeline(customer);
        let Some(customer_id) = customer_ids.get(customer.index()) else {
            // Not written, as before; its lookups are skipped.
            looked_up.by_ref().take(timeline.count()).for_each(drop);
            continue;
        };
        // `C` and hex digits: nothing to escape. Writing into a `Vec`
        // cannot fail.
        let _ = write!(out, "{{\"customer_id\":\"{customer_id}\",\"events\":[");
        for (i, view) in timeline.oldest_first().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let (order_ref, attributes) = looked_up.next().unwrap_or((None, &[]));
            event(out, &view, order_ref, attributes);
            events += 1;
        }
        out.extend_from_slice(b"]}\n");
        lines += 1;
    }
    (lines, events)
}

/// One event of a timeline line (its order reference and attributes looked
/// up beforehand).
fn event(
    out: &mut Vec<u8>,
    view: &EventView<'_>,
    order_ref: Option<&str>,
    attributes: &[(String, String)],
) {
    out.extend_from_slice(b"{\"event_id\":");
    json_string(out, view.id());
    out.extend_from_slice(b",\"timestamp\":");
    write_json_timestamp(out, &view.timestamp());
    out.extend_from_slice(b",\"channel\":");
    json_string(out, view.channel().name());
    out.extend_from_slice(b",\"kind\":");
    json_string(out, view.kind().name());
    match view.amount() {
        Some(money) => {
            // A decimal string (`"-12.50"`): no float for money.
            out.extend_from_slice(b",\"amount\":\"");
            decimal(out, money.minor);
            out.extend_from_slice(b"\",\"currency\":");
            json_string(out, money.currency.as_str());
        }
        None => out.extend_from_slice(b",\"amount\":null,\"currency\":null"),
    }
    out.extend_from_slice(b",\"order_ref\":");
    match order_ref {
        Some(order_ref) => json_string(out, order_ref),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"store\":");
    match view.store() {
        Some(store) => json_string(out, store),
        None => out.extend_from_slice(b"null"),
    }
    if !attributes.is_empty() {
        // Free attributes as a JSON object, in the source's order.
        out.extend_from_slice(b",\"attributes\":{");
        for (i, (name, value)) in attributes.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_string(out, name);
            out.push(b':');
            json_string(out, value);
        }
        out.push(b'}');
    }
    out.push(b'}');
}

/// Minor units as a decimal with two digits: 2210 → `22.10`, -5 → `-0.05`.
fn decimal(out: &mut Vec<u8>, minor: i64) {
    if minor < 0 {
        out.push(b'-');
    }
    let abs = minor.unsigned_abs();
    out.extend_from_slice(itoa::Buffer::new().format(abs / 100).as_bytes());
    let cents = (abs % 100) as u8;
    out.extend_from_slice(&[b'.', b'0' + cents / 10, b'0' + cents % 10]);
}

/// A JSON string exactly as serde_json writes it: through its own
/// serializer, which only escapes into the buffer.
fn json_string(out: &mut Vec<u8>, value: &str) {
    use serde::Serializer as _;
    let mut serializer = serde_json::Serializer::new(&mut *out);
    // Writing into a `Vec` cannot fail, nor can serializing a `str`.
    let _ = (&mut serializer).serialize_str(value);
}

/// `orphan_events.csv`: `event_id,source_channel,source_id,reason` for every
/// event that is in no timeline. Ids only: no personal data.
pub fn write_orphans(path: &Path, orphans: &[Orphan]) -> Result<u64, Error> {
    let mut out = csv::Writer::from_writer(create(path)?);
    out.write_record(["event_id", "source_channel", "source_id", "reason"])
        .map_err(|e| write_error(path, e))?;
    for orphan in orphans {
        let reason = match orphan.reason {
            OrphanReason::UnknownSource => "no record with this source key",
            OrphanReason::NoCustomer => "record without a customer",
            _ => "not placed",
        };
        out.write_record([
            orphan.event.id.as_str(),
            orphan.event.source.channel.name(),
            orphan.event.source.id.as_str(),
            reason,
        ])
        .map_err(|e| write_error(path, e))?;
    }
    out.flush().map_err(|e| write_error(path, e))?;
    Ok(orphans.len() as u64)
}

/// `profiles.jsonl`: one golden profile per customer, in customer order
/// (the `Profile` serialization of `omnicanal::profile`: every value with the
/// records that carry it, best first, and the activity from the timelines).
/// Built and written by [`write_ordered`]; returns the profiles written.
pub fn write_profiles(
    path: &Path,
    builder: &ProfileBuilder<'_>,
    clustering: &Clustering,
    customer_ids: &[CustomerId],
    progress: &Stage,
) -> Result<u64, Error> {
    let mut written = 0u64;
    write_ordered(
        create(path)?,
        clustering.len(),
        |slice, buffer| {
            let (mut lines, customers) = (0u64, slice.len() as u64);
            for c in slice {
                let cluster = ClusterIndex(c as u32);
                let Some(&id) = customer_ids.get(c) else {
                    continue;
                };
                builder
                    .build(id, cluster, clustering.members(cluster))
                    .write_json(buffer);
                buffer.push(b'\n');
                lines += 1;
            }
            (lines, customers)
        },
        |(lines, customers)| {
            written += lines;
            progress.inc(customers);
        },
    )
    .map_err(|e| write_error(path, e))?;
    Ok(written)
}
