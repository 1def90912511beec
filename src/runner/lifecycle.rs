//! The commands around a benchmark's runs, for every way benchmarks run (measured, harness,
//! interleaved, a replay's capture): `setup` once, its background processes kept for the
//! runs; then the runs; then `cleanup`, always, after a failed run and after an interruption
//! too. A failed step is worded one way ([`failed_step`]), and so is what an interruption
//! stopped ([`around_all`]).

use super::{Executor, RunMeasurement, RunRequest};
use crate::config::BenchSpec;

/// A failure the lifecycle can make from a reason and read the reason of: a bare `String`, or
/// a caller's richer type.
pub trait Failure {
    fn because(reason: String) -> Self;
    fn into_reason(self) -> String;
}

impl Failure for String {
    fn because(reason: String) -> Self {
        reason
    }
    fn into_reason(self) -> String {
        self
    }
}

/// Why a step failed: what it was, how it ended, and the end of its stderr.
pub fn failed_step(what: &str, m: &RunMeasurement) -> String {
    let mut reason = format!("{what} {}", m.outcome.describe());
    if !m.stderr_tail.is_empty() {
        reason.push_str(&format!("; stderr: {}", m.stderr_tail));
    }
    reason
}

/// Runs `req`: its measurement, or why it failed, as [`failed_step`] words it.
pub fn step(
    exec: &mut dyn Executor,
    req: &RunRequest<'_>,
    what: &str,
) -> Result<RunMeasurement, String> {
    let m = exec.run(req);
    if m.outcome.success() {
        Ok(m)
    } else {
        Err(failed_step(what, &m))
    }
}

/// One benchmark: its setup, then `runs`, then its cleanup. The value of `runs`, or why the
/// benchmark failed.
pub fn around<T, F: Failure>(
    spec: &BenchSpec,
    exec: &mut dyn Executor,
    runs: impl FnOnce(&mut dyn Executor) -> Result<T, F>,
) -> Result<T, F> {
    // The leftovers of setup and cleanup are not kept apart here: the caller counts them all.
    let mut leaked = [0];
    around_all([spec], ["its"], exec, &mut leaked, |exec| {
        runs(exec).map_err(|f| (0, f))
    })
    .map_err(|(_, f)| f)
}

/// Benchmarks measured together (the two sides of an interleaved one): each one's setup in
/// order, then `runs`, then each one's cleanup in order. A failure says which benchmark (its
/// index) it is of; `owners` name whose cleanup ran in the reason after an interruption
/// ("its", or "baseline's"), and `leaked` adds up, per benchmark, the processes its setup and
/// cleanup left behind.
pub fn around_all<const N: usize, T, F: Failure>(
    specs: [&BenchSpec; N],
    owners: [&str; N],
    exec: &mut dyn Executor,
    leaked: &mut [u64; N],
    runs: impl FnOnce(&mut dyn Executor) -> Result<T, (usize, F)>,
) -> Result<T, (usize, F)> {
    if let Err((i, reason)) = setups(&specs, exec, leaked) {
        if exec.interrupted().is_none() {
            // A setup that failed by itself left nothing to clean up; the ones before it did.
            cleanups(&specs[..i], exec, leaked);
            return Err((i, F::because(reason)));
        }
        // An interrupted one may have left something.
        let cleaned = cleanups(&specs, exec, leaked);
        return Err((i, F::because(with_cleanups(reason, &cleaned, &owners))));
    }
    let outcome = runs(exec);
    let cleaned = cleanups(&specs, exec, leaked);
    if exec.interrupted().is_some() {
        let (i, stopped) = match outcome {
            Err((i, f)) => (i, f.into_reason()),
            Ok(_) => (N - 1, "its runs had finished".to_string()),
        };
        return Err((i, F::because(with_cleanups(stopped, &cleaned, &owners))));
    }
    let value = outcome?;
    // A cleanup failure fails benchmarks that had not failed already.
    let failed = cleaned
        .iter()
        .enumerate()
        .find_map(|(i, m)| m.as_ref().filter(|m| !m.outcome.success()).map(|m| (i, m)));
    match failed {
        Some((i, m)) => Err((i, F::because(failed_step("cleanup", m)))),
        None => Ok(value),
    }
}

