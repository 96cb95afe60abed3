//! Postal addresses: house numbers, French street types, postcodes, communes.

use serde::Serialize;

use super::Region;
use crate::record::Address;

/// A normalized address. Strings are folded.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct NormalizedAddress {
    /// House number: `12`.
    pub number: Option<u32>,
    /// Repetition index after the number, folded: `bis`, `ter`, `quater`, or a letter.
    pub number_suffix: Option<String>,
    /// The street with its type spelled out and no number: `rue de la paix`.
    pub street: Option<String>,
    /// Five-digit French postcode (leading zero restored), or the foreign one as typed, folded.
    pub postcode: Option<String>,
    /// Commune without CEDEX or arrondissement, saints spelled out: `saint denis`.
    pub city: Option<String>,
    /// The address's country.
    pub country: Option<Region>,
}

impl std::fmt::Debug for NormalizedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NormalizedAddress(..)")
    }
}

impl NormalizedAddress {
    /// True when nothing usable was found.
    pub fn is_empty(&self) -> bool {
        self.street.is_none() && self.postcode.is_none() && self.city.is_none()
    }
}

/// Normalizes an address; a missing country is `region`.
pub fn normalize_address(address: &Address, region: Region) -> NormalizedAddress {
    todo!("contact helper {address:?} {region:?}")
}
