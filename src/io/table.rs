//! The raw row stream under both readers: CSV or JSONL, one row at a time,
//! with its physical line number and its cells still undecoded.
//!
//! Memory stays bounded by the longest row: the CSV reader reuses one
//! `ByteRecord`, the JSONL reader one line buffer, and only the cells a
//! mapping asks for are decoded. (A CSV file with an unbalanced quote is the
//! exception: the parser reads up to the next matching quote, possibly the
//! rest of the file, as one row, in memory; that row is then rejected with
//! the span of lines it swallowed, see [`MAX_ROW_LINES`].)

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{BufRead, BufReader, Chain, Cursor, Read};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::io::encoding::{TextEncoding, skip_bom};
use crate::io::job::{AsciiChar, Format};
use crate::io::json_path::{JsonPath, LeafIssue};
use crate::io::reject::Reject;

/// The longest JSONL line read, in bytes. A customer object is a few KiB; a
/// longer line is a broken export and is rejected without being kept in
/// memory.
pub const MAX_JSONL_LINE_BYTES: usize = 1 << 20;

/// The most physical lines one CSV row may span. A quoted cell may hold line
/// breaks (a street on two lines), but a row over this many lines is almost
/// always an unbalanced quote that has swallowed the rows after it; rejecting
/// it shows the damage (its line span) instead of hiding those rows inside
/// one record.
pub const MAX_ROW_LINES: u64 = 10;

type FileInput = Chain<Cursor<Vec<u8>>, File>;

/// How a file is laid out; shared by customer and events specs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub format: Format,
    pub delimiter: AsciiChar,
    pub quote: AsciiChar,
    pub encoding: TextEncoding,
    pub header: bool,
}

/// Where a mapped column is found in a row.
#[derive(Debug, Clone)]
pub(crate) struct Selector {
    /// The column as written in the spec, for reject reasons.
    pub name: String,
    target: Target,
}

#[derive(Debug, Clone)]
enum Target {
    Index(usize),
    Path(JsonPath),
}

/// One open file, positioned between rows.
pub(crate) struct Table {
    file: PathBuf,
    encoding: TextEncoding,
    input: Input,
    /// The line where the current row starts.
    line: u64,
    /// Set after an I/O error: the rest of the file cannot be trusted.
    done: bool,
}

enum Input {
    Csv(CsvInput),
    Jsonl(JsonlInput),
}

struct CsvInput {
    reader: csv::Reader<LineIndex<FileInput>>,
    record: csv::ByteRecord,
    /// The first record of a headerless file, read at open to learn the
    /// width, waiting to be handed out.
    pending: bool,
    /// Fields per row: the header's, or the first row's.
    width: usize,
    /// Header name → index; `None` without a header.
    names: Option<HashMap<String, Vec<usize>>>,
}

struct JsonlInput {
    reader: BufReader<FileInput>,
    buffer: Vec<u8>,
    value: Value,
    /// The line the next read starts on.
    next_line: u64,
    /// Bytes consumed so far (after a byte order mark).
    bytes_read: u64,
}

impl Table {
    /// Opens `file` and, for CSV, reads the header (or the first row of a
    /// headerless file) so that columns can be checked before any row is
    /// handed out.
    pub(crate) fn open(file: &Path, layout: Layout) -> Result<Table> {
        let at_file = |e: Error| e.in_file(file);
        let handle = File::open(file).map_err(|e| at_file(e.into()))?;
        let input = skip_bom(handle, layout.encoding).map_err(|e| at_file(e.into()))?;
        let input = match layout.format {
            Format::Csv => Input::Csv(CsvInput::open(input, layout).map_err(at_file)?),
            Format::Jsonl => Input::Jsonl(JsonlInput {
                reader: BufReader::new(input),
                buffer: Vec::new(),
                value: Value::Null,
                next_line: 1,
                bytes_read: 0,
            }),
        };
        Ok(Table {
            file: file.to_owned(),
            encoding: layout.encoding,
            input,
            line: 0,
            done: false,
        })
    }

