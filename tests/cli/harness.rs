//! perfgate-harness (`harness/`) through perfgate: the known-cost benchmarks of
//! `harness/examples/known_cost.rs`, really run (each in its own processes), give the expected
//! time, allocation count and bytes; the report the harness writes validates against
//! schema/report.schema.json, carries the summaries perfgate itself computes, and a 2x slower
//! change is `critical` through `perfgate compare` and `perfgate check`.
//!
//! No assert here depends on the machine being quiet: the loops' times only by their ratio
//! within one run (its processes interleaved, so that a slow minute falls on both), with wide
//! bounds; the sleep's by its floor and a generous ceiling; allocation counts exactly. The 2x
//! regression is the sleep's, whose time does not depend on how busy the machine is: on the
//! shared development machine a process runs at one of two speeds about 2x apart, so a loop's
//! time in one run against another minutes later can move 2x with no change at all.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{perfgate, read_json, run, write};
use serde_json::Value;

/// `target/<profile>/examples/known_cost`, built by `cargo build -p perfgate-harness
/// --example known_cost` (a no-op when `cargo test` has just built the workspace's examples).
fn known_cost() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "build",
                "--quiet",
                "-p",
                "perfgate-harness",
                "--example",
                "known_cost",
            ])
            .current_dir(root)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the known_cost example failed");
        // This test binary is target/<profile>/deps/cli-<hash>.
        let profile = std::env::current_exe().unwrap();
        let profile = profile.parent().unwrap().parent().unwrap();
        let exe = profile.join("examples/known_cost");
        assert!(exe.is_file(), "{} was not built", exe.display());
        exe
    })
}

/// A short run: 10 processes (the default: with 6, a sure regression's p-value, 5.1e-3 at
/// best, is not significant among 19 tests once the false discovery rate is held), 20 ms of
/// warm-up and 40 ms of measuring each, interleaved.
const QUICK: [&str; 7] = [
    "--processes",
    "10",
    "--warm-up-ms",
    "20",
    "--measure-ms",
    "40",
    "--interleave",
];

fn harness(dir: &Path, slower: bool, args: &[&str]) -> common::Run {
    let mut cmd = Command::new(known_cost());
    cmd.args(args)
        .current_dir(dir)
        .env_remove("PERFGATE_MACHINE_ID");
    if slower {
        cmd.env("KNOWN_COST_SLOWER", "1");
    } else {
        cmd.env_remove("KNOWN_COST_SLOWER");
    }
    run(&mut cmd)
}

fn bench<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == name)
        .unwrap_or_else(|| panic!("no benchmark {name}"))
}

fn metric_in<'a>(report: &'a Value, name: &str, metric: &str) -> &'a Value {
    bench(report, name)["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == metric)
        .unwrap_or_else(|| panic!("no metric {name}.{metric}"))
}

