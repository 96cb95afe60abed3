//! [`Profile::write_json`]: a profile's JSON written straight into a byte
//! buffer, byte for byte what `serde_json::to_vec` writes for it.
//!
//! A batch writes a profile per customer (a million lines, over a gigabyte);
//! through serde each field goes through the serializer's state machine,
//! each timestamp through `Display` and an escaping adapter, each enum
//! through a `String` made for it (`#[serde(into = "String")]`). Here each
//! field is a few appends. The field order and the value forms follow the
//! types' `Serialize` derives in `profile/mod.rs`, `record.rs`,
//! `normalize` and `timeline/event.rs`; the tests check the bytes against
//! `serde_json` for arbitrary profiles, so a derive that changes without
//! this file fails them.

use jiff::Timestamp;
use jiff::tz::Offset;

use super::{
    Activity, AddressValue, ChannelActivity, EmailValue, IdentifierValue, LineKind, NameValue,
    PhoneValue, Profile, Provenance, Sourced,
};
use crate::normalize::PartialDate;
use crate::record::IdentifierKind;
use crate::timeline::Money;

impl Profile {
    /// Appends the profile as one JSON object (no newline) to `out`: the
    /// same bytes as `serde_json::to_vec(self)`, without serde's machinery
    /// and without allocating beyond `out`'s growth.
    ///
    /// ```
    /// use omnicanal::normalize::normalize;
    /// use omnicanal::profile::{build_profile, SurvivorshipRules};
    /// use omnicanal::{Channel, CustomerId, Record, SourceKey};
    ///
    /// let record = Record::builder(SourceKey::new(Channel::Web, "W1")?)
    ///     .full_name("Hélène Lefèvre")?
    ///     .build();
    /// let normalized = normalize(&record);
    /// let id = CustomerId::from_members(&[record.key.clone()]);
    /// let rules = SurvivorshipRules::default();
    /// let profile = build_profile(&rules, id, &[(&record, &normalized)], &[], None);
    /// let mut line = Vec::new();
    /// profile.write_json(&mut line);
    /// assert_eq!(line, serde_json::to_vec(&profile)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"customer_id\":\"");
        // `C` and hex digits: nothing to escape.
        hex_id(out, self.customer_id.as_u64());
        out.extend_from_slice(b"\",\"records\":");
        list(out, &self.records, provenance);
        out.extend_from_slice(b",\"civility\":");
        optional(out, self.civility.as_deref(), string);
        out.extend_from_slice(b",\"names\":");
        list(out, &self.names, |out, v| sourced(out, v, name));
        out.extend_from_slice(b",\"birth_dates\":");
        list(out, &self.birth_dates, |out, v| {
            sourced(out, v, partial_date)
        });
        out.extend_from_slice(b",\"phones\":");
        list(out, &self.phones, |out, v| sourced(out, v, phone));
        out.extend_from_slice(b",\"emails\":");
        list(out, &self.emails, |out, v| sourced(out, v, email));
        out.extend_from_slice(b",\"addresses\":");
        list(out, &self.addresses, |out, v| sourced(out, v, address));
        out.extend_from_slice(b",\"identifiers\":");
        list(out, &self.identifiers, |out, v| sourced(out, v, identifier));
        out.extend_from_slice(b",\"last_seen\":");
        optional(out, self.last_seen.as_ref(), write_json_timestamp);
        out.extend_from_slice(b",\"activity\":");
        activity(out, &self.activity);
        out.push(b'}');
    }
}

/// `[a,b,…]`.
fn list<T>(out: &mut Vec<u8>, items: &[T], item: impl Fn(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, value) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item(out, value);
    }
    out.push(b']');
}

