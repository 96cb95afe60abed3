//! Building profiles: gather every value of a customer's records, group by
//! normalized form, rank by the survivorship rules.

use std::cmp::Ordering;

use jiff::Timestamp;
use rayon::prelude::*;

use super::names::{NameList, RawNames, TypedNames};
use super::rules::compare;
use super::{
    Activity, AddressValue, ChannelActivity, EmailValue, IdentifierValue, LineKind, Member,
    NameValue, PhoneValue, Profile, Provenance, Sourced, SurvivorshipRules, add_money,
};
use crate::block::GenericValues;
use crate::cluster::{ClusterIndex, Clustering, CustomerId};
use crate::normalize::name::Civility;
use crate::normalize::text::fold;
use crate::normalize::{NormalizedRecord, PhoneKind};
use crate::record::{Channel, Record, RecordId};
use crate::timeline::{Event, Money, Timelines};

/// Builds the profiles of a resolution's customers.
///
/// Holds borrowed inputs only: the records as the resolver saw them
/// (`normalized[r]` is record `r`), optionally the raw records in the same
/// order, the customers' timelines and the batch's generic values.
///
/// ```
/// use omnicanal::cluster::{cluster, NoGuard};
/// use omnicanal::normalize::normalize;
/// use omnicanal::profile::{ProfileBuilder, SurvivorshipRules};
/// use omnicanal::{Channel, CustomerId, Edge, Record, RecordId, SourceKey};
///
/// let raw = vec![
///     Record::builder(SourceKey::new(Channel::Store, "1")?)
///         .full_name("DUPONT Marie")?.phone("06.12.34.56.78")?.build(),
///     Record::builder(SourceKey::new(Channel::Web, "2")?)
///         .full_name("Marie Dupont")?.phone("+33612345678")?.build(),
/// ];
/// let normalized: Vec<_> = raw.iter().map(normalize).collect();
/// // One customer, as a resolver would have found.
/// let clustering = cluster(2, &[Edge::new(RecordId(0), RecordId(1), 14.2)], 6.0, &NoGuard);
/// let ids = vec![CustomerId::from_members(&[raw[0].key.clone(), raw[1].key.clone()])];
/// let rules = SurvivorshipRules::default();
/// let profiles = ProfileBuilder::new(&rules, &normalized)
///     .raw_records(&raw)
///     .build_all(&clustering, &ids);
/// assert_eq!(profiles.len(), 1);
/// assert_eq!(profiles[0].records.len(), 2);
/// assert_eq!(profiles[0].name().map(|n| n.full()), Some("Marie Dupont".to_owned()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ProfileBuilder<'a> {
    rules: &'a SurvivorshipRules,
    normalized: &'a [NormalizedRecord],
    raw: Option<&'a [Record]>,
    typed: Option<&'a TypedNames>,
    timelines: Option<&'a Timelines>,
    generic: Option<&'a GenericValues>,
}

impl<'a> ProfileBuilder<'a> {
    /// A builder over the records a resolution clustered.
    pub fn new(rules: &'a SurvivorshipRules, normalized: &'a [NormalizedRecord]) -> Self {
        ProfileBuilder {
            rules,
            normalized,
            raw: None,
            typed: None,
            timelines: None,
            generic: None,
        }
    }

    /// The raw records, in the same order as the normalized ones: names are
    /// then shown as spelled. A raw record whose key differs from its
    /// normalized record's is ignored.
    pub fn raw_records(mut self, raw: &'a [Record]) -> Self {
        self.raw = Some(raw);
        self
    }

    /// The names of each record as typed, packed, in the same order as the
    /// normalized records: the same profiles as
    /// [`raw_records`](Self::raw_records) with the records they were taken
    /// from, without holding those records. Takes precedence over
    /// `raw_records`.
    pub fn typed_names(mut self, names: &'a TypedNames) -> Self {
        self.typed = Some(names);
        self
    }

