//! `perfgate bisect GOOD BAD --bench NAME`: measures the benchmark at GOOD and at BAD, then
//! drives `git bisect run` with `perfgate bisect-step`, which builds the commit, measures the
//! benchmark, and calls the commit bad when its median is nearer BAD's level than GOOD's (a
//! failed build is skipped, exit 125). Ends with the first bad commit and the measured step,
//! and always leaves the repository where it was (`git bisect reset`).

use std::path::Path;
use std::process::Command;

use super::{print_stderr, print_stdout};
use crate::cli::plans::load_config;
use crate::cli::{BisectArgs, BisectStepArgs};
use crate::error::{Error, ExitStatus, Result};
use crate::git;
use crate::model::BenchStatus;
use crate::plan::{DeviceChoice, ExecutorChoice, RunPlan, DEFAULT_SEED};
use crate::render::human::{format_pct, format_value};

/// Below this relative step between GOOD and BAD there is nothing to bisect.
const MIN_STEP: f64 = 0.03;

/// The benchmark's median `metric` at the checked-out commit, and its unit.
fn measure(config: &Path, bench: &str, metric: &str, runs: u32) -> Result<(f64, String)> {
    let report = super::run::measure(&one_bench_plan(config, bench, runs)?)?;
    let b = report
        .benchmarks
        .iter()
        .find(|b| b.name == bench)
        .ok_or_else(|| Error::Usage(format!("no benchmark `{bench}` in {}", config.display())))?;
    if b.status != BenchStatus::Ok {
        return Err(Error::Usage(format!(
            "`{bench}` {}: {}",
            b.status.as_str(),
            b.reason.as_deref().unwrap_or("")
        )));
    }
    let m = b
        .metric(metric)
        .ok_or_else(|| Error::Usage(format!("`{bench}` has no metric `{metric}`")))?;
    Ok((m.summary.median, m.unit.to_string()))
}

/// The config's benchmark `bench` alone, `runs` times, the rest as the config says.
fn one_bench_plan(config: &Path, bench: &str, runs: u32) -> Result<RunPlan> {
    let config = load_config(Some(config))?;
    let benches: Vec<_> = config
        .benches
        .iter()
        .filter(|b| b.name == bench)
        .cloned()
        .map(|mut b| {
            b.sampling.runs = Some(runs.max(1));
            b
        })
        .collect();
    if benches.is_empty() {
        return Err(Error::Usage(format!(
            "no benchmark `{bench}` in {}",
            config.path.as_deref().unwrap_or(Path::new("?")).display()
        )));
    }
    Ok(RunPlan {
        suite: config.suite.clone(),
        testbed: None,
        benches,
        device: DeviceChoice::Auto,
        selection: None,
        seed: DEFAULT_SEED,
        ignore_failure: false,
        show_output: false,
        executor: ExecutorChoice::from_env().map_err(Error::Usage)?,
        config,
    })
}

fn build(cmd: Option<&str>) -> Result<bool> {
    let Some(cmd) = cmd else {
        return Ok(true);
    };
    let status = Command::new("sh")
        .args(["-c", cmd])
        .status()
        .map_err(|e| Error::Io {
            context: format!("cannot run the build `{cmd}`"),
            source: e,
        })?;
    Ok(status.success())
}

pub fn bisect(args: BisectArgs) -> Result<ExitStatus> {
    if !git::run(None, &["status", "--porcelain", "--untracked-files=no"])?.is_empty() {
        return Err(Error::Usage(
            "the work tree has uncommitted changes: commit or stash them before bisecting".into(),
        ));
    }
    let top = git::run(None, &["rev-parse", "--show-toplevel"])?;
    std::env::set_current_dir(&top).map_err(|e| Error::Io {
        context: format!("cannot enter {top}"),
        source: e,
    })?;
    let start = git::run(None, &["rev-parse", "--abbrev-ref", "HEAD"])?;
    let start = if start == "HEAD" {
        git::run(None, &["rev-parse", "HEAD"])?
    } else {
        start
    };
    let outcome = run_bisect(&args);
    let _ = git::run(None, &["bisect", "reset"]);
    let _ = git::run(None, &["checkout", "-q", &start]);
    outcome
}

