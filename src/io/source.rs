//! Customer exports to [`Record`]s, one row at a time.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use crate::error::Result;
use crate::io::job::{Columns, FieldName, JobFile, SourceSpec};
use crate::io::reject::Reject;
use crate::io::table::{Cells, Layout, Selector, SplitAhead, Table, rows_left_estimate};
use crate::record::{
    Address, Channel, Field, MAX_FIELD_BYTES, MAX_SOURCE_ID_BYTES, Record, RecordBuilder, SourceKey,
};
use crate::timeline::strings::StrInterner;

/// What one data row gave: a record, or the reason it could not.
pub type Row = std::result::Result<Record, Reject>;

/// Ids already given out, per channel: a later row with the same id in the
/// same channel is a duplicate. Ids of rejected rows are not kept, so a bad
/// first row does not shadow a good second one. Used for source ids and,
/// keyed by the record's channel, for event ids.
///
/// This is the one piece of state that grows with the input: the ids are
/// packed end to end in one arena with a table of 32-bit hashes (the
/// timeline store's interner), about 30 bytes per id plus the id, where a
/// set of boxed strings cost as much and an allocation per id, and
/// re-hashed every id each time it grew (a tenth of reading 4M events).
#[derive(Default)]
pub(crate) struct SeenIds {
    /// The first channels seen, by tag.
    channels: Vec<Channel>,
    /// Every channel's tag, once there are more than [`SCANNED_CHANNELS`].
    many: HashMap<Channel, u32>,
    /// Ids, tagged with their channel's position in `channels`.
    ids: Option<StrInterner>,
}

impl fmt::Debug for SeenIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Counts only: ids may be personal data.
        f.debug_struct("SeenIds")
            .field("channels", &self.channels.len())
            .field("ids", &self.ids.as_ref().map_or(0, StrInterner::len))
            .finish()
    }
}

/// Channels looked up by a scan before a map is used.
const SCANNED_CHANNELS: usize = 8;

/// Keys hashed and their slots loaded at once by [`SeenIds::insert_each`].
const INSERTED_AHEAD: usize = 32;

impl SeenIds {
    /// Records `id` in `channel`; false when it was already there.
    pub(crate) fn insert(&mut self, channel: &Channel, id: &str) -> bool {
        let tag = self.tag(channel);
        let ids = self.ids.get_or_insert_with(StrInterner::new);
        let before = ids.len();
        ids.intern_tagged(tag, id);
        ids.len() > before
    }

