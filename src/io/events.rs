//! Events exports to [`Event`]s, one row at a time.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use crate::error::Result;
use crate::io::job::{EventsSpec, JobFile, check_time_zone};
use crate::io::reject::Reject;
use crate::io::source::SeenIds;
use crate::io::table::{Cells, Layout, Selector, SplitAhead, Table, rows_left_estimate};
use crate::normalize::DateOrder;
use crate::normalize::date::parse_timestamp;
use crate::record::{Channel, MAX_FIELD_BYTES, MAX_SOURCE_ID_BYTES, SourceKey};
use crate::timeline::{Currency, Event, EventKind, Money};

/// What one events row gave: an event, or the reason it could not.
pub type EventRow = std::result::Result<Event, Reject>;

/// What turns one row's cells into an event: shared by the threads of
/// [`EventsReader::next_batch`].
struct Parser {
    columns: Columns,
    time_zone: jiff::tz::TimeZone,
    date_order: DateOrder,
    currency: Currency,
}

struct Columns {
    id: Selector,
    channel: Selector,
    source_id: Selector,
    timestamp: Selector,
    kind: Selector,
    amount: Option<Selector>,
    order_ref: Option<Selector>,
    store: Option<Selector>,
    event_channel: Option<Selector>,
    attributes: Vec<Selector>,
}

/// Reads one events export as a stream of [`EventRow`]s: every data row gives
/// exactly one event or one reject.
///
/// Timestamps without an offset are civil times in the spec's time zone;
/// amounts are decimals read without floating point
/// ([`Money::parse_decimal`]). A row is rejected, naming the column, when a
/// required value is missing, a value does not parse, a value is too long, or
/// its event id was already seen for the same record channel.
///
/// ```
/// use omnicanal::io::{EventsReader, JobFile};
/// let dir = std::env::temp_dir().join("omnicanal-doc-events-reader");
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("events.csv"),
///     "event_id,channel,source_record_id,timestamp,kind,amount_eur\n\
///      E1,web,W1,05/03/2024 10:30,commande,\"19,99\"\n")?;
/// let job = JobFile::from_toml_str(r#"
///     [[events]]
///     path = "events.csv"
///     id = "event_id"
///     channel = "channel"
///     source_id = "source_record_id"
///     timestamp = "timestamp"
///     kind = "kind"
///     amount = "amount_eur"
/// "#)?;
/// let events: Vec<_> = EventsReader::open(&job.events[0], &dir)?.collect();
/// let event = events[0].as_ref().unwrap();
/// assert_eq!(event.timestamp.to_string(), "2024-03-05T09:30:00Z");
/// assert_eq!(event.amount.map(|m| m.minor), Some(1999));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct EventsReader {
    table: Table,
    parser: Parser,
    /// Rows split ahead by [`next_batch`](Self::next_batch), and the
    /// batches' buffers.
    split: SplitAhead,
    /// Event ids per channel of their record.
    seen: SeenIds,
    events: u64,
    rejects: u64,
}

impl fmt::Debug for EventsReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventsReader")
            .field("file", &self.table.file())
            .field("events", &self.events)
            .field("rejects", &self.rejects)
            .finish_non_exhaustive()
    }
}

impl EventsReader {
    /// Opens the events file (`base_dir` joined with `spec.path`) and checks
    /// every named column against its header.
    pub fn open(spec: &EventsSpec, base_dir: impl AsRef<Path>) -> Result<EventsReader> {
        let file = base_dir.as_ref().join(&spec.path);
        spec.validate().map_err(|e| e.in_file(&file))?;
        let time_zone = check_time_zone(&spec.time_zone).map_err(|e| e.in_file(&file))?;
        let table = Table::open(
            &file,
            Layout {
                format: spec.format,
                delimiter: spec.delimiter,
                quote: spec.quote,
                encoding: spec.encoding,
                header: spec.header,
            },
        )?;
        let optional =
            |column: &Option<String>| column.as_deref().map(|c| table.select(c)).transpose();
        let columns = Columns {
            id: table.select(&spec.id)?,
            channel: table.select(&spec.channel)?,
            source_id: table.select(&spec.source_id)?,
            timestamp: table.select(&spec.timestamp)?,
            kind: table.select(&spec.kind)?,
            amount: optional(&spec.amount)?,
            order_ref: optional(&spec.order_ref)?,
            store: optional(&spec.store)?,
            event_channel: optional(&spec.event_channel)?,
            attributes: spec
                .attributes
                .iter()
                .map(|c| table.select(c))
                .collect::<Result<_>>()?,
        };
        Ok(EventsReader {
            table,
            parser: Parser {
                columns,
                time_zone,
                date_order: spec.date_order,
                currency: spec.currency,
            },
            split: SplitAhead::default(),
            seen: SeenIds::default(),
            events: 0,
            rejects: 0,
        })
    }

