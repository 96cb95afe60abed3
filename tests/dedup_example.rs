//! Runs `examples/dedup` on the fixtures in `tests/fixtures/dedup/` (60
//! persons cut from the bundled sample, with bad rows added) and checks its
//! outputs and its errors, so the README's main command never rots.
//!
//! The example is built once with the features this test was built with
//! (`cargo build --example dedup`), then its binary is run directly: examples
//! have no `CARGO_BIN_EXE_` path, and running the binary keeps each case fast.
#![cfg(feature = "io")]

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dedup")
}

/// The example's binary, built on first use.
fn dedup_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let mut features = vec!["io"];
        if cfg!(feature = "synth") {
            features.push("synth");
        }
        let status = Command::new(env!("CARGO"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["build", "--quiet", "--example", "dedup", "--features"])
            .arg(features.join(","))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the dedup example failed");
        // This test runs from target/<profile>/deps/; examples are in
        // target/<profile>/examples/.
        let exe = std::env::current_exe().expect("test binary path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>");
        profile_dir
            .join("examples")
            .join(format!("dedup{}", std::env::consts::EXE_SUFFIX))
    })
}

fn run(args: &[&str]) -> Output {
    Command::new(dedup_binary())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("the example runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Rows of a CSV file as maps from header to value.
fn read_csv(path: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}

/// Runs the fixture job once for all the output checks.
fn fixture_run() -> &'static (tempfile::TempDir, Output) {
    static RUN: OnceLock<(tempfile::TempDir, Output)> = OnceLock::new();
    RUN.get_or_init(|| {
        let out = tempfile::tempdir().unwrap();
        let job = fixtures().join("job.toml");
        let output = run(&[
            "--job",
            job.to_str().unwrap(),
            "--out",
            out.path().to_str().unwrap(),
            "--truth",
            fixtures().join("truth_records.csv").to_str().unwrap(),
            "--quiet",
        ]);
        (out, output)
    })
}

fn out_dir() -> &'static Path {
    fixture_run().0.path()
}

#[test]
fn fixture_job_succeeds_and_reports_counts() {
    let (_, output) = fixture_run();
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    // --quiet: nothing on stderr.
    assert_eq!(text(&output.stderr), "");
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("records in      109  (+ 4 rejects = 113 data rows)"),
        "{stdout}"
    );
    assert!(stdout.contains("cluster sizes   1: "), "{stdout}");
    assert!(stdout.contains("pairs compared  "), "{stdout}");
    assert!(stdout.contains("peak memory"), "{stdout}");
    assert!(stdout.contains("B-cubed"), "{stdout}");
    // No personal data in the summary: no email, no phone, none of the
    // fixture's family names.
    let (_, app_users) = read_csv(&fixtures().join("app_users.csv"));
    let names: Vec<&str> = app_users.iter().map(|r| r["nom"].as_str()).collect();
    assert!(names.len() > 10);
    for needle in names.into_iter().chain(["@", "+33"]) {
        assert!(
            !stdout.contains(needle),
            "{needle} in the summary:\n{stdout}"
        );
    }
}

#[test]
fn customers_csv_has_one_row_per_record_read() {
    let (header, rows) = read_csv(&out_dir().join("customers.csv"));
    assert_eq!(header, ["channel", "source_id", "customer_id"]);
    let (_, truth) = read_csv(&fixtures().join("truth_records.csv"));
    // The truth lists every good record of the fixtures; rejected rows are
    // not records.
    assert_eq!(rows.len(), truth.len());
    let keys: HashSet<(String, String)> = rows
        .iter()
        .map(|r| (r["channel"].clone(), r["source_id"].clone()))
        .collect();
    assert_eq!(keys.len(), rows.len(), "a record listed twice");
    for t in &truth {
        assert!(
            keys.contains(&(t["channel"].clone(), t["source_id"].clone())),
            "{}:{} missing",
            t["channel"],
            t["source_id"]
        );
    }
    for r in &rows {
        let id = &r["customer_id"];
        assert!(
            id.len() == 17 && id.starts_with('C') && id[1..].chars().all(|c| c.is_ascii_hexdigit()),
            "customer id {id:?}"
        );
    }
}

