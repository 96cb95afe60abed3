//! Reading and normalizing the customer exports, and reading the events.
//!
//! Customer rows stream: a reader thread parses the files one after the other
//! (the library's `JobSources`, which also catches an id repeated across two
//! files of one channel) and hands over batches through a bounded channel;
//! the main thread normalizes each batch in parallel with its source's
//! `Normalizer` and keeps only the normalized records and the names as
//! typed (packed). At most `CHANNEL_BATCHES + 2` raw batches exist at any
//! time, so memory holds the normalized records (what the resolver needs)
//! and little else.
//!
//! Events stream too (see [`read_events`]): a batch at a time, parsed in
//! parallel, attached and packed into columns while the next is read.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use omnicanal::io::{EventRow, JobEvents, JobFile, JobSources, Reject, RejectWriter};
use omnicanal::normalize::{NormalizedRecord, Normalizer};
use omnicanal::profile::TypedNames;
use omnicanal::timeline::{Event, TimelinesBuilder};
use omnicanal::{Error, Record, RecordId, SourceKey};
use rayon::prelude::*;

use crate::progress::Progress;
use crate::support::attach::{Attachment, RecordIndex};
use crate::support::thousands;

/// Rows per batch handed from the reader thread to the normalizers: large
/// enough that rayon's split costs nothing, small enough (a few MB) that the
/// batches in flight do not matter next to the records kept.
const BATCH_ROWS: usize = 8192;

/// Batches the reader may run ahead of the normalizers.
const CHANNEL_BATCHES: usize = 4;

/// What one customer file gave.
#[derive(Debug, Clone)]
pub struct SourceCount {
    /// The file, as opened.
    pub file: PathBuf,
    /// Records read.
    pub records: u64,
    /// Rows rejected.
    pub rejects: u64,
}

/// The normalized records of every source, in file then row order, and the
/// counts that prove nothing was dropped.
#[derive(Debug)]
pub struct SourcesRead {
    /// One per record read, in input order; `records[i]` is `RecordId(i)`.
    pub records: Vec<NormalizedRecord>,
    /// The names of each record as typed (`Hélène`, where the normalized
    /// form has `helene`), packed, in the same order, for the golden
    /// profiles' spellings. Everything else of a raw record is in its
    /// normalized record already, so the raw records are dropped batch by
    /// batch rather than held through the resolution.
    pub names: TypedNames,
    /// Per file, in job order.
    pub per_source: Vec<SourceCount>,
    /// Wall time of reading and normalizing (they overlap).
    pub took: Duration,
}

/// One batch from the reader thread: records of one source, and the rejects
/// met while reading them.
struct Batch {
    source: usize,
    records: Vec<Record>,
    rejects: Vec<Reject>,
    /// About how many rows are left after this batch, in the first only
    /// (`JobSources::rows_left_estimate`).
    rows_left: Option<u64>,
}

impl Batch {
    /// An empty batch of `source`, in a buffer the normalizers gave back
    /// when there is one: a batch's records are some megabytes, which the
    /// allocator hands back to the OS when freed, and the kernel then zeroes
    /// the pages again for the next batch; reused, they stay mapped.
    fn new(source: usize, returned: &mpsc::Receiver<Vec<Record>>) -> Batch {
        Batch {
            source,
            records: returned
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(BATCH_ROWS)),
            rejects: Vec::new(),
            rows_left: None,
        }
    }
}

