//! `perfgate check --server URL`: the check against the team server's history.
//!
//! The testbed's recent runs and its baselines are copied from the server into a temporary
//! local store; the engine checks the run against that store exactly as against a local one;
//! then the run is pushed, and every baseline the check bootstrapped, moved or extended is put
//! back. When the server cannot be reached, the gate still runs, against the committed
//! baseline file if the config has one (else as a first run), says so in one line, and the
//! run goes to the spool.

use std::path::Path;

use super::check::{check_plan, finish};
use super::push::Target;
use super::{print_stderr, run};
use crate::cli::CheckArgs;
use crate::client::mirror::{fetch_history, HistoryRequest};
use crate::client::{self, RemoteBaseline};
use crate::config::Config;
use crate::engine::{self, BaselineChange, BaselineSource, CheckOutcome, RecordedRun};
use crate::error::{Error, ExitStatus, Result};
use crate::model::file::write_json;
use crate::model::{BenchStatus, Report};
use crate::store::{BaselineKey, Store};

/// How many runs per device are fetched: as many as the noise-aware thresholds look back
/// (`engine::check`'s lookback).
pub const HISTORY_RUNS: usize = engine::NOISE_LOOKBACK;

pub(super) fn check(args: &CheckArgs) -> Result<ExitStatus> {
    let plan = run::plan_of(&args.run)?;
    let target = Target::new(&args.server, Some(&plan.config.root()))?;
    let (report, baseline_report) = if args.interleaved {
        let bins =
            [&args.baseline_bin, &args.candidate_bin].map(|b| b.as_deref().unwrap_or_default());
        let (_, [baseline, current]) = run::measure_interleaved(&args.run, bins)?;
        (current, Some(baseline))
    } else {
        (run::measure(&plan)?, None)
    };
    if let Some(path) = &args.run.json_out {
        write_json(path, &report)?;
    }
    let dir = crate::tmpdir::create().map_err(|source| Error::Io {
        context: "cannot make a temporary directory for the server's history".into(),
        source,
    })?;
    let mut store = crate::store::open(&dir.path().join("history.db"))?;
    let online = match &baseline_report {
        // Two builds compared with each other need no history.
        Some(_) => true,
        None => fetch(&target, dir.path(), &mut store, &report, &plan.config, args)?,
    };
    let outcome = match &baseline_report {
        Some(baseline) => {
            let policy = args.gate.policy(plan.config.thresholds.clone());
            let bins =
                [&args.baseline_bin, &args.candidate_bin].map(|b| b.as_deref().unwrap_or_default());
            engine::check_interleaved(baseline, &report, store.as_mut(), &policy, bins)?
        }
        None => engine::check(
            &report,
            store.as_mut(),
            &plan.config,
            &check_plan(args, &plan.config),
        )?,
    };
    let mut outcome = outcome;
    publish(&target, store.as_ref(), &mut outcome, online, &report)?;
    finish(&outcome, args, store.as_ref(), report.testbed())
}

