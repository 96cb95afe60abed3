//! Blocking: which pairs of records are worth comparing.
//!
//! Comparing every record with every other is quadratic; blocking compares
//! only records that share a *key* under at least one [`BlockingRule`] (rules
//! are OR-ed, as in Splink). Describe, then execute: the rules and limits are
//! plain data ([`BlockingSettings`]), a [`Blocker`] runs them.
//!
//! | step | what | where |
//! | --- | --- | --- |
//! | 1 | find generic values (the store's phone, `pasdemail@…`) | [`GenericValues::detect`] |
//! | 2 | compute each record's keys under each rule, as 64-bit hashes | [`Blocker::keys`] |
//! | 3 | group records by key into blocks; skip and report blocks over the cap | [`BlockingReport::skipped_blocks`] |
//! | 4 | emit each pair once across all rules, canonical `lo < hi`, sorted | [`Blocker::block`] |
//! | – | the same counts without the pairs, before a real run | [`Blocker::dry_run`] |
//!
//! ```
//! use omnicanal::block::{Blocker, BlockingSettings};
//! use omnicanal::normalize::{NormalizedRecord, Phone, PhoneKind};
//! use omnicanal::{Channel, SourceKey};
//!
//! let record = |id: &str, phone: &str| NormalizedRecord {
//!     key: SourceKey::new(Channel::Store, id).unwrap(),
//!     civility: None, names: Default::default(), birth: None,
//!     emails: Default::default(),
//!     phones: [Phone { e164: phone.into(), kind: PhoneKind::Mobile }].into_iter().collect(),
//!     addresses: vec![], identifiers: vec![], created_at: None, updated_at: None,
//!     issues: vec![],
//! };
//! let records = [record("1", "+33612345678"), record("2", "+33699999999"), record("3", "+33612345678")];
//! let blocker = Blocker::new(BlockingSettings::default())?;
//! let blocking = blocker.block(&records)?;
//! assert_eq!(blocking.pairs.len(), 1);
//! assert_eq!((blocking.pairs[0].lo.0, blocking.pairs[0].hi.0), (0, 2));
//! assert_eq!(blocker.dry_run(&records)?, blocking.report);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod generic;
pub(crate) mod key;
mod pairs;
mod report;
mod rule;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::normalize::NormalizedRecord;
use crate::record::RecordId;

pub use generic::{GenericField, GenericSettings, GenericValue, GenericValues};
pub(crate) use key::department;
pub use key::{BlockKey, MAX_RULES};
pub use report::{BlockSummary, BlockingReport, GenericCounts, RuleReport};
pub use rule::{BlockingRule, KeyPart, NAME_KEY_MAX_BLOCK, RuleId, WEAK_RULE_MAX_BLOCK};

use key::{CompiledRule, KeyBuilder};
use pairs::{Block, KeyIndex};

/// Blocking configuration. Plain data; every field has a default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlockingSettings {
    /// The rules, OR-ed; a pair found by several is attributed to the first.
    /// At most [`MAX_RULES`].
    pub rules: Vec<BlockingRule>,
    /// A block with more records than this is not expanded to pairs (500
    /// records are 124,750 pairs); it is skipped and reported. At least 2.
    pub max_block_size: usize,
    /// How generic values are detected.
    pub generic: GenericSettings,
    /// How many of the largest blocks the report lists.
    pub largest_blocks_reported: usize,
}

impl Default for BlockingSettings {
    fn default() -> Self {
        BlockingSettings {
            rules: BlockingRule::default_rules(),
            max_block_size: 100,
            generic: GenericSettings::default(),
            largest_blocks_reported: 10,
        }
    }
}

/// Two records to compare: `lo < hi`, found first by `rule`.
/// Ordered by `(lo, hi)`, each pair appearing once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CandidatePair {
    /// The smaller record id.
    pub lo: RecordId,
    /// The larger record id.
    pub hi: RecordId,
    /// The first rule (in rule order) under which the two share a key.
    pub rule: RuleId,
}

/// The result of a blocking run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocking {
    /// Candidate pairs, sorted by `(lo, hi)`, each once.
    pub pairs: Vec<CandidatePair>,
    /// The generic values found; the comparison stage ignores them as evidence.
    pub generic: GenericValues,
    /// What the run did.
    pub report: BlockingReport,
}

/// Runs blocking settings over batches of normalized records.
#[derive(Debug, Clone)]
pub struct Blocker {
    settings: BlockingSettings,
    rules: Vec<CompiledRule>,
}

