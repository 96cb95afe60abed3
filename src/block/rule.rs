//! Blocking rules: plain data describing which values two records must share
//! to be compared at all.
//!
//! A [`BlockingRule`] is a list of [`KeyPart`]s. A record's keys under a rule are
//! every combination of the parts' values: parts that read the same kind of
//! element (a name, an address) take their values from the *same* element, so
//! `[GivenInitial, FamilyName]` pairs each given name with its own family name
//! and never with the family name of another name of the record; parts that
//! read different elements combine in every way (an email rule on a record
//! with two emails gives two keys). A combination in which any part has no
//! value gives no key: a rule only blocks records that fill every part.

use serde::{Deserialize, Serialize};

use crate::record::IdentifierKind;

/// The position of a rule in its rule set. Earlier rules win: a pair found by
/// several rules is attributed to the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RuleId(pub u8);

impl RuleId {
    /// The index as a `usize`, for slice access.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// One value a blocking key is made of.
///
/// Serialized in snake case: `"email"`, `{"identifier": "loyalty_card"}`,
/// `{"family_prefix": 3}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeyPart {
    /// An identifying email, with provider rules applied
    /// ([`Email::normalized`](crate::normalize::Email::normalized)).
    /// Placeholders and generic emails give no value.
    Email,
    /// A phone in E.164. Generic phones give no value.
    Phone,
    /// An identifier of this kind. Generic identifier values give no value.
    Identifier(IdentifierKind),
    /// A family name, folded, without particles (name element).
    FamilyName,
    /// The French phonetic key of a family name (name element).
    FamilyPhonetic,
    /// The first letters of a family name, spaces removed (name element).
    FamilyPrefix(u8),
    /// The first canonical given name (`jean francois` → `jean`, name element).
    GivenName,
    /// The French phonetic key of the first canonical given name (name element).
    GivenPhonetic,
    /// The initial of the first given name (name element).
    GivenInitial,
    /// The phonetic keys of the family name and the first given name, in
    /// sorted order (name element): `DUPONT Marie` and `Marie Dupont` typed
    /// into the wrong fields give the same value, and so does a typo that
    /// keeps the sound (`Guilaume`).
    NamePhonetics,
    /// A full birth date: year, month and day all known.
    BirthDate,
    /// The birth year, from a full or partial date.
    BirthYear,
    /// An address's postcode (address element).
    Postcode,
    /// An address's département, the postcode's first two digits (three
    /// overseas: `974`) (address element): a region wide enough to hold most
    /// moves, narrow enough to split a name or a birth date 100 ways.
    Department,
    /// An address's commune (address element).
    City,
    /// A street-level address: number, suffix, street and postcode or commune
    /// (address element). Generic addresses give no value.
    Address,
}

/// Which element of a record a part reads; parts with the same source in a
/// rule read the same element.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum PartSource {
    Name,
    Birth,
    Address,
    Email,
    Phone,
    Identifier(IdentifierKind),
}

impl KeyPart {
    pub(crate) fn source(&self) -> PartSource {
        match self {
            KeyPart::FamilyName
            | KeyPart::FamilyPhonetic
            | KeyPart::FamilyPrefix(_)
            | KeyPart::GivenName
            | KeyPart::GivenPhonetic
            | KeyPart::GivenInitial
            | KeyPart::NamePhonetics => PartSource::Name,
            KeyPart::BirthDate | KeyPart::BirthYear => PartSource::Birth,
            KeyPart::Postcode | KeyPart::Department | KeyPart::City | KeyPart::Address => {
                PartSource::Address
            }
            KeyPart::Email => PartSource::Email,
            KeyPart::Phone => PartSource::Phone,
            KeyPart::Identifier(kind) => PartSource::Identifier(kind.clone()),
        }
    }
}

/// The block-size cap of the default rule keyed on names alone
/// (`given_family`). A name shared by more than this many records is shared
/// by strangers: such a block's pairs would mostly be namesakes, which the
/// scores reject anyway, at a cost quadratic in the block's size.
///
/// Measured on the generator's data (`examples/scale`, `OMNICANAL_CAPS`):
/// lowered from 12 to 6, the rule's pairs fell from 5.6M to 2.2M at 10M
/// records (6% of them true), all pairs by 13% at 100k, 20% at 1M and 22% at
/// 10M; pairwise F1 rose at 100k (0.9828 -> 0.9849) and held at 1M (0.9825)
/// and 10M (0.9757 -> 0.9761), B-cubed F1 moved by at most 0.0005, and
/// households wrongly merged fell at every size (1M 0.409% -> 0.337%). The
/// other records of a common name are reached through their email, phone,
/// birth date or postcode.
pub const WEAK_RULE_MAX_BLOCK: usize = 6;

/// The block-size cap of the default rules keying a name (or its sound) with
/// a birth date or a postcode, the given name's sound making the weakest of
/// them (`phonetic_given_birth_date`, `initial_family_postcode`,
/// `phonetic_names_postcode`). Their blocks grow with the population: at 10M
/// generated records they reached 43, 81 and 139 records, almost all
/// namesakes, where at 1M none passed 21.
pub const NAME_KEY_MAX_BLOCK: usize = 20;

/// A named blocking rule: records sharing a key under any rule of the set
/// become candidate pairs (rules are OR-ed).
///
/// ```
/// use omnicanal::block::{BlockingRule, KeyPart};
/// let rule = BlockingRule::new("family_city", [KeyPart::FamilyName, KeyPart::City]);
/// let json = serde_json::to_string(&rule)?;
/// assert_eq!(json, r#"{"name":"family_city","key":["family_name","city"]}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockingRule {
    /// A name for reports (`email`, `phonetic_family_birth_date`).
    pub name: String,
    /// The parts whose values, joined, form a key.
    pub key: Vec<KeyPart>,
    /// This rule's block-size cap, when it differs from the settings' one:
    /// weak keys (a name alone) make large blocks of mostly strangers, whose
    /// pairs cost more than they find.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_block_size: Option<usize>,
}