    /// The file as opened.
    pub(crate) fn file(&self) -> &Path {
        &self.file
    }

    /// Bytes of the file consumed so far, for progress reports.
    pub(crate) fn bytes_read(&self) -> u64 {
        match &self.input {
            Input::Csv(csv) => csv.reader.position().byte(),
            Input::Jsonl(jsonl) => jsonl.bytes_read,
        }
    }

    /// A reject for the current row.
    pub(crate) fn reject(&self, reason: impl Into<String>) -> Reject {
        Reject {
            file: self.file.clone(),
            line: self.line,
            reason: reason.into(),
        }
    }

    /// Resolves a column of the spec: a header name, a 1-based index without
    /// a header, or a JSON path. An unknown column is a config error naming
    /// the column and the file.
    pub(crate) fn select(&self, column: &str) -> Result<Selector> {
        let column = column.trim();
        let unknown = |why: &str| {
            Error::new(ErrorKind::Config {
                reason: format!("unknown column {column:?}: {why}"),
            })
            .in_file(&self.file)
            .in_column(column)
        };
        let target = match &self.input {
            Input::Jsonl(_) => Target::Path(
                JsonPath::parse(column)
                    .ok_or_else(|| unknown("not a path like `a.b`, `a[].b` or `a[0]`"))?,
            ),
            Input::Csv(csv) => match &csv.names {
                Some(names) => match names.get(column).map(Vec::as_slice) {
                    Some([index]) => Target::Index(*index),
                    Some(_) => {
                        return Err(Error::new(ErrorKind::Config {
                            reason: format!(
                                "column {column:?} appears more than once in the header"
                            ),
                        })
                        .in_file(&self.file)
                        .in_column(column));
                    }
                    None => return Err(unknown("not in the header")),
                },
                None => {
                    let index: usize =
                        column.parse().ok().filter(|i| *i >= 1).ok_or_else(|| {
                            unknown("without a header, columns are named 1, 2, …")
                        })?;
                    // An empty headerless file has no width to check against.
                    if csv.width > 0 && index > csv.width {
                        return Err(unknown(&format!("the file has {} columns", csv.width)));
                    }
                    Target::Index(index - 1)
                }
            },
        };
        Ok(Selector {
            name: column.to_owned(),
            target,
        })
    }

    /// Moves to the next row. `None` at the end; `Some(Err)` for a row that
    /// cannot be split into cells (wrong number of fields, invalid JSON, a
    /// line too long) — or for an I/O error, after which the stream ends.
    pub(crate) fn advance(&mut self) -> Option<std::result::Result<(), Reject>> {
        if self.done {
            return None;
        }
        let step = match &mut self.input {
            Input::Csv(csv) => csv.advance(),
            Input::Jsonl(jsonl) => jsonl.advance(self.encoding),
        };
        match step {
            Step::End => {
                self.done = true;
                None
            }
            Step::Row { line } => {
                self.line = line;
                Some(Ok(()))
            }
            Step::Bad { line, reason } => {
                self.line = line;
                Some(Err(self.reject(reason)))
            }
            Step::Failed { line, reason } => {
                self.line = line;
                self.done = true;
                Some(Err(self.reject(reason)))
            }
        }
    }

    /// The current row's cells.
    pub(crate) fn cells(&self) -> Cells<'_> {
        let row = match &self.input {
            Input::Csv(csv) => RowRef::Csv(&csv.record),
            Input::Jsonl(jsonl) => RowRef::Jsonl(&jsonl.value),
        };
        Cells::new(row, self.encoding)
    }

    /// Takes the current row out of the table, to be read elsewhere (on
    /// another thread) with [`OwnedRow::cells`], leaving `spare` (a row
    /// read earlier, whose buffers the next CSV row is read into without
    /// allocating) in its place.
    pub(crate) fn take_row(&mut self, spare: Option<OwnedRow>) -> OwnedRow {
        match &mut self.input {
            Input::Csv(csv) => {
                let spare = match spare {
                    Some(OwnedRow::Csv(record)) => record,
                    _ => csv::ByteRecord::new(),
                };
                OwnedRow::Csv(std::mem::replace(&mut csv.record, spare))
            }
            Input::Jsonl(jsonl) => OwnedRow::Jsonl(std::mem::take(&mut jsonl.value)),
        }
    }

    /// The line where the current row starts.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// The text encoding of the file's cells.
    pub(crate) fn encoding(&self) -> TextEncoding {
        self.encoding
    }
}