/// Each benchmark's setup, until one fails: which one, and why.
fn setups(
    specs: &[&BenchSpec],
    exec: &mut dyn Executor,
    leaked: &mut [u64],
) -> Result<(), (usize, String)> {
    for (i, spec) in specs.iter().enumerate() {
        let Some(setup) = &spec.setup else {
            continue;
        };
        let m = exec.run(&RunRequest {
            keeps_background: true,
            ..RunRequest::of(spec, setup)
        });
        leaked[i] += u64::from(m.leftovers);
        if !m.outcome.success() {
            return Err((i, failed_step("setup", &m)));
        }
    }
    Ok(())
}

/// Each benchmark's cleanup, for those that have one. Cleanups run even after an
/// interruption (the executor then bounds them in time).
fn cleanups(
    specs: &[&BenchSpec],
    exec: &mut dyn Executor,
    leaked: &mut [u64],
) -> Vec<Option<RunMeasurement>> {
    let cleaned: Vec<_> = specs.iter().map(|s| cleanup(s, exec)).collect();
    for (n, m) in leaked.iter_mut().zip(&cleaned) {
        *n += m.as_ref().map_or(0, |m| u64::from(m.leftovers));
    }
    cleaned
}

fn cleanup(spec: &BenchSpec, exec: &mut dyn Executor) -> Option<RunMeasurement> {
    let command = spec.cleanup.as_ref()?;
    Some(exec.run(&RunRequest {
        cleanup: true,
        ..RunRequest::of(spec, command)
    }))
}

/// After an interruption: what was stopped, and how each cleanup went.
fn with_cleanups(stopped: String, cleaned: &[Option<RunMeasurement>], owners: &[&str]) -> String {
    let mut reason = stopped;
    for (m, owner) in cleaned.iter().zip(owners) {
        match m {
            None => {}
            Some(m) if m.outcome.success() => reason.push_str(&format!("; {owner} cleanup ran")),
            Some(m) => reason.push_str(&format!("; {owner} cleanup {}", m.outcome.describe())),
        }
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Exec;
    use crate::runner::executor::mock_measurement;
    use crate::runner::tests::spec;
    use crate::runner::{MockExecutor, RunOutcome};

    fn with_steps(cmd: &str) -> BenchSpec {
        let mut s = spec(&[cmd]);
        s.setup = Some(Exec::Argv(vec![format!("setup-{cmd}")]));
        s.cleanup = Some(Exec::Argv(vec![format!("cleanup-{cmd}")]));
        s
    }

    #[test]
    fn a_failed_setup_is_cleaned_up_for_the_benchmarks_set_up_before_it() {
        let (a, b) = (with_steps("a"), with_steps("b"));
        let mut seen = Vec::new();
        let mut ex = MockExecutor::new(|req: &RunRequest<'_>| {
            seen.push(req.exec.display());
            let mut m = mock_measurement(req);
            if req.exec.display() == "setup-b" {
                m.outcome = RunOutcome::Exited(2);
                m.stderr_tail = "no port".into();
            }
            m
        });
        let mut leaked = [0; 2];
        let r: Result<(), (usize, String)> =
            around_all([&a, &b], ["a's", "b's"], &mut ex, &mut leaked, |_| {
                unreachable!("no runs after a failed setup")
            });
        assert_eq!(
            r,
            Err((1, "setup exited with status 2; stderr: no port".into()))
        );
        assert_eq!(seen, ["setup-a", "setup-b", "cleanup-a"]);
    }

    #[test]
    fn a_failed_cleanup_fails_a_benchmark_whose_runs_went_well_and_only_that() {
        let s = with_steps("x");
        let failing_cleanup = |req: &RunRequest<'_>| {
            let mut m = mock_measurement(req);
            if req.cleanup {
                m.outcome = RunOutcome::Exited(1);
            }
            m
        };
        let mut ex = MockExecutor::new(failing_cleanup);
        let ok: Result<u32, String> = around(&s, &mut ex, |_| Ok(7));
        assert_eq!(ok, Err("cleanup exited with status 1".into()));
        let mut ex = MockExecutor::new(failing_cleanup);
        let failed: Result<u32, String> = around(&s, &mut ex, |_| Err("run 1 failed".into()));
        assert_eq!(failed, Err("run 1 failed".into()));
        assert_eq!(ex.calls, 2, "setup and cleanup");
    }
}
