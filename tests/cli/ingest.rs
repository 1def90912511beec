//! `perfgate ingest`, `run --adapter` and `[[bench]] adapter = ...` end to end through the
//! binary: generic JSON, perfgate's own reports, harness commands that fail or print garbage,
//! and `check` gating a harness suite.

use crate::common;

use std::path::Path;

use common::{busy, metric_of, perfgate, read_json, run, write};

#[test]
fn generic_json_becomes_a_report_in_si_units() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("metrics.json");
    write(
        &input,
        r#"{"parse/small": {"time": {"value": 1.5, "unit": "ms", "samples": [1.25, 1.5, 2.0]},
                             "accuracy": {"value": 0.9987, "unit": "ratio", "direction": "higher"},
                             "rate": {"value": 2.5, "unit": "MiB/s"}}}"#,
    );
    let out = dir.path().join("report.json");
    let r = run(perfgate()
        .args(["ingest", "--suite", "mine", "--tag", "nightly"])
        .arg(&input)
        .arg("--json-out")
        .arg(&out));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = read_json(&out);
    assert_eq!(report["suite"], "mine");
    assert_eq!(report["source"]["format"], "json");
    assert_eq!(report["benchmarks"][0]["name"], "parse/small");
    assert_eq!(
        report["benchmarks"][0]["tags"],
        serde_json::json!(["nightly"])
    );
    let time = metric_of(&report, 0, "time");
    assert_eq!(time["unit"], "s");
    assert_eq!(time["samples"], serde_json::json!([0.00125, 0.0015, 0.002]));
    assert_eq!(time["summary"]["n"], 3);
    assert_eq!(time["direction"], "lower_is_better");
    let acc = metric_of(&report, 0, "accuracy");
    assert_eq!(acc["direction"], "higher_is_better");
    assert_eq!(acc["summary"]["median"], 0.9987);
    assert_eq!(acc["unit"], "ratio");
    let rate = metric_of(&report, 0, "rate");
    assert_eq!(rate["unit"], "bytes/s");
    assert_eq!(rate["summary"]["median"], 2.5 * 1048576.0);
    assert_eq!(rate["direction"], "higher_is_better");
    // The table names every metric.
    assert!(
        r.stdout.contains("accuracy") && r.stdout.contains("1.50 ms"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_perfgate_report_is_read_as_it_is_and_can_be_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("run.json");
    let r = run(perfgate()
        .args(["run", "--runs", "3", "--warmup", "0", "--json-out"])
        .arg(&original)
        .args(["--", "true"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let store = dir.path().join("h.db");
    let r = run(perfgate()
        .args(["ingest", "--json-out", "-", "--record", "--store"])
        .arg(&store)
        .arg(&original));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ingested: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(ingested, read_json(&original));
    assert!(r.stderr.contains("recorded as run 1"), "{}", r.stderr);
}

#[test]
fn unrecognised_input_names_every_format_tried() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("junk.txt");
    write(&input, "hello\nthis is no benchmark output\n");
    let r = run(perfgate().arg("ingest").arg(&input));
    assert_eq!(r.code, 2);
    let line = r.stderr.trim();
    assert_eq!(line.lines().count(), 1, "{line}");
    for name in perfgate::ingest::names() {
        assert!(
            line.contains(&format!("{name}: ")),
            "{name} missing: {line}"
        );
    }
    assert!(line.contains("junk.txt"), "{line}");
    let r = run(perfgate()
        .args(["ingest", "--format", "nosuch"])
        .arg(&input));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("invalid value 'nosuch' for '--format <FORMAT>'")
            && r.stderr.contains("[possible values: auto, json, hyperfine"),
        "{}",
        r.stderr
    );
    let r = run(perfgate().args(["ingest", "--format", "json"]).arg(&input));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("json: line 1 column 1"), "{}", r.stderr);
}

/// A harness as a shell script: runs `busy N` five times and prints the generic JSON with five
/// samples. N comes from a file, so a test can make the code slower. The samples are the work
/// itself (N / 4 ns, with a 0.1% spread), not the harness's clock: these tests check how
/// `check` gates a harness's samples, and two wall-clock timings taken minutes apart on a
/// loaded 2-core machine once missed a 4x step.
const HARNESS: &str = r#"n=$(cat work.txt); s=""
for i in 1 2 3 4 5; do
  "$BUSY" "$n" >/dev/null
  s="$s${s:+,}$((n / 4 + n / 4000 * i))"
done
printf '{"loop": {"time": {"unit": "ns", "samples": [%s]}}}\n' "$s""#;

fn harness_project(work: u64, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("harness.sh"), HARNESS);
    write(&dir.path().join("work.txt"), &work.to_string());
    write(
        &dir.path().join("perfgate.toml"),
        &format!(
            r#"suite = "harnessed"
[[bench]]
name = "shell-harness"
command = ["sh", "harness.sh"]
adapter = "json"
env = {{ BUSY = "{}" }}
{extra}
[thresholds]
"*.time" = {{ warn_pct = 25, fail_pct = 50 }}
"#,
            busy().display()
        ),
    );
    dir
}

