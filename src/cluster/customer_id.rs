//! Stable customer ids: a hash of the customer's smallest source key.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};
use crate::record::SourceKey;

/// FNV-1a 64-bit offset basis (Fowler, Noll, Vo; IETF draft-eastlake-fnv).
const FNV_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64-bit prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// A customer's id, stable across runs and machines as long as the customer's
/// smallest member record stays the same.
///
/// It is FNV-1a 64 over the smallest member's channel name (UTF-8), one zero
/// byte, and its source id (UTF-8). "Smallest" compares `(channel name, id)`
/// as byte strings, not the [`Channel`](crate::Channel) enum's declaration
/// order, so the id depends only on the strings the sources gave. FNV is
/// written out here rather than taken from `std::hash`: the standard hashers
/// are randomized per process or may change between Rust releases, and an id
/// that is stored by a CRM must not.
///
/// Collisions: with 64 bits, ten million customers collide with probability
/// about 3·10⁻⁶. When a record with a smaller key joins a customer (or the
/// smallest one is erased, or the customer is split), the id changes; callers
/// that need continuity map old ids to new ones from the change notifications.
///
/// Displayed as `C` followed by 16 upper-case hex digits; parsing accepts
/// either case. Serialized as that string, because JSON readers in
/// JavaScript lose precision on integers above 2⁵³.
///
/// ```
/// use omnicanal::{Channel, CustomerId, SourceKey};
/// let store = SourceKey::new(Channel::Store, "4001234")?;
/// let web = SourceKey::new(Channel::Web, "A-1029")?;
/// let id = CustomerId::from_members(&[web.clone(), store.clone()]);
/// assert_eq!(id, CustomerId::from_members(&[store, web]));
/// assert_eq!(id.to_string().parse::<CustomerId>()?, id);
/// assert_eq!(CustomerId::from_u64(0xBEEF).to_string(), "C000000000000BEEF");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CustomerId(u64);

impl CustomerId {
    /// The id of a customer with these member records, in any order.
    ///
    /// An empty slice gives the hash of nothing (the FNV offset basis); a real
    /// customer always has at least one member.
    pub fn from_members(members: &[SourceKey]) -> Self {
        CustomerId::from_member_refs(members.iter())
    }

    /// [`from_members`](Self::from_members) over borrowed keys: no key is
    /// cloned to name a customer.
    pub fn from_member_refs<'k>(members: impl IntoIterator<Item = &'k SourceKey>) -> Self {
        let smallest = members.into_iter().min_by(|x, y| {
            (x.channel.name(), x.id.as_str()).cmp(&(y.channel.name(), y.id.as_str()))
        });
        match smallest {
            Some(key) => CustomerId::of_key(key),
            None => CustomerId(FNV_OFFSET_BASIS),
        }
    }

    /// The id of a customer whose smallest member is `key`.
    pub fn of_key(key: &SourceKey) -> Self {
        let bytes = key
            .channel
            .name()
            .bytes()
            .chain(std::iter::once(0))
            .chain(key.id.bytes());
        CustomerId(fnv1a_64(bytes))
    }

    /// An id from its numeric value (e.g. read back from a database column).
    pub const fn from_u64(value: u64) -> Self {
        CustomerId(value)
    }

    /// The numeric value.
    pub const fn as_u64(self) -> u64 {
        self.0
    }
}

/// FNV-1a, 64 bits: for each byte, xor then multiply by the prime.
fn fnv1a_64(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(FNV_OFFSET_BASIS, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
    })
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "C{:016X}", self.0)
    }
}

impl fmt::Debug for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomerId({self})")
    }
}

impl FromStr for CustomerId {
    type Err = Error;

    /// Parses `C` (or `c`) followed by exactly 16 hex digits, surrounding
    /// blanks allowed.
    fn from_str(s: &str) -> Result<Self, Error> {
        let invalid = || {
            Error::new(ErrorKind::InvalidValue {
                reason: "a customer id is C followed by 16 hex digits".into(),
            })
        };
        let digits = s
            .trim()
            .strip_prefix(['C', 'c'])
            .filter(|d| d.len() == 16 && d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(invalid)?;
        u64::from_str_radix(digits, 16)
            .map(CustomerId)
            .map_err(|_| invalid())
    }
}

impl TryFrom<String> for CustomerId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        s.parse()
    }
}

