//! Measuring a suite into a [`Report`]: the runner does the runs; this adds what a report
//! says of where and how they were made (machine, git state, device, harness sources).

use crate::context;
use crate::error::{Error, Result};
use crate::model::{BenchStatus, Report, Source, Tool, SCHEMA_VERSION};
use crate::plan::{ExecutorChoice, RunPlan};
use crate::runner::executor::mock_measurement;
use crate::runner::{
    interleave, interrupt, run_suite, Executor, HarnessSource, MockExecutor, Observer,
    ProcessExecutor, SuiteOptions, SuiteRun,
};

/// The executor `plan` asks for: real processes, or the mock (see [`ExecutorChoice`]).
pub fn executor(plan: &RunPlan) -> Result<Box<dyn Executor>> {
    Ok(match plan.executor {
        ExecutorChoice::Process => Box::new(ProcessExecutor::new(plan.show_output).map_err(
            |e| Error::Io {
                context: "cannot create a temporary file for benchmark stderr".into(),
                source: e,
            },
        )?),
        ExecutorChoice::Mock => Box::new(MockExecutor::new(mock_measurement)),
    })
}

fn suite_options(plan: &RunPlan) -> SuiteOptions<'static> {
    SuiteOptions {
        ignore_failure: plan.ignore_failure,
        seed: plan.seed,
        device_present: &context::device_present,
    }
}

/// Runs the plan's benchmarks and returns their report. The executor is consumed: it (and
/// with it the signal handler) is gone before the report is made, so that a signal from then
/// on ends perfgate at once and one that came just before is seen. An interrupted run is an
/// error, never a report: its results are incomplete.
pub fn measure(
    plan: &RunPlan,
    mut executor: Box<dyn Executor>,
    observer: &mut dyn Observer,
) -> Result<Report> {
    let timestamp_utc = context::timestamp_utc();
    let run = run_suite(
        &plan.benches,
        executor.as_mut(),
        &suite_options(plan),
        observer,
    );
    drop(executor);
    stop_if_interrupted(&run)?;
    Ok(report_of(plan, run, timestamp_utc))
}

/// The plan's benchmarks from two builds in alternation, in one time window: the report of
/// the baseline (`bins[0]` for `{bin}`) and of the candidate (`bins[1]`).
pub fn measure_interleaved(
    plan: &RunPlan,
    bins: [&str; 2],
    mut executor: Box<dyn Executor>,
    observer: &mut dyn Observer,
) -> Result<[Report; 2]> {
    let sides = bins.map(|bin| RunPlan {
        benches: plan
            .benches
            .iter()
            .map(|s| interleave::with_bin(s, bin))
            .collect(),
        ..plan.clone()
    });
    let timestamp_utc = context::timestamp_utc();
    let [a, b] = interleave::run_suite_interleaved(
        [&sides[0].benches, &sides[1].benches],
        executor.as_mut(),
        &suite_options(plan),
        observer,
    );
    drop(executor);
    stop_if_interrupted(&b)?;
    let [side_a, side_b] = sides;
    Ok([
        report_of(&side_a, a, timestamp_utc.clone()),
        report_of(&side_b, b, timestamp_utc),
    ])
}

fn stop_if_interrupted(run: &SuiteRun) -> Result<()> {
    if let Some(i) = &run.interrupted {
        return Err(Error::Interrupted(i.clone()));
    }
    interrupt::ensure_not_interrupted().map_err(Error::Interrupted)
}

fn report_of(plan: &RunPlan, run: SuiteRun, timestamp_utc: String) -> Report {
    let source = harness_source(run.sources);
    let benchmarks = run.benchmarks;
    let mut machine = context::machine();
    if benchmarks
        .iter()
        .any(|b| b.device == "cuda" && b.status == BenchStatus::Ok)
    {
        machine.gpu = context::machine_gpu();
    }
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        suite: plan.suite.clone(),
        timestamp_utc,
        git: crate::git::info(&plan.git_dir()),
        machine,
        testbed: plan.testbed.clone(),
        device: plan.report_device(),
        config_sha256: plan.config.sha256.clone(),
        seed: plan.seed,
        benchmarks,
        thresholds: Default::default(),
        source,
        scaling: Vec::new(),
        selection: plan.selection.clone(),
        profiles: Vec::new(),
    }
    .with_scaling()
}

/// The report's `source` when harnesses ran: the one harness's format and metadata, or
/// `mixed` with each harness's under its `[[bench]]` name.
fn harness_source(sources: Vec<HarnessSource>) -> Option<Source> {
    match sources.len() {
        0 => None,
        1 => sources.into_iter().next().map(|s| Source {
            format: s.format,
            metadata: s.metadata,
        }),
        _ => Some(Source {
            format: "mixed".into(),
            metadata: sources
                .into_iter()
                .map(|s| {
                    let v = serde_json::json!({ "format": s.format, "metadata": s.metadata });
                    (s.bench, v)
                })
                .collect(),
        }),
    }
}
