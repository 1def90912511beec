use std::io::Write;

use super::outputs::Mode;
use super::*;
use crate::config::Exec;
use crate::gate::{judge_paired, PairedPolicy, PairedStatus, Verdict};
use crate::runner::executor::mock_measurement;
use crate::runner::{MockExecutor, RunOutcome, RunRequest};

#[test]
fn the_order_is_in_balanced_blocks() {
    let mut rng = SplitMix64::new(1);
    let o = order(10, &mut rng);
    assert_eq!(o.len(), 20);
    assert_eq!(o.iter().filter(|s| **s == Side::A).count(), 10);
    for block in o.chunks(4) {
        assert!(
            block == [Side::A, Side::B, Side::B, Side::A]
                || block == [Side::B, Side::A, Side::A, Side::B]
        );
    }
    let o = order(3, &mut rng);
    assert_eq!(o.iter().filter(|s| **s == Side::A).count(), 3);
}

#[test]
fn a_constant_ratio_has_a_point_interval_and_no_doubt() {
    let a = [1.0, 1.1, 0.9, 1.0, 1.05, 0.95];
    let b: Vec<f64> = a.iter().map(|x| x * 2.0).collect();
    let paired = ratio(&a, &b, 1, "wall_time");
    assert!((paired.ratio().unwrap() - 2.0).abs() < 1e-12);
    let [lo, hi] = paired.ci95().unwrap();
    assert!((lo - 2.0).abs() < 1e-9 && (hi - 2.0).abs() < 1e-9);
    assert_eq!(paired.p_value(), Some(0.0));
    // The same on both sides: every log-ratio is 0, nothing is shown to differ.
    assert_eq!(ratio(&a, &a, 1, "wall_time").p_value(), Some(1.0));
}

#[test]
fn zeros_on_both_sides_are_shown_as_such_and_never_tested() {
    let zeros = [0.0; 6];
    assert_eq!(ratio(&zeros, &zeros, 1, "sys_time"), PairedRatio::AllZero);
    // A's median 0 and B's not: no ratio (not NaN, not infinity).
    let b = [0.0, 0.001, 0.001, 0.002, 0.0, 0.001];
    assert_eq!(ratio(&zeros, &b, 1, "sys_time"), PairedRatio::NoRatio);
    // Some zeros, A's median positive: the ratio of medians, with no interval (no logs) and
    // no test.
    let a = [0.001, 0.001, 0.0, 0.001, 0.002, 0.001];
    assert_eq!(
        ratio(&a, &b, 1, "sys_time"),
        PairedRatio::Ratio {
            ratio: 1.0,
            ci95: None,
            p_value: None
        }
    );
}

/// The p-value comes from the interval's own resamples: whenever the interval excludes 1,
/// p <= 0.05, so with `--fdr off` the interval alone decides, as it did before the gate's
/// false discovery control applied to versus.
#[test]
fn the_p_value_agrees_with_the_interval() {
    let mut noise = SplitMix64::new(7);
    let mut wobble = move || (noise.below(1000) as f64 / 1000.0 - 0.5) * 0.2;
    let mut significant = 0;
    for case in 0..60 {
        let shift = [0.0, 0.02, 0.05, 0.1][case % 4];
        let pairs = 4 + case % 9;
        let a: Vec<f64> = (0..pairs).map(|_| 1.0 + wobble()).collect();
        let b: Vec<f64> = a.iter().map(|x| x * (1.0 + shift + wobble())).collect();
        let paired = ratio(&a, &b, case as u64, "wall_time");
        let (ci, p) = (paired.ci95().unwrap(), paired.p_value().unwrap());
        assert!((0.0..=1.0).contains(&p));
        if ci[0] > 1.0 || ci[1] < 1.0 {
            significant += 1;
            assert!(p <= 0.05, "{ci:?} excludes 1 but p = {p}");
        }
    }
    assert!(significant > 5, "{significant}");
}

/// A mock of two programs: `a` prints `42` in `secs[0]` seconds, `b` prints `b_out` (from its
/// `from`th run on, before that `42`) in `secs[1]`, each up to 2% slower by run. Any other
/// command is `mock_measurement`'s (`sleep S` takes S seconds).
fn two_programs(
    secs: [f64; 2],
    b_out: &'static str,
    from: usize,
) -> MockExecutor<impl FnMut(&RunRequest<'_>) -> RunMeasurement> {
    let (mut runs, mut b_runs) = (0, 0);
    MockExecutor::new(move |req: &RunRequest<'_>| {
        runs += 1;
        let Exec::Shell(cmd) = req.exec else {
            unreachable!("versus runs shell commands")
        };
        let is_b = cmd == "b";
        b_runs += usize::from(is_b);
        let out = if is_b && b_runs >= from {
            b_out
        } else {
            "42\n"
        };
        if let Some(mut file) = req.capture_stdout {
            file.write_all(out.as_bytes()).unwrap();
        }
        let mut m = mock_measurement(req);
        if cmd == "a" || is_b {
            m.wall_time = secs[usize::from(is_b)] * (1.0 + (runs % 3) as f64 / 100.0);
        }
        m
    })
}

