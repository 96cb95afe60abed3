//! The resolved customer graph: customers, their records, profiles and
//! explanations, with the lookup indexes a call centre needs.
//!
//! A [`CustomerGraph`] is built once from a resolution and is immutable
//! afterwards: every query takes `&self`, and the graph is `Send + Sync`, so
//! one graph serves any number of threads behind an `Arc`.
//!
//! | query | how the query is read | answer |
//! | --- | --- | --- |
//! | [`by_source_key`](CustomerGraph::by_source_key) | exact | the record's customer |
//! | [`by_phone`](CustomerGraph::by_phone) | [`normalize_phone`] in the graph's region | [`Lookup`] |
//! | [`by_email`](CustomerGraph::by_email) | [`normalize_email`] (provider rules) | [`Lookup`] |
//! | [`by_identifier`](CustomerGraph::by_identifier), [`by_loyalty_card`](CustomerGraph::by_loyalty_card), [`by_account_id`](CustomerGraph::by_account_id) | [`normalize_identifier`] | [`Lookup`] |
//! | [`search_name`](CustomerGraph::search_name) | names normalized, phonetic and prefix keys | ranked [`NameCandidate`]s |
//!
//! **Shared and generic values.** A lookup never answers with one customer
//! picked among several. A value carried by two or more customers (a
//! household landline, a couple's email) is [`Lookup::Ambiguous`], every
//! holder ranked; a generic value — found generic over the whole batch by
//! the blocking stage's rule ([`GenericValues`]), a placeholder email, or
//! carried by more than [`GraphOptions::max_customers_per_value`]
//! customers — is [`Lookup::Generic`] with only a count: the store's own
//! phone says nothing about who is calling.
//!
//! **Explanations.** [`CustomerGraph::explain`] gives the accepted edges
//! holding a customer together (a spanning tree, with weights),
//! [`CustomerGraph::path`] the chain between two of its records, and, when
//! the graph keeps the resolver and model, [`CustomerGraph::explain_pair`]
//! the per-comparison weights of any two records.
//!
//! ```
//! use omnicanal::cluster::{cluster, NoGuard};
//! use omnicanal::graph::{CustomerGraph, Lookup, NameQuery};
//! use omnicanal::normalize::normalize;
//! use omnicanal::{Channel, Edge, Record, RecordId, SourceKey};
//!
//! let raw = vec![
//!     Record::builder(SourceKey::new(Channel::Store, "4001234")?)
//!         .full_name("DUPONT Marie")?.phone("06.12.34.56.78")?.postcode("75011")?.build(),
//!     Record::builder(SourceKey::new(Channel::Web, "WEB1")?)
//!         .full_name("Marie Dupont")?.phone("+33612345678")?.email("Marie.Dupont@gmail.com")?.build(),
//!     Record::builder(SourceKey::new(Channel::App, "u-3")?)
//!         .full_name("Jean Martin")?.phone("07 11 22 33 44")?.build(),
//! ];
//! let keys: Vec<_> = raw.iter().map(|r| r.key.clone()).collect();
//! // Records 0 and 1 are one customer (as a resolver would have found).
//! let clustering = cluster(raw.len(), &[Edge::new(RecordId(0), RecordId(1), 14.2)], 6.0, &NoGuard);
//! let ids = clustering.clusters().filter_map(|(c, _)| clustering.customer_id(c, &keys)).collect();
//! let normalized = raw.iter().map(normalize).collect();
//! let graph = CustomerGraph::builder(normalized, clustering, ids).raw_records(&raw).build()?;
//!
//! let found = graph.by_phone("06 12 34 56 78");
//! let marie = found.unique().expect("one customer");
//! assert_eq!(marie.records, 2); // both records carry the phone
//! let by_email = graph.by_email("mariedupont+promo@googlemail.com");
//! assert_eq!(by_email.unique().map(|m| m.cluster), Some(marie.cluster));
//! assert_eq!(graph.customer(marie.cluster).unwrap().records().count(), 2);
//! assert_eq!(graph.by_phone("01 02"), Lookup::Invalid);
//!
//! let candidates = graph.search_name(&NameQuery::new("Mme Dupond Marie").postcode("75011"));
//! assert_eq!(candidates[0].cluster, marie.cluster);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`normalize_phone`]: crate::normalize::phone::normalize_phone
//! [`normalize_email`]: crate::normalize::email::normalize_email
//! [`normalize_identifier`]: crate::normalize::normalize_identifier

