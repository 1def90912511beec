//! `perfgate run`: select benchmarks, run them, write the report, print the table.

use std::path::Path;

use super::{print_stderr, print_stdout};
use crate::cli::RunArgs;
use crate::engine;
use crate::error::{Error, ExitStatus, Result};
use crate::model::file::write_json;
use crate::model::{BenchStatus, Report};
use crate::plan::RunPlan;
use crate::render::{progress::ProgressObserver, style::Style, terminal};

pub fn run(args: RunArgs) -> Result<ExitStatus> {
    let report = measure(&plan_of(&args)?)?;
    emit(&report, args.json_out.as_deref())?;
    let failed = report
        .benchmarks
        .iter()
        .any(|b| b.status == BenchStatus::Failed);
    Ok(if failed {
        ExitStatus::BenchmarkFailed
    } else {
        ExitStatus::Pass
    })
}

/// The plan of the arguments; warns when the machine's last `doctor` verdict was bad.
pub(crate) fn plan_of(args: &RunArgs) -> Result<RunPlan> {
    let plan = RunPlan::try_from(args)?;
    if plan.config.path.is_some() {
        if let Some(warning) = crate::doctor::last_verdict_warning(&plan.config.root()) {
            print_stderr(&format!("{warning}\n"));
        }
    }
    Ok(plan)
}

/// The plan's suite measured, with a progress bar on a terminal.
pub(crate) fn measure(plan: &RunPlan) -> Result<Report> {
    engine::measure(
        plan,
        engine::executor(plan)?,
        &mut ProgressObserver::detect(),
    )
}

/// The suite from two builds in alternation: the reports of the baseline (`bins[0]` for
/// `{bin}`) and of the candidate, measured in the same time window.
pub(crate) fn measure_interleaved(
    args: &RunArgs,
    bins: [&str; 2],
) -> Result<(RunPlan, [Report; 2])> {
    if !args.command.is_empty() {
        return Err(Error::Usage(
            "--interleaved runs the suite of a perfgate.toml, not an ad-hoc command (use `perfgate versus` for two commands)".into(),
        ));
    }
    let plan = plan_of(args)?;
    let reports = engine::measure_interleaved(
        &plan,
        bins,
        engine::executor(&plan)?,
        &mut ProgressObserver::detect(),
    )?;
    Ok((plan, reports))
}

pub(crate) fn emit(report: &Report, json_out: Option<&Path>) -> Result<()> {
    let to_stdout = json_out == Some(Path::new("-"));
    let table = terminal::report_table(
        report,
        if to_stdout {
            Style::plain()
        } else {
            Style::detect()
        },
    );
    if to_stdout {
        print_stderr(&table);
        let mut json = serde_json::to_string_pretty(report).expect("reports always serialize");
        json.push('\n');
        print_stdout(&json)?;
    } else {
        print_stdout(&table)?;
        if let Some(path) = json_out {
            write_json(path, report)?;
        }
    }
    Ok(())
}
