//! The batch job file: which files to read and how, as plain serde data.
//!
//! A job file is TOML with one `[[source]]` table per customer export and one
//! `[[events]]` table per events export:
//!
//! ```toml
//! [[source]]
//! path = "store_cards.csv"      # relative to the job file
//! channel = "store"
//! format = "csv"                # csv (default) | jsonl
//! delimiter = ";"               # default ","
//! quote = "\""                  # default "\""
//! encoding = "windows-1252"     # default utf-8
//! header = true                 # default true; else columns are "1", "2", ...
//! id = "num_carte"
//! date_order = "dmy"            # default dmy
//! region = "FR"                 # default FR
//! [source.map]                  # canonical field = column, or columns joined by a space
//! family_name = "nom"
//! street = ["numero", "voie"]
//! "identifier.siret" = "siret"
//!
//! [[events]]
//! path = "events.csv"
//! id = "event_id"
//! channel = "channel"
//! source_id = "source_record_id"
//! timestamp = "timestamp"
//! kind = "kind"
//! amount = "amount_eur"
//! ```
//!
//! Unknown keys, missing required keys and unknown canonical field names are
//! errors that name the key and its line: a typo in a job file must stop the
//! job before a night's run, not silently leave a column unread.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::io::encoding::TextEncoding;
use crate::normalize::{DateOrder, NormalizeOptions, Region};
use crate::record::{Channel, Field};
use crate::timeline::Currency;

/// The whole job: customer sources and events files, in the order given.
///
/// ```
/// use omnicanal::io::JobFile;
/// let job = JobFile::from_toml_str(r#"
///     [[source]]
///     path = "web.jsonl"
///     channel = "web"
///     format = "jsonl"
///     id = "account_id"
///     [source.map]
///     email = "email"
///     postcode = "addresses[].zip"
/// "#)?;
/// assert_eq!(job.sources[0].map.len(), 2);
/// assert!(job.events.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobFile {
    /// The `[[source]]` tables.
    #[serde(rename = "source", default)]
    pub sources: Vec<SourceSpec>,
    /// The `[[events]]` tables.
    #[serde(default)]
    pub events: Vec<EventsSpec>,
}

impl JobFile {
    /// Parses a job file's text. Errors carry the line of the offending key
    /// (or of its table, for a missing key).
    pub fn from_toml_str(text: &str) -> Result<JobFile> {
        let job: JobFile = toml::from_str(text).map_err(|err| toml_error(text, &err))?;
        job.validate()?;
        Ok(job)
    }

    /// Reads and parses a job file. Paths inside are relative to the file's
    /// folder: pass `path.parent()` as the base folder to the readers.
    pub fn load(path: impl AsRef<Path>) -> Result<JobFile> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::from(e).in_file(path))?;
        JobFile::from_toml_str(&text).map_err(|e| e.in_file(path))
    }

    /// Checks what serde cannot: time zones exist, delimiter and quote differ.
    fn validate(&self) -> Result<()> {
        for (i, source) in self.sources.iter().enumerate() {
            source
                .validate()
                .map_err(|e| prefix_reason(e, &format!("[[source]] #{}", i + 1)))?;
        }
        for (i, events) in self.events.iter().enumerate() {
            events
                .validate()
                .map_err(|e| prefix_reason(e, &format!("[[events]] #{}", i + 1)))?;
        }
        Ok(())
    }
}

fn prefix_reason(err: Error, prefix: &str) -> Error {
    match err.kind() {
        ErrorKind::Config { reason } => Error::new(ErrorKind::Config {
            reason: format!("{prefix}: {reason}"),
        }),
        _ => err,
    }
}

/// Turns a TOML or serde error into a config error at the right line. The
/// message is the parser's own (`unknown field `colour`, expected one of …`,
/// `missing field `id``), without the source snippet it would otherwise
/// print: the snippet is redundant with the line number.
fn toml_error(text: &str, err: &toml::de::Error) -> Error {
    let message = err.message().trim().replace('\n', " ");
    // Our own `TryFrom` errors come through serde as their display, which
    // already starts with the kind.
    let reason = match message.strip_prefix("invalid configuration: ") {
        Some(rest) => rest.to_owned(),
        None => message,
    };
    let error = Error::new(ErrorKind::Config { reason });
    match err.span() {
        Some(span) => {
            let start = span.start.min(text.len());
            let line = text.as_bytes()[..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            error.at_line(line as u64)
        }
        None => error,
    }
}

/// The file layout of a source: CSV (with its delimiter and quote) or JSONL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Delimited text with an optional header line.
    #[default]
    Csv,
    /// One JSON object per line; columns are paths into the object.
    Jsonl,
}

