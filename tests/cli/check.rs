//! `perfgate check`, baselines, history and trend, end to end through the binary and a real
//! SQLite store in a temporary project; benchmarks run on the mock executor where a test is
//! about what `check` decides, and as real processes where it is about measuring.

use crate::common;

use std::path::{Path, PathBuf};

use common::{perfgate, read_json, run, write, Run};

/// A project whose one CPU benchmark sleeps `secs`. These tests are about the mechanics of
/// `check` (bootstrap, resolution, recording), not about noise: [`check`] runs them on the mock
/// executor. The config's wider thresholds (25% / 50% on wall time) date from when they ran
/// real sleeps; they still hold every verdict below, and keep the config realistic.
fn project(secs: &str, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), secs, extra);
    dir
}

fn write_config(dir: &Path, secs: &str, extra: &str) {
    write(
        &dir.join("perfgate.toml"),
        &format!(
            r#"suite = "proj"
{extra}
[defaults]
runs = 6
warmup = 1
[[bench]]
name = "nap"
command = ["sleep", "{secs}"]
tags = ["smoke"]
[thresholds]
"*.wall_time" = {{ warn_pct = 25, fail_pct = 50 }}
"*.user_time" = {{ warn_pct = 400, fail_pct = 500 }}
"*.sys_time" = {{ warn_pct = 400, fail_pct = 500 }}
"#
        ),
    );
}

/// `perfgate check` with the mock executor (the hidden `PERFGATE_EXECUTOR=mock`): `sleep S`
/// takes exactly S seconds, so the verdicts these mechanics depend on are exact however
/// loaded the machine is (a real 50 ms sleep measured minutes apart under a load of 8 was
/// once judged `inconclusive`, not `critical`). The tests that need real processes (the
/// README's demo, noise recorded in history, concurrent checks) use [`check_real`].
fn check(dir: &Path, args: &[&str]) -> Run {
    run(perfgate()
        .env("PERFGATE_EXECUTOR", "mock")
        .arg("check")
        .args(args)
        .current_dir(dir))
}

fn check_real(dir: &Path, args: &[&str]) -> Run {
    run(perfgate().arg("check").args(args).current_dir(dir))
}

fn comparison(dir: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    comparison_by(check, dir, args)
}

fn comparison_by(
    check: fn(&Path, &[&str]) -> Run,
    dir: &Path,
    args: &[&str],
) -> (i32, serde_json::Value, String) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let r = check(dir, &all);
    let json =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", r.stdout, r.stderr));
    (r.code, json, r.stderr)
}

