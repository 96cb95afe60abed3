//! Date parsing is total; every accepted date is valid and round-trips through ISO.
#![no_main]
use libfuzzer_sys::fuzz_target;
use omnicanal::normalize::date::{DateOrder, parse_date, parse_timestamp};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    for order in [DateOrder::Dmy, DateOrder::Mdy, DateOrder::Ymd] {
        if let Ok(d) = parse_date(&s, order, 30) {
            assert!((1870..=2100).contains(&d.year));
            if let (Some(m), Some(day)) = (d.month, d.day) {
                let iso = format!("{:04}-{:02}-{:02}", d.year, m, day);
                assert!(jiff::civil::Date::new(d.year as i16, m as i8, day as i8).is_ok());
                assert_eq!(parse_date(&iso, order, 30), Ok(d));
            } else {
                assert!(d.day.is_none(), "a day without a month");
            }
        }
        let _ = parse_timestamp(&s, order, &jiff::tz::TimeZone::UTC);
    }
});
