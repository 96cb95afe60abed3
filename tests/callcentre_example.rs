//! Runs `examples/callcentre` on the bundled sample (examples/data/) and
//! checks its answers against the sample's own files, so the example never
//! rots.
//!
//! The customer used throughout is Jean Fernandes (two store cards, a web
//! account, a call-centre contact and an app account in the sample), whose
//! mobile is `06 36 92 53 38` in his web account and store cards.
#![cfg(feature = "io")]

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const MOBILE: [&str; 3] = ["06 36 92 53 38", "+33 6 36 92 53 38", "06.36.92.53.38"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(root())
        .args([
            "run",
            "--quiet",
            "--all-features",
            "--example",
            "callcentre",
            "--",
        ])
        .args(args);
    command
}

fn run(args: &[&str]) -> Output {
    command(args).output().expect("cargo runs")
}

/// Runs the prompt mode with `input` on stdin.
fn run_prompt(args: &[&str], input: &str) -> Output {
    let mut child = command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("stdin is written");
    child.wait_with_output().expect("the example ends")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn json_lines(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

/// `event_id → source_record_id` from the sample's events export.
fn sample_events() -> HashMap<String, String> {
    let path = root().join("examples/data/events.csv");
    let mut reader = csv::Reader::from_path(&path).expect("events.csv");
    let headers = reader.headers().expect("a header").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (id, source) = (column("event_id"), column("source_record_id"));
    reader
        .records()
        .map(|r| {
            let r = r.expect("a row");
            (r[id].to_owned(), r[source].to_owned())
        })
        .collect()
}

fn str_at<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is a string in {value}"))
}

#[test]
fn one_customer_whatever_the_phone_spelling_with_its_own_timeline_newest_first() {
    let answers: Vec<Value> = MOBILE
        .iter()
        .map(|phone| {
            let lines = json_lines(&run(&["--phone", phone, "--json"]));
            assert_eq!(lines.len(), 1, "one answer per one-shot query");
            lines.into_iter().next().unwrap_or_default()
        })
        .collect();
    for answer in &answers {
        assert_eq!(str_at(answer, "status"), "found", "{answer}");
    }
    let id = str_at(&answers[0], "customer_id");
    assert!(id.starts_with('C') && id.len() == 17, "{id}");
    for answer in &answers[1..] {
        assert_eq!(str_at(answer, "customer_id"), id);
    }

    let answer = &answers[0];
    // His records, by source id: both store cards and the web account at
    // least (they all carry the mobile).
    let records: HashSet<(String, String)> = answer["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            (
                str_at(r, "channel").to_owned(),
                str_at(r, "source_id").to_owned(),
            )
        })
        .collect();
    let channels: HashSet<&str> = records.iter().map(|(c, _)| c.as_str()).collect();
    assert!(
        channels.contains("store") && channels.contains("web"),
        "{records:?}"
    );
    let source_ids: HashSet<&str> = records.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(str_at(&answer["profile"], "customer_id"), id);

    // The timeline: one page of 10, newest first, every event attached in
    // events.csv to one of his records; as many as he has, up to 10.
    let events = sample_events();
    let his_events = events
        .values()
        .filter(|source| source_ids.contains(source.as_str()))
        .count();
    let timeline = answer["timeline"].as_array().expect("timeline");
    assert_eq!(
        timeline.len(),
        his_events.min(10),
        "{his_events} events in the file"
    );
    assert_eq!(answer["timeline_more"].as_bool(), Some(his_events > 10));
    let mut previous: Option<jiff::Timestamp> = None;
    for event in timeline {
        let event_id = str_at(event, "event_id");
        let source = events.get(event_id).expect("the event is in events.csv");
        assert!(
            source_ids.contains(source.as_str()),
            "{event_id} belongs to {source}, not to this customer"
        );
        let at: jiff::Timestamp = str_at(event, "timestamp").parse().expect("RFC 3339");
        if let Some(previous) = previous {
            assert!(at <= previous, "newest first: {at} after {previous}");
        }
        previous = Some(at);
        for key in ["channel", "kind"] {
            assert!(!str_at(event, key).is_empty());
        }
        // Amounts are exact decimals: `22.10`, `-16.99`.
        if let Some(amount) = event["amount"].as_str() {
            let (units, cents) = amount.split_once('.').expect("a decimal point");
            assert!(units.trim_start_matches('-').parse::<u64>().is_ok() && cents.len() == 2);
        }
    }
    // Journeys and the explanation of a multi-record customer.
    let journeys = answer["journeys"].as_array().expect("journeys");
    assert!(!journeys.is_empty());
    for journey in journeys {
        assert!(!str_at(journey, "order_ref").is_empty());
        assert!(!journey["channels"].as_array().expect("channels").is_empty());
        assert!(!str_at(journey, "status").is_empty());
    }
    let explanation = answer["explanation"].as_array().expect("explanation");
    assert_eq!(explanation.len(), records.len() - 1, "a spanning tree");
    for edge in explanation {
        assert!(edge["weight"].as_f64().is_some_and(|w| w > 0.0), "{edge}");
        let levels = edge["levels"].as_array().expect("per-field levels");
        assert!(levels.iter().any(|l| str_at(l, "comparison") == "phone"
            || str_at(l, "comparison") == "email"
            || str_at(l, "comparison") == "family_name"));
    }
}

