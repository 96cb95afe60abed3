//! `events.csv` as the synthetic exports write it: one module for the
//! `synth` example, which writes the file, and `live_scale`, which counts
//! the bytes the same events would take in it.

use std::io::Write;

use jiff::tz::TimeZone;
use omnicanal::timeline::Event;

/// The header row.
pub const HEADER: [&str; 9] = [
    "event_id",
    "channel",
    "source_record_id",
    "timestamp",
    "kind",
    "amount_eur",
    "order_ref",
    "store_code",
    "reason",
];

/// Writes one row per event: Paris time with its offset, euros with two
/// decimals, the `reason` attribute of returns.
pub fn write_rows<W: Write>(
    w: &mut csv::Writer<W>,
    events: &[Event],
    paris: &TimeZone,
) -> csv::Result<()> {
    for e in events {
        let when = e
            .timestamp
            .to_zoned(paris.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string();
        let reason = e
            .attributes
            .iter()
            .find(|(k, _)| k == "reason")
            .map_or("", |(_, v)| v.as_str());
        w.write_record([
            e.id.as_str(),
            e.channel.name(),
            e.source.id.as_str(),
            &when,
            e.kind.name(),
            &e.amount.map(|m| euros(m.minor)).unwrap_or_default(),
            e.order_ref.as_deref().unwrap_or(""),
            e.store.as_deref().unwrap_or(""),
            reason,
        ])?;
    }
    Ok(())
}

/// `-1999` → `-19.99`.
fn euros(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}