    /// [`insert`](Self::insert) for each key in order (`None` is skipped),
    /// pushing onto `fresh` whether each was new (`true` for `None`). The
    /// same answers, faster for many: the ids of a large export outgrow
    /// the caches, each insert waits for a slot's cache miss, and here the
    /// misses of a group of keys overlap (`StrInterner::touch_each`).
    pub(crate) fn insert_each<'k>(
        &mut self,
        keys: impl Iterator<Item = Option<(&'k Channel, &'k str)>>,
        fresh: &mut Vec<bool>,
    ) {
        let mut group: Vec<Option<(u32, u32, &str)>> = Vec::with_capacity(INSERTED_AHEAD);
        let mut keys = keys.peekable();
        while keys.peek().is_some() {
            group.clear();
            // Tags in key order, as one insert after the other gives them.
            for key in keys.by_ref().take(INSERTED_AHEAD) {
                group.push(key.map(|(channel, id)| {
                    let tag = self.tag(channel);
                    (tag, StrInterner::hash_tagged(tag, id), id)
                }));
            }
            let ids = self.ids.get_or_insert_with(StrInterner::new);
            ids.touch_each(group.iter().flatten().map(|&(_, hash, _)| hash));
            fresh.extend(group.iter().map(|key| match *key {
                Some((tag, hash, id)) => {
                    let before = ids.len();
                    ids.intern_tagged_with_hash(hash, tag, id);
                    ids.len() > before
                }
                None => true,
            }));
        }
    }

    /// For a batch of rows in row order (`lines[i]` is row i's line):
    /// turns each row whose key (`key`) was seen before, in an earlier row
    /// or batch, into a reject of `file` at its line for `reason`, as one
    /// [`insert`](Self::insert) after the other would find them. Returns
    /// (rows kept, rows rejected), rejects read before included.
    pub(crate) fn reject_repeats<T>(
        &mut self,
        rows: &mut [std::result::Result<T, Reject>],
        lines: &[u64],
        file: &Path,
        key: impl Fn(&T) -> (&Channel, &str),
        reason: impl Fn() -> String,
    ) -> (u64, u64) {
        let mut fresh = Vec::with_capacity(rows.len());
        self.insert_each(
            rows.iter().map(|row| row.as_ref().ok().map(&key)),
            &mut fresh,
        );
        let (mut kept, mut rejected) = (0, 0);
        for ((row, &line), fresh) in rows.iter_mut().zip(lines).zip(fresh) {
            if row.is_ok() && !fresh {
                *row = Err(Reject {
                    file: file.to_owned(),
                    line,
                    reason: reason(),
                });
            }
            match row {
                Ok(_) => kept += 1,
                Err(_) => rejected += 1,
            }
        }
        (kept, rejected)
    }

    /// Room for about `more` ids beyond those seen (see
    /// `StrInterner::reserve`): the readers size the table once, from the
    /// rows left, since doubled as it filled it placed every id again at
    /// each step.
    pub(crate) fn reserve(&mut self, more: u64) {
        let more = usize::try_from(more).unwrap_or(usize::MAX);
        self.ids.get_or_insert_with(StrInterner::new).reserve(more);
    }

    /// The tag of `channel`'s ids.
    fn tag(&mut self, channel: &Channel) -> u32 {
        // A row's channel is its file's (sources) or one of a few (events):
        // a scan beats hashing, up to a point (an export may name many
        // custom channels).
        match self.channels.iter().position(|c| c == channel) {
            Some(tag) => tag as u32,
            None if self.channels.len() < SCANNED_CHANNELS => {
                self.channels.push(channel.clone());
                (self.channels.len() - 1) as u32
            }
            None => {
                let next = (SCANNED_CHANNELS + self.many.len()) as u32;
                *self.many.entry(channel.clone()).or_insert(next)
            }
        }
    }
}

/// One mapped field and where its value comes from.
struct Mapping {
    field: Field,
    /// The identifier's name, for `identifier.<name>`.
    identifier: Option<String>,
    selectors: Vec<Selector>,
}

/// Reads one customer export as a stream of [`Row`]s: every data row gives
/// exactly one record or one reject.
///
/// The mapping is checked against the header when the file is opened, so a
/// misspelt column stops the job before any row is read. A row is rejected,
/// with the column and the reason, when it has the wrong number of fields, a
/// cell that is not valid in the declared encoding, a value longer than
/// [`MAX_FIELD_BYTES`], no id, an id longer than [`MAX_SOURCE_ID_BYTES`] or
/// with control characters, or an id already seen in the same channel.
///
/// ```
/// use omnicanal::io::{SourceReader, SourceSpec};
/// use omnicanal::Channel;
/// let dir = std::env::temp_dir().join("omnicanal-doc-source-reader");
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("web.csv"), "id,prenom,nom,email\nW1,Marie,Dupont,marie@example.fr\n,Jean,Martin,\n")?;
/// let mut spec = SourceSpec::new("web.csv", Channel::Web, "id");
/// spec.map.insert("given_name".parse()?, "prenom".into());
/// spec.map.insert("family_name".parse()?, "nom".into());
/// spec.map.insert("email".parse()?, "email".into());
/// let rows: Vec<_> = SourceReader::open(&spec, &dir)?.collect();
/// let record = rows[0].as_ref().unwrap();
/// assert_eq!(record.key.to_string(), "web:W1");
/// assert_eq!(record.emails, ["marie@example.fr"]);
/// let reject = rows[1].as_ref().unwrap_err();
/// assert_eq!((reject.line, reject.reason.as_str()), (3, "column id: missing id"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SourceReader {
    table: Table,
    parser: RowParser,
    /// Rows split ahead by [`next_batch_into`](Self::next_batch_into), and
    /// the batches' buffers.
    split: SplitAhead,
    seen: SeenIds,
    records: u64,
    rejects: u64,
}

