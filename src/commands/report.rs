//! `perfgate report`: a comparison, a report or the history, rendered for people (md, html,
//! junit, mermaid, card, issue).

use std::path::{Path, PathBuf};

use super::{common, compare::exit_status, print_stderr, print_stdout};
use crate::cli::{ReportArgs, ReportFormat};
use crate::config::Config;
use crate::context;
use crate::engine;
use crate::error::{Error, ExitStatus, Result};
use crate::gate::{self, Comparison};
use crate::model::file::{parse_report, write_atomic};
use crate::model::threshold::glob_match;
use crate::model::Report;
use crate::plan::GatePolicy;
use crate::render::html::{self, DashboardInput, MetricSeries};
use crate::render::{card, issue, junit, markdown, mermaid};
use crate::stats::changepoint::DetectOptions;
use crate::store::{RunFilter, Store};

impl Inputs {
    /// The report to render on its own, without a baseline (only the change columns need
    /// one); `None` when there is a comparison, or nothing.
    fn lone(&self) -> Option<&Report> {
        match (&self.comparison, &self.current) {
            (None, Some(r)) => Some(r),
            _ => None,
        }
    }
}

/// What the command has to draw from.
struct Inputs {
    current: Option<Report>,
    baseline: Option<Report>,
    comparison: Option<Comparison>,
    /// The history store, when it exists (never created just to draw).
    store: Option<Box<dyn Store>>,
    filter: RunFilter,
    /// `[detect]` of the config: how the history's change points are found.
    detect: DetectOptions,
}

pub fn report(args: ReportArgs) -> Result<ExitStatus> {
    let config = common::optional_config(args.config.as_deref())?;
    let inputs = load(&args, config.as_ref())?;
    if args.scaling {
        print_stdout(&scaling_text(&inputs)?)?;
        return Ok(ExitStatus::Pass);
    }
    let format = args
        .format
        .expect("clap requires --format without --scaling");
    let Some(text) = rendered(format, &args, &inputs, config.as_ref())? else {
        return Ok(ExitStatus::Pass);
    };
    match &args.output {
        Some(path) => write_atomic(path, text.as_bytes())?,
        None => print_stdout(&text)?,
    }
    // A failed benchmark in what is shown is still worth exit 3.
    let failed = match (&inputs.comparison, inputs.lone()) {
        (Some(c), _) => exit_status(c, false) == ExitStatus::BenchmarkFailed,
        (None, Some(r)) => r
            .benchmarks
            .iter()
            .any(|b| b.status == crate::model::BenchStatus::Failed),
        (None, None) => false,
    };
    Ok(if failed {
        ExitStatus::BenchmarkFailed
    } else {
        ExitStatus::Pass
    })
}

/// The text of `format`, or `None` when there is nothing to show (no issue to open), which
/// is said on stderr.
fn rendered(
    format: ReportFormat,
    args: &ReportArgs,
    inputs: &Inputs,
    config: Option<&Config>,
) -> Result<Option<String>> {
    let need_input = |what: &str| {
        Error::Usage(format!(
            "--format {what} needs a comparison or a report (INPUT, or a recorded run in the store)"
        ))
    };
    let lone = inputs.lone();
    let text = match (format, &inputs.comparison, lone) {
        (ReportFormat::Md, Some(c), _) => {
            markdown::with_change_points(markdown::comparison_markdown(c), &history(args, inputs)?)
        }
        (ReportFormat::Md, None, Some(r)) => {
            markdown::with_change_points(markdown::report_markdown(r), &history(args, inputs)?)
        }
        (ReportFormat::Junit, Some(c), _) => junit::comparison_junit(c),
        (ReportFormat::Junit, None, Some(r)) => junit::report_junit(r),
        (ReportFormat::Issue, Some(c), _) => match issue::issue_body(c, &reproduce(c, config)) {
            Some(body) => body,
            None => {
                print_stderr("no critical regression: no issue to open\n");
                return Ok(None);
            }
        },
        (ReportFormat::Issue, None, Some(r)) => {
            match issue::failed_benchmarks_issue(r, &reproduce_failed(r, config)) {
                Some(body) => body,
                None => {
                    print_stderr(
                        "no baseline to compare with and no failed benchmark: no issue to open\n",
                    );
                    return Ok(None);
                }
            }
        }
        (ReportFormat::Md | ReportFormat::Junit | ReportFormat::Issue, None, None) => {
            let name = clap::ValueEnum::to_possible_value(&format)
                .map_or(String::new(), |v| v.get_name().to_string());
            return Err(need_input(&name));
        }
        (ReportFormat::Mermaid, _, _) => mermaid_text(args, inputs)?,
        (ReportFormat::Card, _, _) => card::card(
            inputs.current.as_ref().ok_or_else(|| {
                Error::Usage(
                    "--format card needs a report (INPUT, or a recorded run in the store)".into(),
                )
            })?,
            inputs.comparison.as_ref(),
        ),
        (ReportFormat::Html, _, _) => html::dashboard(&dashboard_input(args, inputs)?),
    };
    Ok(Some(text))
}

