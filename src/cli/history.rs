//! Options of the commands that look back: baselines, history, the trend artifact, recorded
//! reports, change points and bisect.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{Format, StoreArgs, TestbedArgs};

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Save a baseline from a report file, the latest recorded run, or the last N runs pooled.
    Save(BaselineSaveArgs),
    /// List stored baselines.
    List(BaselineListArgs),
    /// Show a stored baseline's metrics.
    Show(BaselineNameArgs),
    /// Remove a stored baseline.
    Rm(BaselineNameArgs),
    /// Write a stored baseline as a committable file (with per-metric thresholds).
    Export(BaselineExportArgs),
    /// Store a baseline file (as written by export or compare --emit-template).
    Import(BaselineImportArgs),
}

/// Which stored baseline: suite, device and this testbed, plus a name.
#[derive(Debug, Args, Clone)]
pub struct BaselineSelect {
    /// Baseline name.
    #[arg(long, default_value = "main", value_name = "NAME")]
    pub name: String,
    /// Suite [default: the config's suite].
    #[arg(long, value_name = "NAME")]
    pub suite: Option<String>,
    /// Device the baseline is for [default: the report's, else cpu].
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// Config file, for the suite name [default: perfgate.toml in the current directory or the nearest parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BaselineSaveArgs {
    /// A report file to save as the baseline.
    #[arg(value_name = "REPORT", conflicts_with_all = ["from_history", "runs", "run"])]
    pub report: Option<PathBuf>,
    /// A recorded run, by the id `perfgate history` and a failed `check` show. A run of part
    /// of the suite (`--tag`) replaces only the benchmarks it ran.
    #[arg(long, value_name = "ID", conflicts_with_all = ["from_history", "runs"])]
    pub run: Option<i64>,
    /// Write the baseline into this committed baseline file (keeping its thresholds) instead
    /// of the store.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// From history: `last` is the latest recorded run of this testbed (the default source).
    #[arg(long, value_name = "last")]
    pub from_history: Option<String>,
    /// Pool the samples of the last N recorded runs of this testbed.
    #[arg(long, value_name = "N")]
    pub runs: Option<usize>,
    #[command(flatten)]
    pub select: BaselineSelect,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub testbed: TestbedArgs,
}

#[derive(Debug, Args)]
pub struct BaselineListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Config file, for its `testbed` (marked "(this)") [default: perfgate.toml in the current directory or the nearest parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub testbed: TestbedArgs,
}

#[derive(Debug, Args)]
pub struct BaselineNameArgs {
    /// Baseline name.
    #[arg(value_name = "NAME", default_value = "main")]
    pub name: String,
    /// Suite [default: the config's suite].
    #[arg(long, value_name = "NAME")]
    pub suite: Option<String>,
    /// Device the baseline is for.
    #[arg(long, default_value = "cpu", value_name = "NAME")]
    pub device: String,
    /// Config file, for the suite name [default: perfgate.toml in the current directory or the nearest parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub testbed: TestbedArgs,
}

#[derive(Debug, Args)]
pub struct BaselineExportArgs {
    #[command(flatten)]
    pub which: BaselineNameArgs,
    /// Output file (e.g. perf/baselines/<suite>-<device>.json).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct BaselineImportArgs {
    /// Baseline file to store.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Name to store it under.
    #[arg(long, default_value = "main", value_name = "NAME")]
    pub name: String,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub testbed: TestbedArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Benchmarks whose name matches this glob.
    #[arg(long = "bench", value_name = "GLOB")]
    pub bench: Option<String>,
    /// Metric to show; `*` for all.
    #[arg(long, default_value = "wall_time", value_name = "NAME")]
    pub metric: String,
    /// The newest N runs.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub last: usize,
    /// Only runs recorded on this git branch.
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// Suite [default: the config's suite, else all].
    #[arg(long, value_name = "NAME")]
    pub suite: Option<String>,
    /// Only runs of this device.
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// Runs of every testbed, not only this one.
    #[arg(long, alias = "all-testbeds")]
    pub all_machines: bool,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Table)]
    pub format: HistoryFormat,
    /// Config file, for the suite name [default: perfgate.toml in the current directory or the nearest parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub testbed: TestbedArgs,
}

