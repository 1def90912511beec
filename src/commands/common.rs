//! Glue shared by the commands that use the store: where it is, which config applies, and
//! which baseline a comparison uses.

use std::path::{Path, PathBuf};

use crate::cli::StoreArgs;
use crate::config::{self, Config};
use crate::error::{Error, Result};
use crate::store::{self, Store, DEFAULT_STORE_PATH};

/// The config named by `explicit`, else the one found from the current directory, else none.
pub(crate) fn optional_config(explicit: Option<&Path>) -> Result<Option<Config>> {
    if let Some(p) = explicit {
        return config::load(p).map(Some);
    }
    match std::env::current_dir()
        .ok()
        .and_then(|d| config::discover(&d))
    {
        Some(p) => config::load(&p).map(Some),
        None => Ok(None),
    }
}

/// `--store`/`PERFGATE_STORE`, else `.perfgate/perfgate.db` under the project root: the
/// config's directory, else the git work tree's top, else the current directory.
pub(crate) fn store_path(args: &StoreArgs, config: Option<&Config>) -> PathBuf {
    if let Some(p) = &args.store {
        return p.clone();
    }
    let root = match config {
        Some(c) if c.path.is_some() => c.root(),
        _ => crate::git::toplevel(std::path::Path::new(".")).unwrap_or_else(|| PathBuf::from(".")),
    };
    root.join(DEFAULT_STORE_PATH)
}

/// Opens (creating when needed) the store at `location`: [`crate::store::open`].
pub(crate) fn open_store(location: &Path) -> Result<Box<dyn Store>> {
    Ok(store::open(location)?)
}

/// The store at `location` for a command that only reads it: [`crate::store::open_read_only`].
pub(crate) fn open_store_read(location: &Path) -> Result<Box<dyn Store>> {
    Ok(store::open_read_only(location)?)
}

/// Refuses (exit 2) a `--bench`/`--metric` glob that cannot mean what was meant.
pub(crate) fn check_pattern(flag: &str, pattern: Option<&str>) -> Result<()> {
    match pattern.map(crate::model::threshold::glob_check) {
        Some(Err(why)) => Err(Error::Usage(format!(
            "{flag} `{}`: invalid pattern: {why}",
            pattern.unwrap_or_default()
        ))),
        _ => Ok(()),
    }
}

/// Says on stderr that the store has series but none matches the patterns: an empty output
/// would otherwise look like an empty history.
pub(crate) fn note_no_match(
    bench: Option<&str>,
    metric: Option<&str>,
    recorded: &[(String, String)],
) {
    let mut asked = Vec::new();
    if let Some(b) = bench {
        asked.push(format!("--bench `{b}`"));
    }
    if let Some(m) = metric {
        asked.push(format!("--metric `{m}`"));
    }
    let mut names: Vec<&str> = recorded.iter().map(|(b, _)| b.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let mut metrics: Vec<&str> = recorded.iter().map(|(_, m)| m.as_str()).collect();
    metrics.sort_unstable();
    metrics.dedup();
    let list = |v: &[&str]| {
        // Debug-quoted: a name is the harness's, and may hold control characters.
        let shown: Vec<String> = v.iter().take(10).map(|s| format!("{s:?}")).collect();
        let more = if v.len() > 10 {
            format!(", ... ({} in all)", v.len())
        } else {
            String::new()
        };
        format!("{}{more}", shown.join(", "))
    };
    super::print_stderr(&format!(
        "perfgate: note: nothing recorded matches {} (benchmarks: {}; metrics: {})\n",
        asked.join(" "),
        list(&names),
        list(&metrics)
    ));
}

/// How a baseline is found and what of it is compared: the engine's, so that `compare`,
/// `history` and `report` use the baseline `check` would.
pub(crate) use crate::engine::{
    check_same_testbed, noise_rules, resolve_baseline, restrict_to_selection, BaselineSource,
    Resolved,
};
