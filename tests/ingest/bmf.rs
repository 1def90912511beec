//! `bmf` (Bencher Metric Format): read on tests/fixtures/bmf/ (the example of Bencher's
//! format reference, and files `perfgate report --format bmf` wrote), and written then read
//! back: the same benchmarks, metrics, units, directions and central values.

use perfgate::ingest::{self, Input};
use perfgate::model::{Direction, Report, Unit};
use perfgate::render::bmf::report_bmf;
use perfgate::testing::{bench, metric, report, time};
use serde_json::Value;

use crate::fixture;

#[test]
fn bencher_documented_example_maps_built_in_measures_to_metrics() {
    let p = fixture::parse("bmf", "bmf/bencher-docs-example.json");
    assert_eq!(
        fixture::names(&p),
        [
            "/bin/sh -c ./my_build_script.sh",
            "benchmark_name",
            "my_binary"
        ]
    );
    let t = fixture::metric(&p, "benchmark_name", "time");
    assert_eq!(
        (&t.unit, t.direction),
        (&Unit::SECONDS, Direction::LowerIsBetter)
    );
    // Bencher's latency is in nanoseconds.
    assert_eq!(t.estimate.central, Some(88.0 / 1e9));
    assert_eq!(t.estimate.ci95, Some([87.42 / 1e9, 88.88 / 1e9]));
    assert!(t.samples.is_empty());
    let th = fixture::metric(&p, "benchmark_name", "throughput");
    assert_eq!(
        (&th.unit, th.direction),
        (&Unit::OPS_PER_SECOND, Direction::HigherIsBetter)
    );
    assert_eq!(th.estimate.central, Some(5.55));
    let doc = measure_values("bmf/bencher-docs-example.json");
    let bound = |k: &str| doc["benchmark_name"]["throughput"][k].as_f64().unwrap();
    assert_eq!(
        th.estimate.ci95,
        Some([bound("lower_value"), bound("upper_value")])
    );
    let b = fixture::metric(&p, "/bin/sh -c ./my_build_script.sh", "build_time");
    assert_eq!((&b.unit, b.estimate.central), (&Unit::SECONDS, Some(87.0)));
    assert_eq!(b.estimate.ci95, None);
    let f = fixture::metric(&p, "my_binary", "file_size");
    assert_eq!((&f.unit, f.estimate.central), (&Unit::BYTES, Some(42.0)));
}

fn measure_values(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture::path(rel)).unwrap()).unwrap()
}

#[test]
fn perfgate_written_files_read_back_in_si_units() {
    let p = fixture::parse("bmf", "bmf/from-hyperfine.json");
    let doc = measure_values("bmf/from-hyperfine.json");
    assert_eq!(fixture::names(&p), ["seq 1000", "seq 1000000"]);
    for b in &p.benchmarks {
        let names: Vec<&str> = b.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["peak_rss", "sys_time", "user_time", "wall_time"]);
        let wall = fixture::metric(&p, &b.name, "wall_time");
        let ns = doc[&b.name]["wall_time (ns)"]["value"].as_f64().unwrap();
        assert_eq!(wall.unit, Unit::SECONDS);
        assert_eq!(wall.estimate.central, Some(ns / 1e9));
        let rss = fixture::metric(&p, &b.name, "peak_rss");
        assert_eq!(rss.unit, Unit::BYTES);
        assert_eq!(
            rss.estimate.central,
            doc[&b.name]["peak_rss (bytes)"]["value"].as_f64()
        );
    }
    let p = fixture::parse("bmf", "bmf/from-pyperf.json");
    assert_eq!(fixture::names(&p), ["join_x10", "sort", "sum_range"]);
    let t = fixture::metric(&p, "sort", "time");
    let ns = measure_values("bmf/from-pyperf.json")["sort"]["latency"]["value"]
        .as_f64()
        .unwrap();
    assert_eq!(t.estimate.central, Some(ns / 1e9));
}

/// `r` written as BMF and read back.
fn round_trip(r: &Report) -> Report {
    let text = report_bmf(r);
    let input = Input::from_bytes("written.json", text.into_bytes());
    let (format, parsed) = ingest::parse("auto", &input).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(format, "bmf");
    ingest::to_report(format, parsed, &crate::pyperf::context())
}

