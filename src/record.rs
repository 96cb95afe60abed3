//! The record model: one row of one source system, as that system had it.
//!
//! A [`Record`] holds raw text: parsing a date or a phone number depends on
//! per-source options (day/month order, default region) that belong to
//! [`normalize`](crate::normalize), so the record keeps what the source said and
//! the normalized form is derived from it. Every field but the [`SourceKey`] is
//! optional, and the contact fields are multi-valued.
//!
//! `Debug` on a record prints its source key and which fields are filled, never
//! their values: records are personal data and debug output ends up in logs.

use std::fmt;
use std::str::FromStr;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// The longest field value a record accepts, in bytes. Real names, streets and
/// emails are far shorter; a longer value is a broken export (a whole row in one
/// cell), and refusing it keeps every later stage's cost bounded.
pub const MAX_FIELD_BYTES: usize = 1024;

/// The longest source id a record accepts, in bytes.
pub const MAX_SOURCE_ID_BYTES: usize = 256;

/// The system a record or an event came from.
///
/// Serialized as its lowercase name: `store`, `web`, `callcentre`, `app`, or the
/// custom name.
///
/// ```
/// use omnicanal::Channel;
/// assert_eq!("store".parse::<Channel>()?, Channel::Store);
/// assert_eq!("call-centre".parse::<Channel>()?, Channel::CallCentre);
/// assert_eq!("Marketplace".parse::<Channel>()?, Channel::Custom("marketplace".into()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Channel {
    /// Physical stores: the loyalty-card database.
    Store,
    /// The web shop's customer accounts.
    Web,
    /// The call centre's contacts.
    CallCentre,
    /// The mobile app's users.
    App,
    /// Any other system, by its lowercase name.
    Custom(String),
}

impl Channel {
    /// The channel's canonical name.
    pub fn name(&self) -> &str {
        match self {
            Channel::Store => "store",
            Channel::Web => "web",
            Channel::CallCentre => "callcentre",
            Channel::App => "app",
            Channel::Custom(name) => name,
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Channel {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let name = s.trim().to_ascii_lowercase();
        Ok(match name.as_str() {
            "store" | "stores" | "magasin" | "loyalty" => Channel::Store,
            "web" | "ecommerce" | "e-commerce" | "online" => Channel::Web,
            "callcentre" | "call-centre" | "callcenter" | "call-center" | "call_centre" => {
                Channel::CallCentre
            }
            "app" | "mobile" => Channel::App,
            _ => {
                let valid = !name.is_empty()
                    && name.len() <= 64
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
                if !valid {
                    return Err(Error::new(ErrorKind::InvalidChannel));
                }
                Channel::Custom(name)
            }
        })
    }
}

impl TryFrom<String> for Channel {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<Channel> for String {
    fn from(c: Channel) -> String {
        c.name().to_owned()
    }
}

/// A record's identity: the channel plus the source system's own id. Unique
/// across all inputs. Displayed as `channel:id`.
///
/// ```
/// use omnicanal::{Channel, SourceKey};
/// let key = SourceKey::new(Channel::Web, "A-1029")?;
/// assert_eq!(key.to_string(), "web:A-1029");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceKey {
    /// The system the record came from.
    pub channel: Channel,
    /// The record's id in that system. Source ids are short (a loyalty
    /// number, `A-1029`): up to 24 bytes they are held inline, so a key and
    /// its clones in normalized records, blocks and clusters cost no
    /// allocation.
    pub id: CompactString,
}

impl SourceKey {
    /// A source key; the id is trimmed and must be non-empty, at most
    /// [`MAX_SOURCE_ID_BYTES`] long and free of control characters.
    pub fn new(channel: Channel, id: impl AsRef<str>) -> Result<Self> {
        let id = id.as_ref().trim();
        if id.is_empty() || id.len() > MAX_SOURCE_ID_BYTES || id.chars().any(char::is_control) {
            return Err(Error::new(ErrorKind::InvalidSourceKey));
        }
        Ok(SourceKey {
            channel,
            id: CompactString::new(id),
        })
    }
}

impl fmt::Display for SourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.channel, self.id)
    }
}

impl fmt::Debug for SourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SourceKey({self})")
    }
}

