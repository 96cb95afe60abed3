//! Customer exports to records: the fixtures of a nightly job, and every
//! way a file or a row can be wrong.
#![cfg(feature = "io")]

use std::path::{Path, PathBuf};

use omnicanal::io::{
    Columns, FieldName, Format, JobFile, Reject, RejectWriter, Row, SourceReader, SourceSpec,
    TextEncoding, write_rejects,
};
use omnicanal::{Address, Channel, ErrorKind, IdentifierKind, Record};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A fresh folder for files written by one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("omnicanal-io-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn job() -> JobFile {
    JobFile::load(fixtures().join("job.toml")).unwrap()
}

fn read(spec: &SourceSpec, dir: &Path) -> (Vec<Record>, Vec<Reject>) {
    split(SourceReader::open(spec, dir).unwrap())
}

fn split(rows: impl Iterator<Item = Row>) -> (Vec<Record>, Vec<Reject>) {
    let mut records = Vec::new();
    let mut rejects = Vec::new();
    for row in rows {
        match row {
            Ok(record) => records.push(record),
            Err(reject) => rejects.push(reject),
        }
    }
    (records, rejects)
}

fn address(street: Option<&str>, postcode: Option<&str>, city: Option<&str>) -> Address {
    Address {
        street: street.map(str::to_owned),
        postcode: postcode.map(str::to_owned),
        city: city.map(str::to_owned),
        country: None,
    }
}

#[test]
fn windows_1252_semicolon_file_keeps_its_accents() {
    let raw = std::fs::read(fixtures().join("store_cards_cp1252.csv")).unwrap();
    // Guard against the fixture being re-saved as UTF-8 by an editor.
    assert!(
        raw.contains(&0xE9) && raw.contains(&0x8C),
        "fixture must be Windows-1252"
    );
    let (records, rejects) = read(&job().sources[0], &fixtures());
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(records.len(), 3);
    let amelie = &records[0];
    assert_eq!(amelie.key.to_string(), "store:4001234");
    assert_eq!(amelie.civility.as_deref(), Some("Mme"));
    assert_eq!(amelie.given_names, ["Amélie"]);
    assert_eq!(amelie.phones, ["06.12.34.56.78"]);
    assert_eq!(amelie.birth_date.as_deref(), Some("05/03/1980"));
    assert_eq!(
        amelie.addresses,
        [address(
            Some("12 bis rue de la Paix"),
            Some("75011"),
            Some("Paris")
        )]
    );
    assert_eq!(amelie.identifiers[0].kind, IdentifierKind::LoyaltyCard);
    assert_eq!(amelie.identifiers[0].value, "4001234");
    assert_eq!(records[1].family_names, ["LEFÈVRE"]);
    assert_eq!(records[1].given_names, ["François"]);
    assert_eq!(
        records[1].addresses[0].street.as_deref(),
        Some("3 avenue Jean Jaurès")
    );
    assert_eq!(records[1].birth_date, None);
    // Œ is 0x8C in Windows-1252, a C1 control in true ISO-8859-1.
    assert_eq!(records[2].family_names, ["ŒUVRARD"]);
    assert_eq!(records[2].given_names, ["Zoé"]);
    assert_eq!(records[2].phones, Vec::<String>::new());
    assert_eq!(
        records[2].addresses,
        [address(None, Some("42000"), Some("Saint-Étienne"))]
    );
}

#[test]
fn iso_8859_15_written_with_encoding_rs_is_read_back() {
    let dir = scratch("latin9");
    let text = "ref;nom\nR1;Œuvre Cœur\nR2;Müller €\n";
    let (bytes, _, unmappable) = encoding_rs::ISO_8859_15.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err());
    std::fs::write(dir.join("latin9.csv"), &bytes).unwrap();
    let mut spec = SourceSpec::new("latin9.csv", Channel::Store, "ref");
    spec.delimiter = ";".parse().unwrap();
    spec.encoding = TextEncoding::Iso8859_15;
    spec.map.insert("full_name".parse().unwrap(), "nom".into());
    let (records, rejects) = read(&spec, &dir);
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(records[0].full_names, ["Œuvre Cœur"]);
    assert_eq!(records[1].full_names, ["Müller €"]);
}

