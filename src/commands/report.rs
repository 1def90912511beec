//! `perfgate report`: a comparison, a report or the history, rendered for people (md, html,
//! junit, mermaid, card, issue). Glue: what to show is loaded here (INPUT, the latest recorded
//! run, the baseline), judged, charted and given reproduction commands by [`crate::engine`],
//! and drawn by [`crate::render`].

use std::path::Path;

use super::{common, compare::exit_status, print_stderr, print_stdout};
use crate::cli::{ReportArgs, ReportFormat};
use crate::config::Config;
use crate::context;
use crate::engine::{self, Compared, HistoryView, MetricPick, Pick};
use crate::error::{Error, ExitStatus, Result};
use crate::model::file::write_atomic;
use crate::model::{BenchStatus, Report};
use crate::plan::{DetectPlan, GatePolicy};
use crate::render::html::{self, MetricSeries};
use crate::render::{bmf, card, issue, junit, markdown, mermaid};
use crate::store::{RunFilter, Store};

/// What the command has to draw from.
struct Inputs<'a> {
    shown: Compared,
    /// The history store, when it exists (never created just to draw).
    store: Option<Box<dyn Store>>,
    /// The recorded runs (this machine's, of the suite and device shown) and series charted.
    view: HistoryView<'a>,
    /// `[detect]` of the config: how the history's change points are found.
    detect: DetectPlan,
}

impl Inputs<'_> {
    /// The charted series of the recorded history, with their change points.
    fn series(&self) -> Result<Vec<MetricSeries>> {
        engine::charted_series(
            self.store.as_deref(),
            &self.view,
            self.shown.baseline.as_ref(),
            &self.detect,
        )
    }
}

pub fn report(args: ReportArgs) -> Result<ExitStatus> {
    let config = common::optional_config(args.config.as_deref())?;
    let inputs = load(&args, config.as_ref())?;
    if args.scaling {
        print_stdout(&scaling_text(&inputs.shown)?)?;
        return Ok(ExitStatus::Pass);
    }
    let format = args
        .format
        .expect("clap requires --format without --scaling");
    let Some(text) = rendered(format, &inputs, config.as_ref())? else {
        return Ok(ExitStatus::Pass);
    };
    match &args.output {
        Some(path) => write_atomic(path, text.as_bytes())?,
        None => print_stdout(&text)?,
    }
    // A failed benchmark in what is shown is still worth exit 3.
    Ok(if any_failed(&inputs.shown) {
        ExitStatus::BenchmarkFailed
    } else {
        ExitStatus::Pass
    })
}

fn any_failed(shown: &Compared) -> bool {
    match (&shown.comparison, shown.lone()) {
        (Some(c), _) => exit_status(c, false) == ExitStatus::BenchmarkFailed,
        (None, Some(r)) => r.benchmarks.iter().any(|b| b.status == BenchStatus::Failed),
        (None, None) => false,
    }
}

/// The text of `format`, or `None` when there is nothing to show (no issue to open), which
/// is said on stderr.
fn rendered(
    format: ReportFormat,
    inputs: &Inputs,
    config: Option<&Config>,
) -> Result<Option<String>> {
    let shown = &inputs.shown;
    let text = match (format, &shown.comparison, shown.lone()) {
        (ReportFormat::Md, Some(c), _) => with_profiles(
            markdown::with_change_points(markdown::comparison_markdown(c), &inputs.series()?),
            shown,
        ),
        (ReportFormat::Md, None, Some(r)) => with_profiles(
            markdown::with_change_points(markdown::report_markdown(r), &inputs.series()?),
            shown,
        ),
        (ReportFormat::Junit, Some(c), _) => junit::comparison_junit(c),
        (ReportFormat::Junit, None, Some(r)) => junit::report_junit(r),
        (ReportFormat::Issue, Some(c), _) => {
            let body = issue::issue_body(c, &engine::reproduce_regressions(c, config))
                .map(|b| with_profiles(b, shown));
            return Ok(body.or_else(|| nothing("no critical regression: no issue to open\n")));
        }
        (ReportFormat::Issue, None, Some(r)) => {
            let body = issue::failed_benchmarks_issue(r, &engine::reproduce_failures(r, config));
            return Ok(body.or_else(|| {
                nothing("no baseline to compare with and no failed benchmark: no issue to open\n")
            }));
        }
        (ReportFormat::Md | ReportFormat::Junit | ReportFormat::Issue, None, None) => {
            let name = clap::ValueEnum::to_possible_value(&format)
                .map_or(String::new(), |v| v.get_name().to_string());
            return Err(Error::Usage(format!(
                "--format {name} needs a comparison or a report (INPUT, or a recorded run in the store)"
            )));
        }
        (ReportFormat::Bmf, _, _) => bmf::report_bmf(shown.current.as_ref().ok_or_else(|| {
            Error::Usage(
                "--format bmf needs a report (INPUT, or a recorded run in the store), not a comparison".into(),
            )
        })?),
        (ReportFormat::Mermaid, _, _) => mermaid_text(inputs)?,
        (ReportFormat::Card, _, _) => card::card(
            shown.current.as_ref().ok_or_else(|| {
                Error::Usage(
                    "--format card needs a report (INPUT, or a recorded run in the store)".into(),
                )
            })?,
            shown.comparison.as_ref(),
        ),
        (ReportFormat::Html, _, _) => html::dashboard(&engine::dashboard(
            inputs.store.as_deref(),
            &inputs.view,
            shown,
            &inputs.detect,
        )?),
    };
    Ok(Some(text))
}

