//! The published JSON Schemas (`schema/*.schema.json`) describe what perfgate really writes:
//! reports from `perfgate run`, baseline files from `compare --emit-template`, and comparisons
//! from `compare --format json` all validate, and the schemas reject broken documents.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};
use tempfile::TempDir;

/// A named change to a valid document that must make it invalid.
type Mutation<'a> = (&'a str, &'a dyn Fn(&mut Value));

fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schema")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!(
            "{name} is not a valid JSON Schema: {e} at {}",
            e.instance_path
        );
    }
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name} does not compile: {e}"))
}

fn report_schema() -> jsonschema::Validator {
    schema("report.schema.json")
}

fn comparison_schema() -> jsonschema::Validator {
    schema("comparison.schema.json")
}

/// Every violation, as `path: message` lines.
fn violations(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors = violations(validator, doc);
    assert!(
        errors.is_empty(),
        "{what} does not match its schema:\n  {}\ndocument:\n{}",
        errors.join("\n  "),
        serde_json::to_string_pretty(doc).unwrap()
    );
}

fn assert_invalid(validator: &jsonschema::Validator, doc: &Value, what: &str) -> Vec<String> {
    let errors = violations(validator, doc);
    assert!(!errors.is_empty(), "the schema accepts {what}");
    errors
}

/// Runs the perfgate binary in `dir`, isolated from the caller's environment overrides.
fn perfgate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfgate"))
        .args(args)
        .current_dir(dir)
        .env_remove("PERFGATE_RUNS")
        .env_remove("PERFGATE_THRESHOLD_PCT")
        .env_remove("PERFGATE_FAKE_DEVICES")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("cannot start the perfgate binary")
}

fn expect_code(out: &Output, code: i32, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: unexpected exit status\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

/// `perfgate run --runs 3 --warmup 0 --json-out <dir>/<file> [--name NAME] -- CMD...`;
/// returns the report's path and its JSON.
fn adhoc_run(
    dir: &Path,
    file: &str,
    name: Option<&str>,
    cmd: &[&str],
    code: i32,
) -> (PathBuf, Value) {
    let out_path = dir.join(file);
    let mut args = vec![
        "run",
        "--runs",
        "3",
        "--warmup",
        "0",
        "--json-out",
        out_path.to_str().unwrap(),
    ];
    if let Some(n) = name {
        args.extend(["--name", n]);
    }
    args.push("--");
    args.extend(cmd);
    let out = perfgate(dir, &args);
    expect_code(&out, code, &format!("perfgate {}", args.join(" ")));
    let report = read_json(&out_path);
    (out_path, report)
}

fn metric<'a>(bench: &'a Value, name: &str) -> &'a Value {
    bench["metrics"]
        .as_array()
        .expect("metrics is an array")
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no metric `{name}` in {bench}"))
}

