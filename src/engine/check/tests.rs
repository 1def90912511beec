//! The check end to end on the mock executor (`sleep S` takes exactly S seconds) and a real
//! SQLite store in a temporary directory.

use super::*;
use crate::config::{BenchSpec, Config, Exec};
use crate::gate::{Overall, Verdict};
use crate::plan::{DeviceChoice, ExecutorChoice, RunPlan, DEFAULT_SEED};
use crate::runner::executor::mock_measurement;
use crate::runner::{MockExecutor, NoObserver};
use crate::store::RunFilter;

/// The suite `proj`: one CPU benchmark, `nap`, that sleeps `secs`, 6 runs after 1 warm-up.
fn plan(secs: &str) -> RunPlan {
    plan_of(&[("nap", secs)])
}

/// The suite `proj` of CPU benchmarks `(name, seconds it sleeps)`.
fn plan_of(naps: &[(&str, &str)]) -> RunPlan {
    let bench = |(name, secs): &(&str, &str)| {
        let exec = Exec::Argv(vec!["sleep".into(), secs.to_string()]);
        let mut bench = BenchSpec::adhoc(name.to_string(), exec, ".".into(), None);
        bench.sampling.runs = Some(6);
        bench
    };
    let mut config = Config::adhoc(bench(&naps[0]), &serde_json::json!("engine check test"));
    config.suite = "proj".into();
    config.benches = naps.iter().map(bench).collect();
    RunPlan {
        benches: config.benches.clone(),
        suite: config.suite.clone(),
        testbed: None,
        config,
        device: DeviceChoice::Auto,
        selection: None,
        seed: DEFAULT_SEED,
        ignore_failure: false,
        show_output: false,
        executor: ExecutorChoice::Mock,
    }
}

fn measure(plan: &RunPlan) -> Report {
    let executor = Box::new(MockExecutor::new(mock_measurement));
    crate::engine::measure(plan, executor, &mut NoObserver).unwrap()
}

fn row<'a>(c: &'a Comparison, metric: &str) -> &'a crate::gate::MetricComparison {
    c.metrics
        .iter()
        .find(|m| m.benchmark == "nap" && m.metric == metric)
        .unwrap_or_else(|| panic!("no nap.{metric}"))
}

#[test]
fn the_first_check_bootstraps_and_a_2x_slower_one_is_critical() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = crate::store::open(&dir.path().join("perfgate.db")).unwrap();
    let check_plan = CheckPlan::default();

    let fast = plan("0.05");
    let first = measure(&fast);
    let outcome = check(&first, &mut store, &fast.config, &check_plan).unwrap();
    let key = BaselineKey {
        suite: "proj".into(),
        device: "cpu".into(),
        testbed: first.testbed().to_string(),
        name: "main".into(),
    };
    assert!(outcome.comparison.passed());
    assert_eq!(
        outcome.recorded,
        [RecordedRun {
            id: 1,
            device: "cpu".into(),
            source: None,
            gate_failed: false,
            baseline: BaselineChange::Bootstrapped(key.clone()),
        }]
    );
    assert_eq!(
        outcome.comparison.notes.last().unwrap(),
        "baseline bootstrapped: run 1 is now baseline `main` for suite `proj`, device `cpu` on this machine; later checks compare against it"
    );
    let bootstrapped = store.baseline(&key).unwrap().unwrap();
    assert_eq!(bootstrapped.benchmarks, first.benchmarks);

    let slow = plan("0.1");
    let second = measure(&slow);
    let outcome = check(&second, &mut store, &slow.config, &check_plan).unwrap();
    let c = &outcome.comparison;
    let wall = row(c, "wall_time");
    assert_eq!(c.overall_status, Overall::Fail);
    assert_eq!(wall.status, Verdict::Critical);
    assert_eq!((wall.baseline, wall.current), (Some(0.05), Some(0.1)));
    assert_eq!(
        outcome.recorded,
        [RecordedRun {
            id: 2,
            device: "cpu".into(),
            source: Some(BaselineSource::Stored(key.clone())),
            gate_failed: true,
            baseline: BaselineChange::Kept,
        }]
    );

    // Both runs are recorded with what the gate said; the baseline stayed the first run.
    let runs = store.runs(&RunFilter::default()).unwrap();
    let gates: Vec<_> = runs.iter().map(|r| (r.id, r.gate.as_deref())).collect();
    assert_eq!(gates, [(2, Some("fail")), (1, Some("pass"))]);
    let history = store
        .metric_history(&RunFilter::default(), "nap", "wall_time")
        .unwrap();
    let verdicts: Vec<_> = history.iter().map(|p| p.verdict.as_deref()).collect();
    assert_eq!(verdicts, [Some("critical"), Some("new")]);
    assert_eq!(store.baseline(&key).unwrap().unwrap(), bootstrapped);
}