mod lookup;
mod name;
#[cfg(test)]
mod tests;

use std::fmt;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::block::{Blocker, BlockingSettings, GenericValues};
use crate::cluster::{ClusterIndex, Clustering, CustomerId, Edge};
use crate::error::{Error, ErrorKind, Result};
use crate::normalize::email::normalize_email;
use crate::normalize::phone::normalize_phone;
use crate::normalize::{NormalizedRecord, Region, normalize_identifier};
use crate::profile::{Profile, ProfileBuilder, Sourced, SurvivorshipRules};
use crate::record::{IdentifierKind, Record, RecordId, SourceKey};
use crate::resolver::{NameFrequencies, PairExplanation, Population, Resolution, Resolver};
use crate::score::Model;
use crate::timeline::Timelines;

pub use lookup::{CustomerMatch, Lookup};
pub use name::{NameCandidate, NameQuery};

use lookup::{ValueIndex, ValueTag, value_hash};
use name::NameIndex;

/// How a graph reads queries and builds profiles. Plain data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GraphOptions {
    /// Region of national phone numbers and postcodes in queries.
    pub region: Region,
    /// How the profiles' preferred values are chosen.
    pub survivorship: SurvivorshipRules,
    /// A value carried by more customers than this is answered as
    /// [`Lookup::Generic`] even if the batch did not find it generic.
    pub max_customers_per_value: usize,
}

impl Default for GraphOptions {
    fn default() -> Self {
        GraphOptions {
            region: Region::FR,
            survivorship: SurvivorshipRules::default(),
            max_customers_per_value: 20,
        }
    }
}

/// The resolved customer graph. See the [module docs](self).
pub struct CustomerGraph {
    options: GraphOptions,
    normalized: Vec<NormalizedRecord>,
    clustering: Clustering,
    customer_ids: Vec<CustomerId>,
    profiles: Vec<Profile>,
    /// `(customer id, cluster)`, sorted by id.
    by_customer_id: Vec<(CustomerId, u32)>,
    /// `(hash of source key, record)`, sorted.
    by_key: Vec<(u64, u32)>,
    values: ValueIndex,
    names: NameIndex,
    generic: GenericValues,
    explainer: Option<(Resolver, Model, Population)>,
}

impl fmt::Debug for CustomerGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Counts only: the graph holds personal data.
        f.debug_struct("CustomerGraph")
            .field("records", &self.normalized.len())
            .field("customers", &self.customer_ids.len())
            .field("generic", &self.generic)
            .field("explainer", &self.explainer.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds a [`CustomerGraph`] from its parts (see
/// [`CustomerGraph::from_resolution`] for the common case).
pub struct GraphBuilder<'a> {
    normalized: Vec<NormalizedRecord>,
    clustering: Clustering,
    customer_ids: Vec<CustomerId>,
    raw: Option<&'a [Record]>,
    timelines: Option<&'a Timelines>,
    generic: Option<GenericValues>,
    explainer: Option<(Resolver, Model)>,
    population: Option<Population>,
    options: GraphOptions,
}

impl fmt::Debug for GraphBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphBuilder")
            .field("records", &self.normalized.len())
            .field("customers", &self.customer_ids.len())
            .finish_non_exhaustive()
    }
}

impl<'a> GraphBuilder<'a> {
    /// The raw records, in the resolver's order: profiles then show names
    /// as spelled.
    pub fn raw_records(mut self, raw: &'a [Record]) -> Self {
        self.raw = Some(raw);
        self
    }

    /// The customers' timelines (indexed by the same clustering), for the
    /// profiles' activity and last-seen dates.
    pub fn timelines(mut self, timelines: &'a Timelines) -> Self {
        self.timelines = Some(timelines);
        self
    }

    /// The batch's generic values. Without them they are detected again
    /// with the default blocking settings (or the explainer's settings).
    pub fn generic_values(mut self, generic: GenericValues) -> Self {
        self.generic = Some(generic);
        self
    }

