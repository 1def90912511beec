//! Ctrl-C (SIGINT), SIGTERM and SIGHUP while benchmarks run. A benchmark has its own process
//! group, so the terminal's SIGINT reaches perfgate but not the benchmark. The handler does
//! only what is async-signal-safe: it notes the signal and kills the running group, unless
//! that is a cleanup and this is the first signal (a second Ctrl-C stops a cleanup too). The
//! executor then refuses every further run except cleanups (bounded in time), the runner stops
//! after the interrupted benchmark's cleanup, and the command exits 128 + the signal without
//! writing a report or recording a run.
//!
//! The handler is there only while an executor lives; before and after, a signal has its
//! usual effect, so perfgate can never be stuck unkillable (on a locked store, or opening a
//! FIFO that nobody reads). A signal the caller ignores (`nohup`, a background job) stays
//! ignored.

pub use crate::error::{signal_name, Interruption};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

/// How long a cleanup may run after an interruption before its group is killed: the user is
/// waiting for the prompt.
pub const CLEANUP_BOUND: Duration = Duration::from_secs(10);

const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Process group of the run in progress, negated for a cleanup; 0 when none. One atomic, so
/// the handler never sees a group with another run's kind.
static RUNNING_GROUP: AtomicI32 = AtomicI32::new(0);
/// The first signal received; 0 when none.
static RECEIVED: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(signal: libc::c_int) {
    let first = RECEIVED
        .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok();
    let group = match RUNNING_GROUP.load(Ordering::SeqCst) {
        g if g < 0 && !first => -g,
        g => g,
    };
    if group > 0 {
        // SAFETY: killpg is async-signal-safe.
        unsafe { libc::killpg(group, libc::SIGKILL) };
    }
}

/// The handler, installed for as long as this lives; dropping it puts the earlier
/// dispositions back.
pub struct Handlers {
    replaced: Vec<(libc::c_int, libc::sigaction)>,
}

/// Installs the handler for SIGINT, SIGTERM and SIGHUP, except where they are ignored.
pub fn install() -> Handlers {
    let mut replaced = Vec::new();
    for signal in SIGNALS {
        // SAFETY: sigaction with valid pointers; the handler only makes async-signal-safe
        // calls.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(signal, std::ptr::null(), &mut old);
            if old.sa_sigaction == libc::SIG_IGN {
                continue;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut action.sa_mask);
            action.sa_flags = libc::SA_RESTART;
            if libc::sigaction(signal, &action, &mut old) == 0 {
                replaced.push((signal, old));
            }
        }
    }
    Handlers { replaced }
}

impl Drop for Handlers {
    fn drop(&mut self) {
        for (signal, old) in self.replaced.iter().rev() {
            // SAFETY: putting back a disposition sigaction gave us.
            unsafe { libc::sigaction(*signal, old, std::ptr::null_mut()) };
        }
    }
}

/// Marks `group` as the run in progress (0: none). Stored before [`received`] is read, so a
/// signal is either seen by the caller or kills the group: never neither.
pub fn set_running(group: libc::pid_t, cleanup: bool) {
    let value = if cleanup { -group } else { group };
    RUNNING_GROUP.store(value, Ordering::SeqCst);
}

