//! The per-comparison explanation of a score: a waterfall from the prior to
//! the total, as Splink's waterfall chart shows it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a pair scores what it scores, built by [`Model::explain`](crate::score::Model::explain).
///
/// `prior_weight + Σ terms[i].weight = match_weight`, added in this order.
/// Holds comparison and level names and probabilities only, never the
/// compared values, so it is safe to log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// λ as used (after clamping).
    pub prior: f64,
    /// `log2(λ / (1 − λ))`, the waterfall's first step.
    pub prior_weight: f64,
    /// One term per comparison of the model, in order.
    pub terms: Vec<ExplanationTerm>,
    /// The total: the prior weight plus every term's weight.
    pub match_weight: f64,
    /// `2^w / (1 + 2^w)` of the total.
    pub match_probability: f64,
}

/// One comparison's step of an [`Explanation`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExplanationTerm {
    /// The comparison's name.
    pub comparison: String,
    /// The pair's level for this comparison.
    pub level: u8,
    /// The level's name (`null`, `exact`, …, `else`; `unknown` for a level the
    /// model does not have).
    pub level_name: String,
    /// `m` of the level as used; `None` when the level carries no evidence.
    pub m: Option<f64>,
    /// `u` of the level as used (before term-frequency adjustment); `None`
    /// when the level carries no evidence.
    pub u: Option<f64>,
    /// The agreed value's relative frequency when the term was
    /// term-frequency adjusted (after clamping), else `None`.
    pub term_frequency: Option<f64>,
    /// The partial match weight in bits (0 for no evidence).
    pub weight: f64,
}

impl fmt::Display for Explanation {
    /// A compact waterfall, one line per step:
    ///
    /// ```text
    /// prior                   λ=0.0500                      -4.25
    /// family_name  exact      m=0.6465 u=0.0100 tf=0.0083   +6.28
    /// ...
    /// total                   p=0.9990                      +9.97
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name_width = self
            .terms
            .iter()
            .map(|t| t.comparison.chars().count())
            .chain([5])
            .max()
            .unwrap_or(5);
        let level_width = self
            .terms
            .iter()
            .map(|t| t.level_name.chars().count())
            .max()
            .unwrap_or(0);
        let blank = "";
        writeln!(
            f,
            "{:<name_width$} {blank:<level_width$} {:<31} {:+8.2}",
            "prior",
            format!("λ={:.4}", self.prior),
            self.prior_weight
        )?;
        for term in &self.terms {
            let probabilities = match (term.m, term.u) {
                (Some(m), Some(u)) => match term.term_frequency {
                    Some(tf) => format!("m={m:.4} u={u:.4} tf={tf:.2e}"),
                    None => format!("m={m:.4} u={u:.4}"),
                },
                _ => String::new(),
            };
            writeln!(
                f,
                "{:<name_width$} {:<level_width$} {:<31} {:+8.2}",
                term.comparison, term.level_name, probabilities, term.weight
            )?;
        }
        write!(
            f,
            "{:<name_width$} {blank:<level_width$} {:<31} {:+8.2}",
            "total",
            format!("p={:.4}", self.match_probability),
            self.match_weight
        )
    }
}