    /// Keeps the resolver and the model it scored with, for
    /// [`CustomerGraph::explain_pair`].
    pub fn explainer(mut self, resolver: Resolver, model: Model) -> Self {
        self.explainer = Some((resolver, model));
        self
    }

    /// The generic values and name frequencies pair explanations are
    /// weighed with: the ones the resolution used (default: counted once on
    /// the graph's records when it is built).
    pub fn population(mut self, population: Population) -> Self {
        self.population = Some(population);
        self
    }

    /// Other options.
    pub fn options(mut self, options: GraphOptions) -> Self {
        self.options = options;
        self
    }

    /// Builds the profiles (in parallel) and the indexes.
    ///
    /// Fails when the clustering does not cover the records or the customer
    /// ids do not match the clusters.
    pub fn build(self) -> Result<CustomerGraph> {
        let GraphBuilder {
            normalized,
            clustering,
            customer_ids,
            raw,
            timelines,
            generic,
            explainer,
            population,
            options,
        } = self;
        if clustering.n_records() != normalized.len() {
            return Err(config("the clustering does not cover the records"));
        }
        if customer_ids.len() != clustering.len() {
            return Err(config("one customer id per cluster is needed"));
        }
        let generic = match generic {
            Some(g) => g,
            None => {
                let settings = explainer
                    .as_ref()
                    .map_or_else(BlockingSettings::default, |(r, _)| {
                        r.settings().blocking.clone()
                    });
                Blocker::new(settings)?.detect_generic(&normalized)
            }
        };

        let profiles = {
            let mut builder =
                ProfileBuilder::new(&options.survivorship, &normalized).generic_values(&generic);
            if let Some(raw) = raw {
                builder = builder.raw_records(raw);
            }
            if let Some(timelines) = timelines {
                builder = builder.timelines(timelines);
            }
            builder.build_all(&clustering, &customer_ids)
        };

        let cluster_of: Vec<u32> = clustering.assignment().iter().map(|c| c.0).collect();
        let value_pairs: Vec<(u64, u32)> = normalized
            .par_iter()
            .zip(cluster_of.par_iter())
            .flat_map_iter(|(record, &cluster)| {
                let phones = record
                    .phones
                    .iter()
                    .map(|p| value_hash(ValueTag::Phone, &[&p.e164]));
                let emails = record
                    .emails
                    .iter()
                    .map(|e| value_hash(ValueTag::Email, &[&e.normalized]));
                let identifiers = record
                    .identifiers
                    .iter()
                    .map(|(kind, v)| value_hash(ValueTag::Identifier, &[kind_tag(kind), v]));
                phones
                    .chain(emails)
                    .chain(identifiers)
                    .map(move |h| (h, cluster))
                    .collect::<Vec<_>>()
            })
            .collect();
        let values = ValueIndex::new(value_pairs);

        let mut by_key: Vec<(u64, u32)> = normalized
            .par_iter()
            .enumerate()
            .map(|(r, n)| (source_key_hash(&n.key), r as u32))
            .collect();
        by_key.par_sort_unstable();

        let mut by_customer_id: Vec<(CustomerId, u32)> = customer_ids
            .iter()
            .enumerate()
            .map(|(c, id)| (*id, c as u32))
            .collect();
        by_customer_id.sort_unstable();

        let names = NameIndex::build(&normalized, &cluster_of);
        // Counted once here, not per explained pair.
        let explainer = explainer.map(|(resolver, model)| {
            let population = population.unwrap_or_else(|| Population {
                generic: generic.clone(),
                names: NameFrequencies::count(&normalized),
            });
            (resolver, model, population)
        });

        Ok(CustomerGraph {
            options,
            normalized,
            clustering,
            customer_ids,
            profiles,
            by_customer_id,
            by_key,
            values,
            names,
            explainer,
            generic,
        })
    }
}

fn config(reason: &str) -> Error {
    Error::new(ErrorKind::Config {
        reason: reason.to_owned(),
    })
}

fn kind_tag(kind: &IdentifierKind) -> &str {
    match kind {
        IdentifierKind::LoyaltyCard => "loyalty_card",
        IdentifierKind::AccountId => "account_id",
        IdentifierKind::AppUserId => "app_user_id",
        IdentifierKind::DeviceId => "device_id",
        IdentifierKind::Named(name) => name,
    }
}

