//! The process side of replay manifests: which file each benchmark's command starts (and its
//! SHA-256), and one run of a deterministic benchmark with its stdout captured. Runs go through
//! the runner's [`Executor`], so a replay starts processes exactly as `perfgate run` does
//! (same PATH lookup, environment, cwd, process group, time-out).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::replay::Executable;
use crate::config::{BenchSpec, Exec};
use crate::digest::sha256_hex;
use crate::runner::{Executor, RunRequest};

/// The program a `shell` benchmark starts.
pub const SHELL: &str = "/bin/sh";
const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// The environment of a replayed run: the settings' variables (`threads`, `seed`), then the
/// benchmark's `env`, and `PERFGATE_SEED` = `seed` when neither sets it.
pub fn run_env(spec: &BenchSpec, seed: u64) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = spec.settings.env().into_iter().collect();
    env.extend(spec.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    env.entry("PERFGATE_SEED".into())
        .or_insert_with(|| seed.to_string());
    env
}

/// `argv[0]` (or [`SHELL`]) and where it is: a name with a `/` relative to `cwd`, any other
/// name searched on `PATH` (the benchmark's own `PATH` if its `env` sets one), relative `PATH`
/// entries taken relative to `cwd`.
pub fn resolve(
    exec: &Exec,
    env: &BTreeMap<String, String>,
    cwd: &Path,
) -> (String, Result<PathBuf, String>) {
    let program = match exec {
        Exec::Shell(_) => SHELL.to_string(),
        Exec::Argv(argv) => argv.first().cloned().unwrap_or_default(),
    };
    let path_var = env
        .get("PATH")
        .map(OsString::from)
        .or_else(|| std::env::var_os("PATH"))
        .unwrap_or_else(|| DEFAULT_PATH.into());
    let found = search(&program, &path_var, cwd, is_executable_file);
    (program, found)
}

fn search(
    program: &str,
    path_var: &OsString,
    cwd: &Path,
    is_executable: impl Fn(&Path) -> bool,
) -> Result<PathBuf, String> {
    if program.is_empty() {
        return Err("empty command".into());
    }
    if program.contains('/') {
        let p = cwd.join(program);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("{}: no such file", p.display()))
        };
    }
    std::env::split_paths(path_var)
        .map(|dir| cwd.join(dir).join(program))
        .find(|candidate| is_executable(candidate))
        .ok_or_else(|| format!("{program}: command not found on PATH"))
}

fn is_executable_file(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// What each benchmark's command starts now, with the file's SHA-256.
pub fn executables(benches: &[BenchSpec]) -> Vec<Executable> {
    benches
        .iter()
        .map(|spec| {
            let (program, found) = resolve(&spec.exec, &spec.env, &spec.cwd);
            let hashed = found.and_then(|path| {
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
                program,
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
    let env = run_env(spec, seed);
    let out = tempfile::tempfile().map_err(|e| format!("cannot create a temporary file: {e}"))?;
    let mut step = |what: &str, exec: &Exec, stdout: Option<&File>| {
        let m = executor.run(&RunRequest {
            exec,
            env: &env,
            cwd: &spec.cwd,
            timeout: spec.timeout,
            capture_stdout: stdout,
            scan_metrics: false,
            pin: &spec.settings.pin,
            sample_gpu: false,
            cleanup: what == "cleanup",
            keeps_background: what == "setup",
        });
        if m.outcome.success() {
            return Ok(());
        }
        let mut reason = format!("{what} {}", m.outcome.describe());
        if !m.stderr_tail.is_empty() {
            reason.push_str(&format!("; stderr: {}", m.stderr_tail));
        }
        Err(reason)
    };
    if let Some(setup) = &spec.setup {
        step("setup", setup, None)?;
    }
    let mut result = spec
        .prepare
        .as_ref()
        .map_or(Ok(()), |p| step("prepare", p, None))
        .and_then(|()| step("the run", &spec.exec, Some(&out)));
    if let Some(cleanup) = &spec.cleanup {
        let cleaned = step("cleanup", cleanup, None);
        result = result.and(cleaned);
    }
    result?;
    let mut bytes = Vec::new();
    let mut out = out;
    out.seek(SeekFrom::Start(0))
        .and_then(|_| out.read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read the captured stdout: {e}"))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::executor::mock_measurement;
    use crate::runner::MockExecutor;

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
    fn names_resolve_on_path_relative_to_the_cwd_and_shells_are_bin_sh() {
        let cwd = Path::new("/proj");
        let path: OsString = "bin:/usr/bin".into();
        let only = |want: &'static str| move |p: &Path| p == Path::new(want);
        assert_eq!(
            search("tool", &path, cwd, only("/proj/bin/tool")),
            Ok(PathBuf::from("/proj/bin/tool"))
        );
        assert_eq!(
            search("tool", &path, cwd, only("/usr/bin/tool")),
            Ok(PathBuf::from("/usr/bin/tool"))
        );
        let err = search("tool", &path, cwd, |_| false).unwrap_err();
        assert_eq!(err, "tool: command not found on PATH");
        let (program, _) = resolve(&Exec::Shell("cat x".into()), &BTreeMap::new(), cwd);
        assert_eq!(program, SHELL);
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
}
