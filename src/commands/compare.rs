//! `perfgate compare CURRENT BASELINE`: verdicts per metric, soft by default.

use std::collections::BTreeMap;

use super::{common, print_stderr, print_stdout};
use crate::ci::github;
use crate::cli::{CompareArgs, Format, GateArgs};
use crate::config;
use crate::engine;
use crate::error::{Error, ExitStatus, Result};
use crate::gate::trend;
use crate::gate::{self, CompareOptions, Comparison, Overall, ThresholdRule, Verdict};
use crate::model::file::{read_report, write_atomic, write_json};
use crate::model::Report;
use crate::render::{markdown, style::Style, terminal};

pub fn compare(args: CompareArgs) -> Result<ExitStatus> {
    let current = read_report(&args.current)?;
    if args.emit_template {
        return emit_template(current, &args);
    }
    let config = match &args.config {
        Some(p) => Some(config::load(p)?),
        None => common::optional_config(None)?,
    };
    let (baseline, source) = match &args.baseline {
        Some(path) => (read_report(path)?, format!("baseline {}", path.display())),
        None => {
            // No BASELINE: the one `check` would use for this report's suite and device.
            let store = common::open_store_read(&common::store_path(&args.store, config.as_ref()))?;
            let resolved = common::resolve_baseline(
                None,
                config.as_ref(),
                &store,
                &current.suite,
                &current.device,
                current.testbed(),
            )?
            .ok_or_else(|| {
                Error::Usage(format!(
                    "no BASELINE given and no baseline for suite `{}`, device `{}` on this machine (give a file, or `perfgate baseline save`)",
                    current.suite, current.device
                ))
            })?;
            let source = resolved.source.describe();
            (resolved.report, source)
        }
    };
    common::check_same_machine(
        &baseline,
        &source,
        &current.machine,
        args.gate.allow_other_machine,
    )?;
    let mut opts = compare_options(
        &args.gate,
        config
            .as_ref()
            .map(|c| c.thresholds.clone())
            .unwrap_or_default(),
    )?;
    if args.noise_aware {
        let path = common::store_path(&args.store, config.as_ref());
        if !path.is_file() {
            return Err(Error::Usage(format!(
                "--noise-aware: no history store at {}",
                path.display()
            )));
        }
        opts.noise_rules = common::noise_rules(&common::open_store_read(&path)?, &current)?;
    }
    let (baseline, partial) = common::restrict_to_selection(baseline, &current);
    let mut comparison = gate::compare(&baseline, &current, &opts);
    comparison.notes.extend(partial);
    output(&comparison, &args.gate, |_, _| Vec::new())
}

/// The gate's options for these arguments over the config's `[thresholds]`.
pub(crate) fn compare_options(
    gate: &GateArgs,
    config_rules: BTreeMap<String, ThresholdRule>,
) -> Result<CompareOptions> {
    Ok(engine::compare_options(&gate.policy(config_rules)))
}

/// Prints the comparison in the chosen format, writes --summary and --trend-output, and
/// returns the exit status. `history` gives a metric's recorded points for the trend artifact.
pub(crate) fn output(
    comparison: &Comparison,
    gate: &GateArgs,
    history: impl Fn(&str, &str) -> Vec<trend::TrendPoint>,
) -> Result<ExitStatus> {
    if let Some(path) = &gate.summary {
        write_json(path, comparison)?;
    }
    if let Some(path) = &gate.trend_output {
        write_json(path, &trend::build(comparison, history))?;
    }
    if gate.allow_other_machine && comparison.baseline.machine_id != comparison.current.machine_id {
        print_stderr(&Style::detect().paint(
            "WARNING: the baseline comes from another machine; differences may be the hardware's, not the change's\n",
            crate::render::style::Paint::Red,
        ));
    }
    let text = match gate.format {
        Format::Human => terminal::comparison_table(comparison, Style::detect()),
        Format::Md => markdown::comparison_markdown(comparison),
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(comparison).expect("comparisons always serialize");
            s.push('\n');
            s
        }
    };
    print_stdout(&text)?;
    if github::active() {
        if let Err(e) = github::append_step_summary(comparison) {
            print_stderr(&format!(
                "perfgate: cannot write GITHUB_STEP_SUMMARY: {e}\n"
            ));
        }
        // Workflow commands are read from stdout; keep stdout parseable when it is JSON.
        let notes = github::annotations(comparison);
        if gate.format == Format::Json {
            super::print_workflow_commands_stderr(&notes);
        } else {
            super::print_workflow_commands(&notes)?;
        }
    }
    Ok(exit_status(comparison, gate.fail_on_regression))
}

/// 3 when a benchmark failed to run, 1 when strict and anything is critical, else 0.
pub(crate) fn exit_status(c: &Comparison, fail_on_regression: bool) -> ExitStatus {
    if c.metrics.iter().any(|m| m.status == Verdict::Failed) {
        ExitStatus::BenchmarkFailed
    } else if fail_on_regression && c.overall_status == Overall::Fail {
        ExitStatus::GateFailed
    } else {
        ExitStatus::Pass
    }
}

fn emit_template(mut report: Report, args: &CompareArgs) -> Result<ExitStatus> {
    if args.baseline.is_some() {
        return Err(Error::Usage(
            "--emit-template takes one report, not a BASELINE".into(),
        ));
    }
    with_default_thresholds(&mut report);
    let mut json = serde_json::to_vec_pretty(&report).expect("reports always serialize");
    json.push(b'\n');
    match &args.output {
        Some(path) => write_atomic(path, &json)?,
        None => print_stdout(&String::from_utf8_lossy(&json))?,
    }
    Ok(ExitStatus::Pass)
}

/// Fills in a rule with the default thresholds for every metric that has none yet.
pub(crate) fn with_default_thresholds(report: &mut Report) {
    let missing: Vec<(String, ThresholdRule)> = report
        .benchmarks
        .iter()
        .flat_map(|b| {
            b.metrics
                .iter()
                .map(move |m| (format!("{}.{}", b.name, m.name), m.kind()))
        })
        .filter(|(key, _)| gate::find_rule(&report.thresholds, key).is_none())
        .map(|(key, kind)| (key, ThresholdRule::default_for(kind)))
        .collect();
    report.thresholds.extend(missing);
}
