//! What `perfgate compare` writes validates: the baseline template of `--emit-template`
//! (against `report.schema.json`, hand-edited rules included) and comparisons of every shape
//! (against `comparison.schema.json`).

use serde_json::json;
use tempfile::TempDir;

use super::{
    adhoc_run, assert_invalid, assert_valid, compare_json, comparison_schema, expect_code,
    perfgate, read_json, report_schema,
};

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