    /// The customers' timelines (indexed by the same clustering): gives the
    /// activity and each record's latest event.
    pub fn timelines(mut self, timelines: &'a Timelines) -> Self {
        self.timelines = Some(timelines);
        self
    }

    /// The batch's generic values: such values are listed but never preferred.
    pub fn generic_values(mut self, generic: &'a GenericValues) -> Self {
        self.generic = Some(generic);
        self
    }

    /// The profile of one customer: cluster `cluster` with these member
    /// records (in any order; ids past the records are skipped).
    pub fn build(
        &self,
        customer_id: CustomerId,
        cluster: ClusterIndex,
        members: &[RecordId],
    ) -> Profile {
        let mut ids: Vec<RecordId> = members
            .iter()
            .copied()
            .filter(|r| r.index() < self.normalized.len())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut last_event: Vec<Option<Timestamp>> = vec![None; ids.len()];
        let mut activity = ActivityBuilder::default();
        if let Some(timelines) = self.timelines {
            for event in timelines.timeline(cluster).iter() {
                let at = event.timestamp();
                activity.add(at, event.channel(), event.amount());
                if let Ok(i) = ids.binary_search(&event.record()) {
                    last_event[i] = last_event[i].max(Some(at));
                }
            }
        }
        let members = ids
            .iter()
            .zip(last_event)
            .map(|(r, last)| {
                let normalized = &self.normalized[r.index()];
                let raw = match self.typed {
                    Some(typed) => Some(typed.get(r.index())),
                    None => self
                        .raw
                        .and_then(|raw| raw.get(r.index()))
                        .filter(|raw| raw.key == normalized.key)
                        .map(RawNames::of),
                };
                (Member { raw, normalized }, last)
            })
            .collect();
        assemble(
            self.rules,
            customer_id,
            members,
            activity.finish(),
            self.generic,
        )
    }

    /// Every customer's profile, indexed by [`ClusterIndex`], in parallel.
    /// `customer_ids[c]` is cluster `c`'s id; a missing one is computed from
    /// the members' keys.
    pub fn build_all(&self, clustering: &Clustering, customer_ids: &[CustomerId]) -> Vec<Profile> {
        (0..clustering.len())
            .into_par_iter()
            .map(|c| {
                let cluster = ClusterIndex(c as u32);
                let members = clustering.members(cluster);
                let id = customer_ids.get(c).copied().unwrap_or_else(|| {
                    let keys: Vec<_> = members
                        .iter()
                        .filter_map(|r| self.normalized.get(r.index()).map(|n| n.key.clone()))
                        .collect();
                    CustomerId::from_members(&keys)
                });
                self.build(id, cluster, members)
            })
            .collect()
    }
}

/// The profile of one customer from its records and events in hand.
///
/// `events` are matched to the records by source key; an event of no member
/// record is not this customer's and is skipped. The order of `members` and
/// `events` does not matter.
pub fn build_profile(
    rules: &SurvivorshipRules,
    customer_id: CustomerId,
    members: &[(&Record, &NormalizedRecord)],
    events: &[Event],
    generic: Option<&GenericValues>,
) -> Profile {
    let mut last_event: Vec<Option<Timestamp>> = vec![None; members.len()];
    let mut activity = ActivityBuilder::default();
    for event in events {
        let Some(i) = members.iter().position(|(_, n)| n.key == event.source) else {
            continue;
        };
        activity.add(event.timestamp, &event.channel, event.amount);
        last_event[i] = last_event[i].max(Some(event.timestamp));
    }
    let members = members
        .iter()
        .zip(last_event)
        .map(|((raw, normalized), last)| {
            let raw = Some(*raw)
                .filter(|raw| raw.key == normalized.key)
                .map(RawNames::of);
            (Member { raw, normalized }, last)
        })
        .collect();
    assemble(rules, customer_id, members, activity.finish(), generic)
}

/// Sums events per channel.
#[derive(Default)]
struct ActivityBuilder {
    activity: Activity,
}