impl Blocker {
    /// Prepares the settings; fails on more than [`MAX_RULES`] rules, a rule
    /// without parts, a zero-length family prefix or a cap below 2.
    pub fn new(settings: BlockingSettings) -> Result<Blocker> {
        let config = |reason: String| Error::new(ErrorKind::Config { reason });
        if settings.rules.len() > MAX_RULES {
            return Err(config(format!(
                "{} blocking rules, at most {MAX_RULES}",
                settings.rules.len()
            )));
        }
        if settings.max_block_size < 2 {
            return Err(config("max_block_size must be at least 2".into()));
        }
        for rule in &settings.rules {
            if rule.key.is_empty() {
                return Err(config(format!(
                    "blocking rule {:?} has no key parts",
                    rule.name
                )));
            }
            if rule.key.contains(&KeyPart::FamilyPrefix(0)) {
                return Err(config(format!(
                    "blocking rule {:?} has a family prefix of length 0",
                    rule.name
                )));
            }
        }
        let rules = settings
            .rules
            .iter()
            .enumerate()
            // At most MAX_RULES = 64 rules, checked above.
            .map(|(i, rule)| CompiledRule::new(i as u8, rule))
            .collect();
        Ok(Blocker { settings, rules })
    }

    /// The settings this blocker runs.
    pub fn settings(&self) -> &BlockingSettings {
        &self.settings
    }

    /// Finds the generic values of a batch with this blocker's settings.
    pub fn detect_generic(&self, records: &[NormalizedRecord]) -> GenericValues {
        GenericValues::detect(records, &self.settings.generic)
    }

    /// One record's keys under every rule, sorted, generic values left out.
    /// For incremental use: a new record's candidates are the records that
    /// share one of these keys.
    pub fn keys(&self, record: &NormalizedRecord, generic: &GenericValues) -> Vec<BlockKey> {
        let mut out = Vec::new();
        KeyBuilder::default().record_keys(record, &self.rules, generic, &mut out);
        out
    }

