//! Profiles of a benchmark on both sides of a comparison: which benchmarks a comparison
//! says to profile, each side run under the profiler (its setup and cleanup around it), the
//! profiles turned into a [`BenchProfile`] (costs per run, the functions that grew), and the
//! artifacts written: folded stacks, flame graphs, the summary.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use crate::config::BenchSpec;
use crate::error::{Error, Result};
use crate::gate::{Comparison, Verdict};
use crate::model::metric_names;
use crate::model::profile::{BenchProfile, ProfileKind, ProfileSide};
use crate::profile::{self, grown, CpuChoice, Limits, Recorded, StackUnit};
use crate::render;
use crate::runner::{interleave, lifecycle, Executor, RunRequest};

/// The most folded text kept in a report per side of a profile.
pub const MAX_FOLDED_TEXT: usize = 256 << 10;
/// How many grown functions a profile keeps.
const GROWN_KEPT: usize = 10;

/// What to profile with, and where the artifacts go.
#[derive(Debug, Clone)]
pub struct ProfilePlan {
    pub cpu: profile::CpuProfiler,
    pub limits: Limits,
    /// Artifacts go under `<dir>/<benchmark>/<kind>/`.
    pub dir: PathBuf,
    /// The CPU profiler, chosen on first use and kept for every benchmark of the plan (the
    /// choice probes perf, which takes a second).
    chosen: OnceCell<std::result::Result<CpuChoice, String>>,
}

impl ProfilePlan {
    pub fn new(cpu: profile::CpuProfiler, limits: Limits, dir: PathBuf) -> Self {
        ProfilePlan {
            cpu,
            limits,
            dir,
            chosen: OnceCell::new(),
        }
    }

    fn cpu_choice(&self) -> &std::result::Result<CpuChoice, String> {
        self.chosen.get_or_init(|| profile::choose_cpu(self.cpu))
    }
}

/// The benchmarks a comparison found `critical`, and which profiles explain them: a memory
/// profile for `peak_rss`, a CPU profile for any other metric (times, instructions,
/// throughput); GPU metrics have no profiler here.
pub fn regressed(comparison: &Comparison) -> Vec<(String, Vec<ProfileKind>)> {
    let mut out: Vec<(String, Vec<ProfileKind>)> = Vec::new();
    for m in comparison
        .metrics
        .iter()
        .filter(|m| m.status == Verdict::Critical)
    {
        let kind = if m.metric == metric_names::PEAK_RSS {
            ProfileKind::Memory
        } else if m.metric.starts_with("gpu") {
            continue;
        } else {
            ProfileKind::Cpu
        };
        match out.iter_mut().find(|(b, _)| *b == m.benchmark) {
            Some((_, kinds)) if !kinds.contains(&kind) => kinds.push(kind),
            Some(_) => {}
            None => out.push((m.benchmark.clone(), vec![kind])),
        }
    }
    for (_, kinds) in &mut out {
        kinds.sort_by_key(|k| *k == ProfileKind::Memory);
    }
    out
}

/// Profiles `spec` for each of `kinds`: on both builds when `bins` names them (`{bin}` in its
/// command), else the command as it is, alone. A profile that could not be made is its
/// one-line reason.
pub fn profile_bench(
    spec: &BenchSpec,
    bins: Option<[&str; 2]>,
    kinds: &[ProfileKind],
    plan: &ProfilePlan,
    exec: &mut dyn Executor,
) -> Vec<std::result::Result<BenchProfile, String>> {
    let sides: Vec<BenchSpec> = match bins {
        Some(bins) => bins.iter().map(|b| interleave::with_bin(spec, b)).collect(),
        None => vec![spec.clone()],
    };
    kinds
        .iter()
        .map(|&kind| {
            if let (ProfileKind::Cpu, Err(why)) = (kind, plan.cpu_choice()) {
                return Err(format!("cpu profile of {}: {why}", spec.name));
            }
            let recorded = sides
                .iter()
                .enumerate()
                .map(|(i, side)| {
                    let mut r = record_side(side, kind, plan, exec)?;
                    if let Some(bins) = bins {
                        same_root(&mut r, bins[i]);
                    }
                    Ok(r)
                })
                .collect::<std::result::Result<Vec<_>, String>>()
                .map_err(|e| format!("{} profile of {}: {e}", kind.as_str(), spec.name))?;
            let mut p = assemble(&spec.name, kind, &sides, recorded, bins.is_none());
            write_artifacts(&mut p, &plan.dir)
                .map_err(|e| format!("{} profile of {}: {e}", kind.as_str(), spec.name))?;
            Ok(p)
        })
        .collect()
}

/// One side: its setup, a warm-up run (timed: how many perf runs cover the duration), the
/// profiled runs, its cleanup.
fn record_side(
    spec: &BenchSpec,
    kind: ProfileKind,
    plan: &ProfilePlan,
    exec: &mut dyn Executor,
) -> std::result::Result<Recorded, String> {
    lifecycle::around(spec, exec, |exec| {
        let warm = lifecycle::step(exec, &RunRequest::of(spec, &spec.exec), "the warm-up run")?;
        match kind {
            ProfileKind::Memory => profile::memory::record(spec, &plan.limits, exec),
            ProfileKind::Cpu => {
                let choice = plan.cpu_choice().as_ref().map_err(Clone::clone)?;
                let runs = profile::runs_to_cover(&plan.limits, warm.wall_time);
                profile::record_cpu(choice, spec, &plan.limits, exec, runs)
            }
        }
    })
}