/// The dense index of a record inside one resolution run: the position of the
/// record in the slice handed to the resolver. Not stable across runs; use
/// [`SourceKey`] for that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordId(pub u32);

impl RecordId {
    /// The index as a `usize`, for slice access.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The kind of an identifier a source system assigns to its customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// A store loyalty-card number.
    LoyaltyCard,
    /// A web-shop account id.
    AccountId,
    /// A mobile-app user id.
    AppUserId,
    /// A device id (weak: devices are shared in a household).
    DeviceId,
    /// Any other identifier, by name (`identifier.<name>` in field names).
    Named(String),
}

/// An identifier value with its kind.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Identifier {
    /// What the identifier is.
    pub kind: IdentifierKind,
    /// The value as the source had it.
    pub value: String,
}

impl fmt::Debug for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identifier({:?}, ..)", self.kind)
    }
}

/// A postal address as the source had it.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    /// House number and street, in one line (`12 bis r. de la Paix`).
    pub street: Option<String>,
    /// Postcode as typed (`75011`, `1000`).
    pub postcode: Option<String>,
    /// Commune or city (`St-Denis CEDEX`, `Paris 11e`).
    pub city: Option<String>,
    /// Country name or code; the source's default region when absent.
    pub country: Option<String>,
}

impl Address {
    /// True when no component is filled.
    pub fn is_empty(&self) -> bool {
        self.street.is_none()
            && self.postcode.is_none()
            && self.city.is_none()
            && self.country.is_none()
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Address")
            .field("street", &self.street.is_some())
            .field("postcode", &self.postcode.is_some())
            .field("city", &self.city.is_some())
            .field("country", &self.country.is_some())
            .finish()
    }
}

/// One customer record of one source system, as raw text.
///
/// Build it with [`Record::builder`]; the fields are public so that a caller
/// can also fill one directly.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The record's identity.
    pub key: SourceKey,
    /// Civility as typed (`Mme`, `M.`, `Monsieur`), when the source keeps it apart.
    pub civility: Option<String>,
    /// Given names, one value per source field (`Jean-François`, `Marie Claire`).
    pub given_names: Vec<String>,
    /// Family names (`DUPONT`, `de la Fontaine`); a birth name and a married name may both appear.
    pub family_names: Vec<String>,
    /// Full names, for systems that keep the whole name in one field (`Mme Dupont Marie`).
    pub full_names: Vec<String>,
    /// Birth date as typed; its day/month order is a normalization option.
    pub birth_date: Option<String>,
    /// Birth year alone, for systems that only ask for it.
    pub birth_year: Option<String>,
    /// Email addresses.
    pub emails: Vec<String>,
    /// Phone numbers, in any national or international format.
    pub phones: Vec<String>,
    /// Postal addresses, current first when the source knows it.
    pub addresses: Vec<Address>,
    /// Identifiers the source system assigned.
    pub identifiers: Vec<Identifier>,
    /// When the source created the record, as typed.
    pub created_at: Option<String>,
    /// When the source last updated the record, as typed.
    pub updated_at: Option<String>,
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Counts only: a record's values are personal data.
        f.debug_struct("Record")
            .field("key", &self.key)
            .field("given_names", &self.given_names.len())
            .field("family_names", &self.family_names.len())
            .field("full_names", &self.full_names.len())
            .field("birth_date", &self.birth_date.is_some())
            .field("birth_year", &self.birth_year.is_some())
            .field("emails", &self.emails.len())
            .field("phones", &self.phones.len())
            .field("addresses", &self.addresses.len())
            .field("identifiers", &self.identifiers.len())
            .finish_non_exhaustive()
    }
}

impl Record {
    /// An empty record for this key.
    pub fn new(key: SourceKey) -> Self {
        Record {
            key,
            civility: None,
            given_names: Vec::new(),
            family_names: Vec::new(),
            full_names: Vec::new(),
            birth_date: None,
            birth_year: None,
            emails: Vec::new(),
            phones: Vec::new(),
            addresses: Vec::new(),
            identifiers: Vec::new(),
            created_at: None,
            updated_at: None,
        }
    }

