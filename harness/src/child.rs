//! One sample per process: the parent re-executes its own binary with [`CHILD_ENV`] naming one
//! benchmark and [`MODE_ENV`] saying how to run it; the child measures and prints one line,
//! `perfgate-harness-result {json}`, on stdout, which the parent reads back.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::measure::{Measured, Mode, Plan};

pub(crate) const CHILD_ENV: &str = "PERFGATE_HARNESS_CHILD";
pub(crate) const MODE_ENV: &str = "PERFGATE_HARNESS_MODE";
const PREFIX: &str = "perfgate-harness-result ";

/// What a child prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ChildResult {
    pub measured: Measured,
    /// The process's peak resident set (bytes).
    pub peak_rss: f64,
}

/// The mode as the environment variable spells it.
pub(crate) fn mode_text(mode: Mode) -> String {
    match mode {
        Mode::Measure(p) => format!(
            "measure:{}:{}:{}:{}",
            p.warm_up.as_millis(),
            p.measure.as_millis(),
            p.min_batches,
            p.max_batches
        ),
        Mode::Count { iterations } => format!("count:{iterations}"),
        Mode::Smoke => "smoke".to_string(),
    }
}

pub(crate) fn parse_mode(text: &str) -> Result<Mode, String> {
    let parts: Vec<&str> = text.split(':').collect();
    let num = |s: &str| {
        s.parse::<u64>()
            .map_err(|_| format!("{MODE_ENV}: `{text}` is not a mode"))
    };
    match parts.as_slice() {
        ["smoke"] => Ok(Mode::Smoke),
        ["count", n] => Ok(Mode::Count {
            iterations: num(n)?,
        }),
        ["measure", w, m, lo, hi] => Ok(Mode::Measure(Plan {
            warm_up: Duration::from_millis(num(w)?),
            measure: Duration::from_millis(num(m)?),
            min_batches: num(lo)? as usize,
            max_batches: num(hi)? as usize,
        })),
        _ => Err(format!("{MODE_ENV}: `{text}` is not a mode")),
    }
}

/// The child's last act: its result on stdout.
pub(crate) fn report(measured: Measured) -> std::io::Result<()> {
    let result = ChildResult {
        measured,
        peak_rss: peak_rss(),
    };
    let line = serde_json::to_string(&result).map_err(std::io::Error::from)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{PREFIX}{line}")?;
    out.flush()
}

/// This process's peak resident set, from getrusage (in KiB, except on macOS: bytes).
fn peak_rss() -> f64 {
    // SAFETY: rusage is plain data; getrusage fills the valid struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let unit = if cfg!(target_os = "macos") {
        1.0
    } else {
        1024.0
    };
    usage.ru_maxrss as f64 * unit
}

/// Runs `exe` (possibly under a wrapper such as valgrind: `prefix` comes first) as the child
/// for `bench` in `mode`, and returns its stdout, or why it failed.
pub(crate) fn spawn(
    prefix: &[String],
    exe: &Path,
    bench: &str,
    mode: Mode,
) -> Result<String, String> {
    let mut cmd = match prefix.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    let out = cmd
        .env(CHILD_ENV, bench)
        .env(MODE_ENV, mode_text(mode))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!("ended with {}: {}", out.status, why(&stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What a failed child's stderr says: its panic (the `panicked at` line and the message
/// after it, before any backtrace), or else its last three lines.
fn why(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    if let Some(at) = lines.iter().position(|l| l.contains(" panicked at ")) {
        let message: Vec<&str> = lines[at + 1..]
            .iter()
            .take_while(|l| !l.starts_with("stack backtrace:") && !l.starts_with("note: "))
            .copied()
            .collect();
        return format!("{} {}", lines[at].trim(), message.join(" | "))
            .trim()
            .to_string();
    }
    let tail: Vec<&str> = lines.iter().rev().take(3).rev().copied().collect();
    tail.join(" | ")
}

/// The result line in a child's stdout.
pub(crate) fn parse_result(stdout: &str) -> Result<ChildResult, String> {
    let line = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(PREFIX))
        .ok_or("the process printed no result line (did the benchmark call `iter`?)")?;
    serde_json::from_str(line).map_err(|e| format!("unreadable result line: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_round_trip_through_their_text() {
        let plan = Plan {
            warm_up: Duration::from_millis(50),
            measure: Duration::from_millis(100),
            min_batches: 10,
            max_batches: 1000,
        };
        for mode in [
            Mode::Smoke,
            Mode::Count { iterations: 7 },
            Mode::Measure(plan),
        ] {
            assert_eq!(parse_mode(&mode_text(mode)), Ok(mode));
        }
        assert_eq!(mode_text(Mode::Measure(plan)), "measure:50:100:10:1000");
        assert!(parse_mode("count:x").is_err() && parse_mode("").is_err());
    }

    #[test]
    fn a_panic_is_the_reason_without_its_backtrace() {
        let stderr = "thread 'main' (7) panicked at benches/b.rs:3:5:\nasked to panic\nstack backtrace:\n   0: x\nnote: y\n";
        assert_eq!(
            why(stderr),
            "thread 'main' (7) panicked at benches/b.rs:3:5: asked to panic"
        );
        assert_eq!(why("a\nb\nc\nd\n"), "b | c | d");
    }
}
