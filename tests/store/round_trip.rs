//! Round trip, on every backend.

use perfgate::model::Report;
use perfgate::stats::Statistic;
use perfgate::store::{RunFilter, StoreError};

use crate::backends::backends;
use crate::builders::*;

#[test]
fn a_recorded_report_comes_back_exactly() {
    for backend in backends("a_recorded_report_comes_back_exactly") {
        recorded_report_comes_back_exactly(&backend);
    }
}

fn recorded_report_comes_back_exactly(backend: &crate::backends::Backend) {
    let original = tricky_report();
    assert_eq!(
        original.thresholds["sort.peak_rss"].statistic,
        Some(Statistic::P95)
    );
    let mut store = backend.open();
    let id = store.record(&original).unwrap();
    let back = store.report(id).unwrap();
    assert_eq!(back, original);
    assert_bits_equal(&back, &original);
    assert_eq!(
        back.benchmarks[0].metrics[3].samples[1].to_bits(),
        (-0.0f64).to_bits()
    );

    // And again from a fresh connection, after the writer is gone.
    drop(store);
    let store = backend.open();
    let back = store.report(id).unwrap();
    assert_eq!(back, original);
    assert_bits_equal(&back, &original);

    let runs = store.runs(&RunFilter::default()).unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run.id, id);
    assert_eq!(run.suite, "demo");
    assert_eq!(run.git, original.git);
    assert_eq!(run.machine_id, "0123456789abcdef");
    assert_eq!(run.hostname, "host-0123456789abcdef");
    assert_eq!(run.device, "cpu");
    assert_eq!(run.config_sha256, original.config_sha256);
    assert_eq!(run.tool_version, "9.8.7-test");
    assert_eq!(run.timestamp_utc, original.timestamp_utc);
}

#[test]
fn a_report_without_git_and_with_a_detached_head_round_trips() {
    for backend in backends("a_report_without_git_and_with_a_detached_head_round_trips") {
        let mut store = backend.open();
        let none = simple("s", "m", "cpu", None, 1.0);
        let mut none = Report { git: None, ..none };
        none.benchmarks[0]
            .params
            .insert("n".into(), serde_json::json!(u64::MAX));
        let detached = simple("s", "m", "cpu", None, 2.0);
        let a = store.record(&none).unwrap();
        let b = store.record(&detached).unwrap();
        assert!(b > a);
        assert_eq!(store.report(a).unwrap(), none);
        assert_eq!(store.report(b).unwrap(), detached);
        assert_eq!(store.report(b).unwrap().git.unwrap().branch, None);
    }
}

#[test]
fn an_unknown_run_is_an_error_naming_it() {
    for backend in backends("an_unknown_run_is_an_error_naming_it") {
        let store = backend.open();
        match store.report(17) {
            Err(e @ StoreError::NoSuchRun { id: 17, .. }) => {
                assert!(e.to_string().contains("no recorded run with id 17"), "{e}");
                assert!(e.to_string().contains(backend.location()), "{e}");
            }
            other => panic!("{}: {other:?}", backend.name),
        }
    }
}

#[test]
fn a_summary_that_json_cannot_hold_is_refused_and_nothing_is_recorded() {
    for backend in backends("a_summary_that_json_cannot_hold_is_refused_and_nothing_is_recorded") {
        let mut store = backend.open();
        let mut r = simple("s", "m", "cpu", Some("main"), 1.0);
        r.benchmarks[0].metrics[0].summary.stddev = f64::INFINITY;
        let e = store.record(&r).unwrap_err().to_string();
        assert!(e.contains("sort.wall_time") && e.contains("stddev"), "{e}");
        assert!(store.runs(&RunFilter::default()).unwrap().is_empty());
    }
}