/// One ASCII character of a CSV dialect (delimiter or quote). Written in a job
/// file as a one-character string; `tab` and `\t` (backslash, t) are
/// accepted for the tab, which is hard to type on a command line.
///
/// ```
/// use omnicanal::io::AsciiChar;
/// assert_eq!(";".parse::<AsciiChar>()?.byte(), b';');
/// assert_eq!("tab".parse::<AsciiChar>()?.byte(), b'\t');
/// assert!("é".parse::<AsciiChar>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AsciiChar(u8);

impl AsciiChar {
    /// The comma.
    pub const COMMA: AsciiChar = AsciiChar(b',');
    /// The double quote.
    pub const DOUBLE_QUOTE: AsciiChar = AsciiChar(b'"');

    /// The byte.
    pub fn byte(self) -> u8 {
        self.0
    }
}

impl fmt::Debug for AsciiChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", char::from(self.0))
    }
}

impl std::str::FromStr for AsciiChar {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let byte = match s {
            "tab" | "\\t" => b'\t',
            _ => match s.as_bytes() {
                [b] if b.is_ascii()
                    && !matches!(b, b'\n' | b'\r')
                    && !b.is_ascii_alphanumeric() =>
                {
                    *b
                }
                _ => {
                    return Err(Error::new(ErrorKind::Config {
                        reason: "a delimiter or quote is one ASCII punctuation or space character"
                            .into(),
                    }));
                }
            },
        };
        Ok(AsciiChar(byte))
    }
}

