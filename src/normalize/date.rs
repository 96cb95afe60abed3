//! Dates: birth dates (full or partial) and record timestamps.
//!
//! Numeric dates are read in the source's [`DateOrder`], except where the
//! format itself says which group is the year: a four-digit first group is
//! always `yyyy-mm-dd` (ISO 8601), whatever the order. Partial dates (`1980`,
//! `03/1980`) keep only what they know, so a birth year alone can still be
//! compared with a full birth date.
//!
//! | input | result (order `Dmy`) |
//! | --- | --- |
//! | `05/03/1980`, `5/3/1980`, `05-03-1980`, `05.03.1980` | 1980-03-05 |
//! | `1980-03-05`, `1980-03-05T00:00:00Z`, `19800305` | 1980-03-05 |
//! | `05031980` | 1980-03-05 (`Mdy`: 1980-05-03) |
//! | `05/03/80` | 1980-03-05 (pivot 30) |
//! | `03/1980`, `1980-03` | March 1980 |
//! | `1980` | 1980 |

use serde::{Deserialize, Serialize};

/// The order of day, month and year in numeric dates of a source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateOrder {
    /// `dd/mm/yyyy`, the French default.
    #[default]
    Dmy,
    /// `mm/dd/yyyy`, US exports.
    Mdy,
    /// `yyyy/mm/dd`.
    Ymd,
}

/// A date that may know only its year, or its year and month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartialDate {
    /// Four-digit year.
    pub year: u16,
    /// 1–12, when known.
    pub month: Option<u8>,
    /// 1–31 and valid for the month, when known (only with a month).
    pub day: Option<u8>,
}

/// Why a date gave no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DateIssue {
    /// Not a date in any known format.
    Unrecognized,
    /// A month over 12, a day past the month's end, 29 February of a common year.
    Impossible,
    /// A year outside 1870 ..= 2100.
    OutOfRange,
}

impl DateIssue {
    /// A short reason for reject reports (never the value).
    ///
    /// ```
    /// use omnicanal::normalize::date::DateIssue;
    /// assert_eq!(DateIssue::Impossible.as_str(), "impossible date");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            DateIssue::Unrecognized => "unrecognized date format",
            DateIssue::Impossible => "impossible date",
            DateIssue::OutOfRange => "year out of range",
        }
    }
}

/// The reason of [`DateIssue::as_str`]; never the value.
impl std::fmt::Display for DateIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for DateIssue {}

/// The earliest year accepted: nobody alive was born before, and older years
/// in a customer file are typing errors (`0980`, `1080`).
pub const MIN_YEAR: u16 = 1870;
/// The latest year accepted.
pub const MAX_YEAR: u16 = 2100;

/// Longer inputs are not dates; refusing them early bounds the work on broken
/// exports (a whole row in one cell).
const MAX_DATE_BYTES: usize = 64;

/// Two-digit years in timestamps: below this 20xx, else 19xx. Record
/// timestamps are computer-made, so the Unix era (1970–2069) is the right guess.
const TIMESTAMP_CENTURY_PIVOT: u8 = 70;

/// Parses a date in any supported format, numeric ones in `order`; two-digit
/// years below `century_pivot` are 20xx, others 19xx.
///
/// ```
/// use omnicanal::normalize::date::{parse_date, DateIssue, DateOrder, PartialDate};
/// let d = parse_date("05/03/80", DateOrder::Dmy, 30)?;
/// assert_eq!(d, PartialDate { year: 1980, month: Some(3), day: Some(5) });
/// assert_eq!(parse_date("1980", DateOrder::Dmy, 30)?.month, None);
/// assert_eq!(parse_date("31/02/1980", DateOrder::Dmy, 30), Err(DateIssue::Impossible));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_date(
    raw: &str,
    order: DateOrder,
    century_pivot: u8,
) -> Result<PartialDate, DateIssue> {
    let s = raw.trim();
    if s.is_empty() || s.len() > MAX_DATE_BYTES {
        return Err(DateIssue::Unrecognized);
    }
    // A time part is allowed and ignored: exports write birth dates as
    // midnight timestamps (`1980-03-05T00:00:00Z`, `05/03/1980 00:00`).
    let (date_part, time) = split_time(s)?;
    if let Some(time) = time {
        parse_time(time).map_err(|_| DateIssue::Unrecognized)?;
    }
    parse_date_part(date_part, order, century_pivot)
}