    /// The file being read.
    pub fn file(&self) -> &Path {
        self.table.file()
    }

    /// Events given so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Rejects given so far.
    pub fn rejects(&self) -> u64 {
        self.rejects
    }

    /// Bytes of the file read so far, for progress reports.
    pub fn bytes_read(&self) -> u64 {
        self.table.bytes_read()
    }

    /// Up to `max` rows at once: the rows, in the same order, that `max`
    /// calls to [`next`](Iterator::next) would give (empty at the end). The
    /// next batch's rows are split, one after the other, while these are
    /// parsed in parallel (one rayon join); duplicate event ids are then
    /// found in row order, so the first of two equal ids is kept, as `next`
    /// keeps it.
    pub fn next_batch(&mut self, max: usize) -> Vec<EventRow> {
        let mut rows = Vec::new();
        self.next_batch_into(max, &mut rows);
        rows
    }

    /// [`next_batch`](Self::next_batch) into `rows` (cleared first), so
    /// that a caller reading batch after batch reuses one buffer.
    pub fn next_batch_into(&mut self, max: usize, rows: &mut Vec<EventRow>) {
        let parser = &self.parser;
        self.split
            .next_batch_into(&mut self.table, max, rows, |cells| parser.event(cells));
        // Duplicates in row order, so that the first of two equal ids is
        // kept, as `next` keeps it.
        let (kept, rejected) = self.seen.reject_repeats(
            rows,
            self.split.lines(),
            self.table.file(),
            |event| (&event.source.channel, event.id.as_str()),
            || format!("column {}: duplicate event id", self.parser.columns.id.name),
        );
        self.events += kept;
        self.rejects += rejected;
    }
}

impl Parser {
    /// The single trimmed value of a column, `None` when blank; longer than
    /// `max` bytes or several values is an error.
    fn value(
        &self,
        cells: &Cells<'_>,
        selector: &Selector,
        max: usize,
    ) -> std::result::Result<Option<String>, String> {
        Ok(self.text(cells, selector, max)?.map(Cow::into_owned))
    }