fn samples(report: &Value, name: &str, metric: &str) -> Vec<f64> {
    metric_in(report, name, metric)["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn median(report: &Value, name: &str, metric: &str) -> f64 {
    metric_in(report, name, metric)["summary"]["median"]
        .as_f64()
        .unwrap()
}

fn validate(report: &Value, what: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
}

const NAMES: [&str; 5] = [
    "spin/n=20000",
    "spin/n=40000",
    "sleep/2ms",
    "alloc/4096",
    "setup/not_counted",
];

#[test]
fn known_costs_are_measured_and_the_report_is_perfgates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("h.json");
    let mut args = QUICK.to_vec();
    args.extend(["--output", out.to_str().unwrap()]);
    let r = harness(dir.path(), false, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The table on stderr, one row per benchmark.
    for name in NAMES {
        assert!(r.stderr.contains(name), "{}", r.stderr);
    }
    let report = read_json(&out);
    validate(&report, "the harness's report");
    let names: Vec<&str> = report["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, NAMES);
    assert_eq!(report["source"]["format"], "perfgate-harness");
    assert_eq!(report["source"]["metadata"]["processes"], 10);
    assert_eq!(report["suite"], "known_cost");
    assert_eq!(report["machine"]["id"], perfgate::context::machine().id);

    for name in NAMES {
        let b = bench(&report, name);
        assert_eq!(b["status"], "ok");
        for m in b["metrics"].as_array().unwrap() {
            let xs: Vec<f64> = m["samples"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            // One sample per process, each its own: no `processes` field.
            let expected = if m["name"] == "instructions" { 1 } else { 10 };
            assert_eq!(xs.len(), expected, "{name}.{}", m["name"]);
            assert!(m.get("processes").is_none());
            // The harness's summary is the one perfgate computes from the samples.
            assert_eq!(
                m["summary"],
                serde_json::to_value(perfgate::stats::summarize(&xs)).unwrap(),
                "{name}.{}",
                m["name"]
            );
        }
    }
    // A loop twice as long takes twice the time (CPU time, which no waiting for a core
    // inflates).
    let ratio =
        median(&report, "spin/n=40000", "cpu_time") / median(&report, "spin/n=20000", "cpu_time");
    assert!(
        (1.4..3.0).contains(&ratio),
        "40000 vs 20000 iterations: {ratio:.2}x"
    );
    // Throughput is the declared items over each process's time.
    let t = samples(&report, "spin/n=20000", "wall_time");
    let rate = samples(&report, "spin/n=20000", "throughput");
    for (t, r) in t.iter().zip(&rate) {
        assert_eq!(*r, 20_000.0 / t);
    }
    assert_eq!(
        metric_in(&report, "spin/n=20000", "throughput")["unit"],
        "items/s"
    );
    // A 2 ms sleep takes at least 2 ms, and not much more.
    let sleep = median(&report, "sleep/2ms", "wall_time");
    assert!((2.0e-3..5.0e-3).contains(&sleep), "sleep 2 ms: {sleep}");
    assert!(samples(&report, "sleep/2ms", "wall_time")
        .iter()
        .all(|s| *s >= 2.0e-3));
    // Allocations, exactly: one of 4096 bytes; none in a loop; the setup's are not counted.
    assert_eq!(samples(&report, "alloc/4096", "allocations"), [1.0; 10]);
    assert_eq!(
        samples(&report, "alloc/4096", "allocated_bytes"),
        [4096.0; 10]
    );
    assert_eq!(
        metric_in(&report, "alloc/4096", "allocations")["unit"],
        "count"
    );
    assert_eq!(samples(&report, "spin/n=20000", "allocations"), [0.0; 10]);
    assert_eq!(
        samples(&report, "setup/not_counted", "allocations"),
        [0.0; 10]
    );
    assert_eq!(
        samples(&report, "setup/not_counted", "allocated_bytes"),
        [0.0; 10]
    );
    assert!(samples(&report, "alloc/4096", "peak_rss")
        .iter()
        .all(|b| *b > 1e6));
    assert_eq!(
        bench(&report, "alloc/4096")["tags"],
        serde_json::json!(["memory"])
    );
    assert_eq!(
        bench(&report, "setup/not_counted")["params"]["category"],
        "setup"
    );
    assert_eq!(bench(&report, "spin/n=20000")["params"]["n"], 20_000);

    // The `perfgate` adapter takes it into a report of perfgate's own, samples intact.
    let ingested = dir.path().join("ingested.json");
    let r = run(perfgate().current_dir(dir.path()).args([
        "ingest",
        "--format",
        "perfgate",
        out.to_str().unwrap(),
        "--json-out",
        ingested.to_str().unwrap(),
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ingested = read_json(&ingested);
    validate(&ingested, "the ingested report");
    assert_eq!(ingested["source"]["format"], "perfgate");
    assert_eq!(
        ingested["source"]["metadata"]["harness"],
        "perfgate-harness"
    );
    assert_eq!(
        samples(&ingested, "sleep/2ms", "wall_time"),
        samples(&report, "sleep/2ms", "wall_time")
    );
    assert_eq!(
        bench(&ingested, "alloc/4096")["tags"],
        serde_json::json!(["memory"])
    );
}

#[test]
fn list_filters_and_bad_arguments_work_like_libtest() {
    let dir = tempfile::tempdir().unwrap();
    let r = harness(dir.path(), false, &["--list"]);
    assert_eq!(r.code, 0);
    let want: String = NAMES.iter().map(|n| format!("{n}: benchmark\n")).collect();
    assert_eq!(r.stdout, want);
    let r = harness(dir.path(), false, &["--bench", "--list", "spin"]);
    assert_eq!(
        r.stdout,
        "spin/n=20000: benchmark\nspin/n=40000: benchmark\n"
    );
    let r = harness(
        dir.path(),
        false,
        &["--list", "--exact", "spin/n=40000", "alloc"],
    );
    assert_eq!(r.stdout, "spin/n=40000: benchmark\n");
    let r = harness(dir.path(), false, &["--processes", "1"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: --processes must be at least 2 (one sample each)\n"
    );
    // A filtered run: only what was selected, and the report says so.
    let r = harness(
        dir.path(),
        false,
        &[
            "--exact",
            "alloc/4096",
            "--processes",
            "2",
            "--measure-ms",
            "5",
            "--warm-up-ms",
            "5",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["benchmarks"].as_array().unwrap().len(), 1);
    assert_eq!(report["selection"]["filter"], "^(alloc/4096)$");
}

#[test]
fn a_panicking_benchmark_is_failed_with_its_message_and_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(Command::new(known_cost())
        .args(["alloc/4096", "spin/n=20000", "--exact", "--processes", "2"])
        .args(["--warm-up-ms", "5", "--measure-ms", "5"])
        .env("KNOWN_COST_PANIC", "1")
        .current_dir(dir.path()));
    assert_eq!(r.code, 3, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    validate(&report, "a report with a failed benchmark");
    let failed = bench(&report, "alloc/4096");
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["metrics"], serde_json::json!([]));
    let reason = failed["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("process 1 of 2: ended with exit status: 101: thread 'main'"),
        "{reason}"
    );
    assert!(reason.contains("asked to panic"), "{reason}");
    assert_eq!(bench(&report, "spin/n=20000")["status"], "ok");
    assert!(
        r.stderr
            .contains("FAILED: process 1 of 2: ended with exit status: 101"),
        "{}",
        r.stderr
    );
    // Through perfgate, the harness's failure is the benchmark's: exit 3, never a pass.
    let r = run(perfgate()
        .current_dir(dir.path())
        .env("KNOWN_COST_PANIC", "1")
        .args([
            "run",
            "--adapter",
            "perfgate",
            "--",
            known_cost().to_str().unwrap(),
            "--exact",
            "alloc/4096",
            "--processes",
            "2",
        ]));
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
}

/// The baseline run and the 2x slower one, as report files.
fn two_reports(dir: &Path) -> (PathBuf, PathBuf) {
    let mut paths = Vec::new();
    for (slower, name) in [(false, "base.json"), (true, "slower.json")] {
        let path = dir.join(name);
        let mut args = QUICK.to_vec();
        args.extend(["--output", path.to_str().unwrap()]);
        let r = harness(dir, slower, &args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        paths.push(path);
    }
    (paths.remove(0), paths.remove(0))
}

fn row<'a>(comparison: &'a Value, bench: &str, metric: &str) -> &'a Value {
    comparison["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["benchmark"] == bench && m["metric"] == metric)
        .unwrap_or_else(|| panic!("no row {bench}.{metric} in {comparison}"))
}

fn status(comparison: &Value, bench: &str, metric: &str) -> String {
    row(comparison, bench, metric)["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// What the slower run must show, whichever command compared it: the doubled sleep critical,
/// every allocation count (exact) stable, every benchmark compared. The loops' times are not
/// asserted: between two runs on a busy machine they may move 2x with no change (module doc).
fn assert_verdicts(c: &Value) {
    assert_eq!(status(c, "sleep/2ms", "wall_time"), "critical", "{c}");
    let change = row(c, "sleep/2ms", "wall_time")["change_pct"]
        .as_f64()
        .unwrap();
    assert!(
        (60.0..140.0).contains(&change),
        "2 ms -> 4 ms is {change:+.0}%"
    );
    for name in NAMES {
        assert_eq!(status(c, name, "allocations"), "stable", "{name}: {c}");
        assert_eq!(status(c, name, "allocated_bytes"), "stable", "{name}: {c}");
        let time = status(c, name, "wall_time");
        assert!(
            !["new", "missing", "failed"].contains(&time.as_str()),
            "{name}: {time}"
        );
    }
}

#[test]
fn a_2x_slower_benchmark_is_critical_through_compare() {
    let dir = tempfile::tempdir().unwrap();
    let (base, slower) = two_reports(dir.path());
    let r = run(perfgate().current_dir(dir.path()).args([
        "compare",
        slower.to_str().unwrap(),
        base.to_str().unwrap(),
        "--format",
        "json",
        "--threshold-pct",
        "40",
        "--fail-on-regression",
    ]));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let c: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_verdicts(&c);
    // Samples of separate processes are tested for significance.
    let row = row(&c, "sleep/2ms", "wall_time");
    assert!(row["p_value"].as_f64().unwrap() < 0.05, "{row}");
}

#[test]
fn a_2x_slower_benchmark_is_critical_through_check() {
    let dir = tempfile::tempdir().unwrap();
    let config = |slower: bool| {
        format!(
            r#"suite = "harnessed"
[[bench]]
name = "known_cost"
command = ["{}", "--processes", "10", "--warm-up-ms", "20", "--measure-ms", "40", "--interleave"]
adapter = "perfgate"
{}
[thresholds]
"*" = {{ warn_pct = 20, fail_pct = 40 }}
"#,
            known_cost().display(),
            if slower {
                "env = { KNOWN_COST_SLOWER = \"1\" }"
            } else {
                ""
            }
        )
    };
    let check = || {
        run(perfgate()
            .args(["check", "--format", "json", "--fail-on-regression"])
            .current_dir(dir.path()))
    };
    write(&dir.path().join("perfgate.toml"), &config(false));
    let r = check();
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let c: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(c["notes"].to_string().contains("bootstrapped"), "{c}");
    assert_eq!(status(&c, "sleep/2ms", "wall_time"), "new");

    write(&dir.path().join("perfgate.toml"), &config(true));
    let r = check();
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let c: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_verdicts(&c);
}

#[test]
fn instructions_are_counted_under_callgrind_and_repeat_exactly() {
    if !common::have_tool("valgrind", "--version", "perfgate-harness --instructions") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let count = || {
        let r = harness(
            dir.path(),
            false,
            &[
                "spin/n=20000",
                "spin/n=40000",
                "--exact",
                "--processes",
                "2",
                "--warm-up-ms",
                "5",
                "--measure-ms",
                "5",
                "--instructions",
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let report: Value = serde_json::from_str(&r.stdout).unwrap();
        validate(&report, "a report with instruction counts");
        let tool = &report["source"]["metadata"]["benchmarks"]["spin/n=20000"]["instructions_tool"];
        assert!(tool.as_str().unwrap().starts_with("valgrind-"), "{tool}");
        ["spin/n=20000", "spin/n=40000"].map(|name| {
            let m = metric_in(&report, name, "instructions");
            assert_eq!(m["unit"], "count");
            samples(&report, name, "instructions")[0]
        })
    };
    let [a, b] = count();
    // Twice the steps, twice the instructions (plus the loop's own few, once per iteration).
    assert!(a > 20_000.0, "{a}");
    assert!((b / a - 2.0).abs() < 0.01, "{a} vs {b}");
    // The same binary and input count the same, whatever the machine is doing.
    assert_eq!(count(), [a, b]);
}