/// Parses a record timestamp (ISO 8601 with or without offset, or a date with an
/// optional time in `order`); times without an offset are civil times in `tz`
/// (gaps and folds at DST changes resolved the way jiff's `compatible` does).
///
/// A time in a DST gap is moved forward by the gap's length; a time that
/// happens twice is the earlier instant. A date alone is midnight civil time.
/// Two-digit years are read as 1970–2069.
///
/// ```
/// use omnicanal::normalize::date::{parse_timestamp, DateOrder};
/// let paris = jiff::tz::TimeZone::get("Europe/Paris")?;
/// let ts = parse_timestamp("05/03/2024 10:30", DateOrder::Dmy, &paris)?;
/// assert_eq!(ts.to_string(), "2024-03-05T09:30:00Z");
/// let ts = parse_timestamp("2024-03-05T10:30:00+01:00", DateOrder::Dmy, &paris)?;
/// assert_eq!(ts.to_string(), "2024-03-05T09:30:00Z");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_timestamp(
    raw: &str,
    order: DateOrder,
    tz: &jiff::tz::TimeZone,
) -> Result<jiff::Timestamp, DateIssue> {
    let s = raw.trim();
    if s.is_empty() || s.len() > MAX_DATE_BYTES {
        return Err(DateIssue::Unrecognized);
    }
    if let Some((year, ts)) = parse_iso_seconds(s) {
        // The year in UTC is within one of the year written.
        if (MIN_YEAR as i16) < year && year < MAX_YEAR as i16 {
            return Ok(ts);
        }
        return check_timestamp_year(ts);
    }
    // RFC 3339 and ISO 8601 with an offset: jiff's own parser is exact. It
    // is only asked when the text can start a date of its grammar, since a
    // refusal builds an error (two allocations) for every `12/01/2021 10:32`.
    if may_be_iso_timestamp(s) {
        if let Ok(ts) = s.parse::<jiff::Timestamp>() {
            return check_timestamp_year(ts);
        }
    }
    let (date_part, time_part) = split_time(s)?;
    let date = parse_date_part(date_part, order, TIMESTAMP_CENTURY_PIVOT)?;
    let (Some(month), Some(day)) = (date.month, date.day) else {
        return Err(DateIssue::Unrecognized);
    };
    let time = match time_part {
        Some(t) => parse_time(t)?,
        None => ClockTime::default(),
    };
    // Years are within 1870..=2100 and the rest validated, so these casts hold.
    let civil = jiff::civil::DateTime::new(
        date.year as i16,
        month as i8,
        day as i8,
        time.hour as i8,
        time.minute as i8,
        time.second as i8,
        time.nanosecond as i32,
    )
    .map_err(|_| DateIssue::Impossible)?;
    let ts = match time.offset_seconds {
        Some(seconds) => jiff::tz::Offset::from_seconds(seconds)
            .and_then(|offset| offset.to_timestamp(civil))
            .map_err(|_| DateIssue::OutOfRange)?,
        None => tz
            .to_ambiguous_timestamp(civil)
            .compatible()
            .map_err(|_| DateIssue::OutOfRange)?,
    };
    check_timestamp_year(ts)
}

