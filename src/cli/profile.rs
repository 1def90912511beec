//! Options of `perfgate profile` and of `check --profile-regressions`: which profiler, how
//! long, and where the flame graphs go.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// The CPU profiler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ProfilerArg {
    /// perf (cpu-clock) where it may record, else callgrind.
    #[default]
    Auto,
    /// `perf record -e cpu-clock`: sampled CPU time, a few percent of overhead.
    Perf,
    /// valgrind's callgrind: exact instruction counts, 20-100x slower.
    Callgrind,
}

/// What to profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileKindArg {
    Cpu,
    Memory,
}

/// How profiles are taken (shared by `profile` and `check --profile-regressions`).
#[derive(Debug, Args, Clone, Default)]
pub struct ProfilingArgs {
    /// The CPU profiler.
    #[arg(long, value_enum, default_value_t = ProfilerArg::Auto, value_name = "NAME")]
    pub profiler: ProfilerArg,
    /// Where the flame graphs, folded stacks and summaries go, under
    /// `<DIR>/<benchmark>/<cpu|memory>/` [default: .perfgate/profiles beside the store].
    #[arg(long, value_name = "DIR")]
    pub profile_dir: Option<PathBuf>,
    /// perf runs the command again until this much time is profiled (at most 50 runs).
    #[arg(long, default_value = "2s", value_name = "DURATION")]
    pub profile_duration: String,
    /// perf's sampling frequency, in Hz.
    #[arg(long, default_value_t = 999, value_name = "HZ")]
    pub profile_frequency: u32,
    /// The largest raw profiler output (perf.data, callgrind's, heaptrack's) kept, in MiB.
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    pub profile_max_mib: u64,
}

#[derive(Debug, Args, Clone)]
pub struct ProfileArgs {
    /// The benchmark to profile (its exact name in the suite).
    #[arg(value_name = "BENCH")]
    pub bench: String,
    /// Config file [default: perfgate.toml in the current directory or the nearest parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The baseline build's program, put in place of `{bin}` in the benchmark's command:
    /// both sides are profiled and the functions that grew are named.
    #[arg(long, value_name = "PATH", requires = "candidate_bin")]
    pub baseline_bin: Option<String>,
    /// The candidate build's program.
    #[arg(long, value_name = "PATH", requires = "baseline_bin")]
    pub candidate_bin: Option<String>,
    /// What to profile (repeatable).
    #[arg(long = "kind", value_enum, default_values_t = [ProfileKindArg::Cpu], value_name = "KIND")]
    pub kinds: Vec<ProfileKindArg>,
    #[command(flatten)]
    pub profiling: ProfilingArgs,
    /// Also write the profiles as JSON (the report's `profiles` entries) to FILE.
    #[arg(long, value_name = "FILE")]
    pub json_out: Option<PathBuf>,
}