impl ActivityBuilder {
    fn add(&mut self, at: Timestamp, channel: &Channel, amount: Option<Money>) {
        let a = &mut self.activity;
        a.events += 1;
        a.first_interaction = Some(a.first_interaction.map_or(at, |t| t.min(at)));
        a.last_interaction = Some(a.last_interaction.map_or(at, |t| t.max(at)));
        let i = match a
            .channels
            .binary_search_by(|c| c.channel.name().cmp(channel.name()))
        {
            Ok(i) => i,
            Err(i) => {
                a.channels.insert(
                    i,
                    ChannelActivity {
                        channel: channel.clone(),
                        events: 0,
                        first: None,
                        last: None,
                        spend: Vec::new(),
                    },
                );
                i
            }
        };
        let c = &mut a.channels[i];
        c.events += 1;
        c.first = Some(c.first.map_or(at, |t| t.min(at)));
        c.last = Some(c.last.map_or(at, |t| t.max(at)));
        if let Some(money) = amount {
            add_money(&mut c.spend, money);
        }
    }

    fn finish(self) -> Activity {
        self.activity
    }
}

/// One value seen in one record: the value, where, and whether it
/// identifies nobody.
type Seen<T> = (T, Provenance, bool);

/// Groups values equal under `same` (sources sorted, deduplicated),
/// merging the values of a group with `merge`.
fn group<T>(
    mut seen: Vec<Seen<T>>,
    same: impl Fn(&T, &T) -> Ordering,
    merge: impl Fn(&mut T, T),
) -> Vec<Sourced<T>> {
    seen.sort_by(|a, b| same(&a.0, &b.0).then_with(|| a.1.cmp(&b.1)));
    let mut out: Vec<Sourced<T>> = Vec::with_capacity(seen.len());
    for (value, provenance, generic) in seen {
        match out.last_mut() {
            Some(last) if same(&last.value, &value) == Ordering::Equal => {
                merge(&mut last.value, value);
                last.last_seen = last.last_seen.max(provenance.last_seen);
                last.generic |= generic;
                if last.sources.last().map(|p| &p.source) != Some(&provenance.source) {
                    last.sources.push(provenance);
                }
            }
            _ => out.push(Sourced {
                value,
                last_seen: provenance.last_seen,
                sources: vec![provenance],
                generic,
            }),
        }
    }
    out
}

