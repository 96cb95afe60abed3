//! Comparison settings: plain data that says which comparisons to make and
//! where their thresholds lie. The [`Comparator`](super::Comparator) executes
//! them.
//!
//! Every comparison has ordered levels, as in Splink: level 0 is *null* (a side
//! is missing: no evidence), level 1 the strongest agreement, then weaker
//! agreements, and the last level *else* (disagreement). The level lists are
//! fixed per kind except for the Jaro–Winkler thresholds, which add one level
//! each, so a model can be retrained with finer or coarser name levels by
//! editing settings only.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};
use crate::record::IdentifierKind;

/// One comparison: a name (for explanations and model files) and what it
/// compares.
///
/// Serialized flat, the kind as a tag:
/// `{"name": "given_name", "kind": "given_name", "jaro_winkler": [0.92, 0.85]}`.
///
/// ```
/// use omnicanal::compare::{Comparison, ComparisonKind};
/// let c = Comparison::new("birth", ComparisonKind::BirthDate);
/// assert_eq!(c.levels(), 7);
/// assert_eq!(c.level_names()[2], "day_month_swapped");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The comparison's name, unique within its settings.
    pub name: String,
    /// What is compared, with its thresholds.
    #[serde(flatten)]
    pub kind: ComparisonKind,
}

/// What a comparison compares, with its thresholds. The levels of each kind
/// are listed in order, strongest first, after level 0 (null).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ComparisonKind {
    /// Given names, best over every pair of the records' names.
    ///
    /// Levels: `exact` (as written), `swapped` (given and family names
    /// exchanged, see [`FamilyName`](Self::FamilyName)), `nickname` (same
    /// canonical given name: `fred`/`frederic`, `jf`/`jean francois`),
    /// `initials` (`j`/`jean`, `j f`/`jean francois`), one
    /// `jaro_winkler_<t>` per threshold, `else`.
    GivenName {
        /// Jaro–Winkler thresholds, strictly decreasing, each in (0, 1].
        jaro_winkler: Vec<f64>,
    },
    /// Family names (without particles), best over every pair of names.
    ///
    /// Levels: `exact`, `swapped`, `close` (one edit — Damerau–Levenshtein ≤ 1
    /// — or Jaro–Winkler ≥ `close_jaro_winkler`), one `jaro_winkler_<t>` per
    /// threshold, `else`.
    ///
    /// *Swapped names*: when one record's given name is the other's family name
    /// and vice versa (`Martin Pierre` / `Pierre Martin` typed into the wrong
    /// boxes), both name comparisons take their `swapped` level, right after
    /// `exact`, so the model learns a weight of its own for that entry error
    /// instead of reading it as two disagreements. One half of the swap may
    /// carry a slip of its own: one edit, an initial (`Thibault D`), or a
    /// particle dropped (`Le Bras` / `Bras`).
    FamilyName {
        /// The Jaro–Winkler similarity that counts as `close`, like one edit.
        close_jaro_winkler: f64,
        /// Jaro–Winkler thresholds for weaker levels, strictly decreasing.
        jaro_winkler: Vec<f64>,
    },
    /// Birth dates, full or partial.
    ///
    /// Levels: `exact` (full dates equal), `day_month_swapped` (05/03 vs 03/05
    /// of the same year), `one_digit_off` (one substitution or adjacent swap on
    /// `yyyymmdd`), `same_year_month`, `same_year` (also a year-only date
    /// against any date of that year), `else`.
    BirthDate,
    /// Identifying emails; placeholders and generic addresses count as missing.
    ///
    /// Levels: `exact` (same mailbox after provider rules), `same_local_part`
    /// (same local part, ignoring `.`, `_`, `-` and a `+tag`, at another
    /// domain, if at least
    /// `same_local_part_min_len` long), `one_edit` (Damerau–Levenshtein ≤ 1 on
    /// the normalized address), `else`.
    Email {
        /// The shortest local part that counts for `same_local_part`: short
        /// ones (`marie@`, `contact@`) are shared by many people.
        same_local_part_min_len: usize,
    },
    /// Phone numbers; generic ones count as missing.
    ///
    /// Levels: `same_mobile`, `same_landline` (also numbers of unknown kind:
    /// a household shares a landline, so it says less about the person),
    /// `mobile_close` (two mobiles with the same last `mobile_suffix_digits`
    /// digits, or one digit off), `else`. A mobile against a landline is
    /// null: most people have both, and a system keeps whichever it got.
    Phone {
        /// How many trailing digits two mobiles must share for `mobile_close`.
        mobile_suffix_digits: usize,
    },
    /// Postal addresses; generic ones count as missing.
    ///
    /// Levels: `same_street_number` (postcode, street and house number),
    /// `same_street` (postcode and street), `same_postcode`, `same_city`,
    /// `else`. Streets agree when equal or Jaro–Winkler ≥ `street_jaro_winkler`.
    Address {
        /// Street similarity that counts as the same street.
        street_jaro_winkler: f64,
    },
    /// Identifiers of the same kind.
    ///
    /// Levels: `same_identifier` (a `strong` kind equal), `same_weak_identifier`
    /// (a `weak` kind equal, e.g. a device shared in a household), `else`.
    /// Null when the records have no listed kind in common.
    Identifier {
        /// Kinds whose equality identifies a customer.
        strong: Vec<IdentifierKind>,
        /// Kinds whose equality is weaker evidence.
        weak: Vec<IdentifierKind>,
    },
}