#[test]
fn records_of_one_person_share_a_customer_and_persons_stay_apart() {
    let (_, rows) = read_csv(&out_dir().join("customers.csv"));
    let customer: HashMap<(String, String), String> = rows
        .into_iter()
        .map(|r| {
            (
                (r["channel"].clone(), r["source_id"].clone()),
                r["customer_id"].clone(),
            )
        })
        .collect();
    let (_, truth) = read_csv(&fixtures().join("truth_records.csv"));
    let mut customers_of_person: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut persons_of_customer: HashMap<&str, HashSet<&str>> = HashMap::new();
    for t in &truth {
        let c = &customer[&(t["channel"].clone(), t["source_id"].clone())];
        customers_of_person
            .entry(&t["person_id"])
            .or_default()
            .insert(c);
        persons_of_customer
            .entry(c)
            .or_default()
            .insert(&t["person_id"]);
    }
    // Concrete persons. Person 0: a store card typed `BIGOT ISABELLE` and an
    // app account `Isabelle Bigot`, one email. Person 16: two store cards
    // (`128 ROUTE PIERRE CURIE` and `128 RTE PIERRE CURIE`, Nantes) and a
    // call-centre contact `LECLERCQ Laurence`, 44300 NANTES.
    let same_customer = |records: &[(&str, &str)]| {
        let ids: HashSet<&String> = records
            .iter()
            .map(|(channel, id)| &customer[&(channel.to_string(), id.to_string())])
            .collect();
        assert_eq!(ids.len(), 1, "{records:?} split into {ids:?}");
    };
    same_customer(&[
        ("store", "2942268050941"),
        ("app", "eadb58a0-de38-4ccc-aa23-66fde78ac9d5"),
    ]);
    same_customer(&[
        ("store", "2916406569486"),
        ("store", "2955265976893"),
        ("callcentre", "CC687661759"),
    ]);
    // No customer holds two persons (households and namesakes stay apart).
    for (customer, persons) in &persons_of_customer {
        assert_eq!(persons.len(), 1, "customer {customer} merges {persons:?}");
    }
    // Nearly every person is whole; the hard cases (an app account under a
    // married name, say) may stay apart.
    let split: Vec<_> = customers_of_person
        .iter()
        .filter(|(_, customers)| customers.len() > 1)
        .map(|(person, _)| *person)
        .collect();
    assert!(split.len() <= 3, "persons split: {split:?}");
}

#[test]
fn rejects_csv_lists_every_bad_row_with_its_line() {
    let (header, rows) = read_csv(&out_dir().join("rejects.csv"));
    assert_eq!(header, ["file", "line", "reason"]);
    let found: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            let file = Path::new(&r["file"])
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (file, r["line"].clone(), r["reason"].clone())
        })
        .collect();
    let expected = [
        ("store_cards.csv", "4", "column num_carte: missing id"),
        ("store_cards.csv", "8", "wrong number of fields"),
        ("web_accounts.jsonl", "4", "invalid JSON"),
        (
            "callcentre_contacts.csv",
            "3",
            "column contact_id: duplicate source id",
        ),
        ("events.csv", "5", "column timestamp"),
    ];
    assert_eq!(found.len(), expected.len(), "{found:?}");
    for ((file, line, reason), (want_file, want_line, want_reason)) in found.iter().zip(expected) {
        assert_eq!((file.as_str(), line.as_str()), (want_file, want_line));
        assert!(reason.starts_with(want_reason), "{reason}");
    }
    // Reasons name columns, never values (the rejected call-centre row holds
    // a name, the store row a phone number).
    let raw = std::fs::read_to_string(out_dir().join("rejects.csv")).unwrap();
    assert!(
        !raw.contains("Dupuis") && !raw.contains("0611223344"),
        "{raw}"
    );
}