    /// A builder for a record with this key.
    ///
    /// ```
    /// use omnicanal::{Channel, Record, SourceKey};
    /// let record = Record::builder(SourceKey::new(Channel::Store, "4001234")?)
    ///     .full_name("DUPONT Marie")?
    ///     .phone("06.12.34.56.78")?
    ///     .set("postcode", "75011")?
    ///     .set("identifier.siret", "  ")? // blank values are skipped
    ///     .build();
    /// assert_eq!(record.phones, ["06.12.34.56.78"]);
    /// assert_eq!(record.addresses[0].postcode.as_deref(), Some("75011"));
    /// assert!(record.identifiers.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(key: SourceKey) -> RecordBuilder {
        RecordBuilder {
            record: Record::new(key),
        }
    }
}

/// A canonical field name, as used by job files and [`RecordBuilder::set`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Field {
    /// `civility`
    Civility,
    /// `given_name`
    GivenName,
    /// `family_name`
    FamilyName,
    /// `full_name`
    FullName,
    /// `birth_date`
    BirthDate,
    /// `birth_year`
    BirthYear,
    /// `email`
    Email,
    /// `phone`
    Phone,
    /// `street`
    Street,
    /// `postcode`
    Postcode,
    /// `city`
    City,
    /// `country`
    Country,
    /// `loyalty_card`
    LoyaltyCard,
    /// `account_id`
    AccountId,
    /// `app_user_id`
    AppUserId,
    /// `device_id`
    DeviceId,
    /// `identifier.<name>`
    Identifier,
    /// `created_at`
    CreatedAt,
    /// `updated_at`
    UpdatedAt,
}

impl Field {
    /// Every field, in canonical order.
    pub const ALL: [Field; 19] = [
        Field::Civility,
        Field::GivenName,
        Field::FamilyName,
        Field::FullName,
        Field::BirthDate,
        Field::BirthYear,
        Field::Email,
        Field::Phone,
        Field::Street,
        Field::Postcode,
        Field::City,
        Field::Country,
        Field::LoyaltyCard,
        Field::AccountId,
        Field::AppUserId,
        Field::DeviceId,
        Field::Identifier,
        Field::CreatedAt,
        Field::UpdatedAt,
    ];

    /// The canonical name (`identifier` for named identifiers).
    pub fn name(self) -> &'static str {
        match self {
            Field::Civility => "civility",
            Field::GivenName => "given_name",
            Field::FamilyName => "family_name",
            Field::FullName => "full_name",
            Field::BirthDate => "birth_date",
            Field::BirthYear => "birth_year",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Street => "street",
            Field::Postcode => "postcode",
            Field::City => "city",
            Field::Country => "country",
            Field::LoyaltyCard => "loyalty_card",
            Field::AccountId => "account_id",
            Field::AppUserId => "app_user_id",
            Field::DeviceId => "device_id",
            Field::Identifier => "identifier",
            Field::CreatedAt => "created_at",
            Field::UpdatedAt => "updated_at",
        }
    }

    /// Parses a canonical name. `identifier.<name>` gives [`Field::Identifier`]
    /// and the identifier's name.
    ///
    /// ```
    /// use omnicanal::Field;
    /// assert_eq!(Field::parse("postcode")?, (Field::Postcode, None));
    /// assert_eq!(Field::parse("identifier.siret")?, (Field::Identifier, Some("siret")));
    /// assert!(Field::parse("zip").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(name: &str) -> Result<(Field, Option<&str>)> {
        if let Some(ident) = name.strip_prefix("identifier.") {
            if ident.is_empty() {
                return Err(unknown_field(name));
            }
            return Ok((Field::Identifier, Some(ident)));
        }
        Field::ALL
            .iter()
            .find(|f| f.name() == name && **f != Field::Identifier)
            .map(|f| (*f, None))
            .ok_or_else(|| unknown_field(name))
    }
}

