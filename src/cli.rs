//! Command-line structs (clap derive) only; commands turn them into domain options. The
//! commands that look back (`history.rs`) and set up CI or releases (`release.rs`) have theirs
//! beside this file.
//!
//! One convention for every command's help (tests/cli_help.rs holds each command to it):
//! - Every visible option and argument has a description: what it is or does, one sentence.
//! - A default that clap knows (`default_value`, `default_value_t`) is printed by clap as
//!   `[default: X]` and never repeated in the text. A default decided at run time ends the
//!   text, written the same way: `[default: ...]`, never `(default: ...)`. A default no one
//!   can read (the seed) is hidden and described instead. A flag says what it does when set.
//! - Value names say what a value is: FILE, DIR, PATH, N, PCT, NAME, GLOB, REGEX, DURATION,
//!   CMD; an option has the same value name in every command. `--config FILE` has the same
//!   text everywhere, with its purpose in front where it has one.
//! - Output: `--format` chooses what goes to stdout; `-o, --output` is where a command writes
//!   its product instead of stdout (a file, or attest's directory); `--json-out FILE`
//!   additionally writes the measured report as JSON beside the printed table; `--summary`
//!   and `--trend-output` additionally write a comparison's artifacts.
//! - An old spelling stays accepted as a hidden alias (`doctor --json`, `attest --out-dir`),
//!   so scripts keep working.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::plan::{AdapterName, Fdr, ThresholdPct};

mod history;
pub mod plans;
mod profile;
mod push;
mod release;
mod serve;
pub mod values;

pub use history::{
    BaselineCommand, BaselineExportArgs, BaselineImportArgs, BaselineListArgs, BaselineNameArgs,
    BaselineSaveArgs, BaselineSelect, BisectArgs, BisectStepArgs, DetectArgs, HistoryArgs,
    HistoryFormat, RecordArgs, TrendArgs,
};
pub use profile::{ProfileArgs, ProfileKindArg, ProfilerArg, ProfilingArgs};
pub use push::{PushArgs, ServerArgs};
pub use release::{AttestArgs, CiCommand, CiGate, CiInitArgs, CiSystem, ReplayArgs};
pub use serve::{OnOff, ServeArgs, TokenCommand, TokenCreateArgs, TokenPublicArgs, TokenScopeArg};

#[derive(Debug, Parser)]
#[command(
    name = "perfgate",
    version,
    about = "Run benchmarks, keep honest statistics, gate changes on performance"
)]
#[command(
    after_help = "Exit codes: 0 pass (warnings included in soft mode), 1 gate failed, \
2 usage/config/input error, 3 a benchmark failed to run, 130 interrupted by Ctrl-C (143: SIGTERM)."
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
    /// Run the suite, compare with this testbed's baseline, record in history: for hooks and CI.
    Check(Box<CheckArgs>),
    /// Manage baselines: save, list, show, rm, export, import.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Recorded runs of this testbed: per metric its median and change from the run before.
    History(HistoryArgs),
    /// Write the trend artifact: the latest run against the baseline, with bounded history.
    Trend(TrendArgs),
    /// Record existing report files in the history store.
    Record(RecordArgs),
    /// Send report files to the team server (`perfgate serve`), or the spooled ones.
    Push(PushArgs),
    /// Turn a harness's output (criterion, Google Benchmark, go test, ...) into a report.
    Ingest(IngestArgs),
    /// Render a report, a comparison or the history: md, html, junit, mermaid, card, issue.
    Report(ReportArgs),
    /// Set up CI: `perfgate ci init github` writes the GitHub Actions workflow.
    #[command(subcommand)]
    Ci(CiCommand),
    /// Is this machine fit to benchmark? Checks and a noise score, with what to fix.
    Doctor(DoctorArgs),
    /// Write (or --verify) a release attestation of artifacts, and a replay manifest.
    Attest(AttestArgs),
    /// Re-run a replay manifest's suite and check that deterministic outputs hash the same.
    Replay(ReplayArgs),
    /// Find step changes (change points) in the recorded history, or in a series from a file.
    Detect(DetectArgs),
    /// Interleaved A/B of two commands: ratios with confidence intervals, outputs cross-checked.
    Versus(VersusArgs),
    /// Profile a benchmark on two builds: flame graphs, a differential one, what grew.
    Profile(ProfileArgs),
    /// Find the first commit that made a benchmark slower, with `git bisect run`.
    Bisect(BisectArgs),
    /// One step of `perfgate bisect` (run by git bisect; not for direct use).
    #[command(hide = true)]
    BisectStep(BisectStepArgs),
    /// Install or remove the git hook (pre-push by default) that gates on performance.
    #[command(subcommand)]
    Hook(HookCommand),
    /// Serve a shared store over HTTP: the API that `push` and `check --server` use, and a
    /// live dashboard.
    Serve(ServeArgs),
    /// Create API tokens for `perfgate serve`, and make a project's reads public.
    #[command(subcommand)]
    Token(TokenCommand),
}

