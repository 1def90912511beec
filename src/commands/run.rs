//! `perfgate run`: select benchmarks, run them, write the report, print the table.

use std::path::{Path, PathBuf};

use regex_lite::Regex;

use super::{print_stderr, print_stdout};
use crate::cli::{DeviceArg, RunArgs};
use crate::config::{self, BenchSpec, Config, Exec};
use crate::context;
use crate::error::{Error, ExitStatus, Result};
use crate::model::file::write_json;
use crate::model::{BenchStatus, Report, Selection, Source, Tool, SCHEMA_VERSION};
use crate::render::{progress::ProgressObserver, style::Style, terminal};
use crate::runner::{run_suite, HarnessSource, ProcessExecutor, SuiteOptions};

pub fn run(args: RunArgs) -> Result<ExitStatus> {
    let (_, report) = execute(&args)?;
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

/// Loads the config (or builds the ad-hoc one), applies overrides, selects and runs.
pub(crate) fn execute(args: &RunArgs) -> Result<(Config, Report)> {
    let (config, selected) = prepare(args)?;
    let report = run_selected(&config, &selected, args)?;
    Ok((config, report))
}

/// The config (or the ad-hoc one) with the overrides applied, and the selected benchmarks;
/// warns when the machine's last `doctor` verdict was bad.
fn prepare(args: &RunArgs) -> Result<(Config, Vec<BenchSpec>)> {
    let mut config = if args.command.is_empty() {
        load_config(args.config.as_deref())?
    } else {
        if args.config.is_some() {
            return Err(Error::Usage(
                "give either --config or an ad-hoc command after `--`, not both".into(),
            ));
        }
        adhoc_config(args)?
    };
    if config.path.is_some() {
        if let Some(warning) = crate::doctor::last_verdict_warning(&config.root()) {
            print_stderr(&format!("{warning}\n"));
        }
    }
    apply_overrides(&mut config.benches, args)?;
    let selected = select(&config, args)?;
    Ok((config, selected))
}

/// The suite from two builds in alternation: the reports of the baseline (`bins[0]` for
/// `{bin}`) and of the candidate, measured in the same time window.
pub(crate) fn execute_interleaved(
    args: &RunArgs,
    bins: [&str; 2],
) -> Result<(Config, [Report; 2])> {
    if !args.command.is_empty() {
        return Err(Error::Usage(
            "--interleaved runs the suite of a perfgate.toml, not an ad-hoc command (use `perfgate versus` for two commands)".into(),
        ));
    }
    let (config, selected) = prepare(args)?;
    let sides = bins.map(|bin| {
        selected
            .iter()
            .map(|s| crate::runner::interleave::with_bin(s, bin))
            .collect::<Vec<_>>()
    });
    let mut executor = executor(args)?;
    let timestamp_utc = context::timestamp_utc();
    let device_present = context::device_present;
    let opts = suite_options(args, &device_present);
    let [a, b] = {
        let mut observer = ProgressObserver::detect();
        crate::runner::interleave::run_suite_interleaved(
            [&sides[0], &sides[1]],
            &mut executor,
            &opts,
            &mut observer,
        )
    };
    drop(executor);
    stop_if_interrupted(&b)?;
    let a = report_of(&config, &sides[0], args, a, timestamp_utc.clone());
    let b = report_of(&config, &sides[1], args, b, timestamp_utc);
    Ok((config, [a, b]))
}

fn executor(args: &RunArgs) -> Result<ProcessExecutor> {
    ProcessExecutor::new(args.show_output).map_err(|e| Error::Io {
        context: "cannot create a temporary file for benchmark stderr".into(),
        source: e,
    })
}

fn suite_options<'a>(args: &RunArgs, device_present: &'a dyn Fn(&str) -> bool) -> SuiteOptions<'a> {
    SuiteOptions {
        ignore_failure: args.ignore_failure,
        seed: args.seed,
        device_present,
    }
}

pub(crate) fn load_config(explicit: Option<&Path>) -> Result<Config> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let cwd = std::env::current_dir().map_err(|e| Error::Io {
                context: "cannot read the current directory".into(),
                source: e,
            })?;
            config::discover(&cwd).ok_or_else(|| {
                Error::Usage(format!(
                    "no {} in {} or its parents; pass --config FILE or an ad-hoc command after `--`",
                    config::CONFIG_FILE_NAME,
                    cwd.display()
                ))
            })?
        }
    };
    config::load(&path)
}

fn adhoc_config(args: &RunArgs) -> Result<Config> {
    let exec = if args.shell {
        Exec::Shell(args.command.join(" "))
    } else {
        Exec::Argv(args.command.clone())
    };
    let name = args.name.clone().unwrap_or_else(|| exec.display());
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    // clap accepts only known adapters (`cli::values::harness_format`). With a harness,
    // `--runs N` runs it N times, each in its own process.
    let harness = args.adapter.as_ref().map(|format| config::Harness {
        format: format.clone(),
        output: args.adapter_output.as_ref().map(|o| cwd.join(o)),
        processes: args.runs.unwrap_or(1).max(1),
    });
    let bench = BenchSpec {
        name,
        exec,
        warmup: 1,
        sampling: Default::default(),
        prepare: None,
        setup: None,
        cleanup: None,
        timeout: None,
        env: Default::default(),
        cwd,
        tags: Vec::new(),
        device: "cpu".into(),
        throughput: None,
        harness,
        deterministic: false,
        settings: Default::default(),
        params: Default::default(),
    };
    let identity = serde_json::json!({
        "adhoc": args.command,
        "shell": args.shell,
        "adapter": args.adapter,
    });
    Ok(Config {
        path: None,
        suite: "adhoc".into(),
        sha256: crate::digest::sha256_hex(identity.to_string().as_bytes()),
        benches: vec![bench],
        thresholds: Default::default(),
        baseline_dir: None,
        baseline_name: config::DEFAULT_BASELINE_NAME.to_string(),
        detect: Default::default(),
    })
}