/// A row taken out of its table by [`Table::take_row`].
#[derive(Debug)]
pub(crate) enum OwnedRow {
    Csv(csv::ByteRecord),
    Jsonl(Value),
}

impl OwnedRow {
    /// The row's cells, decoded with the table's `encoding`.
    pub(crate) fn cells(&self, encoding: TextEncoding) -> Cells<'_> {
        let row = match self {
            OwnedRow::Csv(record) => RowRef::Csv(record),
            OwnedRow::Jsonl(value) => RowRef::Jsonl(value),
        };
        Cells::new(row, encoding)
    }
}

/// A row split but not parsed yet: its line and its cells, or its reject.
type RawRow = (u64, std::result::Result<OwnedRow, Reject>);

/// Batches of rows parsed in parallel while the next batch is split: what
/// both readers' `next_batch_into` share. Splitting (finding a CSV row's
/// cells, reading a JSONL line) is serial; turning cells into a record or
/// an event is not, and is most of the work.
///
/// The buffers are kept from batch to batch: a batch's vectors are some
/// megabytes each, which the allocator may hand back to the OS when freed,
/// and the kernel then zeroes the pages again for the next batch; the rows'
/// own buffers read later rows without allocating.
#[derive(Default)]
pub(crate) struct SplitAhead {
    /// Rows split ahead, not parsed yet.
    pending: Vec<RawRow>,
    /// Rows parsed, whose buffers new rows are read into.
    spare: Vec<OwnedRow>,
    /// Empty, with the capacity of a batch: the next batch is split into it.
    raw_buffer: Vec<RawRow>,
    /// The lines of the last batch's rows, in order.
    lines: Vec<u64>,
}

impl SplitAhead {
    /// Rows split ahead and not given yet.
    pub(crate) fn pending(&self) -> usize {
        self.pending.len()
    }

    /// The lines of the rows of the last [`next_batch_into`](Self::next_batch_into).
    pub(crate) fn lines(&self) -> &[u64] {
        &self.lines
    }