impl fmt::Debug for SourceReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceReader")
            .field("file", &self.table.file())
            .field("channel", &self.parser.channel)
            .field("records", &self.records)
            .field("rejects", &self.rejects)
            .finish_non_exhaustive()
    }
}

impl SourceReader {
    /// Opens the source's file (`base_dir` joined with `spec.path`) and checks
    /// the mapping against its header.
    ///
    /// Errors: the file cannot be opened (`Io`), the header is not valid in
    /// the encoding (`Encoding`), a CSV file with a header is empty, or a
    /// mapped column is not in the file (`Config`, naming column and file).
    pub fn open(spec: &SourceSpec, base_dir: impl AsRef<Path>) -> Result<SourceReader> {
        SourceReader::open_with_seen(spec, base_dir.as_ref(), SeenIds::default())
    }

    pub(crate) fn open_with_seen(
        spec: &SourceSpec,
        base_dir: &Path,
        seen: SeenIds,
    ) -> Result<SourceReader> {
        let file = base_dir.join(&spec.path);
        spec.validate().map_err(|e| e.in_file(&file))?;
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
        let id = table.select(&spec.id)?;
        let mappings = spec
            .map
            .iter()
            .map(|(name, columns)| mapping(&table, name, columns))
            .collect::<Result<Vec<_>>>()?;
        Ok(SourceReader {
            table,
            parser: RowParser {
                channel: spec.channel.clone(),
                id,
                mappings,
            },
            split: SplitAhead::default(),
            seen,
            records: 0,
            rejects: 0,
        })
    }

    /// The file being read.
    pub fn file(&self) -> &Path {
        self.table.file()
    }

    /// Records given so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Rejects given so far.
    pub fn rejects(&self) -> u64 {
        self.rejects
    }

    /// Bytes of the file read so far, for progress reports.
    pub fn bytes_read(&self) -> u64 {
        self.table.bytes_read()
    }

    pub(crate) fn into_seen(self) -> SeenIds {
        self.seen
    }

    /// Up to `max` rows at once: the rows, in the same order, that `max`
    /// calls to [`next`](Iterator::next) would give (empty at the end). The
    /// next batch's rows are split, one after the other, while these are
    /// turned into records in parallel (one rayon join); duplicate ids are
    /// then found in row order, so the first of two equal ids is kept, as
    /// `next` keeps it.
    /// `rows` is cleared first, so that a caller reading batch after batch
    /// reuses one buffer.
    pub fn next_batch_into(&mut self, max: usize, rows: &mut Vec<Row>) {
        let parser = &self.parser;
        self.split
            .next_batch_into(&mut self.table, max, rows, |cells| parser.record(cells));
        let (kept, rejected) = self.seen.reject_repeats(
            rows,
            self.split.lines(),
            self.table.file(),
            |record| (&record.key.channel, record.key.id.as_str()),
            || self.parser.duplicate(),
        );
        self.records += kept;
        self.rejects += rejected;
    }
}

/// What turns one row's cells into a record: shared by the threads of
/// [`SourceReader::next_batch_into`].
struct RowParser {
    channel: Channel,
    id: Selector,
    mappings: Vec<Mapping>,
}

impl RowParser {
    /// The row's record, or why there is none.
    fn record(&self, cells: &Cells<'_>) -> std::result::Result<Record, String> {
        let key = self.key(cells)?;
        let mut builder = Record::builder(key);
        // Address components are gathered per slot and added as whole
        // addresses: with `addresses[].street` and `addresses[].zip`, element
        // i's street and zip must land in the same address even when another
        // element lacks one of them (filling components one by one would pair
        // them up wrongly).
        let mut addresses: Vec<Address> = Vec::new();
        let mut add = |mapping: &Mapping, index: usize, value: &str| {
            let value = value.trim();
            if value.is_empty() {
                return Ok(());
            }
            if value.len() > MAX_FIELD_BYTES {
                return Err(format!(
                    "{}: value longer than {MAX_FIELD_BYTES} bytes",
                    describe(&mapping.selectors)
                ));
            }
            if let Some(slot) = address_slot(&mut addresses, index, mapping.field) {
                *slot = Some(value.to_owned());
                return Ok(());
            }
            set(&mut builder, mapping, value)
                .map_err(|reason| format!("{}: {reason}", describe(&mapping.selectors)))
        };
        for mapping in &self.mappings {
            // One column, one value (a CSV cell, a JSON path without `[]`):
            // borrowed from the row, where the slots' vector and copy were
            // two allocations per mapped cell on the reader's thread.
            if let [single] = mapping.selectors.as_slice()
                && let Some(value) = cells.cell(single)
            {
                add(mapping, 0, &value?)?;
                continue;
            }
            let slots = joined_slots(cells, &mapping.selectors)?;
            for (index, value) in slots.into_iter().enumerate() {
                if let Some(value) = value {
                    add(mapping, index, &value)?;
                }
            }
        }
        for address in addresses {
            builder.address(address);
        }
        Ok(builder.into_record())
    }