#[test]
fn utf8_bom_does_not_hide_the_first_column() {
    let raw = std::fs::read(fixtures().join("web_accounts_bom.csv")).unwrap();
    assert!(raw.starts_with(b"\xEF\xBB\xBFid,"));
    // Mapping `id`, the first header, would fail if the BOM were kept.
    let (records, rejects) = read(&job().sources[1], &fixtures());
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(records[0].key.to_string(), "web:W-1001");
    assert_eq!(records[0].given_names, ["Hélène"]);
    assert_eq!(
        records[0].addresses,
        [address(
            Some("8 rue des Lilas, bâtiment B"),
            Some("13008"),
            Some("Marseille")
        )]
    );
    assert_eq!(records[1].key.id, "W-1002");
    assert!(records[1].addresses.is_empty());
}

#[test]
fn headerless_file_is_mapped_by_column_number() {
    let (records, rejects) = read(&job().sources[2], &fixtures());
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].key.to_string(), "callcentre:CC-77");
    assert_eq!(records[0].full_names, ["Dupont Marie"]);
    assert_eq!(records[0].emails, ["marie.dupont@example.fr"]);
    assert_eq!(records[1].full_names, ["Garcia, Pedro"]);
    assert_eq!(records[1].phones, ["+33 6 98 76 54 32"]);
    assert!(records[1].emails.is_empty());
}

#[test]
fn jsonl_paths_reach_nested_lists_element_by_element() {
    let (records, rejects) = read(&job().sources[3], &fixtures());
    assert_eq!(records.len(), 2, "{records:?}");
    let lea = &records[0];
    assert_eq!(lea.key.to_string(), "app:A-1");
    assert_eq!(lea.given_names, ["Léa"]);
    assert_eq!(lea.family_names, ["Moreau"]);
    assert_eq!(lea.emails, ["lea.moreau@example.fr", "lea@example.com"]);
    assert_eq!(lea.phones, ["06 11 22 33 44"]);
    // The second address has no zip and the third only a zip: components
    // stay with their own element.
    assert_eq!(
        lea.addresses,
        [
            address(Some("4 place Bellecour"), Some("69002"), Some("Lyon")),
            address(Some("1 route des Crêtes"), None, Some("Annecy")),
            address(None, Some("74000"), None),
        ]
    );
    assert_eq!(lea.identifiers[0].kind, IdentifierKind::Named("app".into()));
    // A numeric id is read as written.
    assert_eq!(records[1].key.id, "1002");
    assert_eq!(records[1].given_names, ["Noé"]);

    let got: Vec<(u64, &str)> = rejects
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                4,
                "column name.given: an object where a single value was expected"
            ),
            (5, "invalid JSON at column 2"),
            (6, "not a JSON object"),
            (7, "column user_id: duplicate source id in channel app"),
        ]
    );
}

#[test]
fn the_whole_job_reads_every_source_in_order() {
    let (records, rejects) = split(job().read_sources(fixtures()).unwrap());
    let channels: Vec<&str> = records.iter().map(|r| r.key.channel.name()).collect();
    assert_eq!(
        channels,
        [
            "store",
            "store",
            "store",
            "web",
            "web",
            "callcentre",
            "callcentre",
            "app",
            "app"
        ]
    );
    assert_eq!(rejects.len(), 4);
    assert!(rejects.iter().all(|r| r.file.ends_with("app_users.jsonl")));
}