    /// Up to `max` rows of `table` into `rows` (cleared first), in order:
    /// each parsed by `parse`, or rejected with its line. The batch after
    /// is split meanwhile, in the same rayon join (on a pool thread when
    /// the caller is not one). Empty at the end.
    pub(crate) fn next_batch_into<T: Send>(
        &mut self,
        table: &mut Table,
        max: usize,
        rows: &mut Vec<std::result::Result<T, Reject>>,
        parse: impl Fn(&Cells<'_>) -> std::result::Result<T, String> + Sync,
    ) {
        use rayon::prelude::*;
        rows.clear();
        let max = max.max(1);
        if self.pending.is_empty() {
            split(table, max, &mut self.spare, &mut self.pending);
        }
        let mut current = std::mem::take(&mut self.pending);
        let mut next = if current.len() > max {
            // Split ahead for a larger batch than this one: the rest leads
            // the next.
            current.split_off(max)
        } else {
            std::mem::take(&mut self.raw_buffer)
        };
        let encoding = table.encoding();
        let file = table.file().to_owned();
        let spare = &mut self.spare;
        rayon::join(
            || split(table, max, spare, &mut next),
            || {
                // Parsed straight into `rows`: a record or an event is some
                // hundreds of bytes, and each move of a batch copies megabytes.
                rows.par_extend(current.par_iter().map(|(line, row)| match row {
                    Ok(row) => parse(&row.cells(encoding)).map_err(|reason| Reject {
                        file: file.clone(),
                        line: *line,
                        reason,
                    }),
                    Err(reject) => Err(reject.clone()),
                }));
            },
        );
        self.pending = next;
        self.lines.clear();
        self.lines.extend(current.iter().map(|(line, _)| *line));
        // The parsed rows' buffers read the rows after the next batch (not
        // those of a giant row, which would stay allocated).
        self.spare.extend(
            current
                .drain(..)
                .filter_map(|(_, row)| row.ok())
                .filter(|row| !matches!(row, OwnedRow::Csv(r) if r.as_slice().len() > 1 << 16)),
        );
        self.raw_buffer = current;
    }
}

/// Splits up to `max` rows of `table`, unparsed, onto `rows`. Rows already
/// parsed are `spare`: their buffers take the new rows.
fn split(table: &mut Table, max: usize, spare: &mut Vec<OwnedRow>, rows: &mut Vec<RawRow>) {
    rows.reserve(max);
    while rows.len() < max {
        match table.advance() {
            None => break,
            Some(Err(reject)) => rows.push((reject.line, Err(reject))),
            Some(Ok(())) => rows.push((table.line(), Ok(table.take_row(spare.pop())))),
        }
    }
}

/// The reject reason for a JSONL path reaching a list or an object.
fn leaf_issue(selector: &Selector, path: &JsonPath, issue: LeafIssue) -> String {
    match issue {
        LeafIssue::List => format!(
            "column {}: a list where a single value was expected (write `{}[]` for every element)",
            selector.name,
            path.as_str()
        ),
        LeafIssue::Object => format!(
            "column {}: an object where a single value was expected",
            selector.name
        ),
    }
}

#[derive(Clone, Copy)]
enum RowRef<'a> {
    Csv(&'a csv::ByteRecord),
    Jsonl(&'a Value),
}

/// One row's cells: the table's current row, or a row taken out of it.
#[derive(Clone, Copy)]
pub(crate) struct Cells<'a> {
    row: RowRef<'a>,
    encoding: TextEncoding,
    /// A CSV row's cells end to end (csv keeps them so, without their
    /// quotes and delimiters) as text, when they are valid UTF-8 in a UTF-8
    /// table: a cell is then sliced out of it, where validating each cell
    /// on its own cost a call and a pass per cell (ten per event).
    text: Option<&'a str>,
}

impl<'a> Cells<'a> {
    fn new(row: RowRef<'a>, encoding: TextEncoding) -> Cells<'a> {
        let text = match (row, encoding) {
            (RowRef::Csv(record), TextEncoding::Utf8 | TextEncoding::Utf8Bom) => {
                std::str::from_utf8(record.as_slice()).ok()
            }
            _ => None,
        };
        Cells {
            row,
            encoding,
            text,
        }
    }

    /// The text of CSV cell `index` (empty past the row's end), `None` when
    /// it is not valid in the table's encoding.
    fn csv_cell(&self, record: &'a csv::ByteRecord, index: usize) -> Option<Cow<'a, str>> {
        // A cell of the row's text that starts and ends on character
        // boundaries is valid on its own; one that does not (a character
        // split by a delimiter) is invalid, and the decoding below says so.
        if let Some(cell) = self
            .text
            .zip(record.range(index))
            .and_then(|(text, range)| text.get(range))
        {
            return Some(Cow::Borrowed(cell));
        }
        self.encoding.decode(record.get(index).unwrap_or_default())
    }

    /// The text of a CSV cell or of a JSONL path without `[]`, borrowed
    /// where the encoding and the value allow (empty for a JSON `null` or
    /// missing key): the common case of [`slots`](Self::slots) without its
    /// vector and copy. `None` for a path with `[]` (which may reach
    /// several values).
    pub(crate) fn cell(
        &self,
        selector: &Selector,
    ) -> Option<std::result::Result<Cow<'a, str>, String>> {
        match (self.row, &selector.target) {
            (RowRef::Csv(record), Target::Index(index)) => {
                Some(self.csv_cell(record, *index).ok_or_else(|| {
                    format!("column {}: invalid {}", selector.name, self.encoding_name())
                }))
            }
            (RowRef::Jsonl(value), Target::Path(path)) => Some(
                path.single(value)?
                    .map(Option::unwrap_or_default)
                    .map_err(|issue| leaf_issue(selector, path, issue)),
            ),
            _ => None,
        }
    }

    /// The values of a column in the row: one slot for a CSV cell or a
    /// plain path, one per element for a path with `[]`. The error is a
    /// reject reason naming the column.
    pub(crate) fn slots(
        &self,
        selector: &Selector,
    ) -> std::result::Result<Vec<Option<String>>, String> {
        match (self.row, &selector.target) {
            (RowRef::Csv(record), Target::Index(index)) => match self.csv_cell(record, *index) {
                Some(text) => Ok(vec![Some(text.into_owned())]),
                None => Err(format!(
                    "column {}: invalid {}",
                    selector.name,
                    self.encoding_name()
                )),
            },
            (RowRef::Jsonl(value), Target::Path(path)) => path
                .slots(value)
                .map_err(|issue| leaf_issue(selector, path, issue)),
            // Selectors are made by `select` on this same table.
            _ => Ok(Vec::new()),
        }
    }

    fn encoding_name(&self) -> &'static str {
        match self.encoding {
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => "UTF-8",
            other => other.label(),
        }
    }
}

enum Step {
    End,
    Row { line: u64 },
    Bad { line: u64, reason: String },
    Failed { line: u64, reason: String },
}

impl CsvInput {
    fn open(input: FileInput, layout: Layout) -> Result<CsvInput> {
        let reader = csv::ReaderBuilder::new()
            .delimiter(layout.delimiter.byte())
            .quote(layout.quote.byte())
            .double_quote(true)
            // We check the width ourselves so that a short row is a reject
            // with a reason, not an error that ends the stream.
            .flexible(true)
            .has_headers(false)
            .from_reader(LineIndex::new(input));
        let mut csv = CsvInput {
            reader,
            record: csv::ByteRecord::new(),
            pending: false,
            width: 0,
            names: None,
        };
        let first = csv
            .reader
            .read_byte_record(&mut csv.record)
            .map_err(csv_error)?;
        if layout.header {
            if !first {
                return Err(Error::new(ErrorKind::Config {
                    reason: "the file is empty, expected a header line".into(),
                }));
            }
            let line = csv.line_of_record();
            let mut names: HashMap<String, Vec<usize>> = HashMap::new();
            for (index, raw) in csv.record.iter().enumerate() {
                let name = layout.encoding.decode(raw).ok_or_else(|| {
                    Error::new(ErrorKind::Encoding)
                        .at_line(line)
                        .in_column(format!("header column {}", index + 1))
                })?;
                names.entry(name.trim().to_owned()).or_default().push(index);
            }
            csv.width = csv.record.len();
            csv.names = Some(names);
        } else if first {
            csv.width = csv.record.len();
            csv.pending = true;
        }
        Ok(csv)
    }