fn status_of(c: &serde_json::Value, bench: &str, metric: &str) -> String {
    c["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["benchmark"] == bench && m["metric"] == metric)
        .unwrap_or_else(|| panic!("no {bench}.{metric} in {c}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

fn notes(c: &serde_json::Value) -> String {
    c["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn bootstrap_then_pass_then_block_a_regression() {
    let dir = project("0.05", "");
    let (code, c, _) = comparison(dir.path(), &["--fail-on-regression"]);
    assert_eq!(code, 0);
    assert!(notes(&c).contains("baseline bootstrapped"), "{}", notes(&c));
    assert_eq!(status_of(&c, "nap", "wall_time"), "new");
    let db = dir.path().join(".perfgate/perfgate.db");
    assert!(db.is_file());
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".perfgate/.gitignore")).unwrap(),
        "*\n"
    );

    let (code, c, _) = comparison(dir.path(), &["--fail-on-regression"]);
    assert_eq!(code, 0, "{c}");
    assert_eq!(status_of(&c, "nap", "wall_time"), "stable");

    write_config(dir.path(), "0.1", "");
    let r = check(dir.path(), &["--fail-on-regression"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("critical"), "{}", r.stdout);
    assert!(r.stderr.contains("nap.wall_time: +"), "{}", r.stderr);
    // Run by hand, not from a hook: no `--no-verify` advice (it would not apply).
    assert!(!r.stderr.contains("--no-verify"), "{}", r.stderr);
    assert!(
        r.stderr.contains("perfgate baseline save --run 3"),
        "{}",
        r.stderr
    );
    // Soft by default; the baseline never moves by itself.
    let (code, c, _) = comparison(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(status_of(&c, "nap", "wall_time"), "critical");

    // History has all four runs, newest first.
    let r = run(perfgate()
        .args(["history", "--format", "json"])
        .current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let h: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let ids: Vec<i64> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 4);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    let newest = &h[0]["metrics"][0];
    assert_eq!(newest["metric"], "wall_time");
    assert!(newest["median"].as_f64().unwrap() >= 0.1);
    assert!(
        newest["change_pct"].as_f64().unwrap().abs() < 20.0,
        "same speed as the run before"
    );
    let older = &h[1]["metrics"][0];
    assert!(
        older["change_pct"].as_f64().unwrap() > 50.0,
        "the slow run doubled: {older}"
    );
}

#[test]
fn update_baseline_moves_it_forward_only_after_a_pass() {
    let dir = project("0.05", "");
    assert_eq!(check(dir.path(), &[]).code, 0);
    write_config(dir.path(), "0.1", "");
    let (_, c, _) = comparison(dir.path(), &["--update-baseline"]);
    assert_eq!(status_of(&c, "nap", "wall_time"), "critical");
    assert!(notes(&c).contains("NOT updated"), "{}", notes(&c));
    // Accept the slower numbers explicitly, then the same speed passes.
    let r = run(perfgate()
        .args(["baseline", "save"])
        .current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("saved baseline `main`"), "{}", r.stdout);
    let (code, c, _) = comparison(dir.path(), &["--fail-on-regression", "--update-baseline"]);
    assert_eq!(code, 0, "{c}");
    assert!(notes(&c).contains("moved forward"), "{}", notes(&c));
    let r = run(perfgate()
        .args(["baseline", "list"])
        .current_dir(dir.path()));
    assert!(r.stdout.contains("(--update-baseline)"), "{}", r.stdout);
}

#[test]
fn baseline_resolution_order() {
    let dir = project("0.05", "baseline_dir = \"perf/baselines\"");
    assert_eq!(check(dir.path(), &[]).code, 0); // bootstraps the stored `main`
    let fast_report = dir.path().join("fast.json");
    assert_eq!(
        check(dir.path(), &["--json-out", fast_report.to_str().unwrap()]).code,
        0
    );

    // A committed baseline from a much slower build takes precedence over the stored one.
    write_config(dir.path(), "0.15", "baseline_dir = \"perf/baselines\"");
    let slow_report = dir.path().join("slow.json");
    assert_eq!(
        run(perfgate()
            .args(["run", "--json-out"])
            .arg(&slow_report)
            .current_dir(dir.path()))
        .code,
        0
    );
    let committed = dir.path().join("perf/baselines/proj-cpu.json");
    std::fs::create_dir_all(committed.parent().unwrap()).unwrap();
    let r = run(perfgate()
        .args(["compare", "--emit-template"])
        .arg(&slow_report)
        .arg("-o")
        .arg(&committed));
    assert_eq!(r.code, 0);
    write_config(dir.path(), "0.05", "baseline_dir = \"perf/baselines\"");
    let (_, c, _) = comparison(dir.path(), &[]);
    assert_eq!(
        status_of(&c, "nap", "wall_time"),
        "improved",
        "committed file used: {c}"
    );

    // --baseline FILE beats the committed file; --baseline NAME picks a stored baseline.
    let (_, c, _) = comparison(dir.path(), &["--baseline", fast_report.to_str().unwrap()]);
    assert_eq!(status_of(&c, "nap", "wall_time"), "stable");
    let (_, c, _) = comparison(dir.path(), &["--baseline", "main"]);
    assert_eq!(status_of(&c, "nap", "wall_time"), "stable");
    let r = check(dir.path(), &["--baseline", "no-such-baseline"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no stored baseline `no-such-baseline`"),
        "{}",
        r.stderr
    );
}

#[test]
fn another_machines_baseline_is_refused_unless_allowed() {
    let dir = project("0.05", "baseline_dir = \"perf/baselines\"");
    let report = dir.path().join("r.json");
    assert_eq!(
        run(perfgate()
            .args(["run", "--json-out"])
            .arg(&report)
            .current_dir(dir.path()))
        .code,
        0
    );
    let mut other = read_json(&report);
    other["machine"]["id"] = "ffffffffffffffff".into();
    other["machine"]["cpu_model"] = "Some Other CPU".into();
    let committed = dir.path().join("perf/baselines/proj-cpu.json");
    std::fs::create_dir_all(committed.parent().unwrap()).unwrap();
    write(&committed, &other.to_string());
    let r = check(dir.path(), &[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("refusing to compare across testbeds"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("Some Other CPU"), "{}", r.stderr);
    let (code, c, stderr) = comparison(dir.path(), &["--allow-other-machine"]);
    assert_eq!(code, 0);
    assert!(stderr.contains("WARNING"), "{stderr}");
    assert!(notes(&c).contains("another testbed"), "{}", notes(&c));
}

fn gpu_project() -> tempfile::TempDir {
    let dir = project("0.01", "");
    let mut text = std::fs::read_to_string(dir.path().join("perfgate.toml")).unwrap();
    text.push_str("[[bench]]\nname = \"kernel\"\ndevice = \"cuda\"\nshell = \"echo 'CUDA error: out of memory' >&2; exit 1\"\n");
    write(&dir.path().join("perfgate.toml"), &text);
    dir
}

#[test]
fn a_failing_gpu_benchmark_warns_unless_strict() {
    let dir = gpu_project();
    // No GPU here: the cuda benchmark is skipped, the CPU one checked.
    let (code, c, _) = comparison(dir.path(), &[]);
    assert_eq!(code, 0);
    assert!(
        notes(&c).contains("device `cuda`: nothing ran"),
        "{}",
        notes(&c)
    );
    // A (fake) GPU whose benchmark fails: a warning by default...
    let r = run(perfgate()
        .args(["check", "--format", "json"])
        .current_dir(dir.path())
        .env("PERFGATE_FAKE_DEVICES", "cuda"));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let c: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(status_of(&c, "kernel", "*"), "warning");
    let row = c["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["benchmark"] == "kernel")
        .unwrap();
    assert!(
        row["reason"].as_str().unwrap().contains("out of memory"),
        "{row}"
    );
    // ... and blocking when strict, by flag or environment.
    let r = run(perfgate()
        .args(["check", "--strict-gpu"])
        .current_dir(dir.path())
        .env("PERFGATE_FAKE_DEVICES", "cuda"));
    assert_eq!(r.code, 3, "{}", r.stdout);
    let r = run(perfgate()
        .arg("check")
        .current_dir(dir.path())
        .env("PERFGATE_FAKE_DEVICES", "cuda")
        .env("PERFGATE_STRICT_GPU", "1"));
    assert_eq!(r.code, 3, "{}", r.stdout);
}

#[test]
fn a_failing_cpu_benchmark_exits_3_and_bootstraps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("perfgate.toml"),
        "suite = \"x\"\n[[bench]]\nname = \"bad\"\ncommand = [\"false\"]\nruns = 2\n",
    );
    let (code, c, _) = comparison(dir.path(), &[]);
    assert_eq!(code, 3);
    assert!(notes(&c).contains("not bootstrapped"), "{}", notes(&c));
    let r = run(perfgate()
        .args(["baseline", "list"])
        .current_dir(dir.path()));
    assert!(r.stdout.contains("no baselines"), "{}", r.stdout);
}

#[test]
fn two_checks_at_once_both_land() {
    let dir = project("0.05", "");
    assert_eq!(check(dir.path(), &[]).code, 0);
    let spawn = || {
        perfgate()
            .args(["check", "--runs", "8"])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let r = run(perfgate()
        .args(["history", "--format", "json"])
        .current_dir(dir.path()));
    let h: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(h.as_array().unwrap().len(), 3);
}

/// `baseline save` into a committed file (its thresholds kept on a second save), into the
/// store, `show` and `rm`: each says what it did, and what each refuses is named.
#[test]
fn baseline_save_show_and_rm_say_what_they_did_and_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        &d.join("a.json"),
        r#"{"parse": {"time": {"unit": "ms", "samples": [1, 2, 3]}}}"#,
    );
    let pg = |args: &[&str]| run(perfgate().args(args).current_dir(d));
    for _ in 0..2 {
        let r = pg(&["ingest", "a.json", "--record"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let save = ["baseline", "save", "--suite", "ingested"];
    for (extra, refusal) in [
        (&["--runs", "0"][..], "--runs must be at least 1"),
        (
            &["--from-history", "first"],
            "--from-history first: only `last`",
        ),
        (
            &["--device", "cuda"],
            "no recorded runs of suite `ingested`, device `cuda`",
        ),
    ] {
        let r = pg(&[&save[..], extra].concat());
        assert_eq!(r.code, 2, "{extra:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(refusal), "{extra:?}: {}", r.stderr);
    }
    let r = pg(&[&save[..], &["--runs", "2", "--file", "base.json"]].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "wrote baseline file base.json from runs 2,1 pooled: 1 benchmarks\n"
    );
    let mut file = read_json(&d.join("base.json"));
    assert_eq!(file["benchmarks"][0]["metrics"][0]["summary"]["n"], 6);
    file["thresholds"] = serde_json::json!({ "parse.time": { "fail_pct": 7.0 } });
    write(&d.join("base.json"), &file.to_string());
    let r = pg(&[&save[..], &["--run", "1", "--file", "base.json"]].concat());
    assert_eq!(
        r.stdout,
        "wrote baseline file base.json from run 1: 1 benchmarks (its thresholds kept)\n"
    );
    let kept = read_json(&d.join("base.json"));
    assert_eq!(kept["thresholds"]["parse.time"]["fail_pct"], 7.0);
    assert_eq!(kept["benchmarks"][0]["metrics"][0]["summary"]["n"], 3);

    let r = pg(&[&save[..], &["--run", "2"]].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("saved baseline `main` (suite `ingested`, device `cpu`, this testbed `")
            && r.stdout.ends_with(") from run 2: 1 benchmarks\n"),
        "{}",
        r.stdout
    );
    let name = ["main", "--suite", "ingested"];
    let r = pg(&[&["baseline", "show"][..], &name].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("baseline `main`: suite `ingested`, device `cpu`, recorded "),
        "{}",
        r.stdout
    );
    let r = pg(&[&["baseline", "rm"][..], &name].concat());
    assert_eq!(
        r.stdout,
        "removed baseline `main` (suite `ingested`, device `cpu`)\n"
    );
    let r = pg(&[&["baseline", "rm"][..], &name].concat());
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("no stored baseline `main` to remove"),
        "{}",
        r.stderr
    );
    let r = pg(&[&["baseline", "show"][..], &name].concat());
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains(
            "no stored baseline `main` for suite `ingested`, device `cpu` on this machine"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn pooled_baselines_export_import_and_the_trend_artifact() {
    let dir = project("0.01", "");
    for _ in 0..3 {
        assert_eq!(check(dir.path(), &[]).code, 0);
    }
    let r = run(perfgate()
        .args(["baseline", "save", "--name", "pooled", "--runs", "3"])
        .current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("pooled"), "{}", r.stdout);
    let exported = dir.path().join("pooled.json");
    let r = run(perfgate()
        .args(["baseline", "export", "pooled", "-o"])
        .arg(&exported)
        .current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let b = read_json(&exported);
    let wall = b["benchmarks"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "wall_time")
        .unwrap();
    assert_eq!(
        wall["samples"].as_array().unwrap().len(),
        18,
        "3 runs x 6 samples pooled"
    );
    assert_eq!(wall["summary"]["n"], 18);
    assert_eq!(b["thresholds"]["nap.wall_time"]["fail_pct"], 10.0);
    assert_eq!(
        b["thresholds"]["nap.user_time"]["fail_pct"], 10.0,
        "export fills rules in"
    );

    // Import into a fresh store, then check against it by name.
    let other_store = dir.path().join("other.db");
    let r = run(perfgate()
        .args(["baseline", "import", "--name", "team", "--store"])
        .arg(&other_store)
        .arg(&exported));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(perfgate()
        .args(["baseline", "list", "--store"])
        .arg(&other_store));
    assert!(
        r.stdout.contains("team") && r.stdout.contains("(this)"),
        "{}",
        r.stdout
    );

    let trend = dir.path().join("trend.json");
    let r = run(perfgate()
        .args(["trend", "--last", "2", "-o"])
        .arg(&trend)
        .current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let t = read_json(&trend);
    for field in [
        "schema_version",
        "suite",
        "timestamp_utc",
        "overall_status",
        "total_metrics",
        "failed_metrics",
    ] {
        assert!(t.get(field).is_some(), "{field}");
    }
    let m = t["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "nap.wall_time")
        .unwrap();
    assert_eq!(
        m["history"].as_array().unwrap().len(),
        2,
        "bounded by --last"
    );
    let ratio = m["regression_ratio"].as_f64().unwrap();
    let expected = m["current"].as_f64().unwrap() / m["baseline"].as_f64().unwrap();
    assert!((ratio - expected).abs() < 1e-12);
    assert!(m["allowed_max"].as_f64().unwrap() > m["baseline"].as_f64().unwrap());
}

#[test]
fn a_broken_store_is_refused_and_left_alone() {
    let dir = project("0.01", "");
    let store: PathBuf = dir.path().join("broken.db");
    let garbage = b"this is not a database, but someone's notes\n".repeat(100);
    std::fs::write(&store, &garbage).unwrap();
    let r = run(perfgate()
        .args(["check", "--store"])
        .arg(&store)
        .current_dir(dir.path()));
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("broken.db"), "{}", r.stderr);
    assert_eq!(std::fs::read(&store).unwrap(), garbage, "not modified");
    // PERFGATE_STORE is the same as --store.
    let r = run(perfgate()
        .arg("check")
        .current_dir(dir.path())
        .env("PERFGATE_STORE", &store));
    assert_eq!(r.code, 2);
}

#[test]
fn compare_without_a_baseline_uses_the_stored_one() {
    let dir = project("0.05", "");
    assert_eq!(check(dir.path(), &[]).code, 0);
    let report = dir.path().join("slow.json");
    write_config(dir.path(), "0.1", "");
    let r = run(perfgate()
        .args(["run", "--json-out"])
        .arg(&report)
        .current_dir(dir.path()));
    assert_eq!(r.code, 0);
    let r = run(perfgate()
        .args(["compare", "--format", "json"])
        .arg(&report)
        .current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let c: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(status_of(&c, "nap", "wall_time"), "critical");
    let empty = tempfile::tempdir().unwrap();
    let r = run(perfgate()
        .arg("compare")
        .arg(&report)
        .current_dir(empty.path())
        .env("PERFGATE_STORE", empty.path().join("s.db")));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no BASELINE given"), "{}", r.stderr);
}

/// README's first command: `check` on the bundled demo suite, twice, with the store moved to a
/// temporary directory. The first bootstraps the baseline, the second compares every metric.
#[test]
fn the_readme_demo_check_bootstraps_then_compares() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo.db");
    let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/perfgate.toml");
    let demo = |args: &[&str]| {
        let r = run(perfgate()
            .args(["check", "--runs", "3", "--format", "json", "--config"])
            .arg(&cfg)
            .arg("--store")
            .arg(&store)
            .args(args));
        let json: serde_json::Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}{}", r.stdout, r.stderr));
        (r.code, json, r.stderr)
    };
    let (code, first, err) = demo(&[]);
    assert_eq!(code, 0, "{err}");
    let notes = first["notes"].to_string();
    assert!(notes.contains("baseline bootstrapped"), "{notes}");
    let metrics = first["metrics"].as_array().unwrap();
    // 5 benchmarks x 4 metrics (wall, user, sys, peak RSS) + 2 throughputs.
    assert_eq!(metrics.len(), 22);
    assert!(metrics.iter().all(|m| m["status"] == "new"), "{first}");

    let (code, second, err) = demo(&[]);
    assert_eq!(code, 0, "{err}");
    let metrics = second["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 22);
    assert!(
        metrics
            .iter()
            .all(|m| m["status"] != "new" && m["status"] != "missing"),
        "{second}"
    );
    let runs = run(perfgate()
        .args(["history", "--format", "json", "--store"])
        .arg(&store));
    let history: serde_json::Value = serde_json::from_str(&runs.stdout).unwrap();
    assert_eq!(history.as_array().unwrap().len(), 2, "{history}");
}

/// Thresholds follow each metric's recorded noise: after six checks where `wobbly` moved by
/// about 8% from run to run and `steady` did not, +6% on both is stable for the first and
/// critical for the second (the defaults would call both a warning).
#[test]
fn thresholds_follow_the_noise_recorded_in_history() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("perfgate.toml"),
        r#"suite = "noise"
[[bench]]
name = "model"
shell = "echo PERFGATE_METRIC name=wobbly value=$(cat wobbly) unit=ms; echo PERFGATE_METRIC name=steady value=$(cat steady) unit=ms"
runs = 8
warmup = 0
"#,
    );
    for wobbly in ["100", "92", "108", "100", "92", "108"] {
        write(&dir.path().join("wobbly"), wobbly);
        write(&dir.path().join("steady"), "100");
        let r = check_real(dir.path(), &[]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    write(&dir.path().join("wobbly"), "106");
    write(&dir.path().join("steady"), "106");
    let (code, c, _) = comparison_by(check_real, dir.path(), &["--fail-on-regression"]);
    let row = |metric: &str| {
        c["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["benchmark"] == "model" && m["metric"] == metric)
            .unwrap()
            .clone()
    };
    let steady = row("steady");
    let wobbly = row("wobbly");
    assert_eq!(steady["status"], "critical", "{steady}");
    assert_eq!(wobbly["status"], "stable", "{wobbly}");
    assert!(
        wobbly["rule"]
            .as_str()
            .unwrap()
            .contains("noise-aware: the last"),
        "{wobbly}"
    );
    assert!(
        steady["rule"].as_str().unwrap().contains("critical > 2%"),
        "{steady}"
    );
    assert_eq!(code, 1);
}