fn source_key_hash(key: &SourceKey) -> u64 {
    value_hash(ValueTag::SourceKey, &[key.channel.name(), &key.id])
}

/// One customer of a graph, borrowed.
#[derive(Clone, Copy)]
pub struct Customer<'g> {
    graph: &'g CustomerGraph,
    cluster: ClusterIndex,
}

impl fmt::Debug for Customer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Customer")
            .field("cluster", &self.cluster)
            .field("customer_id", &self.customer_id())
            .finish()
    }
}

impl<'g> Customer<'g> {
    /// Its index in the graph.
    pub fn cluster(&self) -> ClusterIndex {
        self.cluster
    }

    /// Its stable id.
    pub fn customer_id(&self) -> CustomerId {
        self.graph.customer_ids[self.cluster.index()]
    }

    /// Its records, ascending by id, with their source keys (the channel is
    /// the key's).
    pub fn records(&self) -> impl ExactSizeIterator<Item = (RecordId, &'g SourceKey)> + 'g {
        let graph = self.graph;
        graph
            .clustering
            .members(self.cluster)
            .iter()
            .map(move |&r| (r, &graph.normalized[r.index()].key))
    }

    /// Its golden record.
    pub fn profile(&self) -> &'g Profile {
        &self.graph.profiles[self.cluster.index()]
    }

    /// The accepted edges holding it together, strongest first (empty for a
    /// one-record customer).
    pub fn explanation(&self) -> &'g [Edge] {
        self.graph.clustering.explain(self.cluster)
    }
}

