//! Small helpers shared by the examples (not part of the library).

#![allow(dead_code)]

use std::time::Duration;

pub mod events_csv;

/// Peak resident set size of this process so far (VmHWM), in bytes; None off Linux.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Resident set size of this process now (VmRSS), in bytes; None off Linux.
pub fn current_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
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

/// Peak resident memory as it grows phase by phase: at the end of each
/// phase, the peak so far. The counter is never reset, so that an outside
/// measure (`/usr/bin/time -v`, which reads the same high-water mark) stays
/// true; the phase whose reading jumps is the one that raised the peak.
#[derive(Debug, Clone, Default)]
pub struct PhasePeaks {
    phases: Vec<(&'static str, u64)>,
}

impl PhasePeaks {
    /// Starts measuring; the first phase began with the process.
    pub fn start() -> PhasePeaks {
        PhasePeaks::default()
    }

    /// Ends a phase: records the peak so far.
    pub fn end_phase(&mut self, name: &'static str) {
        if let Some(peak) = peak_rss_bytes() {
            self.phases.push((name, peak));
        }
    }

    /// The peak so far.
    pub fn overall(&self) -> Option<u64> {
        peak_rss_bytes().or(self.phases.last().map(|(_, peak)| *peak))
    }

    /// The peak so far at the end of each phase.
    pub fn phases(&self) -> &[(&'static str, u64)] {
        &self.phases
    }
}

pub mod attach;

// Behind `io` because the other examples (`scale`, `synth`) build without it.
#[cfg(feature = "io")]
pub mod load;