    /// [`keys`](Self::keys) with one key builder kept across calls, as
    /// blocking a batch does (its cache of phonetic keys, which grows with
    /// the distinct names seen, saves recomputing them): for rebuilding
    /// the keys of many records at once.
    pub(crate) fn keys_reusing(
        &self,
    ) -> impl FnMut(&NormalizedRecord, &GenericValues) -> Vec<BlockKey> + '_ {
        let mut builder = KeyBuilder::default();
        move |record: &NormalizedRecord, generic: &GenericValues| {
            let mut out = Vec::new();
            builder.record_keys(record, &self.rules, generic, &mut out);
            out
        }
    }

    /// Blocks a batch: every candidate pair once, sorted, with the generic
    /// values and the report. The record id of a record is its index in
    /// `records`. Fails only when there are more than `u32::MAX` records.
    pub fn block(&self, records: &[NormalizedRecord]) -> Result<Blocking> {
        self.block_inner(records, None)
    }

    /// [`block`](Self::block) with generic values found earlier, on another
    /// population, instead of detecting them in `records`: a live resolver
    /// keeps the values it was trained with, and its batch equivalent must
    /// use the same ones.
    pub fn block_with_generic(
        &self,
        records: &[NormalizedRecord],
        generic: &GenericValues,
    ) -> Result<Blocking> {
        self.block_inner(records, Some(generic))
    }

    /// The block-size cap of a rule (its own, or the settings' default).
    pub fn cap_of(&self, rule: RuleId) -> usize {
        self.settings
            .rules
            .get(rule.index())
            .and_then(|r| r.max_block_size)
            .unwrap_or(self.settings.max_block_size)
    }

    fn block_inner(
        &self,
        records: &[NormalizedRecord],
        generic: Option<&GenericValues>,
    ) -> Result<Blocking> {
        let (generic, index, blocks, skipped) = self.prepare(records, generic)?;
        let pairs = index.pairs(&blocks, &self.caps(), &skipped);
        let mut per_rule = vec![0u64; self.rules.len()];
        for pair in &pairs {
            if let Some(n) = per_rule.get_mut(pair.rule.index()) {
                *n += 1;
            }
        }
        let report = self.report(&index, &blocks, &generic, &per_rule);
        Ok(Blocking {
            pairs,
            generic,
            report,
        })
    }

    /// Counts what [`block`](Self::block) would produce — pairs per rule after
    /// deduplication across rules, oversized blocks — without keeping a single
    /// pair: memory is the keys alone, so it can run on the full batch before
    /// the real job to tune rules and cap. Its report equals the real run's.
    pub fn dry_run(&self, records: &[NormalizedRecord]) -> Result<BlockingReport> {
        let (generic, index, blocks, skipped) = self.prepare(records, None)?;
        let counts = index.pair_counts(&blocks, &self.caps(), &skipped);
        let mut per_rule = vec![0u64; self.rules.len()];
        for (&block, n) in blocks.iter().zip(counts) {
            if let Some(total) = per_rule.get_mut(pairs::rule_of(&index, block).index()) {
                *total += n;
            }
        }
        Ok(self.report(&index, &blocks, &generic, &per_rule))
    }

    /// The block-size cap of each rule: its own, or the settings' default.
    fn caps(&self) -> Vec<usize> {
        self.settings
            .rules
            .iter()
            .map(|r| r.max_block_size.unwrap_or(self.settings.max_block_size))
            .collect()
    }

    /// Generic values, key index, every block of two records or more, and
    /// the keys of the blocks over the cap (sorted).
    fn prepare(
        &self,
        records: &[NormalizedRecord],
        known_generic: Option<&GenericValues>,
    ) -> Result<(GenericValues, KeyIndex, Vec<Block>, Vec<BlockKey>)> {
        if u32::try_from(records.len()).is_err() {
            return Err(Error::new(ErrorKind::InvalidValue {
                reason: format!("{} records, at most {} per batch", records.len(), u32::MAX),
            }));
        }
        let generic = match known_generic {
            Some(generic) => generic.clone(),
            None => self.detect_generic(records),
        };
        let index = KeyIndex::build(records, &self.rules, &generic);
        let blocks = index.blocks();
        // Blocks come in key order, so the skipped keys are sorted.
        let caps = self.caps();
        let skipped = blocks
            .iter()
            .filter(|&&b| b.len() > pairs::cap_of(&caps, index.key_of(b)))
            .map(|&b| index.key_of(b))
            .collect();
        Ok((generic, index, blocks, skipped))
    }

    fn report(
        &self,
        index: &KeyIndex,
        all_blocks: &[Block],
        generic: &GenericValues,
        pairs_per_rule: &[u64],
    ) -> BlockingReport {
        let rules = &self.settings.rules;
        let summary = |key: BlockKey, size: usize| BlockSummary {
            rule: key.rule(),
            rule_name: rules
                .get(key.rule().index())
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            key_hash: key.hash(),
            size,
        };
        let covered = index.records_with_key(rules.len());
        let caps = self.caps();
        let mut per_rule: Vec<RuleReport> = rules
            .iter()
            .enumerate()
            .map(|(i, rule)| RuleReport {
                // At most MAX_RULES = 64 rules (checked in `new`).
                rule: RuleId(i as u8),
                name: rule.name.clone(),
                records_with_key: covered.get(i).copied().unwrap_or(0),
                blocks: 0,
                largest_block: 0,
                skipped_blocks: 0,
                block_pairs: 0,
                pairs: pairs_per_rule.get(i).copied().unwrap_or(0),
            })
            .collect();
        let mut skipped_blocks = Vec::new();
        let mut sizes: Vec<(usize, BlockKey)> = Vec::with_capacity(all_blocks.len());
        for &block in all_blocks {
            let key = index.key_of(block);
            let size = block.len();
            sizes.push((size, key));
            let Some(r) = per_rule.get_mut(key.rule().index()) else {
                continue;
            };
            r.blocks += 1;
            r.largest_block = r.largest_block.max(size);
            if size > pairs::cap_of(&caps, key) {
                r.skipped_blocks += 1;
                skipped_blocks.push(summary(key, size));
            } else {
                r.block_pairs += pairs::block_pairs(size);
            }
        }
        // Largest first; the key breaks ties so the list is deterministic.
        let top = self.settings.largest_blocks_reported.min(sizes.len());
        let by_size =
            |a: &(usize, BlockKey), b: &(usize, BlockKey)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        if top > 0 && top < sizes.len() {
            sizes.select_nth_unstable_by(top - 1, by_size);
        }
        sizes.truncate(top);
        sizes.sort_unstable_by(by_size);
        BlockingReport {
            records: index.record_count(),
            pairs: pairs_per_rule.iter().sum(),
            max_block_size: self.settings.max_block_size,
            rules: per_rule,
            largest_blocks: sizes
                .into_iter()
                .map(|(size, key)| summary(key, size))
                .collect(),
            skipped_blocks,
            generic_values: GenericCounts::of(generic),
        }
    }
}
