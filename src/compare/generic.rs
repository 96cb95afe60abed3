//! Generic values: contact values shared by too many records to say who a
//! customer is (the store's own phone typed in for walk-in customers, a
//! `commandes@` mailbox, the shop's address).
//!
//! The blocking stage detects them; the comparator takes the verdict through
//! [`GenericValues`] and counts a generic value as missing, so two records that
//! both carry the store's phone get *null* (no evidence) for phones rather than
//! a strong agreement.

use std::collections::HashSet;
use std::sync::Arc;

use crate::normalize::NormalizedAddress;

/// Says whether a normalized value is generic. Every method defaults to
/// "no", so an implementation overrides only what it knows about.
///
/// ```
/// use omnicanal::compare::GenericValues;
/// struct StorePhone;
/// impl GenericValues for StorePhone {
///     fn phone(&self, e164: &str) -> bool {
///         e164 == "+33140000000"
///     }
/// }
/// assert!(StorePhone.phone("+33140000000"));
/// assert!(!StorePhone.email("jeandupont@gmail.com"));
/// ```
pub trait GenericValues {
    /// True when the E.164 number is generic.
    fn phone(&self, e164: &str) -> bool {
        let _ = e164;
        false
    }
    /// True when the normalized email is generic.
    fn email(&self, normalized: &str) -> bool {
        let _ = normalized;
        false
    }
    /// True when the address is generic.
    fn address(&self, address: &NormalizedAddress) -> bool {
        let _ = address;
        false
    }
}

/// No value is generic: the comparator's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoGenericValues;

impl GenericValues for NoGenericValues {}

impl<T: GenericValues + ?Sized> GenericValues for &T {
    fn phone(&self, e164: &str) -> bool {
        (**self).phone(e164)
    }
    fn email(&self, normalized: &str) -> bool {
        (**self).email(normalized)
    }
    fn address(&self, address: &NormalizedAddress) -> bool {
        (**self).address(address)
    }
}

impl<T: GenericValues + ?Sized> GenericValues for Arc<T> {
    fn phone(&self, e164: &str) -> bool {
        (**self).phone(e164)
    }
    fn email(&self, normalized: &str) -> bool {
        (**self).email(normalized)
    }
    fn address(&self, address: &NormalizedAddress) -> bool {
        (**self).address(address)
    }
}

/// Generic values listed explicitly: the simplest [`GenericValues`], for an
/// embedder with a known list or for a blocking stage to fill.
///
/// `Debug` prints only how many values each set holds.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct GenericValueSet {
    /// Generic phones, E.164.
    pub phones: HashSet<String>,
    /// Generic emails, normalized.
    pub emails: HashSet<String>,
    /// Generic addresses, normalized.
    pub addresses: HashSet<NormalizedAddress>,
}

impl std::fmt::Debug for GenericValueSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenericValueSet")
            .field("phones", &self.phones.len())
            .field("emails", &self.emails.len())
            .field("addresses", &self.addresses.len())
            .finish()
    }
}

impl GenericValues for GenericValueSet {
    fn phone(&self, e164: &str) -> bool {
        self.phones.contains(e164)
    }
    fn email(&self, normalized: &str) -> bool {
        self.emails.contains(normalized)
    }
    fn address(&self, address: &NormalizedAddress) -> bool {
        self.addresses.contains(address)
    }
}
