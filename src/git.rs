//! Every `git` perfgate runs, in one place: the state of a checkout (recorded with each
//! report), its top directory, the hooks directory, commits named by the user, and bisection.
//! perfgate runs the `git` program rather than linking a git library: the checkout is the
//! user's, with the user's configuration, and nothing here needs more than a few commands.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::error::{Error, Result};
use crate::model::GitInfo;

/// `git ARGS` in `dir` (the current directory when `None`): its trimmed stdout, or an error
/// that says which command failed and git's own message.
pub fn run(dir: Option<&Path>, args: &[&str]) -> Result<String> {
    let out = output(dir, args)?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `git ARGS` with its stdout and stderr captured and its exit status left to the caller.
pub fn output<S: AsRef<OsStr>>(dir: Option<&Path>, args: &[S]) -> Result<Output> {
    let mut cmd = Command::new("git");
    cmd.args(args).stdin(Stdio::null());
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    cmd.output().map_err(|e| Error::Io {
        context: "cannot run git".into(),
        source: e,
    })
}

/// `git ARGS` in `dir` for a question whose answer may be "no": the trimmed stdout, or `None`
/// when git is missing, the directory is not in a repository, or the command fails.
fn query(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The git state of the checkout containing `dir`, or `None` outside a repository (or without
/// git installed).
pub fn info(dir: &Path) -> Option<GitInfo> {
    let commit = query(dir, &["rev-parse", "HEAD"])?;
    let branch = query(dir, &["symbolic-ref", "--short", "-q", "HEAD"]).filter(|b| !b.is_empty());
    let dirty = query(dir, &["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|s| !s.is_empty());
    Some(GitInfo {
        commit,
        branch,
        dirty,
    })
}

/// The top of the git work tree containing `dir`, or `None` outside one (or without git).
pub fn toplevel(dir: &Path) -> Option<PathBuf> {
    query(dir, &["rev-parse", "--show-toplevel"]).map(PathBuf::from)
}

/// The hooks directory of the repository at the current directory (honours
/// `core.hooksPath`), absolute.
pub fn hooks_dir() -> Result<PathBuf> {
    let out = output(None, &["rev-parse", "--git-path", "hooks"])?;
    if !out.status.success() {
        return Err(Error::Usage(
            "not inside a git repository: a hook needs one".into(),
        ));
    }
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    Ok(if dir.is_absolute() {
        dir
    } else {
        std::env::current_dir().unwrap_or_default().join(dir)
    })
}

/// The full id of the commit `rev` names, or `None` when git does not know it as a commit.
pub fn commit_of(rev: &str) -> Result<Option<String>> {
    let out = output(
        None,
        &["rev-parse", "--verify", &format!("{rev}^{{commit}}")],
    )?;
    Ok(out
        .status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()))
}
