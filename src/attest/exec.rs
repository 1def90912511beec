//! The process side of replay manifests: which file each benchmark's command starts (and its
//! SHA-256), and one run of a deterministic benchmark with its stdout captured. Both come from
//! the runner: the file is the one its program lookup finds for `perfgate run` to execute, and
//! the run goes through its [`Executor`] and lifecycle, so a replay starts processes exactly as
//! `perfgate run` does (same PATH lookup, environment, cwd, process group, time-out, setup and
//! cleanup).

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};

use super::replay::Executable;
use crate::config::BenchSpec;
use crate::digest::sha256_hex;
use crate::error::{Error, Result};
use crate::runner::program::{program, Program};
use crate::runner::{interrupt, lifecycle, Executor, ProcessExecutor, RunRequest};

/// Per deterministic benchmark, by name: the SHA-256 of its stdout, or why its run failed.
pub type Outputs = BTreeMap<String, Result<String, String>>;

/// The executor of replayed runs: real processes, their output captured, not shown.
pub fn process_executor() -> Result<Box<dyn Executor>> {
    let executor = ProcessExecutor::new(false).map_err(|e| Error::Io {
        context: "cannot create a temporary file for benchmark stderr".into(),
        source: e,
    })?;
    Ok(Box::new(executor))
}

/// Runs each deterministic benchmark of `benches` once with `seed`. The executor is consumed:
/// it (and its signal handler) is gone before the interruption check, so a signal that came
/// during the runs is seen, and an interrupted run is an error, never incomplete outputs.
pub fn run_deterministic(
    benches: &[BenchSpec],
    seed: u64,
    mut executor: Box<dyn Executor>,
) -> Result<Outputs> {
    let outputs = benches
        .iter()
        .filter(|b| b.deterministic)
        .map(|b| {
            let hash = capture(b, seed, executor.as_mut()).map(|out| sha256_hex(&out));
            (b.name.clone(), hash)
        })
        .collect();
    drop(executor);
    interrupt::ensure_not_interrupted().map_err(Error::Interrupted)?;
    Ok(outputs)
}

/// The environment of a replayed run: the settings' variables (`threads`, `seed`), then the
/// benchmark's `env`, and `PERFGATE_SEED` = `seed` when neither sets it.
pub fn run_env(spec: &BenchSpec, seed: u64) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = spec.settings.env().into_iter().collect();
    env.extend(spec.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    env.entry("PERFGATE_SEED".into())
        .or_insert_with(|| seed.to_string());
    env
}

/// What each benchmark's command starts now, with the file's SHA-256.
pub fn executables(benches: &[BenchSpec]) -> Vec<Executable> {
    benches
        .iter()
        .map(|spec| {
            // The file `perfgate run` executes for this benchmark.
            let Program { name, file } = program(&spec.exec, &spec.env, &spec.cwd);
            let hashed = file.and_then(|path| {
                std::fs::read(&path)
                    .map(|bytes| (path.display().to_string(), sha256_hex(&bytes)))
                    .map_err(|e| format!("{}: cannot read: {e}", path.display()))
            });
            let (path, sha256, error) = match hashed {
                Ok((path, hash)) => (Some(path), Some(hash), None),
                Err(e) => (None, None, Some(e)),
            };
            Executable {
                bench: spec.name.clone(),
                program: name,
                path,
                sha256,
                error,
            }
        })
        .collect()
}

/// Runs `spec` once as a benchmark run would be (setup, prepare, the command, cleanup) and
/// returns the command's stdout; the error says which step failed and how.
pub fn capture(
    spec: &BenchSpec,
    seed: u64,
    executor: &mut dyn Executor,
) -> Result<Vec<u8>, String> {
    if !crate::context::device_present(&spec.device) {
        return Err(format!(
            "device `{}` is not present on this machine",
            spec.device
        ));
    }
    // Every step of a replayed run gets the replay's environment.
    let spec = BenchSpec {
        env: run_env(spec, seed),
        ..spec.clone()
    };
    let mut out =
        tempfile::tempfile().map_err(|e| format!("cannot create a temporary file: {e}"))?;
    lifecycle::around(&spec, executor, |exec| {
        if let Some(prepare) = &spec.prepare {
            lifecycle::step(exec, &RunRequest::of(&spec, prepare), "prepare")?;
        }
        let req = RunRequest {
            capture_stdout: Some(&out),
            ..RunRequest::of(&spec, &spec.exec)
        };
        lifecycle::step(exec, &req, "the run").map(drop)
    })?;
    let mut bytes = Vec::new();
    out.seek(SeekFrom::Start(0))
        .and_then(|_| out.read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read the captured stdout: {e}"))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Exec;
    use crate::runner::executor::mock_measurement;
    use crate::runner::MockExecutor;
    use std::path::Path;

    fn spec(exec: Exec) -> BenchSpec {
        let mut s = crate::config::parse(
            "suite = \"t\"\n[[bench]]\nname = \"b\"\ncommand = [\"x\"]\n",
            Path::new("perfgate.toml"),
            Path::new("/proj"),
        )
        .unwrap()
        .benches
        .remove(0);
        s.exec = exec;
        s
    }

    #[test]
    fn the_seed_is_exported_unless_the_benchmark_sets_its_own() {
        let mut s = spec(Exec::Argv(vec!["true".into()]));
        assert_eq!(run_env(&s, 42)["PERFGATE_SEED"], "42");
        s.settings.seed = Some(7);
        assert_eq!(run_env(&s, 42)["PERFGATE_SEED"], "7");
        s.env.insert("PERFGATE_SEED".into(), "9".into());
        assert_eq!(run_env(&s, 42)["PERFGATE_SEED"], "9");
    }

    #[test]
    fn setup_runs_first_cleanup_last_and_a_failed_run_is_explained() {
        let mut s = spec(Exec::Argv(vec!["false".into()]));
        s.setup = Some(Exec::Argv(vec!["setup".into()]));
        s.cleanup = Some(Exec::Argv(vec!["cleanup".into()]));
        let mut seen = Vec::new();
        let mut ex = MockExecutor::new(|req: &RunRequest<'_>| {
            seen.push(req.exec.display());
            mock_measurement(req)
        });
        let err = capture(&s, 1, &mut ex).unwrap_err();
        assert!(err.starts_with("the run exited with status 1"), "{err}");
        assert_eq!(seen, ["setup", "false", "cleanup"]);
    }

    #[test]
    fn only_deterministic_benchmarks_run_and_each_failure_is_kept() {
        let mut ok = spec(Exec::Argv(vec!["true".into()]));
        ok.deterministic = true;
        let failing = BenchSpec {
            name: "f".into(),
            exec: Exec::Argv(vec!["false".into()]),
            ..ok.clone()
        };
        let timed = BenchSpec {
            name: "t".into(),
            deterministic: false,
            ..ok.clone()
        };
        let ex = Box::new(MockExecutor::new(mock_measurement));
        let outputs = run_deterministic(&[ok, failing, timed], 1, ex).unwrap();
        let names: Vec<_> = outputs.keys().map(String::as_str).collect();
        assert_eq!(names, ["b", "f"]);
        assert_eq!(outputs["b"], Ok(sha256_hex(b"")));
        assert!(outputs["f"]
            .as_ref()
            .unwrap_err()
            .contains("exited with status 1"));
    }
}
