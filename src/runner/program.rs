//! Which file a benchmark's command runs. One lookup, used both to execute the command
//! ([`super::spawn`]) and by `attest` to hash it, so that the file attested is the file run.
//!
//! A command line is its `argv`, or `sh -c SCRIPT` for a shell command. Its first word, when
//! it has a `/`, is a path relative to the benchmark's working directory; otherwise it is
//! searched on `PATH`: the benchmark's own when its `env` sets one, else perfgate's, with
//! relative entries taken relative to the benchmark's working directory (where the process
//! starts, so where `execve` resolves them).

use std::collections::BTreeMap;
use std::ffi::{CString, OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::config::Exec;

/// The search path when neither the benchmark nor perfgate's environment has a `PATH`.
const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// The argument vector a command runs with: its own, or `sh -c SCRIPT`.
pub fn argv(exec: &Exec) -> Vec<OsString> {
    match exec {
        Exec::Argv(argv) => argv.iter().map(OsString::from).collect(),
        Exec::Shell(script) => ["sh", "-c", script.as_str()]
            .iter()
            .map(OsString::from)
            .collect(),
    }
}

/// The program a command starts, and the file that is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// As the command line names it: `argv[0]`, or `sh` for a shell command.
    pub name: String,
    /// The file, seen from perfgate's working directory; or why there is none.
    pub file: Result<PathBuf, String>,
}

/// The program `exec` starts when run with `env` in `cwd`.
pub fn program(exec: &Exec, env: &BTreeMap<String, String>, cwd: &Path) -> Program {
    let args = argv(exec);
    let first = args.first().cloned().unwrap_or_default();
    Program {
        name: first.to_string_lossy().into_owned(),
        file: locate(&first, env, cwd).map(|in_cwd| cwd.join(in_cwd)),
    }
}

/// The file `name` (a command's `argv[0]`) runs, as `execve` takes it in `cwd`: absolute, or
/// relative to `cwd`. The error says why there is none.
pub fn locate(name: &OsStr, env: &BTreeMap<String, String>, cwd: &Path) -> Result<PathBuf, String> {
    let name = Path::new(name);
    if name.as_os_str().is_empty() {
        return Err("empty command".into());
    }
    if name.as_os_str().as_bytes().contains(&b'/') {
        let here = cwd.join(name);
        return if here.is_file() {
            Ok(name.to_path_buf())
        } else if here.is_dir() {
            Err(format!("{}: is a directory, not a program", here.display()))
        } else {
            Err(format!("{}: no such file", here.display()))
        };
    }
    std::env::split_paths(&search_path(env))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(&cwd.join(candidate)))
        .ok_or_else(|| format!("{}: command not found on PATH", name.display()))
}

/// The `PATH` a benchmark's processes see: its own, else perfgate's, else the default.
fn search_path(env: &BTreeMap<String, String>) -> OsString {
    env.get("PATH")
        .map(OsString::from)
        .or_else(|| std::env::var_os("PATH"))
        .unwrap_or_else(|| DEFAULT_PATH.into())
}

/// A file this process may execute (as `execve` would check it, not from the mode bits alone).
fn is_executable(p: &Path) -> bool {
    let Ok(c) = CString::new(p.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: c is a valid NUL-terminated path.
    p.is_file() && unsafe { libc::access(c.as_ptr(), libc::X_OK) } == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn executable(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn env_path(path: &str) -> BTreeMap<String, String> {
        [("PATH".to_string(), path.to_string())].into()
    }

    #[test]
    fn relative_path_entries_and_names_are_taken_from_the_benchmarks_directory() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path().join("bench");
        executable(&cwd.join("tools/tool"));
        // A directory of that name earlier on PATH is not the program.
        std::fs::create_dir_all(cwd.join("first/tool")).unwrap();
        let env = env_path("first:tools:/usr/bin:/bin");
        assert_eq!(
            locate(OsStr::new("tool"), &env, &cwd),
            Ok(PathBuf::from("tools/tool"))
        );
        let found = program(&Exec::Argv(vec!["tool".into()]), &env, &cwd);
        assert_eq!(found.name, "tool");
        assert_eq!(found.file, Ok(cwd.join("tools/tool")));
        let by_path = program(&Exec::Argv(vec!["./tools/tool".into()]), &env, &cwd);
        assert_eq!(by_path.file, Ok(cwd.join("./tools/tool")));
        let err = locate(OsStr::new("./first/tool"), &env, &cwd).unwrap_err();
        assert!(
            err.ends_with("first/tool: is a directory, not a program"),
            "{err}"
        );
        let err = locate(OsStr::new("nothing"), &env, &cwd).unwrap_err();
        assert_eq!(err, "nothing: command not found on PATH");
    }

    #[test]
    fn a_shell_command_runs_the_sh_found_on_the_benchmarks_path() {
        let dir = tempfile::tempdir().unwrap();
        executable(&dir.path().join("bin/sh"));
        let env = env_path("bin:/usr/bin:/bin");
        let found = program(&Exec::Shell("echo hi".into()), &env, dir.path());
        assert_eq!(found.name, "sh");
        assert_eq!(found.file, Ok(dir.path().join("bin/sh")));
        assert_eq!(
            argv(&Exec::Shell("echo hi".into())),
            ["sh", "-c", "echo hi"]
        );
    }

    #[test]
    fn a_file_without_execute_permission_is_not_found_on_path() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a/tool");
        executable(&plain);
        std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).unwrap();
        executable(&dir.path().join("b/tool"));
        let env = env_path("a:b");
        assert_eq!(
            locate(OsStr::new("tool"), &env, dir.path()),
            Ok(PathBuf::from("b/tool"))
        );
    }
}