/// Reads and normalizes every `[[source]]` of `job` from `rows` (opened by
/// `JobFile::read_sources`, which checks every file and mapping before the
/// first row). Rejects go to `rejects` as they come.
pub fn read_sources<W: Write>(
    job: &JobFile,
    base_dir: &Path,
    rows: JobSources,
    rejects: &mut RejectWriter<W>,
    progress: &Progress,
) -> Result<SourcesRead, Error> {
    let normalizers = job
        .sources
        .iter()
        .map(|spec| Normalizer::new(spec.normalize_options()))
        .collect::<Result<Vec<_>, _>>()?;
    let files: Vec<PathBuf> = job
        .sources
        .iter()
        .map(|spec| base_dir.join(&spec.path))
        .collect();

    let stage = progress.counter("read", "records");
    let mut records: Vec<NormalizedRecord> = Vec::new();
    let mut names = TypedNames::new();
    let mut per_source: Vec<SourceCount> = files
        .iter()
        .map(|file| SourceCount {
            file: file.clone(),
            records: 0,
            rejects: 0,
        })
        .collect();
    let (sender, receiver) = mpsc::sync_channel::<Batch>(CHANNEL_BATCHES);
    // Emptied record buffers, back to the reader (see `Batch::new`).
    let (give_back, returned) = mpsc::sync_channel::<Vec<Record>>(CHANNEL_BATCHES + 2);

    let outcome: Result<(), Error> = std::thread::scope(|scope| {
        scope.spawn(move || read_batches(rows, &files, sender, returned));
        let mut rejected = 0u64;
        for mut batch in receiver {
            let count = &mut per_source[batch.source];
            count.records += batch.records.len() as u64;
            count.rejects += batch.rejects.len() as u64;
            rejected += batch.rejects.len() as u64;
            for reject in &batch.rejects {
                rejects.write(reject)?;
            }
            if let Some(left) = batch.rows_left {
                // Sized once (an estimate: the other files' rows may be
                // longer, and capacity never touched is never resident):
                // doubled as they filled, the records had the kernel zero
                // some twice their final size and were copied each time.
                // An estimate the system cannot grant is not a failure: the
                // records then grow as they come.
                let rows = left.saturating_add(batch.records.len() as u64);
                let _ = records.try_reserve(usize::try_from(rows).unwrap_or(0));
            }
            let normalizer = &normalizers[batch.source];
            // Normalized straight into their place in `records`.
            records.par_extend(
                batch
                    .records
                    .par_iter()
                    .map(|record| normalizer.normalize(record)),
            );
            stage.inc(batch.records.len() as u64);
            for record in &batch.records {
                names.push(record);
            }
            if !batch.rejects.is_empty() {
                stage.note(format!("{} rejects", thousands(rejected)));
            }
            batch.records.clear();
            // A full return channel or a reader gone: the buffer is freed.
            let _ = give_back.try_send(batch.records);
        }
        Ok(())
    });
    outcome?;
    let rejected: u64 = per_source.iter().map(|s| s.rejects).sum();
    let took = stage.finish(&format!(
        "{} rejects, {} files",
        thousands(rejected),
        per_source.len()
    ));
    Ok(SourcesRead {
        records,
        names,
        per_source,
        took,
    })
}

/// The reader thread: rows to batches, one source per batch. Which source a
/// row came from is the file of the reader `JobSources` is on; a reader that
/// has just given its first row marks a new file (files without rows are
/// skipped over by the search).
fn read_batches(
    mut rows: JobSources,
    files: &[PathBuf],
    sender: mpsc::SyncSender<Batch>,
    returned: mpsc::Receiver<Vec<Record>>,
) {
    let mut source = 0usize;
    let mut batch = Batch::new(source, &returned);
    let mut estimated = false;
    let mut send = |mut full: Batch, rows: &JobSources| {
        if !estimated {
            estimated = true;
            full.rows_left = rows.rows_left_estimate();
        }
        // The receiver stops only on an error of its own, which it reports.
        sender.send(full).is_ok()
    };
    while let Some(row) = rows.next() {
        if let Some(reader) = rows.current() {
            if reader.records() + reader.rejects() == 1 {
                let found = files[source..]
                    .iter()
                    .position(|file| file == reader.file())
                    .map_or(source, |offset| source + offset);
                if found != source {
                    let full = std::mem::replace(&mut batch, Batch::new(found, &returned));
                    if !send(full, &rows) {
                        return;
                    }
                    source = found;
                }
            }
        }
        match row {
            Ok(record) => batch.records.push(record),
            Err(reject) => batch.rejects.push(reject),
        }
        if batch.records.len() + batch.rejects.len() >= BATCH_ROWS
            && !send(
                std::mem::replace(&mut batch, Batch::new(source, &returned)),
                &rows,
            )
        {
            return;
        }
    }
    send(batch, &rows);
}

/// The events of every `[[events]]` file, packed as they were read.
#[derive(Debug)]
pub struct EventsRead {
    /// The events kept (read, attached, not erased), in file then row order.
    pub packed: TimelinesBuilder,
    /// The same events whole, only when asked for (a snapshot takes them).
    pub whole: Option<Vec<Event>>,
    /// Events read.
    pub read: u64,
    /// Rows rejected.
    pub rejects: u64,
    /// Events attached by their source id alone.
    pub attached_by_id: u64,
    /// Events of erased records, dropped.
    pub erased: u64,
    /// Wall time.
    pub took: Duration,
}

/// Rows per batch: split on one thread and parsed in parallel by
/// `JobEvents::next_batch`, then attached in parallel and packed.
const EVENT_CHUNK: usize = 16_384;

