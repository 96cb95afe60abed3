//! Phone numbers to E.164.
//!
//! Written by hand rather than with a full numbering-plan library: a customer
//! file has a handful of formats, and the work per field must stay around a
//! hundred nanoseconds. What is checked:
//!
//! - the characters: digits, one leading `+`, and the separators people type
//!   (spaces, dots, dashes, slashes, parentheses); letters, extensions (`poste
//!   12`, `ext. 3`) and other symbols are refused, since a number with an
//!   extension is not the customer's own line;
//! - the prefix: `+`, `00` (and `011` in NANP regions) start an international
//!   number, read against the whole ITU list of country calling codes so that
//!   the code's length is right; anything else is national in the default region;
//! - the trunk prefix: `(0)` after a country code is dropped (except for
//!   Italy, San Marino, the Vatican and Côte d'Ivoire, where the 0 belongs to
//!   the number), and so is a bare `0` for countries whose trunk prefix is 0;
//! - the national plan, for FR (with its overseas departments), BE, CH, LU, MC,
//!   DE, ES, IT, PT, GB, NL and NANP (US, CA); other countries only get the
//!   E.164 length check (7 to 15 digits).
//!
//! French choices, documented here because they decide matches:
//! - `6 12 34 56 78` (nine digits, the leading 0 lost by a spreadsheet) is read
//!   as `06 12 34 56 78`;
//! - `33612345678` (eleven digits starting with 33, the `+` lost the same way)
//!   is read as `+33 6 12 34 56 78`, and likewise `262…`, `590…`, `594…`,
//!   `596…` followed by nine digits: a French national number has ten digits,
//!   so these cannot be national;
//! - overseas numbers dialled as national numbers get their own country code
//!   (`0690…` → `+590 690…`, `0692…` → `+262 692…`), and so do they when
//!   written after `+33` (`+33 690…` → `+590 690…`), so every spelling of one
//!   line gives one E.164;
//! - `08` numbers are services: valid, of kind [`PhoneKind::Other`].

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::Region;

/// What kind of line a number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    /// A mobile number (FR: 06, 07 and overseas mobiles).
    Mobile,
    /// A fixed line (FR: 01–05, 09), often shared by a household.
    Landline,
    /// A number whose kind is not known (foreign, special services).
    Other,
}

/// A normalized phone number.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone {
    /// E.164: `+33612345678`.
    pub e164: CompactString,
    /// Line kind.
    pub kind: PhoneKind,
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({:?}, ..)", self.kind)
    }
}

/// Why a phone number gave no normalized value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PhoneIssue {
    /// No digits at all.
    NoDigits,
    /// Letters or symbols that no phone format has.
    InvalidCharacters,
    /// Too few digits for the country.
    TooShort,
    /// Too many digits for the country or for E.164.
    TooLong,
    /// An international prefix with an unknown country code.
    UnknownCountryCode,
    /// The national number is not valid for the country (FR: a national
    /// number starting `00` that is not international, ES: a first digit
    /// outside 6–9, NANP: an area code starting with 0 or 1).
    InvalidNumber,
    /// A national number in a region whose numbering plan is not known here.
    UnknownRegion,
}

impl PhoneIssue {
    /// A short reason for reject reports (never the value).
    ///
    /// ```
    /// use omnicanal::normalize::phone::PhoneIssue;
    /// assert_eq!(PhoneIssue::TooShort.as_str(), "too short");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            PhoneIssue::NoDigits => "no digits",
            PhoneIssue::InvalidCharacters => "invalid characters",
            PhoneIssue::TooShort => "too short",
            PhoneIssue::TooLong => "too long",
            PhoneIssue::UnknownCountryCode => "unknown country code",
            PhoneIssue::InvalidNumber => "invalid number",
            PhoneIssue::UnknownRegion => "no numbering plan for the region",
        }
    }
}

/// The reason of [`PhoneIssue::as_str`]; never the value.
impl std::fmt::Display for PhoneIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for PhoneIssue {}