#[test]
fn every_event_is_in_exactly_one_timeline_or_in_the_orphans() {
    let (_, events) = read_csv(&fixtures().join("events.csv"));
    let good: Vec<&HashMap<String, String>> = events
        .iter()
        .filter(|e| e["event_id"] != "EVBAD0000001")
        .collect();
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut customer_of_event: HashMap<String, String> = HashMap::new();
    let timelines = std::fs::read_to_string(out_dir().join("timelines.jsonl")).unwrap();
    let mut customers = HashSet::new();
    for line in timelines.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let customer = value["customer_id"].as_str().unwrap().to_owned();
        assert!(customers.insert(customer.clone()), "customer twice");
        let list = value["events"].as_array().unwrap();
        assert!(!list.is_empty());
        let times: Vec<jiff::Timestamp> = list
            .iter()
            .map(|e| e["timestamp"].as_str().unwrap().parse().unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "not in time order");
        for e in list {
            let id = e["event_id"].as_str().unwrap().to_owned();
            *seen.entry(id.clone()).or_default() += 1;
            customer_of_event.insert(id, customer.clone());
            for field in ["channel", "kind", "amount", "order_ref", "store"] {
                assert!(e.get(field).is_some(), "{field} missing");
            }
        }
    }
    let (header, orphans) = read_csv(&out_dir().join("orphan_events.csv"));
    assert_eq!(
        header,
        ["event_id", "source_channel", "source_id", "reason"]
    );
    assert_eq!(orphans.len(), 1);
    assert_eq!(orphans[0]["event_id"], "EVORPHAN0001");
    *seen.entry(orphans[0]["event_id"].clone()).or_default() += 1;
    assert_eq!(seen.len(), good.len());
    for e in &good {
        assert_eq!(seen.get(&e["event_id"]), Some(&1), "{}", e["event_id"]);
    }
    assert!(!seen.contains_key("EVBAD0000001"));

    // A click & collect pickup in a store, attached to the web account that
    // ordered it, is in that account's customer's timeline.
    let (_, rows) = read_csv(&out_dir().join("customers.csv"));
    let web_customer = rows
        .iter()
        .find(|r| r["channel"] == "web" && r["source_id"] == "WEB943167905")
        .map(|r| r["customer_id"].clone())
        .unwrap();
    assert_eq!(customer_of_event["EV053461190290"], web_customer);
}

