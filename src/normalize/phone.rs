//! Phone numbers to E.164.

use serde::Serialize;

use super::Region;

/// What kind of line a number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    /// A mobile number (FR: 06, 07 and overseas mobiles).
    Mobile,
    /// A fixed line (FR: 01–05, 09), often shared by a household.
    Landline,
    /// A number whose kind is not known (foreign, special services).
    Other,
}

/// A normalized phone number.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Phone {
    /// E.164: `+33612345678`.
    pub e164: String,
    /// Line kind.
    pub kind: PhoneKind,
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({:?}, ..)", self.kind)
    }
}

/// Why a phone number gave no normalized value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PhoneIssue {
    /// No digits at all.
    NoDigits,
    /// Letters or symbols that no phone format has.
    InvalidCharacters,
    /// Too few digits for the country.
    TooShort,
    /// Too many digits for the country or for E.164.
    TooLong,
    /// An international prefix with an unknown country code.
    UnknownCountryCode,
    /// The national number is not valid for the country (FR: `00…`, `08…` premium).
    InvalidNumber,
}

/// Normalizes a phone number to E.164; national numbers are read in `region`.
pub fn normalize_phone(raw: &str, region: Region) -> Result<Phone, PhoneIssue> {
    todo!("contact helper {raw} {region:?}")
}
