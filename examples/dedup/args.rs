//! The command line, by hand: the job's own flags are few, and the flags of a
//! single source are the library's (`SourceSpec::from_cli_args`), so a
//! parser crate would only stand between the two.

use std::path::PathBuf;

use omnicanal::io::{SOURCE_FLAGS_USAGE, SourceSpec};

/// How customers are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Read everything, resolve once.
    Batch,
    /// Train on the whole batch, then upsert the records one at a time into
    /// a live graph scoring with that frozen model (see `main`'s docs).
    Incremental {
        /// `--shuffle-seed`: upsert in a shuffled order (a seeded
        /// Fisher–Yates), to show the result does not depend on it.
        shuffle_seed: Option<u64>,
    },
}

/// Where the customer records come from.
#[derive(Debug)]
pub enum Input {
    /// A TOML job file, read by `main` (a bad job file is an input error,
    /// not a usage error).
    Job {
        /// The job file.
        path: PathBuf,
        /// `--data-dir`: the folder the job's relative paths start from, in
        /// place of the job file's own.
        data_dir: Option<PathBuf>,
    },
    /// One file described by flags; its path is relative to the working
    /// directory.
    Single(Box<SourceSpec>),
}

/// Ground truth for the accuracy report.
#[derive(Debug, Clone)]
pub struct TruthSpec {
    /// A CSV file with a header holding `channel`, `source_id` and `column`.
    pub path: PathBuf,
    /// The column naming the true entity (default `person_id`).
    pub column: String,
}

/// Everything the command line says.
#[derive(Debug)]
pub struct Options {
    /// What to read.
    pub input: Input,
    /// Where to write (created when missing).
    pub out_dir: PathBuf,
    /// Ground truth, when accuracy is wanted.
    pub truth: Option<TruthSpec>,
    /// No progress on stderr.
    pub quiet: bool,
    /// Batch or incremental.
    pub mode: Mode,
    /// `--erase FILE`: records to forget after resolving (`channel,source_id`).
    pub erase: Option<PathBuf>,
    /// `--snapshot FILE`: where to save the final live graph.
    pub snapshot: Option<PathBuf>,
}

/// What the user asked for.
#[derive(Debug)]
pub enum Command {
    /// Run the job.
    Run(Box<Options>),
    /// Print the usage and stop.
    Help,
}

/// A command-line mistake: the message names the flag, never a value that
/// could be personal data (flags carry paths and column names only).
#[derive(Debug)]
pub struct UsageError(pub String);

/// The bundled sample's job file, found from the crate root so that the
/// no-argument run works from any working directory.
pub fn bundled_job() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/data/job.toml")
}

