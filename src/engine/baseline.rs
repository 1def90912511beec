//! Baselines in the store: made from a report file, a recorded run or several runs pooled, and
//! saved moved forward from the one stored before. How runs pool and how a baseline moves is
//! the gate's ([`crate::gate::baseline`]); keeping them is the store's.

use std::path::Path;

use crate::error::{Error, Result};
use crate::gate::baseline::{moved_to, pool, pooled_source};
use crate::model::file::read_report;
use crate::model::Report;
use crate::store::{BaselineKey, RunFilter, RunId, Store};

/// Where a baseline is made from.
#[derive(Debug, Clone, PartialEq)]
pub enum BaselineFrom<'a> {
    /// A report file.
    Report(&'a Path),
    /// A recorded run.
    Run(RunId),
    /// The newest `runs` (at least 1) recorded runs of `suite` on `device` and `testbed`,
    /// pooled.
    History {
        suite: String,
        device: String,
        testbed: String,
        runs: usize,
    },
}

/// The report to make a baseline of and where it came from, in words. Refused when it has no
/// measured metric: there would be nothing to compare with.
pub fn source(store: &dyn Store, from: &BaselineFrom<'_>) -> Result<(Report, String)> {
    let (report, source) = match from {
        BaselineFrom::Report(path) => (read_report(path)?, format!("report {}", path.display())),
        BaselineFrom::Run(id) => (store.report(*id)?, format!("run {id}")),
        BaselineFrom::History {
            suite,
            device,
            testbed,
            runs,
        } => pooled(store, suite, device, testbed, *runs)?,
    };
    if report.benchmarks.iter().all(|b| b.metrics.is_empty()) {
        return Err(Error::Usage(format!(
            "{source} has no measured metrics: nothing to save"
        )));
    }
    Ok((report, source))
}

/// The newest `runs` recorded runs of a suite on a device and machine, pooled.
fn pooled(
    store: &dyn Store,
    suite: &str,
    device: &str,
    testbed: &str,
    runs: usize,
) -> Result<(Report, String)> {
    let recorded = store.runs(&RunFilter {
        suite: Some(suite.to_string()),
        testbed: Some(testbed.to_string()),
        device: Some(device.to_string()),
        limit: Some(runs),
        ..Default::default()
    })?;
    let reports = recorded
        .iter()
        .map(|r| store.report(r.id))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let Some(pooled) = pool(&reports) else {
        return Err(Error::Usage(format!(
            "no recorded runs of suite `{suite}`, device `{device}` on this machine: run `perfgate check` first, or save a report file"
        )));
    };
    let ids: Vec<RunId> = recorded.iter().map(|r| r.id).collect();
    Ok((pooled, pooled_source(&ids)))
}

/// The key a report is kept under as the baseline `name`: its own suite, device and testbed.
pub fn key_of(report: &Report, name: &str) -> BaselineKey {
    BaselineKey {
        suite: report.suite.clone(),
        device: report.device.clone(),
        testbed: report.testbed().to_string(),
        name: name.to_string(),
    }
}

/// Saves `report` (from `source`, in words) as the baseline `key`, moved forward from the one
/// stored there (see [`moved_to`]); returns what was saved.
pub fn save(
    store: &mut dyn Store,
    key: &BaselineKey,
    report: &Report,
    source: &str,
) -> Result<Report> {
    let old = store.baseline(key)?;
    let moved = moved_to(old.as_ref(), report);
    store.save_baseline(key, &moved, source)?;
    Ok(moved)
}

/// `report` moved forward from the committed baseline file at `path`, when there is one, and
/// whether there was (its thresholds are then kept).
pub fn moved_from_file(path: &Path, report: &Report) -> Result<(Report, bool)> {
    let old = path.is_file().then(|| read_report(path)).transpose()?;
    Ok((moved_to(old.as_ref(), report), old.is_some()))
}

/// The baseline stored under `key`; refused when there is none.
pub fn stored(store: &dyn Store, key: &BaselineKey) -> Result<Report> {
    store.baseline(key)?.ok_or_else(|| {
        Error::Usage(format!(
            "no stored baseline `{}` for suite `{}`, device `{}` on this machine (see `perfgate baseline list`)",
            key.name, key.suite, key.device
        ))
    })
}

