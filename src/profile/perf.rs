//! CPU profiles by `perf record` on the `cpu-clock` software event: hardware counters are
//! not available on most virtual machines and CI runners, a software clock is wherever perf
//! is permitted at all. Call stacks are unwound from DWARF (Rust and C++ release builds keep
//! no frame pointers), inlined frames included. `perf script` prints the samples and
//! inferno's perf collapser folds them.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::process::{Command, Stdio};

use inferno::collapse::perf::{Folder, Options};
use inferno::collapse::Collapse;

use super::{symbols, Limits, Recorded, StackUnit, Stacks};
use crate::config::BenchSpec;
use crate::runner::wrapped::run_under;
use crate::runner::Executor;

/// The software clock of user-space CPU time: permitted at `perf_event_paranoid` 2 (the
/// usual default), and it needs no kernel symbols.
const EVENT: &str = "cpu-clock:u";
/// Bytes of user stack copied per sample for DWARF unwinding.
const STACK_DUMP: u32 = 16384;

/// Whether perf may record here: `Ok(version)`, or why not in one line.
pub fn available() -> Result<String, String> {
    let version = crate::runner::wrapped::tool_version("perf", "--version")
        .map_err(|e| format!("perf is not installed ({e})"))?;
    let dir = crate::tmpdir::create().map_err(|e| e.to_string())?;
    let out = Command::new("perf")
        .args([
            "record",
            "-q",
            "--no-buildid",
            "--no-buildid-cache",
            "--no-bpf-event",
        ])
        .args(["-e", EVENT, "-o"])
        .arg(dir.path().join("probe.data"))
        .args(["--", "true"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("perf could not be started: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let why = err
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("no reason given");
        return Err(format!("perf may not record here: {why}"));
    }
    Ok(version)
}

/// `runs` runs of `spec` in a row under one `perf record`, their samples folded.
pub fn record(
    spec: &BenchSpec,
    limits: &Limits,
    exec: &mut dyn Executor,
    runs: u32,
    version: &str,
    why: String,
) -> Result<Recorded, String> {
    let dir = crate::tmpdir::create().map_err(|e| format!("perf: {e}"))?;
    let data = dir.path().join("perf.data");
    let runs = runs.max(1);
    let tool = vec![
        "perf".to_string(),
        "record".to_string(),
        "-q".to_string(),
        // No build-id collection and no BPF program events: they cost a second or more at
        // the end of every record and nothing here needs them.
        "--no-buildid".to_string(),
        "--no-buildid-cache".to_string(),
        "--no-bpf-event".to_string(),
        "-e".to_string(),
        EVENT.to_string(),
        "-F".to_string(),
        limits.frequency.to_string(),
        "--call-graph".to_string(),
        format!("dwarf,{STACK_DUMP}"),
        format!("--max-size={}K", (limits.max_bytes >> 10).max(1)),
        "-o".to_string(),
        data.display().to_string(),
        "--".to_string(),
    ];
    let m = run_under(spec, &spec.env, exec, tool, (3, runs));
    if !m.outcome.success() {
        return Err(format!(
            "perf: the runs under perf record {}{}",
            m.outcome.describe(),
            if m.stderr_tail.is_empty() {
                String::new()
            } else {
                format!(": {}", m.stderr_tail)
            }
        ));
    }
    Ok(Recorded {
        stacks: Stacks {
            unit: StackUnit::Nanoseconds,
            folded: script(&data)?,
            runs,
        },
        tool: format!(
            "{version} ({EVENT}, {} Hz, dwarf call graphs)",
            limits.frequency
        ),
        why,
    })
}

/// The folded stacks of one perf.data file.
fn script(data: &std::path::Path) -> Result<BTreeMap<String, u64>, String> {
    let mut child = Command::new("perf")
        // Inlined functions are not frames of their own: their cost is the function they
        // were inlined into, as callgrind counts it (and `perf script` is 6x faster).
        .args(["script", "--no-inline", "-i"])
        .arg(data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("perf script: {e}"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| "perf script: no output".to_string())?;
    let mut options = Options::default();
    options.nthreads = 1;
    let mut folder = Folder::from(options);
    let mut text = Vec::new();
    let folded = folder.collapse(BufReader::new(stdout), &mut text);
    let status = child.wait().map_err(|e| format!("perf script: {e}"))?;
    folded.map_err(|e| format!("perf script: its output could not be folded: {e}"))?;
    if !status.success() {
        return Err(format!("perf script {}: {status}", data.display()));
    }
    parse_folded(&String::from_utf8_lossy(&text))
}

/// `stack weight` lines (inferno's output: a sample weighs its period, nanoseconds of
/// cpu-clock) as a map, every frame cleaned.
pub fn parse_folded(text: &str) -> Result<BTreeMap<String, u64>, String> {
    let mut out = BTreeMap::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let (stack, count) = line
            .rsplit_once(' ')
            .ok_or_else(|| format!("folded line {}: no count", i + 1))?;
        let count: u64 = count
            .trim()
            .parse()
            .map_err(|_| format!("folded line {}: `{count}` is not a count", i + 1))?;
        let stack: Vec<String> = stack.split(';').map(symbols::clean).collect();
        *out.entry(stack.join(";")).or_insert(0) += count;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse_folded;

    #[test]
    fn folded_lines_are_summed_and_cleaned() {
        let f = parse_folded("app;main;work::h0123456789abcdef 7\napp;main;work 3\n\napp;main 1\n")
            .unwrap();
        assert_eq!(f["app;main;work"], 10);
        assert_eq!(f["app;main"], 1);
        assert_eq!(
            parse_folded("app;main x\n").unwrap_err(),
            "folded line 1: `x` is not a count"
        );
    }
}
