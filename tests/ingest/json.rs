//! `json` adapter on tests/fixtures/json/: perfgate's own report and the generic format.

use perfgate::ingest::{self, ReportContext};
use perfgate::model::Direction;

use crate::fixture;

#[test]
fn generic_values_units_directions_and_samples() {
    let p = fixture::parse("json", "json/generic.json");
    // serde_json's map is ordered by key.
    assert_eq!(fixture::names(&p), ["classifier", "sorted/100k"]);
    let time = fixture::metric(&p, "sorted/100k", "time");
    assert_eq!(time.unit, "s");
    assert_eq!(time.direction, Direction::LowerIsBetter);
    // 11.903315 ms as printed in the file, divided by 1000 once.
    assert_eq!(time.estimate.central, Some(11.903315 / 1000.0));
    assert_eq!(time.samples.len(), 7);
    assert_eq!(time.samples[0], 12.534041 / 1000.0);
    let mem = fixture::metric(&p, "sorted/100k", "peak_alloc");
    assert_eq!(
        (mem.unit.as_str(), mem.estimate.central),
        ("bytes", Some(1199912.0))
    );
    let acc = fixture::metric(&p, "classifier", "accuracy");
    assert_eq!(acc.direction, Direction::HigherIsBetter);
    assert_eq!(
        (acc.unit.as_str(), acc.estimate.central),
        ("ratio", Some(0.9903))
    );
    let thr = fixture::metric(&p, "classifier", "throughput");
    assert_eq!(thr.unit, "items/s");
    assert_eq!(thr.direction, Direction::HigherIsBetter);
}

#[test]
fn perfgate_reports_pass_through_unchanged() {
    let text = std::fs::read_to_string(fixture::path("json/perfgate-report.json")).unwrap();
    let original = perfgate::model::file::parse_report(&text).unwrap();
    let p = fixture::parse("json", "json/perfgate-report.json");
    assert_eq!(p.report.as_deref(), Some(&original));
    let ctx = ReportContext {
        suite: original.suite.clone(),
        timestamp_utc: "x".into(),
        git: None,
        machine: perfgate::context::machine(),
        testbed: None,
        device: "cpu".into(),
        config_sha256: String::new(),
        seed: 1,
        tags: vec![],
        command: None,
    };
    assert_eq!(ingest::to_report("json", p, &ctx), original);
}

#[test]
fn generic_errors_name_the_benchmark_and_metric() {
    let cases = [
        (r#"{"a": {"t": {"value": 1}}}"#, "a.t: `unit` is missing"),
        (
            r#"{"a": {"t": {"value": "x", "unit": "s"}}}"#,
            "a.t.value: not a finite number",
        ),
        (
            r#"{"a": {"t": {"unit": "s", "samples": [1, null]}}}"#,
            "a.t.samples[1]: not a finite number",
        ),
        (
            r#"{"a": {"t": {"value": 1, "unit": "s", "direction": "up"}}}"#,
            "a.t.direction: must be",
        ),
        (
            r#"{"a": {"t": {"value": 1, "unit": "s", "vaule": 2}}}"#,
            "a.t: unknown field `vaule`",
        ),
        (r#"{"a": [1]}"#, "a: not an object of metrics"),
        (r"[1, 2]", "the top level is not a JSON object"),
    ];
    for (text, expected) in cases {
        let e = ingest::parse("json", &ingest::Input::from_bytes("in.json", text)).unwrap_err();
        let line = e.to_string();
        assert!(line.starts_with("in.json: json: "), "{line}");
        assert!(line.contains(expected), "{text}: {line}");
    }
}