/// The value, or `null`.
fn optional<T>(out: &mut Vec<u8>, value: Option<T>, some: impl Fn(&mut Vec<u8>, T)) {
    match value {
        Some(value) => some(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

fn sourced<T>(out: &mut Vec<u8>, value: &Sourced<T>, write_value: impl Fn(&mut Vec<u8>, &T)) {
    out.extend_from_slice(b"{\"value\":");
    write_value(out, &value.value);
    out.extend_from_slice(b",\"sources\":");
    list(out, &value.sources, |out, &position| integer(out, position));
    out.extend_from_slice(b",\"last_seen\":");
    optional(out, value.last_seen.as_ref(), write_json_timestamp);
    out.extend_from_slice(if value.generic {
        b",\"generic\":true}"
    } else {
        b",\"generic\":false}"
    });
}

/// Flat: the source key's fields, then `last_seen` (`#[serde(flatten)]`).
fn provenance(out: &mut Vec<u8>, provenance: &Provenance) {
    out.extend_from_slice(b"{\"channel\":");
    string(out, provenance.source.channel.name());
    out.extend_from_slice(b",\"id\":");
    string(out, &provenance.source.id);
    out.extend_from_slice(b",\"last_seen\":");
    optional(out, provenance.last_seen.as_ref(), write_json_timestamp);
    out.push(b'}');
}

fn name(out: &mut Vec<u8>, name: &NameValue) {
    out.extend_from_slice(b"{\"given_folded\":");
    string(out, &name.given_folded);
    out.extend_from_slice(b",\"family_folded\":");
    string(out, &name.family_folded);
    out.extend_from_slice(b",\"given\":");
    string(out, &name.given);
    out.extend_from_slice(b",\"family\":");
    string(out, &name.family);
    out.push(b'}');
}

fn partial_date(out: &mut Vec<u8>, date: &PartialDate) {
    out.extend_from_slice(b"{\"year\":");
    integer(out, date.year);
    out.extend_from_slice(b",\"month\":");
    optional(out, date.month, integer);
    out.extend_from_slice(b",\"day\":");
    optional(out, date.day, integer);
    out.push(b'}');
}

fn phone(out: &mut Vec<u8>, phone: &PhoneValue) {
    out.extend_from_slice(b"{\"e164\":");
    string(out, &phone.e164);
    out.extend_from_slice(match phone.kind {
        LineKind::Mobile => b",\"kind\":\"mobile\"}",
        LineKind::Landline => b",\"kind\":\"landline\"}",
        LineKind::Other => b",\"kind\":\"other\"}",
    });
}

fn email(out: &mut Vec<u8>, email: &EmailValue) {
    out.extend_from_slice(b"{\"normalized\":");
    string(out, &email.normalized);
    out.extend_from_slice(b",\"address\":");
    string(out, &email.address);
    out.push(b'}');
}

fn address(out: &mut Vec<u8>, address: &AddressValue) {
    out.extend_from_slice(b"{\"postcode\":");
    optional(out, address.postcode.as_deref(), string);
    out.extend_from_slice(b",\"city\":");
    optional(out, address.city.as_deref(), string);
    out.extend_from_slice(b",\"street\":");
    optional(out, address.street.as_deref(), string);
    out.extend_from_slice(b",\"number\":");
    optional(out, address.number, integer);
    out.extend_from_slice(b",\"number_suffix\":");
    optional(out, address.number_suffix.as_deref(), string);
    out.extend_from_slice(b",\"country\":");
    optional(out, address.country, |out, c| string(out, c.as_str()));
    out.push(b'}');
}

fn identifier(out: &mut Vec<u8>, identifier: &IdentifierValue) {
    out.extend_from_slice(b"{\"kind\":");
    // Externally tagged, as serde derives enums: unit variants by name,
    // `Named` as a one-entry object.
    match &identifier.kind {
        IdentifierKind::LoyaltyCard => out.extend_from_slice(b"\"loyalty_card\""),
        IdentifierKind::AccountId => out.extend_from_slice(b"\"account_id\""),
        IdentifierKind::AppUserId => out.extend_from_slice(b"\"app_user_id\""),
        IdentifierKind::DeviceId => out.extend_from_slice(b"\"device_id\""),
        IdentifierKind::Named(name) => {
            out.extend_from_slice(b"{\"named\":");
            string(out, name);
            out.push(b'}');
        }
    }
    out.extend_from_slice(b",\"value\":");
    string(out, &identifier.value);
    out.push(b'}');
}

fn activity(out: &mut Vec<u8>, activity: &Activity) {
    out.extend_from_slice(b"{\"events\":");
    integer(out, activity.events);
    out.extend_from_slice(b",\"first_interaction\":");
    optional(
        out,
        activity.first_interaction.as_ref(),
        write_json_timestamp,
    );
    out.extend_from_slice(b",\"last_interaction\":");
    optional(
        out,
        activity.last_interaction.as_ref(),
        write_json_timestamp,
    );
    out.extend_from_slice(b",\"channels\":");
    list(out, &activity.channels, channel_activity);
    out.push(b'}');
}

fn channel_activity(out: &mut Vec<u8>, channel: &ChannelActivity) {
    out.extend_from_slice(b"{\"channel\":");
    string(out, channel.channel.name());
    out.extend_from_slice(b",\"events\":");
    integer(out, channel.events);
    out.extend_from_slice(b",\"first\":");
    optional(out, channel.first.as_ref(), write_json_timestamp);
    out.extend_from_slice(b",\"last\":");
    optional(out, channel.last.as_ref(), write_json_timestamp);
    out.extend_from_slice(b",\"spend\":");
    list(out, &channel.spend, money);
    out.push(b'}');
}

fn money(out: &mut Vec<u8>, money: &Money) {
    out.extend_from_slice(b"{\"minor\":");
    integer(out, money.minor);
    out.extend_from_slice(b",\"currency\":");
    string(out, money.currency.as_str());
    out.push(b'}');
}

/// An integer as serde_json writes it (both use `itoa`).
fn integer(out: &mut Vec<u8>, value: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// `C` and 16 upper-case hex digits: `CustomerId`'s `Display`, which its
/// serialization uses.
fn hex_id(out: &mut Vec<u8>, id: u64) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut text = [b'C'; 17];
    for (i, digit) in text[1..].iter_mut().enumerate() {
        *digit = DIGITS[((id >> (60 - 4 * i)) & 0xF) as usize];
    }
    out.extend_from_slice(&text);
}

/// A JSON string, escaped as serde_json escapes: `"`, `\` and the control
/// characters below U+0020 (the usual ones by their short form, the others
/// as `\u00XX` in lower case); everything else, non-ASCII included, as is.
pub(crate) fn string(out: &mut Vec<u8>, value: &str) {
    out.reserve(value.len() + 2);
    out.push(b'"');
    let bytes = value.as_bytes();
    let mut run_start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0C => b"\\f",
            b'\r' => b"\\r",
            0x00..=0x1F => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[run_start..i]);
        run_start = i + 1;
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xF)]);
        } else {
            out.extend_from_slice(escape);
        }
    }
    out.extend_from_slice(&bytes[run_start..]);
    out.push(b'"');
}