#[test]
fn profiles_jsonl_has_one_golden_profile_per_customer() {
    let (_, rows) = read_csv(&out_dir().join("customers.csv"));
    let mut records_of: HashMap<String, HashSet<(String, String)>> = HashMap::new();
    for r in &rows {
        records_of
            .entry(r["customer_id"].clone())
            .or_default()
            .insert((r["channel"].clone(), r["source_id"].clone()));
    }
    let profiles = std::fs::read_to_string(out_dir().join("profiles.jsonl")).unwrap();
    let mut seen = HashSet::new();
    for line in profiles.lines() {
        let profile: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = profile["customer_id"].as_str().unwrap().to_owned();
        let records: HashSet<(String, String)> = profile["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["channel"].as_str().unwrap().to_owned(),
                    k["id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(Some(&records), records_of.get(&id), "{id}");
        assert!(seen.insert(id), "customer twice");
    }
    assert_eq!(seen.len(), records_of.len());
    // Person 16's store cards and call-centre contact: one profile, one name
    // carried by all three records, the street typed `ROUTE` and `RTE` one
    // address with both store cards as its sources, and the activity of the
    // customer's events.
    let customer = &rows
        .iter()
        .find(|r| r["source_id"] == "2916406569486")
        .unwrap()["customer_id"];
    let line = profiles
        .lines()
        .find(|l| l.contains(customer.as_str()))
        .unwrap();
    let profile: serde_json::Value = serde_json::from_str(line).unwrap();
    let name = &profile["names"][0]["value"];
    assert_eq!(name["family_folded"], "leclercq");
    assert_eq!(name["given_folded"], "laurence");
    assert_eq!(name["given"], "Laurence");
    assert_eq!(profile["names"][0]["sources"].as_array().unwrap().len(), 3);
    let street = &profile["addresses"][0];
    assert_eq!(street["value"]["street"], "route pierre curie");
    assert_eq!(street["value"]["number"], 128);
    // Sources are positions in the profile's records.
    let sources: HashSet<&str> = street["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            profile["records"][s.as_u64().unwrap() as usize]["id"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(sources, HashSet::from(["2916406569486", "2955265976893"]));
    let events_of_customer = std::fs::read_to_string(out_dir().join("timelines.jsonl"))
        .unwrap()
        .lines()
        .find(|l| l.contains(customer.as_str()))
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["events"].as_array().unwrap().len()
        })
        .unwrap();
    assert_eq!(profile["activity"]["events"], events_of_customer);
}

#[test]
fn single_file_from_flags() {
    let out = tempfile::tempdir().unwrap();
    let input = fixtures().join("app_users.csv");
    let output = run(&[
        "--input",
        input.to_str().unwrap(),
        "--channel",
        "app",
        "--format",
        "csv",
        "--delimiter",
        ",",
        "--id-column",
        "user_id",
        "--map",
        "given_name=prenom",
        "--map",
        "family_name=nom",
        "--map",
        "email=email",
        "--map",
        "phone=telephone",
        "--mode",
        "batch",
        "--out",
        out.path().to_str().unwrap(),
        "--quiet",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let (_, rows) = read_csv(&out.path().join("customers.csv"));
    assert_eq!(rows.len(), 19);
    assert!(rows.iter().all(|r| r["channel"] == "app"));
    assert!(!out.path().join("timelines.jsonl").exists());
}

/// Runs with `args` and expects failure with `code`, one line on stderr
/// holding every one of `needles`, and no output folder created.
fn expect_failure(args: &[&str], code: i32, needles: &[&str]) {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("out");
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--out", out_dir.to_str().unwrap(), "--quiet"]);
    let output = run(&all);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{args:?}: {needle:?} not in {stderr}"
        );
    }
    assert!(!out_dir.exists(), "{args:?} wrote output before failing");
}

/// A copy of the fixture job with one text replaced, in a temporary folder;
/// the data files are read from the fixtures with `--data-dir`.
fn broken_job(from: &str, to: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixtures().join("job.toml")).unwrap();
    assert!(text.contains(from), "{from}");
    let path = dir.path().join("job.toml");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    (dir, path)
}

