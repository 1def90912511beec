//! `perfgate baseline save|list|show|rm|export|import`: glue around
//! [`crate::engine::baseline`] (which makes, moves and keeps baselines) and the store.

use super::common;
use super::compare::with_default_thresholds;
use super::print_stdout;
use crate::cli::{
    BaselineCommand, BaselineExportArgs, BaselineImportArgs, BaselineNameArgs, BaselineSaveArgs,
    StoreArgs,
};
use crate::config::Config;
use crate::context;
use crate::engine::baseline::{self, BaselineFrom};
use crate::error::{Error, ExitStatus, Result};
use crate::model::file::{read_report, write_json};
use crate::model::Report;
use crate::render::{safe::one_line, style::table, style::Style, terminal};
use crate::store::{BaselineKey, Store};

pub fn baseline(cmd: BaselineCommand) -> Result<ExitStatus> {
    match cmd {
        BaselineCommand::Save(a) => save(a),
        BaselineCommand::List(a) => list(&a.store),
        BaselineCommand::Show(a) => show(&a),
        BaselineCommand::Rm(a) => rm(&a),
        BaselineCommand::Export(a) => export(&a),
        BaselineCommand::Import(a) => import(&a),
    }
    .map(|()| ExitStatus::Pass)
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

fn save(a: BaselineSaveArgs) -> Result<()> {
    let config = common::optional_config(a.select.config.as_deref())?;
    let mut store = open(&a.store, config.as_ref())?;
    let machine_id = context::machine().id;
    let from = save_from(&a, config.as_ref(), &machine_id)?;
    let (report, source) = baseline::source(store.as_ref(), &from)?;
    if let Some(path) = &a.file {
        let (moved, kept) = baseline::moved_from_file(path, &report)?;
        write_json(path, &moved)?;
        let kept = if kept { " (its thresholds kept)" } else { "" };
        return print_stdout(&format!(
            "wrote baseline file {} from {source}: {} benchmarks{kept}\n",
            path.display(),
            moved.benchmarks.len(),
        ));
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
        ..baseline::key_of(&report, &a.select.name)
    };
    let saved = baseline::save(store.as_mut(), &key, &report, &source)?;
    let here = if key.testbed == machine_id {
        "this machine"
    } else {
        "another machine"
    };
    print_stdout(&format!(
        "saved baseline `{}` (suite `{}`, device `{}`, {here} {}) from {source}: {} benchmarks\n",
        key.name,
        key.suite,
        key.device,
        key.testbed,
        saved.benchmarks.len()
    ))
}

/// `--report FILE`, `--run ID`, else this machine's latest run (or last `--runs N`, pooled).
fn save_from<'a>(
    a: &'a BaselineSaveArgs,
    config: Option<&Config>,
    machine_id: &str,
) -> Result<BaselineFrom<'a>> {
    if let Some(path) = &a.report {
        return Ok(BaselineFrom::Report(path));
    }
    if let Some(id) = a.run {
        return Ok(BaselineFrom::Run(id));
    }
    if let Some(h) = a.from_history.as_deref().filter(|h| *h != "last") {
        return Err(Error::Usage(format!(
            "--from-history {h}: only `last` is supported (or --runs N)"
        )));
    }
    let suite = suite_of(&a.select.suite, config)?;
    let runs = a.runs.unwrap_or(1);
    if runs == 0 {
        return Err(Error::Usage("--runs must be at least 1".into()));
    }
    Ok(BaselineFrom::History {
        suite,
        device: a.select.device.clone().unwrap_or_else(|| "cpu".into()),
        testbed: machine_id.to_string(),
        runs,
    })
}

fn list(store: &StoreArgs) -> Result<()> {
    let config = common::optional_config(None)?;
    let baselines = open_read(store, config.as_ref())?.baselines()?;
    if baselines.is_empty() {
        return print_stdout("no baselines stored yet (perfgate check bootstraps one)\n");
    }
    let this = context::machine().id;
    let mut rows = vec![["name", "suite", "device", "machine", "created", "source"]
        .map(String::from)
        .to_vec()];
    for b in baselines {
        let mut machine = b.key.testbed;
        if machine == this {
            machine.push_str(" (this)");
        }
        let row = [b.key.name, b.key.suite, b.key.device, machine];
        let row = row.into_iter().chain([b.created_utc, b.source]);
        rows.push(row.map(|c| one_line(&c).into_owned()).collect());
    }
    print_stdout(&table(&rows, &[]))
}

fn key_of(a: &BaselineNameArgs, config: Option<&Config>) -> Result<BaselineKey> {
    Ok(BaselineKey {
        suite: suite_of(&a.suite, config)?,
        device: a.device.clone(),
        testbed: context::machine().id,
        name: a.name.clone(),
    })
}

/// The baseline `a` names, and its key.
fn stored(a: &BaselineNameArgs) -> Result<(BaselineKey, Report)> {
    let config = common::optional_config(a.config.as_deref())?;
    let store = open_read(&a.store, config.as_ref())?;
    let key = key_of(a, config.as_ref())?;
    let report = baseline::stored(store.as_ref(), &key)?;
    Ok((key, report))
}

fn show(a: &BaselineNameArgs) -> Result<()> {
    let (key, report) = stored(a)?;
    let commit = report.git.as_ref().map_or("no commit".to_string(), |g| {
        g.commit.chars().take(12).collect()
    });
    let head = format!(
        "baseline `{}`: suite `{}`, device `{}`, recorded {} at {commit}\n",
        key.name, key.suite, key.device, report.timestamp_utc,
    );
    print_stdout(&(head + &terminal::report_table(&report, Style::detect())))
}

fn rm(a: &BaselineNameArgs) -> Result<()> {
    let config = common::optional_config(a.config.as_deref())?;
    let mut store = open(&a.store, config.as_ref())?;
    let key = key_of(a, config.as_ref())?;
    baseline::remove(store.as_mut(), &key)?;
    print_stdout(&format!(
        "removed baseline `{}` (suite `{}`, device `{}`)\n",
        key.name, key.suite, key.device
    ))
}

fn export(a: &BaselineExportArgs) -> Result<()> {
    let (_, mut report) = stored(&a.which)?;
    with_default_thresholds(&mut report);
    write_json(&a.output, &report)?;
    print_stdout(&format!(
        "wrote {} (commit it; `check` reads it when the config's baseline_dir points there)\n",
        a.output.display()
    ))
}

fn import(a: &BaselineImportArgs) -> Result<()> {
    let report = read_report(&a.file)?;
    let config = common::optional_config(None)?;
    let mut store = open(&a.store, config.as_ref())?;
    let key = baseline::key_of(&report, &a.name);
    store.save_baseline(&key, &report, &format!("import of {}", a.file.display()))?;
    print_stdout(&format!(
        "imported {} as baseline `{}` (suite `{}`, device `{}`, machine {})\n",
        a.file.display(),
        key.name,
        key.suite,
        key.device,
        key.testbed
    ))
}
