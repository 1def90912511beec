//! Runs benchmarks: setup, warm-up, measured runs until the sampling plan is met, cleanup
//! ([`lifecycle`] around the runs of `measure`).
//! A benchmark whose run fails is `failed` with the reason; it never gets a summary. After an
//! interruption (Ctrl-C) the interrupted benchmark's cleanup runs and the suite stops, with
//! [`SuiteRun::interrupted`] saying what was stopped.

pub mod custom;
pub mod executor;
pub mod gpu;
mod group;
mod harness;
pub mod instructions;
pub mod interleave;
pub mod interrupt;
pub mod lifecycle;
mod measure;
mod output;
pub mod program;
mod samples;
pub mod schedule;
mod spawn;
mod watchdog;
pub mod wrapped;

use std::collections::BTreeMap;
use std::time::Duration;

pub use executor::{
    Executor, MockExecutor, ProcessExecutor, RunMeasurement, RunOutcome, RunRequest,
};
pub use interrupt::Interruption;
pub use samples::BenchSamples;

use crate::config::{BenchSpec, Sampling};
use crate::model::{BenchStatus, BenchmarkResult};

/// Progress callbacks, so the runner never prints. By default each does nothing.
pub trait Observer {
    fn bench_started(&mut self, name: &str, index: usize, total: usize) {
        let _ = (name, index, total);
    }
    /// After each measured run: runs done, and the current estimate of the total.
    fn run_done(&mut self, done: u32, estimated_total: u32) {
        let _ = (done, estimated_total);
    }
    fn bench_finished(&mut self, result: &BenchmarkResult) {
        let _ = result;
    }
}

pub struct NoObserver;
impl Observer for NoObserver {}

pub struct SuiteOptions<'a> {
    /// Keep running the other benchmarks after one fails.
    pub ignore_failure: bool,
    pub seed: u64,
    pub device_present: &'a dyn Fn(&str) -> bool,
}

/// What a suite run gave: every benchmark's result (a harness contributes each benchmark it
/// reports), and per harness `[[bench]]` the adapter and the harness's metadata.
pub struct SuiteRun {
    pub benchmarks: Vec<BenchmarkResult>,
    pub sources: Vec<HarnessSource>,
    /// Set when a signal stopped the suite: its results are then incomplete and must be
    /// neither written nor recorded.
    pub interrupted: Option<Interruption>,
}

pub struct HarnessSource {
    /// The `[[bench]]` that ran the harness.
    pub bench: String,
    pub format: String,
    pub metadata: BTreeMap<String, serde_json::Value>,
}

/// Runs every benchmark in order. Without `ignore_failure`, the ones after a failure are
/// reported `skipped` with the reason.
pub fn run_suite(
    benches: &[BenchSpec],
    exec: &mut dyn Executor,
    opts: &SuiteOptions<'_>,
    observer: &mut dyn Observer,
) -> SuiteRun {
    let mut results = Vec::with_capacity(benches.len());
    let mut sources = Vec::new();
    let mut stop_reason: Option<String> = None;
    let mut interrupted = None;
    for (i, spec) in benches.iter().enumerate() {
        let produced = if let Some(why) = &stop_reason {
            vec![skipped(spec, why.clone())]
        } else if !(opts.device_present)(&spec.device) {
            vec![skipped(spec, device_absent(&spec.device))]
        } else if let Some(h) = &spec.harness {
            observer.bench_started(&spec.name, i, benches.len());
            let mut counted = executor::Counting::new(exec);
            let mut run = harness::run_harness(spec, h, &mut counted);
            // One process gave them all: what it left behind is a finding of each.
            for r in &mut run.results {
                r.leaked_processes = counted.leftovers;
            }
            if let Some((format, metadata)) = run.source {
                sources.push(HarnessSource {
                    bench: spec.name.clone(),
                    format,
                    metadata,
                });
            }
            run.results
        } else {
            observer.bench_started(&spec.name, i, benches.len());
            vec![run_bench(spec, exec, observer)]
        };
        if let Some(signal) = exec.interrupted() {
            interrupted = Some(stopped_by(signal, spec, &produced));
            break;
        }
        for result in produced {
            observer.bench_finished(&result);
            if result.status == BenchStatus::Failed && !opts.ignore_failure && stop_reason.is_none()
            {
                stop_reason = Some(stopped_after(&spec.name));
            }
            results.push(result);
        }
    }
    SuiteRun {
        benchmarks: results,
        sources,
        interrupted,
    }
}

