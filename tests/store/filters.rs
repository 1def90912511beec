//! Filters.

use perfgate::model::{BenchStatus, Direction};
use perfgate::stats::summarize;
use perfgate::store::{RunFilter, RunId, Store};

use crate::backends::{backends, Backend};
use crate::builders::*;

struct Recorded {
    id: RunId,
    suite: &'static str,
    machine: &'static str,
    device: &'static str,
    branch: Option<&'static str>,
    value: f64,
    /// Whether `sort` succeeded (has metrics).
    ok: bool,
}

/// 16 runs over two suites, machines, devices and branches, a run without git, a detached
/// HEAD, and a run where `sort` failed. Suite `b` also has a second benchmark.
fn filtered_store(backend: &Backend) -> (Box<dyn Store>, Vec<Recorded>) {
    let mut store = backend.open();
    let mut recorded = Vec::new();
    let mut value = 1.0;
    for suite in ["a", "b"] {
        for machine in ["m1", "m2"] {
            for device in ["cpu", "cuda"] {
                for branch in ["main", "feat"] {
                    let mut r = simple(suite, machine, device, Some(branch), value);
                    if suite == "b" {
                        r.benchmarks
                            .push(bench("zip").metric(wall_time(vec![value * 2.0])).build());
                    }
                    let id = store.record(&r).unwrap();
                    recorded.push(Recorded {
                        id,
                        suite,
                        machine,
                        device,
                        branch: Some(branch),
                        value,
                        ok: true,
                    });
                    value += 1.0;
                }
            }
        }
    }
    let mut no_git = simple("a", "m1", "cpu", None, value);
    no_git.git = None;
    let id = store.record(&no_git).unwrap();
    recorded.push(Recorded {
        id,
        suite: "a",
        machine: "m1",
        device: "cpu",
        branch: None,
        value,
        ok: true,
    });
    value += 1.0;
    let detached = simple("a", "m1", "cpu", None, value);
    let id = store.record(&detached).unwrap();
    recorded.push(Recorded {
        id,
        suite: "a",
        machine: "m1",
        device: "cpu",
        branch: None,
        value,
        ok: true,
    });
    value += 1.0;
    let mut failed = simple("a", "m1", "cpu", Some("main"), value);
    failed.benchmarks[0].status = BenchStatus::Failed;
    failed.benchmarks[0].reason = Some("exit status 2".into());
    failed.benchmarks[0].metrics.clear();
    let id = store.record(&failed).unwrap();
    recorded.push(Recorded {
        id,
        suite: "a",
        machine: "m1",
        device: "cpu",
        branch: Some("main"),
        value,
        ok: false,
    });
    (store, recorded)
}

fn matches(r: &Recorded, f: &RunFilter) -> bool {
    f.suite.as_deref().is_none_or(|s| s == r.suite)
        && f.testbed.as_deref().is_none_or(|m| m == r.machine)
        && f.device.as_deref().is_none_or(|d| d == r.device)
        && f.branch.as_deref().is_none_or(|b| Some(b) == r.branch)
        && f.before.is_none_or(|before| r.id < before)
}

/// The runs `f` selects, newest first, as the model says.
fn expected<'a>(recorded: &'a [Recorded], f: &RunFilter) -> Vec<&'a Recorded> {
    let mut v: Vec<&Recorded> = recorded.iter().filter(|r| matches(r, f)).collect();
    v.sort_by_key(|r| std::cmp::Reverse(r.id));
    v.truncate(f.limit.unwrap_or(usize::MAX));
    v
}

