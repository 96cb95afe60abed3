//! What a customer did: purchases, orders, pickups, returns, calls, sessions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};
use crate::record::{Channel, SourceKey};

/// What kind of thing happened.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum EventKind {
    /// A purchase paid at once (store till, web checkout).
    Purchase,
    /// An order to be delivered or collected later.
    Order,
    /// An order collected (click & collect).
    Pickup,
    /// Goods brought or sent back.
    Return,
    /// A call to or from the call centre.
    Call,
    /// A session in the mobile app.
    AppSession,
    /// A visit to the web shop.
    WebVisit,
    /// An invoice issued.
    Invoice,
    /// Loyalty points earned or spent.
    LoyaltyPoints,
    /// Anything else, by its lowercase name.
    Custom(String),
}

impl EventKind {
    /// The kind's canonical name.
    pub fn name(&self) -> &str {
        match self {
            EventKind::Purchase => "purchase",
            EventKind::Order => "order",
            EventKind::Pickup => "pickup",
            EventKind::Return => "return",
            EventKind::Call => "call",
            EventKind::AppSession => "app_session",
            EventKind::WebVisit => "web_visit",
            EventKind::Invoice => "invoice",
            EventKind::LoyaltyPoints => "loyalty_points",
            EventKind::Custom(name) => name,
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for EventKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        // The canonical names as exported, without the folded copy below.
        let canonical = match s {
            "purchase" => Some(EventKind::Purchase),
            "order" => Some(EventKind::Order),
            "pickup" => Some(EventKind::Pickup),
            "return" => Some(EventKind::Return),
            "call" => Some(EventKind::Call),
            "app_session" => Some(EventKind::AppSession),
            "web_visit" => Some(EventKind::WebVisit),
            "invoice" => Some(EventKind::Invoice),
            "loyalty_points" => Some(EventKind::LoyaltyPoints),
            _ => None,
        };
        if let Some(kind) = canonical {
            return Ok(kind);
        }
        let name = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Ok(match name.as_str() {
            "purchase" | "achat" => EventKind::Purchase,
            "order" | "commande" => EventKind::Order,
            "pickup" | "retrait" => EventKind::Pickup,
            "return" | "retour" => EventKind::Return,
            "call" | "appel" => EventKind::Call,
            "app_session" => EventKind::AppSession,
            "web_visit" => EventKind::WebVisit,
            "invoice" | "facture" => EventKind::Invoice,
            "loyalty_points" => EventKind::LoyaltyPoints,
            "" => {
                return Err(Error::new(ErrorKind::InvalidValue {
                    reason: "empty event kind".into(),
                }));
            }
            _ if name.len() <= 64
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                EventKind::Custom(name)
            }
            _ => {
                return Err(Error::new(ErrorKind::InvalidValue {
                    reason: "event kind is not a short ascii name".into(),
                }));
            }
        })
    }
}

impl TryFrom<String> for EventKind {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        s.parse()
    }
}

impl From<EventKind> for String {
    fn from(k: EventKind) -> String {
        k.name().to_owned()
    }
}

/// An ISO 4217 currency code (`EUR`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// The euro.
    pub const EUR: Currency = Currency(*b"EUR");

    /// The three-letter code.
    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Currency {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_alphabetic()) => Ok(Currency([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
                c.to_ascii_uppercase(),
            ])),
            _ => Err(Error::new(ErrorKind::InvalidValue {
                reason: "a currency is a three-letter ISO 4217 code".into(),
            })),
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        s.parse()
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

/// An amount in the currency's minor units (cents): no floats for money.
/// Negative for refunds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Money {
    /// Minor units: 1999 is 19.99 EUR.
    pub minor: i64,
    /// The currency.
    pub currency: Currency,
}

impl Money {
    /// Parses a decimal amount (`19.99`, `19,99`, `-5`, `1 234,50`) in `currency`
    /// with two minor digits, without going through floating point.
    ///
    /// ```
    /// use omnicanal::timeline::{Currency, Money};
    /// assert_eq!(Money::parse_decimal("1 234,5", Currency::EUR)?.minor, 123450);
    /// assert_eq!(Money::parse_decimal("-0.99", Currency::EUR)?.minor, -99);
    /// assert!(Money::parse_decimal("12.345", Currency::EUR).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse_decimal(s: &str, currency: Currency) -> Result<Money, Error> {
        let bad = || {
            Error::new(ErrorKind::InvalidValue {
                reason: "not a decimal amount with at most two decimals".into(),
            })
        };
        const SPACES: [char; 3] = [' ', '\u{a0}', '\u{202f}'];
        let s = s.trim();
        // Thousands separators are rare: no copy without them.
        let s: std::borrow::Cow<'_, str> = if s.contains(SPACES) {
            s.chars()
                .filter(|c| !SPACES.contains(c))
                .collect::<String>()
                .into()
        } else {
            s.into()
        };
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(&s)),
        };
        let (units, cents) = match digits.split_once(['.', ',']) {
            Some((u, c)) => (u, c),
            None => (digits, ""),
        };
        let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if units.is_empty() || !all_digits(units) || !all_digits(cents) || cents.len() > 2 {
            return Err(bad());
        }
        let units: i64 = units.parse().map_err(|_| bad())?;
        let cents: i64 = match cents.len() {
            0 => 0,
            1 => cents.parse::<i64>().map_err(|_| bad())? * 10,
            _ => cents.parse().map_err(|_| bad())?,
        };
        let minor = units
            .checked_mul(100)
            .and_then(|m| m.checked_add(cents))
            .ok_or_else(bad)?;
        Ok(Money {
            minor: if negative { -minor } else { minor },
            currency,
        })
    }
}

/// One thing a customer did, attached to the record it came from.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The event's id in its source system; unique per source.
    pub id: String,
    /// The record the event belongs to (a web order belongs to a web account).
    pub source: SourceKey,
    /// When it happened (an instant; civil times are resolved at read time).
    pub timestamp: jiff::Timestamp,
    /// Where it happened: a web order picked up in a store gives a `store` pickup
    /// attached to the `web` account.
    pub channel: Channel,
    /// What happened.
    pub kind: EventKind,
    /// The amount, when there is one.
    pub amount: Option<Money>,
    /// The order reference shared by an order, its pickup and its returns.
    pub order_ref: Option<String>,
    /// The store code, for events in a store.
    pub store: Option<String>,
    /// Free attributes, in the source's order.
    pub attributes: Vec<(String, String)>,
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("id", &self.id)
            .field("source", &self.source)
            .field("timestamp", &self.timestamp)
            .field("channel", &self.channel)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}