/// The profile from its members (any order) and summed events.
pub(crate) fn assemble(
    rules: &SurvivorshipRules,
    customer_id: CustomerId,
    mut members: Vec<(Member<'_>, Option<Timestamp>)>,
    activity: Activity,
    generic: Option<&GenericValues>,
) -> Profile {
    // Key order first: everything below then sees the same sequence whatever
    // order the records came in.
    members.sort_by(|a, b| a.0.normalized.key.cmp(&b.0.normalized.key));
    let provenance = |m: &Member<'_>, last_event: Option<Timestamp>| Provenance {
        source: m.normalized.key.clone(),
        last_seen: m
            .normalized
            .updated_at
            .max(m.normalized.created_at)
            .max(last_event),
    };

    let mut names = Vec::new();
    let mut births = Vec::new();
    let mut phones = Vec::new();
    let mut emails = Vec::new();
    let mut addresses = Vec::new();
    let mut identifiers = Vec::new();
    let mut last_seen = None;
    for &(member, last_event) in &members {
        let n = member.normalized;
        let p = provenance(&member, last_event);
        last_seen = last_seen.max(p.last_seen);
        for name in &n.names {
            let family_folded = if name.particles.is_empty() {
                name.family.as_str().to_owned()
            } else if name.family.is_empty() {
                name.particles.as_str().to_owned()
            } else {
                format!("{} {}", name.particles, name.family)
            };
            if name.given.is_empty() && family_folded.is_empty() {
                continue;
            }
            let raw = member.raw.unwrap_or_else(RawNames::none);
            let (given_fields, family_fields, full) = (raw.given, raw.family, raw.full);
            let value = NameValue {
                given: spelling(&name.given, given_fields, full),
                family: spelling(&family_folded, family_fields, full),
                given_folded: name.given.as_str().to_owned(),
                family_folded,
            };
            names.push((value, p.clone(), false));
        }
        if let Some(birth) = n.birth {
            births.push((birth, p.clone(), false));
        }
        for phone in &n.phones {
            let value = PhoneValue {
                e164: phone.e164.as_str().to_owned(),
                kind: match phone.kind {
                    PhoneKind::Mobile => LineKind::Mobile,
                    PhoneKind::Landline => LineKind::Landline,
                    PhoneKind::Other => LineKind::Other,
                },
            };
            let is_generic = generic.is_some_and(|g| g.is_generic_phone(phone));
            phones.push((value, p.clone(), is_generic));
        }
        for email in &n.emails {
            let value = EmailValue {
                normalized: email.normalized.as_str().to_owned(),
                address: email.raw.as_str().to_owned(),
            };
            let is_generic =
                !email.identifying || generic.is_some_and(|g| g.is_generic_email(email));
            emails.push((value, p.clone(), is_generic));
        }
        for address in &n.addresses {
            let value = AddressValue {
                postcode: address.postcode.as_deref().map(str::to_owned),
                city: address.city.as_deref().map(str::to_owned),
                street: address.street.as_deref().map(str::to_owned),
                number: address.number,
                number_suffix: address.number_suffix.as_deref().map(str::to_owned),
                country: address.country,
            };
            let is_generic = generic.is_some_and(|g| g.is_generic_address(address));
            addresses.push((value, p.clone(), is_generic));
        }
        for (kind, value) in &n.identifiers {
            let is_generic = generic.is_some_and(|g| g.is_generic_identifier(kind, value));
            let value = IdentifierValue {
                kind: kind.clone(),
                value: value.as_str().to_owned(),
            };
            identifiers.push((value, p.clone(), is_generic));
        }
    }

    let mut names = group(
        names,
        |a: &NameValue, b: &NameValue| {
            (&a.given_folded, &a.family_folded).cmp(&(&b.given_folded, &b.family_folded))
        },
        |kept, other| {
            kept.given = richer(std::mem::take(&mut kept.given), other.given);
            kept.family = richer(std::mem::take(&mut kept.family), other.family);
        },
    );
    names.sort_by(|a, b| compare(&rules.name, name_completeness, a, b));

    let mut birth_dates = group(births, Ord::cmp, |_, _| {});
    birth_dates.sort_by(|a, b| {
        compare(
            &rules.birth_date,
            |d| u8::from(d.month.is_some()) + u8::from(d.day.is_some()),
            a,
            b,
        )
    });

    let mut phones = group(
        phones,
        |a: &PhoneValue, b: &PhoneValue| a.e164.cmp(&b.e164),
        |_, _| {},
    );
    phones.sort_by(|a, b| compare(&rules.phone, |_| 0, a, b));

    let mut emails = group(
        emails,
        |a: &EmailValue, b: &EmailValue| a.normalized.cmp(&b.normalized),
        |kept, other| {
            if other.address < kept.address {
                kept.address = other.address;
            }
        },
    );
    emails.sort_by(|a, b| compare(&rules.email, |_| 0, a, b));

    let mut addresses = group(addresses, Ord::cmp, |_, _| {});
    addresses.sort_by(|a, b| compare(&rules.address, |_| 0, a, b));

    let identifiers = group(identifiers, Ord::cmp, |_, _| {});

    let civility = civility_of(&members, names.first());

    Profile {
        customer_id,
        records: members
            .iter()
            .map(|(m, _)| m.normalized.key.clone())
            .collect(),
        civility,
        names,
        birth_dates,
        phones,
        emails,
        addresses,
        identifiers,
        last_seen,
        activity,
    }
}

/// 2 for a full given name and a family name, 1 for initials and a family
/// name, 0 for one part alone.
fn name_completeness(name: &NameValue) -> u8 {
    if name.given_folded.is_empty() || name.family_folded.is_empty() {
        0
    } else if name
        .given_folded
        .split(' ')
        .all(|t| t.chars().nth(1).is_none())
    {
        1
    } else {
        2
    }
}

