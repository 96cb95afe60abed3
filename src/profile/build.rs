//! Building profiles: gather every value of a customer's records, group by
//! normalized form, rank by the survivorship rules.

use std::borrow::Cow;
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
use crate::normalize::text::fold_into;
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
            let timeline = timelines.timeline(cluster);
            // Two passes: an event's record is a lookup in a table indexed
            // by source key, a cache miss; in a loop doing little else the
            // processor waits for several at once.
            for event in timeline.iter() {
                if let Ok(i) = ids.binary_search(&event.record()) {
                    last_event[i] = last_event[i].max(Some(event.timestamp()));
                }
            }
            for event in timeline.iter() {
                activity.add(event.timestamp(), event.channel(), event.amount());
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

/// One value seen in one record, borrowed from the record until its group is
/// known: the value's key, the record (its index in the members), and
/// whether it identifies nobody.
struct Seen<K> {
    key: K,
    member: usize,
    generic: bool,
}

/// Groups values equal under `same` (sources sorted, deduplicated), merging
/// the keys of a group with `merge`; each group's value is made once, by
/// `value`, from its merged key. The values are sorted and merged borrowed
/// (a record by its index in `provenances`, which is its position in the
/// profile's records), so a value carried by several records costs one
/// owned copy, not one per record.
fn group<K, V>(
    mut seen: Vec<Seen<K>>,
    provenances: &[Provenance],
    same: impl Fn(&K, &K) -> Ordering,
    merge: impl Fn(&mut K, K),
    value: impl Fn(K) -> V,
) -> Vec<Sourced<V>> {
    let provenance = |member: usize| &provenances[member];
    // Profiles are built from a customer's records: far fewer than 2^32.
    let position = |member: usize| u32::try_from(member).unwrap_or(u32::MAX);
    seen.sort_by(|a, b| {
        same(&a.key, &b.key).then_with(|| provenance(a.member).cmp(provenance(b.member)))
    });
    let mut out: Vec<Sourced<V>> = Vec::new();
    let mut seen = seen.into_iter().peekable();
    while let Some(first) = seen.next() {
        let mut key = first.key;
        let mut generic = first.generic;
        let mut last_seen = provenance(first.member).last_seen;
        let mut last_member = first.member;
        let mut sources = vec![position(first.member)];
        while let Some(next) = seen.next_if(|next| same(&key, &next.key) == Ordering::Equal) {
            let p = provenance(next.member);
            merge(&mut key, next.key);
            last_seen = last_seen.max(p.last_seen);
            generic |= next.generic;
            // A record listing a value twice is one source of it.
            if provenance(last_member).source != p.source {
                sources.push(position(next.member));
                last_member = next.member;
            }
        }
        out.push(Sourced {
            value: value(key),
            sources,
            last_seen,
            generic,
        });
    }
    out
}

/// A name as seen in one record: folded forms and spellings borrowed from
/// the record where they can be.
struct NameKey<'a> {
    given_folded: &'a str,
    family_folded: Cow<'a, str>,
    given: Cow<'a, str>,
    family: Cow<'a, str>,
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
    // One provenance per record, cloned only into the groups of its values.
    let provenances: Vec<Provenance> = members
        .iter()
        .map(|(m, last_event)| Provenance {
            source: m.normalized.key.clone(),
            last_seen: m
                .normalized
                .updated_at
                .max(m.normalized.created_at)
                .max(*last_event),
        })
        .collect();
    let last_seen = provenances.iter().map(|p| p.last_seen).max().flatten();

    let mut names = Vec::new();
    let mut births = Vec::new();
    let mut phones = Vec::new();
    let mut emails = Vec::new();
    let mut addresses = Vec::new();
    let mut identifiers = Vec::new();
    // Folded text of the raw names, reused by every `spelling` call.
    let mut folded = String::new();
    for (i, (member, _)) in members.iter().enumerate() {
        let n = member.normalized;
        for name in &n.names {
            let family_folded: Cow<'_, str> = if name.particles.is_empty() {
                Cow::Borrowed(&name.family)
            } else if name.family.is_empty() {
                Cow::Borrowed(&name.particles)
            } else {
                Cow::Owned(format!("{} {}", name.particles, name.family))
            };
            if name.given.is_empty() && family_folded.is_empty() {
                continue;
            }
            let raw = member.raw.unwrap_or_else(RawNames::none);
            let key = NameKey {
                given: spelling(&name.given, raw.given, raw.full, &mut folded),
                family: spelling(&family_folded, raw.family, raw.full, &mut folded),
                given_folded: &name.given,
                family_folded,
            };
            names.push(Seen {
                key,
                member: i,
                generic: false,
            });
        }
        if let Some(birth) = n.birth {
            births.push(Seen {
                key: birth,
                member: i,
                generic: false,
            });
        }
        for phone in &n.phones {
            let is_generic = generic.is_some_and(|g| g.is_generic_phone(phone));
            phones.push(Seen {
                key: (phone.e164.as_str(), phone.kind),
                member: i,
                generic: is_generic,
            });
        }
        for email in &n.emails {
            let is_generic =
                !email.identifying || generic.is_some_and(|g| g.is_generic_email(email));
            emails.push(Seen {
                key: (email.normalized.as_str(), email.raw.as_str()),
                member: i,
                generic: is_generic,
            });
        }
        for address in &n.addresses {
            let is_generic = generic.is_some_and(|g| g.is_generic_address(address));
            // `AddressValue`'s fields in its declaration order, so that
            // tuples compare as its derived `Ord` does.
            let key = (
                address.postcode.as_deref(),
                address.city.as_deref(),
                address.street.as_deref(),
                address.number,
                address.number_suffix.as_deref(),
                address.country,
            );
            addresses.push(Seen {
                key,
                member: i,
                generic: is_generic,
            });
        }
        for (kind, value) in &n.identifiers {
            let is_generic = generic.is_some_and(|g| g.is_generic_identifier(kind, value));
            identifiers.push(Seen {
                key: (kind, value.as_str()),
                member: i,
                generic: is_generic,
            });
        }
    }

    let mut names = group(
        names,
        &provenances,
        |a: &NameKey<'_>, b: &NameKey<'_>| {
            (a.given_folded, &a.family_folded).cmp(&(b.given_folded, &b.family_folded))
        },
        |kept, other| {
            kept.given = richer(std::mem::take(&mut kept.given), other.given);
            kept.family = richer(std::mem::take(&mut kept.family), other.family);
        },
        |key| NameValue {
            given_folded: key.given_folded.to_owned(),
            family_folded: key.family_folded.into_owned(),
            given: key.given.into_owned(),
            family: key.family.into_owned(),
        },
    );
    names.sort_by(|a, b| compare(&rules.name, name_completeness, &provenances, a, b));

    let mut birth_dates = group(births, &provenances, Ord::cmp, |_, _| {}, |date| date);
    birth_dates.sort_by(|a, b| {
        compare(
            &rules.birth_date,
            |d| u8::from(d.month.is_some()) + u8::from(d.day.is_some()),
            &provenances,
            a,
            b,
        )
    });

    let mut phones = group(
        phones,
        &provenances,
        |a, b| a.0.cmp(b.0),
        |_, _| {},
        |(e164, kind)| PhoneValue {
            e164: e164.to_owned(),
            kind: match kind {
                PhoneKind::Mobile => LineKind::Mobile,
                PhoneKind::Landline => LineKind::Landline,
                PhoneKind::Other => LineKind::Other,
            },
        },
    );
    phones.sort_by(|a, b| compare(&rules.phone, |_| 0, &provenances, a, b));

    let mut emails = group(
        emails,
        &provenances,
        |a, b| a.0.cmp(b.0),
        |kept, other| kept.1 = kept.1.min(other.1),
        |(normalized, address)| EmailValue {
            normalized: normalized.to_owned(),
            address: address.to_owned(),
        },
    );
    emails.sort_by(|a, b| compare(&rules.email, |_| 0, &provenances, a, b));

    let mut addresses = group(
        addresses,
        &provenances,
        Ord::cmp,
        |_, _| {},
        |(postcode, city, street, number, number_suffix, country)| AddressValue {
            postcode: postcode.map(str::to_owned),
            city: city.map(str::to_owned),
            street: street.map(str::to_owned),
            number,
            number_suffix: number_suffix.map(str::to_owned),
            country,
        },
    );
    addresses.sort_by(|a, b| compare(&rules.address, |_| 0, &provenances, a, b));

    let identifiers = group(
        identifiers,
        &provenances,
        Ord::cmp,
        |_, _| {},
        |(kind, value)| IdentifierValue {
            kind: kind.clone(),
            value: value.to_owned(),
        },
    );

    let civility = civility_of(&members, names.first());

    Profile {
        customer_id,
        // One per member, in member order: the positions the values' sources hold.
        records: provenances,
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
    // A source is a position in `members` (see `group`).
    let of_position = |&i: &u32| {
        members
            .get(i as usize)
            .and_then(|(m, _)| m.normalized.civility)
    };
    if let Some(c) = best_name.and_then(|n| n.sources.iter().find_map(of_position)) {
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
fn richer<'a>(a: Cow<'a, str>, b: Cow<'a, str>) -> Cow<'a, str> {
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
/// title-cased. Empty for an empty target. `folded` is scratch space.
fn spelling<'a>(
    target: &str,
    fields: NameList<'a>,
    full_names: NameList<'a>,
    folded: &mut String,
) -> Cow<'a, str> {
    if target.is_empty() {
        return Cow::Borrowed("");
    }
    let mut folds_to_target = |text: &str| {
        folded.clear();
        fold_into(text, folded);
        (folded.as_str() == target, folded.len())
    };
    for field in fields.iter() {
        if folds_to_target(field).0 {
            return Cow::Borrowed(field.trim());
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
                let (equal, folded_len) = folds_to_target(run);
                if equal {
                    return Cow::Borrowed(run.trim_matches(|c: char| !c.is_alphanumeric()));
                }
                if folded_len > target.len() {
                    break;
                }
            }
        }
    }
    Cow::Owned(title_case(target))
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
