//! Reports as `perfgate run` and `perfgate ingest` write them validate against
//! `report.schema.json`: passing, failing and skipped benchmarks, throughput, git information,
//! every harness fixture, sweeps with scaling fits, leaked processes.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use tempfile::TempDir;

use super::{
    adhoc_run, assert_invalid, assert_valid, expect_code, metric, perfgate, read_json,
    report_schema,
};
use crate::common;

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
