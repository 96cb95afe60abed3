//! The call-centre tool: a caller gives a phone number, an email, a card
//! number or "Mme Dupont, 75011"; the agent sees the customer's profile, the
//! merged timeline across channels (most recent first, paged), the order
//! journeys, and why the records are one customer.
//!
//! ```sh
//! # one-shot queries (the bundled sample by default)
//! cargo run --all-features --example callcentre -- --phone "06 12 34 56 78"
//! cargo run --all-features --example callcentre -- --email marie.dupont@gmail.com --json
//! cargo run --all-features --example callcentre -- --name "Dupont Marie" --postcode 75011
//! cargo run --all-features --example callcentre -- --job nightly/job.toml --card 2900103903285
//! # from a live graph saved by `dedup --snapshot out/live.snap` (no re-resolution)
//! cargo run --all-features --example callcentre -- --snapshot out/live.snap --phone "06 12 34 56 78"
//! # a prompt: phone …, email …, card …, account …, name Dupont Marie 75011,
//! # customer C…, next, help, quit
//! cargo run --all-features --example callcentre
//! ```
//!
//! Flags:
//!
//! | flag | meaning |
//! | --- | --- |
//! | `--job FILE` | the job file to load (default: `examples/data/job.toml`, else the test fixture over the same files) |
//! | `--snapshot FILE` | answer from a live graph saved with `LiveResolver::save` (`dedup --snapshot FILE`) instead of a job: loads in a fraction of the time, same answers, ids and timelines as the run that saved it |
//! | `--phone`, `--email`, `--card`, `--account` `VALUE` | exact lookups, any spelling (`06.12.34.56.78`, `+33 6 12…`) |
//! | `--name "NAME"` with `--postcode`, `--city`, `--birth-date` | a fuzzy name search, narrowed by what the caller says |
//! | `--customer C…` | a customer by id (as listed among candidates) |
//! | `--json` | one JSON object per answer (see below) instead of text |
//! | `--page-size N` | timeline events per page (default 10) |
//!
//! With no query flag the tool reads commands from stdin, one per line
//! (with a prompt when stdin is a terminal), so that an agent can chain
//! lookups and page through a timeline with `next`.
//!
//! **Answers.** A value held by exactly one customer shows that customer. A
//! value held by several (a household landline, a couple's email) lists the
//! candidates, ranked, and shows none: picking one would be a guess. A
//! generic value (the store's own phone typed for hundreds of customers, a
//! placeholder email) says so with a count. A name search lists its
//! candidates and shows the best one only when it is clearly ahead.
//! "Not found" is a normal answer (exit 0); bad flags and unreadable files
//! exit non-zero with a message that never repeats a queried value or any
//! value read from the data.
//!
//! **JSON.** `{"status": "found", "customer_id", "profile", "records":
//! [{"channel", "source_id"}], "timeline": [{"event_id", "timestamp",
//! "channel", "kind", "amount", "currency", "order_ref", "store", "record"}],
//! "timeline_more", "journeys": [{"order_ref", "channels", "status",
//! "stores", "first", "last", "events"}], "explanation": [{"a", "b",
//! "weight", "levels": [{"comparison", "level", "weight"}]}], "candidates"}`;
//! or `{"status": "ambiguous", "candidates": [...]}`, `{"status":
//! "generic", "customers": n}`, `{"status": "not_found"}`, `{"status":
//! "invalid"}`. Amounts are exact decimal strings (`"22.10"`), timestamps
//! RFC 3339 in UTC.

mod support;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use omnicanal::cluster::CustomerId;
use omnicanal::graph::{Customer, CustomerGraph, CustomerMatch, Lookup, NameCandidate, NameQuery};
use omnicanal::profile::Profile;
use omnicanal::timeline::{Cursor, EventView, Journey, Money, Timelines};
use omnicanal::{ClusterIndex, Edge};
use serde_json::{Value, json};
use support::load::{Loaded, load_job, load_snapshot};

