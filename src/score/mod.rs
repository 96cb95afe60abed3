//! Scoring: Fellegi–Sunter match weights over comparison vectors.
//!
//! A candidate pair arrives as a *comparison vector*: one `u8` level per
//! comparison, in the settings' order. Level 0 is null (a side is missing,
//! no evidence), level 1 exact agreement, higher levels weaker agreements,
//! the last level `else` (disagreement). Many pairs come as one flat `&[u8]`
//! whose stride is the number of comparisons.
//!
//! - [`Model`] is the plain-data model (serde): the prior λ and, per
//!   comparison, level names and `m`/`u` probabilities. It gives a pair's
//!   [match weight](Model::match_weight) (bits), [match
//!   probability](Model::match_probability), their term-frequency adjusted
//!   variants, and an [`Explanation`] waterfall.
//! - [`Model::default_for`] gives sensible weights before any training.
//! - [`estimate_u`] learns `u` from random pairs and [`train_em`] learns `m`
//!   and λ from candidate pairs by EM, without labels (Splink's recipe).
//!
//! References: Fellegi & Sunter, *A Theory for Record Linkage* (1969);
//! Winkler, *Using the EM algorithm for weight computation in the
//! Fellegi–Sunter model of record linkage* (1988); Jaro, *Advances in
//! record-linkage methodology as applied to matching the 1985 census of
//! Tampa, Florida* (1989); Splink's documentation for the conventions
//! (weights in bits, term-frequency adjustment, `u` held fixed in EM).
//!
//! ```
//! use omnicanal::score::{EmOptions, Model, estimate_u, train_em};
//! // Two comparisons: email (null, exact, else), family name (null, exact, fuzzy, else).
//! let start = Model::default_for(&[3, 4], &["email", "family_name"]);
//! // Random pairs: almost always disagreeing.
//! let random: Vec<u8> = (0..1000u32).flat_map(|i| [2, if i % 50 == 0 { 1 } else { 3 }]).collect();
//! let (with_u, _) = estimate_u(&start, &random, 1.0)?;
//! // Candidate pairs from blocking.
//! let candidates: Vec<u8> = (0..1000u32)
//!     .flat_map(|i| if i % 4 == 0 { [1, 1] } else { [2, 3] })
//!     .collect();
//! let (model, report) = train_em(&with_u, &candidates, &EmOptions::default())?;
//! assert!(report.converged);
//! assert!(model.match_probability(&[1, 1]) > 0.9);
//! println!("{}", model.explain(&[1, 2], &[]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod explain;
mod model;
mod train;

#[cfg(test)]
mod tests;

pub use explain::{Explanation, ExplanationTerm};
pub use model::{
    ComparisonModel, ConditionalU, DEFAULT_PRIOR, Model, PROBABILITY_FLOOR,
    TermFrequencyAdjustment, probability_from_weight,
};
pub use train::{EmOptions, MCeiling, TrainingReport, UEstimateReport, estimate_u, train_em};