#[test]
fn check_gates_a_harness_suite() {
    let dir = harness_project(50_000_000, "");
    let check = |dir: &Path| {
        run(perfgate()
            .args(["check", "--format", "json", "--fail-on-regression"])
            .current_dir(dir))
    };
    let r = check(dir.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let c: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(c["notes"].to_string().contains("bootstrapped"), "{c}");
    assert_eq!(c["metrics"][0]["benchmark"], "loop");
    assert_eq!(c["metrics"][0]["metric"], "time");

    // Four times the work: the harness's own samples show it.
    write(&dir.path().join("work.txt"), "200000000");
    let r = check(dir.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let c: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(c["metrics"][0]["status"], "critical", "{c}");
    let change = c["metrics"][0]["change_pct"].as_f64().unwrap();
    assert!(
        (change - 300.0).abs() < 1e-6,
        "4x the work is {change:+.0}%"
    );
}

#[test]
fn run_adapter_reads_stdout_or_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let r = run(perfgate()
        .args(["run", "--adapter", "json", "--json-out"])
        .arg(&out)
        .args([
            "--shell",
            "--",
            r#"echo '{"a": {"items": {"value": 3, "unit": "ops/s"}}}'"#,
        ])
        .current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = read_json(&out);
    assert_eq!(report["benchmarks"][0]["name"], "a");
    assert_eq!(metric_of(&report, 0, "items")["summary"]["median"], 3.0);
    assert_eq!(report["source"]["format"], "json");

    let r = run(perfgate()
        .args([
            "run",
            "--adapter",
            "auto",
            "--adapter-output",
            "written.json",
        ])
        .arg("--json-out")
        .arg(&out)
        .args([
            "--shell",
            "--",
            r#"echo '{"b": {"t": {"value": 2, "unit": "us"}}}' > written.json"#,
        ])
        .current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = read_json(&out);
    assert_eq!(report["benchmarks"][0]["name"], "b");
    assert_eq!(metric_of(&report, 0, "t")["summary"]["median"], 2e-6);
}

#[test]
fn a_failing_or_unreadable_harness_is_failed_never_fast() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let adhoc = |script: &str| {
        run(perfgate()
            .args(["run", "--adapter", "json", "--name", "h", "--json-out"])
            .arg(&out)
            .args(["--shell", "--", script]))
    };
    let r = adhoc(r#"echo '{"a": {"t": {"value": 1, "unit": "s"}}}'; echo boom >&2; exit 4"#);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let report = read_json(&out);
    assert_eq!(report["benchmarks"].as_array().unwrap().len(), 1);
    assert_eq!(report["benchmarks"][0]["name"], "h");
    assert_eq!(report["benchmarks"][0]["status"], "failed");
    let reason = report["benchmarks"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("exited with status 4") && reason.contains("boom"),
        "{reason}"
    );

    let r = adhoc("echo 'not json at all'");
    assert_eq!(r.code, 3, "{}", r.stderr);
    let report = read_json(&out);
    let reason = report["benchmarks"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("json: line 1 column"), "{reason}");

    let r = run(perfgate().args(["run", "--adapter", "criterion2", "--", "true"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("invalid value 'criterion2' for '--adapter <NAME>'")
            && r.stderr.contains("a similar value exists: 'criterion'"),
        "{}",
        r.stderr
    );
}

#[test]
fn config_refuses_sampling_options_with_an_adapter() {
    let dir = harness_project(1000, "runs = 5");
    let r = run(perfgate().arg("run").current_dir(dir.path()));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`runs` does not apply with `adapter`"),
        "{}",
        r.stderr
    );
    let dir = harness_project(1000, "");
    let toml = std::fs::read_to_string(dir.path().join("perfgate.toml")).unwrap();
    write(
        &dir.path().join("perfgate.toml"),
        &toml.replace("adapter = \"json\"", "adapter = \"jsno\""),
    );
    let r = run(perfgate().arg("run").current_dir(dir.path()));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("perfgate.toml"), "{}", r.stderr);
    assert!(r.stderr.contains("unknown adapter `jsno`"), "{}", r.stderr);
}

/// Two real criterion runs (tests/fixtures/criterion/run1 and run2: `fib 20` made slower in
/// between) ingested through the binary and compared: the slowed benchmark is critical and
/// blocks with --fail-on-regression; an unchanged one is stable.
#[test]
fn two_criterion_runs_ingested_and_compared_flag_the_regression() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/criterion");
    for (run_dir, out) in [("run1", "base.json"), ("run2", "cur.json")] {
        let r = run(perfgate()
            .arg("ingest")
            .arg(fixtures.join(run_dir))
            .args(["--suite", "crit", "--json-out"])
            .arg(dir.path().join(out)));
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let cur = read_json(&dir.path().join("cur.json"));
    assert_eq!(cur["source"]["format"], "criterion");
    // criterion's samples are iterations of one process.
    assert_eq!(cur["benchmarks"][0]["metrics"][0]["processes"], 1);
    let r = run(perfgate()
        .args([
            "compare",
            "cur.json",
            "base.json",
            "--format",
            "json",
            "--fail-on-regression",
        ])
        .current_dir(dir.path()));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let c: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let status = |bench: &str| {
        c["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["benchmark"] == bench && m["metric"] == "time")
            .unwrap_or_else(|| panic!("no {bench}.time in {c}"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status("fib 20"), "critical");
    assert_eq!(status("sum/1000"), "stable");
    // criterion's own text form of the same runs agrees on what regressed.
    let text = std::fs::read_to_string(fixtures.join("run2.txt")).unwrap();
    let fib = text.split("fib 20").nth(1).unwrap();
    assert!(fib.contains("Performance has regressed."));
}

/// A `go test -bench -count 4`-style harness as a shell script: four timed `busy` runs of one
/// process, printed as Go benchmark lines.
const GO_HARNESS: &str = r#"n=$(cat work.txt)
for i in 1 2 3 4; do
  a=$(date +%s%N); "$BUSY" "$n" >/dev/null; b=$(date +%s%N)
  printf 'BenchmarkLoop-2   \t       1\t%d ns/op\n' "$((b - a))"
done"#;

/// A harness's inner iterations are one process's samples: recorded as `processes: 1`, not
/// tested for significance (no p-value; the reason says why). With `processes = 3` the harness
/// runs three times and each process gives one independent sample, which is tested.
#[test]
fn inner_iterations_of_one_process_are_not_independent_samples() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("harness.sh"), GO_HARNESS);
    write(&dir.path().join("work.txt"), "30000000");
    let config = |processes: &str| {
        format!(
            "suite = \"go\"\n[[bench]]\nname = \"go-harness\"\ncommand = [\"sh\", \"harness.sh\"]\nadapter = \"gotest\"\nenv = {{ BUSY = \"{}\" }}\n{processes}\n",
            busy().display()
        )
    };
    let run_to = |out: &str| {
        let r = run(perfgate()
            .args(["run", "--json-out", out])
            .current_dir(dir.path()));
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        read_json(&dir.path().join(out))
    };
    write(&dir.path().join("perfgate.toml"), &config(""));
    let one = run_to("one.json");
    let m = &one["benchmarks"][0]["metrics"][0];
    assert_eq!(one["benchmarks"][0]["name"], "BenchmarkLoop");
    assert_eq!(m["samples"].as_array().unwrap().len(), 4, "{m}");
    assert_eq!(m["processes"], 1, "{m}");
    // Four times the work (robust to the load of a shared machine), compared: the threshold
    // decides, with no test on the iterations.
    write(&dir.path().join("work.txt"), "120000000");
    run_to("slow.json");
    let r = run(perfgate()
        .args(["compare", "slow.json", "one.json", "--format", "json"])
        .current_dir(dir.path()));
    let c: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let row = &c["metrics"][0];
    assert_eq!(row["status"], "critical", "{row}");
    assert!(row["p_value"].is_null(), "{row}");
    assert!(row["change_ci95_pct"].is_null(), "{row}");
    assert!(
        row["reason"].as_str().unwrap().contains("inner iterations"),
        "{row}"
    );

    write(&dir.path().join("perfgate.toml"), &config("processes = 3"));
    let three = run_to("three.json");
    let m = &three["benchmarks"][0]["metrics"][0];
    assert_eq!(m["samples"].as_array().unwrap().len(), 3, "{m}");
    assert!(m.get("processes").is_none(), "{m}");
    assert_eq!(m["summary"]["n"], 3);
    let r = run(perfgate()
        .args(["compare", "three.json", "one.json", "--format", "json"])
        .current_dir(dir.path()));
    let c: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    // One side is still inner iterations: not tested.
    assert!(c["metrics"][0]["p_value"].is_null(), "{c}");

    write(
        &dir.path().join("perfgate.toml"),
        "suite = \"x\"\n[[bench]]\nname = \"a\"\ncommand = [\"true\"]\nprocesses = 2\n",
    );
    let r = run(perfgate().args(["run"]).current_dir(dir.path()));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`processes` needs `adapter`"),
        "{}",
        r.stderr
    );
}