/// Normalizes a phone number to E.164; national numbers are read in `region`.
///
/// ```
/// use omnicanal::normalize::Region;
/// use omnicanal::normalize::phone::{normalize_phone, PhoneKind};
/// let p = normalize_phone("06.12.34.56.78", Region::FR)?;
/// assert_eq!(p.e164, "+33612345678");
/// assert_eq!(p.kind, PhoneKind::Mobile);
/// assert_eq!(normalize_phone("+33 (0)1 42 68 53 00", Region::FR)?.e164, "+33142685300");
/// assert_eq!(normalize_phone("0690 12 34 56", Region::FR)?.e164, "+590690123456");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn normalize_phone(raw: &str, region: Region) -> Result<Phone, PhoneIssue> {
    let scanned = scan(raw)?;
    let digits = scanned.digits();
    if digits.is_empty() {
        return Err(PhoneIssue::NoDigits);
    }
    let nanp_region = national_plan(region).is_some_and(|p| p.cc == "1");
    let international_prefix = if scanned.plus {
        Some(0)
    } else if nanp_region && digits.starts_with(b"011") {
        Some(3)
    } else if digits.starts_with(b"00") {
        Some(2)
    } else {
        None
    };
    match international_prefix {
        Some(prefix) => {
            let trunk = scanned.paren_zero.and_then(|i| i.checked_sub(prefix));
            international(&digits[prefix..], trunk)
        }
        None => national(digits, region),
    }
}

/// The most digits read; more is [`PhoneIssue::TooLong`] whatever the number,
/// since E.164 allows 15 and a prefix adds at most 3.
const MAX_DIGITS: usize = 18;

struct Scanned {
    buf: [u8; MAX_DIGITS],
    len: usize,
    plus: bool,
    /// Index in the digits of a `0` written as `(0)`, the trunk prefix that
    /// international formats show in parentheses.
    paren_zero: Option<usize>,
}