fn apply_overrides(benches: &mut [BenchSpec], args: &RunArgs) -> Result<()> {
    let min_time = args
        .min_time
        .as_deref()
        .map(config::parse_duration)
        .transpose()
        .map_err(|m| Error::Usage(format!("--min-time: {m}")))?;
    let timeout = args
        .timeout
        .as_deref()
        .map(config::parse_duration)
        .transpose()
        .map_err(|m| Error::Usage(format!("--timeout: {m}")))?;
    if args.runs == Some(0) || args.max_runs == Some(0) {
        return Err(Error::Usage(
            "--runs / PERFGATE_RUNS and --max-runs must be at least 1".into(),
        ));
    }
    for b in benches {
        if let Some(r) = args.runs {
            b.sampling.runs = Some(r);
        }
        if let Some(w) = args.warmup {
            b.warmup = w;
        }
        if let Some(t) = min_time {
            b.sampling.min_time = t;
            if args.runs.is_none() {
                b.sampling.runs = None;
            }
        }
        if let Some(m) = args.max_runs {
            b.sampling.max_runs = Some(m);
            b.sampling.min_runs = b.sampling.min_runs.min(m);
        }
        if timeout.is_some() {
            b.timeout = timeout;
        }
    }
    Ok(())
}

fn select(config: &Config, args: &RunArgs) -> Result<Vec<BenchSpec>> {
    let filter = args
        .filter
        .as_deref()
        .map(Regex::new)
        .transpose()
        .map_err(|e| Error::Usage(format!("--filter: invalid regular expression: {e}")))?;
    let selected: Vec<BenchSpec> = config
        .benches
        .iter()
        .filter(|b| args.tags.is_empty() || b.tags.iter().any(|t| args.tags.contains(t)))
        .filter(|b| filter.as_ref().is_none_or(|re| re.is_match(&b.name)))
        .filter(|b| match args.device {
            DeviceArg::Auto => true,
            DeviceArg::Cpu => b.device == "cpu",
            DeviceArg::Cuda => b.device == "cuda",
        })
        .cloned()
        .collect();
    if selected.is_empty() {
        let names: Vec<&str> = config.benches.iter().map(|b| b.name.as_str()).collect();
        return Err(Error::Usage(format!(
            "no benchmark matches the selection (suite `{}` has: {})",
            config.suite,
            names.join(", ")
        )));
    }
    Ok(selected)
}

fn run_selected(config: &Config, selected: &[BenchSpec], args: &RunArgs) -> Result<Report> {
    let mut executor = executor(args)?;
    let device_present = context::device_present;
    let opts = suite_options(args, &device_present);
    let timestamp_utc = context::timestamp_utc();
    let suite_run = {
        let mut observer = ProgressObserver::detect();
        run_suite(selected, &mut executor, &opts, &mut observer)
    };
    drop(executor);
    stop_if_interrupted(&suite_run)?;
    Ok(report_of(config, selected, args, suite_run, timestamp_utc))
}

/// An interrupted run ends here: its report is incomplete, so it is neither written nor
/// recorded. The executor (and with it the signal handler) must be gone, so that a signal
/// from now on ends perfgate at once and one that came just before is seen.
fn stop_if_interrupted(suite_run: &crate::runner::SuiteRun) -> Result<()> {
    if let Some(i) = &suite_run.interrupted {
        return Err(Error::Interrupted(i.clone()));
    }
    crate::runner::interrupt::ensure_not_interrupted().map_err(Error::Interrupted)
}

fn report_of(
    config: &Config,
    selected: &[BenchSpec],
    args: &RunArgs,
    suite_run: crate::runner::SuiteRun,
    timestamp_utc: String,
) -> Report {
    let source = harness_source(suite_run.sources);
    let benchmarks = suite_run.benchmarks;
    let git_dir = config
        .path
        .as_deref()
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let device = match args.device {
        DeviceArg::Cpu => "cpu".to_string(),
        DeviceArg::Cuda => "cuda".to_string(),
        DeviceArg::Auto => {
            let first = &selected[0].device;
            if selected.iter().all(|b| &b.device == first) {
                first.clone()
            } else {
                "mixed".to_string()
            }
        }
    };
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        suite: args.suite.clone().unwrap_or_else(|| config.suite.clone()),
        timestamp_utc,
        git: crate::git::info(&git_dir),
        machine: {
            let mut m = context::machine();
            if benchmarks
                .iter()
                .any(|b| b.device == "cuda" && b.status == BenchStatus::Ok)
            {
                m.gpu = context::machine_gpu();
            }
            m
        },
        device,
        config_sha256: config.sha256.clone(),
        seed: args.seed,
        benchmarks,
        thresholds: Default::default(),
        source,
        scaling: Vec::new(),
        selection: selection_of(args),
    }
    .with_scaling()
}

/// What `--tag`/`--filter` asked for; `None` for the whole suite.
fn selection_of(args: &RunArgs) -> Option<Selection> {
    (!args.tags.is_empty() || args.filter.is_some()).then(|| Selection {
        tags: args.tags.clone(),
        filter: args.filter.clone(),
    })
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
