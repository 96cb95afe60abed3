//! The one public error type.
//!
//! An [`Error`] says *where* the problem is (file, line, field, source key) and
//! *what kind* it is ([`ErrorKind`]), never the offending personal data itself:
//! error messages end up in logs and tickets, which are not cleared for PII.

use std::fmt;
use std::path::PathBuf;

use crate::record::{Field, SourceKey};

/// What went wrong, without the personal data that went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A field name that is not one of the canonical [`Field`] names.
    UnknownField {
        /// The name as given (a schema name, not personal data).
        name: String,
    },
    /// A channel name that is empty or malformed.
    InvalidChannel,
    /// A source key with an empty or over-long id.
    InvalidSourceKey,
    /// A value that could not be read as the field's type (the value is not kept).
    InvalidValue {
        /// Why the value was refused.
        reason: String,
    },
    /// Input that is not valid text in the declared encoding.
    Encoding,
    /// A configuration (settings, job file, model) that does not hold together.
    Config {
        /// What is wrong with it.
        reason: String,
    },
    /// A snapshot file that cannot be loaded: truncated, corrupted, of another
    /// format or version, or not a snapshot at all.
    Snapshot {
        /// What is wrong with it.
        reason: String,
    },
    /// Reading or writing a file failed.
    Io {
        /// The operating system's description.
        reason: String,
    },
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::UnknownField { name } => write!(f, "unknown field name {name:?}"),
            ErrorKind::InvalidChannel => f.write_str("invalid channel name"),
            ErrorKind::InvalidSourceKey => f.write_str("invalid source key"),
            ErrorKind::InvalidValue { reason } => write!(f, "invalid value: {reason}"),
            ErrorKind::Encoding => f.write_str("text is not valid in the declared encoding"),
            ErrorKind::Config { reason } => write!(f, "invalid configuration: {reason}"),
            ErrorKind::Snapshot { reason } => write!(f, "unusable snapshot: {reason}"),
            ErrorKind::Io { reason } => write!(f, "i/o error: {reason}"),
        }
    }
}

/// An error with a pointer into the input: file, line, field and source key,
/// each only when known.
///
/// ```
/// use omnicanal::{Error, ErrorKind, Field};
/// let err = Error::new(ErrorKind::InvalidValue { reason: "not a date".into() })
///     .in_file("store_cards.csv")
///     .at_line(42)
///     .in_field(Field::BirthDate);
/// assert_eq!(
///     err.to_string(),
///     "store_cards.csv: line 42: field birth_date: invalid value: not a date"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    // Boxed so that `Result<T, Error>` stays one pointer wide on the hot
    // paths that return it.
    inner: Box<Located>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Located {
    kind: ErrorKind,
    file: Option<PathBuf>,
    line: Option<u64>,
    field: Option<String>,
    source_key: Option<SourceKey>,
}

impl Error {
    /// An error of this kind with no location yet.
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            inner: Box::new(Located {
                kind,
                file: None,
                line: None,
                field: None,
                source_key: None,
            }),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// Points the error at a file.
    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.inner.file = Some(file.into());
        self
    }

    /// Points the error at a 1-based line of its file.
    pub fn at_line(mut self, line: u64) -> Self {
        self.inner.line = Some(line);
        self
    }

    /// Points the error at a canonical field.
    pub fn in_field(mut self, field: Field) -> Self {
        self.inner.field = Some(field.name().to_owned());
        self
    }

    /// Points the error at a column or field by name (a schema name, never a value).
    pub fn in_column(mut self, column: impl Into<String>) -> Self {
        self.inner.field = Some(column.into());
        self
    }

    /// Points the error at the record it concerns. Source keys are system ids,
    /// not personal data, so they are printed.
    pub fn for_record(mut self, key: SourceKey) -> Self {
        self.inner.source_key = Some(key);
        self
    }

    /// The file, when known.
    pub fn file(&self) -> Option<&std::path::Path> {
        self.inner.file.as_deref()
    }

    /// The 1-based line, when known.
    pub fn line(&self) -> Option<u64> {
        self.inner.line
    }

    /// The field or column name, when known.
    pub fn field(&self) -> Option<&str> {
        self.inner.field.as_deref()
    }

    /// The record's source key, when known.
    pub fn source_key(&self) -> Option<&SourceKey> {
        self.inner.source_key.as_ref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.inner.file {
            write!(f, "{}: ", file.display())?;
        }
        if let Some(line) = self.inner.line {
            write!(f, "line {line}: ")?;
        }
        if let Some(key) = &self.inner.source_key {
            write!(f, "record {key}: ")?;
        }
        if let Some(field) = &self.inner.field {
            write!(f, "field {field}: ")?;
        }
        write!(f, "{}", self.inner.kind)
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::new(ErrorKind::Io {
            reason: err.to_string(),
        })
    }
}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
