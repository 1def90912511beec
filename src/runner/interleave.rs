//! A suite run from two builds in alternation (`perfgate check --interleaved`): for each
//! benchmark, the baseline's and the candidate's runs alternate in ABBA/BAAB blocks (a
//! seeded coin per block), so drift, thermal state and the host's fast/slow phases hit both
//! alike, and the two sides are compared within one time window.
//!
//! Each side's setup runs once before and its cleanup once after; warm-up runs come before
//! each side's first measured run; the sampling plan (runs, or min_runs/min_time/max_runs)
//! is met by both sides. Every measured run is one `run_bench` of a single run, so prepare,
//! custom metrics and time-outs work as usual; the runs are then put together and
//! summarised. Instruction counts (deterministic, so nothing to interleave) are not measured
//! here. A harness `[[bench]]` runs whole, baseline then candidate.

use std::time::Duration;

use super::{
    base_result, harness, planned_runs, request, run_bench, samples, Executor, NoObserver,
    Observer, SuiteOptions, SuiteRun,
};
use crate::config::{BenchSpec, Exec, Measure};
use crate::model::{BenchStatus, BenchmarkResult};
use crate::stats::SplitMix64;

/// `spec` with `{bin}` in its commands replaced by `bin` (quoted for a shell command), and
/// `PERFGATE_BIN` set in its environment.
pub fn with_bin(spec: &BenchSpec, bin: &str) -> BenchSpec {
    let put = |e: &Exec| match e {
        Exec::Argv(argv) => Exec::Argv(argv.iter().map(|a| a.replace("{bin}", bin)).collect()),
        Exec::Shell(s) => Exec::Shell(crate::shell::put_bin(s, bin)),
    };
    let mut out = spec.clone();
    out.exec = put(&spec.exec);
    for e in [&mut out.prepare, &mut out.setup, &mut out.cleanup]
        .into_iter()
        .flatten()
    {
        *e = put(e);
    }
    out.env.insert("PERFGATE_BIN".into(), bin.to_string());
    out
}

/// Runs `benches` from the baseline (`[0]`) and the candidate (`[1]`) build in alternation.
pub fn run_suite_interleaved(
    benches: [&[BenchSpec]; 2],
    exec: &mut dyn Executor,
    opts: &SuiteOptions<'_>,
    observer: &mut dyn Observer,
) -> [SuiteRun; 2] {
    let mut out = [Vec::new(), Vec::new()];
    let mut stop: Option<String> = None;
    let mut rng = SplitMix64::derive(opts.seed, "interleave");
    let total = benches[1].len();
    for (i, (a, b)) in benches[0].iter().zip(benches[1]).enumerate() {
        let [ra, rb] = if let Some(why) = &stop {
            [a, b].map(|s| vec![super::skipped(s, why.clone())])
        } else if !(opts.device_present)(&b.device) {
            [a, b].map(|s| vec![super::skipped(s, super::device_absent(&b.device))])
        } else {
            observer.bench_started(&b.name, i, total);
            match (&a.harness, &b.harness) {
                (Some(ha), Some(hb)) => [(a, ha), (b, hb)]
                    .map(|(s, h)| harness::run_harness(s, h, exec, opts.seed).results),
                _ => interleave_bench([a, b], exec, opts.seed, &mut rng, observer).map(|r| vec![r]),
            }
        };
        for r in &rb {
            observer.bench_finished(r);
        }
        let failed = ra
            .iter()
            .chain(&rb)
            .any(|r| r.status == BenchStatus::Failed);
        if failed && !opts.ignore_failure && stop.is_none() {
            stop = Some(super::stopped_after(&b.name));
        }
        out[0].extend(ra);
        out[1].extend(rb);
    }
    out.map(|benchmarks| SuiteRun {
        benchmarks,
        sources: Vec::new(),
    })
}

/// One benchmark, both sides, run by run in ABBA/BAAB blocks.
fn interleave_bench(
    specs: [&BenchSpec; 2],
    exec: &mut dyn Executor,
    seed: u64,
    rng: &mut SplitMix64,
    observer: &mut dyn Observer,
) -> [BenchmarkResult; 2] {
    let failed = |side: usize, reason: String| {
        let mut pair = specs.map(|s| {
            base_result(
                s,
                BenchStatus::Failed,
                Some(format!(
                    "not completed: the {} side failed",
                    ["baseline", "candidate"][1 - side]
                )),
            )
        });
        pair[side].reason = Some(format!("{}: {reason}", ["baseline", "candidate"][side]));
        pair
    };
    for (side, s) in specs.iter().enumerate() {
        if let Some(setup) = &s.setup {
            let m = exec.run(&request(s, setup));
            if !m.outcome.success() {
                return failed(side, format!("setup {}", m.outcome.describe()));
            }
        }
    }
    // One measured run per call; warm-up with each side's first.
    let one_run = |s: &BenchSpec, first: bool| {
        let mut one = s.clone();
        one.sampling.runs = Some(1);
        one.warmup = if first { s.warmup } else { 0 };
        one.setup = None;
        one.cleanup = None;
        one.settings.measure.retain(|m| *m != Measure::Instructions);
        one
    };
    let firsts = specs.map(|s| one_run(s, true));
    let rest = specs.map(|s| one_run(s, false));
    let mut runs: [Vec<BenchmarkResult>; 2] = [Vec::new(), Vec::new()];
    let mut measured = [Duration::ZERO; 2];
    let plan = &specs[1].sampling;
    let done = |runs: &[Vec<BenchmarkResult>; 2], measured: &[Duration; 2]| {
        (0..2).all(|s| {
            let n = runs[s].len() as u32;
            n >= planned_runs(plan, n, measured[s]).max(2)
        })
    };
    while !done(&runs, &measured) {
        for side in crate::versus::block(rng).map(|s| usize::from(s == crate::versus::Side::B)) {
            let spec = if runs[side].is_empty() {
                &firsts[side]
            } else {
                &rest[side]
            };
            let r = run_bench(spec, exec, seed, &mut NoObserver);
            if r.status != BenchStatus::Ok {
                return failed(side, r.reason.unwrap_or_default());
            }
            if let Some(w) = r.metric("wall_time") {
                measured[side] += Duration::from_secs_f64(w.samples.iter().sum());
            }
            runs[side].push(r);
            let total = planned_runs(plan, runs[1].len() as u32, measured[1]);
            observer.run_done(runs[1].len() as u32, total.max(runs[1].len() as u32));
        }
    }
    for (side, s) in specs.iter().enumerate() {
        if let Some(cleanup) = &s.cleanup {
            let m = exec.run(&request(s, cleanup));
            if !m.outcome.success() {
                return failed(side, format!("cleanup {}", m.outcome.describe()));
            }
        }
    }
    let [ra, rb] = runs;
    [together(specs[0], ra, seed), together(specs[1], rb, seed)]
}

/// The single-run results of one side as one result: each metric's samples in run order.
fn together(spec: &BenchSpec, runs: Vec<BenchmarkResult>, seed: u64) -> BenchmarkResult {
    let mut out = samples::pooled(runs, |m| m.samples.clone(), seed).expect("at least two runs");
    out.warmup_runs = spec.warmup;
    out
}