/// The signal that interrupted this process, once one arrived (it stays noted after the
/// handler is gone, for the command to check before it writes anything).
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// `Err` once a signal arrived: what a command checks, after its executor is gone, before it
/// writes or records anything.
pub fn ensure_not_interrupted() -> Result<(), Interruption> {
    match received() {
        None => Ok(()),
        Some(signal) => Err(Interruption {
            signal,
            bench: None,
            during: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BenchSpec, Exec};
    use crate::runner::executor::mock_measurement;
    use crate::runner::tests::spec;
    use crate::runner::{
        interleave, run_suite, MockExecutor, NoObserver, RunMeasurement, RunOutcome, RunRequest,
        SuiteOptions,
    };

    fn bench(name: &str, cmd: &[&str], cleanup: &str) -> BenchSpec {
        let mut s = spec(cmd);
        s.name = name.into();
        s.warmup = 0;
        s.sampling.runs = Some(5);
        s.cleanup = Some(Exec::Argv(vec![cleanup.into()]));
        s
    }

    /// A mock in which call number `at` is interrupted by Ctrl-C; records (command, cleanup).
    fn interrupting_at(
        at: usize,
        seen: &mut Vec<(String, bool)>,
    ) -> impl FnMut(&RunRequest<'_>) -> RunMeasurement + '_ {
        move |req: &RunRequest<'_>| {
            seen.push((req.exec.display(), req.cleanup));
            let mut m = mock_measurement(req);
            if seen.len() == at {
                m.outcome = RunOutcome::Interrupted(libc::SIGINT);
                m.stderr_tail.clear();
            }
            m
        }
    }

    const ALL_THERE: SuiteOptions<'static> = SuiteOptions {
        ignore_failure: true,
        seed: 1,
        device_present: &|_| true,
    };

    #[test]
    fn an_interrupted_run_is_followed_by_its_cleanup_and_nothing_else() {
        let benches = [
            bench("a", &["sleep", "0.01"], "clean-a"),
            bench("b", &["sleep", "0.02"], "clean-b"),
        ];
        let mut seen = Vec::new();
        let mut ex = MockExecutor::new(interrupting_at(3, &mut seen));
        let run = run_suite(&benches, &mut ex, &ALL_THERE, &mut NoObserver);
        drop(ex);
        let run_a = ("sleep 0.01".to_string(), false);
        assert_eq!(
            seen,
            [
                run_a.clone(),
                run_a.clone(),
                run_a,
                ("clean-a".to_string(), true)
            ]
        );
        let stopped = run.interrupted.expect("the suite saw the interruption");
        assert_eq!(
            stopped,
            Interruption {
                signal: libc::SIGINT,
                bench: Some("a".into()),
                during: Some("run 3 stopped (process group killed); its cleanup ran".into()),
            }
        );
        assert_eq!(stopped.exit_code(), 130);
        assert_eq!(
            stopped.to_string(),
            "interrupted by SIGINT during benchmark `a`: run 3 stopped (process group killed); its cleanup ran; no report was written and nothing was recorded"
        );
    }

    #[test]
    fn an_interrupted_setup_is_cleaned_up_too() {
        let mut a = bench("a", &["sleep", "0.01"], "clean-a");
        a.setup = Some(Exec::Argv(vec!["set-up".into()]));
        let mut seen = Vec::new();
        let mut ex = MockExecutor::new(interrupting_at(1, &mut seen));
        let run = run_suite(&[a], &mut ex, &ALL_THERE, &mut NoObserver);
        drop(ex);
        let names: Vec<&str> = seen.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(names, ["set-up", "clean-a"]);
        let during = run.interrupted.and_then(|i| i.during).unwrap();
        assert_eq!(
            during,
            "setup stopped (process group killed); its cleanup ran"
        );
    }

    #[test]
    fn an_interleaved_run_cleans_up_both_sides_when_interrupted() {
        let base = [bench("a", &["base"], "clean-base")];
        let cand = [bench("a", &["cand"], "clean-cand")];
        let mut seen = Vec::new();
        let mut ex = MockExecutor::new(interrupting_at(4, &mut seen));
        let [_, run] =
            interleave::run_suite_interleaved([&base, &cand], &mut ex, &ALL_THERE, &mut NoObserver);
        drop(ex);
        assert_eq!(seen.len(), 6, "{seen:?}");
        assert_eq!(
            seen[4..],
            [
                ("clean-base".to_string(), true),
                ("clean-cand".to_string(), true)
            ]
        );
        let stopped = run.interrupted.unwrap();
        assert_eq!(stopped.bench.as_deref(), Some("a"));
        let side = if seen[3].0 == "base" {
            "baseline"
        } else {
            "candidate"
        };
        let n = seen[..4].iter().filter(|(c, _)| *c == seen[3].0).count();
        assert_eq!(
            stopped.during.unwrap(),
            format!("{side}: run {n} stopped (process group killed); baseline's cleanup ran; candidate's cleanup ran")
        );
    }
}