#[test]
fn an_unknown_phone_is_not_found_and_exits_zero() {
    let output = run(&["--phone", "06 00 00 00 01"]);
    let text = stdout(&output);
    assert!(text.contains("not found"), "{text}");
    assert!(
        !text.contains("06 00 00 00 01"),
        "the value is not repeated"
    );
    let lines = json_lines(&run(&["--phone", "06 00 00 00 01", "--json"]));
    assert_eq!(str_at(&lines[0], "status"), "not_found");
}

#[test]
fn bad_flags_and_missing_files_exit_non_zero_without_the_value() {
    let output = run(&["--telephone", "06 36 92 53 38"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown flag --telephone"), "{stderr}");
    assert!(!stderr.contains("92 53"), "{stderr}");

    let output = run(&["--phone"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--phone needs a value"));

    let output = run(&["--postcode", "75011"]);
    assert!(!output.status.success());

    let missing = Path::new("tests/fixtures/callcentre/no-such-job.toml");
    let output = run(&[
        "--job",
        missing.to_str().unwrap_or_default(),
        "--phone",
        MOBILE[0],
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no-such-job.toml"), "{stderr}");
    assert!(!stderr.contains("92 53"), "{stderr}");
}

#[test]
fn the_prompt_pages_lists_shared_values_and_says_generic() {
    // A household landline shared by two customers, a placeholder email,
    // then the mobile, two pages of its timeline, and a name search.
    let input = "phone 04 82 88 73 10\n\
                 email pasdemail@magasin.fr\n\
                 phone 0636925338\n\
                 next\n\
                 name Fernandes Jean\n\
                 bogus\n\
                 quit\n\
                 phone 0636925338\n";
    let lines = json_lines(&run_prompt(&["--json"], input));
    let statuses: Vec<&str> = lines.iter().map(|l| str_at(l, "status")).collect();
    assert_eq!(
        statuses,
        ["ambiguous", "generic", "found", "page", "found", "message"],
        "quit ends the session"
    );
    let candidates = lines[0]["candidates"].as_array().expect("candidates");
    assert!(candidates.len() >= 2, "{candidates:?}");
    assert!(lines[1]["customers"].as_u64().is_some_and(|n| n >= 2));

    let first_page = lines[2]["timeline"].as_array().expect("timeline");
    let second_page = lines[3]["timeline"].as_array().expect("next page");
    assert_eq!(first_page.len(), 10);
    assert!(!second_page.is_empty());
    let last_of_first: jiff::Timestamp = str_at(&first_page[9], "timestamp").parse().expect("ts");
    let first_of_second: jiff::Timestamp =
        str_at(&second_page[0], "timestamp").parse().expect("ts");
    assert!(
        first_of_second <= last_of_first,
        "pages continue newest first"
    );
    let seen: HashSet<&str> = first_page.iter().map(|e| str_at(e, "event_id")).collect();
    assert!(
        second_page
            .iter()
            .all(|e| !seen.contains(str_at(e, "event_id")))
    );

    // The name search finds the same customer, ahead of namesakes.
    assert_eq!(
        str_at(&lines[4], "customer_id"),
        str_at(&lines[2], "customer_id")
    );
}

/// Runs another example of the crate through cargo.
fn run_example(name: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO"))
        .current_dir(root())
        .args(["run", "--quiet", "--all-features", "--example", name, "--"])
        .args(args)
        .output()
        .expect("cargo runs")
}

/// The source keys of a found customer's records, as `channel:id`.
fn record_keys(answer: &Value) -> HashSet<String> {
    answer["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| format!("{}:{}", str_at(r, "channel"), str_at(r, "source_id")))
        .collect()
}

/// `dedup --snapshot` then `callcentre --snapshot`: the same customer, id
/// and records, as from the job, without resolving again; and a truncated
/// snapshot is refused with a message naming the file.
#[test]
fn a_snapshot_answers_like_the_job_and_a_truncated_one_is_refused() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let snapshot = dir.path().join("live.snap");
    let saved = run_example(
        "dedup",
        &[
            "--quiet",
            "--out",
            dir.path().join("out").to_str().expect("UTF-8 path"),
            "--snapshot",
            snapshot.to_str().expect("UTF-8 path"),
        ],
    );
    let summary = stdout(&saved);
    assert!(summary.contains("snapshot        "), "{summary}");

    let from_job = json_lines(&run(&["--phone", MOBILE[0], "--json"]));
    let snapshot_flag = snapshot.to_str().expect("UTF-8 path");
    let from_snapshot = json_lines(&run(&[
        "--snapshot",
        snapshot_flag,
        "--phone",
        MOBILE[1],
        "--json",
    ]));
    assert_eq!(from_job.len(), 1);
    assert_eq!(from_snapshot.len(), 1);
    let (job, snap) = (&from_job[0], &from_snapshot[0]);
    assert_eq!(str_at(snap, "status"), "found", "{snap}");
    assert_eq!(str_at(snap, "customer_id"), str_at(job, "customer_id"));
    assert_eq!(record_keys(snap), record_keys(job));
    assert!(
        record_keys(snap).len() >= 4,
        "Jean Fernandes has five records"
    );
    // The snapshot holds the events: the same timeline as the job's.
    assert!(
        snap["timeline"].as_array().is_some_and(|t| !t.is_empty()),
        "{snap}"
    );
    assert_eq!(snap["timeline"], job["timeline"]);

    let bytes = std::fs::read(&snapshot).expect("the snapshot");
    let truncated = dir.path().join("truncated.snap");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("written");
    let refused = run(&[
        "--snapshot",
        truncated.to_str().expect("UTF-8 path"),
        "--phone",
        MOBILE[0],
    ]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("truncated.snap"), "{stderr}");
    assert!(stderr.contains("truncated"), "{stderr}");
    assert!(
        !stderr.contains("36 92"),
        "the queried value is not repeated: {stderr}"
    );

    let both = run(&[
        "--snapshot",
        snapshot_flag,
        "--job",
        "x.toml",
        "--phone",
        MOBILE[0],
    ]);
    assert_eq!(both.status.code(), Some(2));
}

/// The live server example runs on the bundled sample, applies its writes
/// while readers look customers up, and says so.
#[test]
fn live_server_runs_and_exits_0() {
    let output = run_example("live_server", &[]);
    let text = stdout(&output);
    assert!(text.contains("start-up: "), "{text}");
    assert!(text.contains("change: attached"), "{text}");
    assert!(text.contains("upserts and 2 erasures"), "{text}");
    assert!(text.contains("reader 2: "), "{text}");
    // Ids only: no phone number or email of the sample in the output.
    assert!(!text.contains('@') && !text.contains("+33"), "{text}");
}