/// A file with one row of each kind of trouble, lines numbered as an editor
/// shows them (the header is line 1; a quoted cell over two lines takes two).
#[test]
fn bad_rows_become_rejects_at_their_physical_line() {
    let dir = scratch("bad-rows");
    let mut csv = Vec::new();
    csv.extend_from_slice(b"id,nom,telephone,email\n"); // 1
    csv.extend_from_slice(b"B1,Dupont,0612345678,a@example.fr\n"); // 2 ok
    csv.extend_from_slice(b"B2,Martin,0611111111\n"); // 3 short
    csv.extend_from_slice(b",Durand,0622222222,b@example.fr\n"); // 4 no id
    csv.extend_from_slice(b"B3,\"Le Goff\nde Bretagne\",0633333333,c@example.fr\n"); // 5-6 ok
    csv.extend_from_slice(b"B1,Dupond,0612345678,a@example.fr\n"); // 7 duplicate
    csv.extend_from_slice(b"B4,L\xE9a,0644444444,d@example.fr\n"); // 8 Latin-1 byte in UTF-8
    csv.extend_from_slice(format!("B5,Roux,{},e@example.fr\n", "0".repeat(1100)).as_bytes()); // 9
    csv.extend_from_slice(b"B6,Blanc,0655555555,f@example.fr,extra\n"); // 10 long
    csv.extend_from_slice(b"\"B7\nB8\",Noir,0666666666,g@example.fr\n"); // 11-12 control char in id
    csv.extend_from_slice(b"B9,Vert,0677777777,h@example.fr"); // 13 ok, no final newline
    std::fs::write(dir.join("bad.csv"), &csv).unwrap();

    let mut spec = SourceSpec::new("bad.csv", Channel::Web, "id");
    spec.map
        .insert("family_name".parse().unwrap(), "nom".into());
    spec.map
        .insert("phone".parse().unwrap(), "telephone".into());
    spec.map.insert("email".parse().unwrap(), "email".into());
    let rows: Vec<Row> = SourceReader::open(&spec, &dir).unwrap().collect();
    assert_eq!(rows.len(), 10, "one outcome per data row");
    let (records, rejects) = split(rows.into_iter());
    let ids: Vec<&str> = records.iter().map(|r| r.key.id.as_str()).collect();
    assert_eq!(ids, ["B1", "B3", "B9"]);
    assert_eq!(records[1].family_names, ["Le Goff\nde Bretagne"]);
    assert_eq!(records[0].family_names, ["Dupont"], "the first B1 wins");
    let got: Vec<(u64, &str)> = rejects
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (3, "wrong number of fields: 3 instead of 4"),
            (4, "column id: missing id"),
            (7, "column id: duplicate source id in channel web"),
            (8, "column nom: invalid UTF-8"),
            (9, "column telephone: value longer than 1024 bytes"),
            (10, "wrong number of fields: 5 instead of 4"),
            (
                11,
                "column id: invalid id (longer than 256 bytes or with control characters)"
            ),
        ]
    );
    for reject in &rejects {
        assert_eq!(reject.file, dir.join("bad.csv"));
        // Reasons name columns, never values.
        for value in ["Martin", "Durand", "Dupond", "0000", "Noir", "B7"] {
            assert!(!reject.reason.contains(value), "{reject}");
        }
    }
}

#[test]
fn an_unbalanced_quote_is_one_reject_showing_the_lines_it_swallowed() {
    let dir = scratch("unbalanced");
    let mut text = String::from("id,nom\nQ0,Martin\nQ1,\"Dupont\n");
    for i in 2..=13 {
        text.push_str(&format!("Q{i},Durand\n"));
    }
    std::fs::write(dir.join("q.csv"), text).unwrap();
    let mut spec = SourceSpec::new("q.csv", Channel::Store, "id");
    spec.map
        .insert("family_name".parse().unwrap(), "nom".into());
    let (records, rejects) = read(&spec, &dir);
    assert_eq!(records.len(), 1);
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].line, 3);
    assert_eq!(
        rejects[0].reason,
        "the row spans lines 3–15, more than 10: unbalanced quote?"
    );
}