impl TryFrom<String> for AsciiChar {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<AsciiChar> for String {
    fn from(c: AsciiChar) -> String {
        char::from(c.0).to_string()
    }
}

/// A canonical field name as a map key (`given_name`, `identifier.siret`),
/// checked with [`Field::parse`] when the job file is read.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FieldName(String);

impl FieldName {
    /// Checks a canonical field name.
    ///
    /// ```
    /// use omnicanal::io::FieldName;
    /// use omnicanal::Field;
    /// let name = FieldName::new("identifier.siret")?;
    /// assert_eq!(name.field(), (Field::Identifier, Some("siret")));
    /// assert!(FieldName::new("zip").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(name: &str) -> Result<FieldName> {
        let name = name.trim();
        Field::parse(name).map_err(|_| {
            Error::new(ErrorKind::Config {
                reason: format!(
                    "unknown field name {:?} (canonical names: {}, identifier.<name>)",
                    name.chars().take(64).collect::<String>(),
                    Field::ALL
                        .iter()
                        .filter(|f| **f != Field::Identifier)
                        .map(|f| f.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
        })?;
        Ok(FieldName(name.to_owned()))
    }

    /// The field, and the identifier's name for `identifier.<name>`.
    pub fn field(&self) -> (Field, Option<&str>) {
        // Checked at construction; `Civility` is never reached.
        Field::parse(&self.0).unwrap_or((Field::Civility, None))
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for FieldName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        FieldName::new(s)
    }
}

impl TryFrom<String> for FieldName {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        FieldName::new(&s)
    }
}

impl From<FieldName> for String {
    fn from(f: FieldName) -> String {
        f.0
    }
}

/// Where a field's value comes from: one column, or several joined with a
/// space (`["numero", "voie"]` → `12 rue de la Paix`; empty cells are
/// left out of the join). For JSONL, each column is a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Columns {
    /// One column.
    One(String),
    /// Columns joined with a space.
    Joined(Vec<String>),
}

impl Columns {
    /// The column names, in order.
    pub fn names(&self) -> &[String] {
        match self {
            Columns::One(name) => std::slice::from_ref(name),
            Columns::Joined(names) => names,
        }
    }
}

impl From<&str> for Columns {
    fn from(column: &str) -> Columns {
        Columns::One(column.to_owned())
    }
}

impl From<Vec<String>> for Columns {
    fn from(columns: Vec<String>) -> Columns {
        Columns::Joined(columns)
    }
}

// By hand rather than `#[serde(untagged)]`, whose error ("data did not match
// any variant") would not tell the user what a mapping value looks like.
impl<'de> Deserialize<'de> for Columns {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        struct ColumnsVisitor;
        impl<'de> serde::de::Visitor<'de> for ColumnsVisitor {
            type Value = Columns;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a column name or a list of column names")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Columns, E> {
                Ok(Columns::One(v.to_owned()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Columns, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(Columns::Joined(names))
            }
        }
        deserializer.deserialize_any(ColumnsVisitor)
    }
}

fn default_delimiter() -> AsciiChar {
    AsciiChar::COMMA
}
fn default_quote() -> AsciiChar {
    AsciiChar::DOUBLE_QUOTE
}
fn default_header() -> bool {
    true
}
fn default_time_zone() -> String {
    "Europe/Paris".into()
}
fn default_currency() -> Currency {
    Currency::EUR
}

/// One customer export: where it is, how it is written, how its columns map
/// to canonical fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The file, relative to the job file's folder (or absolute).
    pub path: PathBuf,
    /// The system the records come from.
    pub channel: Channel,
    /// CSV or JSONL.
    #[serde(default)]
    pub format: Format,
    /// CSV field delimiter.
    #[serde(default = "default_delimiter")]
    pub delimiter: AsciiChar,
    /// CSV quote character; a quote inside a quoted field is doubled.
    #[serde(default = "default_quote")]
    pub quote: AsciiChar,
    /// Text encoding of the file.
    #[serde(default)]
    pub encoding: TextEncoding,
    /// Whether the first CSV line names the columns. Without a header, columns
    /// are named by their 1-based index: `"1"`, `"2"`, …
    #[serde(default = "default_header")]
    pub header: bool,
    /// The column holding the record's id in its system.
    pub id: String,
    /// Day/month order of numeric dates in this source.
    #[serde(default)]
    pub date_order: DateOrder,
    /// Default country of phone numbers and addresses.
    #[serde(default)]
    pub region: Region,
    /// IANA time zone of this source's timestamps written without an offset.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// Canonical field → column(s).
    pub map: BTreeMap<FieldName, Columns>,
}

impl SourceSpec {
    /// A CSV source with the defaults (comma, double quote, UTF-8, header,
    /// `dmy`, FR, Europe/Paris) and an empty mapping.
    pub fn new(path: impl Into<PathBuf>, channel: Channel, id_column: impl Into<String>) -> Self {
        SourceSpec {
            path: path.into(),
            channel,
            format: Format::Csv,
            delimiter: default_delimiter(),
            quote: default_quote(),
            encoding: TextEncoding::Utf8,
            header: true,
            id: id_column.into(),
            date_order: DateOrder::Dmy,
            region: Region::FR,
            time_zone: default_time_zone(),
            map: BTreeMap::new(),
        }
    }

    /// How this source's values are to be normalized.
    pub fn normalize_options(&self) -> NormalizeOptions {
        NormalizeOptions {
            region: self.region,
            date_order: self.date_order,
            time_zone: self.time_zone.clone(),
            ..NormalizeOptions::default()
        }
    }