    /// [`value`](Self::value), borrowed from the row when the encoding
    /// allows: most cells are parsed (a channel, a timestamp, an amount)
    /// and never kept, so copying them was an allocation each for nothing.
    fn text<'c>(
        &self,
        cells: &Cells<'c>,
        selector: &Selector,
        max: usize,
    ) -> std::result::Result<Option<Cow<'c, str>>, String> {
        let too_long = || format!("column {}: value longer than {max} bytes", selector.name);
        // A CSV cell or a JSON path without `[]`: one value, trimmed in place.
        if let Some(cell) = cells.cell(selector) {
            let value = match cell? {
                Cow::Borrowed(text) => Cow::Borrowed(trim(text)),
                Cow::Owned(text) if text.trim().len() == text.len() => Cow::Owned(text),
                Cow::Owned(text) => Cow::Owned(text.trim().to_owned()),
            };
            return match value.len() {
                0 => Ok(None),
                n if n > max => Err(too_long()),
                _ => Ok(Some(value)),
            };
        }
        let slots = cells.slots(selector)?;
        let mut values = slots
            .into_iter()
            .flatten()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        let value = values.next();
        if values.next().is_some() {
            return Err(format!("column {}: several values", selector.name));
        }
        match value {
            Some(v) if v.len() > max => Err(too_long()),
            other => Ok(other.map(Cow::Owned)),
        }
    }

    fn required<'c>(
        &self,
        cells: &Cells<'c>,
        selector: &Selector,
        max: usize,
    ) -> std::result::Result<Cow<'c, str>, String> {
        self.text(cells, selector, max)?
            .ok_or_else(|| format!("column {}: missing value", selector.name))
    }

    fn event(&self, cells: &Cells<'_>) -> std::result::Result<Event, String> {
        let c = &self.columns;
        let id = self
            .required(cells, &c.id, MAX_SOURCE_ID_BYTES)?
            .into_owned();
        if id.chars().any(char::is_control) {
            return Err(format!(
                "column {}: control characters in the event id",
                c.id.name
            ));
        }
        let channel_of = |selector: &Selector, raw: &str| match raw {
            // The canonical names, without `Channel::from_str`'s folded copy.
            "store" => Ok(Channel::Store),
            "web" => Ok(Channel::Web),
            "callcentre" => Ok(Channel::CallCentre),
            "app" => Ok(Channel::App),
            _ => raw
                .parse::<Channel>()
                .map_err(|_| format!("column {}: invalid channel name", selector.name)),
        };
        let record_channel = channel_of(
            &c.channel,
            &self.required(cells, &c.channel, MAX_FIELD_BYTES)?,
        )?;
        let source_id = self.required(cells, &c.source_id, MAX_SOURCE_ID_BYTES)?;
        let source = SourceKey::new(record_channel.clone(), &source_id)
            .map_err(|_| format!("column {}: invalid source id", c.source_id.name))?;
        let raw_timestamp = self.required(cells, &c.timestamp, MAX_FIELD_BYTES)?;
        let timestamp = parse_timestamp(&raw_timestamp, self.date_order, &self.time_zone)
            .map_err(|issue| format!("column {}: {}", c.timestamp.name, issue.as_str()))?;
        let kind = self
            .required(cells, &c.kind, MAX_FIELD_BYTES)?
            .parse::<EventKind>()
            .map_err(|e| format!("column {}: {}", c.kind.name, e.kind()))?;
        let amount = match &c.amount {
            Some(selector) => self
                .text(cells, selector, MAX_FIELD_BYTES)?
                .map(|raw| Money::parse_decimal(&raw, self.currency))
                .transpose()
                .map_err(|e| format!("column {}: {}", selector.name, e.kind()))?,
            None => None,
        };
        let optional = |selector: &Option<Selector>| match selector {
            Some(selector) => self.value(cells, selector, MAX_FIELD_BYTES),
            None => Ok(None),
        };
        let order_ref = optional(&c.order_ref)?;
        let store = optional(&c.store)?;
        let event_channel = match &c.event_channel {
            Some(selector) => self.text(cells, selector, MAX_FIELD_BYTES)?,
            None => None,
        };
        let channel = match (&c.event_channel, event_channel) {
            (Some(selector), Some(raw)) => channel_of(selector, &raw)?,
            _ => record_channel,
        };
        // Most events have no attribute: no allocation then.
        let mut attributes = Vec::new();
        for selector in &c.attributes {
            if let Some(value) = self.value(cells, selector, MAX_FIELD_BYTES)? {
                attributes.push((selector.name.clone(), value));
            }
        }
        Ok(Event {
            id,
            source,
            timestamp,
            channel,
            kind,
            amount,
            order_ref,
            store,
            attributes,
        })
    }
}

/// `s.trim()`, without its call when `s` starts and ends with a visible
/// ASCII character, as nearly every cell does (whitespace outside ASCII
/// starts with a byte past ASCII, and ends with one).
fn trim(s: &str) -> &str {
    let bytes = s.as_bytes();
    if bytes.first().is_none_or(u8::is_ascii_graphic)
        && bytes.last().is_none_or(u8::is_ascii_graphic)
    {
        return s;
    }
    s.trim()
}

impl Iterator for EventsReader {
    type Item = EventRow;