impl Scanned {
    fn digits(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

fn scan(raw: &str) -> Result<Scanned, PhoneIssue> {
    let mut s = raw.trim_start_matches(|c: char| c.is_whitespace() || is_invisible_mark(c));
    // `tel:` URIs (RFC 3966) come from web forms and vCards.
    if s.len() >= 4 && s.as_bytes()[..4].eq_ignore_ascii_case(b"tel:") {
        s = &s[4..];
    }
    let mut out = Scanned {
        buf: [0; MAX_DIGITS],
        len: 0,
        plus: false,
        paren_zero: None,
    };
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let digit = match c {
            '0'..='9' => Some(c as u8),
            // Full-width digits, from East Asian keyboards and some PDFs.
            '０'..='９' => Some(b'0' + (c as u32 - '０' as u32) as u8),
            _ => None,
        };
        if let Some(d) = digit {
            if out.len == MAX_DIGITS {
                return Err(PhoneIssue::TooLong);
            }
            out.buf[out.len] = d;
            out.len += 1;
            continue;
        }
        match c {
            '+' | '＋' => {
                if out.plus || out.len > 0 {
                    return Err(PhoneIssue::InvalidCharacters);
                }
                out.plus = true;
            }
            '(' => {
                let mut look = chars.clone();
                if look.next() == Some('0') && look.next() == Some(')') && out.len < MAX_DIGITS {
                    out.paren_zero = Some(out.len);
                    out.buf[out.len] = b'0';
                    out.len += 1;
                    chars = look;
                }
            }
            ')' | '[' | ']' | ' ' | '.' | '-' | '/' | '\'' | '_' => {}
            // Other spaces, dashes and the invisible marks exports carry.
            '\u{2010}'..='\u{2015}' | '\u{2212}' => {}
            c if is_invisible_mark(c) => {}
            c if c.is_whitespace() => {}
            _ => return Err(PhoneIssue::InvalidCharacters),
        }
    }
    Ok(out)
}

/// Bidi marks, zero-width characters, the BOM and the soft hyphen: exports
/// put them anywhere, and they never change a number.
fn is_invisible_mark(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{feff}' | '\u{00ad}')
}

/// The length of the country calling code at the start of `d`, from the ITU
/// list of assigned codes (E.164 Annex to ITU Operational Bulletin). Codes
/// are prefix-free, so at most one length matches.
fn country_code_len(d: &[u8]) -> Option<usize> {
    let n = |len: usize| -> Option<u16> {
        d.get(..len)
            .map(|p| p.iter().fold(0u16, |n, b| n * 10 + u16::from(b - b'0')))
    };
    match n(1)? {
        0 => return None,
        1 | 7 => return Some(1),
        _ => {}
    }
    match n(2)? {
        20
        | 27
        | 30..=34
        | 36
        | 39
        | 40
        | 41
        | 43..=49
        | 51..=58
        | 60..=66
        | 81
        | 82
        | 84
        | 86
        | 90..=95
        | 98 => return Some(2),
        _ => {}
    }
    match n(3)? {
        211
        | 212
        | 213
        | 216
        | 218
        | 220..=258
        | 260..=269
        | 290
        | 291
        | 297
        | 298
        | 299
        | 350..=359
        | 370..=383
        | 385
        | 386
        | 387
        | 389
        | 420
        | 421
        | 423
        | 500..=509
        | 590..=599
        | 670
        | 672..=683
        | 685..=692
        | 800
        | 808
        | 850
        | 852
        | 853
        | 855
        | 856
        | 870
        | 878
        | 880..=883
        | 886
        | 888
        | 960..=968
        | 970..=977
        | 979
        | 992..=996
        | 998 => Some(3),
        _ => None,
    }
}

/// A national numbering plan, as much of it as matching needs.
struct Plan {
    /// Country calling code.
    cc: &'static str,
    /// The trunk prefix is 0: a leading 0 after the country code is a typing
    /// habit to drop, and national numbers start with it.
    trunk_zero: bool,
    /// Length range of the national significant number.
    nsn: (usize, usize),
    /// Allowed first digits of the national significant number.
    first: &'static [u8],
}

const NOT_ZERO: &[u8] = b"123456789";

const FR: Plan = Plan {
    cc: "33",
    trunk_zero: true,
    nsn: (9, 9),
    first: NOT_ZERO,
};

/// Plans by country code. The French overseas departments share France's
/// national plan (nine-digit NSN, trunk 0) under their own codes.
fn plan_for_code(cc: &str) -> Option<Plan> {
    let plan = |cc, trunk_zero, nsn, first| Plan {
        cc,
        trunk_zero,
        nsn,
        first,
    };
    Some(match cc {
        "33" => FR,
        "262" => plan("262", true, (9, 9), NOT_ZERO),
        "590" => plan("590", true, (9, 9), NOT_ZERO),
        "594" => plan("594", true, (9, 9), NOT_ZERO),
        "596" => plan("596", true, (9, 9), NOT_ZERO),
        "32" => plan("32", true, (8, 9), NOT_ZERO),
        "41" => plan("41", true, (9, 9), NOT_ZERO),
        "352" => plan("352", false, (4, 11), NOT_ZERO),
        "377" => plan("377", false, (8, 9), NOT_ZERO),
        "49" => plan("49", true, (6, 13), NOT_ZERO),
        "34" => plan("34", false, (9, 9), b"6789"),
        // Italian fixed numbers keep their leading 0 in international form.
        "39" => plan("39", false, (6, 11), b"0123456789"),
        "351" => plan("351", false, (9, 9), b"23456789"),
        "44" => plan("44", true, (9, 10), NOT_ZERO),
        "31" => plan("31", true, (9, 9), NOT_ZERO),
        "1" => plan("1", false, (10, 10), b"23456789"),
        _ => return None,
    })
}

/// The plan national numbers of `region` are read in.
fn national_plan(region: Region) -> Option<Plan> {
    // On the code's bytes: `Region::as_str` checks UTF-8 each time, and this
    // runs twice per national number.
    let cc = match &region.0 {
        // France and the overseas departments and collectivities dialled with
        // French national numbers: the number itself says which department.
        b"FR" | b"GP" | b"MQ" | b"GF" | b"RE" | b"YT" | b"BL" | b"MF" => "33",
        b"BE" => "32",
        b"CH" => "41",
        b"LU" => "352",
        b"MC" => "377",
        b"DE" => "49",
        b"ES" => "34",
        b"IT" => "39",
        b"PT" => "351",
        b"GB" => "44",
        b"NL" => "31",
        b"US" | b"CA" | b"PR" => "1",
        _ => return None,
    };
    plan_for_code(cc)
}

/// Country codes where a `(0)` after the code is part of the number.
fn keeps_paren_zero(cc: &str) -> bool {
    matches!(cc, "39" | "378" | "379" | "225")
}

fn international(d: &[u8], paren_zero: Option<usize>) -> Result<Phone, PhoneIssue> {
    if d.is_empty() {
        return Err(PhoneIssue::TooShort);
    }
    let cc_len = country_code_len(d).ok_or(PhoneIssue::UnknownCountryCode)?;
    // Country codes are ASCII digits.
    let cc = std::str::from_utf8(&d[..cc_len]).map_err(|_| PhoneIssue::UnknownCountryCode)?;
    let mut nsn = &d[cc_len..];
    if paren_zero == Some(cc_len) && !keeps_paren_zero(cc) {
        nsn = &nsn[1..];
    }
    finish(cc, nsn)
}

fn national(d: &[u8], region: Region) -> Result<Phone, PhoneIssue> {
    let plan = national_plan(region).ok_or(PhoneIssue::UnknownRegion)?;
    if plan.cc == "33" {
        // The `+` lost by a spreadsheet: a French or overseas country code
        // followed by a nine-digit number (optionally with its trunk 0).
        for cc in ["33", "262", "590", "594", "596"] {
            if d.len() > 9 + cc.len() - 1
                && d.len() <= 10 + cc.len()
                && d.starts_with(cc.as_bytes())
                && !d.starts_with(b"0")
            {
                let rest = &d[cc.len()..];
                if rest.len() == 9 || rest.first() == Some(&b'0') {
                    return finish(cc, rest);
                }
            }
        }
    }
    let nsn = if plan.cc == "1" {
        // NANP: `1` is also the long-distance prefix.
        match d {
            [b'1', rest @ ..] if rest.len() == 10 => rest,
            _ => d,
        }
    } else if plan.cc == "377" && d.len() == 10 && d.starts_with(b"06") {
        // Monaco dials its mobiles nationally as `06 …`, its fixed lines
        // without a prefix.
        &d[1..]
    } else if plan.trunk_zero {
        // A lost trunk 0 (`6 12 34 56 78`) is tolerated: the NSN's length check
        // still applies.
        d.strip_prefix(b"0").unwrap_or(d)
    } else {
        d
    };
    finish(plan.cc, nsn)
}

/// The longest E.164 number with its `+`.
const MAX_E164_BYTES: usize = 16;

/// Validates a national significant number under its country code and builds
/// the E.164 form.
fn finish(cc: &str, mut nsn: &[u8]) -> Result<Phone, PhoneIssue> {
    let plan = plan_for_code(cc);
    if let Some(plan) = &plan {
        if plan.trunk_zero {
            // `+33 0 6 12 34 56 78`: the trunk 0 typed after the country code.
            if let [b'0', rest @ ..] = nsn {
                nsn = rest;
            }
        }
        let (min, max) = plan.nsn;
        if nsn.len() < min {
            return Err(PhoneIssue::TooShort);
        }
        if nsn.len() > max {
            return Err(PhoneIssue::TooLong);
        }
        if !nsn.first().is_some_and(|b| plan.first.contains(b)) {
            return Err(PhoneIssue::InvalidNumber);
        }
        if plan.cc == "1" && !matches!(nsn.get(3), Some(b'2'..=b'9')) {
            // The exchange code (NXX) never starts with 0 or 1.
            return Err(PhoneIssue::InvalidNumber);
        }
    }
    let cc = if cc == "33" {
        overseas_code(nsn).unwrap_or(cc)
    } else {
        cc
    };
    let total = cc.len() + nsn.len();
    if nsn.len() < 4 || total < 7 {
        return Err(PhoneIssue::TooShort);
    }
    if total > 15 {
        return Err(PhoneIssue::TooLong);
    }
    // `+`, the code and the number: at most 16 bytes, gathered on the stack
    // and stored inline (never allocated).
    let mut bytes = [0u8; MAX_E164_BYTES];
    let len = 1 + total;
    // `total <= 15` was checked above, so the three pieces fit; slices copy
    // whole where a chained iterator went byte by byte.
    bytes[0] = b'+';
    bytes[1..1 + cc.len()].copy_from_slice(cc.as_bytes());
    bytes[1 + cc.len()..len].copy_from_slice(nsn);
    let e164 = match std::str::from_utf8(&bytes[..len]) {
        Ok(e164) => CompactString::new(e164),
        // Unreachable: the code and the number are ASCII digits.
        Err(_) => return Err(PhoneIssue::InvalidCharacters),
    };
    Ok(Phone {
        kind: kind_of(cc, nsn),
        e164,
    })
}

/// The country code of an overseas department whose numbers are part of the
/// French national plan, from the first three digits of the NSN (ARCEP
/// allocations).
fn overseas_code(nsn: &[u8]) -> Option<&'static str> {
    match nsn.get(..3)? {
        b"590" | b"690" | b"691" => Some("590"),
        b"594" | b"694" => Some("594"),
        b"596" | b"696" | b"697" => Some("596"),
        // Réunion, and Mayotte (0269, 0639), which shares +262.
        b"262" | b"692" | b"693" | b"269" | b"639" => Some("262"),
        _ => None,
    }
}

