//! Running the two sides: warm-up (which makes the first cross-check of the outputs), the
//! measured runs in ABBA/BAAB blocks with every output checked against its side's first, then
//! the start-up commands in the same order.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::outputs::{agree_captured, comparable, Captured};
use super::plan::{Check, Plan};
use crate::config::Exec;
use crate::error::{Error, ExitStatus};
use crate::runner::schedule::{order, Side};
use crate::runner::{Executor, Interruption, RunMeasurement, RunOutcome, RunRequest};
use crate::stats::SplitMix64;

/// What the runs measured.
#[derive(Debug)]
pub struct VersusRun {
    /// The order the measured runs took.
    pub order: Vec<Side>,
    /// A's and B's measured runs, in the order they ran.
    pub measured: [Vec<RunMeasurement>; 2],
    /// A's and B's start-up wall times, when start-up was timed.
    pub startup: Option<[Vec<f64>; 2]>,
    /// How the outputs were found to agree, in words.
    pub agreement: String,
}

/// Why `versus` stopped before it could compare anything.
#[derive(Debug, thiserror::Error)]
pub enum Stop {
    /// A run failed: `A (warm-up 1) exited with status 7; stderr: ...`.
    #[error("{side} ({label}) {what}")]
    RunFailed {
        side: &'static str,
        label: String,
        what: String,
    },
    #[error("{side}'s start-up command `{command}` (run {run}) {what}")]
    StartupFailed {
        side: &'static str,
        command: String,
        run: usize,
        what: String,
    },
    #[error("{side}'s output changed between runs ({label}): not deterministic, so it cannot be cross-checked")]
    NotDeterministic { side: &'static str, label: String },
    /// The outputs are too large for the chosen comparison.
    #[error("{0}")]
    NotComparable(String),
    #[error("A and B disagree ({check}): {diff}\ntiming two programs that disagree is meaningless; fix the output or choose --compare-output / --compare-cmd")]
    Disagree { check: String, diff: String },
    /// Interrupted, or a file that could not be made or read.
    #[error(transparent)]
    Error(#[from] Error),
}

impl Stop {
    /// 3 when a run failed, 2 when the outputs cannot be compared or disagree.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Stop::RunFailed { .. } | Stop::StartupFailed { .. } => ExitStatus::BenchmarkFailed,
            Stop::NotDeterministic { .. } | Stop::NotComparable(_) | Stop::Disagree { .. } => {
                ExitStatus::BadInput
            }
            Stop::Error(e) => e.exit_status(),
        }
    }
}

/// Runs `plan` on `exec`: warm-up and cross-check, the measured runs, the start-up runs.
pub fn run(plan: &Plan, exec: &mut dyn Executor) -> Result<VersusRun, Stop> {
    let mut sides = Runner::new(plan, exec)?;
    for i in 0..plan.warmup.max(1) {
        for side in [Side::A, Side::B] {
            sides.one(side, &format!("warm-up {}", i + 1))?;
        }
    }
    let agreement = sides.cross_check()?;
    let order = order(plan.pairs, &mut SplitMix64::new(plan.seed));
    let mut measured: [Vec<RunMeasurement>; 2] = [Vec::new(), Vec::new()];
    for (i, side) in order.iter().enumerate() {
        measured[idx(*side)].push(sides.one(*side, &format!("run {}", i + 1))?);
    }
    let startup = match &plan.startup {
        Some(commands) => Some(sides.startup(commands, &order)?),
        None => None,
    };
    Ok(VersusRun {
        order,
        measured,
        startup,
        agreement,
    })
}

fn idx(side: Side) -> usize {
    usize::from(side == Side::B)
}

fn name(side: Side) -> &'static str {
    ["A", "B"][idx(side)]
}

/// The state of the runs: where outputs go, each side's first output.
struct Runner<'a> {
    plan: &'a Plan,
    exec: &'a mut dyn Executor,
    cwd: PathBuf,
    env: BTreeMap<String, String>,
    /// Each run's stdout, read back after it.
    out: File,
    /// With `--compare-cmd`: where each side's first output is kept (`a.out`, `b.out`).
    kept: Option<tempfile::TempDir>,
    first: [Option<Captured>; 2],
}

impl<'a> Runner<'a> {
    fn new(plan: &'a Plan, exec: &'a mut dyn Executor) -> Result<Self, Error> {
        let cwd =
            std::env::current_dir().map_err(|e| io("cannot read the current directory", e))?;
        let out = tempfile::tempfile().map_err(|e| io("cannot create a temporary file", e))?;
        let kept = match plan.check {
            Check::Command(_) => Some(
                crate::tmpdir::create()
                    .map_err(|e| io("cannot create a temporary directory", e))?,
            ),
            Check::Output(_) => None,
        };
        Ok(Runner {
            plan,
            exec,
            cwd,
            env: BTreeMap::new(),
            out,
            kept,
            first: [None, None],
        })
    }