/// Reads the events of `rows` (opened by `JobFile::read_events`), attaches
/// each to its record through `index` (see `RecordIndex::attach_each`),
/// drops the events of erased records, and packs the rest as they come,
/// each with its record (`TimelinesBuilder::push_attached`), so that the
/// timelines' build needs no second lookup of the keys: no more than two
/// batches of events are ever held whole, unless `keep_whole` (for a
/// snapshot). Rejects go to `rejects`.
///
/// `renumber[r]` is the id record `r` of `index` has once the erased
/// records are dropped, or `None` for an erased record (`renumber` is
/// `None` when nothing was erased); the events are packed with those ids,
/// the ones the customers are counted in.
///
/// Two cores stay busy: while one batch is attached and packed (packing
/// interns strings, one event after the other), the next is read and
/// parsed.
pub fn read_events<W: Write + Send>(
    mut rows: JobEvents,
    index: &RecordIndex<'_>,
    renumber: Option<&[Option<RecordId>]>,
    keep_whole: bool,
    rejects: &mut RejectWriter<W>,
    progress: &Progress,
) -> Result<EventsRead, Error> {
    let stage = progress.counter("events", "events");
    let mut out = EventsRead {
        packed: TimelinesBuilder::new(),
        whole: keep_whole.then(Vec::new),
        read: 0,
        rejects: 0,
        attached_by_id: 0,
        erased: 0,
        took: Duration::ZERO,
    };
    // The batch buffer, cleared and refilled batch after batch: it is some
    // megabytes, which the allocator returns to the OS when freed (see
    // `ALLOCATOR` in main.rs), so a fresh one per batch had the kernel zero
    // its pages again every time. The events are moved into it once from
    // the rows read (an event is some 230 bytes: each move of a batch is a
    // copy of megabytes) and attached in place.
    let mut attached: Vec<(Event, Option<RecordId>)> = Vec::with_capacity(EVENT_CHUNK);
    let mut pack = |batch: &mut Vec<EventRow>, out: &mut EventsRead| -> Result<(), Error> {
        let rejected_before = out.rejects;
        for row in batch.drain(..) {
            match row {
                Ok(event) => attached.push((event, None)),
                Err(reject) => {
                    rejects.write(&reject)?;
                    out.rejects += 1;
                }
            }
        }
        if out.rejects != rejected_before {
            stage.note(format!("{} rejects", thousands(out.rejects)));
        }
        out.read += attached.len() as u64;
        stage.inc(attached.len() as u64);
        let attachments = index.attach_each(&mut attached, |(event, _)| event);
        // One attachment per event, in order: `retain_mut` visits each
        // event once, in order.
        let mut attachments = attachments.into_iter();
        attached.retain_mut(|(event, record)| {
            let attachment = attachments.next().unwrap_or(Attachment::None);
            if let Attachment::ById(_) = attachment {
                out.attached_by_id += 1;
            }
            *record = match (attachment.record(), renumber) {
                (Some(r), Some(renumber)) => match renumber.get(r.index()).copied().flatten() {
                    Some(kept) => Some(kept),
                    None => {
                        out.erased += 1;
                        return false;
                    }
                },
                (record, _) => record,
            };
            if let Some(whole) = &mut out.whole {
                whole.push(event.clone());
            }
            true
        });
        out.packed.push_attached_batch(&mut attached)
    };
    let mut current: Vec<EventRow> = Vec::new();
    let mut next: Vec<EventRow> = Vec::new();
    let mut more = rows.next_batch_into(EVENT_CHUNK, &mut current);
    let mut sized = false;
    while more {
        let (read_more, packed) = rayon::join(
            || rows.next_batch_into(EVENT_CHUNK, &mut next),
            || pack(&mut current, &mut out),
        );
        packed?;
        // Once a batch is packed (the ids' mean length is known), the
        // columns are sized for the events left: doubled as they filled,
        // they had the kernel zero twice their final size.
        if !sized {
            sized = true;
            let left = rows.rows_left_estimate().unwrap_or(0) + next.len() as u64;
            out.packed
                .reserve(usize::try_from(left).unwrap_or(usize::MAX));
        }
        std::mem::swap(&mut current, &mut next);
        more = read_more;
    }
    out.took = stage.finish(&format!("{} rejects", thousands(out.rejects)));
    Ok(out)
}

/// For `read_events`: each record's id once the `erased` ones are dropped
/// from `records` (in order, as the job drops them), `None` for an erased
/// record.
pub fn renumber_kept(
    records: &[NormalizedRecord],
    erased: &HashSet<SourceKey>,
) -> Vec<Option<RecordId>> {
    let mut next = 0u32;
    records
        .iter()
        .map(|record| {
            if erased.contains(&record.key) {
                return None;
            }
            let id = RecordId(next);
            next += 1;
            Some(id)
        })
        .collect()
}
