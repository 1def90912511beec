//! The schemas are not vacuous: valid documents changed in one place each (a wrong version,
//! a missing field, an unknown status, a malformed interval or timestamp) are rejected.

use serde_json::{json, Value};
use tempfile::TempDir;

use super::{
    adhoc_run, assert_invalid, assert_valid, compare_json, comparison_schema, report_schema,
};

/// A named change to a valid document that must make it invalid.
type Mutation<'a> = (&'a str, &'a dyn Fn(&mut Value));

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
            json!({ "n": 1000, "algo": "quick", "opts": { "x": [1, null] } });
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
            r["benchmarks"][0]["status"] = json!("done");
        }),
        ("a 3-element ci95_mean", &|r| {
            r["benchmarks"][0]["metrics"][0]["summary"]["ci95_mean"] = json!([0.1, 0.2, 0.3]);
        }),
        ("a 1-element ci95_median", &|r| {
            r["benchmarks"][0]["metrics"][0]["summary"]["ci95_median"] = json!([0.1]);
        }),
        ("a null sample", &|r| {
            r["benchmarks"][0]["metrics"][0]["samples"][0] = Value::Null;
        }),
        ("a summary without p99", &|r| {
            r["benchmarks"][0]["metrics"][0]["summary"]
                .as_object_mut()
                .unwrap()
                .remove("p99");
        }),
        ("wall_time in milliseconds", &|r| {
            r["benchmarks"][0]["metrics"][0]["unit"] = json!("ms");
        }),
        ("a benchmark without `reason`", &|r| {
            r["benchmarks"][0].as_object_mut().unwrap().remove("reason");
        }),
        ("an ok benchmark with a reason", &|r| {
            r["benchmarks"][0]["reason"] = json!("oops");
        }),
        ("a failed benchmark without a reason", &|r| {
            r["benchmarks"][0]["status"] = json!("failed");
        }),
        ("git: false", &|r| r["git"] = json!(false)),
        // Matches the pattern, so only `format: date-time` (checked here) rejects it.
        ("month 13", &|r| {
            r["timestamp_utc"] = json!("2026-13-01T00:00:00Z");
        }),
        ("a timestamp with an offset", &|r| {
            r["timestamp_utc"] = json!("2026-11-22T08:15:00+01:00");
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
            c["overall_status"] = json!("ok");
        }),
        ("verdict `regressed`", &|c| {
            c["metrics"][0]["status"] = json!("regressed");
        }),
        ("a row without `noisy`", &|c| {
            c["metrics"][0].as_object_mut().unwrap().remove("noisy");
        }),
        ("a 3-element change interval", &|c| {
            c["metrics"][0]["change_ci95_pct"] = json!([1, 2, 3]);
        }),
        ("a missing row with a current value", &|c| {
            c["metrics"][0]["status"] = json!("missing");
        }),
    ];
    for (what, f) in bad {
        let mut c = comparison.clone();
        f(&mut c);
        assert_invalid(&validator, &c, what);
    }
}