#[test]
fn a_cell_over_a_few_lines_is_still_one_good_row() {
    let dir = scratch("multiline");
    std::fs::write(
        dir.join("m.csv"),
        "id,voie\nM1,\"Résidence les Pins\nBâtiment C\nEscalier 2\n12 rue Victor Hugo\"\nM2,rue Basse\n",
    )
    .unwrap();
    let mut spec = SourceSpec::new("m.csv", Channel::Store, "id");
    spec.map.insert("street".parse().unwrap(), "voie".into());
    let (records, rejects) = read(&spec, &dir);
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(
        records[0].addresses[0].street.as_deref(),
        Some("Résidence les Pins\nBâtiment C\nEscalier 2\n12 rue Victor Hugo")
    );
    assert_eq!(records[1].key.id, "M2");
}

#[test]
fn duplicate_ids_are_caught_across_files_of_one_channel_only() {
    let dir = scratch("dup-across");
    std::fs::write(dir.join("a.csv"), "id,nom\nS1,Dupont\nS2,Martin\n").unwrap();
    std::fs::write(dir.join("b.csv"), "id,nom\nS2,Martin\nS3,Petit\n").unwrap();
    std::fs::write(dir.join("c.csv"), "id,nom\nS2,Martin\n").unwrap();
    let spec = |path: &str, channel: Channel| {
        let mut spec = SourceSpec::new(path, channel, "id");
        spec.map
            .insert("family_name".parse().unwrap(), "nom".into());
        spec
    };
    let job = JobFile {
        sources: vec![
            spec("a.csv", Channel::Store),
            spec("b.csv", Channel::Store),
            spec("c.csv", Channel::Web),
        ],
        events: vec![],
    };
    let (records, rejects) = split(job.read_sources(&dir).unwrap());
    let keys: Vec<String> = records.iter().map(|r| r.key.to_string()).collect();
    assert_eq!(keys, ["store:S1", "store:S2", "store:S3", "web:S2"]);
    assert_eq!(rejects.len(), 1);
    assert_eq!(
        (rejects[0].file.clone(), rejects[0].line),
        (dir.join("b.csv"), 2)
    );
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let mut spec = job().sources[0].clone();
    spec.path = "nowhere/cartes.csv".into();
    let err = SourceReader::open(&spec, fixtures()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Io { .. }), "{err}");
    assert!(err.file().unwrap().ends_with("nowhere/cartes.csv"), "{err}");
    // Opening a job checks every file before reading any row.
    let mut job = job();
    job.sources[2].path = "missing.csv".into();
    let err = job.read_sources(fixtures()).unwrap_err();
    assert!(err.file().unwrap().ends_with("missing.csv"), "{err}");
}

#[test]
fn an_unknown_column_in_the_mapping_is_refused_before_any_row() {
    let mut spec = job().sources[0].clone();
    spec.map.insert(
        FieldName::new("email").unwrap(),
        Columns::Joined(vec!["courriel".into()]),
    );
    let err = SourceReader::open(&spec, fixtures()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config { .. }));
    assert_eq!(err.field(), Some("courriel"));
    assert!(err.file().unwrap().ends_with("store_cards_cp1252.csv"));
    let message = err.to_string();
    assert!(message.contains("unknown column \"courriel\""), "{message}");
    assert!(message.contains("store_cards_cp1252.csv"), "{message}");

    // Without a header, a column past the first row's width is unknown too.
    let mut spec = job().sources[2].clone();
    spec.map.insert(FieldName::new("city").unwrap(), "9".into());
    let err = SourceReader::open(&spec, fixtures()).unwrap_err();
    assert!(err.to_string().contains("the file has 4 columns"), "{err}");

    // And a malformed JSON path.
    let mut spec = job().sources[3].clone();
    spec.map
        .insert(FieldName::new("city").unwrap(), "addresses[x].city".into());
    let err = SourceReader::open(&spec, fixtures()).unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown column \"addresses[x].city\""),
        "{err}"
    );
}

#[test]
fn a_header_that_is_not_valid_utf8_is_an_encoding_error() {
    let dir = scratch("bad-header");
    std::fs::write(dir.join("h.csv"), b"id,pr\xE9nom\nX1,Zo\xE9\n").unwrap();
    let spec = SourceSpec::new("h.csv", Channel::Store, "id");
    let err = SourceReader::open(&spec, &dir).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Encoding);
    assert_eq!(err.line(), Some(1));
    assert_eq!(err.field(), Some("header column 2"));
}

