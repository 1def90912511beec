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

/// Profiles recorded with a report, and added to a run later (`check --profile-regressions`),
/// come back with the report, in order; a run that is not there is said to be missing.
#[test]
fn profiles_come_back_with_their_run() {
    use perfgate::model::profile::{BenchProfile, GrownFunction, ProfileKind, ProfileSide};
    let profile = |bench: &str, kind: ProfileKind| BenchProfile {
        benchmark: bench.into(),
        kind,
        tool: "valgrind-3.19.0 callgrind".into(),
        why: "asked for".into(),
        unit: "instructions".into(),
        baseline: Some(ProfileSide {
            command: "old/app 5".into(),
            runs: 1,
            total: 100.0,
            folded: "main;hot 90\nmain 10\n".into(),
            truncated: false,
        }),
        candidate: ProfileSide {
            command: "new/app 5 'quoted'".into(),
            runs: 1,
            total: 280.5,
            folded: "main;hot 270\n[other stacks] 10\n".into(),
            truncated: true,
        },
        grown: vec![GrownFunction {
            function: "app::hot<T>".into(),
            baseline: 90.0,
            candidate: 270.0,
            delta: 180.0,
            percent: Some(200.0),
            self_delta: 180.0,
        }],
        artifacts: vec![".perfgate/profiles/sort/cpu/diff.svg".into()],
        note: None,
    };
    for backend in backends("profiles_come_back_with_their_run") {
        let mut store = backend.open();
        let mut with = tricky_report();
        with.profiles = vec![profile("sort", ProfileKind::Cpu)];
        let id = store.record(&with).unwrap();
        assert_eq!(store.report(id).unwrap(), with, "{}", backend.name);

        // Replaced later, as check does after its verdicts.
        let later = vec![
            profile("sort", ProfileKind::Memory),
            profile("parse", ProfileKind::Cpu),
        ];
        store.record_profiles(id, &later).unwrap();
        assert_eq!(
            store.report(id).unwrap().profiles,
            later,
            "{}",
            backend.name
        );
        // The rest of the report is untouched.
        let mut back = store.report(id).unwrap();
        back.profiles = with.profiles.clone();
        assert_eq!(back, with);

        let missing = store.record_profiles(id + 1000, &later).unwrap_err();
        assert!(
            matches!(missing, StoreError::NoSuchRun { .. }),
            "{}: {missing:?}",
            backend.name
        );
    }
}
