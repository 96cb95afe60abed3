//! Normalization throughput, per field kind and per typical record.
//!
//! Target (issue 2): ≥ 1,000,000 typical records normalized per second per
//! core. Criterion reports `thrpt` in elements (records or values) per second;
//! the benchmark runs on one thread.
//!
//! `cargo bench --bench normalize`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use omnicanal::normalize::address::normalize_address;
use omnicanal::normalize::date::{DateOrder, parse_date};
use omnicanal::normalize::email::normalize_email;
use omnicanal::normalize::name::normalize_names;
use omnicanal::normalize::phone::normalize_phone;
use omnicanal::normalize::phonetic::phonetic_key;
use omnicanal::normalize::text::fold;
use omnicanal::normalize::{NormalizeOptions, Normalizer, Region};
use omnicanal::{Address, Channel, Record, SourceKey};

/// Records shaped like each channel's exports: the store's separate upper-case
/// family name and dotted phone, the web's E.164 and ISO dates, the call
/// centre's one full-name field, the app's birth year.
fn typical_records() -> Vec<Record> {
    let mut out = Vec::new();
    let key = |c: Channel, id: &str| SourceKey::new(c, id).expect("valid key");
    let mut b = Record::builder(key(Channel::Store, "4001234"));
    b.civility("Mme").unwrap();
    b.family_name("DUPONT").unwrap();
    b.given_name("Marie-Hélène").unwrap();
    b.birth_date("05/03/1980").unwrap();
    b.phone("06.12.34.56.78").unwrap();
    b.email("marie.dupont@orange.fr").unwrap();
    b.street("12 bis r. de la Paix").unwrap();
    b.postcode("75011").unwrap();
    b.city("PARIS 11E").unwrap();
    b.loyalty_card("4001 2345 67").unwrap();
    b.created_at("12/01/2021 10:32").unwrap();
    out.push(b.into_record());

    let mut b = Record::builder(key(Channel::Web, "A-77"));
    b.given_name("Jean-François").unwrap();
    b.family_name("Lefèvre").unwrap();
    b.birth_date("1975-11-23").unwrap();
    b.phone("+33612345678").unwrap();
    b.email("Jean.Francois.Lefevre+promo@gmail.com").unwrap();
    b.street("3 avenue du Général Leclerc").unwrap();
    b.postcode("69003").unwrap();
    b.city("Lyon").unwrap();
    b.account_id("A-77").unwrap();
    b.created_at("2022-04-01T08:15:00+02:00").unwrap();
    out.push(b.into_record());

    let mut b = Record::builder(key(Channel::CallCentre, "C-9"));
    b.full_name("Mme Dupont Marie").unwrap();
    b.phone("01 43 55 66 77").unwrap();
    b.postcode("1000").unwrap();
    b.city("St Denis CEDEX").unwrap();
    out.push(b.into_record());

    let mut b = Record::builder(key(Channel::App, "U-5"));
    b.given_name("Fred").unwrap();
    b.family_name("da Silva").unwrap();
    b.birth_year("1990").unwrap();
    b.email("fred.dasilva@hotmail.fr").unwrap();
    b.phone("07 81 22 33 44").unwrap();
    b.device_id("3f2a9c1e-77aa-4b2c-9d01-5e6f7a8b9c0d").unwrap();
    b.app_user_id("U-5").unwrap();
    out.push(b.into_record());
    out
}

fn fields(c: &mut Criterion) {
    let mut g = c.benchmark_group("normalize/field");
    g.throughput(Throughput::Elements(1));
    g.bench_function("fold", |b| {
        b.iter(|| {
            let s = fold(black_box("Mme DUPONT Marie-Hélène"));
            assert!(!s.is_empty());
            s
        })
    });
    g.bench_function("names", |b| {
        let full = vec!["Mme Dupont Marie-Hélène".to_owned()];
        b.iter(|| {
            let (_, names) = normalize_names(None, &[], &[], black_box(&full));
            assert_eq!(names.len(), 1);
            names
        })
    });
    g.bench_function("phonetic", |b| {
        b.iter(|| {
            let k = phonetic_key(black_box("lefebvre"));
            assert!(!k.is_empty());
            k
        })
    });
    g.bench_function("phone", |b| {
        b.iter(|| {
            let p = normalize_phone(black_box("06.12.34.56.78"), Region::FR);
            assert!(p.is_ok());
            p
        })
    });
    g.bench_function("email", |b| {
        b.iter(|| {
            let e = normalize_email(black_box("Jean.Dupont+promo@gmail.com"));
            assert!(e.is_ok());
            e
        })
    });
    g.bench_function("address", |b| {
        let a = Address {
            street: Some("12 bis r. de la Paix".into()),
            postcode: Some("75011".into()),
            city: Some("PARIS 11E".into()),
            country: None,
        };
        b.iter(|| {
            let n = normalize_address(black_box(&a), Region::FR);
            assert!(n.postcode.is_some());
            n
        })
    });
    g.bench_function("date", |b| {
        b.iter(|| {
            let d = parse_date(black_box("05/03/1980"), DateOrder::Dmy, 30);
            assert!(d.is_ok());
            d
        })
    });
    g.finish();
}

fn records(c: &mut Criterion) {
    let records = typical_records();
    let normalizer = Normalizer::new(NormalizeOptions::default()).expect("default options");
    let mut g = c.benchmark_group("normalize/record");
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("typical", |b| {
        b.iter(|| {
            for r in &records {
                let n = normalizer.normalize(black_box(r));
                assert!(!n.names.is_empty());
                black_box(n);
            }
        })
    });
    g.finish();
}

criterion_group!(benches, fields, records);
criterion_main!(benches);