/// Removes the baseline stored under `key`; refused when there is none.
pub fn remove(store: &mut dyn Store, key: &BaselineKey) -> Result<()> {
    if store.remove_baseline(key)? {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "no stored baseline `{}` to remove",
        key.name
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Selection;

    fn report(samples: &[(&str, f64)]) -> Report {
        let mut r: Report = serde_json::from_str(include_str!(
            "../../tests/fixtures/json/perfgate-report.json"
        ))
        .expect("fixture");
        let template = r.benchmarks[0].clone();
        r.benchmarks = samples
            .iter()
            .map(|(name, v)| {
                let mut b = template.clone();
                b.name = name.to_string();
                b.metrics.truncate(1);
                b.metrics[0].samples = vec![*v; 2];
                b.metrics[0].summary = crate::stats::summarize(&b.metrics[0].samples);
                b
            })
            .collect();
        r
    }

    fn history(runs: usize) -> BaselineFrom<'static> {
        BaselineFrom::History {
            suite: "adhoc".into(),
            device: "cpu".into(),
            testbed: report(&[]).machine.id,
            runs,
        }
    }

    fn store(dir: &Path) -> Box<dyn Store> {
        crate::store::open(&dir.join("perfgate.db")).unwrap()
    }

    #[test]
    fn the_newest_runs_are_pooled_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        let err = source(s.as_ref(), &history(1)).unwrap_err().to_string();
        assert!(
            err.starts_with("no recorded runs of suite `adhoc`"),
            "{err}"
        );
        for v in [1.0, 2.0, 3.0] {
            s.record(&report(&[("a", v)])).unwrap();
        }
        let (one, said) = source(s.as_ref(), &history(1)).unwrap();
        assert_eq!(
            (one.benchmarks[0].metrics[0].samples.len(), said.as_str()),
            (2, "run 3")
        );
        let (two, said) = source(s.as_ref(), &history(2)).unwrap();
        assert_eq!(said, "runs 3,2 pooled");
        assert_eq!(two.benchmarks[0].metrics[0].samples, [3.0, 3.0, 2.0, 2.0]);
        let (run, said) = source(s.as_ref(), &BaselineFrom::Run(1)).unwrap();
        assert_eq!(
            (run.benchmarks[0].metrics[0].samples[0], said.as_str()),
            (1.0, "run 1")
        );
    }

    #[test]
    fn a_report_without_measurements_is_not_a_baseline() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        let mut empty = report(&[("a", 1.0)]);
        empty.benchmarks[0].metrics.clear();
        s.record(&empty).unwrap();
        let err = source(s.as_ref(), &BaselineFrom::Run(1)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "run 1 has no measured metrics: nothing to save"
        );
    }

    #[test]
    fn a_partial_save_keeps_the_rest_and_rm_refuses_what_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = store(dir.path());
        let whole = report(&[("a", 1.0), ("b", 2.0)]);
        let key = key_of(&whole, "main");
        assert!(stored(s.as_ref(), &key).is_err());
        save(s.as_mut(), &key, &whole, "run 1").unwrap();
        let mut smoke = report(&[("b", 5.0)]);
        smoke.selection = Some(Selection {
            tags: vec!["smoke".into()],
            filter: None,
        });
        let saved = save(s.as_mut(), &key, &smoke, "run 2").unwrap();
        assert_eq!(saved, stored(s.as_ref(), &key).unwrap());
        let names: Vec<_> = saved.benchmarks.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(saved.benchmarks[1].metrics[0].samples, [5.0, 5.0]);
        remove(s.as_mut(), &key).unwrap();
        let err = remove(s.as_mut(), &key).unwrap_err().to_string();
        assert_eq!(err, "no stored baseline `main` to remove");
    }

    #[test]
    fn a_baseline_file_keeps_its_thresholds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("base.json");
        let run = report(&[("a", 1.0)]);
        let (fresh, existed) = moved_from_file(&path, &run).unwrap();
        assert!(!existed);
        let mut old = fresh.clone();
        old.thresholds =
            serde_json::from_str(r#"{"a.wall_time": {"fail_pct": 7.0}}"#).expect("a threshold map");
        crate::model::file::write_json(&path, &old).unwrap();
        let (moved, existed) = moved_from_file(&path, &run).unwrap();
        assert!(existed);
        assert_eq!(moved.thresholds, old.thresholds);
    }
}