    /// Checks what serde cannot.
    pub(crate) fn validate(&self) -> Result<()> {
        check_layout(&self.path, self.delimiter, self.quote)?;
        check_time_zone(&self.time_zone)?;
        check_column_name("id", &self.id)?;
        for (field, columns) in &self.map {
            if columns.names().is_empty() {
                return Err(config(format!("map.{field}: empty list of columns")));
            }
            for column in columns.names() {
                check_column_name(field.as_str(), column)?;
            }
        }
        Ok(())
    }
}

/// One events export. Every column name is a CSV column or a JSONL path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsSpec {
    /// The file, relative to the job file's folder (or absolute).
    pub path: PathBuf,
    /// CSV or JSONL.
    #[serde(default)]
    pub format: Format,
    /// CSV field delimiter.
    #[serde(default = "default_delimiter")]
    pub delimiter: AsciiChar,
    /// CSV quote character.
    #[serde(default = "default_quote")]
    pub quote: AsciiChar,
    /// Text encoding of the file.
    #[serde(default)]
    pub encoding: TextEncoding,
    /// Whether the first CSV line names the columns.
    #[serde(default = "default_header")]
    pub header: bool,
    /// Column of the event's id (unique per channel).
    pub id: String,
    /// Column of the channel of the record the event belongs to.
    pub channel: String,
    /// Column of the id of the record the event belongs to.
    pub source_id: String,
    /// Column of the timestamp.
    pub timestamp: String,
    /// Column of the event kind (`purchase`, `commande`, …).
    pub kind: String,
    /// Column of the amount, a decimal in the currency's units (`19,99`).
    #[serde(default)]
    pub amount: Option<String>,
    /// Currency of every amount in the file.
    #[serde(default = "default_currency")]
    pub currency: Currency,
    /// Column of the order reference.
    #[serde(default)]
    pub order_ref: Option<String>,
    /// Column of the store code.
    #[serde(default)]
    pub store: Option<String>,
    /// Column of the channel where the event happened, when it may differ from
    /// the record's (a web order picked up in a store). Empty cells fall back
    /// to the record's channel.
    #[serde(default)]
    pub event_channel: Option<String>,
    /// Columns kept as free attributes, named by their column.
    #[serde(default)]
    pub attributes: Vec<String>,
    /// IANA time zone of timestamps written without an offset.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// Day/month order of numeric timestamps.
    #[serde(default)]
    pub date_order: DateOrder,
}

impl EventsSpec {
    /// The columns this spec reads, each with the role it plays (for error
    /// messages), in a fixed order.
    pub(crate) fn columns(&self) -> Vec<(&'static str, &str)> {
        let mut columns = vec![
            ("id", self.id.as_str()),
            ("channel", self.channel.as_str()),
            ("source_id", self.source_id.as_str()),
            ("timestamp", self.timestamp.as_str()),
            ("kind", self.kind.as_str()),
        ];
        let optional = [
            ("amount", &self.amount),
            ("order_ref", &self.order_ref),
            ("store", &self.store),
            ("event_channel", &self.event_channel),
        ];
        for (role, column) in optional {
            if let Some(column) = column {
                columns.push((role, column.as_str()));
            }
        }
        for column in &self.attributes {
            columns.push(("attributes", column.as_str()));
        }
        columns
    }

    pub(crate) fn validate(&self) -> Result<()> {
        check_layout(&self.path, self.delimiter, self.quote)?;
        check_time_zone(&self.time_zone)?;
        for (role, column) in self.columns() {
            check_column_name(role, column)?;
        }
        Ok(())
    }
}

fn config(reason: String) -> Error {
    Error::new(ErrorKind::Config { reason })
}

fn check_layout(path: &Path, delimiter: AsciiChar, quote: AsciiChar) -> Result<()> {
    if path.as_os_str().is_empty() {
        return Err(config("path is empty".into()));
    }
    if delimiter == quote {
        return Err(config("delimiter and quote are the same character".into()));
    }
    Ok(())
}

pub(crate) fn check_time_zone(name: &str) -> Result<jiff::tz::TimeZone> {
    jiff::tz::TimeZone::get(name).map_err(|_| {
        config(format!(
            "unknown time zone {:?}",
            name.chars().take(64).collect::<String>()
        ))
    })
}

