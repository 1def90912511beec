//! `perfgate baseline save|list|show|rm|export|import`.

use std::path::Path;

use super::common;
use super::compare::with_default_thresholds;
use super::print_stdout;
use crate::cli::{
    BaselineCommand, BaselineExportArgs, BaselineImportArgs, BaselineNameArgs, BaselineSaveArgs,
    StoreArgs,
};
use crate::config::Config;
use crate::context;
use crate::error::{Error, ExitStatus, Result};
use crate::gate::baseline::{moved_to, pool};
use crate::model::file::{read_report, write_json};
use crate::model::{Machine, Report};
use crate::render::{style::table, style::Style, terminal};
use crate::store::{BaselineKey, RunFilter, Store};

pub fn baseline(cmd: BaselineCommand) -> Result<ExitStatus> {
    match cmd {
        BaselineCommand::Save(a) => save(a),
        BaselineCommand::List(a) => list(&a.store),
        BaselineCommand::Show(a) => show(&a),
        BaselineCommand::Rm(a) => rm(&a),
        BaselineCommand::Export(a) => export(&a),
        BaselineCommand::Import(a) => import(&a),
    }
}

fn open(store: &StoreArgs, config: Option<&Config>) -> Result<Box<dyn Store>> {
    common::open_store(&common::store_path(store, config))
}

/// For `list`, `show` and `export`, which only read (a read-only store included).
fn open_read(store: &StoreArgs, config: Option<&Config>) -> Result<Box<dyn Store>> {
    common::open_store_read(&common::store_path(store, config))
}

fn suite_of(explicit: &Option<String>, config: Option<&Config>) -> Result<String> {
    explicit
        .clone()
        .or_else(|| config.map(|c| c.suite.clone()))
        .ok_or_else(|| {
            Error::Usage(
                "which suite? pass --suite, or run from a directory with a perfgate.toml".into(),
            )
        })
}

fn save(a: BaselineSaveArgs) -> Result<ExitStatus> {
    let config = common::optional_config(a.select.config.as_deref())?;
    let mut store = open(&a.store, config.as_ref())?;
    let machine = context::machine();
    let (report, source) = source_report(&a, config.as_ref(), &store, &machine)?;
    if report.benchmarks.iter().all(|b| b.metrics.is_empty()) {
        return Err(Error::Usage(format!(
            "{source} has no measured metrics: nothing to save"
        )));
    }
    if let Some(path) = &a.file {
        return save_to_file(path, &report, &source);
    }
    let key = BaselineKey {
        suite: a
            .select
            .suite
            .clone()
            .unwrap_or_else(|| report.suite.clone()),
        device: a
            .select
            .device
            .clone()
            .unwrap_or_else(|| report.device.clone()),
        machine_id: report.machine.id.clone(),
        name: a.select.name.clone(),
    };
    let old = store.baseline(&key)?;
    let report = moved_to(old.as_ref(), &report);
    store.save_baseline(&key, &report, &source)?;
    let here = if key.machine_id == machine.id {
        "this machine"
    } else {
        "another machine"
    };
    print_stdout(&format!(
        "saved baseline `{}` (suite `{}`, device `{}`, {here} {}) from {source}: {} benchmarks\n",
        key.name,
        key.suite,
        key.device,
        key.machine_id,
        report.benchmarks.len()
    ))?;
    Ok(ExitStatus::Pass)
}

/// The report to save and where it came from, in words: a report file, a recorded run, or
/// this machine's latest run (or last `--runs N`, pooled).
fn source_report(
    a: &BaselineSaveArgs,
    config: Option<&Config>,
    store: &dyn Store,
    machine: &Machine,
) -> Result<(Report, String)> {
    if let Some(path) = &a.report {
        return Ok((read_report(path)?, format!("report {}", path.display())));
    }
    if let Some(id) = a.run {
        return Ok((store.report(id)?, format!("run {id}")));
    }
    if let Some(h) = a.from_history.as_deref().filter(|h| *h != "last") {
        return Err(Error::Usage(format!(
            "--from-history {h}: only `last` is supported (or --runs N)"
        )));
    }
    let suite = suite_of(&a.select.suite, config)?;
    let device = a.select.device.clone().unwrap_or_else(|| "cpu".into());
    let n = a.runs.unwrap_or(1);
    if n == 0 {
        return Err(Error::Usage("--runs must be at least 1".into()));
    }
    let runs = store.runs(&RunFilter {
        suite: Some(suite.clone()),
        machine_id: Some(machine.id.clone()),
        device: Some(device.clone()),
        limit: Some(n),
        ..Default::default()
    })?;
    if runs.is_empty() {
        return Err(Error::Usage(format!(
            "no recorded runs of suite `{suite}`, device `{device}` on this machine: run `perfgate check` first, or save a report file"
        )));
    }
    let reports = runs
        .iter()
        .map(|r| store.report(r.id))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let ids: Vec<String> = runs.iter().map(|r| r.id.to_string()).collect();
    let source = if runs.len() == 1 {
        format!("run {}", ids[0])
    } else {
        format!("runs {} pooled", ids.join(","))
    };
    Ok((pool(&reports).expect("at least one run"), source))
}