#[test]
fn missing_files_are_named() {
    expect_failure(
        &["--job", "tests/fixtures/dedup/nope.toml"],
        1,
        &["nope.toml"],
    );
    let (_dir, job) = broken_job("path = \"app_users.csv\"", "path = \"app_users_2023.csv\"");
    let data = fixtures();
    expect_failure(
        &[
            "--job",
            job.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        1,
        &["app_users_2023.csv"],
    );
    expect_failure(
        &[
            "--input",
            "nowhere/clients.csv",
            "--channel",
            "web",
            "--id-column",
            "id",
        ],
        1,
        &["nowhere/clients.csv"],
    );
}

#[test]
fn unknown_column_in_a_mapping_is_named_with_its_file() {
    let (_dir, job) = broken_job("given_name = \"prenom\"", "given_name = \"prénom\"");
    let data = fixtures();
    expect_failure(
        &[
            "--job",
            job.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        1,
        &["prénom", "store_cards.csv"],
    );
    let (_dir, job) = broken_job("source_id = \"source_record_id\"", "source_id = \"record\"");
    expect_failure(
        &[
            "--job",
            job.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        1,
        &["record", "events.csv"],
    );
}

#[test]
fn bad_job_file_is_named_with_line_and_key() {
    let (_dir, job) = broken_job(
        "date_order = \"dmy\"",
        "date_order = \"dmy\"\ncolour = \"red\"",
    );
    let line = std::fs::read_to_string(&job)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("colour"))
        .unwrap()
        + 1;
    expect_failure(
        &["--job", job.to_str().unwrap()],
        1,
        &["job.toml", &format!("line {line}"), "colour"],
    );
    let (_dir, job) = broken_job("encoding = \"windows-1252\"", "encoding = \"utf-16\"");
    expect_failure(
        &["--job", job.to_str().unwrap()],
        1,
        &["job.toml", "unsupported encoding"],
    );
    let (_dir, job) = broken_job("[[source]]", "[[source]");
    expect_failure(&["--job", job.to_str().unwrap()], 1, &["job.toml", "line"]);
}

#[test]
fn command_line_mistakes_exit_2_naming_the_flag() {
    expect_failure(&["--colour", "red"], 2, &["unknown flag \"--colour\""]);
    expect_failure(
        &["--job", "tests/fixtures/dedup/job.toml", "--colour", "red"],
        2,
        &["unknown flag \"--colour\""],
    );
    expect_failure(
        &["--job", "tests/fixtures/dedup/job.toml", "--channel", "web"],
        2,
        &["--channel", "--job"],
    );
    expect_failure(
        &["--mode", "streaming"],
        2,
        &["--mode is batch or incremental"],
    );
    expect_failure(
        &["--shuffle-seed", "7"],
        2,
        &["--shuffle-seed goes with --mode incremental"],
    );
    expect_failure(
        &["--mode", "incremental", "--shuffle-seed", "-1"],
        2,
        &["--shuffle-seed takes a non-negative integer"],
    );
    expect_failure(
        &["--erase", "tests/fixtures/dedup/no_such_erase.csv"],
        1,
        &["no_such_erase.csv"],
    );
    expect_failure(
        &[
            "--input",
            "x.csv",
            "--channel",
            "web",
            "--id-column",
            "id",
            "--encoding",
            "utf-16",
        ],
        2,
        &["unsupported encoding"],
    );
    expect_failure(&["--truth-column", "household_id"], 2, &["--truth"]);
}

#[test]
fn help_exits_0() {
    let output = run(&["--help"]);
    assert!(output.status.success());
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("--job FILE") && stdout.contains("--id-column"),
        "{stdout}"
    );
}

/// The bundled job file reads an export of `examples/synth.rs` back into
/// exactly the records the generator made: no field is left unmapped or
/// mapped twice, so the job's results are the resolver's, not the mapping's.
/// (A fresh export rather than the committed sample, which is regenerated
/// only now and then.)
#[cfg(feature = "synth")]
#[test]
fn bundled_job_reads_back_the_generated_records() {
    use omnicanal::io::JobFile;
    use omnicanal::synth::{SynthConfig, generate};
    let status = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "build",
            "--quiet",
            "--example",
            "synth",
            "--features",
            "io,synth",
        ])
        .status()
        .expect("cargo runs");
    assert!(status.success());
    let synth = dedup_binary().with_file_name(format!("synth{}", std::env::consts::EXE_SUFFIX));
    let export = tempfile::tempdir().unwrap();
    let status = Command::new(synth)
        .args(["--persons", "300", "--seed", "42", "--out"])
        .arg(export.path())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("the synth example runs");
    assert!(status.success());

    let dataset = generate(&SynthConfig {
        persons: 300,
        seed: 42,
        ..SynthConfig::default()
    });
    let job_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/job.toml");
    let job = JobFile::load(job_path).unwrap();
    let read: HashMap<_, _> = job
        .read_sources(export.path())
        .unwrap()
        .map(|row| {
            let record = row.unwrap();
            (record.key.clone(), record)
        })
        .collect();
    assert_eq!(read.len(), dataset.records.len());
    for generated in &dataset.records {
        let record = &read[&generated.key];
        assert_eq!(record, generated, "{}", generated.key);
    }
    // Every event is read, and attached to its record's key once the
    // channel column is read as the record's channel or, failing that, by
    // the id alone (see the dedup example's docs).
    let events: Vec<_> = job
        .read_events(export.path())
        .unwrap()
        .map(|row| row.unwrap())
        .collect();
    assert_eq!(events.len(), dataset.events.len());
}