#[test]
fn update_baseline_moves_it_only_after_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = crate::store::open(&dir.path().join("perfgate.db")).unwrap();
    let update = CheckPlan {
        update_baseline: true,
        ..CheckPlan::default()
    };
    let fast = plan("0.05");
    check(&measure(&fast), &mut store, &fast.config, &update).unwrap();

    let slow = plan("0.1");
    let refused = check(&measure(&slow), &mut store, &slow.config, &update).unwrap();
    assert_eq!(refused.recorded[0].baseline, BaselineChange::NotMoved);

    let again = measure(&fast);
    let moved = check(&again, &mut store, &fast.config, &update).unwrap();
    assert!(moved.comparison.passed());
    assert_eq!(moved.recorded[0].baseline, BaselineChange::Moved);
    let Some(BaselineSource::Stored(key)) = &moved.recorded[0].source else {
        panic!("a stored baseline: {:?}", moved.recorded[0].source)
    };
    let baseline = store.baseline(key).unwrap().unwrap();
    assert_eq!(baseline.timestamp_utc, again.timestamp_utc);
    assert_eq!(
        moved.comparison.notes.last().unwrap(),
        "`cpu` baseline moved forward to run 3 (stored baseline `main` (proj, cpu))"
    );
}

#[test]
fn interleaved_records_the_candidate_and_moves_no_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = crate::store::open(&dir.path().join("perfgate.db")).unwrap();
    let (a, b) = (measure(&plan("0.05")), measure(&plan("0.1")));
    let outcome =
        check_interleaved(&a, &b, &mut store, &GatePolicy::default(), ["old", "new"]).unwrap();
    assert_eq!(
        row(&outcome.comparison, "wall_time").status,
        Verdict::Critical
    );
    assert_eq!(outcome.recorded.len(), 1);
    assert_eq!(outcome.recorded[0].source, None);
    assert!(outcome.recorded[0].gate_failed);
    assert!(store.baselines().unwrap().is_empty());
    assert_eq!(store.runs(&RunFilter::default()).unwrap().len(), 1);
}

#[test]
fn a_stored_baseline_takes_the_benchmarks_it_did_not_have() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = crate::store::open(&dir.path().join("perfgate.db")).unwrap();
    let one = plan("0.05");
    check(
        &measure(&one),
        &mut store,
        &one.config,
        &CheckPlan::default(),
    )
    .unwrap();

    let two = plan_of(&[("nap", "0.05"), ("doze", "0.02")]);
    let outcome = check(
        &measure(&two),
        &mut store,
        &two.config,
        &CheckPlan::default(),
    )
    .unwrap();
    assert!(outcome.comparison.passed());
    assert_eq!(
        outcome.recorded[0].baseline,
        BaselineChange::Extended {
            name: "main".into(),
            added: vec!["doze".into()],
        }
    );
    assert_eq!(
        outcome.comparison.notes.last().unwrap(),
        "baseline `main` extended with 1 benchmark(s) it did not have, from run 2: doze"
    );
    let Some(BaselineSource::Stored(key)) = &outcome.recorded[0].source else {
        panic!("a stored baseline: {:?}", outcome.recorded[0].source)
    };
    let stored = store.baseline(key).unwrap().unwrap();
    let names: Vec<_> = stored.benchmarks.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["nap", "doze"]);
}
