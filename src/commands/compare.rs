//! `perfgate compare CURRENT BASELINE`: verdicts per metric, soft by default.

use std::collections::BTreeMap;

use super::print_stdout;
use crate::cli::{CompareArgs, Format};
use crate::config;
use crate::error::{Error, ExitStatus, Result};
use crate::gate::{self, CompareOptions, Comparison, ThresholdRule, Verdict};
use crate::model::{BenchStatus, Report};
use crate::render::{markdown, style::Style, terminal};
use crate::report::{read_report, write_atomic, write_json};

pub fn compare(args: CompareArgs) -> Result<ExitStatus> {
    let current = read_report(&args.current)?;
    if args.emit_template {
        return emit_template(current, &args);
    }
    let Some(baseline_path) = &args.baseline else {
        return Err(Error::Usage(
            "compare needs a BASELINE report after CURRENT".into(),
        ));
    };
    let baseline = read_report(baseline_path)?;
    if let Some(p) = args.threshold_pct {
        if !(p.is_finite() && p >= 0.0) {
            return Err(Error::Usage(format!(
                "--threshold-pct / PERFGATE_THRESHOLD_PCT must be a non-negative number, got {p}"
            )));
        }
    }
    let opts = CompareOptions {
        threshold_pct: args.threshold_pct,
        config_rules: config_rules(&args)?,
        ..Default::default()
    };
    let comparison = gate::compare(&baseline, &current, &opts);
    if let Some(path) = &args.summary {
        write_json(path, &comparison)?;
    }
    let text = match args.format {
        Format::Human => terminal::comparison_table(&comparison, Style::detect()),
        Format::Md => markdown::comparison_markdown(&comparison),
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(&comparison).expect("comparisons always serialize");
            s.push('\n');
            s
        }
    };
    print_stdout(&text)?;
    Ok(exit_status(&current, &comparison, args.fail_on_regression))
}

/// Thresholds from the config named by --config, or found from the current directory; no
/// config at all is fine for compare.
fn config_rules(args: &CompareArgs) -> Result<BTreeMap<String, ThresholdRule>> {
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None => std::env::current_dir()
            .ok()
            .and_then(|d| config::discover(&d)),
    };
    match path {
        Some(p) => Ok(config::load(&p)?.thresholds),
        None => Ok(BTreeMap::new()),
    }
}

/// 3 when a benchmark failed to run, 1 when strict and anything is critical, else 0.
pub(crate) fn exit_status(
    current: &Report,
    c: &Comparison,
    fail_on_regression: bool,
) -> ExitStatus {
    let failed = current
        .benchmarks
        .iter()
        .any(|b| b.status == BenchStatus::Failed)
        || c.metrics.iter().any(|m| m.status == Verdict::Failed);
    if failed {
        ExitStatus::BenchmarkFailed
    } else if fail_on_regression && c.metrics.iter().any(|m| m.status == Verdict::Critical) {
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
    report.thresholds = report
        .benchmarks
        .iter()
        .flat_map(|b| {
            b.metrics.iter().map(move |m| {
                (
                    format!("{}.{}", b.name, m.name),
                    ThresholdRule::default_for(m.kind()),
                )
            })
        })
        .collect();
    let mut json = serde_json::to_vec_pretty(&report).expect("reports always serialize");
    json.push(b'\n');
    match &args.output {
        Some(path) => write_atomic(path, &json)?,
        None => print_stdout(&String::from_utf8_lossy(&json))?,
    }
    Ok(ExitStatus::Pass)
}