fn unknown_field(name: &str) -> Error {
    Error::new(ErrorKind::UnknownField {
        name: name.chars().take(64).collect(),
    })
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Fills a [`Record`] field by field from any schema.
///
/// Values are trimmed; blank values are skipped, so a mapping can feed empty
/// cells without checks. A value over [`MAX_FIELD_BYTES`] is refused with an
/// error naming the field. Address components fill the current address and
/// start a new one when the component is already set, so `street, postcode,
/// street, postcode` gives two addresses.
#[derive(Debug, Clone)]
pub struct RecordBuilder {
    record: Record,
}

macro_rules! push_methods {
    ($($(#[$doc:meta])* $method:ident => $field:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $method(&mut self, value: impl AsRef<str>) -> Result<&mut Self> {
                self.push(($field, None), value.as_ref())
            }
        )*
    };
}

impl RecordBuilder {
    push_methods! {
        /// Sets the civility.
        civility => Field::Civility;
        /// Adds a given name.
        given_name => Field::GivenName;
        /// Adds a family name.
        family_name => Field::FamilyName;
        /// Adds a full name (family and given names in one field, any order).
        full_name => Field::FullName;
        /// Sets the birth date as typed.
        birth_date => Field::BirthDate;
        /// Sets the birth year.
        birth_year => Field::BirthYear;
        /// Adds an email address.
        email => Field::Email;
        /// Adds a phone number.
        phone => Field::Phone;
        /// Sets the current address's street line.
        street => Field::Street;
        /// Sets the current address's postcode.
        postcode => Field::Postcode;
        /// Sets the current address's city.
        city => Field::City;
        /// Sets the current address's country.
        country => Field::Country;
        /// Adds a loyalty-card number.
        loyalty_card => Field::LoyaltyCard;
        /// Adds a web account id.
        account_id => Field::AccountId;
        /// Adds an app user id.
        app_user_id => Field::AppUserId;
        /// Adds a device id.
        device_id => Field::DeviceId;
        /// Sets the creation time as typed.
        created_at => Field::CreatedAt;
        /// Sets the last-update time as typed.
        updated_at => Field::UpdatedAt;
    }

    /// Sets a field by its canonical name (see [`Field::parse`]).
    pub fn set(&mut self, field_name: &str, value: impl AsRef<str>) -> Result<&mut Self> {
        let field = Field::parse(field_name)?;
        self.push(field, value.as_ref())
    }

    /// Sets a field.
    pub fn set_field(&mut self, field: Field, value: impl AsRef<str>) -> Result<&mut Self> {
        if field == Field::Identifier {
            return Err(unknown_field("identifier").in_field(field));
        }
        self.push((field, None), value.as_ref())
    }

    /// Adds a named identifier (`identifier.<name>`).
    pub fn identifier(&mut self, name: &str, value: impl AsRef<str>) -> Result<&mut Self> {
        self.push((Field::Identifier, Some(name)), value.as_ref())
    }

    /// Adds a whole address; blank components are dropped.
    pub fn address(&mut self, address: Address) -> &mut Self {
        let clean = |v: Option<String>| {
            // Readers hand components trimmed already: kept, not copied.
            v.map(|s| match s.trim() {
                trimmed if trimmed.len() == s.len() => s,
                trimmed => trimmed.to_owned(),
            })
            .filter(|s| !s.is_empty() && s.len() <= MAX_FIELD_BYTES)
        };
        let address = Address {
            street: clean(address.street),
            postcode: clean(address.postcode),
            city: clean(address.city),
            country: clean(address.country),
        };
        if !address.is_empty() {
            self.record.addresses.push(address);
        }
        self
    }

    /// The record built so far.
    pub fn build(&mut self) -> Record {
        self.record.clone()
    }

    /// The record, consuming the builder.
    pub fn into_record(self) -> Record {
        self.record
    }

    fn push(&mut self, (field, ident): (Field, Option<&str>), value: &str) -> Result<&mut Self> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(self);
        }
        if value.len() > MAX_FIELD_BYTES {
            return Err(Error::new(ErrorKind::InvalidValue {
                reason: format!("longer than {MAX_FIELD_BYTES} bytes"),
            })
            .in_field(field)
            .for_record(self.record.key.clone()));
        }
        let value = value.to_owned();
        let r = &mut self.record;
        match field {
            Field::Civility => r.civility = Some(value),
            Field::GivenName => r.given_names.push(value),
            Field::FamilyName => r.family_names.push(value),
            Field::FullName => r.full_names.push(value),
            Field::BirthDate => r.birth_date = Some(value),
            Field::BirthYear => r.birth_year = Some(value),
            Field::Email => r.emails.push(value),
            Field::Phone => r.phones.push(value),
            Field::Street => *address_slot(&mut r.addresses, |a| &mut a.street) = Some(value),
            Field::Postcode => *address_slot(&mut r.addresses, |a| &mut a.postcode) = Some(value),
            Field::City => *address_slot(&mut r.addresses, |a| &mut a.city) = Some(value),
            Field::Country => *address_slot(&mut r.addresses, |a| &mut a.country) = Some(value),
            Field::LoyaltyCard => push_identifier(r, IdentifierKind::LoyaltyCard, value),
            Field::AccountId => push_identifier(r, IdentifierKind::AccountId, value),
            Field::AppUserId => push_identifier(r, IdentifierKind::AppUserId, value),
            Field::DeviceId => push_identifier(r, IdentifierKind::DeviceId, value),
            Field::Identifier => {
                let name = ident.unwrap_or_default().trim().to_ascii_lowercase();
                if name.is_empty() {
                    return Err(unknown_field("identifier."));
                }
                push_identifier(r, IdentifierKind::Named(name), value)
            }
            Field::CreatedAt => r.created_at = Some(value),
            Field::UpdatedAt => r.updated_at = Some(value),
        }
        Ok(self)
    }
}

