//! Why a benchmark got slower: its command re-run under a profiler on both sides of a
//! comparison (the baseline build and the candidate), the profiles folded into stacks, and
//! the functions whose cost grew the most.
//!
//! A profile is a set of *folded stacks*: `root;caller;callee` -> weight, the format
//! flame graph tools read. The weight's unit depends on the profiler ([`StackUnit`]):
//! samples of a software clock (perf), instructions (callgrind, exact and repeatable), or
//! bytes live at the peak (heaptrack, massif).

pub mod callgrind;
pub mod grown;
pub mod memory;
pub mod perf;
pub mod symbols;

use std::collections::BTreeMap;
use std::time::Duration;

use crate::config::BenchSpec;
use crate::runner::Executor;

/// What bounds one side's profile: how long the profiled runs last in all, how often perf
/// samples, and how big a profiler's raw output may grow before it is cut.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Profiled runs of the command are repeated until this much time is covered (at least
    /// one run, at most [`Limits::max_runs`]).
    pub duration: Duration,
    pub max_runs: u32,
    /// perf's sampling frequency (Hz) of the `cpu-clock` software event.
    pub frequency: u32,
    /// The largest raw profiler output kept (perf.data, callgrind.out, heaptrack's file),
    /// and, after folding, the largest folded text kept per side.
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            duration: Duration::from_secs(2),
            max_runs: 50,
            frequency: 999,
            max_bytes: 64 << 20,
        }
    }
}

/// The unit of a folded stack's weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackUnit {
    /// CPU time in nanoseconds: perf's `cpu-clock` samples, each weighing its period.
    Nanoseconds,
    /// Instructions executed (callgrind's `Ir`).
    Instructions,
    /// Bytes allocated and live at the profile's peak (heap memory).
    Bytes,
}

/// One side's profile: folded stacks, summed over `runs` runs of the command.
#[derive(Debug, Clone, PartialEq)]
pub struct Stacks {
    pub unit: StackUnit,
    /// `outermost;...;innermost` frame names (demangled, hashes stripped) -> weight.
    pub folded: BTreeMap<String, u64>,
    /// How many runs of the command the weights sum over (sides are compared per run).
    pub runs: u32,
}

/// A side's profile and the profiler that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub stacks: Stacks,
    /// The profiler and its settings, e.g. `perf 6.1.187 (cpu-clock, 999 Hz, dwarf)`,
    /// `valgrind-3.19.0 callgrind`, `heaptrack 1.4.0 (peak)`.
    pub tool: String,
    /// Why this profiler was used, e.g. `perf is not installed; callgrind always works`.
    pub why: String,
}

/// Which CPU profiler `--profiler` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CpuProfiler {
    /// perf where it may record, else callgrind.
    #[default]
    Auto,
    Perf,
    Callgrind,
}

/// The CPU profiler both sides are profiled with, chosen once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpuChoice {
    Perf { version: String, why: String },
    Callgrind { why: String },
}

/// Picks the CPU profiler: perf when asked for or, with `Auto`, when it may record here;
/// callgrind otherwise, with the reason. Asking for perf where it cannot record is an error.
pub fn choose_cpu(asked: CpuProfiler) -> Result<CpuChoice, String> {
    match asked {
        CpuProfiler::Callgrind => Ok(CpuChoice::Callgrind {
            why: "callgrind was asked for (--profiler callgrind)".into(),
        }),
        CpuProfiler::Perf => perf::available()
            .map(|version| CpuChoice::Perf {
                version,
                why: "perf was asked for (--profiler perf)".into(),
            })
            .map_err(|e| format!("--profiler perf: {e}")),
        CpuProfiler::Auto => Ok(match perf::available() {
            Ok(version) => CpuChoice::Perf {
                version,
                why: "perf may record the cpu-clock software event here".into(),
            },
            Err(e) => CpuChoice::Callgrind {
                why: format!("{e}; callgrind needs no permission"),
            },
        }),
    }
}

/// The CPU profile of `spec`'s command: `runs` runs under perf (sampling needs enough of
/// them to cover [`Limits::duration`]), or one under callgrind (exact, so one is enough).
pub fn record_cpu(
    choice: &CpuChoice,
    spec: &BenchSpec,
    limits: &Limits,
    exec: &mut dyn Executor,
    runs: u32,
) -> Result<Recorded, String> {
    match choice {
        CpuChoice::Perf { version, why } => {
            perf::record(spec, limits, exec, runs, version, why.clone())
        }
        CpuChoice::Callgrind { why } => callgrind::record(spec, limits, exec, why.clone()),
    }
}

/// How many runs cover `limits.duration` when one run takes `one_run` seconds.
pub fn runs_to_cover(limits: &Limits, one_run: f64) -> u32 {
    if one_run.is_nan() || one_run <= 0.0 {
        return 1;
    }
    let n = (limits.duration.as_secs_f64() / one_run).ceil();
    (n as u32).clamp(1, limits.max_runs.max(1))
}

/// Folded stacks as text, heaviest first, at most `max_bytes` long: beyond it the lighter
/// stacks are summed into one `[other stacks]` line, so the total is kept. `(text, cut)`.
pub fn bounded_text(folded: &BTreeMap<String, u64>, max_bytes: usize) -> (String, bool) {
    let mut stacks: Vec<(&String, &u64)> = folded.iter().collect();
    stacks.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let mut text = String::new();
    let mut rest = 0u64;
    for (stack, weight) in stacks {
        let line = format!("{stack} {weight}\n");
        if rest > 0 || text.len() + line.len() > max_bytes {
            rest += weight;
        } else {
            text.push_str(&line);
        }
    }
    if rest > 0 {
        text.push_str(&format!("[other stacks] {rest}\n"));
    }
    (text, rest > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_text_keeps_the_heaviest_stacks_and_the_total() {
        let folded: BTreeMap<String, u64> = [("a;b", 5), ("a;c", 50), ("a;d", 1)]
            .into_iter()
            .map(|(s, w)| (s.to_string(), w))
            .collect();
        assert_eq!(
            bounded_text(&folded, 100),
            ("a;c 50\na;b 5\na;d 1\n".to_string(), false)
        );
        assert_eq!(
            bounded_text(&folded, 8),
            ("a;c 50\n[other stacks] 6\n".to_string(), true)
        );
    }

    #[test]
    fn runs_cover_the_duration_within_bounds() {
        let limits = Limits::default();
        assert_eq!(runs_to_cover(&limits, 0.1), 20);
        assert_eq!(runs_to_cover(&limits, 5.0), 1);
        assert_eq!(runs_to_cover(&limits, 0.0001), 50);
        assert_eq!(runs_to_cover(&limits, f64::NAN), 1);
    }
}