    fn advance(&mut self) -> Step {
        if !self.pending {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return Step::End,
                Err(err) => {
                    let line = self.reader.position().line();
                    // csv's own line count, close enough for the one reject
                    // that ends a file cut short.
                    return Step::Failed {
                        line,
                        reason: format!("read error, rest of file not read: {}", csv_reason(&err)),
                    };
                }
            }
        }
        self.pending = false;
        let line = self.line_of_record();
        // Line breaks inside quoted cells are kept in the cells, so they tell
        // how many lines the row spans. A final one is not counted: a quote
        // left open at the end of the file takes the file's last newline in.
        let cells = self.record.as_slice();
        let cells = cells.strip_suffix(b"\n").unwrap_or(cells);
        let last = line + cells.iter().filter(|b| **b == b'\n').count() as u64;
        if last - line + 1 > MAX_ROW_LINES {
            return Step::Bad {
                line,
                reason: format!(
                    "the row spans lines {line}–{last}, more than {MAX_ROW_LINES}: unbalanced quote?"
                ),
            };
        }
        if self.record.len() != self.width {
            return Step::Bad {
                line,
                reason: format!(
                    "wrong number of fields: {} instead of {}",
                    self.record.len(),
                    self.width
                ),
            };
        }
        Step::Row { line }
    }
}