/// The civility of the preferred name's first record when it has one, else
/// the most frequent among the records (ties: the first in name order).
fn civility_of(
    members: &[(Member<'_>, Option<Timestamp>)],
    best_name: Option<&Sourced<NameValue>>,
) -> Option<String> {
    let of_key = |key| {
        members
            .iter()
            .find(|(m, _)| &m.normalized.key == key)
            .and_then(|(m, _)| m.normalized.civility)
    };
    if let Some(c) = best_name.and_then(|n| n.sources.iter().find_map(|p| of_key(&p.source))) {
        return Some(civility_name(c).to_owned());
    }
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for (m, _) in members {
        if let Some(c) = m.normalized.civility {
            let name = civility_name(c);
            match counts.iter_mut().find(|(n, _)| *n == name) {
                Some((_, k)) => *k += 1,
                None => counts.push((name, 1)),
            }
        }
    }
    counts
        .into_iter()
        .min_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)))
        .map(|(name, _)| name.to_owned())
}

fn civility_name(c: Civility) -> &'static str {
    match c {
        Civility::Monsieur => "monsieur",
        Civility::Madame => "madame",
        Civility::Mademoiselle => "mademoiselle",
        Civility::Docteur => "docteur",
        Civility::Maitre => "maitre",
    }
}

/// How well a spelling shows the name: accented letters first (a cashier's
/// `LEFEVRE` loses to the customer's `Lefèvre`), then mixed case.
fn richness(s: &str) -> (usize, bool) {
    let accented = s
        .chars()
        .filter(|c| c.is_alphabetic() && !c.is_ascii())
        .count();
    let mixed = s.chars().any(char::is_lowercase) && s.chars().any(char::is_uppercase);
    (accented, mixed)
}

/// The richer of two spellings of one folded name; ties go to the smaller
/// string, so the choice does not depend on which came first.
fn richer(a: String, b: String) -> String {
    match richness(&a).cmp(&richness(&b)) {
        Ordering::Greater => a,
        Ordering::Less => b,
        Ordering::Equal => a.min(b),
    }
}

/// Longest run of words of a full name tried as one name part.
const MAX_RUN_WORDS: usize = 6;

/// The spelling of a folded name part in a record's raw fields: a whole
/// field whose fold is `target`, else a run of words of a full name whose
/// fold is `target` (edges trimmed of punctuation); else `target`
/// title-cased. Empty for an empty target.
fn spelling(target: &str, fields: NameList<'_>, full_names: NameList<'_>) -> String {
    if target.is_empty() {
        return String::new();
    }
    for field in fields.iter() {
        if fold(field) == target {
            return field.trim().to_owned();
        }
    }
    for full in full_names.iter() {
        let words: Vec<(usize, usize)> = full
            .split_whitespace()
            .map(|w| {
                let start = w.as_ptr() as usize - full.as_ptr() as usize;
                (start, start + w.len())
            })
            .collect();
        for i in 0..words.len() {
            for j in i..words.len().min(i + MAX_RUN_WORDS) {
                let Some(run) = full.get(words[i].0..words[j].1) else {
                    continue;
                };
                let folded = fold(run);
                if folded == target {
                    return run.trim_matches(|c: char| !c.is_alphanumeric()).to_owned();
                }
                if folded.len() > target.len() {
                    break;
                }
            }
        }
    }
    title_case(target)
}

/// `jean francois de la fontaine` → `Jean Francois de la Fontaine`: particles
/// stay lower case, as French writes them inside a name.
fn title_case(folded: &str) -> String {
    const PARTICLES: [&str; 6] = ["de", "du", "des", "la", "le", "d"];
    let mut out = String::with_capacity(folded.len());
    for (i, word) in folded.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if i > 0 && PARTICLES.contains(&word) {
            out.push_str(word);
            continue;
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}