/// Names the root frame `{bin}` where it is the process name of the build's program (perf
/// roots a stack at the process name, at most 15 bytes of the program's file name): the two
/// builds' programs often have different file names, and the differential profile should
/// not see two different programs.
fn same_root(r: &mut Recorded, bin: &str) {
    let file = Path::new(bin)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let comm: String = file
        .chars()
        .scan(0, |n, c| {
            *n += c.len_utf8();
            (*n <= 15).then_some(c)
        })
        .collect();
    if comm.is_empty() {
        return;
    }
    let folded = std::mem::take(&mut r.stacks.folded);
    for (stack, w) in folded {
        let stack = match stack.split_once(';') {
            Some((root, rest)) if root == comm => format!("{{bin}};{rest}"),
            _ if stack == comm => "{bin}".to_string(),
            _ => stack,
        };
        *r.stacks.folded.entry(stack).or_insert(0) += w;
    }
}

/// The report's record of a profile: per-run costs, both sides' bounded stacks, and the
/// functions that grew (with two sides).
fn assemble(
    bench: &str,
    kind: ProfileKind,
    sides: &[BenchSpec],
    mut recorded: Vec<Recorded>,
    alone: bool,
) -> BenchProfile {
    let (unit, scale) = match recorded[0].stacks.unit {
        StackUnit::Nanoseconds => ("s", 1e-9),
        StackUnit::Instructions => ("instructions", 1.0),
        StackUnit::Bytes => ("bytes", 1.0),
    };
    let costs: Vec<grown::Costs> = recorded
        .iter()
        .map(|r| grown::costs(&r.stacks.folded, r.stacks.runs, scale))
        .collect();
    let side = |r: &Recorded, c: &grown::Costs, spec: &BenchSpec| {
        let (folded, truncated) = profile::bounded_text(&r.stacks.folded, MAX_FOLDED_TEXT);
        ProfileSide {
            command: spec.exec.display(),
            runs: r.stacks.runs,
            total: c.total,
            folded,
            truncated,
        }
    };
    let candidate = side(
        recorded.last().expect("one side at least"),
        &costs[costs.len() - 1],
        &sides[sides.len() - 1],
    );
    let baseline = (!alone).then(|| side(&recorded[0], &costs[0], &sides[0]));
    let first = recorded.swap_remove(0);
    BenchProfile {
        benchmark: bench.to_string(),
        kind,
        tool: first.tool,
        why: first.why,
        unit: unit.to_string(),
        grown: if alone {
            Vec::new()
        } else {
            grown::grown(&costs[0], &costs[1], GROWN_KEPT)
        },
        baseline,
        candidate,
        artifacts: Vec::new(),
        note: alone.then(|| {
            "only the candidate was profiled: there is no baseline build to run (give --baseline-bin and --candidate-bin, or check --interleaved, for a differential profile)".to_string()
        }),
    }
}

/// Writes the folded stacks, the flame graphs and the Markdown summary of `p` under
/// `<dir>/<benchmark>/<kind>/`, and lists them in `p.artifacts`.
pub fn write_artifacts(p: &mut BenchProfile, dir: &Path) -> std::result::Result<(), String> {
    let at = dir.join(file_name(&p.benchmark)).join(p.kind.as_str());
    std::fs::create_dir_all(&at).map_err(|e| format!("{}: {e}", at.display()))?;
    let mut files: Vec<(String, String)> = Vec::new();
    if let Some(b) = &p.baseline {
        files.push(("baseline.folded".into(), b.folded.clone()));
    }
    files.push(("candidate.folded".into(), p.candidate.folded.clone()));
    for (name, svg) in render::flame::svgs(p)? {
        files.push((name.to_string(), svg));
    }
    // Paths under the working directory are kept relative to it: a pull-request comment's
    // links then point into the repository (or the CI job's uploaded artifacts).
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown = |name: &str| {
        let path = at.join(name);
        path.strip_prefix(&cwd)
            .unwrap_or(&path)
            .display()
            .to_string()
    };
    let mut artifacts: Vec<String> = files.iter().map(|(name, _)| shown(name)).collect();
    artifacts.push(shown("summary.md"));
    p.artifacts = artifacts;
    files.push(("summary.md".into(), render::profile::markdown(p)));
    for (name, text) in files {
        crate::model::file::write_atomic(&at.join(&name), text.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A benchmark's name as one path component: anything but letters, digits, `-`, `_` and `.`
/// becomes `_`.
fn file_name(bench: &str) -> String {
    let name: String = bench
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.trim_matches('.').is_empty() {
        "_".to_string()
    } else {
        name
    }
}

/// The benchmark of `specs` named exactly `name`, or a usage error listing the names.
pub fn find_bench<'a>(specs: &'a [BenchSpec], name: &str) -> Result<&'a BenchSpec> {
    specs.iter().find(|s| s.name == name).ok_or_else(|| {
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        Error::Usage(format!(
            "no benchmark named `{name}` in the suite; it has: {}",
            names.join(", ")
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn benchmark_names_become_one_safe_path_component() {
        assert_eq!(file_name("sort 100k/lines"), "sort_100k_lines");
        assert_eq!(file_name(".."), "_");
        assert_eq!(file_name("a.b-c_d"), "a.b-c_d");
    }
}