/// The name of level 0, shared by every comparison.
pub const NULL_LEVEL: &str = "null";
/// The name of the last level, shared by every comparison.
pub const ELSE_LEVEL: &str = "else";

impl Comparison {
    /// A comparison of this kind under this name.
    pub fn new(name: impl Into<String>, kind: ComparisonKind) -> Self {
        Comparison {
            name: name.into(),
            kind,
        }
    }

    /// How many levels the comparison has, null and else included.
    pub fn levels(&self) -> usize {
        self.level_names().len()
    }

    /// The level names, index = level: `null` first, `else` last.
    pub fn level_names(&self) -> Vec<String> {
        let mut names: Vec<String> = vec![NULL_LEVEL.into()];
        let fixed = |names: &mut Vec<String>, list: &[&str]| {
            names.extend(list.iter().map(|s| (*s).to_owned()));
        };
        let thresholds = |names: &mut Vec<String>, list: &[f64]| {
            names.extend(list.iter().map(|t| format!("jaro_winkler_{t}")));
        };
        match &self.kind {
            ComparisonKind::GivenName { jaro_winkler } => {
                fixed(&mut names, &["exact", "swapped", "nickname", "initials"]);
                thresholds(&mut names, jaro_winkler);
            }
            ComparisonKind::FamilyName { jaro_winkler, .. } => {
                fixed(&mut names, &["exact", "swapped", "close"]);
                thresholds(&mut names, jaro_winkler);
            }
            ComparisonKind::BirthDate => fixed(
                &mut names,
                &[
                    "exact",
                    "day_month_swapped",
                    "one_digit_off",
                    "same_year_month",
                    "same_year",
                ],
            ),
            ComparisonKind::Email { .. } => {
                fixed(&mut names, &["exact", "same_local_part", "one_edit"])
            }
            ComparisonKind::Phone { .. } => fixed(
                &mut names,
                &["same_mobile", "same_landline", "mobile_close"],
            ),
            ComparisonKind::Address { .. } => fixed(
                &mut names,
                &[
                    "same_street_number",
                    "same_street",
                    "same_postcode",
                    "same_city",
                ],
            ),
            ComparisonKind::Identifier { .. } => {
                fixed(&mut names, &["same_identifier", "same_weak_identifier"])
            }
        }
        names.push(ELSE_LEVEL.into());
        names
    }

    /// Checks thresholds: each in (0, 1], Jaro–Winkler lists strictly
    /// decreasing, and at most 255 levels so a level fits in a `u8`.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |reason: String| Error::new(ErrorKind::Config { reason });
        let in_unit = |t: f64| t > 0.0 && t <= 1.0;
        let decreasing = |list: &[f64]| list.windows(2).all(|w| w[0] > w[1]);
        let name = &self.name;
        let thresholds_ok = match &self.kind {
            ComparisonKind::GivenName { jaro_winkler }
            | ComparisonKind::FamilyName { jaro_winkler, .. } => {
                jaro_winkler.iter().all(|&t| in_unit(t)) && decreasing(jaro_winkler)
            }
            _ => true,
        };
        if !thresholds_ok {
            return Err(bad(format!(
                "comparison {name:?}: Jaro-Winkler thresholds must be in (0, 1] and strictly decreasing"
            )));
        }
        match &self.kind {
            ComparisonKind::FamilyName {
                close_jaro_winkler: t,
                ..
            }
            | ComparisonKind::Address {
                street_jaro_winkler: t,
            } if !in_unit(*t) => {
                return Err(bad(format!(
                    "comparison {name:?}: threshold must be in (0, 1]"
                )));
            }
            ComparisonKind::Phone {
                mobile_suffix_digits,
            } if *mobile_suffix_digits == 0 => {
                return Err(bad(format!(
                    "comparison {name:?}: mobile_suffix_digits must be at least 1"
                )));
            }
            _ => {}
        }
        if self.levels() > usize::from(u8::MAX) + 1 {
            return Err(bad(format!("comparison {name:?}: more than 256 levels")));
        }
        Ok(())
    }
}

