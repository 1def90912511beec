//! A benchmark's command run under a tool (valgrind, perf, heaptrack): the tool's words in
//! front of the command, the benchmark's directory and pinning, its time-out multiplied by
//! how much the tool slows a run down.

use std::collections::BTreeMap;

use super::{Executor, RunMeasurement, RunRequest};
use crate::config::{BenchSpec, Exec};

/// `spec`'s command under `tool`, run `times` times in a row under one tool process (`sh`
/// loops over it, stopping at the first failure, so the tool starts once), with `env`; the
/// time-out is multiplied by `slowdown` and by `times`.
pub fn run_under(
    spec: &BenchSpec,
    env: &BTreeMap<String, String>,
    exec: &mut dyn Executor,
    tool: Vec<String>,
    (slowdown, times): (u32, u32),
) -> RunMeasurement {
    let mut argv = tool;
    if times > 1 {
        argv.extend([
            "sh".to_string(),
            "-c".to_string(),
            format!("n={times}; while [ \"$n\" -gt 0 ]; do \"$@\" || exit; n=$((n - 1)); done"),
            "sh".to_string(),
        ]);
    }
    match &spec.exec {
        Exec::Argv(a) => argv.extend(a.iter().cloned()),
        Exec::Shell(s) => argv.extend(["sh".to_string(), "-c".to_string(), s.clone()]),
    }
    let slowdown = slowdown.saturating_mul(times.max(1));
    let wrapped = Exec::Argv(argv);
    exec.run(&RunRequest {
        env,
        timeout: spec.timeout.map(|t| t * slowdown),
        ..RunRequest::of(spec, &wrapped)
    })
}

/// `: <the last line of a tool's log that is not only its prefix>` (valgrind ends its log
/// with `==pid==` lines), or nothing.
pub fn last_log_line(log: &str, blank_suffix: &str) -> String {
    log.lines()
        .rev()
        .map(str::trim_end)
        .find(|l| !l.is_empty() && !l.ends_with(blank_suffix))
        .map(|l| format!(": {l}"))
        .unwrap_or_default()
}

/// The first line a tool prints for `flag` (`perf version 6.1.187`, `valgrind-3.19.0`).
pub fn tool_version(tool: &str, flag: &str) -> Result<String, String> {
    let out = std::process::Command::new(tool)
        .arg(flag)
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().next().unwrap_or("").trim();
    if !out.status.success() || line.is_empty() {
        return Err(format!("`{tool} {flag}` failed"));
    }
    Ok(line.to_string())
}