/// `--file`: the baseline written into a committed baseline file, its thresholds kept.
fn save_to_file(path: &Path, report: &Report, source: &str) -> Result<ExitStatus> {
    let old = path.is_file().then(|| read_report(path)).transpose()?;
    let moved = moved_to(old.as_ref(), report);
    write_json(path, &moved)?;
    print_stdout(&format!(
        "wrote baseline file {} from {source}: {} benchmarks{}\n",
        path.display(),
        moved.benchmarks.len(),
        if old.is_some() {
            " (its thresholds kept)"
        } else {
            ""
        }
    ))?;
    Ok(ExitStatus::Pass)
}

fn list(store: &StoreArgs) -> Result<ExitStatus> {
    let config = common::optional_config(None)?;
    let store = open_read(store, config.as_ref())?;
    let this = context::machine().id;
    let mut rows = vec![["name", "suite", "device", "machine", "created", "source"]
        .map(String::from)
        .to_vec()];
    for b in store.baselines()? {
        let machine = if b.key.machine_id == this {
            format!("{} (this)", b.key.machine_id)
        } else {
            b.key.machine_id.clone()
        };
        rows.push(vec![
            b.key.name,
            b.key.suite,
            b.key.device,
            machine,
            b.created_utc,
            b.source,
        ]);
    }
    if rows.len() == 1 {
        print_stdout("no baselines stored yet (perfgate check bootstraps one)\n")?;
    } else {
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| crate::render::safe::one_line(c).into_owned())
                    .collect()
            })
            .collect();
        print_stdout(&table(&rows, &[]))?;
    }
    Ok(ExitStatus::Pass)
}

fn key_of(a: &BaselineNameArgs, config: Option<&Config>) -> Result<BaselineKey> {
    Ok(BaselineKey {
        suite: suite_of(&a.suite, config)?,
        device: a.device.clone(),
        machine_id: context::machine().id,
        name: a.name.clone(),
    })
}

fn stored(a: &BaselineNameArgs) -> Result<(Box<dyn Store>, BaselineKey, Report)> {
    let config = common::optional_config(a.config.as_deref())?;
    let store = open_read(&a.store, config.as_ref())?;
    let key = key_of(a, config.as_ref())?;
    match store.baseline(&key)? {
        Some(r) => Ok((store, key, r)),
        None => Err(Error::Usage(format!(
            "no stored baseline `{}` for suite `{}`, device `{}` on this machine (see `perfgate baseline list`)",
            key.name, key.suite, key.device
        ))),
    }
}

fn show(a: &BaselineNameArgs) -> Result<ExitStatus> {
    let (_, key, report) = stored(a)?;
    let head = format!(
        "baseline `{}`: suite `{}`, device `{}`, recorded {} at {}\n",
        key.name,
        key.suite,
        key.device,
        report.timestamp_utc,
        report.git.as_ref().map_or("no commit".to_string(), |g| g
            .commit
            .chars()
            .take(12)
            .collect())
    );
    print_stdout(&(head + &terminal::report_table(&report, Style::detect())))?;
    Ok(ExitStatus::Pass)
}

fn rm(a: &BaselineNameArgs) -> Result<ExitStatus> {
    let config = common::optional_config(a.config.as_deref())?;
    let mut store = open(&a.store, config.as_ref())?;
    let key = key_of(a, config.as_ref())?;
    if !store.remove_baseline(&key)? {
        return Err(Error::Usage(format!(
            "no stored baseline `{}` to remove",
            key.name
        )));
    }
    print_stdout(&format!(
        "removed baseline `{}` (suite `{}`, device `{}`)\n",
        key.name, key.suite, key.device
    ))?;
    Ok(ExitStatus::Pass)
}

fn export(a: &BaselineExportArgs) -> Result<ExitStatus> {
    let (_, _, mut report) = stored(&a.which)?;
    with_default_thresholds(&mut report);
    write_json(&a.output, &report)?;
    print_stdout(&format!(
        "wrote {} (commit it; `check` reads it when the config's baseline_dir points there)\n",
        a.output.display()
    ))?;
    Ok(ExitStatus::Pass)
}

fn import(a: &BaselineImportArgs) -> Result<ExitStatus> {
    let report = read_report(&a.file)?;
    let config = common::optional_config(None)?;
    let mut store = open(&a.store, config.as_ref())?;
    let key = BaselineKey {
        suite: report.suite.clone(),
        device: report.device.clone(),
        machine_id: report.machine.id.clone(),
        name: a.name.clone(),
    };
    store.save_baseline(&key, &report, &format!("import of {}", a.file.display()))?;
    print_stdout(&format!(
        "imported {} as baseline `{}` (suite `{}`, device `{}`, machine {})\n",
        a.file.display(),
        key.name,
        key.suite,
        key.device,
        key.machine_id
    ))?;
    Ok(ExitStatus::Pass)
}
