//! Writes a synthetic dataset as the retailer's four systems would export it,
//! with the ground truth beside it.
//!
//! ```text
//! cargo run --release --features synth --example synth -- --persons 2000 --seed 42 --out examples/data
//! ```
//!
//! Options: `--persons N` (default 2000), `--seed S` (default 42), `--out DIR`
//! (default `synth-out`), `--no-events` (records and record truth only).
//! The file formats are described in the `omnicanal::synth` module docs and in
//! `examples/data/README.md`.

use std::error::Error;
use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use omnicanal::synth::{EventRates, SynthConfig, generate_parts};
use omnicanal::timeline::Event;
use omnicanal::{Channel, IdentifierKind, Record};

/// The events file's format, shared with `live_scale`.
#[path = "support/events_csv.rs"]
mod events_csv;

/// Persons drawn and written at a time: a part of a million persons holds
/// some 2 million records and 8 million events (about 6 GB); the exports of
/// the bundled sample and of the 1M-record benchmark are one part.
const PERSONS_PER_PART: u64 = 1 << 20;

struct Args {
    persons: u64,
    seed: u64,
    out: PathBuf,
    events: bool,
}

const USAGE: &str = "usage: synth [--persons N] [--seed S] [--out DIR] [--no-events]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        persons: 2000,
        seed: 42,
        out: PathBuf::from("synth-out"),
        events: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--persons" => {
                args.persons = value("--persons")?
                    .replace('_', "")
                    .parse()
                    .map_err(|_| format!("--persons takes a whole number\n{USAGE}"))?;
            }
            "--seed" => {
                args.seed = value("--seed")?
                    .parse()
                    .map_err(|_| format!("--seed takes a whole number\n{USAGE}"))?;
            }
            "--out" => args.out = PathBuf::from(value("--out")?),
            "--no-events" => args.events = false,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(args)
}

fn first(values: &[String]) -> &str {
    values.first().map_or("", String::as_str)
}

fn opt(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

/// Loyalty cards: `;`, Windows-1252, CRLF, as the till software exports them.
fn write_store(
    out: &mut impl Write,
    records: &[&Record],
    header: bool,
) -> Result<(), Box<dyn Error>> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if header {
        w.write_record([
            "num_carte",
            "civilite",
            "nom",
            "prenom",
            "date_naissance",
            "telephone",
            "email",
            "adresse",
            "code_postal",
            "ville",
            "date_creation",
        ])?;
    }
    for r in records {
        let address = r.addresses.first();
        let part =
            |f: fn(&omnicanal::Address) -> &Option<String>| address.map_or("", |a| opt(f(a)));
        w.write_record([
            r.key.id.as_str(),
            opt(&r.civility),
            first(&r.family_names),
            first(&r.given_names),
            opt(&r.birth_date),
            first(&r.phones),
            first(&r.emails),
            part(|a| &a.street),
            part(|a| &a.postcode),
            part(|a| &a.city),
            opt(&r.created_at),
        ])?;
    }
    let utf8 = String::from_utf8(w.into_inner()?)?;
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&utf8);
    if unmappable {
        return Err("a store value is not representable in Windows-1252".into());
    }
    out.write_all(&bytes)?;
    Ok(())
}