impl CsvInput {
    /// The physical line where the record just read starts.
    fn line_of_record(&mut self) -> u64 {
        let start = self.record.position().map_or(0, |p| p.byte());
        self.reader.get_mut().line_at(start)
    }
}

/// About how many rows the files still to read hold, from the bytes per row
/// of the `rows` split so far from the `bytes_read` of `current`, the file
/// being read, and the sizes of `current` and of the `later` files (`None`
/// before any row): for a caller that sizes its buffers once rather than
/// doubling them as they fill.
pub(crate) fn rows_left_estimate<'f>(
    rows: u64,
    bytes_read: u64,
    current: &Path,
    later: impl Iterator<Item = &'f Path>,
) -> Option<u64> {
    if rows == 0 || bytes_read == 0 {
        return None;
    }
    let file_bytes = |file: &Path| std::fs::metadata(file).map_or(0, |m| m.len());
    let bytes_left =
        file_bytes(current).saturating_sub(bytes_read) + later.map(file_bytes).sum::<u64>();
    Some(bytes_left.saturating_mul(rows) / bytes_read)
}

/// Counts physical lines under the CSV parser.
///
/// csv's own line numbers lag by one after a `\r\n` row end (it counts the
/// `\n` when it reads the next row) and count skipped blank lines late, and
/// its record byte offsets point just past the previous row's first
/// terminator byte rather than at the row. So this reader watches the bytes
/// go by and remembers where each non-blank line starts; the row's real
/// start is the first such line start at or after csv's offset. Entries are
/// dropped as rows pass them, so the index holds only the lines of the
/// parser's read-ahead buffer and of the current row.
struct LineIndex<R> {
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// `\n` bytes read so far.
    newlines: u64,
    /// Whether the last byte read was `\r` or `\n` (true at the start).
    after_terminator: bool,
    /// (offset, line) of line starts not yet passed by a row.
    starts: VecDeque<(u64, u64)>,
}

impl<R> LineIndex<R> {
    fn new(inner: R) -> Self {
        LineIndex {
            inner,
            offset: 0,
            newlines: 0,
            after_terminator: true,
            starts: VecDeque::new(),
        }
    }

    /// The line of the first non-blank line starting at or after `offset`.
    fn line_at(&mut self, offset: u64) -> u64 {
        while self
            .starts
            .front()
            .is_some_and(|(start, _)| *start < offset)
        {
            self.starts.pop_front();
        }
        match self.starts.front() {
            Some((_, line)) => *line,
            None => self.newlines + 1,
        }
    }
}

impl<R> LineIndex<R> {
    /// Takes note of `bytes`, the next read: each `\n`, and each line
    /// start after a `\r` or `\n`. Between terminators it jumps (memchr):
    /// a byte-at-a-time look was some 5% of reading a large events file.
    fn watch(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while let Some(&byte) = bytes.get(i) {
            if self.after_terminator {
                match byte {
                    b'\n' => self.newlines += 1,
                    b'\r' => {}
                    _ => {
                        self.starts
                            .push_back((self.offset + i as u64, self.newlines + 1));
                        self.after_terminator = false;
                    }
                }
                if self.after_terminator {
                    i += 1;
                    continue;
                }
            }
            // In a line: on to its terminator, which the loop then reads.
            match memchr::memchr2(b'\n', b'\r', &bytes[i..]) {
                Some(to_terminator) => {
                    i += to_terminator;
                    self.after_terminator = true;
                }
                None => break,
            }
        }
        self.offset += bytes.len() as u64;
    }
}

impl<R: Read> Read for LineIndex<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.watch(&buf[..n]);
        Ok(n)
    }
}