impl CustomerGraph {
    /// A builder from the parts of a resolution: `normalized[r]` is record
    /// `r` of `clustering`, `customer_ids[c]` cluster `c`'s id.
    pub fn builder(
        normalized: Vec<NormalizedRecord>,
        clustering: Clustering,
        customer_ids: Vec<CustomerId>,
    ) -> GraphBuilder<'static> {
        GraphBuilder {
            normalized,
            clustering,
            customer_ids,
            raw: None,
            timelines: None,
            generic: None,
            explainer: None,
            population: None,
            options: GraphOptions::default(),
        }
    }

    /// The graph of a resolution, keeping the resolver and its model for
    /// per-pair explanations. `raw` and `normalized` are the records the
    /// resolver resolved, in its order; generic values are detected again
    /// with the resolver's blocking settings (the resolution keeps only
    /// their counts).
    pub fn from_resolution(
        resolver: &Resolver,
        raw: &[Record],
        normalized: Vec<NormalizedRecord>,
        resolution: Resolution,
        timelines: Option<&Timelines>,
    ) -> Result<CustomerGraph> {
        let Resolution {
            clustering,
            customer_ids,
            model,
            population,
            ..
        } = resolution;
        let mut builder = CustomerGraph::builder(normalized, clustering, customer_ids)
            .raw_records(raw)
            .explainer(resolver.clone(), model)
            .population(population);
        if let Some(timelines) = timelines {
            builder = builder.timelines(timelines);
        }
        builder.build()
    }

    /// The options the graph reads queries with.
    pub fn options(&self) -> &GraphOptions {
        &self.options
    }

    /// Number of records.
    pub fn n_records(&self) -> usize {
        self.normalized.len()
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.customer_ids.len()
    }

    /// True when the graph has no customer.
    pub fn is_empty(&self) -> bool {
        self.customer_ids.is_empty()
    }

    /// The clustering the graph was built from.
    pub fn clustering(&self) -> &Clustering {
        &self.clustering
    }

    /// The generic values the graph answers [`Lookup::Generic`] for.
    pub fn generic_values(&self) -> &GenericValues {
        &self.generic
    }

    /// Every profile, indexed by cluster.
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// A customer; none for an unknown cluster.
    pub fn customer(&self, cluster: ClusterIndex) -> Option<Customer<'_>> {
        (cluster.index() < self.customer_ids.len()).then_some(Customer {
            graph: self,
            cluster,
        })
    }

    /// A customer by its stable id.
    pub fn by_customer_id(&self, id: CustomerId) -> Option<Customer<'_>> {
        let i = self
            .by_customer_id
            .binary_search_by_key(&id, |p| p.0)
            .ok()?;
        self.customer(ClusterIndex(self.by_customer_id[i].1))
    }

    /// The customer holding the record with this source key.
    pub fn by_source_key(&self, key: &SourceKey) -> Option<Customer<'_>> {
        let hash = source_key_hash(key);
        let lo = self.by_key.partition_point(|p| p.0 < hash);
        let record = self.by_key[lo..]
            .iter()
            .take_while(|p| p.0 == hash)
            .map(|p| p.1 as usize)
            .find(|&r| self.normalized[r].key == *key)?;
        self.customer(self.clustering.assignment()[record])
    }

    /// The record with this source key.
    pub fn record_id(&self, key: &SourceKey) -> Option<RecordId> {
        let hash = source_key_hash(key);
        let lo = self.by_key.partition_point(|p| p.0 < hash);
        self.by_key[lo..]
            .iter()
            .take_while(|p| p.0 == hash)
            .map(|p| RecordId(p.1))
            .find(|r| self.normalized[r.index()].key == *key)
    }

    /// The customers with this phone number, written in any format; national
    /// numbers are read in the graph's region.
    pub fn by_phone(&self, raw: &str) -> Lookup {
        let Ok(phone) = normalize_phone(raw, self.options.region) else {
            return Lookup::Invalid;
        };
        let generic = self.generic.is_generic_phone(&phone);
        let hash = value_hash(ValueTag::Phone, &[&phone.e164]);
        self.answer(hash, generic, |p| {
            holding(&p.phones, |v| v.e164 == phone.e164)
        })
    }

    /// The customers with this email, in any spelling the provider delivers
    /// to the same mailbox (`Jean.Dupont+promo@googlemail.com` is
    /// `jeandupont@gmail.com`). Placeholders are [`Lookup::Generic`].
    pub fn by_email(&self, raw: &str) -> Lookup {
        let Ok(email) = normalize_email(raw) else {
            return Lookup::Invalid;
        };
        let generic = !email.identifying || self.generic.is_generic_email(&email);
        let hash = value_hash(ValueTag::Email, &[&email.normalized]);
        self.answer(hash, generic, |p| {
            holding(&p.emails, |v| v.normalized == email.normalized)
        })
    }

    /// The customers with this identifier of this kind, written with any
    /// spaces, separators and case (`4001 2345-67`).
    pub fn by_identifier(&self, kind: &IdentifierKind, raw: &str) -> Lookup {
        let value = normalize_identifier(raw);
        if value.is_empty() {
            return Lookup::Invalid;
        }
        let generic = self.generic.is_generic_identifier(kind, &value);
        let hash = value_hash(ValueTag::Identifier, &[kind_tag(kind), &value]);
        self.answer(hash, generic, |p| {
            holding(&p.identifiers, |v| v.kind == *kind && v.value == value)
        })
    }

    /// [`by_identifier`](Self::by_identifier) for a loyalty card.
    pub fn by_loyalty_card(&self, raw: &str) -> Lookup {
        self.by_identifier(&IdentifierKind::LoyaltyCard, raw)
    }

    /// [`by_identifier`](Self::by_identifier) for a web account id.
    pub fn by_account_id(&self, raw: &str) -> Lookup {
        self.by_identifier(&IdentifierKind::AccountId, raw)
    }

    /// Customers whose names resemble the query, best first, with scores.
    ///
    /// Candidates come from the family name's phonetic key and its first
    /// three letters (so a typo that changes one still finds the other),
    /// under either reading of the query.
    ///
    /// # Score
    ///
    /// Names are folded; given names are compared both as written and with
    /// nicknames resolved (`Fred` → `frederic`).
    ///
    /// - family similarity `f` = Jaro–Winkler of the family names;
    /// - given similarity `g` = 1 when the canonical given names are equal, 0.9
    ///   when one side is initials matching the other's first letter (0
    ///   otherwise), else the larger Jaro–Winkler of the given names as written
    ///   and canonical; 0.5 when the record has no given name;
    /// - name score = `0.55 f + 0.45 g`, or `f` alone when the query has no given
    ///   name. The query is also read swapped (its given name as the family
    ///   name and the other way round: `Marie Dupont` typed as `dupont marie`),
    ///   scored the same way times 0.97, and the better reading kept;
    /// - record names whose name score is below [`NameQuery::min_name_score`] are
    ///   dropped;
    /// - evidence from the same record (each of its addresses in turn) is
    ///   added: postcode equal +0.10, different −0.10; city equal +0.05,
    ///   different −0.05; birth date equal (day, month, year) +0.15, same
    ///   year where one side lacks the day +0.05, same year but another day
    ///   0, different year −0.15; an unknown side adds nothing.
    ///
    /// A customer's score is the best over its records' names and addresses. Candidates are
    /// ranked by score, then by customer id.
    pub fn search_name(&self, query: &NameQuery) -> Vec<NameCandidate> {
        let mut found: Vec<NameCandidate> = self
            .names
            .search(query, self.options.region)
            .into_iter()
            .map(|(c, score, name_score)| NameCandidate {
                cluster: ClusterIndex(c),
                customer_id: self.customer_ids[c as usize],
                score,
                name_score,
            })
            .collect();
        found.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.customer_id.cmp(&b.customer_id))
        });
        found.truncate(query.limit);
        found
    }

    /// The accepted edges holding a customer together, strongest first.
    pub fn explain(&self, cluster: ClusterIndex) -> &[Edge] {
        self.clustering.explain(cluster)
    }

    /// The chain of accepted edges linking two records of one customer.
    pub fn path(&self, from: RecordId, to: RecordId) -> Option<Vec<Edge>> {
        self.clustering.path(from, to)
    }

    /// Why two records are (or are not) one customer, comparison by
    /// comparison, under the model the graph keeps. Fails when the graph was
    /// built without an explainer or a record is unknown.
    pub fn explain_pair(&self, a: RecordId, b: RecordId) -> Result<PairExplanation> {
        let Some((resolver, model, population)) = &self.explainer else {
            return Err(config("the graph keeps no resolver to explain pairs with"));
        };
        resolver.explain_pair(model, population, &self.normalized, a, b)
    }

    /// Heap bytes of the lookup indexes (not the records and profiles).
    pub fn index_memory_bytes(&self) -> usize {
        self.values.memory_bytes()
            + self.names.memory_bytes()
            + self.by_key.capacity() * std::mem::size_of::<(u64, u32)>()
            + self.by_customer_id.capacity() * std::mem::size_of::<(CustomerId, u32)>()
    }

    /// The answer for the customers filed under `hash`, each checked with
    /// `holds` on its profile (which also gives its rank facts).
    fn answer(
        &self,
        hash: u64,
        generic: bool,
        holds: impl Fn(&Profile) -> Option<(usize, Option<jiff::Timestamp>, bool)>,
    ) -> Lookup {
        let clusters = self.values.get(hash);
        if generic || clusters.len() > self.options.max_customers_per_value {
            let customers = clusters
                .filter(|&c| holds(&self.profiles[c as usize]).is_some())
                .count();
            return if customers == 0 {
                Lookup::NotFound
            } else {
                Lookup::Generic { customers }
            };
        }
        let mut matches: Vec<CustomerMatch> = clusters
            .filter_map(|c| {
                let (records, last_seen, preferred) = holds(&self.profiles[c as usize])?;
                Some(CustomerMatch {
                    cluster: ClusterIndex(c),
                    customer_id: self.customer_ids[c as usize],
                    records,
                    last_seen,
                    preferred,
                })
            })
            .collect();
        match matches.len() {
            0 => Lookup::NotFound,
            1 => Lookup::Found(matches[0]),
            _ => {
                matches.sort_by(CustomerMatch::rank);
                Lookup::Ambiguous(matches)
            }
        }
    }
}

/// `(records carrying it, last seen, preferred)` of the value of `values`
/// that `is` accepts; none when the customer does not carry it.
fn holding<T>(
    values: &[Sourced<T>],
    is: impl Fn(&T) -> bool,
) -> Option<(usize, Option<jiff::Timestamp>, bool)> {
    let i = values.iter().position(|v| is(&v.value))?;
    let v = &values[i];
    Some((v.sources.len(), v.last_seen, i == 0 && !v.generic))
}