fn kind_of(cc: &str, nsn: &[u8]) -> PhoneKind {
    match cc {
        "33" => match nsn.first() {
            Some(b'6' | b'7') => PhoneKind::Mobile,
            Some(b'1'..=b'5' | b'9') => PhoneKind::Landline,
            _ => PhoneKind::Other,
        },
        "590" | "594" | "596" | "262" => match nsn.get(..3) {
            Some(b"690" | b"691" | b"694" | b"696" | b"697" | b"692" | b"693" | b"639") => {
                PhoneKind::Mobile
            }
            Some(b"590" | b"594" | b"596" | b"262" | b"269") => PhoneKind::Landline,
            _ => PhoneKind::Other,
        },
        _ => PhoneKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(code: &str) -> Region {
        code.parse().unwrap_or_default()
    }

    fn e164(raw: &str) -> Result<String, PhoneIssue> {
        normalize_phone(raw, Region::FR).map(|p| String::from(p.e164))
    }

    fn e164_in(raw: &str, code: &str) -> Result<String, PhoneIssue> {
        normalize_phone(raw, region(code)).map(|p| String::from(p.e164))
    }

    #[test]
    fn one_french_mobile_in_every_format() {
        for raw in [
            "06 12 34 56 78",
            "06.12.34.56.78",
            "06-12-34-56-78",
            "0612345678",
            "+33 6 12 34 56 78",
            "+33 (0)6 12 34 56 78",
            "+33(0)612345678",
            "+33 0 6 12 34 56 78",
            "0033 6 12 34 56 78",
            "00 33 (0)6 12 34 56 78",
            "33612345678",
            "330612345678",
            "6 12 34 56 78",
            "612345678",
            "tel:+33-6-12-34-56-78",
            " 06 12 34 56 78\t",
            "06\u{a0}12\u{a0}34\u{a0}56\u{a0}78",
            "'0612345678",
            "(06) 12 34 56 78",
            "\u{200e}06 12 34 56 78",
            "０６１２３４５６７８",
        ] {
            assert_eq!(e164(raw).as_deref(), Ok("+33612345678"), "{raw:?}");
        }
    }

    #[test]
    fn french_kinds() {
        let kind = |raw| normalize_phone(raw, Region::FR).map(|p| p.kind);
        assert_eq!(kind("06 12 34 56 78"), Ok(PhoneKind::Mobile));
        assert_eq!(kind("07 81 23 45 67"), Ok(PhoneKind::Mobile));
        assert_eq!(kind("01 42 68 53 00"), Ok(PhoneKind::Landline));
        assert_eq!(kind("04 78 12 34 56"), Ok(PhoneKind::Landline));
        assert_eq!(kind("05 56 12 34 56"), Ok(PhoneKind::Landline));
        assert_eq!(kind("09 51 23 45 67"), Ok(PhoneKind::Landline));
        assert_eq!(kind("08 00 12 34 56"), Ok(PhoneKind::Other));
        assert_eq!(e164("0800 12 34 56").as_deref(), Ok("+33800123456"));
        assert_eq!(kind("+44 20 7946 0958"), Ok(PhoneKind::Other));
    }

    #[test]
    fn overseas_departments() {
        let cases = [
            ("0590 12 34 56", "+590590123456", PhoneKind::Landline),
            ("0690 12 34 56", "+590690123456", PhoneKind::Mobile),
            ("0691 12 34 56", "+590691123456", PhoneKind::Mobile),
            ("0594 12 34 56", "+594594123456", PhoneKind::Landline),
            ("0694 12 34 56", "+594694123456", PhoneKind::Mobile),
            ("0596 12 34 56", "+596596123456", PhoneKind::Landline),
            ("0696 12 34 56", "+596696123456", PhoneKind::Mobile),
            ("0697 12 34 56", "+596697123456", PhoneKind::Mobile),
            ("0262 12 34 56", "+262262123456", PhoneKind::Landline),
            ("0692 12 34 56", "+262692123456", PhoneKind::Mobile),
            ("0693 12 34 56", "+262693123456", PhoneKind::Mobile),
            ("0269 61 23 45", "+262269612345", PhoneKind::Landline),
            ("0639 12 34 56", "+262639123456", PhoneKind::Mobile),
        ];
        for (raw, expected, kind) in cases {
            let phone = normalize_phone(raw, Region::FR);
            assert_eq!(
                phone.as_ref().map(|p| p.e164.as_str()),
                Ok(expected),
                "{raw}"
            );
            assert_eq!(phone.map(|p| p.kind), Ok(kind), "{raw}");
        }
        // Written internationally, with the department's code or with +33.
        assert_eq!(e164("+590 690 12 34 56").as_deref(), Ok("+590690123456"));
        assert_eq!(e164("+590 (0)690 12 34 56").as_deref(), Ok("+590690123456"));
        assert_eq!(e164("+33 6 90 12 34 56").as_deref(), Ok("+590690123456"));
        assert_eq!(e164("00262 692 12 34 56").as_deref(), Ok("+262692123456"));
        assert_eq!(e164("262692123456").as_deref(), Ok("+262692123456"));
        // Read in an overseas region, national numbers follow the French plan.
        assert_eq!(
            e164_in("0692 12 34 56", "RE").as_deref(),
            Ok("+262692123456")
        );
        // Other French collectivities have their own plans.
        assert_eq!(e164("+508 41 23 45").as_deref(), Ok("+508412345"));
        assert_eq!(e164("+687 28 12 34").as_deref(), Ok("+687281234"));
        assert_eq!(e164("+689 40 12 34 56").as_deref(), Ok("+68940123456"));
    }

    #[test]
    fn foreign_numbers_keep_their_code() {
        let cases = [
            ("+32 2 123 45 67", "+3221234567"),
            ("+32 (0)470 12 34 56", "+32470123456"),
            ("+41 44 668 18 00", "+41446681800"),
            ("+352 621 123 456", "+352621123456"),
            ("+377 93 15 20 00", "+37793152000"),
            ("+49 (0)30 123456", "+4930123456"),
            ("+34 612 34 56 78", "+34612345678"),
            ("+39 06 1234 5678", "+390612345678"),
            ("+39 (0)6 1234 5678", "+390612345678"),
            ("+351 912 345 678", "+351912345678"),
            ("+44 (0)20 7946 0958", "+442079460958"),
            ("+31 (0)20 123 4567", "+31201234567"),
            ("+1 (212) 555-0123", "+12125550123"),
            ("001 212 555 0123", "+12125550123"),
            ("+212 6 12 34 56 78", "+212612345678"),
            ("+213 5 51 23 45 67", "+213551234567"),
            ("+7 495 123 45 67", "+74951234567"),
            ("+86 138 0013 8000", "+8613800138000"),
            ("+353 1 234 5678", "+35312345678"),
            ("+225 07 12 34 56 78", "+2250712345678"),
        ];
        for (raw, expected) in cases {
            assert_eq!(e164(raw).as_deref(), Ok(expected), "{raw}");
        }
    }

    #[test]
    fn national_numbers_of_other_regions() {
        let cases = [
            ("02 123 45 67", "BE", "+3221234567"),
            ("0470 12 34 56", "BE", "+32470123456"),
            ("044 668 18 00", "CH", "+41446681800"),
            ("621 123 456", "LU", "+352621123456"),
            ("93 15 20 00", "MC", "+37793152000"),
            ("06 12 34 56 78", "MC", "+377612345678"),
            ("030 123456", "DE", "+4930123456"),
            ("0151 23456789", "DE", "+4915123456789"),
            ("612 34 56 78", "ES", "+34612345678"),
            ("06 1234 5678", "IT", "+390612345678"),
            ("338 123 4567", "IT", "+393381234567"),
            ("912 345 678", "PT", "+351912345678"),
            ("020 7946 0958", "GB", "+442079460958"),
            ("07700 900123", "GB", "+447700900123"),
            ("020 123 4567", "NL", "+31201234567"),
            ("(212) 555-0123", "US", "+12125550123"),
            ("1-212-555-0123", "US", "+12125550123"),
            ("011 33 6 12 34 56 78", "US", "+33612345678"),
            ("416 555 0123", "CA", "+14165550123"),
            ("+33 6 12 34 56 78", "DE", "+33612345678"),
        ];
        for (raw, code, expected) in cases {
            assert_eq!(
                e164_in(raw, code).as_deref(),
                Ok(expected),
                "{raw} in {code}"
            );
        }
        assert_eq!(
            e164_in("512 34 56 78", "ES"),
            Err(PhoneIssue::InvalidNumber)
        );
        assert_eq!(
            e164_in("(112) 555-0123", "US"),
            Err(PhoneIssue::InvalidNumber)
        );
        assert_eq!(
            e164_in("(212) 155-0123", "US"),
            Err(PhoneIssue::InvalidNumber)
        );
        assert_eq!(e164_in("0612345678", "JP"), Err(PhoneIssue::UnknownRegion));
        assert_eq!(
            e164_in("+81 3 1234 5678", "JP").as_deref(),
            Ok("+81312345678")
        );
    }

    #[test]
    fn rejects() {
        assert_eq!(e164(""), Err(PhoneIssue::NoDigits));
        assert_eq!(e164(" - . "), Err(PhoneIssue::NoDigits));
        assert_eq!(e164("inconnu"), Err(PhoneIssue::InvalidCharacters));
        assert_eq!(
            e164("06 12 34 56 78 poste 12"),
            Err(PhoneIssue::InvalidCharacters)
        );
        assert_eq!(
            e164("01 42 68 53 00 ext. 3"),
            Err(PhoneIssue::InvalidCharacters)
        );
        assert_eq!(
            e164("01 42 68 53 00 x3"),
            Err(PhoneIssue::InvalidCharacters)
        );
        assert_eq!(e164("06 12 34 56 78 #"), Err(PhoneIssue::InvalidCharacters));
        assert_eq!(e164("06 12 + 34 56 78"), Err(PhoneIssue::InvalidCharacters));
        assert_eq!(e164("++33612345678"), Err(PhoneIssue::InvalidCharacters));
        assert_eq!(e164("06 12 34 56"), Err(PhoneIssue::TooShort));
        assert_eq!(e164("06 12 34 56 78 9"), Err(PhoneIssue::TooLong));
        assert_eq!(
            e164("06 12 34 56 78 / 06 98 76 54 32"),
            Err(PhoneIssue::TooLong)
        );
        assert_eq!(e164("+33 6 12 34 56"), Err(PhoneIssue::TooShort));
        assert_eq!(e164("+33 6 12 34 56 78 9"), Err(PhoneIssue::TooLong));
        assert_eq!(e164("+33 00 12 34 56 78"), Err(PhoneIssue::InvalidNumber));
        assert_eq!(
            e164("+0 6 12 34 56 78"),
            Err(PhoneIssue::UnknownCountryCode)
        );
        assert_eq!(e164("+28 12 34 56 78"), Err(PhoneIssue::UnknownCountryCode));
        assert_eq!(
            e164("+999 12 34 56 78"),
            Err(PhoneIssue::UnknownCountryCode)
        );
        assert_eq!(e164("+"), Err(PhoneIssue::NoDigits));
        assert_eq!(e164("00"), Err(PhoneIssue::TooShort));
        assert_eq!(e164("+86 1234 5678 9012 34"), Err(PhoneIssue::TooLong));
        assert_eq!(e164("+86 12"), Err(PhoneIssue::TooShort));
        assert_eq!(e164(&"0".repeat(1 << 20)), Err(PhoneIssue::TooLong));
    }

    #[test]
    fn country_codes_are_read_with_their_length() {
        assert_eq!(country_code_len(b"16"), Some(1));
        assert_eq!(country_code_len(b"74"), Some(1));
        assert_eq!(country_code_len(b"336"), Some(2));
        assert_eq!(country_code_len(b"3526"), Some(3));
        assert_eq!(country_code_len(b"5906"), Some(3));
        assert_eq!(country_code_len(b"2626"), Some(3));
        assert_eq!(country_code_len(b"2126"), Some(3));
        assert_eq!(country_code_len(b"4206"), Some(3));
        assert_eq!(country_code_len(b"4216"), Some(3));
        assert_eq!(country_code_len(b"4226"), None);
        assert_eq!(country_code_len(b"3846"), None);
        assert_eq!(country_code_len(b"06"), None);
        assert_eq!(country_code_len(b"3"), None);
    }

    #[test]
    fn country_codes_are_prefix_free() {
        // No assigned code is a prefix of another: otherwise the length read
        // would depend on the digits after the code.
        let codes: Vec<String> = (1..1000u32)
            .map(|n| n.to_string())
            .filter(|s| country_code_len(s.as_bytes()) == Some(s.len()))
            .collect();
        assert!(codes.len() > 200, "{}", codes.len());
        for a in &codes {
            for b in &codes {
                assert!(a == b || !b.starts_with(a.as_str()), "{a} / {b}");
            }
        }
    }

    #[test]
    fn issue_reasons_are_distinct() {
        use PhoneIssue::*;
        let all = [
            NoDigits,
            InvalidCharacters,
            TooShort,
            TooLong,
            UnknownCountryCode,
            InvalidNumber,
            UnknownRegion,
        ];
        let reasons: std::collections::HashSet<_> = all.iter().map(PhoneIssue::as_str).collect();
        assert_eq!(reasons.len(), all.len());
    }
}