/// The usage text.
pub fn usage() -> String {
    format!(
        "\
usage: dedup [--job FILE | SOURCE FLAGS] [OPTIONS]

With no input flag, runs the bundled sample job (examples/data/job.toml).

Input, one of:
--job FILE              a TOML job file: several sources and events files
SOURCE FLAGS            one customer export described on the command line:
{source}

Options:
--data-dir DIR          read the job's relative paths from DIR instead of the job file's folder
--out DIR               output folder, created if missing (default: out)
--truth FILE            ground truth CSV with a header holding channel, source_id and the
                        entity column; prints pairwise and B-cubed precision, recall and F1
--truth-column NAME     the entity column of --truth (default: person_id; household_id also works)
--mode batch|incremental
                        batch (default): resolve everything at once; incremental: train on the
                        batch, then upsert the records one by one into a live graph (same
                        customers.csv, plus upsert latency in the summary)
--shuffle-seed S        with --mode incremental: upsert in a shuffled order (seed S, an integer)
--erase FILE            after resolving, erase the records listed in FILE (CSV with the header
                        channel,source_id) from every output; unknown keys and bad rows go to
                        rejects.csv and the summary
--snapshot FILE         save the final live graph to FILE (read by callcentre --snapshot)
--quiet, -q             no progress on stderr (also off when stderr is not a terminal)
--help, -h              this text

Outputs in --out: customers.csv (channel,source_id,customer_id, one row per record read),
profiles.jsonl (one golden profile per customer), timelines.jsonl (customers with events,
when the job has events), orphan_events.csv (events with no record), rejects.csv
(file,line,reason of every unreadable row).",
        source = indent(SOURCE_FLAGS_USAGE, "  ")
    )
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|line| format!("{prefix}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Flags that take a value and belong to the job, not to a source.
const JOB_VALUE_FLAGS: [&str; 9] = [
    "--job",
    "--data-dir",
    "--out",
    "--truth",
    "--truth-column",
    "--mode",
    "--shuffle-seed",
    "--erase",
    "--snapshot",
];

/// Parses the arguments (program name excluded).
///
/// Job flags are taken out; whatever is left describes a single source and
/// goes to `SourceSpec::from_cli_args`, which names any unknown flag. With
/// `--job`, leftovers are an error naming the first of them.
pub fn parse(args: &[String]) -> Result<Command, UsageError> {
    let mut job = None;
    let mut data_dir = None;
    let mut out_dir = None;
    let mut truth = None;
    let mut truth_column = None;
    let mut mode = None;
    let mut shuffle_seed = None;
    let mut erase = None;
    let mut snapshot = None;
    let mut quiet = false;
    let mut source_args = Vec::new();

    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        match flag {
            "--help" | "-h" => return Ok(Command::Help),
            "--quiet" | "-q" => {
                if inline.is_some() {
                    return Err(UsageError(format!("{flag} takes no value")));
                }
                quiet = true;
                continue;
            }
            _ => {}
        }
        if !JOB_VALUE_FLAGS.contains(&flag) {
            source_args.push(arg.clone());
            continue;
        }
        let value = match inline {
            Some(value) => value,
            None => args
                .next()
                .cloned()
                .ok_or_else(|| UsageError(format!("{flag} needs a value")))?,
        };
        if value.trim().is_empty() {
            return Err(UsageError(format!("{flag} needs a non-empty value")));
        }
        let slot = match flag {
            "--job" => &mut job,
            "--data-dir" => &mut data_dir,
            "--out" => &mut out_dir,
            "--truth" => &mut truth,
            "--truth-column" => &mut truth_column,
            "--shuffle-seed" => &mut shuffle_seed,
            "--erase" => &mut erase,
            "--snapshot" => &mut snapshot,
            _ => &mut mode,
        };
        if slot.replace(value).is_some() {
            return Err(UsageError(format!("{flag} is given twice")));
        }
    }

    let shuffle_seed = shuffle_seed
        .map(|seed| {
            seed.trim()
                .parse::<u64>()
                .map_err(|_| UsageError("--shuffle-seed takes a non-negative integer".into()))
        })
        .transpose()?;
    let mode = match mode.as_deref().map(str::trim) {
        None | Some("batch") => {
            if shuffle_seed.is_some() {
                return Err(UsageError(
                    "--shuffle-seed goes with --mode incremental".into(),
                ));
            }
            Mode::Batch
        }
        Some("incremental") => Mode::Incremental { shuffle_seed },
        Some(_) => return Err(UsageError("--mode is batch or incremental".into())),
    };
    let truth = match (truth, truth_column) {
        (Some(path), column) => Some(TruthSpec {
            path: PathBuf::from(path),
            column: column.unwrap_or_else(|| "person_id".into()),
        }),
        (None, Some(_)) => return Err(UsageError("--truth-column needs --truth".into())),
        (None, None) => None,
    };

    let input = match (job, source_args.is_empty()) {
        (Some(_), false) => {
            let first = source_args.first().map(String::as_str).unwrap_or_default();
            let flag = first.split_once('=').map_or(first, |(flag, _)| flag);
            let known_source_flag = SOURCE_FLAGS_USAGE
                .lines()
                .any(|line| line.split_whitespace().next() == Some(flag));
            return Err(UsageError(if known_source_flag {
                format!("{flag} describes a single source and cannot be used with --job")
            } else {
                format!(
                    "unknown flag {:?}",
                    flag.chars().take(64).collect::<String>()
                )
            }));
        }
        (job, true) => Input::Job {
            path: job.map(PathBuf::from).unwrap_or_else(bundled_job),
            data_dir: data_dir.map(PathBuf::from),
        },
        (None, false) => {
            if data_dir.is_some() {
                return Err(UsageError("--data-dir goes with --job, not --input".into()));
            }
            let spec =
                SourceSpec::from_cli_args(&source_args).map_err(|e| UsageError(e.to_string()))?;
            Input::Single(Box::new(spec))
        }
    };
    Ok(Command::Run(Box::new(Options {
        input,
        out_dir: PathBuf::from(out_dir.unwrap_or_else(|| "out".into())),
        truth,
        quiet,
        mode,
        erase: erase.map(PathBuf::from),
        snapshot: snapshot.map(PathBuf::from),
    })))
}
