//! `perfgate ingest`: a harness's output -> a report (table on stdout, JSON with --json-out),
//! optionally recorded in the history store.

use std::path::Path;

use super::{common, print_stderr, print_stdout, run::emit};
use crate::cli::IngestArgs;
use crate::context;
use crate::error::{Error, ExitStatus, Result};
use crate::ingest::{self, Input, ReportContext};
use crate::store::Store;

pub fn ingest(args: IngestArgs) -> Result<ExitStatus> {
    let input = Input::read(&args.path)
        .map_err(|e| Error::input(&args.path, format!("cannot read: {e}")))?;
    let (format, parsed) =
        ingest::parse(args.format.as_str(), &input).map_err(|e| Error::Usage(e.to_string()))?;
    // The text is parsed: its memory goes back before the report is built.
    drop(input);
    let config = common::optional_config(None)?;
    let default_suite = config
        .as_ref()
        .map_or_else(|| "ingested".to_string(), |c| c.suite.clone());
    let git_dir = match &args.path {
        p if p == Path::new("-") => std::path::PathBuf::from("."),
        p => p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| std::path::PathBuf::from("."), Path::to_path_buf),
    };
    let ctx = ReportContext {
        suite: args
            .suite
            .clone()
            .or_else(|| parsed.report.as_ref().map(|r| r.suite.clone()))
            .unwrap_or(default_suite),
        timestamp_utc: context::timestamp_utc(),
        git: crate::git::info(&git_dir),
        machine: context::machine(),
        testbed: None,
        device: "cpu".into(),
        config_sha256: crate::digest::sha256_hex(format!("ingest:{format}").as_bytes()),
        seed: args.seed,
        tags: args.tags.clone(),
        command: None,
    };
    let report = ingest::to_report(format, parsed, &ctx);
    emit(&report, args.json_out.as_deref())?;
    if args.record {
        let path = common::store_path(&args.store, config.as_ref());
        let mut store = common::open_store(&path)?;
        let id = store.record(&report)?;
        let note = format!("recorded as run {id} in {}\n", path.display());
        if args.json_out.as_deref() == Some(Path::new("-")) {
            print_stderr(&note);
        } else {
            print_stdout(&note)?;
        }
    }
    Ok(ExitStatus::Pass)
}
