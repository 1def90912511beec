//! Validated plans: what the engine is asked to do, built once from the command line (or,
//! later, from a server request) and never re-parsed. The values several commands take are
//! newtypes that parse once, so a bad value is refused the same way whichever command it was
//! given to.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::{BenchSpec, Config};
use crate::model::threshold::ThresholdRule;
use crate::model::Selection;
use crate::stats::changepoint::DetectOptions;

/// `--seed` when none is given: fixed, so the same samples give the same comparison and run
/// order.
pub const DEFAULT_SEED: u64 = 0x5eed_0f9e_7fa7_e500;

/// A worsening in percent from which a metric is critical (a warning from half of it): finite
/// and not negative.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct ThresholdPct(f64);

impl ThresholdPct {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().parse::<f64>() {
            Ok(p) if p.is_finite() && p >= 0.0 => Ok(ThresholdPct(p)),
            _ => Err("must be a percentage of 0 or more (e.g. 10)".to_string()),
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// The false discovery rate held across a comparison's tests, or none (`off`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fdr(Option<f64>);

impl Fdr {
    pub const OFF: Fdr = Fdr(None);

    /// A rate strictly between 0 and 1, or `off`.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.trim() == "off" {
            return Ok(Fdr::OFF);
        }
        match text.trim().parse::<f64>() {
            Ok(q) if q > 0.0 && q < 1.0 => Ok(Fdr(Some(q))),
            _ => Err("must be a rate between 0 and 1 (e.g. 0.05) or `off`".to_string()),
        }
    }

    pub fn rate(self) -> Option<f64> {
        self.0
    }
}

impl Default for Fdr {
    fn default() -> Self {
        Fdr(Some(0.05))
    }
}

impl fmt::Display for Fdr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(q) => write!(f, "{q}"),
            None => f.write_str("off"),
        }
    }
}

/// A harness format perfgate reads (`criterion`, `hyperfine`, ...), or `auto`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterName(String);

impl AdapterName {
    pub fn parse(text: &str) -> Result<Self, String> {
        if text == "auto" || crate::ingest::adapter(text).is_some() {
            Ok(AdapterName(text.to_string()))
        } else {
            Err(format!(
                "unknown format `{text}` (known: auto, {})",
                crate::ingest::names().join(", ")
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AdapterName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which benchmarks by device: the ones of the named device, or all (`auto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceChoice {
    Auto,
    Cpu,
    Cuda,
}

impl DeviceChoice {
    pub fn admits(self, device: &str) -> bool {
        match self {
            DeviceChoice::Auto => true,
            DeviceChoice::Cpu => device == "cpu",
            DeviceChoice::Cuda => device == "cuda",
        }
    }
}

/// What runs the benchmarks: real processes, or (for exact tests of the whole pipeline) the
/// mock executor, in which `sleep 0.2` takes exactly 0.2 s and `false` fails. The mock is
/// chosen by the hidden environment variable `PERFGATE_EXECUTOR=mock`, never by a flag a
/// user would see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExecutorChoice {
    #[default]
    Process,
    Mock,
}

impl ExecutorChoice {
    pub const ENV: &'static str = "PERFGATE_EXECUTOR";

    /// From [`Self::ENV`]: unset or `process`, or `mock`.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var(Self::ENV).as_deref() {
            Err(_) | Ok("" | "process") => Ok(ExecutorChoice::Process),
            Ok("mock") => Ok(ExecutorChoice::Mock),
            Ok(other) => Err(format!(
                "{}={other}: must be `process` or `mock`",
                Self::ENV
            )),
        }
    }
}

/// A suite to measure: the selected benchmarks with the command line's overrides applied.
#[derive(Debug, Clone)]
pub struct RunPlan {
    /// The project's config (or the one made for an ad-hoc command).
    pub config: Config,
    /// The benchmarks to run, in order; never empty.
    pub benches: Vec<BenchSpec>,
    /// The suite name the report carries (`--suite`, or the config's).
    pub suite: String,
    /// The testbed the report names (`--testbed`, `PERFGATE_TESTBED`, the config's
    /// `testbed`); `None`: this machine's id.
    pub testbed: Option<String>,
    pub device: DeviceChoice,
    /// The `--tag`/`--filter` subset; `None` for the whole suite.
    pub selection: Option<Selection>,
    pub seed: u64,
    /// Go on after a benchmark fails.
    pub ignore_failure: bool,
    /// Let the benchmarks' output through to the terminal.
    pub show_output: bool,
    pub executor: ExecutorChoice,
}

impl RunPlan {
    /// Where `git` is asked about the checkout: the config's directory, or the current one.
    pub fn git_dir(&self) -> PathBuf {
        self.config
            .path
            .as_deref()
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }

    /// The device the report is for: the chosen one, or the benchmarks' common device, or
    /// `mixed`.
    pub fn report_device(&self) -> String {
        match self.device {
            DeviceChoice::Cpu => "cpu".to_string(),
            DeviceChoice::Cuda => "cuda".to_string(),
            DeviceChoice::Auto => {
                let first = self.benches.first().map_or("cpu", |b| b.device.as_str());
                if self.benches.iter().all(|b| b.device == first) {
                    first.to_string()
                } else {
                    "mixed".to_string()
                }
            }
        }
    }
}

/// How a comparison is judged, from the command line and the config.
#[derive(Debug, Clone, Default)]
pub struct GatePolicy {
    /// `--threshold-pct`: one threshold for every metric, over the rules' defaults.
    pub threshold_pct: Option<ThresholdPct>,
    pub fdr: Fdr,
    /// The config's `[thresholds]` (a baseline file's own rules take precedence).
    pub config_rules: BTreeMap<String, ThresholdRule>,
}

/// Change-point detection over recorded or given series.
#[derive(Debug, Clone, Default)]
pub struct DetectPlan {
    pub options: DetectOptions,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_and_rates_parse_once_and_refuse_alike() {
        assert_eq!(ThresholdPct::parse("7.5").map(ThresholdPct::get), Ok(7.5));
        assert_eq!(ThresholdPct::parse(" 0 ").map(ThresholdPct::get), Ok(0.0));
        for bad in ["-5", "-0.1", "nan", "inf", "ten", ""] {
            assert!(ThresholdPct::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Fdr::parse("0.1").map(Fdr::rate), Ok(Some(0.1)));
        assert_eq!(Fdr::parse("off"), Ok(Fdr::OFF));
        for bad in ["0", "1", "-0.1", "1.5", "nan", "none"] {
            assert!(Fdr::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Fdr::default().to_string(), "0.05");
    }

    #[test]
    fn adapter_names_are_the_ingest_registry() {
        assert_eq!(
            AdapterName::parse("hyperfine").unwrap().as_str(),
            "hyperfine"
        );
        assert_eq!(AdapterName::parse("auto").unwrap().as_str(), "auto");
        let e = AdapterName::parse("hyperfin").unwrap_err();
        assert!(
            e.contains("unknown format `hyperfin`") && e.contains("criterion"),
            "{e}"
        );
    }

    #[test]
    fn devices_admit_their_own_benchmarks() {
        assert!(DeviceChoice::Auto.admits("cuda"));
        assert!(DeviceChoice::Cpu.admits("cpu") && !DeviceChoice::Cpu.admits("cuda"));
        assert!(DeviceChoice::Cuda.admits("cuda") && !DeviceChoice::Cuda.admits("cpu"));
    }
}
