//! The files the job writes: `customers.csv`, `timelines.jsonl`,
//! `orphan_events.csv`. Each goes through a `BufWriter` (or the csv crate's
//! own buffer) and is written as it is produced, without a copy of the data
//! in between.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use omnicanal::normalize::NormalizedRecord;
use omnicanal::profile::ProfileBuilder;
use omnicanal::timeline::{Currency, Orphan, OrphanReason, Timelines};
use omnicanal::{ClusterIndex, Clustering, CustomerId, Error, ErrorKind, RecordId};

use crate::customers::Customers;
use serde::Serialize;

use crate::progress::Stage;
use serde::ser::SerializeMap;

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

/// `customers.csv`: `channel,source_id,customer_id`, one row per record, in
/// input order. Returns the rows written.
pub fn write_customers(
    path: &Path,
    records: &[NormalizedRecord],
    customers: &Customers,
) -> Result<u64, Error> {
    let mut out = csv::Writer::from_writer(create(path)?);
    out.write_record(["channel", "source_id", "customer_id"])
        .map_err(|e| write_error(path, e))?;
    let mut customer = String::with_capacity(17);
    for (index, record) in records.iter().enumerate() {
        let key = &record.key;
        customer.clear();
        // Every record is in exactly one cluster; a record without one would
        // be a resolver bug, written as an empty id rather than hidden.
        if let Some(id) = customers.customer_of(RecordId(index as u32)) {
            use std::fmt::Write as _;
            let _ = write!(customer, "{id}");
        }
        out.write_record([key.channel.name(), key.id.as_str(), customer.as_str()])
            .map_err(|e| write_error(path, e))?;
    }
    out.flush().map_err(|e| write_error(path, e))?;
    Ok(records.len() as u64)
}

/// One line of `timelines.jsonl`.
#[derive(Serialize)]
struct TimelineLine<'a> {
    customer_id: CustomerId,
    events: Vec<EventLine<'a>>,
}

/// One event in a timeline.
#[derive(Serialize)]
struct EventLine<'a> {
    event_id: &'a str,
    timestamp: jiff::Timestamp,
    channel: &'a str,
    kind: &'a str,
    /// A decimal string (`"-12.50"`): no float for money.
    amount: Option<String>,
    currency: Option<Currency>,
    order_ref: Option<&'a str>,
    store: Option<&'a str>,
    #[serde(skip_serializing_if = "Attributes::is_empty")]
    attributes: Attributes<'a>,
}

/// Free attributes as a JSON object, in the source's order.
struct Attributes<'a>(&'a [(String, String)]);

impl Attributes<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Attributes<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// Minor units as a decimal with two digits: 2210 → `22.10`, -5 → `-0.05`.
pub fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// `timelines.jsonl`: one object per customer having events, in customer
/// order, its events oldest first (instant, then channel, then input order).
/// Serialized in parallel a slice of customers at a time and written in
/// order, as the profiles are. Returns (customers written, events written).
pub fn write_timelines(
    path: &Path,
    timelines: &Timelines,
    customer_ids: &[CustomerId],
) -> Result<(u64, u64), Error> {
    use rayon::prelude::*;
    /// Customers per slice: the serialized slice (a few MB) is all that is
    /// held beyond the store.
    const SLICE: usize = 4096;
    let mut out = create(path)?;
    let (mut customers, mut events) = (0u64, 0u64);
    let with_events: Vec<ClusterIndex> = timelines.customers().collect();
    for slice in with_events.chunks(SLICE) {
        let lines: Vec<Result<(Vec<u8>, u64), serde_json::Error>> = slice
            .par_iter()
            .filter_map(|&customer| {
                let customer_id = *customer_ids.get(customer.index())?;
                Some(timeline_line(timelines, customer, customer_id))
            })
            .collect();
        for line in lines {
            let (bytes, count) = line.map_err(|e| write_error(path, e))?;
            out.write_all(&bytes).map_err(|e| write_error(path, e))?;
            events += count;
            customers += 1;
        }
    }
    out.flush().map_err(|e| write_error(path, e))?;
    Ok((customers, events))
}

/// One customer's line of `timelines.jsonl`, newline included, and its
/// number of events.
fn timeline_line(
    timelines: &Timelines,
    customer: ClusterIndex,
    customer_id: CustomerId,
) -> Result<(Vec<u8>, u64), serde_json::Error> {
    let events: Vec<EventLine<'_>> = timelines
        .timeline(customer)
        .oldest_first()
        .iter()
        .map(|view| {
            let amount = view.amount();
            EventLine {
                event_id: view.id(),
                timestamp: view.timestamp(),
                channel: view.channel().name(),
                kind: view.kind().name(),
                amount: amount.map(|m| decimal(m.minor)),
                currency: amount.map(|m| m.currency),
                order_ref: view.order_ref(),
                store: view.store(),
                attributes: Attributes(view.attributes()),
            }
        })
        .collect();
    let count = events.len() as u64;
    let mut bytes = serde_json::to_vec(&TimelineLine {
        customer_id,
        events,
    })?;
    bytes.push(b'\n');
    Ok((bytes, count))
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
/// Built and serialized in parallel a slice of customers at a time, written
/// in order; returns the profiles written.
pub fn write_profiles(
    path: &Path,
    builder: &ProfileBuilder<'_>,
    clustering: &Clustering,
    customer_ids: &[CustomerId],
    progress: &Stage,
) -> Result<u64, Error> {
    use rayon::prelude::*;
    /// Customers per slice: the serialized slice (a few MB) is all that is
    /// held beyond the inputs.
    const SLICE: usize = 4096;
    let mut out = create(path)?;
    let customers = clustering.len();
    let mut written = 0u64;
    for start in (0..customers).step_by(SLICE) {
        let end = (start + SLICE).min(customers);
        let lines: Vec<Result<Vec<u8>, serde_json::Error>> = (start..end)
            .into_par_iter()
            .filter_map(|c| {
                let cluster = ClusterIndex(c as u32);
                let id = *customer_ids.get(c)?;
                let profile = builder.build(id, cluster, clustering.members(cluster));
                let mut line = serde_json::to_vec(&profile);
                if let Ok(bytes) = &mut line {
                    bytes.push(b'\n');
                }
                Some(line)
            })
            .collect();
        for line in lines {
            let line = line.map_err(|e| write_error(path, e))?;
            out.write_all(&line).map_err(|e| write_error(path, e))?;
            written += 1;
        }
        progress.inc((end - start) as u64);
    }
    out.flush().map_err(|e| write_error(path, e))?;
    Ok(written)
}
