//! Command-line structs (clap derive) only; commands turn them into domain options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "perfgate",
    version,
    about = "Run benchmarks, keep honest statistics, gate changes on performance"
)]
#[command(
    after_help = "Exit codes: 0 pass (warnings included in soft mode), 1 gate failed, \
2 usage/config/input error, 3 a benchmark failed to run."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the suite from perfgate.toml, or one ad-hoc command after `--`, and write a report.
    Run(RunArgs),
    /// Compare a report with a baseline report and give verdicts per metric.
    Compare(CompareArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Config file [default: perfgate.toml in the current directory or the nearest parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Suite name in the report (default: the config's `suite`, or `adhoc`).
    #[arg(long)]
    pub suite: Option<String>,
    /// Name of the ad-hoc benchmark (default: the command line).
    #[arg(long)]
    pub name: Option<String>,
    /// Run only benchmarks with this tag (repeatable: any of them).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Run only benchmarks whose name matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    pub filter: Option<String>,
    /// Which benchmarks to run by device; `auto` runs all, skipping absent devices.
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto)]
    pub device: DeviceArg,
    /// Exactly this many measured runs per benchmark (overrides runs/min_time).
    #[arg(long, env = "PERFGATE_RUNS", value_name = "N")]
    pub runs: Option<u32>,
    /// Warm-up runs before measuring.
    #[arg(long, value_name = "N")]
    pub warmup: Option<u32>,
    /// Measure at least this long per benchmark (e.g. 500ms, 3s).
    #[arg(long, value_name = "DURATION")]
    pub min_time: Option<String>,
    /// Never more than this many measured runs.
    #[arg(long, value_name = "N")]
    pub max_runs: Option<u32>,
    /// Kill a run (and its children) after this long and fail the benchmark.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Write the report to FILE (`-` for stdout; the table then goes to stderr).
    #[arg(long, value_name = "FILE")]
    pub json_out: Option<PathBuf>,
    /// Keep running the other benchmarks after one fails (the exit code is still 3).
    #[arg(long)]
    pub ignore_failure: bool,
    /// Let benchmarks write to the terminal instead of discarding stdout and keeping stderr.
    #[arg(long)]
    pub show_output: bool,
    /// Run the ad-hoc command with `sh -c` (its words joined by spaces).
    #[arg(long)]
    pub shell: bool,
    /// Seed of the bootstrap intervals (recorded in the report).
    #[arg(long, default_value_t = crate::commands::DEFAULT_SEED)]
    pub seed: u64,
    /// The ad-hoc command, after `--`.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    Cpu,
    Cuda,
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Md,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The current report (or, with --emit-template, the report to turn into a baseline).
    #[arg(value_name = "CURRENT")]
    pub current: PathBuf,
    /// The baseline report or baseline file.
    #[arg(value_name = "BASELINE")]
    pub baseline: Option<PathBuf>,
    /// Critical above this worsening (percent) and warning above half of it, for every metric.
    #[arg(long, env = "PERFGATE_THRESHOLD_PCT", value_name = "PCT")]
    pub threshold_pct: Option<f64>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write the JSON summary to FILE.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Exit 1 when any metric is critical (default: soft, warnings only).
    #[arg(long)]
    pub fail_on_regression: bool,
    /// Config whose [thresholds] apply [default: perfgate.toml found from the current directory].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write a baseline file from CURRENT with the default thresholds filled in, and exit.
    #[arg(long)]
    pub emit_template: bool,
    /// Where --emit-template writes (default: stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