const USAGE: &str = "\
usage: callcentre [--job FILE | --snapshot FILE] [--json] [--page-size N] [QUERY]
QUERY (one-shot; without one, commands are read from stdin):
  --phone VALUE | --email VALUE | --card VALUE | --account VALUE
  --name \"NAME\" [--postcode CP] [--city CITY] [--birth-date DATE]
  --customer C0123456789ABCDEF";

const PROMPT_HELP: &str = "\
commands: phone VALUE | email VALUE | card VALUE | account VALUE
          name FAMILY GIVEN [POSTCODE] | customer C… | next | help | quit";

/// Per-field explanations cost one term-frequency pass over all records
/// each (see `CustomerGraph::explain_pair`): a customer held by more edges
/// than this shows the weights of the rest without their levels.
const MAX_EXPLAINED_EDGES: usize = 12;

/// A name search shows its best candidate in full when it leads the next by
/// this much (or is alone): below, the agent must ask one more question.
const CLEAR_LEAD: f64 = 0.1;

/// What the caller gave.
#[derive(Clone, PartialEq)]
enum Query {
    Phone(String),
    Email(String),
    Card(String),
    Account(String),
    Name {
        name: String,
        postcode: Option<String>,
        city: Option<String>,
        birth_date: Option<String>,
    },
    Customer(String),
}

impl Query {
    /// The kind of value, for messages that must not repeat the value.
    fn kind(&self) -> &'static str {
        match self {
            Query::Phone(_) => "phone",
            Query::Email(_) => "email",
            Query::Card(_) => "loyalty card",
            Query::Account(_) => "account id",
            Query::Name { .. } => "name",
            Query::Customer(_) => "customer id",
        }
    }
}

/// Where the customers come from.
enum Dataset {
    /// A job file, read and resolved at start-up.
    Job(PathBuf),
    /// A saved live graph.
    Snapshot(PathBuf),
}

struct Args {
    dataset: Dataset,
    json: bool,
    page_size: usize,
    query: Option<Query>,
}

/// A usage error: says which flag, never its value.
#[derive(Debug)]
struct UsageError(String);

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, UsageError> {
    let mut job = None;
    let mut snapshot = None;
    let mut json = false;
    let mut page_size = 10;
    let mut exact: Option<Query> = None;
    let mut name = None;
    let (mut postcode, mut city, mut birth_date) = (None, None, None);
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .ok_or_else(|| UsageError(format!("{flag} needs a value")))
        };
        let mut set_exact = |query: Query| {
            if exact.replace(query).is_some() {
                Err(UsageError("give one query flag at a time".into()))
            } else {
                Ok(())
            }
        };
        match flag.as_str() {
            "--job" => job = Some(PathBuf::from(value("--job")?)),
            "--snapshot" => snapshot = Some(PathBuf::from(value("--snapshot")?)),
            "--json" => json = true,
            "--page-size" => {
                page_size = value("--page-size")?
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| UsageError("--page-size takes a positive number".into()))?
            }
            "--phone" => set_exact(Query::Phone(value("--phone")?))?,
            "--email" => set_exact(Query::Email(value("--email")?))?,
            "--card" => set_exact(Query::Card(value("--card")?))?,
            "--account" => set_exact(Query::Account(value("--account")?))?,
            "--customer" => set_exact(Query::Customer(value("--customer")?))?,
            "--name" => name = Some(value("--name")?),
            "--postcode" => postcode = Some(value("--postcode")?),
            "--city" => city = Some(value("--city")?),
            "--birth-date" => birth_date = Some(value("--birth-date")?),
            "-h" | "--help" => return Err(UsageError(String::new())),
            other if other.starts_with('-') => {
                // A flag name is not personal data, but keep it short.
                let shown: String = other.chars().take(32).collect();
                return Err(UsageError(format!("unknown flag {shown}")));
            }
            _ => {
                return Err(UsageError(
                    "unexpected argument (values follow a flag)".into(),
                ));
            }
        }
    }
    let narrowing = postcode.is_some() || city.is_some() || birth_date.is_some();
    let query = match (exact, name) {
        (Some(_), Some(_)) => return Err(UsageError("give one query flag at a time".into())),
        (Some(_), None) if narrowing => {
            return Err(UsageError(
                "--postcode, --city and --birth-date narrow a --name search".into(),
            ));
        }
        (None, None) if narrowing => {
            return Err(UsageError(
                "--postcode, --city and --birth-date need --name".into(),
            ));
        }
        (Some(query), None) => Some(query),
        (None, Some(name)) => Some(Query::Name {
            name,
            postcode,
            city,
            birth_date,
        }),
        (None, None) => None,
    };
    let dataset = match (job, snapshot) {
        (Some(_), Some(_)) => {
            return Err(UsageError("give --job or --snapshot, not both".into()));
        }
        (None, Some(snapshot)) => Dataset::Snapshot(snapshot),
        (job, None) => Dataset::Job(job.unwrap_or_else(default_job)),
    };
    Ok(Args {
        dataset,
        json,
        page_size,
        query,
    })
}

