//! Every line a guest writes — stdout, stderr, `host.log` — passes here on its way to the host
//! log: control characters are escaped (a guest cannot forge a host log line, nor send escape
//! sequences to a terminal), a line is cut at `MAX_LINE` bytes, and each component may write
//! `guest_log_lines_per_second` lines a second; the rest are dropped, and counted in the log
//! once the component may write again.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Longest line logged; the rest is cut, with how much was.
pub const MAX_LINE: usize = 4096;

/// How severe a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// The lines one component may still write, refilled every second.
#[derive(Debug)]
pub struct LogBudget {
    per_second: u64,
    window: Mutex<(Instant, u64)>,
    dropped: AtomicU64,
}

impl LogBudget {
    /// A budget of `per_second` lines a second.
    pub fn new(per_second: u64) -> Self {
        Self {
            per_second,
            window: Mutex::new((Instant::now(), 0)),
            dropped: AtomicU64::new(0),
        }
    }

    /// Whether one more line may be written now; when it may and lines were dropped before,
    /// also how many.
    fn admit(&self) -> (bool, u64) {
        let mut window = self.window.lock().unwrap();
        if window.0.elapsed().as_secs() >= 1 {
            *window = (Instant::now(), 0);
        }
        if window.1 >= self.per_second {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return (false, 0);
        }
        window.1 += 1;
        (true, self.dropped.swap(0, Ordering::Relaxed))
    }
}

/// A line a guest wrote, and how many bytes at its end were dropped before it got here.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub text: &'a str,
    pub cut: usize,
}

/// The line escaped and cut for the log: control characters (newlines included) as `\n`,
/// `\u{1b}`…; at most [`MAX_LINE`] bytes of it, then how many more there were.
pub fn clean(Line { text, cut }: Line<'_>) -> String {
    let mut line = String::with_capacity(text.len().min(MAX_LINE));
    let mut rest = cut;
    for (at, c) in text.char_indices() {
        if line.len() >= MAX_LINE {
            rest += text.len() - at;
            break;
        }
        match c {
            '\t' => line.push(c),
            c if c.is_control() => line.extend(c.escape_default()),
            c => line.push(c),
        }
    }
    if rest > 0 {
        let _ = write!(line, "… ({rest} more bytes)");
    }
    line
}

/// Logs one guest line of `component`, serving `operation`, if its budget allows.
pub fn emit(
    budget: &LogBudget,
    component: &str,
    operation: &str,
    level: Level,
    stderr: bool,
    text: Line<'_>,
) {
    let (admitted, dropped) = budget.admit();
    if !admitted {
        return;
    }
    if dropped > 0 {
        tracing::warn!(target: "guest", %component,
            "{dropped} log lines dropped: more than {} a second (`guest_log_lines_per_second`)",
            budget.per_second);
    }
    let line = clean(text);
    let stream = if stderr { "stderr" } else { "" };
    match level {
        Level::Trace => tracing::trace!(target: "guest", %component, %operation, "{line}"),
        Level::Debug => tracing::debug!(target: "guest", %component, %operation, "{line}"),
        Level::Info => tracing::info!(target: "guest", %component, %operation, "{line}"),
        Level::Warn if stderr => {
            tracing::warn!(target: "guest", %component, %operation, stream, "{line}")
        }
        Level::Warn => tracing::warn!(target: "guest", %component, %operation, "{line}"),
        Level::Error => tracing::error!(target: "guest", %component, %operation, "{line}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_escaped_and_cut() {
        let line = |text| Line { text, cut: 0 };
        assert_eq!(
            clean(line("ok\nINFO fastwasm: forged\x1b[31m")),
            "ok\\nINFO fastwasm: forged\\u{1b}[31m"
        );
        let long = "x".repeat(MAX_LINE + 100);
        let cut = clean(line(&long));
        assert!(cut.starts_with(&"x".repeat(MAX_LINE)));
        assert!(cut.ends_with("… (100 more bytes)"), "{cut}");
        let short = clean(Line {
            text: "start",
            cut: 7,
        });
        assert_eq!(short, "start… (7 more bytes)");
    }

    #[test]
    fn a_component_past_its_budget_is_dropped_and_counted() {
        let budget = LogBudget::new(3);
        let admitted: Vec<bool> = (0..5).map(|_| budget.admit().0).collect();
        assert_eq!(admitted, [true, true, true, false, false]);
        assert_eq!(budget.dropped.load(Ordering::Relaxed), 2);
    }
}