/// `--scaling`: the fits of the report's parameter sweeps, and the verdicts of the
/// comparison's scaling rows when there is one.
fn scaling_text(inputs: &Inputs) -> Result<String> {
    let current = inputs.current.as_ref().ok_or_else(|| {
        Error::Usage("--scaling needs a report (INPUT, or a recorded run in the store)".into())
    })?;
    Ok(crate::render::scaling::report(
        &crate::model::scaling::fits(current),
        inputs.comparison.as_ref(),
    ))
}

fn load(args: &ReportArgs, config: Option<&Config>) -> Result<Inputs> {
    let store_path = common::store_path(&args.store, config);
    let store = if store_path.is_file() {
        Some(common::open_store_read(&store_path)?)
    } else {
        None
    };
    let this_machine = context::machine();
    let mut inputs = Inputs {
        current: None,
        baseline: None,
        comparison: None,
        store,
        detect: config.map(|c| c.detect.clone()).unwrap_or_default(),
        filter: RunFilter {
            suite: config.map(|c| c.suite.clone()),
            machine_id: Some(this_machine.id.clone()),
            ..Default::default()
        },
    };
    match &args.input {
        Some(path) => {
            if read_input(path, &mut inputs)? {
                return Ok(inputs);
            }
        }
        None => latest_recorded(&mut inputs, &store_path)?,
    }
    let current = inputs.current.as_ref().expect("set above");
    let resolved = match &inputs.store {
        Some(store) => common::resolve_baseline(
            args.baseline.as_deref(),
            config,
            store,
            &current.suite,
            &current.device,
            &current.machine,
        )?,
        None => match &args.baseline {
            Some(b) => Some(common::Resolved {
                report: crate::model::file::read_report(Path::new(b))?,
                source: common::BaselineSource::File(b.into()),
            }),
            None => None,
        },
    };
    if let Some(resolved) = resolved {
        let policy = GatePolicy {
            threshold_pct: args.threshold_pct,
            config_rules: config.map(|c| c.thresholds.clone()).unwrap_or_default(),
            ..GatePolicy::default()
        };
        inputs.comparison = Some(engine::judge(&resolved.report, current, &policy));
        inputs.baseline = Some(resolved.report);
    }
    Ok(inputs)
}

/// INPUT into `inputs`: a comparison (then `true`: nothing more to load) or a report.
fn read_input(path: &Path, inputs: &mut Inputs) -> Result<bool> {
    let text =
        crate::read::text(path).map_err(|e| Error::input(path, format!("cannot read: {e}")))?;
    if is_comparison(&text) {
        let c: Comparison = serde_json::from_str(&text)
            .map_err(|e| Error::input(path, format!("not a perfgate comparison: {e}")))?;
        inputs.filter.suite = Some(c.suite.clone());
        inputs.filter.machine_id = Some(c.current.machine_id.clone());
        inputs.comparison = Some(c);
        return Ok(true);
    }
    let r = parse_report(&text).map_err(|m| Error::input(path, m))?;
    inputs.filter.suite = Some(r.suite.clone());
    inputs.filter.machine_id = Some(r.machine.id.clone());
    inputs.filter.device = Some(r.device.clone());
    inputs.current = Some(r);
    Ok(false)
}