    fn next(&mut self) -> Option<EventRow> {
        if self.split.pending() > 0 {
            // Rows a batch split ahead come first.
            let mut one = Vec::with_capacity(1);
            self.next_batch_into(1, &mut one);
            return one.pop();
        }
        if let Err(reject) = self.table.advance()? {
            self.rejects += 1;
            return Some(Err(reject));
        }
        let row = match self.parser.event(&self.table.cells()) {
            Ok(event) if self.seen.insert(&event.source.channel, &event.id) => Ok(event),
            Ok(_) => Err(self.table.reject(format!(
                "column {}: duplicate event id",
                self.parser.columns.id.name
            ))),
            Err(reason) => Err(self.table.reject(reason)),
        };
        match &row {
            Ok(_) => self.events += 1,
            Err(_) => self.rejects += 1,
        }
        Some(row)
    }
}

/// Every events file of a job, read one after the other as one stream, with
/// duplicate event ids detected across files.
#[derive(Debug)]
pub struct JobEvents {
    readers: std::collections::VecDeque<EventsReader>,
    /// Whether the duplicate check was sized for the rows left (once, after
    /// the first batch, when their bytes per row are known).
    seen_sized: bool,
}

impl JobEvents {
    /// The reader currently being read, for progress reports.
    pub fn current(&self) -> Option<&EventsReader> {
        self.readers.front()
    }

    /// About how many rows the files still to read hold, from the bytes
    /// per row of the rows split so far (`None` before any): for a caller
    /// that sizes its buffers once rather than doubling them as they fill.
    pub fn rows_left_estimate(&self) -> Option<u64> {
        let reader = self.readers.front()?;
        let split = reader.events + reader.rejects + reader.split.pending() as u64;
        let later = self.readers.iter().skip(1).map(EventsReader::file);
        let unsplit = rows_left_estimate(split, reader.bytes_read(), reader.file(), later)?;
        Some(unsplit + reader.split.pending() as u64)
    }

    /// Up to `max` rows at once, parsed in parallel: the rows that the
    /// iterator would give next, in the same order (see
    /// [`EventsReader::next_batch`]); `None` at the end of the last file.
    pub fn next_batch(&mut self, max: usize) -> Option<Vec<EventRow>> {
        let mut rows = Vec::new();
        self.next_batch_into(max, &mut rows).then_some(rows)
    }

    /// [`next_batch`](Self::next_batch) into `rows` (cleared first), so
    /// that a caller reading batch after batch reuses one buffer; false
    /// (and `rows` empty) at the end of the last file.
    pub fn next_batch_into(&mut self, max: usize, rows: &mut Vec<EventRow>) -> bool {
        loop {
            let Some(reader) = self.readers.front_mut() else {
                rows.clear();
                return false;
            };
            reader.next_batch_into(max, rows);
            if !rows.is_empty() {
                if !self.seen_sized {
                    self.seen_sized = true;
                    let left = self.rows_left_estimate().unwrap_or(0);
                    if let Some(reader) = self.readers.front_mut() {
                        reader.seen.reserve(left);
                    }
                }
                return true;
            }
            if let Some(done) = self.readers.pop_front() {
                if let Some(next) = self.readers.front_mut() {
                    next.seen = done.seen;
                }
            }
        }
    }
}

impl Iterator for JobEvents {
    type Item = EventRow;

    fn next(&mut self) -> Option<EventRow> {
        loop {
            let reader = self.readers.front_mut()?;
            if let Some(row) = reader.next() {
                return Some(row);
            }
            if let Some(done) = self.readers.pop_front() {
                if let Some(next) = self.readers.front_mut() {
                    next.seen = done.seen;
                }
            }
        }
    }
}