/// Runs the bundled sample job into a fresh folder with `extra` flags;
/// returns the folder and the summary.
fn bundled_run(extra: &[&str]) -> (tempfile::TempDir, String) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["--out", out.path().to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    let output = run(&args);
    assert!(
        output.status.success(),
        "{extra:?}: stderr: {}",
        text(&output.stderr)
    );
    (out, text(&output.stdout))
}

/// Incremental mode trains like the batch, then upserts the records one by
/// one: in input order or shuffled, every output file is byte for byte the
/// batch's (customer ids are the canonical ones, not the live graph's
/// history-dependent ones).
#[test]
fn incremental_mode_writes_the_batch_files_in_any_order() {
    let (batch, batch_summary) = bundled_run(&[]);
    assert!(
        batch_summary.starts_with("omnicanal dedup (batch)"),
        "{batch_summary}"
    );
    let read = |dir: &Path, file: &str| std::fs::read(dir.join(file)).unwrap();
    let batch_customers = read(batch.path(), "customers.csv");
    assert_eq!(
        text(&batch_customers).lines().count(),
        3726,
        "the bundled sample has 3 725 records"
    );
    for extra in [
        &["--mode", "incremental"][..],
        &["--mode", "incremental", "--shuffle-seed", "20240917"][..],
    ] {
        let (out, summary) = bundled_run(extra);
        assert!(
            summary.starts_with("omnicanal dedup (incremental)"),
            "{summary}"
        );
        assert!(summary.contains("upserts         3 725 in "), "{summary}");
        assert!(
            summary.contains("median ") && summary.contains("p99 "),
            "{summary}"
        );
        if extra.len() > 2 {
            assert!(summary.contains("shuffled, seed 20240917"), "{summary}");
        }
        for file in [
            "customers.csv",
            "profiles.jsonl",
            "timelines.jsonl",
            "orphan_events.csv",
        ] {
            assert!(
                read(out.path(), file) == read(batch.path(), file),
                "{extra:?}: {file} differs from the batch's"
            );
        }
    }
}

/// Ids of the fixture's events whose source id is `id` (the row with a bad
/// timestamp, a reject, left out).
fn events_of(id: &str) -> HashSet<String> {
    let (_, events) = read_csv(&fixtures().join("events.csv"));
    events
        .iter()
        .filter(|e| e["source_record_id"] == id && e["event_id"] != "EVBAD0000001")
        .map(|e| e["event_id"].clone())
        .collect()
}