impl JsonlInput {
    fn advance(&mut self, encoding: TextEncoding) -> Step {
        loop {
            let line = self.next_line;
            let read = read_line_capped(
                &mut self.reader,
                &mut self.buffer,
                MAX_JSONL_LINE_BYTES,
                &mut self.bytes_read,
            );
            self.next_line += 1;
            let too_long = match read {
                Ok(None) => return Step::End,
                Ok(Some(too_long)) => too_long,
                Err(err) => {
                    return Step::Failed {
                        line,
                        reason: format!("read error, rest of file not read: {err}"),
                    };
                }
            };
            if too_long {
                return Step::Bad {
                    line,
                    reason: format!("line longer than {MAX_JSONL_LINE_BYTES} bytes"),
                };
            }
            let Some(text) = encoding.decode(&self.buffer) else {
                return Step::Bad {
                    line,
                    reason: "invalid UTF-8".into(),
                };
            };
            // Blank lines separate nothing and hold nothing: not rows.
            if text.trim().is_empty() {
                continue;
            }
            return match serde_json::from_str::<Value>(&text) {
                Ok(value @ Value::Object(_)) => {
                    self.value = value;
                    Step::Row { line }
                }
                Ok(_) => Step::Bad {
                    line,
                    reason: "not a JSON object".into(),
                },
                // The parser's message can quote the input; keep only where.
                Err(err) => Step::Bad {
                    line,
                    reason: format!("invalid JSON at column {}", err.column()),
                },
            };
        }
    }
}

/// Reads one line (without its `\n` or `\r\n`) into `buffer`, keeping at most
/// `cap` bytes: a longer line is consumed to its end and reported as too long
/// (`Some(true)`, buffer cleared). `None` at the end of input. Adds the bytes
/// consumed to `bytes_read`.
fn read_line_capped(
    reader: &mut impl BufRead,
    buffer: &mut Vec<u8>,
    cap: usize,
    bytes_read: &mut u64,
) -> std::io::Result<Option<bool>> {
    buffer.clear();
    let mut too_long = false;
    let mut any = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        any = true;
        let (chunk, consumed, ends) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (&available[..i], i + 1, true),
            None => (available, available.len(), false),
        };
        if !too_long {
            if buffer.len() + chunk.len() > cap {
                too_long = true;
                buffer.clear();
            } else {
                buffer.extend_from_slice(chunk);
            }
        }
        reader.consume(consumed);
        *bytes_read += consumed as u64;
        if ends {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if buffer.last() == Some(&b'\r') {
        buffer.pop();
    }
    Ok(Some(too_long))
}

fn csv_reason(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        // Other kinds cannot occur with a flexible byte reader; their
        // messages are generic anyway.
        _ => "unreadable CSV".into(),
    }
}

fn csv_error(err: csv::Error) -> Error {
    Error::new(ErrorKind::Io {
        reason: csv_reason(&err),
    })
}