impl BlockingRule {
    /// A rule from its name and parts.
    pub fn new(name: impl Into<String>, key: impl IntoIterator<Item = KeyPart>) -> Self {
        BlockingRule {
            name: name.into(),
            key: key.into_iter().collect(),
            max_block_size: None,
        }
    }

    /// The rule with its own block-size cap.
    pub fn with_max_block_size(mut self, cap: usize) -> Self {
        self.max_block_size = Some(cap);
        self
    }

    /// The default rule set, strongest evidence first (a pair found by several
    /// rules is attributed to the first one that finds it):
    ///
    /// 1. `loyalty_card`, `account_id`, `app_user_id`: a shared identifier. Device
    ///    ids are left out: a household shares its tablet.
    /// 2. `email`: a shared identifying email.
    /// 3. `phone`: a shared E.164 phone.
    /// 4. `phonetic_family_birth_date`: `dupond` / `dupont` born the same day.
    /// 5. `phonetic_given_birth_date`: the typo-proof rule, within a
    ///    département, see below.
    /// 6. `initial_family_postcode`: `m dupont 75011`.
    /// 7. `phonetic_names_postcode`: the phonetic keys of the family name and
    ///    the first given name, sorted, and a postcode: a typo that keeps the
    ///    sound (`Dupond`) or names typed into the wrong fields, at one address.
    /// 8. `given_family`: the names as spelt, alone (capped at
    ///    [`WEAK_RULE_MAX_BLOCK`]).
    ///
    /// Rules 5–7 are capped at [`NAME_KEY_MAX_BLOCK`].
    ///
    /// Rule 5 is the one that survives a typo in the family name, and a change
    /// of family name (marriage), because it does not read the family name at
    /// all: the phonetic key of the first given name plus the full birth date.
    /// It was preferred to "first three letters of the family name + given
    /// name + birth year" because that key still breaks on a typo in the first
    /// three letters (`Dpuont`) and on a married name, and a birth year alone
    /// makes large blocks (one year holds ~1/70 of the customers), whereas a
    /// full date splits them ~25,000 ways before the given name splits them
    /// again, so its blocks stay tiny even for `Marie` and `Jean`. Its blind
    /// spot is a record without a full birth date; rules 2–3 cover those.
    ///
    /// Rule 5 also reads the département. Without it, the given name and
    /// birth date make a key the whole country shares: its namesake pairs
    /// grew with the square of the customers (generated data: 58k pairs for
    /// 772 true ones no other rule found at 1M records, 5.2M for 7.4k at 10M,
    /// a quarter of all pairs). Within a département: 1.5k pairs for 633
    /// true ones at 1M, 92k for 6.1k at 10M. A customer who moved to
    /// another département and changed family name is left to the email,
    /// the phone and the names alone.
    pub fn default_rules() -> Vec<BlockingRule> {
        use KeyPart::*;
        vec![
            BlockingRule::new("loyalty_card", [Identifier(IdentifierKind::LoyaltyCard)]),
            BlockingRule::new("account_id", [Identifier(IdentifierKind::AccountId)]),
            BlockingRule::new("app_user_id", [Identifier(IdentifierKind::AppUserId)]),
            BlockingRule::new("email", [Email]),
            BlockingRule::new("phone", [Phone]),
            BlockingRule::new("phonetic_family_birth_date", [FamilyPhonetic, BirthDate]),
            BlockingRule::new(
                "phonetic_given_birth_date",
                [GivenPhonetic, BirthDate, Department],
            )
            .with_max_block_size(NAME_KEY_MAX_BLOCK),
            BlockingRule::new(
                "initial_family_postcode",
                [GivenInitial, FamilyName, Postcode],
            )
            .with_max_block_size(NAME_KEY_MAX_BLOCK),
            // A typo in the family name at the same postcode (`Dupont` /
            // `Dupond`), or given and family names swapped: the rules above
            // need the names spelt alike and in their fields, and without a
            // birth date the phonetic rules never see the pair.
            BlockingRule::new("phonetic_names_postcode", [NamePhonetics, Postcode])
                .with_max_block_size(NAME_KEY_MAX_BLOCK),
            // Records that share nothing but a name, spelt alike: a rare name
            // makes a small block; a common one goes over the cap, skipped
            // and reported.
            //
            // Left out, measured on the generator's data: family name +
            // commune and the sorted phonetic names alone. They gave 2.5M of
            // 4.4M candidate pairs at 1M records and 20M of 55.5M at 10M for
            // some 4,200 / 18,500 true pairs no earlier rule found. Without
            // them, with phonetic names + postcode in place of given name +
            // phonetic family name + postcode, and with the caps above
            // (`NAME_KEY_MAX_BLOCK`, `WEAK_RULE_MAX_BLOCK` lowered from 25),
            // for 31% of the pairs at 1M and 50% at 10M, pairwise F1 rose
            // (100k 0.9811 -> 0.9815, 1M 0.9804 -> 0.9805, 10M 0.9685 ->
            // 0.9686), B-cubed F1 held within 0.0001, and households wrongly
            // merged fell at 100k and 1M (0.354% -> 0.276%, 0.342% ->
            // 0.320%) and rose at 10M (0.287% -> 0.342%) (`examples/scale`).
            // Both keys stay available as `KeyPart`s.
            BlockingRule::new("given_family", [GivenName, FamilyName])
                .with_max_block_size(WEAK_RULE_MAX_BLOCK),
        ]
    }
}