    fn key(&self, cells: &Cells<'_>) -> std::result::Result<SourceKey, String> {
        let column = &self.id.name;
        let id = match cells.cell(&self.id) {
            Some(id) => id?,
            None => {
                let slots = cells.slots(&self.id)?;
                let mut values = slots.into_iter().flatten().filter(|v| !v.trim().is_empty());
                let id = values.next().unwrap_or_default();
                if values.next().is_some() {
                    return Err(format!("column {column}: several ids"));
                }
                id.into()
            }
        };
        if id.trim().is_empty() {
            return Err(format!("column {column}: missing id"));
        }
        SourceKey::new(self.channel.clone(), &id).map_err(|_| {
            format!(
                "column {column}: invalid id (longer than {MAX_SOURCE_ID_BYTES} bytes or with control characters)"
            )
        })
    }

    /// The reason a row whose id was seen before is rejected.
    fn duplicate(&self) -> String {
        format!(
            "column {}: duplicate source id in channel {}",
            self.id.name, self.channel
        )
    }
}

impl Iterator for SourceReader {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
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
        let row = match self.parser.record(&self.table.cells()) {
            Ok(record) if self.seen.insert(&record.key.channel, &record.key.id) => Ok(record),
            Ok(_) => Err(self.table.reject(self.parser.duplicate())),
            Err(reason) => Err(self.table.reject(reason)),
        };
        match &row {
            Ok(_) => self.records += 1,
            Err(_) => self.rejects += 1,
        }
        Some(row)
    }
}

fn mapping(table: &Table, name: &FieldName, columns: &Columns) -> Result<Mapping> {
    let (field, identifier) = name.field();
    let selectors = columns
        .names()
        .iter()
        .map(|column| table.select(column))
        .collect::<Result<Vec<_>>>()?;
    Ok(Mapping {
        field,
        identifier: identifier.map(str::to_owned),
        selectors,
    })
}