/// `text` followed by the section of each profile of the report shown (why a regressed
/// benchmark changed: the functions that grew, links to the flame graphs).
fn with_profiles(mut text: String, shown: &Compared) -> String {
    let profiles = shown.current.iter().flat_map(|r| r.profiles.iter());
    for p in profiles {
        text.push('\n');
        text.push_str(&crate::render::profile::markdown(p));
    }
    text
}

/// Says on stderr why there is no text.
fn nothing(why: &str) -> Option<String> {
    print_stderr(why);
    None
}

/// `--scaling`: the fits of the report's parameter sweeps, and the verdicts of the
/// comparison's scaling rows when there is one.
fn scaling_text(shown: &Compared) -> Result<String> {
    let current = shown.current.as_ref().ok_or_else(|| {
        Error::Usage("--scaling needs a report (INPUT, or a recorded run in the store)".into())
    })?;
    Ok(crate::render::scaling::report(
        &crate::model::scaling::fits(current),
        shown.comparison.as_ref(),
    ))
}

/// What to show: INPUT (a comparison, or a report) or the latest recorded run of this
/// testbed, a report judged against its baseline when it has one, and the history beside it.
/// A testbed named by `--testbed`, `PERFGATE_TESTBED` or the config is the one whose history
/// and baseline are used; otherwise INPUT's own.
fn load<'a>(args: &'a ReportArgs, config: Option<&Config>) -> Result<Inputs<'a>> {
    let store_path = common::store_path(&args.store, config);
    let store = if store_path.is_file() {
        Some(common::open_store_read(&store_path)?)
    } else {
        None
    };
    let named = args.testbed.named(config)?;
    let mut runs = RunFilter {
        suite: config.map(|c| c.suite.clone()),
        testbed: Some(named.clone().unwrap_or_else(|| context::machine().id)),
        ..Default::default()
    };
    let mut shown = match &args.input {
        Some(path) => read_input(path, &mut runs, named.is_some())?,
        None => Compared {
            current: Some(latest_recorded(store.as_deref(), &mut runs, &store_path)?),
            ..Compared::default()
        },
    };
    // A comparison is whole; a report is judged against its baseline when it has one.
    if shown.comparison.is_none() {
        let testbed = runs.testbed.clone().unwrap_or_default();
        judge(args, config, (store.as_deref(), &testbed), &mut shown)?;
    }
    Ok(Inputs {
        shown,
        store,
        view: HistoryView {
            runs: RunFilter {
                limit: Some(args.last.max(1)),
                ..runs
            },
            pick: Pick {
                bench: args.bench.as_deref(),
                metric: args.metric.as_deref().map(MetricPick::Named),
            },
        },
        detect: crate::cli::plans::detect_plan(config),
    })
}

/// The report of `shown` against its baseline (`--baseline`, else the one `check` uses),
/// when it has one.
fn judge(
    args: &ReportArgs,
    config: Option<&Config>,
    (store, testbed): (Option<&dyn Store>, &str),
    shown: &mut Compared,
) -> Result<()> {
    let current = shown
        .current
        .as_ref()
        .expect("a report, when INPUT is no comparison");
    let resolved = match store {
        Some(store) => common::resolve_baseline(
            args.baseline.as_deref(),
            config,
            store,
            &current.suite,
            &current.device,
            testbed,
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
        shown.comparison = Some(engine::judge(&resolved.report, current, &policy));
        shown.baseline = Some(resolved.report);
    }
    Ok(())
}

/// INPUT, narrowing `runs` to its suite and testbed (unless one was `named`) and a report's
/// device.
fn read_input(path: &Path, runs: &mut RunFilter, named: bool) -> Result<Compared> {
    let text =
        crate::read::text(path).map_err(|e| Error::input(path, format!("cannot read: {e}")))?;
    let shown = Compared::parse(&text).map_err(|m| Error::input(path, m))?;
    if let Some(c) = &shown.comparison {
        runs.suite = Some(c.suite.clone());
        if !named {
            runs.testbed = Some(c.current.testbed().to_string());
        }
    }
    if let Some(r) = &shown.current {
        runs.suite = Some(r.suite.clone());
        if !named {
            runs.testbed = Some(r.testbed().to_string());
        }
        runs.device = Some(r.device.clone());
    }
    Ok(shown)
}

/// Without INPUT: the newest recorded run of `runs` (this testbed's, of the config's suite),
/// narrowing them to its device.
fn latest_recorded(
    store: Option<&dyn Store>,
    runs: &mut RunFilter,
    store_path: &Path,
) -> Result<Report> {
    let Some(store) = store else {
        return Err(Error::Usage(format!(
            "no INPUT and no history store at {} (run `perfgate check` first, or give a report or comparison file)",
            store_path.display()
        )));
    };
    let r = engine::latest_report(store, runs)?.ok_or_else(|| {
        let suite = runs
            .suite
            .as_ref()
            .map_or(String::new(), |s| format!(" of suite `{s}`"));
        let testbed = runs.testbed.as_deref().unwrap_or_default();
        Error::Usage(format!(
            "no recorded run{suite} on testbed `{testbed}` in {}",
            store_path.display()
        ))
    })?;
    runs.device = Some(r.device.clone());
    Ok(r)
}

/// The pipeline (or the report's chart), then the trend of the headline series.
fn mermaid_text(inputs: &Inputs) -> Result<String> {
    let shown = &inputs.shown;
    let mut out = match (&shown.comparison, &shown.current) {
        (Some(c), _) => mermaid::pipeline(c),
        (None, Some(r)) => mermaid::report_chart(r),
        (None, None) => String::new(),
    };
    let series = inputs.series()?;
    if let Some(s) = engine::headline(&series, shown.comparison.as_ref()) {
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