/// Where the history store is.
#[derive(Debug, Args, Clone)]
pub struct StoreArgs {
    /// SQLite store [default: .perfgate/perfgate.db beside perfgate.toml, or in the git root].
    #[arg(long, env = "PERFGATE_STORE", value_name = "PATH")]
    pub store: Option<PathBuf>,
}

/// The testbed: which kind of machine's history and baselines a command reads and writes,
/// and the testbed a new report names. The same option on every command that uses them.
#[derive(Debug, Args, Clone, Default)]
pub struct TestbedArgs {
    /// Testbed: a stable name for this kind of machine; runners of one testbed share history
    /// and baselines [default: the config's `testbed`, else this machine's id].
    #[arg(long, env = "PERFGATE_TESTBED", value_name = "NAME")]
    pub testbed: Option<String>,
}

/// Options shared by `compare` and `check`: how verdicts are shown and gated.
#[derive(Debug, Args, Clone)]
pub struct GateArgs {
    /// Critical above this worsening (percent) and warning above half of it, for every metric.
    #[arg(long, env = "PERFGATE_THRESHOLD_PCT", value_name = "PCT", value_parser = values::threshold_pct)]
    pub threshold_pct: Option<ThresholdPct>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write the JSON summary to FILE.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Also write the trend artifact (the comparison in the trend schema) to FILE.
    #[arg(long, value_name = "FILE")]
    pub trend_output: Option<PathBuf>,
    /// Exit 1 when any metric is critical; without it the gate is soft (warnings, exit 0).
    #[arg(long)]
    pub fail_on_regression: bool,
    /// Compare with a baseline from another testbed (refused by default), and say so loudly.
    #[arg(long)]
    pub allow_other_machine: bool,
    /// False discovery rate held across all the metrics' tests (Benjamini-Hochberg), as a
    /// fraction; `off` tests each metric on its own at 5%.
    #[arg(long, value_name = "RATE|off", default_value = "0.05", value_parser = values::fdr)]
    pub fdr: Fdr,
}

#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Config file [default: perfgate.toml in the current directory or the nearest parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Suite name in the report [default: the config's `suite`, else `adhoc`].
    #[arg(long, value_name = "NAME")]
    pub suite: Option<String>,
    #[command(flatten)]
    pub testbed: TestbedArgs,
    /// Name of the ad-hoc benchmark [default: the command line].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Run only benchmarks with this tag (repeatable: any of them).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Run only benchmarks whose name matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    pub filter: Option<String>,
    /// Which benchmarks to run by device; `auto` runs all, skipping absent devices.
    #[arg(long, value_enum, default_value_t = DeviceArg::Auto, value_name = "NAME")]
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
    /// The ad-hoc command is a harness (`cargo bench`, ...): run it (once, or --runs times,
    /// each in its own process) and read its output with this adapter (a `perfgate ingest
    /// --format` name, or `auto`).
    #[arg(long, value_name = "NAME", value_parser = values::harness_format(), hide_possible_values = true)]
    pub adapter: Option<AdapterName>,
    /// With --adapter: read this file or directory the harness writes instead of its stdout.
    #[arg(long, value_name = "PATH", requires = "adapter")]
    pub adapter_output: Option<PathBuf>,
    /// Seed of the bootstrap intervals, recorded in the report [default: a fixed seed, the
    /// same for every run].
    #[arg(long, default_value_t = values::DEFAULT_SEED, hide_default_value = true, value_name = "N")]
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
    /// The baseline report or file [default: the baseline `check` would use, from the store].
    #[arg(value_name = "BASELINE")]
    pub baseline: Option<PathBuf>,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub testbed: TestbedArgs,
    /// Config file whose [thresholds] apply [default: perfgate.toml in the current directory or the nearest parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write a baseline file from CURRENT with the default thresholds filled in, and exit.
    #[arg(long)]
    pub emit_template: bool,
    /// Default thresholds from each metric's run-to-run spread in this testbed's recorded
    /// history (the store), as `check` does.
    #[arg(long)]
    pub noise_aware: bool,
    /// Where --emit-template writes the baseline file, instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Baseline file, or the name of a stored baseline of this testbed [default: the config's
    /// committed baseline for the device, else the stored baseline `main`].
    #[arg(long, value_name = "FILE|NAME")]
    pub baseline: Option<String>,
    /// After a pass, make this run the baseline (the committed file, or the stored one).
    #[arg(long)]
    pub update_baseline: bool,
    /// Run the baseline build and the candidate in alternation (ABBA blocks) and compare
    /// them with each other, in one time window, instead of with a recorded baseline.
    /// `{bin}` in a benchmark's command (and `$PERFGATE_BIN`) is each build's program.
    #[arg(long, requires_all = ["baseline_bin", "candidate_bin"], conflicts_with_all = ["baseline", "update_baseline"])]
    pub interleaved: bool,
    /// With --interleaved: the baseline build's program.
    #[arg(
        long,
        value_name = "PATH",
        alias = "baseline-cmd",
        requires = "interleaved"
    )]
    pub baseline_bin: Option<String>,
    /// With --interleaved: the candidate build's program.
    #[arg(
        long,
        value_name = "PATH",
        alias = "candidate-cmd",
        requires = "interleaved"
    )]
    pub candidate_bin: Option<String>,
    /// A GPU benchmark that fails to run blocks the gate, instead of being a warning.
    #[arg(long, env = "PERFGATE_STRICT_GPU", value_parser = clap::builder::FalseyValueParser::new())]
    pub strict_gpu: bool,
    // With --server the history comes from the team server instead of the local store (which
    // is then not used), and the run is pushed to it.
    #[command(flatten)]
    pub server: ServerArgs,
    /// Profile every benchmark found `critical` on both sides (with --interleaved) or on
    /// this build: flame graphs, and the functions that grew, stored with the run.
    #[arg(long)]
    pub profile_regressions: bool,
    #[command(flatten)]
    pub profiling: ProfilingArgs,
}