fn plan(pairs: usize) -> Plan {
    Plan {
        commands: ["a".into(), "b".into()],
        startup: None,
        pairs,
        warmup: 1,
        check: Check::Output(Mode::Hash),
        seed: 3,
    }
}

#[test]
fn the_runs_follow_the_schedule_and_the_gate_judges_them() {
    let mut exec = two_programs([0.1, 0.2], "42\n", 1);
    let run = run(&plan(8), &mut exec).unwrap();
    // One warm-up of each, then 16 measured runs.
    assert_eq!(exec.calls, 18);
    assert_eq!(run.order, order(8, &mut SplitMix64::new(3)));
    assert_eq!(run.measured.each_ref().map(std::vec::Vec::len), [8, 8]);
    assert!(run
        .agreement
        .starts_with("stdout compared byte for byte (A's stdout sha256 "));
    let measured = measured(&run, 3);
    let names: Vec<&str> = measured.metrics.iter().map(|m| m.metric.as_str()).collect();
    assert_eq!(names, ["wall_time", "user_time", "sys_time", "peak_rss"]);
    let judgement = judge_paired(&measured.metrics, &PairedPolicy::default());
    let outcome = outcome(&plan(8), &run, &measured, &judgement);
    let wall = &outcome.metrics[0];
    assert!((wall.ratio.unwrap() - 2.0).abs() < 0.05, "{wall:?}");
    assert_eq!(wall.status, PairedStatus::Judged(Verdict::Critical));
    assert!(wall.significant && wall.q_value.is_some());
    assert_eq!(outcome.throughput_ratio, wall.ratio.map(|r| 1.0 / r));
    // The mock's peak RSS is the same in every run.
    assert_eq!(
        outcome.metrics[3].status,
        PairedStatus::Judged(Verdict::Stable)
    );
    assert_eq!(outcome.peak_memory_ratio, Some(1.0));
    assert_eq!(outcome.outputs.mode, "hash");
    assert_eq!(outcome.notes.len(), 1, "{:?}", outcome.notes);
}

#[test]
fn start_up_is_timed_in_the_same_order() {
    let plan = Plan {
        startup: Some(["sleep 0.001".into(), "sleep 0.003".into()]),
        ..plan(4)
    };
    let mut exec = two_programs([0.1, 0.1], "42\n", 1);
    let run = run(&plan, &mut exec).unwrap();
    assert_eq!(exec.calls, 2 + 8 + 8);
    assert_eq!(
        run.startup
            .as_ref()
            .unwrap()
            .each_ref()
            .map(std::vec::Vec::len),
        [4, 4]
    );
    let measured = measured(&run, 3);
    assert_eq!(measured.metrics[4].metric, "startup_time");
    assert_eq!(measured.medians[4], [0.001, 0.003]);
}

#[test]
fn outputs_that_differ_or_change_stop_it() {
    let stop = run(&plan(2), &mut two_programs([0.1, 0.1], "43\n", 1)).unwrap_err();
    assert_eq!(stop.exit_status(), crate::error::ExitStatus::BadInput);
    assert!(
        stop.to_string()
            .starts_with("A and B disagree (stdout compared byte for byte): "),
        "{stop}"
    );
    // B agrees in its warm-up, then prints something else in its second measured run.
    let stop = run(&plan(2), &mut two_programs([0.1, 0.1], "43\n", 3)).unwrap_err();
    assert!(
        stop.to_string()
            .starts_with("B's output changed between runs (run "),
        "{stop}"
    );
    assert_eq!(stop.exit_status(), crate::error::ExitStatus::BadInput);
}

#[test]
fn a_failing_run_stops_it_with_its_stderr() {
    let mut exec = MockExecutor::new(|req: &RunRequest<'_>| {
        let mut m = mock_measurement(req);
        if matches!(req.exec, Exec::Shell(c) if c == "b") {
            m.outcome = RunOutcome::Exited(7);
            m.stderr_tail = "no such file".into();
        }
        m
    });
    let stop = run(&plan(2), &mut exec).unwrap_err();
    assert_eq!(
        stop.to_string(),
        "B (warm-up 1) exited with status 7; stderr: no such file"
    );
    assert_eq!(
        stop.exit_status(),
        crate::error::ExitStatus::BenchmarkFailed
    );
    let mut exec = MockExecutor::new(|req: &RunRequest<'_>| {
        let mut m = mock_measurement(req);
        m.outcome = RunOutcome::Interrupted(libc::SIGINT);
        m
    });
    let stop = run(&plan(2), &mut exec).unwrap_err();
    assert!(matches!(
        stop,
        Stop::Error(crate::error::Error::Interrupted(_))
    ));
    assert_eq!(stop.exit_status(), crate::error::ExitStatus::Interrupted);
}