/// Copies the testbed's history into `store`. False (and a one-line note) when the server
/// could not be reached or refused: the store is then left empty, as for a first run.
fn fetch(
    target: &Target,
    dir: &Path,
    store: &mut Box<dyn Store>,
    report: &Report,
    config: &Config,
    args: &CheckArgs,
) -> Result<bool> {
    let devices = devices_that_ran(report);
    let baseline = match &args.baseline {
        Some(x) if Path::new(x).is_file() => None,
        Some(name) => Some(name.as_str()),
        None => Some(config.baseline_name.as_str()),
    };
    let testbed = report.testbed().to_string();
    let req = HistoryRequest {
        project: &report.suite,
        testbed: &testbed,
        devices: &devices,
        baseline,
        limit: HISTORY_RUNS,
    };
    let note = |attempt: u32, attempts: u32, why: &str, wait: std::time::Duration| {
        print_stderr(&format!(
            "perfgate: {}: attempt {attempt} of {attempts} failed ({why}); trying again in {:.1} s\n",
            target.client.url(),
            wait.as_secs_f64()
        ));
    };
    match fetch_history(&target.client, store.as_mut(), &req, &note) {
        Ok(_) => Ok(true),
        Err(e @ Error::Client(_)) => {
            let committed = match &args.baseline {
                Some(x) if Path::new(x).is_file() => true,
                _ => devices
                    .iter()
                    .any(|d| config.committed_baseline(d).is_some_and(|p| p.is_file())),
            };
            let then = if committed {
                "gating against the committed baseline"
            } else {
                "gating as a first run (no committed baseline)"
            };
            print_stderr(&format!(
                "perfgate: history from the server was unavailable ({e}); {then}; the run goes to the spool\n"
            ));
            // A fetch that failed half-way leaves nothing behind: a fresh store.
            *store = crate::store::open(&dir.join("offline.db"))?;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Devices with a benchmark that ran.
fn devices_that_ran(report: &Report) -> Vec<String> {
    let mut v: Vec<String> = report
        .benchmarks
        .iter()
        .filter(|b| b.status != BenchStatus::Skipped)
        .map(|b| b.device.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Pushes each recorded run (spooling it when the server is unavailable) and puts back every
/// baseline the check changed; what happened goes into the comparison's notes.
fn publish(
    target: &Target,
    store: &dyn Store,
    outcome: &mut CheckOutcome,
    online: bool,
    report: &Report,
) -> Result<()> {
    let mut notes = Vec::new();
    let mut online = online;
    for run in &outcome.recorded {
        let part = store.report(run.id)?;
        // What the gate said goes with the run, so the server's history does not count a
        // run that failed its gate as noise.
        let judgement = store.judgement(run.id)?;
        let sent = if online {
            target.send(&part, judgement.as_ref())
        } else {
            Err(Error::Usage("the server was unavailable".into()))
        };
        match sent {
            Ok(p) => notes.push(format!(
                "`{}` run pushed to {}: run {} there ({})",
                run.device,
                target.client.url(),
                p.run_id,
                if p.created { "created" } else { "duplicate" }
            )),
            Err(e) if !online || client::is_unavailable(&e) => {
                online = false;
                let kept = target.spool.put(&part, judgement.as_ref())?;
                notes.push(format!(
                    "`{}` run not pushed (the server was unavailable): spooled as {}; `perfgate push --spool` sends it",
                    run.device,
                    kept.display()
                ));
            }
            Err(e) => notes.push(format!("`{}` run NOT pushed: {e}", run.device)),
        }
        if let Some(key) = changed_baseline(run) {
            notes.push(put_baseline(target, store, key, online, report)?);
        }
    }
    outcome.comparison.notes.extend(notes);
    Ok(())
}

/// The stored baseline a check bootstrapped, moved or extended.
fn changed_baseline(run: &RecordedRun) -> Option<&BaselineKey> {
    match (&run.baseline, &run.source) {
        (BaselineChange::Bootstrapped(key), _) => Some(key),
        (
            BaselineChange::Moved | BaselineChange::Extended { .. },
            Some(BaselineSource::Stored(key)),
        ) => Some(key),
        _ => None,
    }
}

fn put_baseline(
    target: &Target,
    store: &dyn Store,
    key: &BaselineKey,
    online: bool,
    report: &Report,
) -> Result<String> {
    let what = format!("baseline `{}` of `{}`", key.name, key.device);
    if !online {
        return Ok(format!(
            "{what} NOT put on the server (unavailable); the next check against the server sets it"
        ));
    }
    let Some(baseline) = store.baseline(key)? else {
        return Ok(format!("{what}: nothing to put"));
    };
    let remote = RemoteBaseline {
        project: report.suite.clone(),
        testbed: key.testbed.clone(),
        device: key.device.clone(),
        name: key.name.clone(),
    };
    let note = |_: u32, _: u32, _: &str, _: std::time::Duration| {};
    Ok(
        match target.client.put_baseline(&remote, &baseline, &note) {
            Ok(()) => format!("{what} put on {}", target.client.url()),
            Err(e) => format!("{what} NOT put on the server: {e}"),
        },
    )
}