/// Appends a timestamp as serde_json writes it: RFC 3339 in UTC
/// (`"2024-03-01T10:00:00Z"`, jiff's `Display`) in quotes. Whole seconds of
/// years 0 to 9999 — every timestamp of a real export — are written digit
/// by digit, several times faster than `Display`; the rest (fractions of a
/// second, years before 0) go through `Display`. For writers of JSON lines
/// that hold many timestamps (a timeline's events).
///
/// ```
/// let at: jiff::Timestamp = "2024-03-01T10:00:00Z".parse()?;
/// let mut out = Vec::new();
/// omnicanal::profile::write_json_timestamp(&mut out, &at);
/// assert_eq!(out, serde_json::to_vec(&at)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_json_timestamp(out: &mut Vec<u8>, at: &Timestamp) {
    let dt = Offset::UTC.to_datetime(*at);
    if at.subsec_nanosecond() != 0 || dt.year() < 0 {
        use std::io::Write as _;
        // Writing into a `Vec` cannot fail.
        let _ = write!(out, "\"{at}\"");
        return;
    }
    let year = dt.year().unsigned_abs();
    let two = |n: i8| {
        let n = n.unsigned_abs();
        [b'0' + n / 10, b'0' + n % 10]
    };
    let [mo0, mo1] = two(dt.month());
    let [d0, d1] = two(dt.day());
    let [h0, h1] = two(dt.hour());
    let [mi0, mi1] = two(dt.minute());
    let [s0, s1] = two(dt.second());
    let digit = |n: u16| b'0' + (n % 10) as u8;
    out.extend_from_slice(&[
        b'"',
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        mo0,
        mo1,
        b'-',
        d0,
        d1,
        b'T',
        h0,
        h1,
        b':',
        mi0,
        mi1,
        b':',
        s0,
        s1,
        b'Z',
        b'"',
    ]);
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::cluster::CustomerId;
    use crate::normalize::Region;
    use crate::record::{Channel, SourceKey};
    use crate::timeline::Currency;

    /// Text with the characters JSON escapes, accents and wide characters.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                4 => proptest::char::range('a', 'z'),
                1 => proptest::sample::select(vec![
                    '"', '\\', '\n', '\r', '\t', '\u{8}', '\u{c}', '\u{0}', '\u{1f}', '\u{7f}',
                    'é', 'È', 'ß', '€', '😀', '/', ' ',
                ]),
                1 => any::<char>(),
            ],
            0..12,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    fn instant() -> impl Strategy<Value = Timestamp> {
        prop_oneof![
            // Whole seconds around today, as exports have them.
            4 => (0i64..2_000_000_000).prop_map(|s| Timestamp::from_second(s).unwrap_or_default()),
            // Anywhere in jiff's range, with fractions of a second.
            1 => (
                Timestamp::MIN.as_second()..=Timestamp::MAX.as_second(),
                0i32..1_000_000_000
            )
                .prop_map(|(s, n)| Timestamp::new(s, n).unwrap_or_default()),
        ]
    }

    fn channel() -> impl Strategy<Value = Channel> {
        prop_oneof![
            Just(Channel::Store),
            Just(Channel::Web),
            Just(Channel::CallCentre),
            Just(Channel::App),
            "[a-z][a-z0-9._-]{0,8}".prop_map(Channel::Custom),
        ]
    }

    fn source_key() -> impl Strategy<Value = SourceKey> {
        (channel(), text()).prop_map(|(channel, id)| SourceKey {
            channel,
            id: id.into(),
        })
    }

    fn provenance() -> impl Strategy<Value = Provenance> {
        (source_key(), proptest::option::of(instant()))
            .prop_map(|(source, last_seen)| Provenance { source, last_seen })
    }

    fn sourced<T: std::fmt::Debug>(
        value: impl Strategy<Value = T>,
    ) -> impl Strategy<Value = Sourced<T>> {
        (
            value,
            // Positions need not be in range for the bytes to agree.
            proptest::collection::vec(any::<u32>(), 0..3),
            proptest::option::of(instant()),
            any::<bool>(),
        )
            .prop_map(|(value, sources, last_seen, generic)| Sourced {
                value,
                sources,
                last_seen,
                generic,
            })
    }

    fn currency() -> impl Strategy<Value = Currency> {
        "[A-Z]{3}".prop_map(|code| code.parse().unwrap_or(Currency::EUR))
    }

    fn activity() -> impl Strategy<Value = Activity> {
        let channel_activity = (
            channel(),
            any::<u64>(),
            proptest::option::of(instant()),
            proptest::option::of(instant()),
            proptest::collection::vec(
                (any::<i64>(), currency()).prop_map(|(minor, currency)| Money { minor, currency }),
                0..3,
            ),
        )
            .prop_map(|(channel, events, first, last, spend)| ChannelActivity {
                channel,
                events,
                first,
                last,
                spend,
            });
        (
            any::<u64>(),
            proptest::option::of(instant()),
            proptest::option::of(instant()),
            proptest::collection::vec(channel_activity, 0..3),
        )
            .prop_map(
                |(events, first_interaction, last_interaction, channels)| Activity {
                    events,
                    first_interaction,
                    last_interaction,
                    channels,
                },
            )
    }

    fn profile() -> impl Strategy<Value = Profile> {
        let name = (text(), text(), text(), text()).prop_map(|(a, b, c, d)| NameValue {
            given_folded: a,
            family_folded: b,
            given: c,
            family: d,
        });
        let date = (
            any::<u16>(),
            proptest::option::of(any::<u8>()),
            proptest::option::of(any::<u8>()),
        )
            .prop_map(|(year, month, day)| PartialDate { year, month, day });
        let phone = (
            text(),
            prop_oneof![
                Just(LineKind::Mobile),
                Just(LineKind::Landline),
                Just(LineKind::Other)
            ],
        )
            .prop_map(|(e164, kind)| PhoneValue { e164, kind });
        let email = (text(), text()).prop_map(|(normalized, address)| EmailValue {
            normalized,
            address,
        });
        let address = (
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(any::<u32>()),
            proptest::option::of(text()),
            proptest::option::of(
                "[A-Z]{2}".prop_map(|code| code.parse::<Region>().unwrap_or_default()),
            ),
        )
            .prop_map(
                |(postcode, city, street, number, number_suffix, country)| AddressValue {
                    postcode,
                    city,
                    street,
                    number,
                    number_suffix,
                    country,
                },
            );
        let identifier = (
            prop_oneof![
                Just(IdentifierKind::LoyaltyCard),
                Just(IdentifierKind::AccountId),
                Just(IdentifierKind::AppUserId),
                Just(IdentifierKind::DeviceId),
                text().prop_map(IdentifierKind::Named),
            ],
            text(),
        )
            .prop_map(|(kind, value)| IdentifierValue { kind, value });
        let values = (
            proptest::collection::vec(sourced(name), 0..3),
            proptest::collection::vec(sourced(date), 0..3),
            proptest::collection::vec(sourced(phone), 0..3),
            proptest::collection::vec(sourced(email), 0..3),
            proptest::collection::vec(sourced(address), 0..3),
            proptest::collection::vec(sourced(identifier), 0..3),
        );
        (
            any::<u64>(),
            proptest::collection::vec(provenance(), 0..4),
            proptest::option::of(text()),
            values,
            proptest::option::of(instant()),
            activity(),
        )
            .prop_map(
                |(
                    id,
                    records,
                    civility,
                    (names, birth_dates, phones, emails, addresses, identifiers),
                    last_seen,
                    activity,
                )| Profile {
                    customer_id: CustomerId::from_u64(id),
                    records,
                    civility,
                    names,
                    birth_dates,
                    phones,
                    emails,
                    addresses,
                    identifiers,
                    last_seen,
                    activity,
                },
            )
    }

    proptest! {
        /// The law: the bytes serde_json writes, and valid JSON.
        #[test]
        fn write_json_is_serde_json(profile in profile()) {
            let mut bytes = Vec::new();
            profile.write_json(&mut bytes);
            let expected = serde_json::to_vec(&profile).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&bytes, &expected);
            let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&bytes);
            prop_assert!(parsed.is_ok());
        }

        /// `profiles.jsonl` reads back: the flattened records included.
        #[test]
        fn written_profiles_read_back_equal(profile in profile()) {
            let mut bytes = Vec::new();
            profile.write_json(&mut bytes);
            let read: Profile = serde_json::from_slice(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(read, profile);
        }

        #[test]
        fn strings_are_escaped_as_serde_json_escapes(value in text()) {
            let mut bytes = vec![b'x'];
            string(&mut bytes, &value);
            let expected = serde_json::to_vec(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&bytes[1..], &expected[..]);
        }

        #[test]
        fn timestamps_are_written_as_serde_json_writes_them(at in instant()) {
            let mut bytes = Vec::new();
            write_json_timestamp(&mut bytes, &at);
            let expected = serde_json::to_vec(&at).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(bytes, expected);
        }
    }

    #[test]
    fn every_control_character_is_escaped_as_serde_json_escapes() {
        for byte in 0u8..=0x7F {
            let value = char::from(byte).to_string();
            let mut bytes = Vec::new();
            string(&mut bytes, &value);
            assert_eq!(bytes, serde_json::to_vec(&value).unwrap(), "byte {byte:#x}");
        }
    }

    #[test]
    fn the_extreme_timestamps_are_written_as_serde_json_writes_them() {
        for at in [Timestamp::MIN, Timestamp::MAX, Timestamp::UNIX_EPOCH] {
            let mut bytes = Vec::new();
            write_json_timestamp(&mut bytes, &at);
            assert_eq!(bytes, serde_json::to_vec(&at).unwrap());
        }
    }
}
