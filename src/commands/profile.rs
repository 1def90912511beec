//! `perfgate profile BENCH` and `check --profile-regressions`: a benchmark re-run under a
//! profiler on both builds, its flame graphs written, and the functions that grew printed.
//! What is profiled and how is [`engine::profile`]'s; this picks the benchmarks, prints the
//! summaries and says in one line what could not be profiled.

use std::path::{Path, PathBuf};

use super::{common, print_stderr, print_stdout};
use crate::cli::{ProfileArgs, ProfileKindArg, ProfilerArg, ProfilingArgs};
use crate::config::{self, BenchSpec};
use crate::engine::profile::{self as engine_profile, ProfilePlan};
use crate::error::{Error, ExitStatus, Result};
use crate::gate::Comparison;
use crate::model::profile::{BenchProfile, ProfileKind};
use crate::profile::{CpuProfiler, Limits};
use crate::render;
use crate::runner::ProcessExecutor;

pub fn profile(args: ProfileArgs) -> Result<ExitStatus> {
    let config = common::optional_config(args.config.as_deref())?.ok_or_else(|| {
        Error::Usage("perfgate profile needs a perfgate.toml (--config FILE)".into())
    })?;
    let spec = engine_profile::find_bench(&config.benches, &args.bench)?;
    let bins = match (&args.baseline_bin, &args.candidate_bin) {
        (Some(b), Some(c)) => Some([b.as_str(), c.as_str()]),
        _ => None,
    };
    if bins.is_some() && !spec.uses_program() {
        return Err(Error::Usage(format!(
            "--baseline-bin/--candidate-bin: the commands of `{}` have no {{bin}} or $PERFGATE_BIN to put them in",
            spec.name
        )));
    }
    let mut kinds: Vec<ProfileKind> = args
        .kinds
        .iter()
        .map(|k| match k {
            ProfileKindArg::Cpu => ProfileKind::Cpu,
            ProfileKindArg::Memory => ProfileKind::Memory,
        })
        .collect();
    kinds.dedup();
    let plan = profile_plan(&args.profiling, &default_dir(&config))?;
    let (profiles, failures) = run_profiles(spec, bins, &kinds, &plan)?;
    for p in &profiles {
        print_stdout(&render::profile::text(p))?;
    }
    if let Some(path) = &args.json_out {
        crate::model::file::write_json(path, &profiles)?;
    }
    Ok(if failures > 0 {
        ExitStatus::BenchmarkFailed
    } else {
        ExitStatus::Pass
    })
}

/// After a check: profiles of every `critical` benchmark of `comparison` (their specs in
/// `specs`; both builds with `bins`), their summaries on stderr. A profile that could not be
/// made is one line on stderr; the verdict stands either way.
pub(super) fn profile_regressions(
    comparison: &Comparison,
    specs: &[BenchSpec],
    bins: Option<[&str; 2]>,
    profiling: &ProfilingArgs,
    default: &Path,
) -> Result<Vec<BenchProfile>> {
    let plan = profile_plan(profiling, default)?;
    let mut out = Vec::new();
    for (bench, kinds) in engine_profile::regressed(comparison) {
        let Some(spec) = specs.iter().find(|s| s.name == bench) else {
            continue;
        };
        let (profiles, _) =
            run_profiles(spec, bins.filter(|_| spec.uses_program()), &kinds, &plan)?;
        for p in &profiles {
            print_stderr(&render::profile::text(p));
        }
        out.extend(profiles);
    }
    Ok(out)
}

/// The profiles of `spec`, and how many could not be made (each said on stderr).
fn run_profiles(
    spec: &BenchSpec,
    bins: Option<[&str; 2]>,
    kinds: &[ProfileKind],
    plan: &ProfilePlan,
) -> Result<(Vec<BenchProfile>, usize)> {
    let mut exec = ProcessExecutor::new(false).map_err(|e| Error::Io {
        context: "cannot create a temporary file for benchmark stderr".into(),
        source: e,
    })?;
    let mut profiles = Vec::new();
    let mut failures = 0;
    for outcome in engine_profile::profile_bench(spec, bins, kinds, plan, &mut exec) {
        match outcome {
            Ok(p) => profiles.push(p),
            Err(why) => {
                failures += 1;
                print_stderr(&format!("perfgate: not profiled: {why}\n"));
            }
        }
    }
    Ok((profiles, failures))
}

/// `.perfgate/profiles` beside the config's store.
pub(super) fn default_dir(config: &config::Config) -> PathBuf {
    let root = match &config.path {
        Some(_) => config.root(),
        None => PathBuf::from("."),
    };
    root.join(crate::store::DEFAULT_STORE_PATH)
        .parent()
        .map_or_else(|| PathBuf::from(".perfgate"), Path::to_path_buf)
        .join("profiles")
}

fn profile_plan(args: &ProfilingArgs, default: &Path) -> Result<ProfilePlan> {
    let duration = config::parse_duration(&args.profile_duration)
        .map_err(|e| Error::Usage(format!("--profile-duration: {e}")))?;
    if args.profile_frequency == 0 || args.profile_frequency > 100_000 {
        return Err(Error::Usage(format!(
            "--profile-frequency {}: give 1 to 100000 Hz",
            args.profile_frequency
        )));
    }
    Ok(ProfilePlan::new(
        match args.profiler {
            ProfilerArg::Auto => CpuProfiler::Auto,
            ProfilerArg::Perf => CpuProfiler::Perf,
            ProfilerArg::Callgrind => CpuProfiler::Callgrind,
        },
        Limits {
            duration,
            frequency: args.profile_frequency,
            max_bytes: args.profile_max_mib.max(1) << 20,
            ..Limits::default()
        },
        args.profile_dir
            .clone()
            .unwrap_or_else(|| default.to_path_buf()),
    ))
}