#[test]
fn an_empty_file_with_a_header_expected_is_refused() {
    let dir = scratch("empty");
    std::fs::write(dir.join("e.csv"), b"").unwrap();
    let spec = SourceSpec::new("e.csv", Channel::Store, "id");
    let err = SourceReader::open(&spec, &dir).unwrap_err();
    assert!(err.to_string().contains("expected a header line"), "{err}");
    let mut headerless = spec.clone();
    headerless.header = false;
    headerless.id = "1".into();
    assert_eq!(SourceReader::open(&headerless, &dir).unwrap().count(), 0);
}

#[test]
fn a_bad_job_file_names_the_key_and_its_line() {
    let text = std::fs::read_to_string(fixtures().join("job.toml")).unwrap();
    let text = text.replacen("region = \"FR\"", "region = \"FR\"\nregoin = \"FR\"", 1);
    let dir = scratch("bad-job");
    std::fs::write(dir.join("job.toml"), &text).unwrap();
    let err = JobFile::load(dir.join("job.toml")).unwrap_err();
    let line = text.lines().position(|l| l.starts_with("regoin")).unwrap() as u64 + 1;
    assert_eq!(err.line(), Some(line));
    assert!(err.file().unwrap().ends_with("job.toml"));
    let message = err.to_string();
    assert!(message.contains(&format!("line {line}")), "{message}");
    assert!(message.contains("unknown field `regoin`"), "{message}");
}

#[test]
fn an_unsupported_encoding_in_the_job_file_is_refused() {
    let text = std::fs::read_to_string(fixtures().join("job.toml")).unwrap();
    let text = text.replacen("windows-1252", "utf-16le", 1);
    let err = JobFile::from_toml_str(&text).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config { .. }));
    assert!(
        err.to_string()
            .contains("unsupported encoding \"utf-16le\""),
        "{err}"
    );
    let line = text.lines().position(|l| l.contains("utf-16le")).unwrap() as u64 + 1;
    assert_eq!(err.line(), Some(line));
}

#[test]
fn a_spec_from_the_command_line_reads_like_the_job_file_one() {
    let args: Vec<String> = [
        "--input",
        "callcentre_noheader.csv",
        "--channel",
        "callcentre",
        "--id-column",
        "1",
        "--no-header",
        "--map",
        "full_name=2",
        "--map",
        "phone=3",
        "--map",
        "email=4",
    ]
    .map(String::from)
    .to_vec();
    let spec = SourceSpec::from_cli_args(&args).unwrap();
    assert_eq!(spec.format, Format::Csv);
    assert_eq!(spec, job().sources[2]);
}

#[test]
fn rejects_are_written_as_csv_with_commas_and_quotes_escaped() {
    let dir = scratch("rejects");
    let (_, rejects) = read(&job().sources[3], &fixtures());
    let path = dir.join("rejects.csv");
    assert_eq!(write_rejects(&path, &rejects).unwrap(), 4);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("file,line,reason"));
    let second = lines.next().unwrap();
    assert!(
        second.ends_with(
            "app_users.jsonl,4,column name.given: an object where a single value was expected"
        ),
        "{second}"
    );
    // Read back with a CSV reader: the fields survive.
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let back: Vec<(String, u64, String)> = reader.deserialize().map(Result::unwrap).collect();
    assert_eq!(back.len(), 4);
    assert_eq!(back[3].1, 7);
    assert_eq!(
        back[3].2,
        "column user_id: duplicate source id in channel app"
    );

    let mut out = Vec::new();
    let mut writer = RejectWriter::new(&mut out).unwrap();
    writer
        .write(&Reject {
            file: "a,b.csv".into(),
            line: 3,
            reason: "wrong \"quote\"".into(),
        })
        .unwrap();
    assert_eq!(writer.written(), 1);
    writer.finish().unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "file,line,reason\n\"a,b.csv\",3,\"wrong \"\"quote\"\"\"\n"
    );
}