/// Without INPUT: the newest recorded run of this machine (and the config's suite).
fn latest_recorded(inputs: &mut Inputs, store_path: &Path) -> Result<()> {
    let Some(store) = &inputs.store else {
        return Err(Error::Usage(format!(
            "no INPUT and no history store at {} (run `perfgate check` first, or give a report or comparison file)",
            store_path.display()
        )));
    };
    let latest = store.runs(&RunFilter {
        limit: Some(1),
        ..inputs.filter.clone()
    })?;
    let run = latest.first().ok_or_else(|| {
        Error::Usage(format!(
            "no recorded run{} on this machine in {}",
            inputs
                .filter
                .suite
                .as_ref()
                .map_or(String::new(), |s| format!(" of suite `{s}`")),
            store_path.display()
        ))
    })?;
    let r = store.report(run.id)?;
    inputs.filter.device = Some(r.device.clone());
    inputs.current = Some(r);
    Ok(())
}

fn is_comparison(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| {
        v.get("overall_status").is_some()
            && v.get("metrics").is_some()
            && v.get("benchmarks").is_none()
    })
}

/// Every recorded series (matching --bench/--metric), oldest point first.
fn history(args: &ReportArgs, inputs: &Inputs) -> Result<Vec<MetricSeries>> {
    let Some(store) = &inputs.store else {
        return Ok(Vec::new());
    };
    let filter = RunFilter {
        limit: Some(args.last.max(1)),
        ..inputs.filter.clone()
    };
    let mut out = Vec::new();
    for (bench, metric) in store.series(&filter)? {
        if args
            .bench
            .as_deref()
            .is_some_and(|g| !glob_match(g, &bench))
            || args.metric.as_deref().is_some_and(|m| m != metric)
        {
            continue;
        }
        let mut points = store.metric_history(&filter, &bench, &metric)?;
        points.reverse();
        let Some(first) = points.first() else {
            continue;
        };
        let medians: Vec<f64> = points.iter().map(|p| p.summary.median).collect();
        let change_points = crate::stats::changepoint::detect(&medians, &inputs.detect);
        let baseline_value = inputs
            .baseline
            .as_ref()
            .and_then(|b| b.benchmarks.iter().find(|x| x.name == bench))
            .and_then(|b| b.metric(&metric))
            .map(|m| m.summary.median);
        out.push(MetricSeries {
            unit: first.unit.clone(),
            direction: first.direction,
            benchmark: bench,
            metric,
            points,
            baseline_value,
            change_points,
        });
    }
    Ok(out)
}

fn dashboard_input(args: &ReportArgs, inputs: &Inputs) -> Result<DashboardInput> {
    let title = inputs
        .comparison
        .as_ref()
        .map(|c| c.suite.clone())
        .or_else(|| inputs.current.as_ref().map(|r| r.suite.clone()))
        .unwrap_or_else(|| "perfgate".into());
    let runs = match &inputs.store {
        Some(store) => store.runs(&RunFilter {
            limit: Some(args.last.max(1)),
            ..inputs.filter.clone()
        })?,
        None => Vec::new(),
    };
    Ok(DashboardInput {
        title,
        comparison: inputs.comparison.clone(),
        current: inputs.current.clone(),
        baseline: inputs.baseline.clone(),
        history: history(args, inputs)?,
        runs,
    })
}

