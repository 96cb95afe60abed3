//! Reading source exports (feature `io`).
//!
//! The input side of a batch dedup job: many customer exports, each with its
//! own schema, encoding and delimiter, and events exports, described by one
//! TOML [job file](JobFile) and read as streams of [`Record`]s and [`Event`]s.
//! Nothing is dropped: every data row gives exactly one value or one
//! [`Reject`] (file, line, reason), and [`RejectWriter`] writes the rejects
//! as `rejects.csv`.
//!
//! | step | API |
//! | --- | --- |
//! | read the job file | [`JobFile::load`] |
//! | or one source from command-line flags | [`SourceSpec::from_cli_args`] |
//! | customer rows | [`SourceReader::open`], [`JobFile::read_sources`] |
//! | events rows | [`EventsReader::open`], [`JobFile::read_events`] |
//! | report rejects | [`RejectWriter`], [`write_rejects`] |
//!
//! ```no_run
//! use omnicanal::io::{JobFile, RejectWriter};
//! let job_path = std::path::Path::new("nightly/job.toml");
//! let job = JobFile::load(job_path)?;
//! let base = job_path.parent().unwrap_or(std::path::Path::new("."));
//! let mut rejects = RejectWriter::create("rejects.csv")?;
//! let mut records = Vec::new();
//! for row in job.read_sources(base)? {
//!     match row {
//!         Ok(record) => records.push(record),
//!         Err(reject) => rejects.write(&reject)?,
//!     }
//! }
//! rejects.finish()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Line numbers in rejects are 1-based physical lines, the header included
//! and every line of a multi-line quoted cell counted, so they match what an
//! editor shows. Blank lines are not rows (the CSV parser skips them, and
//! the JSONL reader does the same).
//!
//! This module is behind a feature because file formats are not the matching
//! core's business: an embedder feeding records from its own database needs
//! none of it.
//!
//! [`Record`]: crate::Record
//! [`Event`]: crate::timeline::Event

pub mod cli;
pub mod encoding;
pub mod events;
pub mod job;
mod json_path;
pub mod reject;
pub mod source;
mod table;

pub use cli::SOURCE_FLAGS_USAGE;
pub use encoding::TextEncoding;
pub use events::{EventRow, EventsReader, JobEvents};
pub use job::{AsciiChar, Columns, EventsSpec, FieldName, Format, JobFile, SourceSpec};
pub use reject::{Reject, RejectWriter, write_rejects};
pub use source::{JobSources, Row, SourceReader};
pub use table::{MAX_JSONL_LINE_BYTES, MAX_ROW_LINES};