/// The interruption noticed after `spec` ran: what of it was stopped, from its failed result.
fn stopped_by(signal: i32, spec: &BenchSpec, produced: &[BenchmarkResult]) -> Interruption {
    Interruption {
        signal,
        bench: Some(spec.name.clone()),
        during: produced
            .iter()
            .find(|r| r.status == BenchStatus::Failed)
            .and_then(|r| r.reason.clone()),
    }
}

/// Why a benchmark was skipped: its device is not here.
fn device_absent(device: &str) -> String {
    format!("device `{device}` is not present on this machine")
}

/// Why the rest of a suite was skipped after `name` failed.
fn stopped_after(name: &str) -> String {
    format!("not run: `{name}` failed before it (use --ignore-failure to keep going)")
}

fn base_result(spec: &BenchSpec, status: BenchStatus, reason: Option<String>) -> BenchmarkResult {
    BenchmarkResult {
        name: spec.name.clone(),
        status,
        reason,
        tags: spec.tags.clone(),
        params: {
            let mut p = spec.params.clone();
            p.extend(spec.settings.recorded());
            p
        },
        device: spec.device.clone(),
        command: Some(spec.exec.display()),
        warmup_runs: 0,
        leaked_processes: 0,
        metrics: Vec::new(),
    }
}

fn skipped(spec: &BenchSpec, reason: String) -> BenchmarkResult {
    base_result(spec, BenchStatus::Skipped, Some(reason))
}

/// Runs one benchmark to completion (or first failure) between its setup and cleanup, and
/// counts the processes its runs left behind.
pub fn run_bench(
    spec: &BenchSpec,
    exec: &mut dyn Executor,
    observer: &mut dyn Observer,
) -> BenchmarkResult {
    let mut counted = executor::Counting::new(exec);
    let ran = lifecycle::around(spec, &mut counted, |exec| {
        measure::measure(spec, exec, observer)
    });
    let mut result = ran.unwrap_or_else(|failed| failed.into_result(spec));
    result.leaked_processes = counted.leftovers;
    result
}

/// How many runs the plan asks for, given `done` runs that took `measured` in total: exactly
/// `runs` when set; otherwise enough for `min_time` (estimated from the mean so far) and at
/// least `min_runs`, capped by `max_runs`.
pub fn planned_runs(plan: &Sampling, done: u32, measured: Duration) -> u32 {
    if let Some(runs) = plan.runs {
        return runs;
    }
    let by_time = if done == 0 {
        plan.min_runs
    } else if measured >= plan.min_time {
        done
    } else {
        let mean = measured.as_secs_f64() / f64::from(done);
        let needed = (plan.min_time.as_secs_f64() / mean.max(1e-9)).ceil();
        needed.min(f64::from(u32::MAX)) as u32
    };
    let n = by_time.max(plan.min_runs);
    plan.max_runs.map_or(n, |max| n.min(max))
}

#[cfg(test)]
mod tests {
    use super::executor::mock_measurement;
    use super::*;
    use crate::config::{Exec, Sampling};
    use std::path::PathBuf;

    pub(super) fn spec(cmd: &[&str]) -> BenchSpec {
        BenchSpec {
            name: "b".into(),
            exec: Exec::Argv(cmd.iter().map(std::string::ToString::to_string).collect()),
            warmup: 1,
            sampling: Sampling::default(),
            prepare: None,
            setup: None,
            cleanup: None,
            timeout: None,
            env: Default::default(),
            cwd: PathBuf::from("."),
            tags: vec![],
            device: "cpu".into(),
            throughput: None,
            harness: None,
            deterministic: false,
            settings: Default::default(),
            params: Default::default(),
        }
    }

    #[test]
    fn min_time_decides_the_run_count_like_hyperfine() {
        // 3 s at 50 ms per run: 60 runs, plus one warm-up.
        let s = spec(&["sleep", "0.05"]);
        let mut ex = MockExecutor::new(mock_measurement);
        let r = run_bench(&s, &mut ex, &mut NoObserver);
        assert_eq!(r.status, BenchStatus::Ok);
        let wall = r.metric("wall_time").unwrap();
        assert_eq!(wall.samples.len(), 60);
        assert_eq!(ex.calls, 61);
        assert_eq!(wall.summary.median, 0.05);
        // 10 runs minimum for a slow command: 10 x 1 s > 3 s.
        let mut ex = MockExecutor::new(mock_measurement);
        let r = run_bench(&spec(&["sleep", "1"]), &mut ex, &mut NoObserver);
        assert_eq!(r.metric("wall_time").unwrap().samples.len(), 10);
    }

