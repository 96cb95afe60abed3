//! Small helpers shared by the examples (not part of the library).

#![allow(dead_code)]

use std::time::Duration;

/// Peak resident set size of this process so far (VmHWM), in bytes; None off Linux.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Resets the peak RSS counter so the next reading covers only what follows
/// (Linux ≥ 4.0: writing 5 to clear_refs). Returns false where unsupported.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Bytes as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// A count per second over a duration, rounded, with thousands separators.
pub fn rate(count: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    if secs <= 0.0 {
        return "-".into();
    }
    thousands((count as f64 / secs).round() as u64) + "/s"
}

/// 1234567 → "1 234 567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Peak resident memory phase by phase: the peak counter is reset at the end
/// of each phase, so each reading covers that phase alone, and the overall
/// peak is the largest of them. Where the counter cannot be reset (not Linux,
/// or an old kernel) only the overall peak is known.
#[derive(Debug, Clone, Default)]
pub struct PhasePeaks {
    phases: Vec<(&'static str, u64)>,
    resettable: bool,
    overall: Option<u64>,
}

impl PhasePeaks {
    /// Starts measuring; the first phase began with the process.
    pub fn start() -> PhasePeaks {
        PhasePeaks {
            phases: Vec::new(),
            resettable: true,
            overall: None,
        }
    }

    /// Ends a phase: reads its peak, then resets the counter for the next.
    pub fn end_phase(&mut self, name: &'static str) {
        let Some(peak) = peak_rss_bytes() else { return };
        self.overall = Some(self.overall.map_or(peak, |o| o.max(peak)));
        if self.resettable {
            self.phases.push((name, peak));
            self.resettable = reset_peak_rss();
        }
    }

    /// The largest peak seen, phases included.
    pub fn overall(&self) -> Option<u64> {
        let now = peak_rss_bytes();
        match (self.overall, now) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// Each phase's own peak, when the counter could be reset between them.
    pub fn phases(&self) -> &[(&'static str, u64)] {
        if self.resettable { &self.phases } else { &[] }
    }
}