#[derive(Debug, Args, Clone)]
pub struct IngestArgs {
    /// The harness format, or `auto` to detect it.
    #[arg(long, default_value = "auto", value_name = "FORMAT", value_parser = values::harness_format())]
    pub format: AdapterName,
    /// A file, a directory (criterion's target/criterion, iai's output, asv's results/), or
    /// `-` for stdin.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Write the report to FILE (`-` for stdout; the table then goes to stderr).
    #[arg(long, value_name = "FILE")]
    pub json_out: Option<PathBuf>,
    /// Suite name in the report [default: the config's `suite`, else `ingested`].
    #[arg(long, value_name = "NAME")]
    pub suite: Option<String>,
    /// Tag every benchmark (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Also record the report in the history store.
    #[arg(long)]
    pub record: bool,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub testbed: TestbedArgs,
    /// Seed of the bootstrap intervals, recorded in the report [default: a fixed seed, the
    /// same for every run].
    #[arg(long, default_value_t = values::DEFAULT_SEED, hide_default_value = true, value_name = "N")]
    pub seed: u64,
}

#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// A comparison (`--summary` of compare/check) or a report; without it, the latest
    /// recorded run of this testbed.
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,
    /// What to render.
    #[arg(long, value_enum, required_unless_present = "scaling")]
    pub format: Option<ReportFormat>,
    /// Print the complexity fits of the report's parameter sweeps (Markdown) instead.
    #[arg(long)]
    pub scaling: bool,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Compare a report with this baseline (file or stored name) [default: the one `check` uses].
    #[arg(long, value_name = "FILE|NAME")]
    pub baseline: Option<String>,
    /// Config file [default: perfgate.toml in the current directory or the nearest parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Trend charts for benchmarks matching this glob only.
    #[arg(long, value_name = "GLOB")]
    pub bench: Option<String>,
    /// Trend charts for this metric only (mermaid: the one charted).
    #[arg(long, value_name = "NAME")]
    pub metric: Option<String>,
    /// History points per chart.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub last: usize,
    /// Critical above this worsening (percent), when a comparison is computed here.
    #[arg(long, env = "PERFGATE_THRESHOLD_PCT", value_name = "PCT", value_parser = values::threshold_pct)]
    pub threshold_pct: Option<ThresholdPct>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub testbed: TestbedArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A pull-request comment.
    Md,
    /// A self-contained dashboard with charts.
    Html,
    /// JUnit XML: a test case per metric, failures for critical.
    Junit,
    /// Mermaid: the pipeline with verdict counts, and a metric's trend.
    Mermaid,
    /// A one-page performance card for a release.
    Card,
    /// The body of an issue for critical regressions.
    Issue,
}