/// The values of one mapped field: one column's slots, or several columns'
/// slots joined element by element with a space (blank parts left out).
fn joined_slots(
    cells: &Cells<'_>,
    selectors: &[Selector],
) -> std::result::Result<Vec<Option<String>>, String> {
    let [single] = selectors else {
        let parts = selectors
            .iter()
            .map(|selector| cells.slots(selector))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let width = parts.iter().map(Vec::len).max().unwrap_or(0);
        return Ok((0..width)
            .map(|i| {
                let joined = parts
                    .iter()
                    .filter_map(|slots| slots.get(i).and_then(Option::as_deref))
                    .map(str::trim)
                    .filter(|part| !part.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                (!joined.is_empty()).then_some(joined)
            })
            .collect());
    };
    cells.slots(single)
}

fn describe(selectors: &[Selector]) -> String {
    match selectors {
        [single] => format!("column {}", single.name),
        many => format!(
            "columns {}",
            many.iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join("+")
        ),
    }
}

/// The component slot of address `index` for an address field, growing the
/// list as needed; `None` for other fields.
fn address_slot(
    addresses: &mut Vec<Address>,
    index: usize,
    field: Field,
) -> Option<&mut Option<String>> {
    if !matches!(
        field,
        Field::Street | Field::Postcode | Field::City | Field::Country
    ) {
        return None;
    }
    if addresses.len() <= index {
        addresses.resize_with(index + 1, Address::default);
    }
    let address = &mut addresses[index];
    Some(match field {
        Field::Street => &mut address.street,
        Field::Postcode => &mut address.postcode,
        Field::City => &mut address.city,
        _ => &mut address.country,
    })
}

fn set(
    builder: &mut RecordBuilder,
    mapping: &Mapping,
    value: &str,
) -> std::result::Result<(), String> {
    let result = match &mapping.identifier {
        Some(name) => builder.identifier(name, value),
        None => builder.set_field(mapping.field, value),
    };
    // The builder's errors name the field and the kind, never the value.
    result.map(|_| ()).map_err(|e| e.kind().to_string())
}

/// Every customer source of a job, read one after the other as one stream,
/// with duplicate ids detected across files of the same channel.
///
/// Every file is opened (and its mapping checked) by
/// [`JobFile::read_sources`] before the first row is read, so a broken job
/// fails in seconds rather than after the first file's million rows.
#[derive(Debug)]
pub struct JobSources {
    readers: std::collections::VecDeque<SourceReader>,
    /// The position among the job's sources of the file being read.
    reading: usize,
    /// Whether the duplicate check was sized for the rows left (once, after
    /// [`ROWS_BEFORE_SIZING`] rows, when their bytes per row are known).
    seen_sized: bool,
}

/// Rows read before the duplicate check is sized for the rest.
const ROWS_BEFORE_SIZING: u64 = 1024;

impl JobSources {
    /// The reader currently being read, for progress reports.
    pub fn current(&self) -> Option<&SourceReader> {
        self.readers.front()
    }

    /// About how many rows the files still to read hold, from the bytes per
    /// row of the rows given so far (`None` before any): for a caller that
    /// sizes its buffers once rather than doubling them as they fill. Files
    /// of other formats may have longer or shorter rows: an estimate.
    pub fn rows_left_estimate(&self) -> Option<u64> {
        let reader = self.readers.front()?;
        // Rows split ahead by a batch are read but not given yet.
        let ahead = reader.split.pending() as u64;
        let later = self.readers.iter().skip(1).map(SourceReader::file);
        let unsplit = rows_left_estimate(
            reader.records + reader.rejects + ahead,
            reader.bytes_read(),
            reader.file(),
            later,
        )?;
        Some(unsplit + ahead)
    }
}

impl Iterator for JobSources {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        loop {
            let reader = self.readers.front_mut()?;
            if let Some(row) = reader.next() {
                if !self.seen_sized && reader.records + reader.rejects >= ROWS_BEFORE_SIZING {
                    self.seen_sized = true;
                    let left = self.rows_left_estimate().unwrap_or(0);
                    if let Some(reader) = self.readers.front_mut() {
                        reader.seen.reserve(left);
                    }
                }
                return Some(row);
            }
            self.next_file();
        }
    }
}

impl JobSources {
    /// Up to `max` rows at once, all of one file, parsed in parallel: the
    /// rows the iterator would give next, in the same order (see
    /// [`SourceReader::next_batch_into`]), into `rows` (cleared first).
    /// Returns the file's position among the job's sources; `None`, with
    /// `rows` empty, after the last file.
    pub fn next_batch_into(&mut self, max: usize, rows: &mut Vec<Row>) -> Option<usize> {
        loop {
            let Some(reader) = self.readers.front_mut() else {
                rows.clear();
                return None;
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
                return Some(self.reading);
            }
            self.next_file();
        }
    }

    /// Moves on to the next file, handing it the ids seen.
    fn next_file(&mut self) {
        if let Some(done) = self.readers.pop_front() {
            self.reading += 1;
            let seen = done.into_seen();
            if let Some(next) = self.readers.front_mut() {
                next.seen = seen;
            }
        }
    }
}

