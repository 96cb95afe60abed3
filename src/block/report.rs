//! What a blocking run did: pairs per rule, block sizes, what was skipped.
//! Plain data (serde), free of personal data: blocks are named by rule and
//! key hash.

use serde::{Deserialize, Serialize};

use super::generic::{GenericField, GenericValues};
use super::rule::RuleId;

/// One block, by rule and key hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockSummary {
    /// The rule whose key made the block.
    pub rule: RuleId,
    /// That rule's name.
    pub rule_name: String,
    /// The key's 58-bit hash (see [`BlockKey::hash`](super::BlockKey::hash)).
    pub key_hash: u64,
    /// How many records share the key.
    pub size: usize,
}

/// One rule's part of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleReport {
    /// The rule.
    pub rule: RuleId,
    /// Its name.
    pub name: String,
    /// Records with at least one key under the rule (its coverage).
    pub records_with_key: usize,
    /// Keys shared by at least two records, including skipped ones.
    pub blocks: usize,
    /// The largest of those blocks, in records.
    pub largest_block: usize,
    /// Blocks over the size cap, not expanded to pairs.
    pub skipped_blocks: usize,
    /// Pairs inside the rule's expanded blocks, before removing the pairs an
    /// earlier rule already gives: what this rule would cost alone.
    pub block_pairs: u64,
    /// Candidate pairs attributed to this rule: found by it and by no
    /// earlier rule. Summed over rules, the number of candidate pairs.
    pub pairs: u64,
}

/// How many generic values of each kind were found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenericCounts {
    /// Generic emails.
    pub emails: usize,
    /// Generic phones.
    pub phones: usize,
    /// Generic street-level addresses.
    pub addresses: usize,
    /// Generic identifiers.
    pub identifiers: usize,
}

impl GenericCounts {
    pub(crate) fn of(generic: &GenericValues) -> Self {
        GenericCounts {
            emails: generic.count(GenericField::Email),
            phones: generic.count(GenericField::Phone),
            addresses: generic.count(GenericField::Address),
            identifiers: generic.count(GenericField::Identifier),
        }
    }

    /// All generic values.
    pub fn total(&self) -> usize {
        self.emails + self.phones + self.addresses + self.identifiers
    }
}

/// The report of a blocking run or dry run; both give the same report for
/// the same records and settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockingReport {
    /// Records blocked.
    pub records: usize,
    /// Candidate pairs, each counted once.
    pub pairs: u64,
    /// The block-size cap in force.
    pub max_block_size: usize,
    /// Per rule, in rule order.
    pub rules: Vec<RuleReport>,
    /// The largest blocks of any rule, largest first (skipped ones included).
    pub largest_blocks: Vec<BlockSummary>,
    /// Every block over the cap: skipped, never silently dropped.
    pub skipped_blocks: Vec<BlockSummary>,
    /// Generic values found, never used as keys.
    pub generic_values: GenericCounts,
}