fn write_web(out: &mut impl Write, records: &[&Record]) -> Result<(), Box<dyn Error>> {
    let text = |v: Option<&String>| {
        v.map_or(serde_json::Value::Null, |s| {
            serde_json::Value::from(s.as_str())
        })
    };
    for r in records {
        let addresses: Vec<serde_json::Value> = r
            .addresses
            .iter()
            .map(|a| {
                serde_json::json!({
                    "line1": text(a.street.as_ref()),
                    "zip": text(a.postcode.as_ref()),
                    "city": text(a.city.as_ref()),
                    "country": text(a.country.as_ref()),
                })
            })
            .collect();
        let line = serde_json::json!({
            "id": r.key.id,
            "email": text(r.emails.first()),
            "first_name": text(r.given_names.first()),
            "last_name": text(r.family_names.first()),
            "phone": text(r.phones.first()),
            "birth_date": text(r.birth_date.as_ref()),
            "addresses": addresses,
            "created_at": text(r.created_at.as_ref()),
        });
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// A CSV writer for one part of a file: the header only with the first.
fn csv_part<W: Write>(out: W, header: Option<&[&str]>) -> Result<csv::Writer<W>, Box<dyn Error>> {
    let mut w = csv::Writer::from_writer(out);
    if let Some(header) = header {
        w.write_record(header)?;
    }
    Ok(w)
}

fn write_callcentre(
    out: &mut impl Write,
    records: &[&Record],
    header: bool,
) -> Result<(), Box<dyn Error>> {
    const HEADER: [&str; 7] = [
        "contact_id",
        "nom_complet",
        "telephone",
        "email",
        "code_postal",
        "ville",
        "date_creation",
    ];
    let mut w = csv_part(out, header.then_some(&HEADER[..]))?;
    for r in records {
        let address = r.addresses.first();
        w.write_record([
            r.key.id.as_str(),
            first(&r.full_names),
            first(&r.phones),
            first(&r.emails),
            address.map_or("", |a| opt(&a.postcode)),
            address.map_or("", |a| opt(&a.city)),
            opt(&r.created_at),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn write_app(
    out: &mut impl Write,
    records: &[&Record],
    header: bool,
) -> Result<(), Box<dyn Error>> {
    const HEADER: [&str; 8] = [
        "user_id",
        "device_id",
        "prenom",
        "nom",
        "annee_naissance",
        "email",
        "telephone",
        "date_creation",
    ];
    let mut w = csv_part(out, header.then_some(&HEADER[..]))?;
    for r in records {
        let device = r
            .identifiers
            .iter()
            .find(|i| i.kind == IdentifierKind::DeviceId)
            .map_or("", |i| i.value.as_str());
        w.write_record([
            r.key.id.as_str(),
            device,
            first(&r.given_names),
            first(&r.family_names),
            opt(&r.birth_year),
            first(&r.emails),
            first(&r.phones),
            opt(&r.created_at),
        ])?;
    }
    w.flush()?;
    Ok(())
}

fn write_events(
    out: &mut impl Write,
    events: &[Event],
    header: bool,
) -> Result<(), Box<dyn Error>> {
    let paris = jiff::tz::TimeZone::get("Europe/Paris")?;
    let mut w = csv_part(out, header.then_some(&events_csv::HEADER[..]))?;
    events_csv::write_rows(&mut w, events, &paris)?;
    w.flush()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let mut config = SynthConfig {
        persons: args.persons,
        seed: args.seed,
        ..SynthConfig::default()
    };
    if !args.events {
        config.events = EventRates::none();
    }
    let started = Instant::now();
    fs::create_dir_all(&args.out)?;
    let create = |name: &str| -> Result<std::io::BufWriter<fs::File>, Box<dyn Error>> {
        Ok(std::io::BufWriter::new(fs::File::create(
            args.out.join(name),
        )?))
    };
    let mut store = create("store_cards.csv")?;
    let mut web = create("web_accounts.jsonl")?;
    let mut callcentre = create("callcentre_contacts.csv")?;
    let mut app = create("app_users.csv")?;
    let mut events = create("events.csv")?;
    let mut truth_records = csv::Writer::from_writer(create("truth_records.csv")?);
    truth_records.write_record(["channel", "source_id", "person_id", "household_id"])?;
    let mut truth_events = csv::Writer::from_writer(create("truth_events.csv")?);
    truth_events.write_record(["event_id", "person_id"])?;
    let (mut n_records, mut n_events, mut true_pairs) = (0usize, 0usize, 0u64);
    let mut persons_of: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
    // A population larger than a part is drawn and written a part at a
    // time (`synth::generate_parts`), so that ten million records never
    // sit in memory at once. Each file is then its parts' rows one part
    // after the other, each part sorted; a population of one part is
    // written exactly as `generate` orders it.
    for (i, data) in generate_parts(&config, PERSONS_PER_PART).enumerate() {
        let header = i == 0;
        let of = |channel: Channel| -> Vec<&Record> {
            data.records
                .iter()
                .filter(|r| r.key.channel == channel)
                .collect()
        };
        write_store(&mut store, &of(Channel::Store), header)?;
        write_web(&mut web, &of(Channel::Web))?;
        write_callcentre(&mut callcentre, &of(Channel::CallCentre), header)?;
        write_app(&mut app, &of(Channel::App), header)?;
        write_events(&mut events, &data.events, header)?;
        for t in &data.truth.records {
            truth_records.write_record([
                t.key.channel.name(),
                &t.key.id,
                &t.person.0.to_string(),
                &t.household.0.to_string(),
            ])?;
            // A person's records are all in the part that drew the person.
            let seen = persons_of.entry(t.person.0).or_insert(0);
            true_pairs += *seen;
            *seen += 1;
        }
        for t in &data.truth.events {
            truth_events.write_record([t.event_id.as_str(), &t.person.0.to_string()])?;
        }
        n_records += data.records.len();
        n_events += data.events.len();
        persons_of.clear();
    }
    for out in [&mut store, &mut web, &mut callcentre, &mut app, &mut events] {
        out.flush()?;
    }
    truth_records.flush()?;
    truth_events.flush()?;
    let generated = started.elapsed();

    println!(
        "{} persons, {} records, {} events, {} true record pairs; generated and written in {:.2?}, to {}",
        args.persons,
        n_records,
        n_events,
        true_pairs,
        generated,
        args.out.display()
    );
    Ok(())
}
