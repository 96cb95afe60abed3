//! Person names: civility, full-name splitting, particles, compound given names
//! and nicknames.

use serde::Serialize;

/// A civility (title), removed from the name and kept aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Civility {
    /// M., Monsieur, Mr
    Monsieur,
    /// Mme, Madame, Mrs, Ms
    Madame,
    /// Mlle, Mademoiselle, Miss
    Mademoiselle,
    /// Dr, Docteur
    Docteur,
    /// Me, Maître (lawyers, notaries)
    Maitre,
}

/// One normalized person name. All strings are folded (see
/// [`fold`](super::text::fold)), tokens joined by single spaces.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct PersonName {
    /// Given-name tokens as written: `jean francois`.
    pub given: String,
    /// Given-name tokens with nicknames and abbreviations resolved:
    /// `fred` → `frederic`, `jf` → `jean francois`.
    pub given_canonical: String,
    /// One initial per canonical given-name token: `jf`.
    pub initials: String,
    /// Family-name tokens without leading particles: `fontaine`.
    pub family: String,
    /// The leading particles removed from the family name: `de la`.
    pub particles: String,
}

impl std::fmt::Debug for PersonName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonName(..)")
    }
}

/// Parses a civility (`M.`, `Mme`, `Mlle`, `Dr`, `Monsieur`, `Madame`, …).
pub fn parse_civility(s: &str) -> Option<Civility> {
    todo!("names helper {s}")
}

/// Normalizes the name fields of a record into person names and a civility.
pub fn normalize_names(
    civility: Option<&str>,
    given_names: &[String],
    family_names: &[String],
    full_names: &[String],
) -> (Option<Civility>, Vec<PersonName>) {
    todo!("names helper {civility:?} {given_names:?} {family_names:?} {full_names:?}")
}
