//! `measure = ["instructions"]`: the benchmark run once under `valgrind --tool=callgrind`,
//! whose instruction count (`Ir`) is repeatable for the same binary, input and environment,
//! whatever else the machine is doing: a near-noise-free metric for shared CI runners where
//! hardware counters are not available. Callgrind slows the program down about 20-100x;
//! the run is outside the timed ones.

use std::path::Path;

use super::Executor;
use crate::config::BenchSpec;

/// `(instructions, "valgrind-3.19.0 callgrind")`, or why not.
pub fn count(
    spec: &BenchSpec,
    env: &std::collections::BTreeMap<String, String>,
    exec: &mut dyn Executor,
) -> Result<(f64, String), String> {
    let version = super::wrapped::tool_version("valgrind", "--version")
        .map_err(|e| format!("instructions: valgrind is needed (apt-get install valgrind): {e}"))?;
    let dir = crate::tmpdir::create().map_err(|e| format!("instructions: {e}"))?;
    let out = dir.path().join("callgrind.out");
    let tool = vec![
        "valgrind".to_string(),
        "--tool=callgrind".to_string(),
        format!("--callgrind-out-file={}", out.display()),
        // The program's own stderr is kept; valgrind's goes to a file.
        format!("--log-file={}", dir.path().join("valgrind.log").display()),
        "--".to_string(),
    ];
    // Under callgrind a run takes tens of times longer.
    let m = super::wrapped::run_under(spec, env, exec, tool, (100, 1));
    if !m.outcome.success() {
        let log = std::fs::read_to_string(dir.path().join("valgrind.log")).unwrap_or_default();
        return Err(format!(
            "instructions: the run under callgrind {}{}",
            m.outcome.describe(),
            super::wrapped::last_log_line(&log, "==")
        ));
    }
    let total = totals(&out)?;
    Ok((total, format!("{version} callgrind")))
}

/// The `summary:` (or `totals:`) line's first number: the Ir event, which callgrind counts
/// by default and lists first.
fn totals(path: &Path) -> Result<f64, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("instructions: callgrind wrote no output ({e})"))?;
    parse_totals(&text)
        .ok_or_else(|| format!("instructions: no `summary:` line in {}", path.display()))
}

pub fn parse_totals(text: &str) -> Option<f64> {
    let events_first_is_ir = text
        .lines()
        .find_map(|l| l.strip_prefix("events:"))
        .is_none_or(|e| e.split_whitespace().next() == Some("Ir"));
    if !events_first_is_ir {
        return None;
    }
    ["summary:", "totals:"].iter().find_map(|key| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
            .map(|n| n as f64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ir_total_is_read_from_summary_or_totals() {
        assert_eq!(
            parse_totals("version: 1\nevents: Ir\nfl=a\n0 5\nsummary: 123456\n"),
            Some(123456.0)
        );
        assert_eq!(parse_totals("events: Ir Dr\ntotals: 77 8\n"), Some(77.0));
        assert_eq!(parse_totals("events: Dr Ir\nsummary: 1 2\n"), None);
        assert_eq!(parse_totals("nothing"), None);
    }
}