    /// Runs one side once; its output must be the same as its first (kept, for a command).
    fn one(&mut self, side: Side, label: &str) -> Result<RunMeasurement, Stop> {
        let command = Exec::Shell(self.plan.commands[idx(side)].clone());
        let is_first = self.first[idx(side)].is_none();
        let (m, captured) = self.captured(&command, is_first);
        let what = || format!("{} ({label})", name(side));
        stop_if_interrupted(&m, &self.plan.commands[idx(side)], what)?;
        if !m.outcome.success() {
            let stderr = match m.stderr_tail.as_str() {
                "" => String::new(),
                tail => format!("; stderr: {tail}"),
            };
            return Err(Stop::RunFailed {
                side: name(side),
                label: label.to_string(),
                what: format!("{}{stderr}", m.outcome.describe()),
            });
        }
        let captured = captured.map_err(|e| io("cannot read the captured stdout", e))?;
        match &self.first[idx(side)] {
            None => {
                if let Some(dir) = &self.kept {
                    let to = dir.path().join(format!("{}.out", ["a", "b"][idx(side)]));
                    keep_file(&mut self.out, &to)?;
                }
                self.first[idx(side)] = Some(captured);
            }
            Some(first) if !first.same(&captured) => {
                return Err(Stop::NotDeterministic {
                    side: name(side),
                    label: label.to_string(),
                })
            }
            Some(_) => {}
        }
        Ok(m)
    }

    /// Runs `command` once with stdout captured: the measurement and what it printed (its
    /// bytes only with `keep`, and only up to [`super::outputs::COMPARED_MAX`]: the output is
    /// read in pieces, so its size costs no memory).
    fn captured(
        &mut self,
        command: &Exec,
        keep: bool,
    ) -> (RunMeasurement, std::io::Result<Captured>) {
        let out = &mut self.out;
        let _ = out
            .set_len(0)
            .and_then(|()| out.seek(SeekFrom::Start(0)).map(drop));
        let m = self.exec.run(&RunRequest {
            exec: command,
            env: &self.env,
            cwd: &self.cwd,
            timeout: None,
            capture_stdout: Some(out),
            scan_metrics: false,
            pin: &[],
            sample_gpu: false,
            cleanup: false,
            keeps_background: false,
        });
        let captured = out
            .seek(SeekFrom::Start(0))
            .and_then(|_| Captured::read(out, keep));
        (m, captured)
    }

    /// Whether the two sides' first outputs agree; if so, how, in words.
    fn cross_check(&self) -> Result<String, Stop> {
        let [Some(a), Some(b)] = &self.first else {
            unreachable!("at least one warm-up run of each side");
        };
        let agreement = match (&self.plan.check, &self.kept) {
            (Check::Command(cmd), Some(dir)) => compare_with_cmd(cmd, dir.path())?,
            (Check::Output(mode), _) => {
                comparable(mode, a, b).map_err(Stop::NotComparable)?;
                agree_captured(mode, a, b)
            }
            (Check::Command(_), None) => unreachable!("a command's outputs are kept"),
        };
        agreement.map_err(|diff| Stop::Disagree {
            check: self.plan.check.to_string(),
            diff,
        })?;
        Ok(match &self.plan.check {
            Check::Command(cmd) => format!("--compare-cmd `{cmd}` accepted them"),
            Check::Output(mode) => format!("{mode} (A's stdout sha256 {})", &a.sha256_hex()[..16]),
        })
    }

    /// The start-up commands in `order` (outputs not compared: a version string may differ);
    /// only their wall time is kept.
    fn startup(&mut self, commands: &[String; 2], order: &[Side]) -> Result<[Vec<f64>; 2], Stop> {
        let mut times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        for (i, side) in order.iter().enumerate() {
            let command = &commands[idx(*side)];
            let (m, _) = self.captured(&Exec::Shell(command.clone()), false);
            stop_if_interrupted(&m, command, || {
                format!("{}'s start-up command (run {})", name(*side), i + 1)
            })?;
            if !m.outcome.success() {
                return Err(Stop::StartupFailed {
                    side: name(*side),
                    command: command.clone(),
                    run: i + 1,
                    what: m.outcome.describe(),
                });
            }
            times[idx(*side)].push(m.wall_time);
        }
        Ok(times)
    }
}

fn io(context: &str, source: std::io::Error) -> Error {
    Error::Io {
        context: context.to_string(),
        source,
    }
}

/// An interrupted run ends `versus`: nothing is written.
fn stop_if_interrupted(
    m: &RunMeasurement,
    command: &str,
    what: impl Fn() -> String,
) -> Result<(), Error> {
    match m.outcome {
        RunOutcome::Interrupted(signal) => Err(Error::Interrupted(Interruption {
            signal,
            bench: Some(command.to_string()),
            during: Some(format!("{} {}", what(), m.outcome.describe())),
        })),
        _ => Ok(()),
    }
}

/// Copies the output just captured in `out` to `to`, for `--compare-cmd` (a copy on disk:
/// an output may be larger than memory).
fn keep_file(out: &mut File, to: &Path) -> Result<(), Error> {
    let write_err = |source| Error::Write {
        path: to.to_path_buf(),
        source,
    };
    out.seek(SeekFrom::Start(0)).map_err(write_err)?;
    let mut file = File::create(to).map_err(write_err)?;
    std::io::copy(out, &mut file).map_err(write_err)?;
    Ok(())
}

/// Runs `--compare-cmd` on the two outputs kept in `dir` (`a.out`, `b.out`).
fn compare_with_cmd(cmd: &str, dir: &Path) -> Result<Result<(), String>, Error> {
    let (pa, pb) = (dir.join("a.out"), dir.join("b.out"));
    let status = std::process::Command::new("sh")
        .args(["-c", cmd])
        .env("A_OUT", &pa)
        .env("B_OUT", &pb)
        .status()
        .map_err(|e| io(&format!("cannot run --compare-cmd `{cmd}`"), e))?;
    Ok(if status.success() {
        Ok(())
    } else {
        Err(format!("--compare-cmd `{cmd}` says they differ ({status})"))
    })
}
