//! Per-stage progress on stderr with indicatif: a live counter while a stage
//! runs, one line with its count, time and rate when it ends. Everything is
//! hidden with `--quiet` or when stderr is not a terminal, so logs of a
//! nightly run hold only the summary on stdout.
//!
//! Stages may run at once (the events are read while the batch resolves):
//! every bar belongs to one `MultiProgress`, which draws them one under the
//! other instead of letting them overwrite each other.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::support::{rate, thousands};

/// Draws stages, or nothing (`bars` is `None`).
#[derive(Debug, Clone)]
pub struct Progress {
    bars: Option<MultiProgress>,
}

impl Progress {
    /// Progress on stderr unless `quiet` or stderr is not a terminal.
    pub fn new(quiet: bool) -> Progress {
        let enabled = !quiet && std::io::stderr().is_terminal();
        Progress {
            bars: enabled.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
        }
    }

    /// A running counter for `stage` counting `unit`s.
    pub fn counter(&self, stage: &'static str, unit: &'static str) -> Stage {
        let bar = self.bar();
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{spinner}} {stage:<10} {{human_pos}} {unit} {{msg}} [{{elapsed}}, {{per_sec}}]"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Stage {
            bar,
            stage,
            unit,
            started: Instant::now(),
        }
    }

    /// A spinner for a stage whose inside we cannot see (the resolver runs
    /// block, compare, train, score and cluster in one call).
    pub fn spinner(&self, stage: &'static str, what: &str) -> Stage {
        let bar = self.bar();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix:<10} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(stage);
        bar.set_message(what.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        Stage {
            bar,
            stage,
            unit: "",
            started: Instant::now(),
        }
    }

    /// One finished-stage line for work timed elsewhere (the resolver's
    /// stages report their own timings).
    pub fn done(&self, stage: &str, count: u64, unit: &str, took: Duration, note: &str) {
        if let Some(bars) = &self.bars {
            // Above the bars still running, as a finished bar would be.
            let _ = bars.println(done_line(stage, count, unit, took, note));
        }
    }

    fn bar(&self) -> ProgressBar {
        match &self.bars {
            Some(bars) => bars.add(ProgressBar::no_length()),
            None => ProgressBar::hidden(),
        }
    }
}

/// A running stage.
#[derive(Debug)]
pub struct Stage {
    bar: ProgressBar,
    stage: &'static str,
    unit: &'static str,
    started: Instant,
}

impl Stage {
    /// Counts `n` more units.
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    /// A short note after the count (`12 rejects`).
    pub fn note(&self, note: String) {
        self.bar.set_message(note);
    }

    /// Ends the stage with one line; returns its wall time.
    pub fn finish(self, note: &str) -> Duration {
        let took = self.started.elapsed();
        let line = done_line(self.stage, self.bar.position(), self.unit, took, note);
        self.bar.set_style(
            ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        self.bar.finish_with_message(line);
        took
    }
}

fn done_line(stage: &str, count: u64, unit: &str, took: Duration, note: &str) -> String {
    let counted = if unit.is_empty() {
        String::new()
    } else {
        format!("{} {unit} ({}) ", thousands(count), rate(count, took))
    };
    format!(
        "✔ {stage:<10} {counted}in {took:.2?}{sep}{note}",
        sep = if note.is_empty() { "" } else { "; " }
    )
}