impl JobFile {
    /// Opens every `[[events]]` file of the job; paths are relative to
    /// `base_dir` (the job file's folder).
    pub fn read_events(&self, base_dir: impl AsRef<Path>) -> Result<JobEvents> {
        let base_dir = base_dir.as_ref();
        let readers = self
            .events
            .iter()
            .map(|spec| EventsReader::open(spec, base_dir))
            .collect::<Result<_>>()?;
        Ok(JobEvents {
            readers,
            seen_sized: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const JOB: &str = r#"
        [[events]]
        path = "a.csv"
        id = "event_id"
        channel = "channel"
        source_id = "source_record_id"
        timestamp = "timestamp"
        kind = "kind"
        amount = "amount"
        attributes = ["reason"]

        [[events]]
        path = "b.csv"
        id = "event_id"
        channel = "channel"
        source_id = "source_record_id"
        timestamp = "timestamp"
        kind = "kind"
        amount = "amount"
        attributes = ["reason"]
    "#;

    /// One data row: good, or broken in one of the ways a reader rejects.
    fn row() -> impl Strategy<Value = String> {
        (0u8..4, 0u8..8, 0u8..7, 0u8..3).prop_map(|(id, source, shape, channel)| {
            let channel = ["web", "store", "app"][usize::from(channel)];
            match shape {
                0 => format!(
                    "E{id},{channel},S{source},2024-03-0{} 10:30,order,12.5,",
                    1 + id % 9
                ),
                1 => format!("E{id},{channel},S{source},not a date,order,,"),
                2 => format!("E{id},{channel},S{source},2024-03-01,purchase,1.234,"),
                3 => format!("E{id},{channel}"),
                4 => format!(",{channel},S{source},2024-03-01,order,,"),
                5 => format!("E{id},{channel},S{source},2024-03-01,return,-3,\"abime\""),
                _ => format!("E{id},nowhere!,S{source},2024-03-01,call,,"),
            }
        })
    }

    fn write(dir: &Path, name: &str, rows: &[String]) {
        let header = "event_id,channel,source_record_id,timestamp,kind,amount,reason";
        crate::io::table::write_test_csv(dir, name, header, rows);
    }

    #[test]
    fn rows_left_are_estimated_from_the_rows_split() {
        let dir = tempfile::tempdir().unwrap();
        let rows: Vec<String> = (0..5000)
            .map(|n| format!("E{n:05},web,S{n},2024-03-01 10:30,order,12.5,"))
            .collect();
        write(dir.path(), "a.csv", &rows);
        write(dir.path(), "b.csv", &rows[..1000]);
        let job = JobFile::from_toml_str(JOB).unwrap();
        let mut reader = job.read_events(dir.path()).unwrap();
        assert_eq!(reader.rows_left_estimate(), None);
        let first = reader.next_batch(1000).unwrap();
        // 4000 rows of the first file and 1000 of the second are left.
        let left = reader.rows_left_estimate().unwrap();
        assert!((4900..=5100).contains(&left), "{left} rows left");
        assert_eq!(first.len(), 1000);
    }

    proptest! {
        /// The short way round trims as `str::trim` does.
        #[test]
        fn trim_equals_str_trim(s in "[ a\\t\u{a0}\u{3000}é,-]{0,6}") {
            prop_assert_eq!(trim(&s), s.trim());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Batches give exactly the rows, rejects and counts of the
        /// one-at-a-time reader, duplicates across files included, whatever
        /// the batch sizes and with single rows (`next`) in between.
        #[test]
        fn batches_equal_rows_one_at_a_time(
            a in prop::collection::vec(row(), 0..40),
            b in prop::collection::vec(row(), 0..40),
            steps in prop::collection::vec(0usize..9, 1..6),
        ) {
            let dir = tempfile::tempdir().unwrap();
            write(dir.path(), "a.csv", &a);
            write(dir.path(), "b.csv", &b);
            let job = JobFile::from_toml_str(JOB).unwrap();
            let one: Vec<EventRow> = job.read_events(dir.path()).unwrap().collect();
            let mut reader = job.read_events(dir.path()).unwrap();
            let batched = crate::io::table::read_in_steps(&steps, |max| match max {
                0 => reader.next().map(|row| vec![row]),
                max => reader.next_batch(max),
            });
            prop_assert_eq!(batched.len(), a.len() + b.len());
            prop_assert_eq!(batched, one);
        }
    }
}