fn level_at(args: &BisectArgs, rev: &str) -> Result<(f64, String)> {
    git::run(None, &["checkout", "-q", rev])?;
    if !build(args.build.as_deref())? {
        return Err(Error::Usage(format!("the build fails at {rev}")));
    }
    measure(&args.config, &args.bench, &args.metric, args.runs)
}

fn run_bisect(args: &BisectArgs) -> Result<ExitStatus> {
    let (good, unit) = level_at(args, &args.good)?;
    let (bad, _) = level_at(args, &args.bad)?;
    let step = bad / good - 1.0;
    print_stderr(&format!(
        "{} {}: {} at {} (good), {} at {} (bad): {}\n",
        args.bench,
        args.metric,
        format_value(good, &unit),
        args.good,
        format_value(bad, &unit),
        args.bad,
        format_pct(step * 100.0)
    ));
    if step.abs() < MIN_STEP {
        return Err(Error::Usage(format!(
            "no step to bisect: {} changed by {} between {} and {} (at least {}% is needed)",
            args.bench,
            format_pct(step * 100.0),
            args.good,
            args.bad,
            MIN_STEP * 100.0
        )));
    }
    git::run(None, &["bisect", "start", &args.bad, &args.good])?;
    let exe = std::env::current_exe().map_err(|e| Error::Io {
        context: "cannot find perfgate's own path".into(),
        source: e,
    })?;
    let mut argv: Vec<std::ffi::OsString> = vec!["bisect".into(), "run".into(), exe.into()];
    let runs = args.runs.to_string();
    let (good_level, bad_level) = (good.to_string(), bad.to_string());
    for a in [
        "bisect-step",
        "--bench",
        &args.bench,
        "--metric",
        &args.metric,
        "--runs",
        &runs,
    ] {
        argv.push(a.into());
    }
    argv.push("--config".into());
    argv.push(args.config.clone().into_os_string());
    for a in ["--good-level", &good_level, "--bad-level", &bad_level] {
        argv.push(a.into());
    }
    if let Some(b) = &args.build {
        argv.push("--build".into());
        argv.push(b.into());
    }
    let out = git::output(None, &argv)?;
    let text = String::from_utf8_lossy(&out.stdout);
    print_stderr(&String::from_utf8_lossy(&out.stderr));
    let first = text
        .lines()
        .find_map(|l| l.strip_suffix(" is the first bad commit"))
        .map(str::to_string)
        .ok_or_else(|| {
            Error::Usage(format!(
                "git bisect did not find a first bad commit:\n{}",
                text.trim_end()
            ))
        })?;
    let subject = git::run(None, &["log", "-1", "--format=%s", &first]).unwrap_or_default();
    print_stdout(&format!(
        "first bad commit: {first} {subject}\nmeasured step: {} -> {} ({}) in {} {}\n",
        format_value(good, &unit),
        format_value(bad, &unit),
        format_pct(step * 100.0),
        args.bench,
        args.metric
    ))?;
    Ok(ExitStatus::Pass)
}

/// `git bisect run`'s command: 0 good, 1 bad, 125 skip (the build or the run failed).
pub fn step(args: BisectStepArgs) -> Result<ExitStatus> {
    Ok(match build(args.build.as_deref()) {
        Ok(true) => match measure(&args.config, &args.bench, &args.metric, args.runs) {
            Ok((m, unit)) => {
                let bad = (m - args.bad_level).abs() < (m - args.good_level).abs();
                print_stderr(&format!(
                    "perfgate bisect: {} {} = {} -> {}\n",
                    args.bench,
                    args.metric,
                    format_value(m, &unit),
                    if bad { "bad" } else { "good" }
                ));
                if bad {
                    ExitStatus::GateFailed
                } else {
                    ExitStatus::Pass
                }
            }
            Err(e) => {
                print_stderr(&format!("perfgate bisect: skipping this commit: {e}\n"));
                ExitStatus::BisectSkip
            }
        },
        _ => ExitStatus::BisectSkip,
    })
}