fn filters() -> Vec<RunFilter> {
    let mut out = Vec::new();
    for suite in [None, Some("a"), Some("b"), Some("c")] {
        for machine in [None, Some("m1"), Some("m2")] {
            for device in [None, Some("cpu"), Some("cuda")] {
                for branch in [None, Some("main"), Some("feat")] {
                    for limit in [None, Some(0), Some(1), Some(3), Some(100)] {
                        // Run ids start at 1: `before` 10 pages through the older half.
                        for before in [None, Some(10)] {
                            out.push(RunFilter {
                                suite: suite.map(String::from),
                                testbed: machine.map(String::from),
                                device: device.map(String::from),
                                branch: branch.map(String::from),
                                before,
                                limit,
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

#[test]
fn runs_honour_every_filter_field_newest_first() {
    for backend in backends("runs_honour_every_filter_field_newest_first") {
        runs_honour_every_filter_field(&backend);
    }
}

fn runs_honour_every_filter_field(backend: &Backend) {
    let (store, recorded) = filtered_store(backend);
    assert_eq!(recorded.len(), 19);
    let ids: Vec<RunId> = recorded.iter().map(|r| r.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow: {ids:?}");

    // A few spelled out.
    let f = RunFilter {
        suite: Some("a".into()),
        testbed: Some("m2".into()),
        ..Default::default()
    };
    let got: Vec<RunId> = store.runs(&f).unwrap().iter().map(|r| r.id).collect();
    assert_eq!(got, [ids[7], ids[6], ids[5], ids[4]]);
    let f = RunFilter {
        branch: Some("feat".into()),
        device: Some("cuda".into()),
        limit: Some(2),
        ..Default::default()
    };
    let got: Vec<RunId> = store.runs(&f).unwrap().iter().map(|r| r.id).collect();
    assert_eq!(got, [ids[15], ids[11]]);
    let all = store.runs(&RunFilter::default()).unwrap();
    assert_eq!(
        all.iter().map(|r| r.id).collect::<Vec<_>>(),
        ids.iter().rev().copied().collect::<Vec<_>>()
    );
    assert_eq!(all[2].git, None);
    assert_eq!(all[1].git.as_ref().map(|g| g.branch.clone()), Some(None));

    // All combinations against the model.
    for f in filters() {
        let got: Vec<RunId> = store.runs(&f).unwrap().iter().map(|r| r.id).collect();
        let want: Vec<RunId> = expected(&recorded, &f).iter().map(|r| r.id).collect();
        assert_eq!(got, want, "{f:?}");
        for run in store.runs(&f).unwrap() {
            let r = recorded.iter().find(|r| r.id == run.id).unwrap();
            assert_eq!(
                (
                    run.suite.as_str(),
                    run.machine_id.as_str(),
                    run.device.as_str()
                ),
                (r.suite, r.machine, r.device)
            );
            assert_eq!(run.git.and_then(|g| g.branch), r.branch.map(String::from));
            assert_eq!(run.hostname, format!("host-{}", r.machine));
        }
    }
}

#[test]
fn series_and_metric_history_honour_every_filter_field() {
    for backend in backends("series_and_metric_history_honour_every_filter_field") {
        series_and_history_honour_every_filter_field(&backend);
    }
}

fn series_and_history_honour_every_filter_field(backend: &Backend) {
    let (store, recorded) = filtered_store(backend);

    let all = store.series(&RunFilter::default()).unwrap();
    assert_eq!(
        all,
        [
            ("sort".to_string(), "peak_rss".to_string()),
            ("sort".into(), "wall_time".into()),
            ("zip".into(), "wall_time".into())
        ]
    );
    let a = RunFilter {
        suite: Some("a".into()),
        ..Default::default()
    };
    assert_eq!(store.series(&a).unwrap(), all[..2]);
    // The newest run of suite a failed `sort`: no series among it alone.
    assert_eq!(
        store
            .series(&RunFilter {
                limit: Some(1),
                ..a.clone()
            })
            .unwrap(),
        []
    );

    // Spelled out: suite a, m1, cpu, branch main: runs 0 and the failed one (no point).
    let f = RunFilter {
        suite: Some("a".into()),
        testbed: Some("m1".into()),
        device: Some("cpu".into()),
        branch: Some("main".into()),
        before: None,
        limit: None,
    };
    let h = store.metric_history(&f, "sort", "wall_time").unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].run.id, recorded[0].id);
    assert_eq!(
        (
            h[0].benchmark.as_str(),
            h[0].metric.as_str(),
            h[0].unit.as_str()
        ),
        ("sort", "wall_time", "s")
    );
    assert_eq!(h[0].direction, Direction::LowerIsBetter);
    assert_eq!(h[0].summary, summarize(&[1.0, 1.0, 1.0]));
    // The newest run (failed) counts towards the limit but gives no point.
    assert_eq!(
        store
            .metric_history(
                &RunFilter {
                    limit: Some(1),
                    ..f.clone()
                },
                "sort",
                "wall_time"
            )
            .unwrap(),
        []
    );

    for f in filters() {
        let runs = expected(&recorded, &f);
        let want_series: Vec<(String, String)> = all
            .iter()
            .filter(|(b, _)| runs.iter().any(|r| r.ok && (b == "sort" || r.suite == "b")))
            .cloned()
            .collect();
        assert_eq!(store.series(&f).unwrap(), want_series, "{f:?}");

        let h = store.metric_history(&f, "sort", "wall_time").unwrap();
        let want: Vec<(RunId, f64)> = runs
            .iter()
            .filter(|r| r.ok)
            .map(|r| (r.id, r.value))
            .collect();
        let got: Vec<(RunId, f64)> = h.iter().map(|p| (p.run.id, p.summary.median)).collect();
        assert_eq!(got, want, "{f:?}");

        let h = store.metric_history(&f, "zip", "wall_time").unwrap();
        let want: Vec<(RunId, f64)> = runs
            .iter()
            .filter(|r| r.suite == "b")
            .map(|r| (r.id, r.value * 2.0))
            .collect();
        let got: Vec<(RunId, f64)> = h.iter().map(|p| (p.run.id, p.summary.median)).collect();
        assert_eq!(got, want, "{f:?}");

        assert_eq!(
            store.metric_history(&f, "sort", "no_such_metric").unwrap(),
            []
        );
        assert_eq!(
            store
                .metric_history(&f, "no_such_bench", "wall_time")
                .unwrap(),
            []
        );
    }
}

#[test]
fn a_benchmark_repeated_within_a_run_gives_one_point_its_first() {
    for backend in backends("a_benchmark_repeated_within_a_run_gives_one_point_its_first") {
        let mut store = backend.open();
        let mut r = simple("s", "m", "cpu", Some("main"), 1.0);
        let mut again = r.benchmarks[0].clone();
        again.metrics[0] = wall_time(vec![9.0]).build();
        r.benchmarks.insert(0, bench("other").build());
        r.benchmarks.push(again);
        let a = store.record(&r).unwrap();
        let b = store
            .record(&simple("s", "m", "cpu", Some("main"), 2.0))
            .unwrap();
        assert_eq!(store.report(a).unwrap(), r);
        let h = store
            .metric_history(&RunFilter::default(), "sort", "wall_time")
            .unwrap();
        let got: Vec<(RunId, f64)> = h.iter().map(|p| (p.run.id, p.summary.median)).collect();
        assert_eq!(got, [(b, 2.0), (a, 1.0)]);
    }
}
