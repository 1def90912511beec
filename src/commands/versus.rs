//! `perfgate versus A B`: interleaved A/B with outputs cross-checked. Exit codes: 0; 1 with
//! --fail-on-regression when B is critically worse; 2 for bad input or when the outputs
//! disagree (the comparison would be meaningless); 3 when a run fails.

use super::{print_stderr, print_stdout};
use crate::cli::{Format, VersusArgs};
use crate::error::{Error, ExitStatus, Result};
use crate::gate::{judge_paired, PairedPolicy};
use crate::render::versus::{json, terminal};
use crate::runner::ProcessExecutor;
use crate::versus::outputs::Mode;
use crate::versus::{Check, Plan, Sides, Stop, VersusRun};

pub fn versus(args: VersusArgs) -> Result<ExitStatus> {
    let plan = plan(&args)?;
    let run = match measure(&plan) {
        Ok(run) => run,
        Err(Stop::Error(e)) => return Err(e),
        Err(stop) => {
            print_stderr(&format!("perfgate versus: {stop}\n"));
            return Ok(stop.exit_status());
        }
    };
    let measured = crate::versus::measured(&run, plan.seed);
    let policy = PairedPolicy {
        threshold_pct: args
            .threshold_pct
            .map(super::super::plan::ThresholdPct::get),
        fdr: args.fdr.rate(),
    };
    let judgement = judge_paired(&measured.metrics, &policy);
    let outcome = crate::versus::outcome(&plan, &run, &measured, &judgement);
    let json = json(&outcome);
    if let Some(path) = &args.json_out {
        crate::model::file::write_atomic(path, json.as_bytes())?;
    }
    print_stdout(&match args.format {
        Format::Json => json,
        Format::Human | Format::Md => terminal(&outcome),
    })?;
    Ok(if judgement.any_critical() && args.fail_on_regression {
        ExitStatus::GateFailed
    } else {
        ExitStatus::Pass
    })
}

/// The arguments as a plan: two sides, the runs, how outputs must agree.
fn plan(args: &VersusArgs) -> Result<Plan> {
    let a = args.a.as_deref().or(args.baseline_cmd.as_deref());
    let b = args.b.as_deref().or(args.candidate_cmd.as_deref());
    let (Some(a), Some(b)) = (a, b) else {
        return Err(Error::Usage(
            "versus needs two sides: A B, or --baseline-cmd and --candidate-cmd".into(),
        ));
    };
    let sides = Sides {
        a,
        b,
        bin_template: args.cmd.as_deref(),
        startup_template: args.startup.as_deref(),
    };
    let (commands, startup) = sides.commands()?;
    let mode = Mode::parse(&args.compare_output, args.tolerance).map_err(Error::Usage)?;
    if args.runs < 2 {
        return Err(Error::Usage("--runs must be at least 2".into()));
    }
    Ok(Plan {
        commands,
        startup,
        pairs: args.runs as usize,
        warmup: args.warmup as usize,
        check: match &args.compare_cmd {
            Some(cmd) => Check::Command(cmd.clone()),
            None => Check::Output(mode),
        },
        seed: args.seed,
    })
}

/// Runs the plan on real processes; nothing is written once a signal came.
fn measure(plan: &Plan) -> std::result::Result<VersusRun, Stop> {
    let mut exec = ProcessExecutor::new(false).map_err(|e| Error::Io {
        context: "cannot create a temporary file".into(),
        source: e,
    })?;
    let run = crate::versus::run(plan, &mut exec)?;
    // The executor's signal handlers go with it; a signal that came during the last run is
    // seen here.
    drop(exec);
    crate::runner::interrupt::ensure_not_interrupted().map_err(Error::Interrupted)?;
    Ok(run)
}