/// `YYYY-MM-DDTHH:MM:SS` then `Z` or `±HH:MM`, the form nearly every
/// export writes, read without jiff's general grammar (which was most of
/// the cost of a timestamp): the year written and the instant, as jiff's
/// parser gives it (a law the tests check). `None` for any other text and
/// for a field out of its range, which jiff's parser then decides.
fn parse_iso_seconds(s: &str) -> Option<(i16, jiff::Timestamp)> {
    let (datetime, offset) = s.as_bytes().split_at_checked(19)?;
    let number = |from: usize, to: usize| -> Option<i32> {
        datetime.get(from..to)?.iter().try_fold(0i32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + i32::from(b - b'0'))
        })
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if !separators.iter().all(|&(i, b)| datetime.get(i) == Some(&b)) {
        return None;
    }
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let offset_seconds = match offset {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digit = |b: &u8| b.is_ascii_digit().then(|| i32::from(b - b'0'));
            let hours = digit(h1)? * 10 + digit(h2)?;
            let minutes = digit(m1)? * 10 + digit(m2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = hours * 3600 + minutes * 60;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    // Four digits and two-digit fields in the ranges checked: the casts hold.
    let civil = jiff::civil::DateTime::new(
        year as i16,
        month as i8,
        day as i8,
        hour as i8,
        minute as i8,
        second as i8,
        0,
    )
    .ok()?;
    let ts = jiff::tz::Offset::from_seconds(offset_seconds)
        .ok()?
        .to_timestamp(civil)
        .ok()?;
    Some((year as i16, ts))
}

/// Whether `s` starts as every timestamp of jiff's (Temporal ISO 8601)
/// grammar does: a four-digit year, or a sign before a six-digit one.
fn may_be_iso_timestamp(s: &str) -> bool {
    match s.as_bytes() {
        [b'+' | b'-', ..] => true,
        [a, b, c, d, ..] => [a, b, c, d].iter().all(|x| x.is_ascii_digit()),
        _ => false,
    }
}

fn check_timestamp_year(ts: jiff::Timestamp) -> Result<jiff::Timestamp, DateIssue> {
    let year = ts.to_zoned(jiff::tz::TimeZone::UTC).year();
    if (MIN_YEAR as i16..=MAX_YEAR as i16).contains(&year) {
        Ok(ts)
    } else {
        Err(DateIssue::OutOfRange)
    }
}

/// True for a leap year of the Gregorian calendar.
pub fn is_leap_year(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` (1–12) of `year`; 0 for a month out of range.
pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Splits `date[T| ]time` into its parts. A space only separates a time when
/// a colon or an `h` follows (`05 03 1980` is a date with spaces); a `T` only when digits
/// follow (`1980-03-05T00:00:00Z`).
fn split_time(s: &str) -> Result<(&str, Option<&str>), DateIssue> {
    let bytes = s.as_bytes();
    if let Some(t) = bytes.iter().position(|&b| b == b'T' || b == b't') {
        let rest = &s[t + 1..];
        return if rest.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
            Ok((&s[..t], Some(rest)))
        } else {
            Err(DateIssue::Unrecognized)
        };
    }
    // Byte scans: the marks are ASCII, so they never occur inside a
    // multi-byte character, and a scan costs less than a `char` pattern.
    if let Some(colon) = bytes.iter().position(|&b| matches!(b, b':' | b'h' | b'H')) {
        // The time starts after the last space before the first colon.
        if let Some(space) = bytes[..colon].iter().rposition(|&b| b == b' ') {
            return Ok((s[..space].trim_end(), Some(&s[space + 1..])));
        }
        return Err(DateIssue::Unrecognized);
    }
    Ok((s, None))
}

/// Up to three runs of ASCII digits separated by `/`, `-`, `.` or spaces.
struct Groups<'a> {
    groups: [&'a str; 3],
    count: usize,
}

fn digit_groups(s: &str) -> Option<Groups<'_>> {
    let mut groups = [""; 3];
    let mut count = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    // A separator is a run of spaces around at most one of `/ - .`.
    let mut expect_digits = true;
    while i < bytes.len() {
        if expect_digits {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i == start || count == 3 {
                return None;
            }
            groups[count] = &s[start..i];
            count += 1;
            expect_digits = false;
        } else {
            let mut punctuation = 0;
            while i < bytes.len() && matches!(bytes[i], b'/' | b'-' | b'.' | b' ') {
                if bytes[i] != b' ' {
                    punctuation += 1;
                }
                i += 1;
            }
            if punctuation > 1 || i == bytes.len() {
                return None;
            }
            expect_digits = true;
        }
    }
    (count > 0).then_some(Groups { groups, count })
}

fn number(digits: &str) -> u16 {
    // Callers pass at most four ASCII digits.
    digits
        .bytes()
        .fold(0u16, |n, b| n * 10 + u16::from(b - b'0'))
}

fn year_of(digits: &str, century_pivot: u8) -> Option<u16> {
    match digits.len() {
        4 => Some(number(digits)),
        2 => {
            let yy = number(digits);
            Some(if yy < u16::from(century_pivot) {
                2000 + yy
            } else {
                1900 + yy
            })
        }
        _ => None,
    }
}

fn small(digits: &str) -> Option<u8> {
    // Day and month groups are one or two digits.
    (1..=2)
        .contains(&digits.len())
        .then(|| number(digits) as u8)
}

fn parse_date_part(s: &str, order: DateOrder, pivot: u8) -> Result<PartialDate, DateIssue> {
    let g = digit_groups(s).ok_or(DateIssue::Unrecognized)?;
    let [a, b, c] = g.groups;
    match g.count {
        3 => {
            let (y, m, d) = if a.len() == 4 {
                (a, b, c)
            } else {
                match order {
                    DateOrder::Dmy => (c, b, a),
                    DateOrder::Mdy => (c, a, b),
                    DateOrder::Ymd => (a, b, c),
                }
            };
            let year = year_of(y, pivot).ok_or(DateIssue::Unrecognized)?;
            let month = small(m).ok_or(DateIssue::Unrecognized)?;
            let day = small(d).ok_or(DateIssue::Unrecognized)?;
            check(year, Some(month), Some(day))
        }
        2 => {
            let (y, m) = match (a.len(), b.len()) {
                (1 | 2, 4) => (b, a),
                (4, 1 | 2) => (a, b),
                _ => return Err(DateIssue::Unrecognized),
            };
            check(number(y), small(m), None)
        }
        1 => match a.len() {
            4 => check(number(a), None, None),
            8 => parse_eight_digits(a, order),
            _ => Err(DateIssue::Unrecognized),
        },
        _ => Err(DateIssue::Unrecognized),
    }
}

/// `yyyymmdd` is always tried; `ddmmyyyy` (or `mmddyyyy`) too when the order
/// says so. Both can never be valid at once: a valid `yyyymmdd` starts with
/// 18–21, which is no month, and a valid `ddmmyyyy` has 18–21 as its fifth and
/// sixth digits, which is no month of a `yyyymmdd` either.
fn parse_eight_digits(s: &str, order: DateOrder) -> Result<PartialDate, DateIssue> {
    let iso = || {
        check(
            number(&s[..4]),
            Some(number(&s[4..6]) as u8),
            Some(number(&s[6..]) as u8),
        )
    };
    let local = |day: &str, month: &str| {
        check(
            number(&s[4..]),
            Some(number(month) as u8),
            Some(number(day) as u8),
        )
    };
    match order {
        DateOrder::Ymd => iso(),
        DateOrder::Dmy => local(&s[..2], &s[2..4]).or_else(|first| iso().map_err(|_| first)),
        DateOrder::Mdy => local(&s[2..4], &s[..2]).or_else(|first| iso().map_err(|_| first)),
    }
}

fn check(year: u16, month: Option<u8>, day: Option<u8>) -> Result<PartialDate, DateIssue> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(DateIssue::OutOfRange);
    }
    if let Some(m) = month {
        if !(1..=12).contains(&m) {
            return Err(DateIssue::Impossible);
        }
        if let Some(d) = day {
            if d == 0 || d > days_in_month(year, m) {
                return Err(DateIssue::Impossible);
            }
        }
    }
    Ok(PartialDate {
        year,
        month,
        day: month.and(day),
    })
}

#[derive(Default)]
struct ClockTime {
    hour: u8,
    minute: u8,
    second: u8,
    nanosecond: u32,
    offset_seconds: Option<i32>,
}

/// Reads one or two digits at `*i` (exactly two when `exact`), at most `max`.
fn clock_field(s: &str, i: &mut usize, exact: bool, max: u8) -> Result<u8, DateIssue> {
    let bytes = s.as_bytes();
    let start = *i;
    while *i < bytes.len() && bytes[*i].is_ascii_digit() && *i - start < 2 {
        *i += 1;
    }
    if *i == start || (exact && *i - start != 2) {
        return Err(DateIssue::Unrecognized);
    }
    let n = number(&s[start..*i]) as u8;
    if n > max {
        Err(DateIssue::Impossible)
    } else {
        Ok(n)
    }
}

/// `hh:mm[:ss[.fraction]][Z|±hh[:mm]]`; `10h30` is accepted too.
fn parse_time(s: &str) -> Result<ClockTime, DateIssue> {
    let bytes = s.as_bytes();
    let at = |i: usize| bytes.get(i).copied();
    let mut i = 0;
    let mut t = ClockTime {
        hour: clock_field(s, &mut i, false, 23)?,
        ..ClockTime::default()
    };
    if !matches!(at(i), Some(b':' | b'h' | b'H')) {
        return Err(DateIssue::Unrecognized);
    }
    i += 1;
    t.minute = clock_field(s, &mut i, true, 59)?;
    if at(i) == Some(b':') {
        i += 1;
        // A leap second (`:60`) is read as the last second of its minute.
        t.second = clock_field(s, &mut i, true, 60)?.min(59);
        if matches!(at(i), Some(b'.' | b',')) {
            i += 1;
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i == start || i - start > 9 {
                return Err(DateIssue::Unrecognized);
            }
            let digits = &s[start..i];
            let mut ns: u32 = digits.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0'));
            for _ in digits.len()..9 {
                ns *= 10;
            }
            t.nanosecond = ns;
        }
    }
    let rest = s[i..].trim_start();
    t.offset_seconds = match rest.as_bytes() {
        [] => None,
        [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), digits @ ..] => {
            let digits: Vec<u8> = digits.iter().copied().filter(|&b| b != b':').collect();
            if !(digits.len() == 2 || digits.len() == 4) || !digits.iter().all(u8::is_ascii_digit) {
                return Err(DateIssue::Unrecognized);
            }
            let value = |d: &[u8]| i32::from(d[0] - b'0') * 10 + i32::from(d[1] - b'0');
            let hours = value(&digits[..2]);
            let minutes = if digits.len() == 4 {
                value(&digits[2..])
            } else {
                0
            };
            if hours > 23 || minutes > 59 {
                return Err(DateIssue::Impossible);
            }
            let seconds = hours * 3600 + minutes * 60;
            Some(if *sign == b'-' { -seconds } else { seconds })
        }
        _ => return Err(DateIssue::Unrecognized),
    };
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(year: u16, month: u8, day: u8) -> PartialDate {
        PartialDate {
            year,
            month: Some(month),
            day: Some(day),
        }
    }

    fn dmy(raw: &str) -> Result<PartialDate, DateIssue> {
        parse_date(raw, DateOrder::Dmy, 30)
    }

    #[test]
    fn french_numeric_formats() {
        for raw in [
            "05/03/1980",
            "5/3/1980",
            "05-03-1980",
            "05.03.1980",
            " 05 / 03 / 1980 ",
            "05 03 1980",
            "1980-03-05",
            "1980/03/05",
            "19800305",
            "05031980",
            "1980-03-05T00:00:00Z",
            "1980-03-05T00:00:00.000+01:00",
            "05/03/1980 00:00",
            "05/03/1980 00:00:00",
            "05/03/80",
        ] {
            assert_eq!(dmy(raw), Ok(ymd(1980, 3, 5)), "{raw}");
        }
    }

    #[test]
    fn order_decides_numeric_dates_but_not_iso() {
        assert_eq!(
            parse_date("03/05/1980", DateOrder::Mdy, 30),
            Ok(ymd(1980, 3, 5))
        );
        assert_eq!(
            parse_date("03051980", DateOrder::Mdy, 30),
            Ok(ymd(1980, 3, 5))
        );
        assert_eq!(
            parse_date("1980-03-05", DateOrder::Mdy, 30),
            Ok(ymd(1980, 3, 5))
        );
        assert_eq!(
            parse_date("80/03/05", DateOrder::Ymd, 30),
            Ok(ymd(1980, 3, 5))
        );
        assert_eq!(
            parse_date("19800305", DateOrder::Ymd, 30),
            Ok(ymd(1980, 3, 5))
        );
        assert_eq!(
            parse_date("05031980", DateOrder::Ymd, 30),
            Err(DateIssue::OutOfRange)
        );
    }

    #[test]
    fn century_pivot() {
        assert_eq!(dmy("05/03/29"), Ok(ymd(2029, 3, 5)));
        assert_eq!(dmy("05/03/30"), Ok(ymd(1930, 3, 5)));
        assert_eq!(
            parse_date("05/03/05", DateOrder::Dmy, 10),
            Ok(ymd(2005, 3, 5))
        );
        assert_eq!(
            parse_date("05/03/05", DateOrder::Dmy, 0),
            Ok(ymd(1905, 3, 5))
        );
    }

    #[test]
    fn partial_dates() {
        let year = PartialDate {
            year: 1980,
            month: None,
            day: None,
        };
        let month = PartialDate {
            month: Some(3),
            ..year
        };
        assert_eq!(dmy("1980"), Ok(year));
        assert_eq!(dmy("03/1980"), Ok(month));
        assert_eq!(dmy("3/1980"), Ok(month));
        assert_eq!(dmy("1980-03"), Ok(month));
        assert_eq!(dmy("13/1980"), Err(DateIssue::Impossible));
    }

    #[test]
    fn impossible_and_out_of_range() {
        assert_eq!(dmy("31/02/1980"), Err(DateIssue::Impossible));
        assert_eq!(dmy("29/02/1981"), Err(DateIssue::Impossible));
        assert_eq!(dmy("29/02/1900"), Err(DateIssue::Impossible));
        assert_eq!(dmy("29/02/2000"), Ok(ymd(2000, 2, 29)));
        assert_eq!(dmy("29/02/1980"), Ok(ymd(1980, 2, 29)));
        assert_eq!(dmy("05/13/1980"), Err(DateIssue::Impossible));
        assert_eq!(dmy("00/03/1980"), Err(DateIssue::Impossible));
        assert_eq!(dmy("31/04/1980"), Err(DateIssue::Impossible));
        assert_eq!(dmy("05/03/1869"), Err(DateIssue::OutOfRange));
        assert_eq!(dmy("05/03/2101"), Err(DateIssue::OutOfRange));
        assert_eq!(dmy("0980-03-05"), Err(DateIssue::OutOfRange));
        assert_eq!(dmy("01/01/1870"), Ok(ymd(1870, 1, 1)));
        assert_eq!(dmy("31/12/2100"), Ok(ymd(2100, 12, 31)));
    }

    #[test]
    fn unrecognized() {
        for raw in [
            "",
            "  ",
            "inconnu",
            "05/03",
            "5/3/198",
            "05//03/1980",
            "05/03/1980/1",
            "-1980",
            "1980-",
            "1980-03-05Tfoo",
            "1980-03-05 12",
            "80",
            "123456",
            "05/03/1980 25:00x",
        ] {
            assert!(dmy(raw).is_err(), "{raw:?}");
        }
        assert_eq!(dmy("inconnu"), Err(DateIssue::Unrecognized));
        assert_eq!(dmy(&"1".repeat(100)), Err(DateIssue::Unrecognized));
    }

    fn paris() -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get("Europe/Paris").unwrap_or(jiff::tz::TimeZone::UTC)
    }

    fn ts(raw: &str) -> String {
        match parse_timestamp(raw, DateOrder::Dmy, &paris()) {
            Ok(t) => t.to_string(),
            Err(e) => format!("{e:?}"),
        }
    }

    #[test]
    fn timestamps_with_offset() {
        assert_eq!(ts("2024-03-05T10:30:00Z"), "2024-03-05T10:30:00Z");
        assert_eq!(ts("2024-03-05T10:30:00+01:00"), "2024-03-05T09:30:00Z");
        assert_eq!(
            ts("2024-03-05T10:30:00.250-05:00"),
            "2024-03-05T15:30:00.25Z"
        );
        assert_eq!(ts("05/03/2024 10:30:00+0100"), "2024-03-05T09:30:00Z");
        assert_eq!(ts("05/03/2024 10:30 Z"), "2024-03-05T10:30:00Z");
    }

    #[test]
    fn civil_times_in_the_zone() {
        assert_eq!(ts("2024-03-05 10:30"), "2024-03-05T09:30:00Z");
        assert_eq!(ts("2024-03-05 10:30:15"), "2024-03-05T09:30:15Z");
        assert_eq!(ts("2024-07-05T10:30:00"), "2024-07-05T08:30:00Z");
        assert_eq!(ts("05/03/2024 10:30"), "2024-03-05T09:30:00Z");
        assert_eq!(ts("05/03/2024 10h30"), "2024-03-05T09:30:00Z");
        assert_eq!(ts("05/03/2024"), "2024-03-04T23:00:00Z");
        assert_eq!(ts("2024-03-05"), "2024-03-04T23:00:00Z");
        assert_eq!(ts("05/03/24 10:30"), "2024-03-05T09:30:00Z");
        assert_eq!(
            parse_timestamp("03/05/2024 10:30", DateOrder::Mdy, &paris()).map(|t| t.to_string()),
            Ok("2024-03-05T09:30:00Z".to_string())
        );
    }

    #[test]
    fn dst_gap_and_fold_in_paris() {
        // 2024-03-31: clocks jump from 02:00 to 03:00; 02:30 does not exist and
        // is moved forward by the gap (03:30 CEST).
        assert_eq!(ts("2024-03-31 02:30"), "2024-03-31T01:30:00Z");
        assert_eq!(ts("31/03/2024 02:30:00"), "2024-03-31T01:30:00Z");
        assert_eq!(ts("2024-03-31 01:59"), "2024-03-31T00:59:00Z");
        assert_eq!(ts("2024-03-31 03:00"), "2024-03-31T01:00:00Z");
        // 2024-10-27: clocks go back from 03:00 to 02:00; 02:30 happens twice,
        // the earlier (CEST) instant is taken.
        assert_eq!(ts("2024-10-27 02:30"), "2024-10-27T00:30:00Z");
        assert_eq!(ts("27/10/2024 02:30"), "2024-10-27T00:30:00Z");
        assert_eq!(ts("2024-10-27 03:30"), "2024-10-27T02:30:00Z");
        // An explicit offset picks either instant of the fold.
        assert_eq!(ts("2024-10-27T02:30:00+01:00"), "2024-10-27T01:30:00Z");
    }

    #[test]
    fn bad_timestamps() {
        assert_eq!(ts(""), "Unrecognized");
        assert_eq!(ts("1980"), "Unrecognized");
        assert_eq!(ts("2024-03-05 24:00"), "Impossible");
        assert_eq!(ts("2024-03-05 10:60"), "Impossible");
        assert_eq!(ts("2024-02-30 10:00"), "Impossible");
        assert_eq!(ts("2024-03-05 10:30 foo"), "Unrecognized");
        assert_eq!(ts("0001-01-01T00:00:00Z"), "OutOfRange");
        assert_eq!(ts("2024-03-05 10:30+26:00"), "Impossible");
    }

    #[test]
    fn issue_reasons_are_distinct() {
        let all = [
            DateIssue::Unrecognized,
            DateIssue::Impossible,
            DateIssue::OutOfRange,
        ];
        let reasons: std::collections::HashSet<_> = all.iter().map(DateIssue::as_str).collect();
        assert_eq!(reasons.len(), all.len());
    }

    mod iso_prefilter {
        use super::super::{
            DateOrder, check_timestamp_year, may_be_iso_timestamp, parse_iso_seconds,
            parse_timestamp,
        };
        use proptest::prelude::*;

        proptest! {
            /// The short path reads what jiff reads, to the same instant and
            /// the same verdict on its year, and declines the rest.
            #[test]
            fn short_path_equals_jiff(
                s in "(1869|1870|1871|2099|2100|2101|[0-9]{4})-(0[1-9]|1[0-2]|00|13)-(0[1-9]|[12][0-9]|3[01]|00|32)[Tt ][0-2][0-9]:[0-6][0-9]:[0-6][0-9](Z|z|[+-][0-2][0-9]:[0-6][0-9]|[+-][0-9]{2}(:[0-9]{2}){0,2})",
            ) {
                let jiff = s.parse::<jiff::Timestamp>();
                if let Some((_, ts)) = parse_iso_seconds(&s) {
                    prop_assert_eq!(Some(ts), jiff.as_ref().ok().copied());
                }
                let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
                if let Ok(ts) = jiff {
                    prop_assert_eq!(
                        parse_timestamp(&s, DateOrder::Dmy, &paris),
                        check_timestamp_year(ts)
                    );
                }
            }

            /// The prefilter skips jiff only for text jiff would refuse:
            /// timestamps of its grammar behind a broken or missing year.
            #[test]
            fn jiff_refuses_what_the_prefilter_skips(
                s in "[0-9 /.a-zA-Z+-]{0,4}[0-9]{0,6}-?[0-9]{2}-?[0-9]{2}([T t][0-9]{2}:?[0-9]{2}(:?[0-9]{2}(\\.[0-9]{1,9})?)?)?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)?(\\[[A-Za-z/_]{1,20}\\])?",
            ) {
                if !may_be_iso_timestamp(&s) {
                    prop_assert!(s.parse::<jiff::Timestamp>().is_err());
                }
            }

            #[test]
            fn jiff_refuses_any_text_the_prefilter_skips(s in any::<String>()) {
                if !may_be_iso_timestamp(&s) {
                    prop_assert!(s.parse::<jiff::Timestamp>().is_err());
                }
            }
        }
    }
}
