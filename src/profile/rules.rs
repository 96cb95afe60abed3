//! Survivorship rules: which of a customer's values is the preferred one.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::{Provenance, Sourced};
use crate::record::Channel;

/// How the preferred value of one field is chosen among a customer's
/// distinct values. Plain data: `"most_recent"`, `"most_frequent"`,
/// `{"channel_priority": ["web", "store"]}`.
///
/// Whatever the strategy, the full order is (see [`SurvivorshipRules`]):
/// non-generic first, more complete first, the strategy's criterion, then
/// the fixed tie-breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The value seen last wins: the latest
    /// [`Sourced::last_seen`] (a value never dated comes after every dated one).
    MostRecent,
    /// The value carried by the most records wins.
    MostFrequent,
    /// The value whose best source channel comes first in this list wins;
    /// channels not listed rank after every listed one, equal among themselves.
    ChannelPriority(Vec<Channel>),
}

/// Per-field survivorship strategies. Plain data (serde), one per job.
///
/// A field's values are sorted best first by these keys, in order; the first
/// one that differs decides, so the order is total and does not depend on the
/// order of the records:
///
/// 1. values that identify nobody come last: placeholder emails
///    (`pasdemail@…`) and generic values (the store's own phone, see
///    [`GenericValues`](crate::block::GenericValues)); such a value is never
///    *preferred*, only listed;
/// 2. more complete values first: for names, a full given name and a family
///    name, then initials and a family name, then one part alone; for birth
///    dates, day-month-year, then month-year, then year alone; other fields
///    are all equally complete;
/// 3. the field's [`Strategy`];
/// 4. tie-breaks, always the same: the latest last seen, then the most
///    records, then the smallest value (its normalized form in byte order).
///
/// The default suits French retail data: names and birth dates typed by the
/// customers themselves (web, app) over those typed by cashiers and agents
/// (store, call centre, where accents are dropped and names misheard);
/// contact values most recent first, since people change numbers and move.
///
/// ```
/// use omnicanal::profile::{Strategy, SurvivorshipRules};
/// use omnicanal::Channel;
/// let rules = SurvivorshipRules {
///     phone: Strategy::ChannelPriority(vec![Channel::CallCentre]),
///     ..SurvivorshipRules::default()
/// };
/// assert_eq!(rules.email, Strategy::MostRecent);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SurvivorshipRules {
    /// Names (and the civility that goes with the preferred one).
    pub name: Strategy,
    /// Birth dates.
    pub birth_date: Strategy,
    /// Phones.
    pub phone: Strategy,
    /// Emails.
    pub email: Strategy,
    /// Postal addresses.
    pub address: Strategy,
}

impl Default for SurvivorshipRules {
    fn default() -> Self {
        SurvivorshipRules {
            name: Strategy::ChannelPriority(vec![
                Channel::Web,
                Channel::App,
                Channel::Store,
                Channel::CallCentre,
            ]),
            birth_date: Strategy::ChannelPriority(vec![
                Channel::Web,
                Channel::Store,
                Channel::App,
                Channel::CallCentre,
            ]),
            phone: Strategy::MostRecent,
            email: Strategy::MostRecent,
            address: Strategy::MostRecent,
        }
    }
}

/// The rank of a value's best channel in a priority list: its position,
/// `list.len()` for a channel not listed.
fn channel_rank<T>(list: &[Channel], records: &[Provenance], value: &Sourced<T>) -> usize {
    value
        .sources
        .iter()
        .filter_map(|&i| records.get(i as usize))
        .map(|p| {
            list.iter()
                .position(|c| *c == p.source.channel)
                .unwrap_or(list.len())
        })
        .min()
        .unwrap_or(list.len())
}

/// The survivorship order of two values of one field (`Less` = `a` first).
/// `completeness` grades a value, higher is more complete; `records` are
/// the profile's, which the values' sources point into.
pub(super) fn compare<T: Ord>(
    strategy: &Strategy,
    completeness: impl Fn(&T) -> u8,
    records: &[Provenance],
    a: &Sourced<T>,
    b: &Sourced<T>,
) -> Ordering {
    let by_strategy = || match strategy {
        Strategy::MostRecent => b.last_seen.cmp(&a.last_seen),
        Strategy::MostFrequent => b.sources.len().cmp(&a.sources.len()),
        Strategy::ChannelPriority(list) => {
            channel_rank(list, records, a).cmp(&channel_rank(list, records, b))
        }
    };
    a.generic
        .cmp(&b.generic)
        .then_with(|| completeness(&b.value).cmp(&completeness(&a.value)))
        .then_with(by_strategy)
        .then_with(|| b.last_seen.cmp(&a.last_seen))
        .then_with(|| b.sources.len().cmp(&a.sources.len()))
        .then_with(|| a.value.cmp(&b.value))
}