/// The comparisons of a model, in vector order.
///
/// The default is a French retail set: given name, family name, birth date,
/// email, phone, address, identifiers.
///
/// ```
/// use omnicanal::compare::ComparisonSettings;
/// let settings = ComparisonSettings::default();
/// assert_eq!(settings.shape(), vec![8, 6, 7, 5, 5, 6, 4]);
/// assert_eq!(settings.level_names()[4][1], "same_mobile");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ComparisonSettings {
    /// The comparisons; a comparison vector has one level per entry, in this order.
    pub comparisons: Vec<Comparison>,
}

impl Default for ComparisonSettings {
    fn default() -> Self {
        use ComparisonKind::*;
        let comparisons = vec![
            // 0.92 keeps one-letter slips in names of 5+ letters (`mathieu`/
            // `matthieu`); 0.85 catches compound-name and phonetic variants
            // (`marie`/`marie claire`) as weak evidence.
            Comparison::new(
                "given_name",
                GivenName {
                    jaro_winkler: vec![0.92, 0.85],
                },
            ),
            // Family names are longer and rarer than given names: one edit
            // (`dupont`/`dupond`) is nearly as good as exact.
            Comparison::new(
                "family_name",
                FamilyName {
                    close_jaro_winkler: 0.95,
                    jaro_winkler: vec![0.88],
                },
            ),
            Comparison::new("birth_date", BirthDate),
            Comparison::new(
                "email",
                Email {
                    same_local_part_min_len: 6,
                },
            ),
            // French mobile numbers have 8 digits after `06`/`07`: the same 8
            // catch `06`/`07` slips and a wrong overseas prefix.
            Comparison::new(
                "phone",
                Phone {
                    mobile_suffix_digits: 8,
                },
            ),
            Comparison::new(
                "address",
                Address {
                    street_jaro_winkler: 0.9,
                },
            ),
            Comparison::new(
                "identifier",
                Identifier {
                    strong: vec![
                        IdentifierKind::LoyaltyCard,
                        IdentifierKind::AccountId,
                        IdentifierKind::AppUserId,
                    ],
                    weak: vec![IdentifierKind::DeviceId],
                },
            ),
        ];
        ComparisonSettings { comparisons }
    }
}

impl ComparisonSettings {
    /// The model shape: the number of levels of each comparison, null included.
    pub fn shape(&self) -> Vec<usize> {
        self.comparisons.iter().map(Comparison::levels).collect()
    }

    /// The level names of each comparison (see [`Comparison::level_names`]).
    pub fn level_names(&self) -> Vec<Vec<String>> {
        self.comparisons
            .iter()
            .map(Comparison::level_names)
            .collect()
    }

    /// Checks every comparison and that names are unique.
    pub fn validate(&self) -> Result<(), Error> {
        for (i, c) in self.comparisons.iter().enumerate() {
            c.validate()?;
            if self.comparisons[..i].iter().any(|d| d.name == c.name) {
                return Err(Error::new(ErrorKind::Config {
                    reason: format!("comparison name {:?} is used twice", c.name),
                }));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_shape_and_names() {
        let s = ComparisonSettings::default();
        assert!(s.validate().is_ok());
        assert_eq!(s.shape(), vec![8, 6, 7, 5, 5, 6, 4]);
        let names = s.level_names();
        assert_eq!(
            names[0],
            [
                "null",
                "exact",
                "swapped",
                "nickname",
                "initials",
                "jaro_winkler_0.92",
                "jaro_winkler_0.85",
                "else"
            ]
        );
        assert_eq!(names[1][3], "close");
        assert_eq!(
            names[6],
            ["null", "same_identifier", "same_weak_identifier", "else"]
        );
    }

    #[test]
    fn serde_round_trip_is_flat() {
        let s = ComparisonSettings::default();
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.starts_with(
            r#"[{"name":"given_name","kind":"given_name","jaro_winkler":[0.92,0.85]}"#
        ));
        let back: ComparisonSettings = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn validate_refuses_bad_thresholds() {
        let mut s = ComparisonSettings::default();
        s.comparisons[0].kind = ComparisonKind::GivenName {
            jaro_winkler: vec![0.85, 0.92],
        };
        assert!(s.validate().is_err());
        let mut s = ComparisonSettings::default();
        s.comparisons[5].kind = ComparisonKind::Address {
            street_jaro_winkler: f64::NAN,
        };
        assert!(s.validate().is_err());
        let mut s = ComparisonSettings::default();
        s.comparisons[1].name = "given_name".into();
        assert!(s.validate().is_err());
        let mut s = ComparisonSettings::default();
        s.comparisons[0].kind = ComparisonKind::GivenName {
            jaro_winkler: (1..=300).rev().map(|i| f64::from(i) / 300.0).collect(),
        };
        assert!(s.validate().is_err());
    }
}