/// Writes `dir/name`: `header`, then `rows`, a line each (for the readers'
/// tests).
#[cfg(test)]
pub(crate) fn write_test_csv(dir: &Path, name: &str, header: &str, rows: &[String]) {
    let mut text = format!("{header}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    std::fs::write(dir.join(name), text).unwrap();
}

/// Reads a readers' rows in `steps`, cycled until the end: a step of 0 is
/// one row (`step(0)` gives it alone), any other `n` a batch of at most `n`
/// rows (`step(n)`), which must not be empty (for the readers' tests).
#[cfg(test)]
pub(crate) fn read_in_steps<R>(
    steps: &[usize],
    mut step: impl FnMut(usize) -> Option<Vec<R>>,
) -> Vec<R> {
    let mut rows = Vec::new();
    for &max in steps.iter().cycle() {
        let Some(got) = step(max) else { break };
        assert!(
            !got.is_empty() && got.len() <= max.max(1),
            "{} rows for a step of {max}",
            got.len()
        );
        rows.extend(got);
    }
    rows
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The line starts and newlines noted, read in chunks of any size,
        /// are those of the definition: one byte at a time, a line starting
        /// at each byte other than `\r` or `\n` that follows one of them (or
        /// the start).
        #[test]
        fn line_index_notes_the_line_starts_of_the_definition(
            bytes in prop::collection::vec(prop::sample::select(b"ab,\r\n".to_vec()), 0..200),
            chunk in 1usize..40,
        ) {
            let mut expected = Vec::new();
            let (mut newlines, mut after_terminator) = (0u64, true);
            for (i, &byte) in bytes.iter().enumerate() {
                match byte {
                    b'\n' => {
                        newlines += 1;
                        after_terminator = true;
                    }
                    b'\r' => after_terminator = true,
                    _ if after_terminator => {
                        expected.push((i as u64, newlines + 1));
                        after_terminator = false;
                    }
                    _ => {}
                }
            }
            let mut index = LineIndex::new(Cursor::new(bytes.clone()));
            let mut buf = vec![0; chunk];
            while index.read(&mut buf).unwrap() > 0 {}
            prop_assert_eq!(index.offset, bytes.len() as u64);
            prop_assert_eq!(index.newlines, newlines);
            prop_assert_eq!(index.after_terminator, after_terminator);
            prop_assert_eq!(Vec::from(index.starts), expected);
        }
    }

    #[test]
    fn capped_lines_are_consumed_whole() {
        let mut input = Cursor::new(b"{\"a\":1}\r\n0123456789\n\nlast".to_vec());
        let mut buffer = Vec::new();
        let mut bytes = 0;
        let mut read = |input: &mut Cursor<Vec<u8>>, buffer: &mut Vec<u8>| {
            read_line_capped(input, buffer, 8, &mut bytes).unwrap()
        };
        assert_eq!(read(&mut input, &mut buffer), Some(false));
        assert_eq!(buffer, b"{\"a\":1}");
        assert_eq!(read(&mut input, &mut buffer), Some(true));
        assert!(buffer.is_empty());
        assert_eq!(read(&mut input, &mut buffer), Some(false));
        assert!(buffer.is_empty());
        assert_eq!(read(&mut input, &mut buffer), Some(false));
        assert_eq!(buffer, b"last");
        assert_eq!(read(&mut input, &mut buffer), None);
        assert_eq!(bytes, 25);
    }

    #[test]
    fn csv_rows_get_their_physical_line_whatever_the_line_ends() {
        let lines = |input: &[u8]| {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(LineIndex::new(input));
            let mut record = csv::ByteRecord::new();
            let mut lines = Vec::new();
            while reader.read_byte_record(&mut record).unwrap() {
                let start = record.position().map_or(0, |p| p.byte());
                lines.push(reader.get_mut().line_at(start));
            }
            lines
        };
        assert_eq!(lines(b"h\r\na\r\nb\r\nc\n"), [1, 2, 3, 4]);
        assert_eq!(lines(b"h\na\r\nb\nc"), [1, 2, 3, 4]);
        assert_eq!(lines(b"h\n\"a\r\nx\"\r\nb\n"), [1, 2, 4]);
        assert_eq!(
            lines(b"h\n\n\r\n\na\r\n\r\nb\n\"\n\n\"\nd"),
            [1, 5, 7, 8, 11]
        );
    }

    proptest::proptest! {
        /// A UTF-8 row's cells sliced from the row's text are the cells
        /// decoded one by one, valid or not: a character split by a
        /// delimiter leaves the row's text valid and both cells invalid.
        #[test]
        fn cells_sliced_from_the_row_equal_cells_decoded_alone(
            cells in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::sample::select(vec![b'a', b' ', b'\xC3', b'\xA9', b'\xE2', b'\x82', b'\xAC']),
                    0..6,
                ),
                1..5,
            ),
        ) {
            let record = csv::ByteRecord::from(cells.clone());
            let selector = |index| Selector { name: format!("c{index}"), target: Target::Index(index) };
            let row = OwnedRow::Csv(record);
            for encoding in [TextEncoding::Utf8, TextEncoding::Windows1252] {
                let sliced = row.cells(encoding);
                for (index, bytes) in cells.iter().enumerate().chain([(cells.len(), &Vec::new())]) {
                    let alone = encoding.decode(bytes).map(Cow::into_owned);
                    let got = sliced.cell(&selector(index)).and_then(|c| c.ok()).map(Cow::into_owned);
                    proptest::prop_assert_eq!(got, alone);
                }
            }
        }
    }
}
