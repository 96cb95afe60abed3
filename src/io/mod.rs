//! Reading source exports (feature `io`).

pub mod encoding;
pub mod job;

pub use encoding::TextEncoding;
pub use job::{AsciiChar, Columns, EventsSpec, FieldName, Format, JobFile, SourceSpec};
