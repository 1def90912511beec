//! `perfgate` adapter on tests/fixtures/perfgate/: a report perfgate-harness wrote, taken in
//! as a harness output (benchmarks, samples, tags and params kept; one sample per process).

use perfgate::ingest::{self, Input, ReportContext};
use perfgate::model::Direction;

use crate::fixture;

const NAMES: [&str; 5] = [
    "sum/1000",
    "sort/n=100",
    "sort/n=1000",
    "sort/n=10000",
    "format/small",
];

fn original() -> perfgate::model::Report {
    let text = std::fs::read_to_string(fixture::path("perfgate/demo.json")).unwrap();
    perfgate::model::file::parse_report(&text).unwrap()
}

#[test]
fn benchmarks_samples_tags_and_params_are_kept() {
    let p = fixture::parse("perfgate", "perfgate/demo.json");
    assert!(p.report.is_none());
    assert_eq!(fixture::names(&p), NAMES);
    let report = original();
    for (bench, name) in report.benchmarks.iter().zip(NAMES) {
        let parsed = fixture::bench(&p, name);
        assert_eq!(parsed.params, bench.params);
        assert_eq!(parsed.tags, bench.tags);
        let metric_names: Vec<&str> = parsed.metrics.iter().map(|m| m.name.as_str()).collect();
        let mut want = vec!["wall_time", "cpu_time"];
        if name != "format/small" {
            want.push("throughput");
        }
        want.extend(["allocations", "allocated_bytes", "peak_rss", "instructions"]);
        assert_eq!(metric_names, want, "{name}");
        for (m, orig) in parsed.metrics.iter().zip(&bench.metrics) {
            assert_eq!(m.samples, orig.samples, "{name}.{}", m.name);
            assert_eq!((&m.unit, m.direction), (&orig.unit, orig.direction));
            assert_eq!(m.estimate, ingest::Estimate::default());
        }
    }
    let sum = fixture::bench(&p, "sum/1000");
    assert_eq!(sum.tags, ["smoke"]);
    assert_eq!(sum.params["category"], "arith");
    let time = fixture::metric(&p, "sum/1000", "wall_time");
    assert_eq!((time.unit.as_str(), time.samples.len()), ("s", 5));
    let rate = fixture::metric(&p, "sum/1000", "throughput");
    assert_eq!(rate.unit, "items/s");
    assert_eq!(rate.direction, Direction::HigherIsBetter);
    assert_eq!(
        fixture::metric(&p, "format/small", "allocations").samples,
        [1.0; 5]
    );
    assert_eq!(
        fixture::metric(&p, "format/small", "allocated_bytes").samples,
        [8.0; 5]
    );
    assert_eq!(fixture::bench(&p, "sort/n=1000").params["n"], 1000);
    assert_eq!(p.source["harness"], "perfgate-harness");
    assert_eq!(p.source["format"], "perfgate-harness");
    assert_eq!(p.source["processes"], 5);
}

#[test]
fn each_sample_is_a_process_so_it_is_tested() {
    assert!(ingest::samples_are_processes("perfgate"));
    let p = fixture::parse("perfgate", "perfgate/demo.json");
    let ctx = ReportContext {
        suite: "demo".into(),
        timestamp_utc: "2026-12-01T00:00:00Z".into(),
        git: None,
        machine: perfgate::context::machine(),
        testbed: None,
        device: "cpu".into(),
        config_sha256: "0".repeat(64),
        seed: 1,
        tags: vec!["ci".into()],
        command: None,
    };
    let report = ingest::to_report("perfgate", p, &ctx);
    assert_eq!(report.source.as_ref().unwrap().format, "perfgate");
    let sum = &report.benchmarks[0];
    assert_eq!(sum.tags, ["ci", "smoke"]);
    let time = sum.metric("wall_time").unwrap();
    assert_eq!(time.processes, None);
    // Summaries recomputed from the samples are the harness's own.
    let orig = original();
    assert_eq!(time.summary, orig.benchmarks[0].metrics[0].summary);
}

#[test]
fn a_failed_benchmark_or_another_document_is_an_error() {
    let text = std::fs::read_to_string(fixture::path("perfgate/demo.json")).unwrap();
    let failed = text.replacen(
        "\"status\": \"ok\",\n      \"reason\": null,",
        "\"status\": \"failed\",\n      \"reason\": \"process 2 of 5: exit status: 101\",",
        1,
    );
    assert_ne!(failed, text);
    let e = ingest::parse("perfgate", &Input::from_bytes("demo.json", failed)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "demo.json: perfgate: benchmark `sum/1000`: failed in the harness: process 2 of 5: exit status: 101"
    );
    let e = ingest::parse("perfgate", &Input::from_bytes("x.json", "{\"a\": 1}")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("x.json: perfgate: not a perfgate report: no `schema_version` field"),
        "{e}"
    );
}