    #[test]
    fn fixed_runs_and_max_runs_are_obeyed() {
        let mut s = spec(&["sleep", "0.001"]);
        s.sampling.max_runs = Some(25);
        let mut ex = MockExecutor::new(mock_measurement);
        let r = run_bench(&s, &mut ex, &mut NoObserver);
        assert_eq!(r.metric("wall_time").unwrap().samples.len(), 25);
        s.sampling.runs = Some(7);
        s.warmup = 3;
        s.prepare = Some(Exec::Argv(vec!["sleep".into(), "0".into()]));
        let mut ex = MockExecutor::new(mock_measurement);
        let r = run_bench(&s, &mut ex, &mut NoObserver);
        assert_eq!(r.metric("wall_time").unwrap().samples.len(), 7);
        assert_eq!(r.warmup_runs, 3);
        // (3 warm-ups + 7 runs), each with a prepare.
        assert_eq!(ex.calls, 20);
    }

    #[test]
    fn a_failing_run_fails_the_benchmark_without_a_summary() {
        let mut ex = MockExecutor::new(mock_measurement);
        let r = run_bench(&spec(&["false"]), &mut ex, &mut NoObserver);
        assert_eq!(r.status, BenchStatus::Failed);
        assert!(r.metrics.is_empty());
        let reason = r.reason.unwrap();
        assert!(
            reason.contains("warm-up run 1 exited with status 1"),
            "{reason}"
        );
        assert!(reason.contains("mock failure"), "{reason}");
    }

    #[test]
    fn cleanup_runs_even_after_a_failure_and_setup_runs_once() {
        let mut s = spec(&["false"]);
        s.setup = Some(Exec::Argv(vec!["setup".into()]));
        s.cleanup = Some(Exec::Argv(vec!["cleanup".into()]));
        let mut seen = Vec::new();
        let mut ex = MockExecutor::new(|req: &RunRequest<'_>| {
            seen.push(req.exec.display());
            mock_measurement(req)
        });
        let r = run_bench(&s, &mut ex, &mut NoObserver);
        assert_eq!(r.status, BenchStatus::Failed);
        assert_eq!(seen, ["setup", "false", "cleanup"]);
    }

    #[test]
    fn suite_stops_after_a_failure_unless_told_and_skips_absent_devices() {
        let mut gpu = spec(&["sleep", "0.01"]);
        gpu.name = "gpu".into();
        gpu.device = "cuda".into();
        let mut bad = spec(&["false"]);
        bad.name = "bad".into();
        let mut after = spec(&["sleep", "0.01"]);
        after.name = "after".into();
        after.sampling.runs = Some(2);
        let benches = vec![gpu, bad, after];
        let only_cpu = |d: &str| d == "cpu";
        let run = |ignore_failure| {
            let mut ex = MockExecutor::new(mock_measurement);
            let opts = SuiteOptions {
                ignore_failure,
                seed: 1,
                device_present: &only_cpu,
            };
            run_suite(&benches, &mut ex, &opts, &mut NoObserver).benchmarks
        };
        let r = run(false);
        let statuses: Vec<_> = r.iter().map(|b| b.status).collect();
        assert_eq!(
            statuses,
            [
                BenchStatus::Skipped,
                BenchStatus::Failed,
                BenchStatus::Skipped
            ]
        );
        assert!(r[0]
            .reason
            .as_ref()
            .unwrap()
            .contains("device `cuda` is not present"));
        assert!(r[2].reason.as_ref().unwrap().contains("--ignore-failure"));
        let r = run(true);
        assert_eq!(r[2].status, BenchStatus::Ok);
    }

    #[test]
    fn throughput_is_items_over_wall_time() {
        let mut s = spec(&["sleep", "0.5"]);
        s.sampling.runs = Some(3);
        s.throughput = Some(crate::config::Throughput {
            items: 1000.0,
            unit: "rows".into(),
        });
        let mut ex = MockExecutor::new(mock_measurement);
        let r = run_bench(&s, &mut ex, &mut NoObserver);
        let t = r.metric("throughput").unwrap();
        assert_eq!(t.unit, "rows/s");
        assert_eq!(t.samples, vec![2000.0; 3]);
        assert_eq!(t.direction, crate::model::Direction::HigherIsBetter);
    }
}
