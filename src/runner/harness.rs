//! A `[[bench]]` with `adapter = "..."`: the command is a harness (`cargo bench`, a Google
//! Benchmark binary, `go test -bench`) that measures by itself. It runs once (between `setup`
//! and `cleanup`, as [`super::lifecycle`] runs them; under the time-out); its stdout (or the
//! `output` file it writes) goes through the adapter; each benchmark the harness reports
//! becomes a report entry.
//!
//! A harness that exits non-zero, times out, or whose output the adapter cannot read makes
//! one `failed` entry named after the `[[bench]]`: a broken harness is never "fast".
//!
//! With `processes = N` the harness runs N times, each in its own process, and each metric's
//! samples become one value per process (that process's median): independent samples that
//! `compare` can test, where one process's inner iterations are not.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};

use super::{base_result, lifecycle, Executor, RunRequest};
use crate::config::{BenchSpec, Harness};
use crate::ingest::{self, Input};
use crate::model::{BenchStatus, BenchmarkResult};

/// What one harness run gave: its benchmarks, and the harness's metadata.
pub struct HarnessRun {
    pub results: Vec<BenchmarkResult>,
    /// (adapter name, metadata) when the output was read.
    pub source: Option<(String, BTreeMap<String, serde_json::Value>)>,
}

pub fn run_harness(spec: &BenchSpec, harness: &Harness, exec: &mut dyn Executor) -> HarnessRun {
    if harness.processes <= 1 {
        return run_once(spec, harness, exec);
    }
    let mut runs = Vec::with_capacity(harness.processes as usize);
    for _ in 0..harness.processes {
        let run = run_once(spec, harness, exec);
        if run.source.is_none() {
            return run;
        }
        runs.push(run);
    }
    per_process(runs)
}

/// The runs of several harness processes as one: per benchmark and metric, one sample per
/// process that reported it (its median), summarised afresh.
fn per_process(runs: Vec<HarnessRun>) -> HarnessRun {
    let source = runs[0].source.clone();
    let names: Vec<String> = runs[0].results.iter().map(|r| r.name.clone()).collect();
    let mut by_run: Vec<Vec<BenchmarkResult>> = runs.into_iter().map(|r| r.results).collect();
    let results = names
        .iter()
        .filter_map(|name| {
            let of_bench: Vec<BenchmarkResult> = by_run
                .iter_mut()
                .filter_map(|results| {
                    let i = results.iter().position(|r| &r.name == name)?;
                    Some(results.swap_remove(i))
                })
                .collect();
            super::samples::pooled(of_bench, |m| vec![m.summary.median])
        })
        .collect();
    HarnessRun { results, source }
}

fn run_once(spec: &BenchSpec, harness: &Harness, exec: &mut dyn Executor) -> HarnessRun {
    let failed = |reason: String| HarnessRun {
        results: vec![base_result(spec, BenchStatus::Failed, Some(reason))],
        source: None,
    };
    // Before the setup, so that nothing is left to clean up when it cannot be made.
    let mut stdout = match tempfile::tempfile() {
        Ok(f) => f,
        Err(e) => {
            return failed(format!(
                "cannot create a file for the harness's stdout: {e}"
            ))
        }
    };
    let ran = lifecycle::around(spec, exec, |exec| {
        let req = RunRequest {
            capture_stdout: Some(&stdout),
            ..RunRequest::of(spec, &spec.exec)
        };
        lifecycle::step(exec, &req, "the harness")?;
        read_output(spec, harness, &mut stdout)
    });
    ran.unwrap_or_else(failed)
}

fn read_output(
    spec: &BenchSpec,
    harness: &Harness,
    stdout: &mut std::fs::File,
) -> Result<HarnessRun, String> {
    let input = match &harness.output {
        Some(path) => Input::read(path)
            .map_err(|e| format!("cannot read the harness output {}: {e}", path.display()))?,
        None => {
            let mut bytes = Vec::new();
            stdout
                .seek(SeekFrom::Start(0))
                .and_then(|_| stdout.read_to_end(&mut bytes))
                .map_err(|e| format!("cannot read the harness's stdout: {e}"))?;
            Input::from_bytes(format!("stdout of `{}`", spec.name), bytes)
        }
    };
    let (format, parsed) = ingest::parse(&harness.format, &input).map_err(|e| e.to_string())?;
    if parsed.report.is_some() {
        return Err(format!(
            "{}: a perfgate report is not a harness output for `json` (a harness that writes perfgate reports, such as perfgate-harness, is read with `perfgate`; a saved report is used with `perfgate record` or `compare`)",
            input.name()
        ));
    }
    let results = ingest::results(
        parsed.benchmarks,
        &spec.tags,
        &spec.device,
        Some(&spec.exec.display()),
        !ingest::samples_are_processes(format),
    );
    if results.is_empty() {
        return Err(format!(
            "{}: {format}: no benchmark with a value",
            input.name()
        ));
    }
    Ok(HarnessRun {
        results,
        source: Some((format.to_string(), parsed.source)),
    })
}