fn compare_json(dir: &Path, current: &Path, baseline: &Path, code: i32) -> Value {
    let args = [
        "compare",
        current.to_str().unwrap(),
        baseline.to_str().unwrap(),
        "--format",
        "json",
    ];
    let out = perfgate(dir, &args);
    expect_code(&out, code, &format!("perfgate {}", args.join(" ")));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "compare stdout is not JSON: {e}\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[test]
fn passing_adhoc_report_validates_and_has_the_expected_content() {
    let dir = TempDir::new().unwrap();
    let (_, report) = adhoc_run(dir.path(), "ok.json", None, &["true"], 0);
    assert_valid(
        &report_schema(),
        &report,
        "the report of `perfgate run -- true`",
    );

    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["suite"], "adhoc");
    assert!(
        report.get("thresholds").is_none(),
        "empty thresholds are not written"
    );
    let bench = &report["benchmarks"][0];
    assert_eq!(bench["name"], "true");
    assert_eq!(bench["status"], "ok");
    assert_eq!(bench["reason"], Value::Null);
    assert_eq!(bench["warmup_runs"], 0);
    let names: Vec<&str> = bench["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["wall_time", "user_time", "sys_time", "peak_rss"]);
    let wall = metric(bench, "wall_time");
    assert_eq!(wall["unit"], "s");
    assert_eq!(wall["direction"], "lower_is_better");
    let samples = wall["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 3);
    assert_eq!(wall["summary"]["n"], 3);
    for s in samples {
        let s = s.as_f64().unwrap();
        // `true` takes well under a minute: a value in milliseconds or nanoseconds would not.
        assert!(
            s > 0.0 && s < 60.0,
            "wall_time sample {s} is not in seconds"
        );
    }
    let rss = metric(bench, "peak_rss");
    assert_eq!(rss["unit"], "bytes");
    let rss0 = rss["samples"][0].as_f64().unwrap();
    assert!(rss0 >= 4096.0, "peak_rss {rss0} is not in bytes");
}

#[test]
fn failing_adhoc_report_validates() {
    let dir = TempDir::new().unwrap();
    // A failing benchmark exits 3 and still writes the report.
    let (_, report) = adhoc_run(dir.path(), "failed.json", None, &["false"], 3);
    assert_valid(
        &report_schema(),
        &report,
        "the report of `perfgate run -- false`",
    );
    let bench = &report["benchmarks"][0];
    assert_eq!(bench["status"], "failed");
    assert!(
        bench["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{bench}"
    );
    assert_eq!(bench["metrics"], json!([]));
}

#[test]
fn config_report_with_throughput_and_skipped_benchmark_validates() {
    let dir = TempDir::new().unwrap();
    let config = dir.path().join("perfgate.toml");
    std::fs::write(
        &config,
        r#"suite = "x"

[[bench]]
name = "tp"
command = ["true"]
runs = 3
warmup = 0
tags = ["smoke"]
throughput = { items = 100, unit = "rows" }

[[bench]]
name = "boom"
command = ["false"]
runs = 3
warmup = 0

[[bench]]
name = "after"
command = ["true"]
runs = 3
warmup = 0
"#,
    )
    .unwrap();
    let out_path = dir.path().join("tp.json");
    let out = perfgate(
        dir.path(),
        &[
            "run",
            "--config",
            config.to_str().unwrap(),
            "--json-out",
            out_path.to_str().unwrap(),
        ],
    );
    expect_code(&out, 3, "perfgate run --config");
    let report = read_json(&out_path);
    assert_valid(&report_schema(), &report, "a config report with throughput");

    assert_eq!(report["suite"], "x");
    let benches = report["benchmarks"].as_array().unwrap();
    let statuses: Vec<&str> = benches
        .iter()
        .map(|b| b["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["ok", "failed", "skipped"]);
    assert_eq!(benches[0]["tags"], json!(["smoke"]));
    let tp = metric(&benches[0], "throughput");
    assert_eq!(tp["unit"], "rows/s");
    assert_eq!(tp["direction"], "higher_is_better");
    assert_eq!(tp["samples"].as_array().unwrap().len(), 3);
}

#[test]
fn report_from_a_git_checkout_validates() {
    let dir = TempDir::new().unwrap();
    let git = |args: &[&str]| {
        Command::new("git")
            .args([
                "-c",
                "user.name=perfgate",
                "-c",
                "user.email=perfgate@example.com",
            ])
            .args(args)
            .current_dir(dir.path())
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !common::have_tool("git", "--version", "a report with git information") {
        return;
    }
    assert!(
        git(&["init", "-q"]) && git(&["commit", "-q", "--allow-empty", "-m", "init"]),
        "git is installed but cannot make a commit in {}",
        dir.path().display()
    );
    let (_, report) = adhoc_run(dir.path(), "git.json", None, &["true"], 0);
    assert_valid(&report_schema(), &report, "a report with git information");
    let info = &report["git"];
    assert!(
        info["commit"].as_str().is_some_and(|c| c.len() >= 40),
        "{info}"
    );
    assert_eq!(info["dirty"], false, "{info}");
}

#[test]
fn emitted_baseline_template_validates() {
    let dir = TempDir::new().unwrap();
    let (report_path, _) = adhoc_run(dir.path(), "ok.json", Some("b"), &["true"], 0);
    let template_path = dir.path().join("baseline.json");
    let out = perfgate(
        dir.path(),
        &[
            "compare",
            "--emit-template",
            report_path.to_str().unwrap(),
            "-o",
            template_path.to_str().unwrap(),
        ],
    );
    expect_code(&out, 0, "perfgate compare --emit-template");
    let template = read_json(&template_path);
    let validator = report_schema();
    assert_valid(&validator, &template, "the --emit-template baseline");
    assert_eq!(
        template["thresholds"]["b.wall_time"],
        json!({ "statistic": "median", "warn_pct": 5.0, "fail_pct": 10.0 })
    );
    assert_eq!(template["thresholds"]["b.peak_rss"]["fail_pct"], 20.0);

    // Hand-edited rules: quantities as numbers or strings with units, globs as keys.
    let mut edited = template.clone();
    edited["thresholds"]["*.wall_time"] = json!({ "ratio": 0.1, "abs": "10us", "budget": 0.5 });
    edited["thresholds"]["b.peak_rss"] = json!({ "budget": "512MiB", "statistic": "p95" });
    edited["thresholds"]["b.sys_time"] = json!({ "abs": "1.5 s" });
    assert_valid(&validator, &edited, "a baseline with hand-written rules");

    for (what, rule) in [
        ("an unknown rule field", json!({ "warn": 5 })),
        ("an unknown unit", json!({ "budget": "10 parsecs" })),
        ("a negative percentage", json!({ "fail_pct": -1 })),
        ("an unknown statistic", json!({ "statistic": "p50" })),
    ] {
        let mut bad = template.clone();
        bad["thresholds"]["b.wall_time"] = rule;
        assert_invalid(&validator, &bad, what);
    }
}

#[test]
fn comparisons_validate() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let validator = comparison_schema();
    let (ok_path, _) = adhoc_run(d, "ok.json", Some("b"), &["true"], 0);
    let (failed_path, _) = adhoc_run(d, "failed.json", Some("b"), &["false"], 3);

    // A report against itself: every metric compared, nothing changed.
    let same = compare_json(d, &ok_path, &ok_path, 0);
    assert_valid(&validator, &same, "a comparison of a report with itself");
    assert_eq!(same["overall_status"], "pass");
    assert_eq!(same["total_metrics"], 4);
    assert_eq!(same["failed_metrics"], 0);
    let wall = same["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "wall_time")
        .expect("a wall_time row");
    assert_eq!(wall["status"], "stable");
    assert_eq!(wall["unit"], "s");
    assert_eq!(wall["change_pct"], 0.0);
    assert!(
        wall["allowed_max"].is_number() && wall["allowed_min"].is_null(),
        "{wall}"
    );

    // The benchmark failed in the current report: one `failed` row per baseline metric.
    let failed = compare_json(d, &failed_path, &ok_path, 3);
    assert_valid(
        &validator,
        &failed,
        "a comparison where the benchmark failed",
    );
    assert_eq!(failed["overall_status"], "fail");
    assert_eq!(failed["failed_metrics"], 4);
    for row in failed["metrics"].as_array().unwrap() {
        assert_eq!(row["status"], "failed", "{row}");
        assert!(
            row["current"].is_null() && row["baseline"].is_number(),
            "{row}"
        );
    }

    // The other way round, and a failed benchmark with nothing in the baseline (`*` row).
    let recovered = compare_json(d, &ok_path, &failed_path, 0);
    assert_valid(
        &validator,
        &recovered,
        "a comparison against a failed baseline",
    );
    assert!(recovered["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["status"] == "new"));
    let both_failed = compare_json(d, &failed_path, &failed_path, 3);
    assert_valid(
        &validator,
        &both_failed,
        "a comparison of two failed reports",
    );
    assert_eq!(both_failed["metrics"][0]["metric"], "*");

    // Renamed benchmark: `new` rows for the current one, `missing` rows for the baseline's.
    let (other_path, _) = adhoc_run(d, "other.json", Some("c"), &["true"], 0);
    let renamed = compare_json(d, &other_path, &ok_path, 0);
    assert_valid(
        &validator,
        &renamed,
        "a comparison with new and missing metrics",
    );
    assert_eq!(renamed["overall_status"], "warn");
    let statuses: Vec<&str> = renamed["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == "missing").count(),
        4,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == "new").count(),
        4,
        "{statuses:?}"
    );
}

#[test]
fn report_schema_is_not_vacuous() {
    let dir = TempDir::new().unwrap();
    let (_, report) = adhoc_run(dir.path(), "ok.json", None, &["true"], 0);
    let validator = report_schema();
    assert_valid(&validator, &report, "the unmodified report");

    let mutate = |f: &dyn Fn(&mut Value)| {
        let mut r = report.clone();
        f(&mut r);
        r
    };

    // Shapes that must stay valid: git information with a detached HEAD, free-form params.
    let with_git = mutate(
        &|r| r["git"] = json!({ "commit": "0123456789abcdef0123456789abcdef01234567", "branch": null, "dirty": true }),
    );
    assert_valid(&validator, &with_git, "a report with a detached HEAD");
    let with_params = mutate(&|r| {
        r["benchmarks"][0]["params"] =
            json!({ "n": 1000, "algo": "quick", "opts": { "x": [1, null] } })
    });
    assert_valid(&validator, &with_params, "a report with params");

    let errors = assert_invalid(
        &validator,
        &mutate(&|r| r["schema_version"] = json!(2)),
        "schema_version 2",
    );
    assert!(
        errors.iter().any(|e| e.starts_with("/schema_version")),
        "{errors:?}"
    );
    let errors = assert_invalid(
        &validator,
        &mutate(&|r| {
            r.as_object_mut().unwrap().remove("machine");
        }),
        "a report without `machine`",
    );
    assert!(errors.iter().any(|e| e.contains("machine")), "{errors:?}");
    let errors = assert_invalid(
        &validator,
        &mutate(&|r| r["benchmarks"][0]["metrics"][0]["direction"] = json!("sideways")),
        "direction `sideways`",
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/benchmarks/0/metrics/0/direction")),
        "{errors:?}"
    );

    let bad: [Mutation; 13] = [
        ("an unknown top-level field", &|r| r["extra"] = json!(1)),
        ("status `done`", &|r| {
            r["benchmarks"][0]["status"] = json!("done")
        }),
        ("a 3-element ci95_mean", &|r| {
            r["benchmarks"][0]["metrics"][0]["summary"]["ci95_mean"] = json!([0.1, 0.2, 0.3])
        }),
        ("a 1-element ci95_median", &|r| {
            r["benchmarks"][0]["metrics"][0]["summary"]["ci95_median"] = json!([0.1])
        }),
        ("a null sample", &|r| {
            r["benchmarks"][0]["metrics"][0]["samples"][0] = Value::Null
        }),
        ("a summary without p99", &|r| {
            r["benchmarks"][0]["metrics"][0]["summary"]
                .as_object_mut()
                .unwrap()
                .remove("p99");
        }),
        ("wall_time in milliseconds", &|r| {
            r["benchmarks"][0]["metrics"][0]["unit"] = json!("ms")
        }),
        ("a benchmark without `reason`", &|r| {
            r["benchmarks"][0].as_object_mut().unwrap().remove("reason");
        }),
        ("an ok benchmark with a reason", &|r| {
            r["benchmarks"][0]["reason"] = json!("oops")
        }),
        ("a failed benchmark without a reason", &|r| {
            r["benchmarks"][0]["status"] = json!("failed")
        }),
        ("git: false", &|r| r["git"] = json!(false)),
        // Matches the pattern, so only `format: date-time` (checked here) rejects it.
        ("month 13", &|r| {
            r["timestamp_utc"] = json!("2026-13-01T00:00:00Z")
        }),
        ("a timestamp with an offset", &|r| {
            r["timestamp_utc"] = json!("2026-11-22T08:15:00+01:00")
        }),
    ];
    for (what, f) in bad {
        assert_invalid(&validator, &mutate(f), what);
    }
}

#[test]
fn comparison_schema_is_not_vacuous() {
    let dir = TempDir::new().unwrap();
    let (ok_path, _) = adhoc_run(dir.path(), "ok.json", None, &["true"], 0);
    let comparison = compare_json(dir.path(), &ok_path, &ok_path, 0);
    let validator = comparison_schema();
    assert_valid(&validator, &comparison, "the unmodified comparison");

    let bad: [Mutation; 6] = [
        ("schema_version 2", &|c| c["schema_version"] = json!(2)),
        ("overall_status `ok`", &|c| {
            c["overall_status"] = json!("ok")
        }),
        ("verdict `regressed`", &|c| {
            c["metrics"][0]["status"] = json!("regressed")
        }),
        ("a row without `noisy`", &|c| {
            c["metrics"][0].as_object_mut().unwrap().remove("noisy");
        }),
        ("a 3-element change interval", &|c| {
            c["metrics"][0]["change_ci95_pct"] = json!([1, 2, 3])
        }),
        ("a missing row with a current value", &|c| {
            c["metrics"][0]["status"] = json!("missing")
        }),
    ];
    for (what, f) in bad {
        let mut c = comparison.clone();
        f(&mut c);
        assert_invalid(&validator, &c, what);
    }
}

/// Every harness fixture, ingested with its own adapter through the binary, is a valid
/// report with a `source`; and every adapter has at least one fixture that ingests.
#[test]
fn ingested_reports_validate() {
    let dir = TempDir::new().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let validator = report_schema();
    let mut ingested_by = std::collections::BTreeMap::<String, usize>::new();
    for adapter in perfgate::ingest::names() {
        let Ok(entries) = std::fs::read_dir(fixtures.join(adapter)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if name == "README.md" || name == "src" {
                continue;
            }
            let out_file = dir.path().join("ingested.json");
            let out = perfgate(
                dir.path(),
                &[
                    "ingest",
                    "--format",
                    adapter,
                    path.to_str().unwrap(),
                    "--json-out",
                    out_file.to_str().unwrap(),
                ],
            );
            if out.status.code() != Some(0) {
                continue;
            }
            let report = read_json(&out_file);
            assert_valid(&validator, &report, &format!("{adapter}: {name}"));
            // perfgate's own report (json adapter) passes through without a source.
            let format = report["source"]["format"].as_str();
            assert!(
                format == Some(adapter) || adapter == "json",
                "{name}: {format:?}"
            );
            *ingested_by.entry(adapter.to_string()).or_default() += 1;
        }
    }
    let missing: Vec<_> = perfgate::ingest::names()
        .into_iter()
        .filter(|a| !ingested_by.contains_key(*a))
        .collect();
    assert!(
        missing.is_empty(),
        "adapters with no fixture that ingests: {missing:?}"
    );
}

/// A sweep with custom metrics and CPU utilisation: the report (with its `scaling` fits)
/// validates.
#[test]
fn report_with_a_sweep_custom_metrics_and_scaling_validates() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("perfgate.toml"),
        r#"suite = "sweep"
[[bench]]
name = "nap"
shell = "sleep 0.0{n}; echo PERFGATE_METRIC name=items value={n} unit=items"
params = { n = [1, 2, 4] }
measure = ["cpu_utilization"]
threads = 2
runs = 3
warmup = 0
"#,
    )
    .unwrap();
    let out_file = dir.path().join("sweep.json");
    let out = perfgate(
        dir.path(),
        &["run", "--json-out", out_file.to_str().unwrap()],
    );
    expect_code(&out, 0, "the sweep");
    let report = read_json(&out_file);
    assert_valid(&report_schema(), &report, "a report with a sweep");
    let fits = report["scaling"].as_array().unwrap();
    assert!(
        fits.iter()
            .any(|f| f["metric"] == "items" && f["fit"]["complexity"] == "O(n)"),
        "{report}"
    );
}

#[test]
fn a_report_with_leaked_processes_validates() {
    let dir = TempDir::new().unwrap();
    // Each of the 3 runs leaves one sleeper behind; perfgate kills and counts it.
    let cmd = ["sh", "-c", "sleep 30 &"];
    let (_, report) = adhoc_run(dir.path(), "leaky.json", None, &cmd, 0);
    assert_eq!(report["benchmarks"][0]["leaked_processes"], 3);
    let validator = report_schema();
    assert_valid(&validator, &report, "a report with leaked_processes");
    let mut wrong = report.clone();
    wrong["benchmarks"][0]["leaked_processes"] = json!(-1);
    assert_invalid(&validator, &wrong, "a negative leaked_processes");
}
