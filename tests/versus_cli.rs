//! `perfgate versus` through the binary on real processes: a 2x slower B is critical, the
//! run order is interleaved in ABBA/BAAB blocks, outputs are cross-checked in every mode.

mod common;

use common::{perfgate, run};

fn versus(args: &[&str]) -> common::Run {
    run(perfgate().arg("versus").args(args))
}

#[test]
fn twice_as_slow_is_critical_and_blocks_when_asked() {
    let r = versus(&[
        "sleep 0.02",
        "sleep 0.04",
        "--runs",
        "6",
        "--format",
        "json",
        "--fail-on-regression",
    ]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let wall = &j["metrics"][0];
    assert_eq!(wall["metric"], "wall_time");
    let ratio = wall["ratio"].as_f64().unwrap();
    assert!((1.6..2.6).contains(&ratio), "{ratio}");
    assert_eq!(wall["significant"], true);
    assert_eq!(wall["status"], "critical");
    assert!((j["throughput_ratio"].as_f64().unwrap() * ratio - 1.0).abs() < 1e-9);
    assert_eq!(j["outputs"]["agree"], true);
}

#[test]
fn the_same_command_is_not_a_regression() {
    let r = versus(&[
        "sleep 0.02",
        "sleep 0.02",
        "--runs",
        "8",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let wall = &j["metrics"][0];
    assert!(
        (wall["ratio"].as_f64().unwrap() - 1.0).abs() < 0.3,
        "{wall}"
    );
    assert_ne!(wall["status"], "critical", "{wall}");
}

#[test]
fn runs_alternate_in_abba_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("order");
    let a = format!("printf A >> {}", log.display());
    let b = format!("printf B >> {}", log.display());
    let r = versus(&[
        &a,
        &b,
        "--runs",
        "8",
        "--warmup",
        "1",
        "--compare-output",
        "lines",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let seq = std::fs::read_to_string(&log).unwrap();
    // One warm-up of each, then 4 blocks of ABBA or BAAB.
    assert_eq!(&seq[..2], "AB");
    let measured = &seq[2..];
    assert_eq!(measured.len(), 16);
    for block in measured.as_bytes().chunks(4) {
        assert!(block == b"ABBA" || block == b"BAAB", "{seq}");
    }
}

#[test]
fn outputs_must_agree_in_the_chosen_way() {
    let r = versus(&["echo 1", "echo 2", "--runs", "2"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("A and B disagree") && r.stderr.contains("line 1: A \"1\" vs B \"2\""),
        "{}",
        r.stderr
    );
    let ok = versus(&[
        "echo 1.000",
        "echo 1.004",
        "--runs",
        "2",
        "--compare-output",
        "numeric",
        "--tolerance",
        "0.01",
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let bad = versus(&[
        "echo 1.0",
        "echo 1.1",
        "--runs",
        "2",
        "--compare-output",
        "numeric",
        "--tolerance",
        "0.01",
    ]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("number 1 differs beyond 0.01"),
        "{}",
        bad.stderr
    );
    let json = versus(&[
        r#"echo '{"a": 1, "b": [1, 2]}'"#,
        r#"echo '{"b": [1, 2], "a": 1}'"#,
        "--runs",
        "2",
        "--compare-output",
        "json",
    ]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let cmd = versus(&[
        "echo x",
        "echo x",
        "--runs",
        "2",
        "--compare-cmd",
        r#"cmp -s "$A_OUT" "$B_OUT""#,
    ]);
    assert_eq!(cmd.code, 0, "{}", cmd.stderr);
    let cmd = versus(&[
        "echo x",
        "echo y",
        "--runs",
        "2",
        "--compare-cmd",
        r#"cmp -s "$A_OUT" "$B_OUT""#,
    ]);
    assert_eq!(cmd.code, 2);
}

#[test]
fn a_failing_side_exits_3() {
    let r = versus(&["true", "exit 7", "--runs", "2"]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains("B (warm-up 1) exited with status 7"),
        "{}",
        r.stderr
    );
}