#[derive(Debug, Args)]
pub struct TrendArgs {
    /// Where to write the trend artifact (JSON).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// History points per metric (bounded so the artifact never grows without limit).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub last: usize,
    /// Suite [default: the config's suite].
    #[arg(long, value_name = "NAME")]
    pub suite: Option<String>,
    /// Device whose runs the artifact is about.
    #[arg(long, default_value = "cpu", value_name = "NAME")]
    pub device: String,
    /// Baseline file or stored name [default: the one `check` uses].
    #[arg(long, value_name = "FILE|NAME")]
    pub baseline: Option<String>,
    /// Config file, for the suite and its baseline [default: perfgate.toml in the current directory or the nearest parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub testbed: TestbedArgs,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Report files to record.
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Testbed for the reports that name none: a stable name for the kind of machine they ran
    /// on [default: the config's `testbed`, else each report's machine id].
    #[arg(long, env = "PERFGATE_TESTBED", value_name = "NAME")]
    pub testbed: Option<String>,
}

/// Options of `perfgate detect`; the detect command owns their meaning.
#[derive(Debug, Args, Clone)]
pub struct DetectArgs {
    /// Benchmarks matching this glob only.
    #[arg(long, value_name = "GLOB")]
    pub bench: Option<String>,
    /// Metrics matching this glob only [default: every metric].
    #[arg(long, value_name = "GLOB")]
    pub metric: Option<String>,
    /// Only history since this git revision (a commit recorded in the store).
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
    /// This branch's runs only.
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// Detect in series from a file instead of the store: CSV `index,value`, a JSON array of
    /// numbers, or a JSON object of named arrays.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Significance: per history for a split of it, per 100 points for the windowed scan
    /// [default: `[detect] alpha`, else 0.01].
    #[arg(long, value_name = "P")]
    pub alpha: Option<f64>,
    /// The smallest step reported, in percent [default: `[detect] min_change_pct`, else 2].
    #[arg(long, value_name = "PCT")]
    pub min_change: Option<f64>,
    /// Points on each side a step is judged against [default: `[detect] window`, else 20].
    #[arg(long, value_name = "N")]
    pub window: Option<usize>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub testbed: TestbedArgs,
}

#[derive(Debug, Args, Clone)]
pub struct BisectArgs {
    /// A commit where the benchmark was fast.
    #[arg(value_name = "GOOD")]
    pub good: String,
    /// A commit where it is slow.
    #[arg(value_name = "BAD")]
    pub bad: String,
    /// The benchmark (its exact name in perfgate.toml).
    #[arg(long, value_name = "NAME")]
    pub bench: String,
    /// The metric to bisect on.
    #[arg(long, default_value = "wall_time", value_name = "NAME")]
    pub metric: String,
    /// Build command run at each commit before measuring (`sh -c`); a failing build skips it.
    #[arg(long, value_name = "CMD")]
    pub build: Option<String>,
    /// Measured runs per commit.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub runs: u32,
    /// Config file, relative to the repository root.
    #[arg(long, default_value = "perfgate.toml", value_name = "FILE")]
    pub config: PathBuf,
}

/// Options of the hidden `bisect-step`, which `perfgate bisect` passes to `git bisect run`.
#[derive(Debug, Args, Clone)]
pub struct BisectStepArgs {
    /// The benchmark.
    #[arg(long, value_name = "NAME")]
    pub bench: String,
    /// The metric.
    #[arg(long, value_name = "NAME")]
    pub metric: String,
    /// Measured runs.
    #[arg(long, value_name = "N")]
    pub runs: u32,
    /// Config file, relative to the repository root.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// The good and bad levels measured at the ends; a commit is bad when its median is
    /// nearer the bad one.
    #[arg(long, value_name = "X")]
    pub good_level: f64,
    /// The bad level (see --good-level).
    #[arg(long, value_name = "X")]
    pub bad_level: f64,
    /// Build command run before measuring.
    #[arg(long, value_name = "CMD")]
    pub build: Option<String>,
}