impl JobFile {
    /// Opens every `[[source]]` of the job; paths are relative to `base_dir`
    /// (the job file's folder).
    pub fn read_sources(&self, base_dir: impl AsRef<Path>) -> Result<JobSources> {
        let base_dir = base_dir.as_ref();
        let readers = self
            .sources
            .iter()
            .map(|spec| SourceReader::open(spec, base_dir))
            .collect::<Result<_>>()?;
        Ok(JobSources {
            readers,
            reading: 0,
            seen_sized: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    /// Two CSV files of one channel: ids repeat within and across them.
    const JOB: &str = r#"
        [[source]]
        path = "a.csv"
        channel = "store"
        id = "id"
        [source.map]
        family_name = "nom"
        birth_date = "naissance"

        [[source]]
        path = "b.csv"
        channel = "store"
        id = "id"
        [source.map]
        family_name = "nom"
        birth_date = "naissance"
    "#;

    /// One data row: good, or broken in one of the ways a reader rejects.
    fn row() -> impl Strategy<Value = String> {
        (0u8..6, 0u8..5).prop_map(|(id, shape)| match shape {
            0 => format!("S{id},Dupont,12/03/1980"),
            1 => format!("S{id},Martin,"),
            2 => ",Durand,01/01/1990".to_owned(),
            3 => format!("S{id}"),
            _ => format!("S{id},\"Le \"\"Gall\"\"\",not a date"),
        })
    }

    fn write(dir: &Path, name: &str, rows: &[String]) {
        crate::io::table::write_test_csv(dir, name, "id,nom,naissance", rows);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Batches give exactly the rows, rejects and counts of the
        /// one-at-a-time reader, duplicates across files included, whatever
        /// the batch sizes and with single rows (`next`) in between; each
        /// batch is of one file, and says which.
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
            let one: Vec<Row> = job.read_sources(dir.path()).unwrap().collect();
            let mut files = Vec::new();
            let mut reader = job.read_sources(dir.path()).unwrap();
            let batched = crate::io::table::read_in_steps(&steps, |max| {
                if max == 0 {
                    return reader.next().map(|row| vec![row]);
                }
                let mut batch = Vec::new();
                let file = reader.next_batch_into(max, &mut batch);
                assert_eq!(file.is_none(), batch.is_empty());
                let name = if file? == 0 { "a.csv" } else { "b.csv" };
                let of_file = |row: &Row| row.as_ref().err().is_none_or(|r| r.file.ends_with(name));
                assert!(batch.iter().all(of_file), "a batch of one file");
                files.extend(std::iter::repeat_n(file?, batch.len()));
                Some(batch)
            });
            prop_assert_eq!(batched.len(), a.len() + b.len());
            prop_assert!(files.is_sorted());
            prop_assert_eq!(batched, one);
        }
    }

    proptest! {
        /// An id is new exactly when a set of (channel, id) pairs says so,
        /// past the scanned channels too.
        #[test]
        fn seen_ids_agree_with_a_set(rows in prop::collection::vec((0usize..14, "[a-c]{0,3}"), 0..300)) {
            let channels: Vec<Channel> = ["store", "web", "app", "callcentre"]
                .into_iter()
                .map(String::from)
                .chain((0..10).map(|i| format!("custom{i}")))
                .map(|name| name.parse().unwrap())
                .collect();
            let mut seen = SeenIds::default();
            let mut model: HashSet<(usize, String)> = HashSet::new();
            for (channel, id) in rows {
                prop_assert_eq!(
                    seen.insert(&channels[channel], &id),
                    model.insert((channel, id))
                );
            }
        }

        /// Inserting a batch at once answers as inserting one key after the
        /// other, skipped keys (`None`) included, whether the table was
        /// reserved ahead (too little, enough or far too much) or not.
        #[test]
        fn seen_ids_inserted_each_agree_with_one_at_a_time(
            batches in prop::collection::vec(
                prop::collection::vec(prop::option::weighted(0.9, (0usize..12, "[a-d]{0,3}")), 0..120),
                0..4,
            ),
            reserved in prop::option::of(0usize..5000),
        ) {
            let channels: Vec<Channel> = (0..12)
                .map(|i| format!("channel{i}").parse().unwrap())
                .collect();
            let mut one_at_a_time = SeenIds::default();
            let mut at_once = SeenIds::default();
            if let Some(more) = reserved {
                at_once.reserve(more as u64);
            }
            for batch in &batches {
                let expected: Vec<bool> = batch
                    .iter()
                    .map(|key| key.as_ref().is_none_or(|(c, id)| one_at_a_time.insert(&channels[*c], id)))
                    .collect();
                let mut fresh = Vec::new();
                at_once.insert_each(
                    batch.iter().map(|key| key.as_ref().map(|(c, id)| (&channels[*c], id.as_str()))),
                    &mut fresh,
                );
                prop_assert_eq!(fresh, expected);
            }
        }
    }
}
