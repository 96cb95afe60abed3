//! Day numbers and Europe/Paris local time, computed directly.
//!
//! Generating millions of timestamps through general calendar arithmetic
//! (spans, time-zone database lookups) costs more than everything else the
//! generator does, so days are plain numbers here (days since 1970-01-01)
//! and Paris time uses the EU summer-time rule, exact since 1996: summer time
//! from the last Sunday of March to the last Sunday of October, switching at
//! 01:00 UTC. Generated local times avoid 01:00–04:00, where the rule's
//! edges would matter.

use jiff::Timestamp;
use jiff::civil::Date;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day number.
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The day number of a jiff date.
pub(crate) fn day_number(date: Date) -> i64 {
    days_from_civil(
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    )
}

/// The day number of the last Sunday of a month with 31 days.
fn last_sunday(year: i64, month: i64) -> i64 {
    let last = days_from_civil(year, month, 31);
    // Day 0 (1970-01-01) was a Thursday: (z + 4) mod 7 is 0 on Sundays.
    last - (last + 4).rem_euclid(7)
}

/// Seconds since the epoch of a Paris local time, given as a day number and
/// seconds since local midnight.
pub(crate) fn paris_seconds(day: i64, second_of_day: i64) -> i64 {
    let local = day * 86_400 + second_of_day;
    let (year, _, _) = civil_from_days(day);
    let summer_start = last_sunday(year, 3) * 86_400 + 3_600;
    let summer_end = last_sunday(year, 10) * 86_400 + 3_600;
    let winter_utc = local - 3_600;
    if (summer_start..summer_end).contains(&winter_utc) {
        local - 7_200
    } else {
        winter_utc
    }
}

/// The instant of a Paris local time.
pub(crate) fn paris_timestamp(day: i64, second_of_day: i64) -> Timestamp {
    Timestamp::from_second(paris_seconds(day, second_of_day)).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// RFC 3339 in UTC (`2021-04-03T08:22:31Z`) of a Paris local time.
pub(crate) fn paris_as_utc_rfc3339(day: i64, second_of_day: i64) -> String {
    let utc = paris_seconds(day, second_of_day);
    let (y, m, d) = civil_from_days(utc.div_euclid(86_400));
    let s = utc.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn day_numbers_round_trip_and_agree_with_jiff(z in -200_000i64..200_000) {
            let (y, m, d) = civil_from_days(z);
            prop_assert_eq!(days_from_civil(y, m, d), z);
            let date = Date::new(y as i16, m as i8, d as i8).unwrap();
            prop_assert_eq!(day_number(date), z);
        }

        #[test]
        fn paris_time_agrees_with_the_tz_database(day in 9_500i64..25_000, sod in (4 * 3600i64)..(24 * 3600)) {
            let (y, m, d) = civil_from_days(day);
            let dt = Date::new(y as i16, m as i8, d as i8).unwrap()
                .at((sod / 3600) as i8, (sod / 60 % 60) as i8, (sod % 60) as i8, 0);
            let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
            let expected = tz.to_ambiguous_timestamp(dt).compatible().unwrap();
            prop_assert_eq!(paris_timestamp(day, sod), expected);
            prop_assert_eq!(paris_as_utc_rfc3339(day, sod), expected.to_string());
        }
    }
}