fn mermaid_text(args: &ReportArgs, inputs: &Inputs) -> Result<String> {
    let mut out = String::new();
    match (&inputs.comparison, &inputs.current) {
        (Some(c), _) => out.push_str(&mermaid::pipeline(c)),
        (None, Some(r)) => out.push_str(&mermaid::report_chart(r)),
        (None, None) => {}
    }
    let series = history(args, inputs)?;
    // The chart: the metric asked for, else the worst metric of the comparison, else the first.
    let worst = inputs
        .comparison
        .as_ref()
        .and_then(|c| c.metrics.first())
        .map(|m| (m.benchmark.clone(), m.metric.clone()));
    let chosen = series
        .iter()
        .find(|s| {
            worst
                .as_ref()
                .is_some_and(|(b, m)| &s.benchmark == b && &s.metric == m)
        })
        .or_else(|| series.first());
    if let Some(s) = chosen {
        out.push('\n');
        out.push_str(&mermaid::trend_chart(
            &s.benchmark,
            &s.metric,
            &s.unit,
            &s.points,
        ));
    }
    if out.is_empty() {
        return Err(Error::Usage(
            "--format mermaid needs a comparison or recorded history".into(),
        ));
    }
    Ok(out)
}

/// How to reproduce the critical metrics of `c`.
fn reproduce(c: &Comparison, config: Option<&Config>) -> String {
    let mut names: Vec<&str> = c
        .metrics
        .iter()
        .filter(|m| matches!(m.status, gate::Verdict::Critical | gate::Verdict::Failed))
        .map(|m| m.benchmark.as_str())
        .collect();
    names.dedup();
    let regex = names
        .iter()
        .map(|n| regex_escape(n))
        .collect::<Vec<_>>()
        .join("|");
    let (root, config) = config_flag(config);
    let base = c.baseline.commit.as_deref().unwrap_or("BASELINE_COMMIT");
    let cur = c.current.commit.as_deref().unwrap_or("HEAD");
    let from = root.comment();
    format!(
        "{from}\ngit checkout {base} && perfgate run{config} --filter {f} --json-out base.json\ngit checkout {cur} && perfgate run{config} --filter {f} --json-out cur.json\nperfgate compare cur.json base.json",
        f = crate::shell::quote(&format!("^({regex})$"))
    )
}

/// Where the reproduction commands run from.
enum Root {
    /// The top of the git work tree.
    Repository,
    /// The config's directory, outside git.
    ConfigDir,
}

impl Root {
    fn comment(&self) -> &'static str {
        match self {
            Root::Repository => "# from the repository root",
            Root::ConfigDir => "# from the config's directory",
        }
    }
}

/// The config's path relative to where the commands run: the commands go into an issue,
/// read on other machines, where this machine's absolute paths mean nothing.
fn from_root(config: &Path) -> Option<(Root, PathBuf)> {
    let abs = std::fs::canonicalize(config).ok()?;
    let dir = abs.parent()?;
    let repo = crate::git::toplevel(dir).and_then(|r| std::fs::canonicalize(r).ok());
    match repo {
        Some(top) => Some((Root::Repository, abs.strip_prefix(&top).ok()?.to_path_buf())),
        None => Some((Root::ConfigDir, PathBuf::from(abs.file_name()?))),
    }
}

/// How to re-run the failed benchmarks of a report that has no baseline.
fn reproduce_failed(r: &Report, config: Option<&Config>) -> String {
    let regex = r
        .benchmarks
        .iter()
        .filter(|b| b.status == crate::model::BenchStatus::Failed)
        .map(|b| regex_escape(&b.name))
        .collect::<Vec<_>>()
        .join("|");
    let checkout = r
        .git
        .as_ref()
        .map_or(String::new(), |g| format!("git checkout {} && ", g.commit));
    let (root, config) = config_flag(config);
    format!(
        "{}\n{checkout}perfgate run{config} --filter {}",
        root.comment(),
        crate::shell::quote(&format!("^({regex})$"))
    )
}

/// Where a reproduction command runs from, and its ` --config PATH` relative to there (or
/// nothing without a config file).
fn config_flag(config: Option<&Config>) -> (Root, String) {
    match config.and_then(|c| c.path.as_deref()).and_then(from_root) {
        Some((root, path)) => (
            root,
            format!(
                " --config {}",
                crate::shell::quote(&path.display().to_string())
            ),
        ),
        None => (Root::Repository, String::new()),
    }
}

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
