//! How to reproduce what an issue reports: the commands that measure the critical metrics of
//! a comparison at both commits, or re-run a report's failed benchmarks. They go into an issue
//! read on other machines, so they run from the repository root (or the config's directory)
//! and name the config relative to it.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::gate::{Comparison, Verdict};
use crate::model::{BenchStatus, Report};

/// How to reproduce the critical (and failed) metrics of `c`: a run at each commit, then
/// their comparison.
pub fn reproduce_regressions(c: &Comparison, config: Option<&Config>) -> String {
    let mut names: Vec<&str> = c
        .metrics
        .iter()
        .filter(|m| matches!(m.status, Verdict::Critical | Verdict::Failed))
        .map(|m| m.benchmark.as_str())
        .collect();
    names.dedup();
    let regex = names
        .iter()
        .map(|n| regex_escape(n))
        .collect::<Vec<_>>()
        .join("|");
    let (root, config) = config_flag(config);
    let base = c.baseline.commit.as_deref().unwrap_or("BASELINE_COMMIT");
    let cur = c.current.commit.as_deref().unwrap_or("HEAD");
    let from = root.comment();
    format!(
        "{from}\ngit checkout {base} && perfgate run{config} --filter {f} --json-out base.json\ngit checkout {cur} && perfgate run{config} --filter {f} --json-out cur.json\nperfgate compare cur.json base.json",
        f = crate::shell::quote(&format!("^({regex})$"))
    )
}

/// How to re-run the failed benchmarks of a report that has no baseline.
pub fn reproduce_failures(r: &Report, config: Option<&Config>) -> String {
    let regex = r
        .benchmarks
        .iter()
        .filter(|b| b.status == BenchStatus::Failed)
        .map(|b| regex_escape(&b.name))
        .collect::<Vec<_>>()
        .join("|");
    let checkout = r
        .git
        .as_ref()
        .map_or(String::new(), |g| format!("git checkout {} && ", g.commit));
    let (root, config) = config_flag(config);
    format!(
        "{}\n{checkout}perfgate run{config} --filter {}",
        root.comment(),
        crate::shell::quote(&format!("^({regex})$"))
    )
}

/// Where the reproduction commands run from.
enum Root {
    /// The top of the git work tree.
    Repository,
    /// The config's directory, outside git.
    ConfigDir,
}

impl Root {
    fn comment(&self) -> &'static str {
        match self {
            Root::Repository => "# from the repository root",
            Root::ConfigDir => "# from the config's directory",
        }
    }
}

/// The config's path relative to where the commands run: the commands go into an issue,
/// read on other machines, where this machine's absolute paths mean nothing.
fn from_root(config: &Path) -> Option<(Root, PathBuf)> {
    let abs = std::fs::canonicalize(config).ok()?;
    let dir = abs.parent()?;
    let repo = crate::git::toplevel(dir).and_then(|r| std::fs::canonicalize(r).ok());
    match repo {
        Some(top) => Some((Root::Repository, abs.strip_prefix(&top).ok()?.to_path_buf())),
        None => Some((Root::ConfigDir, PathBuf::from(abs.file_name()?))),
    }
}

/// Where a reproduction command runs from, and its ` --config PATH` relative to there (or
/// nothing without a config file).
fn config_flag(config: Option<&Config>) -> (Root, String) {
    match config.and_then(|c| c.path.as_deref()).and_then(from_root) {
        Some((root, path)) => (
            root,
            format!(
                " --config {}",
                crate::shell::quote(&path.display().to_string())
            ),
        ),
        None => (Root::Repository, String::new()),
    }
}

/// `s` as a regular expression that matches it literally.
fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
