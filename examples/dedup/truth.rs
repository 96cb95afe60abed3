//! `--truth FILE`: accuracy against a ground truth.
//!
//! The file is CSV with a header; the job reads three columns by name:
//! `channel` and `source_id` (which record) and the entity column (which
//! person; `--truth-column`, default `person_id`). Other columns are ignored,
//! so the generator's `truth_records.csv`
//! (`channel,source_id,person_id,household_id`) works as it is, and
//! `--truth-column household_id` scores households instead of persons.
//! Records the truth does not mention are left out of the scores and counted.

use std::collections::HashMap;

use omnicanal::eval::{Evaluation, evaluate};
use omnicanal::normalize::NormalizedRecord;
use omnicanal::{Channel, ClusterIndex, Error, ErrorKind, SourceKey};

use crate::args::TruthSpec;

/// The true entity of each known record, entities numbered densely.
pub struct Truth {
    entity_of: HashMap<SourceKey, u32>,
}

/// Scores, and how many records had no truth.
pub struct TruthReport {
    /// Pairwise and B-cubed precision, recall, F1.
    pub evaluation: Evaluation,
    /// Records read that the truth file does not mention.
    pub unlabelled: u64,
}

fn config(spec: &TruthSpec, reason: String) -> Error {
    Error::new(ErrorKind::Config { reason }).in_file(&spec.path)
}

/// Reads the truth file. Errors name the file, and the line or column; never
/// a value.
pub fn load(spec: &TruthSpec) -> Result<Truth, Error> {
    let file = std::fs::File::open(&spec.path).map_err(|e| Error::from(e).in_file(&spec.path))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(std::io::BufReader::new(file));
    let header = reader
        .headers()
        .map_err(|_| config(spec, "the header line is not readable CSV".into()))?
        .clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| config(spec, format!("no column {name:?} in the header")))
    };
    let (channel, source_id, entity) = (
        column("channel")?,
        column("source_id")?,
        column(&spec.column)?,
    );
    let mut entities: HashMap<String, u32> = HashMap::new();
    let mut entity_of = HashMap::new();
    let mut row = csv::StringRecord::new();
    loop {
        let line = reader.position().line() + 1;
        let at_line = |reason: &str| config(spec, reason.to_owned()).at_line(line);
        match reader.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(_) => return Err(at_line("not readable CSV")),
        }
        let cell = |i: usize, name: &str| {
            row.get(i)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| at_line(&format!("column {name}: missing value")))
        };
        let channel = cell(channel, "channel")?
            .parse::<Channel>()
            .map_err(|_| at_line("column channel: invalid channel name"))?;
        let key = SourceKey::new(channel, cell(source_id, "source_id")?)
            .map_err(|_| at_line("column source_id: invalid source id"))?;
        let label = cell(entity, &spec.column)?;
        let next = entities.len() as u32;
        let id = *entities.entry(label.to_owned()).or_insert(next);
        if entity_of.insert(key, id).is_some() {
            return Err(at_line("column source_id: record given twice"));
        }
    }
    Ok(Truth { entity_of })
}

impl Truth {
    /// Scores the predicted clusters of `records` (`assignment[r]` is
    /// record `r`'s cluster).
    pub fn score(
        &self,
        records: &[NormalizedRecord],
        assignment: &[ClusterIndex],
    ) -> Result<TruthReport, Error> {
        let mut predicted = Vec::with_capacity(records.len());
        let mut truth = Vec::with_capacity(records.len());
        for (record, cluster) in records.iter().zip(assignment) {
            if let Some(entity) = self.entity_of.get(&record.key) {
                predicted.push(cluster.0);
                truth.push(*entity);
            }
        }
        let unlabelled = (records.len() - predicted.len()) as u64;
        Ok(TruthReport {
            evaluation: evaluate(&predicted, &truth)?,
            unlabelled,
        })
    }
}