fn push_identifier(record: &mut Record, kind: IdentifierKind, value: String) {
    record.identifiers.push(Identifier { kind, value });
}

/// The slot of the current address for one component, starting a new address
/// when the current one already has that component.
fn address_slot(
    addresses: &mut Vec<Address>,
    component: impl Fn(&mut Address) -> &mut Option<String>,
) -> &mut Option<String> {
    let needs_new = match addresses.last_mut() {
        Some(last) => component(last).is_some(),
        None => true,
    };
    if needs_new {
        addresses.push(Address::default());
    }
    let last = addresses.len() - 1;
    component(&mut addresses[last])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SourceKey {
        SourceKey::new(Channel::Store, "1").unwrap()
    }

    #[test]
    fn address_components_start_a_new_address_when_repeated() {
        let r = Record::builder(key())
            .street("1 rue A")
            .unwrap()
            .postcode("75011")
            .unwrap()
            .street("2 rue B")
            .unwrap()
            .city("Lyon")
            .unwrap()
            .build();
        assert_eq!(r.addresses.len(), 2);
        assert_eq!(r.addresses[0].postcode.as_deref(), Some("75011"));
        assert_eq!(r.addresses[1].city.as_deref(), Some("Lyon"));
    }

    #[test]
    fn overlong_value_is_refused_naming_the_field_not_the_value() {
        let long = "x".repeat(MAX_FIELD_BYTES + 1);
        let err = Record::builder(key()).email(&long).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("field email"), "{msg}");
        assert!(!msg.contains("xxxx"), "{msg}");
        assert_eq!(err.source_key(), Some(&key()));
    }

    #[test]
    fn debug_hides_values() {
        let r = Record::builder(key())
            .full_name("DUPONT Marie")
            .unwrap()
            .email("marie@example.fr")
            .unwrap()
            .build();
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("DUPONT") && !dbg.contains("marie@"), "{dbg}");
    }

    #[test]
    fn every_canonical_name_round_trips() {
        for f in Field::ALL {
            if f != Field::Identifier {
                assert_eq!(Field::parse(f.name()).unwrap(), (f, None));
            }
        }
        assert!(Field::parse("identifier.").is_err());
        assert!(Field::parse("identifier").is_err());
    }

    #[test]
    fn channel_and_source_key_validation() {
        assert!("".parse::<Channel>().is_err());
        assert!("a b".parse::<Channel>().is_err());
        assert!(SourceKey::new(Channel::Web, "  ").is_err());
        assert!(SourceKey::new(Channel::Web, "a\u{0}b").is_err());
        let c: Channel = serde_json::from_str("\"callcentre\"").unwrap();
        assert_eq!(c, Channel::CallCentre);
        assert_eq!(serde_json::to_string(&Channel::App).unwrap(), "\"app\"");
    }
}
