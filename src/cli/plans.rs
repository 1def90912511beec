//! The command line's structs turned into the engine's validated plans. Every command that
//! measures a suite (`run`, `check`, `bisect-step`, `attest`) gets its [`RunPlan`] from here,
//! so options are checked once and the same way.

use std::path::{Path, PathBuf};

use regex_lite::Regex;

use super::{DeviceArg, GateArgs, RunArgs};
use crate::config::{self, BenchSpec, Config, Exec};
use crate::error::{Error, Result};
use crate::model::threshold::ThresholdRule;
use crate::model::Selection;
use crate::plan::{DeviceChoice, ExecutorChoice, GatePolicy, RunPlan};

impl From<DeviceArg> for DeviceChoice {
    fn from(d: DeviceArg) -> Self {
        match d {
            DeviceArg::Auto => DeviceChoice::Auto,
            DeviceArg::Cpu => DeviceChoice::Cpu,
            DeviceArg::Cuda => DeviceChoice::Cuda,
        }
    }
}

impl TryFrom<&RunArgs> for RunPlan {
    type Error = Error;

    /// Loads the config (or builds the ad-hoc one), applies the overrides and selects.
    fn try_from(args: &RunArgs) -> Result<Self> {
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
        apply_overrides(&mut config.benches, args)?;
        let benches = select(&config, args)?;
        Ok(RunPlan {
            suite: args.suite.clone().unwrap_or_else(|| config.suite.clone()),
            testbed: None,
            benches,
            device: args.device.into(),
            selection: (!args.tags.is_empty() || args.filter.is_some()).then(|| Selection {
                tags: args.tags.clone(),
                filter: args.filter.clone(),
            }),
            seed: args.seed,
            ignore_failure: args.ignore_failure,
            show_output: args.show_output,
            executor: ExecutorChoice::from_env().map_err(Error::Usage)?,
            config,
        })
    }
}

impl GateArgs {
    /// The gate's policy: these options over the config's `[thresholds]`.
    pub fn policy(
        &self,
        config_rules: std::collections::BTreeMap<String, ThresholdRule>,
    ) -> GatePolicy {
        GatePolicy {
            threshold_pct: self.threshold_pct,
            fdr: self.fdr,
            config_rules,
        }
    }
}

/// The config at `explicit`, or the `perfgate.toml` found from the current directory up.
pub fn load_config(explicit: Option<&Path>) -> Result<Config> {
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

/// The one-benchmark config of `perfgate run -- CMD`.
fn adhoc_config(args: &RunArgs) -> Result<Config> {
    let exec = if args.shell {
        Exec::Shell(args.command.join(" "))
    } else {
        Exec::Argv(args.command.clone())
    };
    let name = args.name.clone().unwrap_or_else(|| exec.display());
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    // With a harness, `--runs N` runs it N times, each in its own process.
    let harness = args.adapter.as_ref().map(|format| config::Harness {
        format: format.to_string(),
        output: args.adapter_output.as_ref().map(|o| cwd.join(o)),
        processes: args.runs.unwrap_or(1).max(1),
    });
    let identity = serde_json::json!({
        "adhoc": args.command,
        "shell": args.shell,
        "adapter": args.adapter.as_ref().map(super::super::plan::AdapterName::as_str),
    });
    Ok(Config::adhoc(
        BenchSpec::adhoc(name, exec, cwd, harness),
        &identity,
    ))
}

fn apply_overrides(benches: &mut [BenchSpec], args: &RunArgs) -> Result<()> {
    let duration = |flag: &str, text: Option<&str>| {
        text.map(config::parse_duration)
            .transpose()
            .map_err(|m| Error::Usage(format!("{flag}: {m}")))
    };
    let min_time = duration("--min-time", args.min_time.as_deref())?;
    let timeout = duration("--timeout", args.timeout.as_deref())?;
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
    let device = DeviceChoice::from(args.device);
    let selected: Vec<BenchSpec> = config
        .benches
        .iter()
        .filter(|b| args.tags.is_empty() || b.tags.iter().any(|t| args.tags.contains(t)))
        .filter(|b| filter.as_ref().is_none_or(|re| re.is_match(&b.name)))
        .filter(|b| device.admits(&b.device))
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

/// The change-point plan of the config's `[detect]` (checked when the config was loaded), or
/// the defaults without a config: what `report` detects with, and what `detect`'s flags
/// override.
pub fn detect_plan(config: Option<&Config>) -> crate::plan::DetectPlan {
    crate::plan::DetectPlan {
        options: config.map(|c| c.detect.clone()).unwrap_or_default(),
    }
}

impl super::DetectArgs {
    /// `detect`'s plan: [`detect_plan`] with `--alpha`, `--min-change` and `--window` over
    /// it; a value out of range is refused naming its flag.
    pub fn plan(&self, config: Option<&Config>) -> Result<crate::plan::DetectPlan> {
        let base = detect_plan(config).options;
        let options = crate::stats::changepoint::DetectOptions {
            alpha: self.alpha.unwrap_or(base.alpha),
            min_change_pct: self.min_change.unwrap_or(base.min_change_pct),
            window: self.window.unwrap_or(base.window),
            ..base
        };
        if let Err(e) = config::detect::check(&options) {
            let flag = match e.key {
                "alpha" => "--alpha",
                "min_change_pct" => "--min-change",
                _ => "--window",
            };
            return Err(Error::Usage(format!("{flag} {}: must {}", e.value, e.must)));
        }
        Ok(crate::plan::DetectPlan { options })
    }

    /// The runs looked at: this machine's, of the config's suite (any without one), of
    /// `--branch` when given.
    pub fn runs(&self, config: Option<&Config>) -> crate::store::RunFilter {
        crate::store::RunFilter {
            suite: config.map(|c| c.suite.clone()),
            testbed: Some(crate::context::machine().id),
            branch: self.branch.clone(),
            ..Default::default()
        }
    }

    /// The recorded series `--bench` and `--metric` (globs) pick.
    pub fn pick(&self) -> crate::engine::Pick<'_> {
        crate::engine::Pick {
            bench: self.bench.as_deref(),
            metric: self.metric.as_deref().map(crate::engine::MetricPick::Glob),
        }
    }
}

impl super::HistoryArgs {
    /// The runs shown: the newest `--last` of the suite (`--suite`, else the config's, else
    /// any), of this machine unless `--all-machines`, of `--device` and `--branch` when given.
    pub fn runs(&self, config: Option<&Config>) -> crate::store::RunFilter {
        crate::store::RunFilter {
            suite: self
                .suite
                .clone()
                .or_else(|| config.map(|c| c.suite.clone())),
            testbed: (!self.all_machines).then(|| crate::context::machine().id),
            device: self.device.clone(),
            branch: self.branch.clone(),
            before: None,
            limit: Some(self.last),
        }
    }

    /// The recorded series `--bench` and `--metric` (globs) pick.
    pub fn pick(&self) -> crate::engine::Pick<'_> {
        crate::engine::Pick {
            bench: self.bench.as_deref(),
            metric: Some(crate::engine::MetricPick::Glob(&self.metric)),
        }
    }
}