impl From<CustomerId> for String {
    fn from(id: CustomerId) -> String {
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::record::Channel;

    fn key(channel: Channel, id: &str) -> SourceKey {
        SourceKey::new(channel, id).unwrap()
    }

    #[test]
    fn fnv1a_matches_published_vectors() {
        // Test vectors of the FNV reference implementation.
        assert_eq!(fnv1a_64(*b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a_64(*b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a_64(*b"foobar"), 0x85944171f73967e8);
        assert_eq!(CustomerId::from_members(&[]).as_u64(), 0xcbf29ce484222325);
    }

    #[test]
    fn id_hashes_channel_zero_byte_and_id() {
        assert_eq!(
            CustomerId::of_key(&key(Channel::Web, "A-1029")).as_u64(),
            fnv1a_64(*b"web\0A-1029")
        );
        assert_eq!(
            CustomerId::of_key(&key(Channel::CallCentre, "77")).as_u64(),
            fnv1a_64(*b"callcentre\x0077")
        );
    }

    #[test]
    fn ids_are_pinned() {
        // Stored by CRMs: if this value changes, every customer id changes.
        assert_eq!(
            CustomerId::of_key(&key(Channel::Store, "4001234")).to_string(),
            "CBCCB4283E8F7254E"
        );
    }

    #[test]
    fn smallest_key_compares_channel_names_as_strings() {
        // "app" < "store" < "web" as strings, whatever the enum order says.
        let members = [
            key(Channel::Web, "1"),
            key(Channel::App, "zz"),
            key(Channel::Store, "0"),
        ];
        assert_eq!(
            CustomerId::from_members(&members),
            CustomerId::of_key(&key(Channel::App, "zz"))
        );
        // The zero byte keeps channel and id apart: "ab"+"c" ≠ "a"+"bc".
        assert_ne!(
            CustomerId::of_key(&key(Channel::Custom("ab".into()), "c")),
            CustomerId::of_key(&key(Channel::Custom("a".into()), "bc"))
        );
    }

    #[test]
    fn parsing_rejects_malformed_ids() {
        for bad in [
            "",
            "C",
            "C123",
            "D0123456789ABCDEF",
            "C0123456789ABCDEG",
            "C0123456789ABCDEF0",
            "C+123456789ABCDEF",
        ] {
            assert!(bad.parse::<CustomerId>().is_err(), "{bad}");
        }
        assert_eq!(
            " c00000000000000ff ".parse::<CustomerId>().unwrap(),
            CustomerId::from_u64(255)
        );
    }

    #[test]
    fn serde_uses_the_display_form() {
        let id = CustomerId::from_u64(0x0123_4567_89AB_CDEF);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"C0123456789ABCDEF\"");
        assert_eq!(serde_json::from_str::<CustomerId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<CustomerId>("\"nope\"").is_err());
    }

    fn arb_key() -> impl Strategy<Value = SourceKey> {
        (
            prop_oneof![
                Just(Channel::Store),
                Just(Channel::Web),
                Just(Channel::CallCentre),
                Just(Channel::App),
                "[a-z]{1,6}".prop_map(Channel::Custom),
            ],
            "[A-Za-z0-9-]{1,12}",
        )
            .prop_map(|(c, id)| key(c, &id))
    }

    proptest! {
        #[test]
        fn display_from_str_round_trip(v in any::<u64>()) {
            let id = CustomerId::from_u64(v);
            let shown = id.to_string();
            prop_assert_eq!(shown.len(), 17);
            prop_assert_eq!(shown.parse::<CustomerId>().unwrap(), id);
            prop_assert_eq!(shown.to_lowercase().parse::<CustomerId>().unwrap(), id);
        }

        #[test]
        fn from_str_is_total(s in ".*") {
            let _ = s.parse::<CustomerId>();
        }

        #[test]
        fn id_is_independent_of_member_order(
            (keys, shuffled) in prop::collection::vec(arb_key(), 1..8)
                .prop_flat_map(|k| (Just(k.clone()), Just(k).prop_shuffle()))
        ) {
            prop_assert_eq!(CustomerId::from_members(&keys), CustomerId::from_members(&shuffled));
        }
    }
}