/// Options of `perfgate doctor`; the doctor module owns their meaning.
#[derive(Debug, Args, Clone)]
pub struct DoctorArgs {
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = DoctorFormat::Human)]
    pub format: DoctorFormat,
    /// The same as `--format json` (the old spelling, kept for scripts).
    #[arg(long, hide = true)]
    pub json: bool,
    /// Seconds spent measuring the noise score.
    #[arg(long, default_value_t = 3.0, value_name = "SECS")]
    pub noise_secs: f64,
    /// Read /proc and /sys under this root instead of `/` (for tests).
    #[arg(long, hide = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DoctorFormat {
    Human,
    Json,
}

impl DoctorArgs {
    /// JSON on stdout, asked for either way.
    pub fn wants_json(&self) -> bool {
        self.json || self.format == DoctorFormat::Json
    }
}

/// Options of `perfgate versus`; the versus command owns their meaning.
#[derive(Debug, Args, Clone)]
pub struct VersusArgs {
    /// Command A (the baseline), run with `sh -c`; with --cmd, A's program.
    #[arg(value_name = "A", required_unless_present = "baseline_cmd")]
    pub a: Option<String>,
    /// Command B (the candidate), run with `sh -c`; with --cmd, B's program.
    #[arg(value_name = "B", required_unless_present = "candidate_cmd")]
    pub b: Option<String>,
    /// The baseline command (the same as A, for scripts that name their sides).
    #[arg(long, value_name = "CMD", conflicts_with = "a")]
    pub baseline_cmd: Option<String>,
    /// The candidate command (the same as B).
    #[arg(long, value_name = "CMD", conflicts_with = "b")]
    pub candidate_cmd: Option<String>,
    /// One command for both sides with `{bin}` in it: A and B are then two programs (e.g. the
    /// same tool from two builds), each put in place of `{bin}`.
    #[arg(long, value_name = "TEMPLATE")]
    pub cmd: Option<String>,
    /// Also time start-up: this command with `{bin}` replaced by each side's program (A and B
    /// with --cmd, else the first word of each command), e.g. '{bin} --version'.
    #[arg(long, value_name = "TEMPLATE")]
    pub startup: Option<String>,
    /// Measured runs per side.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub runs: u32,
    /// Warm-up runs per side.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub warmup: u32,
    /// How outputs must agree: hash (byte-identical stdout), lines, json, numeric.
    #[arg(long, default_value = "hash", value_name = "HOW", value_parser = ["hash", "lines", "json", "numeric"])]
    pub compare_output: String,
    /// Tolerance for numeric/json output comparison (absolute or relative, whichever is looser).
    #[arg(long, default_value_t = 0.0, value_name = "X")]
    pub tolerance: f64,
    /// A command comparing the two outputs: run with `$A_OUT` and `$B_OUT` set to their files;
    /// exit 0 means they agree.
    #[arg(long, value_name = "CMD")]
    pub compare_cmd: Option<String>,
    /// Seed of the run order (ABBA blocks) and the bootstrap [default: a fixed seed, the same
    /// for every run].
    #[arg(long, default_value_t = values::DEFAULT_SEED, hide_default_value = true, value_name = "N")]
    pub seed: u64,
    /// Critical above this worsening (percent); warning above half.
    #[arg(long, value_name = "PCT", value_parser = values::threshold_pct)]
    pub threshold_pct: Option<ThresholdPct>,
    /// False discovery rate held across the metrics' tests (Benjamini-Hochberg), as a
    /// fraction; `off` tests each metric on its own at 5%.
    #[arg(long, value_name = "RATE|off", default_value = "0.05", value_parser = values::fdr)]
    pub fdr: Fdr,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write the report of B (with A as its baseline comparison) to FILE.
    #[arg(long, value_name = "FILE")]
    pub json_out: Option<PathBuf>,
    /// Exit 1 when B is critically worse than A.
    #[arg(long)]
    pub fail_on_regression: bool,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Install a git hook that runs `perfgate check --fail-on-regression` (chains an existing hook).
    Install(HookInstallArgs),
    /// Remove perfgate's hook and restore the one it chained.
    Uninstall(HookUninstallArgs),
}

#[derive(Debug, Args)]
pub struct HookInstallArgs {
    /// Which hook.
    #[arg(long, default_value = "pre-push", value_parser = ["pre-push", "pre-commit"], value_name = "NAME")]
    pub hook: String,
    /// Check only benchmarks with these tags (repeatable).
    #[arg(long = "tag", value_name = "TAG", default_value = "smoke")]
    pub tags: Vec<String>,
    /// Check every benchmark, not only tagged ones.
    #[arg(long, conflicts_with = "tags")]
    pub all: bool,
    /// Config file the hook uses [default: perfgate.toml found from the current directory].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HookUninstallArgs {
    /// Which hook.
    #[arg(long, default_value = "pre-push", value_parser = ["pre-push", "pre-commit"], value_name = "NAME")]
    pub hook: String,
}