fn check_column_name(role: &str, column: &str) -> Result<()> {
    if column.trim().is_empty() {
        return Err(config(format!("{role}: empty column name")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORE: &str = r#"
[[source]]
path = "store_cards.csv"
channel = "store"
format = "csv"
delimiter = ";"
quote = "\""
encoding = "windows-1252"
header = true
id = "num_carte"
date_order = "dmy"
region = "FR"
[source.map]
family_name = "nom"
given_name = "prenom"
phone = "telephone"
street = ["numero", "voie"]
"identifier.siret" = "siret"

[[events]]
path = "events.csv"
format = "csv"
id = "event_id"
channel = "channel"
source_id = "source_record_id"
timestamp = "timestamp"
kind = "kind"
amount = "amount_eur"
currency = "EUR"
order_ref = "order_ref"
store = "store_code"
event_channel = "event_channel"
time_zone = "Europe/Paris"
"#;

    #[test]
    fn the_documented_shape_parses() {
        let job = JobFile::from_toml_str(STORE).unwrap();
        let source = &job.sources[0];
        assert_eq!(source.channel, Channel::Store);
        assert_eq!(source.delimiter.byte(), b';');
        assert_eq!(source.encoding, TextEncoding::Windows1252);
        assert_eq!(source.date_order, DateOrder::Dmy);
        let street = FieldName::new("street").unwrap();
        assert_eq!(
            source.map[&street],
            Columns::Joined(vec!["numero".into(), "voie".into()])
        );
        let siret = FieldName::new("identifier.siret").unwrap();
        assert_eq!(siret.field(), (Field::Identifier, Some("siret")));
        assert_eq!(source.map[&siret], Columns::One("siret".into()));
        let events = &job.events[0];
        assert_eq!(events.event_channel.as_deref(), Some("event_channel"));
        assert_eq!(events.currency, Currency::EUR);
        assert_eq!(events.date_order, DateOrder::Dmy);
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let text = STORE.replace("region = \"FR\"", "region = \"FR\"\ncolour = \"red\"");
        let err = JobFile::from_toml_str(&text).unwrap_err();
        let line = text.lines().position(|l| l.starts_with("colour")).unwrap() as u64 + 1;
        assert_eq!(err.line(), Some(line), "{err}");
        assert!(err.to_string().contains("colour"), "{err}");
        assert!(matches!(err.kind(), ErrorKind::Config { .. }));
    }

    #[test]
    fn missing_required_key_is_named() {
        let text = STORE.replace("id = \"num_carte\"\n", "");
        let err = JobFile::from_toml_str(&text).unwrap_err();
        assert!(err.to_string().contains("`id`"), "{err}");
        assert!(err.line().is_some(), "{err}");
    }

    #[test]
    fn unknown_canonical_field_is_named_with_its_line() {
        let text = STORE.replace("phone = \"telephone\"", "zip = \"cp\"");
        let err = JobFile::from_toml_str(&text).unwrap_err();
        let line = text.lines().position(|l| l.starts_with("zip")).unwrap() as u64 + 1;
        assert!(err.to_string().contains("\"zip\""), "{err}");
        assert_eq!(err.line(), Some(line), "{err}");
    }

    #[test]
    fn unsupported_encoding_is_a_config_error_at_its_line() {
        let text = STORE.replace("windows-1252", "utf-16");
        let err = JobFile::from_toml_str(&text).unwrap_err();
        let line = text.lines().position(|l| l.contains("utf-16")).unwrap() as u64 + 1;
        assert!(err.to_string().contains("unsupported encoding"), "{err}");
        assert_eq!(err.line(), Some(line), "{err}");
    }

    #[test]
    fn bad_time_zone_and_equal_delimiter_and_quote_are_refused() {
        let text = STORE.replace(
            "time_zone = \"Europe/Paris\"",
            "time_zone = \"Europe/Lutece\"",
        );
        let err = JobFile::from_toml_str(&text).unwrap_err();
        assert!(
            err.to_string().contains("[[events]] #1: unknown time zone"),
            "{err}"
        );
        let text = STORE.replace("delimiter = \";\"", "delimiter = \"\\\"\"");
        let err = JobFile::from_toml_str(&text).unwrap_err();
        assert!(err.to_string().contains("same character"), "{err}");
    }

    #[test]
    fn mapping_value_of_the_wrong_type_says_what_is_expected() {
        let text = STORE.replace("phone = \"telephone\"", "phone = 3");
        let err = JobFile::from_toml_str(&text).unwrap_err();
        let line = text.lines().position(|l| l.starts_with("phone")).unwrap() as u64 + 1;
        assert!(
            err.to_string()
                .contains("a column name or a list of column names"),
            "{err}"
        );
        assert!(
            !err.to_string()
                .contains("configuration: invalid configuration"),
            "{err}"
        );
        assert_eq!(err.line(), Some(line), "{err}");
    }

    #[test]
    fn job_file_round_trips_through_toml() {
        let job = JobFile::from_toml_str(STORE).unwrap();
        let text = toml::to_string(&job).unwrap();
        assert_eq!(JobFile::from_toml_str(&text).unwrap(), job);
    }
}