/// Same benchmarks (failed ones have no measure), metrics, units, directions, and medians
/// and median intervals within 2 units in the last place (a time goes through nanoseconds).
fn assert_same(original: &Report, back: &Report) {
    let mut expected: Vec<&str> = original
        .benchmarks
        .iter()
        .filter(|b| !b.metrics.is_empty())
        .map(|b| b.name.as_str())
        .collect();
    expected.sort_unstable();
    let names: Vec<&str> = back.benchmarks.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, expected);
    for b in &back.benchmarks {
        let o = original
            .benchmarks
            .iter()
            .find(|x| x.name == b.name)
            .unwrap();
        let mut want: Vec<_> = o
            .metrics
            .iter()
            .map(|m| (m.name.as_str(), m.unit.as_str(), m.direction))
            .collect();
        want.sort_unstable_by_key(|m| m.0);
        let mut got: Vec<_> = b
            .metrics
            .iter()
            .map(|m| (m.name.as_str(), m.unit.as_str(), m.direction))
            .collect();
        got.sort_unstable_by_key(|m| m.0);
        assert_eq!(got, want, "{}", b.name);
        for m in &b.metrics {
            let om = o.metric(&m.name).unwrap();
            let (a, e) = (m.summary.median, om.summary.median);
            assert!(
                fixture::close(a, e, 2),
                "{}.{}: {a:e} {e:e}",
                b.name,
                m.name
            );
            for k in 0..2 {
                let (a, e) = (m.summary.ci95_median[k], om.summary.ci95_median[k]);
                assert!(
                    fixture::close(a, e, 2),
                    "{}.{} ci: {a:e} {e:e}",
                    b.name,
                    m.name
                );
            }
        }
    }
}

#[test]
fn a_report_written_as_bmf_reads_back_the_same() {
    let r = report()
        .bench(
            bench("parse/small")
                .metric(time("time", vec![1.25e-6, 1.5e-6, 2.0e-6, 1.75e-6]))
                .metric(time("wall_time", vec![0.0123, 0.0125, 0.0131]))
                .metric(metric(
                    "throughput",
                    "ops/s",
                    Direction::HigherIsBetter,
                    vec![8.1e5, 8.3e5],
                ))
                .metric(metric(
                    "throughput_bytes",
                    "bytes/s",
                    Direction::HigherIsBetter,
                    vec![1.5e9, 1.6e9],
                ))
                .metric(metric(
                    "instructions",
                    "count",
                    Direction::LowerIsBetter,
                    vec![123456.0],
                ))
                .metric(metric(
                    "accuracy",
                    "ratio",
                    Direction::HigherIsBetter,
                    vec![0.9987],
                ))
                .metric(metric(
                    "faults",
                    "faults/s",
                    Direction::LowerIsBetter,
                    vec![3.0, 5.0, 4.0],
                )),
        )
        .bench(bench("gone").failed("exit status 1"))
        .build();
    let back = round_trip(&r);
    assert_same(&r, &back);
    assert_eq!(back.source.as_ref().unwrap().format, "bmf");
}

#[test]
fn real_ingested_reports_round_trip_through_bmf() {
    for rel in ["pyperf/suite.json", "pyperf/track-memory.json"] {
        let r = crate::pyperf::report(rel);
        assert_same(&r, &round_trip(&r));
    }
    let (format, parsed) =
        ingest::parse("hyperfine", &fixture::input("hyperfine/memory-1.20.json")).unwrap();
    let r = ingest::to_report(format, parsed, &crate::pyperf::context());
    assert_same(&r, &round_trip(&r));
}

fn error(text: &str) -> String {
    let input = Input::from_bytes("b.json", text.as_bytes().to_vec());
    ingest::parse("bmf", &input).unwrap_err().to_string()
}

#[test]
fn broken_measures_are_refused_with_the_place() {
    assert_eq!(
        error(r#"{"a": {"latency": {"lower_value": 1.0}}}"#),
        "b.json: bmf: a.latency.value: missing"
    );
    assert_eq!(
        error(r#"{"a": {"latency": {"value": "fast"}}}"#),
        "b.json: bmf: a.latency.value: not a finite number"
    );
    assert_eq!(
        error(r#"{"a": {"latency": {"value": 5, "lower_value": 6}}}"#),
        "b.json: bmf: a.latency: `value` is outside `lower_value` .. `upper_value`"
    );
    assert_eq!(
        error(r#"{"a": []}"#),
        "b.json: bmf: a: not an object of measures"
    );
    assert_eq!(error(r#"{"a": {}}"#), "b.json: bmf: a: has no measure");
    // perfgate's generic JSON is not BMF: it has units.
    assert_eq!(
        error(r#"{"a": {"time": {"value": 1.5, "unit": "ms"}}}"#),
        "b.json: bmf: a.time: unknown field `unit` (a BMF measure has value, lower_value, upper_value)"
    );
}

#[test]
fn a_measure_perfgate_does_not_know_keeps_its_name_in_unit_value() {
    let input = Input::from_bytes("b.json", br#"{"a": {"my-measure": {"value": 3}}}"#.to_vec());
    let (_, p) = ingest::parse("bmf", &input).unwrap();
    let m = fixture::metric(&p, "a", "my-measure");
    assert_eq!(
        (m.unit.as_str(), m.direction, m.estimate.central),
        ("value", Direction::LowerIsBetter, Some(3.0))
    );
}
