//! `perfgate check`: run + compare with this testbed's baseline + record, in one command.
//! What it decides is [`engine::check`]'s; this measures, calls it, and prints the outcome.

use super::check_advice as advice;
use super::common;
use super::compare::output;
use super::{print_stderr, run};
use crate::cli::CheckArgs;
use crate::config::Config;
use crate::engine::{self, CheckOutcome, CheckPlan};
use crate::error::{Error, ExitStatus, Result};
use crate::gate::trend::TrendPoint;
use crate::model::file::write_json;
use crate::model::Report;
use crate::store::{RunFilter, Store};

pub fn check(args: CheckArgs) -> Result<ExitStatus> {
    if args.run.json_out.as_deref() == Some(std::path::Path::new("-")) {
        return Err(Error::Usage(
            "check prints its verdicts on stdout; give --json-out a file".into(),
        ));
    }
    if args.server.server.is_some() {
        if args.profile_regressions {
            print_stderr(
                "perfgate: --profile-regressions is not done with --server yet; run `perfgate profile BENCH` on the regressed benchmarks\n",
            );
        }
        return super::check_server::check(&args);
    }
    if args.interleaved {
        return check_interleaved(&args);
    }
    let plan = run::plan_of(&args.run)?;
    let report = run::measure(&plan)?;
    let mut store = open_store_after_writing(&args, &plan.config, &report)?;
    let outcome = engine::check(
        &report,
        &mut store,
        &plan.config,
        &check_plan(&args, &plan.config),
    )?;
    let status = finish(&outcome, &args, &store, report.testbed())?;
    profile_regressions(&args, &plan, (&report, &outcome), &mut store, None)?;
    Ok(status)
}

/// `--interleaved`: the baseline build and the candidate in alternation, compared with each
/// other; the candidate's run is recorded.
fn check_interleaved(args: &CheckArgs) -> Result<ExitStatus> {
    let bins = [&args.baseline_bin, &args.candidate_bin].map(|b| b.as_deref().unwrap_or_default());
    let (plan, [baseline, current]) = run::measure_interleaved(&args.run, bins)?;
    let mut store = open_store_after_writing(args, &plan.config, &current)?;
    let policy = args.gate.policy(plan.config.thresholds.clone());
    let outcome = engine::check_interleaved(&baseline, &current, &mut store, &policy, bins)?;
    let status = finish(&outcome, args, &store, current.testbed())?;
    profile_regressions(args, &plan, (&current, &outcome), &mut store, Some(bins))?;
    Ok(status)
}

/// `--profile-regressions`: the critical benchmarks profiled (both builds with `bins`), the
/// profiles kept with the recorded run of their device. The verdicts stand whatever happens.
fn profile_regressions(
    args: &CheckArgs,
    plan: &crate::plan::RunPlan,
    (report, outcome): (&Report, &CheckOutcome),
    store: &mut Box<dyn Store>,
    bins: Option<[&str; 2]>,
) -> Result<()> {
    if !args.profile_regressions {
        return Ok(());
    }
    let dir = super::profile::default_dir(&plan.config);
    let profiles = super::profile::profile_regressions(
        &outcome.comparison,
        &plan.benches,
        bins,
        &args.profiling,
        &dir,
    )?;
    for run in &outcome.recorded {
        let of_device: Vec<_> = profiles
            .iter()
            .filter(|p| {
                plan.benches
                    .iter()
                    .any(|s| s.name == p.benchmark && s.device == run.device)
            })
            .cloned()
            .collect();
        if !of_device.is_empty() {
            store.record_profiles(run.id, &of_device)?;
        }
    }
    // The report written before the check is written again with its profiles.
    if let (Some(path), false) = (&args.run.json_out, profiles.is_empty()) {
        let mut report = report.clone();
        report.profiles.extend(profiles);
        write_json(path, &report)?;
    }
    Ok(())
}

/// What the engine is asked, from the arguments and the config's `[thresholds]`.
pub(super) fn check_plan(args: &CheckArgs, config: &Config) -> CheckPlan {
    CheckPlan {
        policy: args.gate.policy(config.thresholds.clone()),
        baseline: args.baseline.clone(),
        update_baseline: args.update_baseline,
        strict_gpu: args.strict_gpu,
        allow_other_machine: args.gate.allow_other_machine,
    }
}

/// Writes `--json-out` (the measured report), then opens the store: the report is kept even
/// when the store cannot be used.
fn open_store_after_writing(
    args: &CheckArgs,
    config: &Config,
    report: &Report,
) -> Result<Box<dyn Store>> {
    if let Some(path) = &args.run.json_out {
        write_json(path, report)?;
    }
    common::open_store(&common::store_path(&args.store, Some(config)))
}

/// Prints the comparison and its artifacts (trend points from the store), the exit status,
/// and on a failed gate what to do about it.
pub(super) fn finish(
    outcome: &CheckOutcome,
    args: &CheckArgs,
    store: &dyn Store,
    testbed: &str,
) -> Result<ExitStatus> {
    let comparison = &outcome.comparison;
    let status = output(comparison, &args.gate, |bench, metric| {
        history_points(store, &comparison.suite, testbed, bench, metric, 100)
    })?;
    if status == ExitStatus::GateFailed {
        let hook = std::env::var("PERFGATE_HOOK").ok();
        print_stderr(&advice::blocked(
            comparison,
            args,
            &outcome.recorded,
            hook.as_deref(),
        ));
    }
    Ok(status)
}

pub(crate) fn history_points(
    store: &dyn Store,
    suite: &str,
    testbed: &str,
    bench: &str,
    metric: &str,
    last: usize,
) -> Vec<TrendPoint> {
    let filter = RunFilter {
        suite: Some(suite.to_string()),
        testbed: Some(testbed.to_string()),
        limit: Some(last),
        ..Default::default()
    };
    let mut points: Vec<TrendPoint> = store
        .metric_history(&filter, bench, metric)
        .unwrap_or_default()
        .into_iter()
        .map(|p| TrendPoint {
            run_id: p.run.id,
            timestamp_utc: p.run.timestamp_utc,
            commit: p.run.git.map(|g| g.commit),
            value: p.summary.median,
        })
        .collect();
    points.reverse();
    points
}
