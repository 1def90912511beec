//! `perfgate detect`: change points in the recorded history of each metric (this machine,
//! per device, optionally one branch and since a revision), or in series from a file.
//! Reports; never gates (exit 0), 2 on bad input. Glue: the options into a [`DetectPlan`],
//! the series through [`crate::engine`], out through [`crate::render::detect`].

use std::path::Path;

use super::{common, print_stdout};
use crate::cli::{DetectArgs, Format};
use crate::config::Config;
use crate::engine;
use crate::error::{Error, ExitStatus, Result};
use crate::plan::DetectPlan;
use crate::render::detect::{self as render, Series};

pub fn detect(args: DetectArgs) -> Result<ExitStatus> {
    let config = common::optional_config(None)?;
    let plan = args.plan(config.as_ref())?;
    let found = match &args.input {
        Some(path) => from_file(path, &plan)?,
        None => from_store(&args, config.as_ref(), &plan)?,
    };
    let opts = &plan.options;
    let text = match args.format {
        Format::Json => render::json(&found, opts),
        Format::Human | Format::Md => render::text(&found, opts, args.format == Format::Md),
    };
    print_stdout(&text)?;
    Ok(ExitStatus::Pass)
}

/// Every selected series recorded on this machine (per device), with its change points.
fn from_store(
    args: &DetectArgs,
    config: Option<&Config>,
    plan: &DetectPlan,
) -> Result<Vec<Series>> {
    common::check_pattern("--bench", args.bench.as_deref())?;
    common::check_pattern("--metric", args.metric.as_deref())?;
    let path = common::store_path(&args.store, config);
    if !path.is_file() {
        return Err(Error::Usage(format!(
            "no history store at {}",
            path.display()
        )));
    }
    let store = common::open_store_read(&path)?;
    let since = args.since.as_deref().map(resolve).transpose()?;
    let found = engine::detect_recorded(
        &store,
        &args.runs(config)?,
        args.pick(),
        since.as_deref(),
        plan,
    )?;
    if found.missed() {
        common::note_no_match(
            args.bench.as_deref(),
            args.metric.as_deref(),
            &found.recorded,
        );
    }
    Ok(found.items)
}

/// A recorded commit prefix, or what git resolves `rev` to.
fn resolve(rev: &str) -> Result<String> {
    if rev.len() >= 4 && rev.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(rev.to_lowercase());
    }
    crate::git::commit_of(rev)?
        .ok_or_else(|| Error::Usage(format!("--since {rev}: not a commit git knows")))
}

/// The series of a file (see [`engine::parse_series`]), with their change points.
fn from_file(path: &Path, plan: &DetectPlan) -> Result<Vec<Series>> {
    let text =
        crate::read::text(path).map_err(|e| Error::input(path, format!("cannot read: {e}")))?;
    let series = engine::parse_series(&text).map_err(|m| Error::input(path, m))?;
    Ok(engine::detect_given(series, plan))
}