/// `--erase`: the listed records and their events are in no output, the
/// other records and events all are, and unknown keys and bad rows are
/// reported with their lines without stopping the job. The same files in
/// both modes.
#[test]
fn erase_removes_exactly_the_listed_records_and_their_events() {
    let job = fixtures().join("job.toml");
    let list = tempfile::tempdir().unwrap();
    let erase_file = list.path().join("erase.csv");
    // A web account with a click & collect pickup attached by its id alone,
    // a store card with purchases, an unknown card, a row with no id, and a
    // key listed twice.
    std::fs::write(
        &erase_file,
        "channel,source_id\nweb,WEB943167905\nstore,2914948939913\nstore,0000000000000\nweb,\nweb,WEB943167905\n",
    )
    .unwrap();
    let erased: HashSet<(String, String)> = [("web", "WEB943167905"), ("store", "2914948939913")]
        .iter()
        .map(|(c, i)| (c.to_string(), i.to_string()))
        .collect();
    let mut erased_events = events_of("WEB943167905");
    erased_events.extend(events_of("2914948939913"));
    assert!(erased_events.contains("EV053461190290"), "the pickup");
    assert!(erased_events.len() >= 3);

    let mut outputs = Vec::new();
    for mode in ["batch", "incremental"] {
        let out = tempfile::tempdir().unwrap();
        let output = run(&[
            "--job",
            job.to_str().unwrap(),
            "--mode",
            mode,
            "--erase",
            erase_file.to_str().unwrap(),
            "--out",
            out.path().to_str().unwrap(),
            "--quiet",
        ]);
        assert!(output.status.success(), "stderr: {}", text(&output.stderr));
        let summary = text(&output.stdout);
        assert!(
            summary.contains("erased          2 records  (1 unknown keys and 2 bad rows"),
            "{summary}"
        );
        assert!(
            summary.contains(&format!(
                "{} of erased records dropped",
                erased_events.len()
            )),
            "{summary}"
        );

        // customers.csv: every record of the plain run but the erased ones.
        let (_, plain) = read_csv(&out_dir().join("customers.csv"));
        let (_, rows) = read_csv(&out.path().join("customers.csv"));
        let key = |r: &HashMap<String, String>| (r["channel"].clone(), r["source_id"].clone());
        let expected: Vec<_> = plain
            .iter()
            .map(key)
            .filter(|k| !erased.contains(k))
            .collect();
        let got: Vec<_> = rows.iter().map(key).collect();
        assert_eq!(got, expected, "{mode}");

        // Profiles: no erased record.
        let profiles = std::fs::read_to_string(out.path().join("profiles.jsonl")).unwrap();
        let mut in_profiles = HashSet::new();
        for line in profiles.lines() {
            let profile: serde_json::Value = serde_json::from_str(line).unwrap();
            for k in profile["records"].as_array().unwrap() {
                in_profiles.insert((
                    k["channel"].as_str().unwrap().to_owned(),
                    k["id"].as_str().unwrap().to_owned(),
                ));
            }
        }
        assert_eq!(in_profiles.len(), expected.len(), "{mode}");
        assert!(in_profiles.is_disjoint(&erased), "{mode}");

        // Timelines and orphans: every event but the erased records'.
        let timelines = std::fs::read_to_string(out.path().join("timelines.jsonl")).unwrap();
        let mut placed = HashSet::new();
        for line in timelines.lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            for e in value["events"].as_array().unwrap() {
                placed.insert(e["event_id"].as_str().unwrap().to_owned());
            }
        }
        let (_, orphans) = read_csv(&out.path().join("orphan_events.csv"));
        let orphan_ids: HashSet<String> = orphans.iter().map(|o| o["event_id"].clone()).collect();
        assert_eq!(
            orphan_ids,
            HashSet::from(["EVORPHAN0001".to_owned()]),
            "{mode}"
        );
        assert!(placed.is_disjoint(&erased_events), "{mode}");
        let (_, events) = read_csv(&fixtures().join("events.csv"));
        let kept: HashSet<String> = events
            .iter()
            .map(|e| e["event_id"].clone())
            .filter(|id| {
                id != "EVBAD0000001" && id != "EVORPHAN0001" && !erased_events.contains(id)
            })
            .collect();
        assert_eq!(placed, kept, "{mode}");

        // Rejects: the unknown key, the bad row and the repeat, with lines.
        let (_, rejects) = read_csv(&out.path().join("rejects.csv"));
        let from_list: Vec<(String, String)> = rejects
            .iter()
            .filter(|r| r["file"].ends_with("erase.csv"))
            .map(|r| (r["line"].clone(), r["reason"].clone()))
            .collect();
        let lines: HashSet<&str> = from_list.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(lines, HashSet::from(["4", "5", "6"]), "{from_list:?}");
        assert!(
            from_list
                .iter()
                .any(|(l, r)| l == "4" && r.contains("no record with this source key")),
            "{from_list:?}"
        );
        outputs.push(out);
    }
    for file in ["customers.csv", "profiles.jsonl", "timelines.jsonl"] {
        let read = |dir: &tempfile::TempDir| std::fs::read(dir.path().join(file)).unwrap();
        assert!(
            read(&outputs[0]) == read(&outputs[1]),
            "{file}: batch and incremental differ"
        );
    }
}

/// An erase file without the columns stops the job before any output.
#[test]
fn erase_file_without_its_columns_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let erase_file = dir.path().join("forget.csv");
    std::fs::write(&erase_file, "canal,id\nweb,WEB943167905\n").unwrap();
    // expect_failure also checks that no output folder was made.
    expect_failure(
        &[
            "--job",
            fixtures().join("job.toml").to_str().unwrap(),
            "--erase",
            erase_file.to_str().unwrap(),
        ],
        1,
        &["forget.csv", "channel"],
    );
}