/// The bundled sample's job file, or the test fixture over the same files
/// while the sample has none.
fn default_job() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bundled = root.join("examples/data/job.toml");
    if bundled.is_file() {
        bundled
    } else {
        root.join("tests/fixtures/callcentre/job.toml")
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(UsageError(message)) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(UsageError(message)) => {
            eprintln!("callcentre: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // Load errors name the file and the key or column, never a value.
    let loaded = match &args.dataset {
        Dataset::Job(job) => load_job(job),
        Dataset::Snapshot(snapshot) => load_snapshot(snapshot),
    };
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(err) => {
            eprintln!("callcentre: cannot load the dataset: {err}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("loaded: {}", loaded.counts);
    let mut session = Session {
        loaded: &loaded,
        json: args.json,
        page_size: args.page_size,
        current: None,
    };
    let mut out = std::io::stdout().lock();
    let result = match args.query {
        Some(query) => session.answer(&query, &mut out),
        None => session.prompt(&mut out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is not an error worth a message.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("callcentre: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The customer on screen and where its timeline's next page starts.
struct Current {
    cluster: ClusterIndex,
    next: Option<Cursor>,
}

struct Session<'a> {
    loaded: &'a Loaded,
    json: bool,
    page_size: usize,
    current: Option<Current>,
}

/// What a query found, before it is written as text or JSON.
enum Answer<'g> {
    Invalid,
    NotFound,
    Generic {
        customers: usize,
    },
    Ambiguous(Vec<Candidate>),
    Found {
        customer: Customer<'g>,
        candidates: Vec<Candidate>,
    },
}

/// One customer among several: enough for the agent to ask the right
/// question (a name and a postcode), and the id to open it with.
struct Candidate {
    cluster: ClusterIndex,
    customer_id: CustomerId,
    /// Records of this customer carrying the value (exact lookups).
    records: Option<usize>,
    /// Whether the value is this customer's preferred one (exact lookups).
    preferred: Option<bool>,
    /// The search score (name searches).
    score: Option<f64>,
}

impl Candidate {
    fn of_match(m: &CustomerMatch) -> Candidate {
        Candidate {
            cluster: m.cluster,
            customer_id: m.customer_id,
            records: Some(m.records),
            preferred: Some(m.preferred),
            score: None,
        }
    }

    fn of_name(c: &NameCandidate) -> Candidate {
        Candidate {
            cluster: c.cluster,
            customer_id: c.customer_id,
            records: None,
            preferred: None,
            score: Some(c.score),
        }
    }
}

impl Session<'_> {
    fn graph(&self) -> &CustomerGraph {
        &self.loaded.graph
    }

    fn timelines(&self) -> &Timelines {
        &self.loaded.timelines
    }

    fn find(&self, query: &Query) -> Answer<'_> {
        let graph = self.graph();
        let lookup = match query {
            Query::Phone(v) => graph.by_phone(v),
            Query::Email(v) => graph.by_email(v),
            Query::Card(v) => graph.by_loyalty_card(v),
            Query::Account(v) => graph.by_account_id(v),
            Query::Customer(v) => {
                return match v.parse::<CustomerId>() {
                    Err(_) => Answer::Invalid,
                    Ok(id) => match graph.by_customer_id(id) {
                        Some(customer) => Answer::Found {
                            customer,
                            candidates: Vec::new(),
                        },
                        None => Answer::NotFound,
                    },
                };
            }
            Query::Name {
                name,
                postcode,
                city,
                birth_date,
            } => {
                let mut q = NameQuery::new(name.as_str()).limit(10);
                if let Some(p) = postcode {
                    q = q.postcode(p.as_str());
                }
                if let Some(c) = city {
                    q = q.city(c.as_str());
                }
                if let Some(b) = birth_date {
                    q = q.birth_date(b.as_str());
                }
                let found = graph.search_name(&q);
                let candidates: Vec<Candidate> = found.iter().map(Candidate::of_name).collect();
                let clear = match found.as_slice() {
                    [] => return Answer::NotFound,
                    [only] => Some(only.cluster),
                    [best, second, ..] => {
                        (best.score - second.score >= CLEAR_LEAD).then_some(best.cluster)
                    }
                };
                return match clear.and_then(|c| graph.customer(c)) {
                    Some(customer) => Answer::Found {
                        customer,
                        candidates,
                    },
                    None => Answer::Ambiguous(candidates),
                };
            }
        };
        match lookup {
            Lookup::Invalid => Answer::Invalid,
            Lookup::NotFound => Answer::NotFound,
            Lookup::Generic { customers } => Answer::Generic { customers },
            Lookup::Ambiguous(matches) => {
                Answer::Ambiguous(matches.iter().map(Candidate::of_match).collect())
            }
            Lookup::Found(m) => match graph.customer(m.cluster) {
                Some(customer) => Answer::Found {
                    customer,
                    candidates: Vec::new(),
                },
                None => Answer::NotFound,
            },
        }
    }

    fn answer(&mut self, query: &Query, out: &mut impl Write) -> std::io::Result<()> {
        let answer = self.find(query);
        let kind = query.kind();
        // The first page, and where the next starts, for `next`.
        let (page, next) = match &answer {
            Answer::Found { customer, .. } => {
                let page = self
                    .timelines()
                    .timeline(customer.cluster())
                    .newest_first()
                    .limit(self.page_size)
                    .page();
                (page.events, page.next)
            }
            _ => (Vec::new(), None),
        };
        let cluster = match &answer {
            Answer::Found { customer, .. } => Some(customer.cluster()),
            _ => None,
        };
        if self.json {
            let value = answer_json(self, &answer, &page, next.is_some());
            writeln!(out, "{value}")?;
        } else {
            write_answer(self, kind, &answer, &page, next.is_some(), out)?;
        }
        // A new lookup replaces the customer on screen only when it found one.
        if let Some(cluster) = cluster {
            self.current = Some(Current { cluster, next });
        }
        Ok(())
    }

    /// The next timeline page of the customer on screen.
    fn next_page(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        let Some(current) = &self.current else {
            return self.say(out, "no customer on screen: look one up first");
        };
        let Some(cursor) = &current.next else {
            return self.say(out, "no more events");
        };
        let page = self
            .timelines()
            .timeline(current.cluster)
            .newest_first()
            .limit(self.page_size)
            .after(cursor)
            .page();
        if self.json {
            let events: Vec<Value> = page.events.iter().map(event_json).collect();
            let value = json!({
                "status": "page",
                "timeline": events,
                "timeline_more": page.next.is_some(),
            });
            writeln!(out, "{value}")?;
        } else {
            write_events(&page.events, page.next.is_some(), out)?;
        }
        self.current = Some(Current {
            cluster: current.cluster,
            next: page.next,
        });
        Ok(())
    }

    /// A short message: a line of text, or `{"status": "message", ...}`.
    fn say(&self, out: &mut impl Write, message: &str) -> std::io::Result<()> {
        if self.json {
            writeln!(out, "{}", json!({"status": "message", "message": message}))
        } else {
            writeln!(out, "{message}")
        }
    }

    /// Reads commands from stdin until `quit` or the end of input.
    fn prompt(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        let stdin = std::io::stdin();
        let interactive = stdin.is_terminal();
        if interactive {
            writeln!(out, "{PROMPT_HELP}")?;
        }
        let mut lines = stdin.lock().lines();
        loop {
            if interactive {
                write!(out, "> ")?;
                out.flush()?;
            }
            let Some(line) = lines.next() else {
                return Ok(());
            };
            let line = line?;
            let line = line.trim();
            let (command, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let rest = rest.trim();
            let query = match (command, rest.is_empty()) {
                ("", _) => continue,
                ("quit" | "exit" | "q", _) => return Ok(()),
                ("help" | "?", _) => {
                    writeln!(out, "{PROMPT_HELP}")?;
                    continue;
                }
                ("next" | "n", _) => {
                    self.next_page(out)?;
                    continue;
                }
                ("phone" | "tel", false) => Query::Phone(rest.into()),
                ("email" | "mail", false) => Query::Email(rest.into()),
                ("card" | "carte", false) => Query::Card(rest.into()),
                ("account" | "compte", false) => Query::Account(rest.into()),
                ("customer" | "client", false) => Query::Customer(rest.into()),
                ("name" | "nom", false) => name_command(rest),
                _ => {
                    self.say(out, &format!("? {PROMPT_HELP}"))?;
                    continue;
                }
            };
            self.answer(&query, out)?;
            out.flush()?;
        }
    }
}

/// `name Dupont Marie 75011`: a trailing postcode (4 or 5 digits, or a
/// 2-digit department) narrows the search.
fn name_command(rest: &str) -> Query {
    let mut words: Vec<&str> = rest.split_whitespace().collect();
    let postcode = match words.last() {
        Some(w)
            if words.len() > 1
                && (4..=5).contains(&w.len())
                && w.bytes().all(|b| b.is_ascii_digit()) =>
        {
            words.pop().map(str::to_owned)
        }
        _ => None,
    };
    Query::Name {
        name: words.join(" "),
        postcode,
        city: None,
        birth_date: None,
    }
}

// ---------------------------------------------------------------- text

fn write_answer(
    session: &Session<'_>,
    kind: &str,
    answer: &Answer<'_>,
    page: &[EventView<'_>],
    more: bool,
    out: &mut impl Write,
) -> std::io::Result<()> {
    match answer {
        Answer::Invalid => writeln!(out, "not a valid {kind}"),
        Answer::NotFound => writeln!(out, "not found: no customer has this {kind}"),
        Answer::Generic { customers } => writeln!(
            out,
            "generic {kind}: carried by {customers} customers (a placeholder, or a store's own \
             number typed for its customers); it says nothing about who is calling — ask for a \
             name and a postcode"
        ),
        Answer::Ambiguous(candidates) => {
            writeln!(
                out,
                "{} customers match this {kind}; ask one more question (name, postcode, birth date):",
                candidates.len()
            )?;
            write_candidates(session.graph(), candidates, out)
        }
        Answer::Found {
            customer,
            candidates,
        } => {
            if candidates.len() > 1 {
                writeln!(
                    out,
                    "{} candidates, the first clearly ahead:",
                    candidates.len()
                )?;
                write_candidates(session.graph(), candidates, out)?;
                writeln!(out)?;
            }
            write_customer(session, customer, page, more, out)
        }
    }
}

fn write_candidates(
    graph: &CustomerGraph,
    candidates: &[Candidate],
    out: &mut impl Write,
) -> std::io::Result<()> {
    for c in candidates {
        let profile = graph.customer(c.cluster).map(|c| c.profile());
        let name = profile
            .and_then(Profile::name)
            .map(|n| n.full())
            .unwrap_or_else(|| "(no name)".into());
        let place = profile
            .and_then(Profile::address)
            .map(|a| {
                format!(
                    "{} {}",
                    a.postcode.as_deref().unwrap_or(""),
                    a.city.as_deref().unwrap_or("")
                )
                .trim()
                .to_owned()
            })
            .unwrap_or_default();
        let born = profile
            .and_then(Profile::birth_date)
            .map(date_text)
            .unwrap_or_default();
        let detail = match (c.records, c.preferred, c.score) {
            (Some(records), Some(preferred), _) => format!(
                "{records} record(s){}",
                if preferred { ", preferred value" } else { "" }
            ),
            (_, _, Some(score)) => format!("score {score:.2}"),
            _ => String::new(),
        };
        writeln!(
            out,
            "  {}  {:<28} {:<22} {:<10}  {}",
            c.customer_id, name, place, born, detail
        )?;
    }
    Ok(())
}

fn write_customer(
    session: &Session<'_>,
    customer: &Customer<'_>,
    page: &[EventView<'_>],
    more: bool,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let profile = customer.profile();
    writeln!(out, "customer {}", customer.customer_id())?;
    let records: Vec<String> = customer.records().map(|(_, k)| k.to_string()).collect();
    writeln!(out, "  records    {}", records.join(", "))?;
    if let Some(name) = profile.name() {
        let civility = profile.civility.as_deref().unwrap_or("");
        writeln!(out, "  name       {} {}", civility, name.full())?;
        for other in profile.names.iter().skip(1) {
            writeln!(out, "             also {}", other.value.full())?;
        }
    }
    if let Some(born) = profile.birth_date() {
        writeln!(out, "  born       {}", date_text(born))?;
    }
    for (i, phone) in profile.phones.iter().enumerate() {
        writeln!(
            out,
            "  {}  {} ({:?}{}) {}",
            if i == 0 { "phone     " } else { "          " },
            phone.value.e164,
            phone.value.kind,
            if phone.generic { ", generic" } else { "" },
            sources_text(profile.sources(phone)),
        )?;
    }
    for (i, email) in profile.emails.iter().enumerate() {
        writeln!(
            out,
            "  {}  {}{} {}",
            if i == 0 { "email     " } else { "          " },
            email.value.address,
            if email.generic { " (generic)" } else { "" },
            sources_text(profile.sources(email)),
        )?;
    }
    for (i, address) in profile.addresses.iter().enumerate() {
        let a = &address.value;
        let number = a
            .number
            .map(|n| format!("{n}{} ", a.number_suffix.as_deref().unwrap_or("")))
            .unwrap_or_default();
        writeln!(
            out,
            "  {}  {}{}, {} {} {}",
            if i == 0 { "address   " } else { "          " },
            number,
            a.street.as_deref().unwrap_or("-"),
            a.postcode.as_deref().unwrap_or(""),
            a.city.as_deref().unwrap_or(""),
            sources_text(profile.sources(address)),
        )?;
    }
    for id in &profile.identifiers {
        writeln!(
            out,
            "  {:<10} {}",
            identifier_kind(&id.value.kind),
            id.value.value
        )?;
    }
    let activity = &profile.activity;
    let spend: Vec<String> = activity.total_spend().iter().map(money_text).collect();
    writeln!(
        out,
        "  activity   {} events, {} → {}, spend {}",
        activity.events,
        activity
            .first_interaction
            .map(time_text)
            .unwrap_or_else(|| "-".into()),
        activity
            .last_interaction
            .map(time_text)
            .unwrap_or_else(|| "-".into()),
        if spend.is_empty() {
            "-".into()
        } else {
            spend.join(" + ")
        },
    )?;

    writeln!(out, "\ntimeline (most recent first)")?;
    write_events(page, more, out)?;

    let journeys = session.timelines().journeys(customer.cluster());
    if !journeys.is_empty() {
        writeln!(out, "\njourneys ({}, most recent first)", journeys.len())?;
        for j in journeys.iter().rev().take(10) {
            let channels = channels_crossed(j);
            writeln!(
                out,
                "  {:<16} {:<10} {} → {}  {:<22} {} event(s){}",
                j.order_ref,
                // The serde name (`picked_up`), the same word as in JSON.
                serde_json::to_value(j.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                time_text(j.first),
                time_text(j.last),
                channels.join(" → "),
                j.events.len(),
                if j.stores.is_empty() {
                    String::new()
                } else {
                    format!(", stores {}", j.stores.join(" "))
                },
            )?;
        }
        if journeys.len() > 10 {
            writeln!(out, "  … {} older", journeys.len() - 10)?;
        }
    }

    writeln!(out, "\nwhy one customer")?;
    let edges = customer.explanation();
    if edges.is_empty() {
        writeln!(out, "  a single record")?;
    }
    for (i, edge) in edges.iter().enumerate() {
        let (a, b) = edge_keys(session.graph(), edge);
        writeln!(out, "  {a} — {b}  weight {:+.1} bits", edge.weight)?;
        if i < MAX_EXPLAINED_EDGES
            && let Ok(pair) = session.graph().explain_pair(edge.a, edge.b)
        {
            let levels: Vec<String> = pair
                .weights
                .terms
                .iter()
                .filter(|t| t.weight != 0.0)
                .map(|t| format!("{} {} {:+.1}", t.comparison, t.level_name, t.weight))
                .collect();
            writeln!(
                out,
                "      prior {:+.1}, {} (match probability {:.4})",
                pair.weights.prior_weight,
                levels.join(", "),
                pair.weights.match_probability
            )?;
        }
    }
    Ok(())
}

fn write_events(events: &[EventView<'_>], more: bool, out: &mut impl Write) -> std::io::Result<()> {
    if events.is_empty() {
        writeln!(out, "  no events")?;
    }
    for e in events {
        writeln!(
            out,
            "  {}  {:<10} {:<11} {:>10}  {:<16} {:<5} {}",
            time_text(e.timestamp()),
            e.channel().name(),
            e.kind().name(),
            e.amount().map(|m| money_text(&m)).unwrap_or_default(),
            e.order_ref().unwrap_or(""),
            e.store().unwrap_or(""),
            e.source(),
        )?;
    }
    if more {
        writeln!(out, "  … more: type `next`")?;
    }
    Ok(())
}

/// The channels a journey crossed, in the order it first reached each
/// (`web → store` for a click & collect), which the journey's own list,
/// sorted by name, does not say.
fn channels_crossed<'a>(journey: &Journey<'a>) -> Vec<&'a str> {
    let mut channels: Vec<&'a str> = Vec::new();
    for event in &journey.events {
        let name = event.channel().name();
        if !channels.contains(&name) {
            channels.push(name);
        }
    }
    channels
}

fn sources_text<'p>(sources: impl Iterator<Item = &'p omnicanal::profile::Provenance>) -> String {
    let channels: Vec<&str> = sources.map(|p| p.channel().name()).collect();
    format!("[{}]", channels.join(", "))
}

fn identifier_kind(kind: &omnicanal::IdentifierKind) -> String {
    match kind {
        omnicanal::IdentifierKind::LoyaltyCard => "card".into(),
        omnicanal::IdentifierKind::AccountId => "account".into(),
        omnicanal::IdentifierKind::AppUserId => "app user".into(),
        omnicanal::IdentifierKind::DeviceId => "device".into(),
        omnicanal::IdentifierKind::Named(name) => name.clone(),
    }
}

fn date_text(d: &omnicanal::normalize::PartialDate) -> String {
    match (d.month, d.day) {
        (Some(m), Some(day)) => format!("{day:02}/{m:02}/{}", d.year),
        (Some(m), None) => format!("{m:02}/{}", d.year),
        _ => d.year.to_string(),
    }
}

/// Paris time, to the minute: what an agent in France reads.
fn time_text(t: jiff::Timestamp) -> String {
    match jiff::tz::TimeZone::get("Europe/Paris") {
        Ok(tz) => t.to_zoned(tz).strftime("%Y-%m-%d %H:%M").to_string(),
        Err(_) => t.to_string(),
    }
}

/// `-12.50 EUR`, exactly (no floating point).
fn money_text(m: &Money) -> String {
    format!("{} {}", decimal(m.minor), m.currency.as_str())
}

fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn edge_keys(graph: &CustomerGraph, edge: &Edge) -> (String, String) {
    let key = |r: omnicanal::RecordId| {
        graph
            .clustering()
            .cluster_of(r)
            .and_then(|c| graph.customer(c))
            .and_then(|c| {
                c.records()
                    .find(|(id, _)| *id == r)
                    .map(|(_, k)| k.to_string())
            })
            .unwrap_or_else(|| format!("record {}", r.0))
    };
    (key(edge.a), key(edge.b))
}

// ---------------------------------------------------------------- JSON

fn answer_json(
    session: &Session<'_>,
    answer: &Answer<'_>,
    page: &[EventView<'_>],
    more: bool,
) -> Value {
    let graph = session.graph();
    match answer {
        Answer::Invalid => json!({"status": "invalid"}),
        Answer::NotFound => json!({"status": "not_found"}),
        Answer::Generic { customers } => json!({"status": "generic", "customers": customers}),
        Answer::Ambiguous(candidates) => json!({
            "status": "ambiguous",
            "candidates": candidates_json(graph, candidates),
        }),
        Answer::Found {
            customer,
            candidates,
        } => {
            let records: Vec<Value> = customer
                .records()
                .map(|(_, k)| json!({"channel": k.channel.name(), "source_id": k.id}))
                .collect();
            let timeline: Vec<Value> = page.iter().map(event_json).collect();
            let journeys: Vec<Value> = session
                .timelines()
                .journeys(customer.cluster())
                .iter()
                .rev()
                .map(|j| {
                    json!({
                        "order_ref": j.order_ref,
                        "channels": channels_crossed(j),
                        "status": j.status,
                        "stores": j.stores,
                        "first": j.first.to_string(),
                        "last": j.last.to_string(),
                        "events": j.events.len(),
                    })
                })
                .collect();
            let explanation: Vec<Value> = customer
                .explanation()
                .iter()
                .enumerate()
                .map(|(i, edge)| {
                    let (a, b) = edge_keys(graph, edge);
                    let pair = (i < MAX_EXPLAINED_EDGES)
                        .then(|| graph.explain_pair(edge.a, edge.b).ok())
                        .flatten();
                    let levels: Option<Vec<Value>> = pair.as_ref().map(|pair| {
                        pair.weights
                            .terms
                            .iter()
                            .map(|t| {
                                json!({
                                    "comparison": t.comparison,
                                    "level": t.level_name,
                                    "weight": t.weight,
                                })
                            })
                            .collect()
                    });
                    json!({
                        "a": a,
                        "b": b,
                        "weight": edge.weight,
                        "prior_weight": pair.as_ref().map(|p| p.weights.prior_weight),
                        "match_probability": pair.as_ref().map(|p| p.weights.match_probability),
                        "levels": levels,
                    })
                })
                .collect();
            json!({
                "status": "found",
                "customer_id": customer.customer_id(),
                "profile": customer.profile(),
                "records": records,
                "timeline": timeline,
                "timeline_more": more,
                "journeys": journeys,
                "explanation": explanation,
                "candidates": candidates_json(graph, candidates),
            })
        }
    }
}

fn candidates_json(graph: &CustomerGraph, candidates: &[Candidate]) -> Vec<Value> {
    candidates
        .iter()
        .map(|c| {
            let profile = graph.customer(c.cluster).map(|c| c.profile());
            json!({
                "customer_id": c.customer_id,
                "name": profile.and_then(Profile::name).map(|n| n.full()),
                "postcode": profile.and_then(Profile::address).and_then(|a| a.postcode.clone()),
                "city": profile.and_then(Profile::address).and_then(|a| a.city.clone()),
                "records": c.records,
                "preferred": c.preferred,
                "score": c.score,
            })
        })
        .collect()
}

fn event_json(e: &EventView<'_>) -> Value {
    json!({
        "event_id": e.id(),
        "timestamp": e.timestamp().to_string(),
        "channel": e.channel().name(),
        "kind": e.kind().name(),
        "amount": e.amount().map(|m| decimal(m.minor)),
        "currency": e.amount().map(|m| m.currency.as_str().to_owned()),
        "order_ref": e.order_ref(),
        "store": e.store(),
        "record": {"channel": e.source_channel().name(), "source_id": e.source_id()},
    })
}
