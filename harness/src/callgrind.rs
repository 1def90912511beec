//! `--instructions`: instructions per iteration under valgrind's callgrind, as repeatable as
//! the program is (same binary, input and environment give the same count).
//!
//! The child runs under `valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect=perfgate_harness_counted`, so only the measured region is counted (not
//! start-up, registration, setup of `iter_batched` inputs, or the harness's own work). It is
//! run twice, with 1 and with 1 + k iterations; the difference divided by k is one
//! iteration's count, with first-call costs (lazy initialisation, the first allocation of a
//! size class) cancelled. What remains besides the routine is the loop's own few
//! instructions per iteration (a counter, a compare, a branch, the black box).

use std::path::Path;

use crate::measure::Mode;

/// (instructions per iteration, `valgrind-3.19.0`), or why they could not be counted.
/// `seconds` is one iteration's measured time, which sets k (about 10 ms of native work).
pub(crate) fn instructions(exe: &Path, bench: &str, seconds: f64) -> Result<(f64, String), String> {
    let version = std::process::Command::new("valgrind")
        .arg("--version")
        .output()
        .map_err(|e| format!("--instructions needs valgrind (apt-get install valgrind): {e}"))?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    let k = (0.01 / seconds.max(1e-12)).floor().clamp(1.0, 1000.0) as u64;
    let one = count(exe, bench, 1)?;
    let more = count(exe, bench, 1 + k)?;
    Ok(((more - one) / k as f64, version))
}

fn count(exe: &Path, bench: &str, iterations: u64) -> Result<f64, String> {
    let dir = std::env::temp_dir().join(format!(
        "perfgate-harness-{}-{iterations}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let out = dir.join("callgrind.out");
    let prefix = [
        "valgrind".to_string(),
        "--tool=callgrind".to_string(),
        "--collect-atstart=no".to_string(),
        "--toggle-collect=perfgate_harness_counted".to_string(),
        format!("--callgrind-out-file={}", out.display()),
        format!("--log-file={}", dir.join("valgrind.log").display()),
        "--".to_string(),
    ];
    let ran = crate::child::spawn(&prefix, exe, bench, Mode::Count { iterations });
    let text = std::fs::read_to_string(&out);
    let _ = std::fs::remove_dir_all(&dir);
    ran.map_err(|e| format!("under callgrind, {e}"))?;
    let text = text.map_err(|e| format!("callgrind wrote no profile: {e}"))?;
    summary(&text).ok_or_else(|| "callgrind's profile has no `summary:` line".to_string())
}

/// The `summary:` (or `totals:`) line of a callgrind profile: its first event, `Ir`.
fn summary(profile: &str) -> Option<f64> {
    profile.lines().find_map(|l| {
        let rest = l
            .strip_prefix("summary:")
            .or_else(|| l.strip_prefix("totals:"))?;
        rest.split_whitespace().next()?.parse::<f64>().ok()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_summary_line_is_the_instruction_count() {
        let profile =
            "version: 1\ncreator: callgrind-3.19.0\nevents: Ir\n\nsummary: 12345\ntotals: 12345\n";
        assert_eq!(super::summary(profile), Some(12345.0));
        assert_eq!(super::summary("events: Ir\n"), None);
    }
}
