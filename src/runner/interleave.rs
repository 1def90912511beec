//! A suite run from two builds in alternation (`perfgate check --interleaved`): for each
//! benchmark, the baseline's and the candidate's runs alternate in ABBA/BAAB blocks (a
//! seeded coin per block), so drift, thermal state and the host's fast/slow phases hit both
//! alike, and the two sides are compared within one time window.
//!
//! Each side's setup runs once before and its cleanup once after (also after a failed run,
//! and after an interruption: [`super::lifecycle`]); warm-up runs come before each side's
//! first measured run; the sampling plan (runs, or min_runs/min_time/max_runs) is met by both
//! sides. Every measured run is one `run_bench` of a single run, so prepare,
//! custom metrics and time-outs work as usual; the runs are then put together and
//! summarised. Instruction counts (deterministic, so nothing to interleave) are not measured
//! here. A harness `[[bench]]` runs whole, baseline then candidate.

use std::time::Duration;

use super::{
    base_result, harness, lifecycle, planned_runs, run_bench, samples, Executor, NoObserver,
    Observer, RunOutcome, SuiteOptions, SuiteRun,
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
    let mut interrupted = None;
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
                (Some(ha), Some(hb)) => {
                    [(a, ha), (b, hb)].map(|(s, h)| harness::run_harness(s, h, exec).results)
                }
                _ => interleave_bench([a, b], exec, &mut rng, observer).map(|r| vec![r]),
            }
        };
        if let Some(signal) = exec.interrupted() {
            let both: Vec<BenchmarkResult> = ra.into_iter().chain(rb).collect();
            interrupted = Some(super::stopped_by(signal, b, &both));
            break;
        }
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
        interrupted: interrupted.clone(),
    })
}

/// One benchmark, both sides, run by run in ABBA/BAAB blocks, inside both sides' setups and
/// cleanups; each side with the processes its runs (and its setup and cleanup) left behind.
fn interleave_bench(
    specs: [&BenchSpec; 2],
    exec: &mut dyn Executor,
    rng: &mut SplitMix64,
    observer: &mut dyn Observer,
) -> [BenchmarkResult; 2] {
    let mut around = [0; 2];
    let mut in_runs = [0; 2];
    let measured = lifecycle::around_all(specs, OWNERS, exec, &mut around, |exec| {
        alternate(specs, exec, rng, observer, &mut in_runs)
    });
    let mut results = match measured {
        Ok([a, b]) => [together(specs[0], a), together(specs[1], b)],
        // Interrupted: both sides say what was stopped, so either tells the user.
        Err((side, reason)) if exec.interrupted().is_some() => {
            let reason = format!("{}: {reason}", SIDES[side]);
            specs.map(|s| base_result(s, BenchStatus::Failed, Some(reason.clone())))
        }
        Err((side, reason)) => failed(specs, side, reason),
    };
    for ((r, a), b) in results.iter_mut().zip(around).zip(in_runs) {
        r.leaked_processes = a + b;
    }
    results
}

/// Both sides failed: `side` with `reason`, the other for not being completed.
fn failed(specs: [&BenchSpec; 2], side: usize, reason: String) -> [BenchmarkResult; 2] {
    let mut pair = specs.map(|s| {
        base_result(
            s,
            BenchStatus::Failed,
            Some(format!(
                "not completed: the {} side failed",
                SIDES[1 - side]
            )),
        )
    });
    pair[side].reason = Some(format!("{}: {reason}", SIDES[side]));
    pair
}

const SIDES: [&str; 2] = ["baseline", "candidate"];
/// Whose cleanup ran, in a reason.
const OWNERS: [&str; 2] = ["baseline's", "candidate's"];

/// The measured runs of both sides until both meet the sampling plan; or the side that failed
/// and why.
fn alternate(
    specs: [&BenchSpec; 2],
    exec: &mut dyn Executor,
    rng: &mut SplitMix64,
    observer: &mut dyn Observer,
    leaked: &mut [u64; 2],
) -> Result<[Vec<BenchmarkResult>; 2], (usize, String)> {
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
        for side in super::schedule::block(rng).map(|s| usize::from(s == super::schedule::Side::B))
        {
            let spec = if runs[side].is_empty() {
                &firsts[side]
            } else {
                &rest[side]
            };
            let r = run_bench(spec, exec, &mut NoObserver);
            leaked[side] += r.leaked_processes;
            if let Some(signal) = exec.interrupted() {
                // Each call is one run, so its own label would always say "run 1".
                let n = runs[side].len() + 1;
                let what = RunOutcome::Interrupted(signal).describe();
                return Err((side, format!("run {n} {what}")));
            }
            if r.status != BenchStatus::Ok {
                return Err((side, r.reason.unwrap_or_default()));
            }
            if let Some(w) = r.metric("wall_time") {
                measured[side] += Duration::from_secs_f64(w.samples.iter().sum());
            }
            runs[side].push(r);
            let total = planned_runs(plan, runs[1].len() as u32, measured[1]);
            observer.run_done(runs[1].len() as u32, total.max(runs[1].len() as u32));
        }
    }
    Ok(runs)
}

/// The single-run results of one side as one result: each metric's samples in run order.
fn together(spec: &BenchSpec, runs: Vec<BenchmarkResult>) -> BenchmarkResult {
    let mut out = samples::pooled(runs, |m| m.samples.clone()).expect("at least two runs");
    out.warmup_runs = spec.warmup;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::executor::mock_measurement;
    use crate::runner::tests::spec;
    use crate::runner::{MockExecutor, RunMeasurement, RunRequest};

    /// A mock whose runs of `leaky` leave 2 processes, and whose `spawner` leaves 1 unless
    /// it runs as a setup (whose background processes are kept for the benchmark).
    fn leaking(req: &RunRequest<'_>) -> RunMeasurement {
        let mut m = mock_measurement(req);
        m.leftovers = match req.exec.display().as_str() {
            "leaky" => 2,
            "spawner" if !req.keeps_background => 1,
            _ => 0,
        };
        m
    }

    #[test]
    fn leftovers_are_counted_per_benchmark_and_per_side() {
        let mut leaky = spec(&["leaky"]);
        leaky.warmup = 1;
        leaky.sampling.runs = Some(3);
        leaky.setup = Some(Exec::Argv(vec!["spawner".into()]));
        let mut ex = MockExecutor::new(leaking);
        let r = run_bench(&leaky, &mut ex, &mut NoObserver);
        assert_eq!(r.status, BenchStatus::Ok);
        // 1 warm-up + 3 runs, 2 each; the setup's server is kept, not counted.
        assert_eq!(r.leaked_processes, 8);

        let mut tidy = spec(&["tidy"]);
        tidy.sampling.runs = Some(3);
        tidy.warmup = 1;
        let mut ex = MockExecutor::new(leaking);
        let [a, b] = interleave_bench(
            [&tidy, &leaky],
            &mut ex,
            &mut SplitMix64::new(7),
            &mut NoObserver,
        );
        assert_eq!((a.status, b.status), (BenchStatus::Ok, BenchStatus::Ok));
        let runs = b.metric("wall_time").unwrap().samples.len() as u64;
        assert_eq!(a.leaked_processes, 0);
        assert_eq!(
            b.leaked_processes,
            2 * (runs + 1),
            "the setup's server is kept"
        );
    }
}
