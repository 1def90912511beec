//! `catch2` adapter on real outputs in tests/fixtures/catch2/.

use perfgate::ingest::{self, Input};
use perfgate::model::Direction;
use serde_json::json;

use crate::fixture;

#[test]
fn normal_run_names_estimates_and_params() {
    let p = fixture::parse("catch2", "catch2/normal.xml");
    assert_eq!(
        fixture::names(&p),
        [
            "fib 20",
            "fib 25",
            "sum <vector<int>> & reverse",
            "append \"x\" 1000 times",
        ]
    );
    let t = fixture::metric(&p, "fib 20", "time");
    assert_eq!(
        (t.unit.as_str(), t.direction),
        ("s", Direction::LowerIsBetter)
    );
    assert!(
        t.samples.is_empty(),
        "the XML reporter writes no raw samples"
    );
    // <mean value="6017.62" lowerBound="5943.39" upperBound="6273.4" ci="0.95"/>, in ns.
    assert_eq!(t.estimate.central, Some(6.01762e-6));
    assert_eq!(t.estimate.mean, Some(6.01762e-6));
    assert_eq!(t.estimate.ci95, Some([5.94339e-6, 6.2734e-6]));
    assert_eq!(t.estimate.stddev, Some(624.484e-9));
    assert_eq!(t.estimate.n, Some(100));
    assert_eq!(t.estimate.median, None);

    let s = fixture::metric(&p, "append \"x\" 1000 times", "time");
    assert_eq!(s.estimate.central, Some(706.759e-9));
    assert_eq!(s.estimate.ci95, Some([700.365e-9, 727.072e-9]));
    assert_eq!(s.estimate.stddev, Some(49.8436e-9));

    assert_eq!(
        fixture::bench(&p, "fib 25").params,
        [("test_case".to_string(), json!("Fibonacci"))].into()
    );
    assert_eq!(
        fixture::bench(&p, "sum <vector<int>> & reverse").params,
        [
            ("test_case".to_string(), json!("Containers & strings")),
            ("section".to_string(), json!("vector")),
        ]
        .into()
    );
    assert_eq!(p.source["name"], json!("bench"));
    assert_eq!(p.source["clock_resolution_s"], json!(25.3706e-9));
    assert!(!p.source.contains_key("filters"));
    assert!(!p.source.contains_key("failed_benchmarks"));
}

#[test]
fn a_benchmark_that_threw_is_left_out_and_reported_in_source() {
    let p = fixture::parse("catch2", "catch2/samples20-failing.xml");
    assert_eq!(fixture::names(&p), ["fib 20", "fib 25"]);
    let t = fixture::metric(&p, "fib 25", "time");
    assert_eq!(t.estimate.n, Some(20));
    assert_eq!(t.estimate.central, Some(77666.6e-9));
    assert_eq!(t.estimate.ci95, Some([77451.2e-9, 78496.4e-9]));
    assert_eq!(p.source["filters"], json!("[fib],[failing]"));
    assert_eq!(
        p.source["failed_benchmarks"],
        json!({"throws <always>": "no input & no output"})
    );
}

#[test]
fn no_analysis_keeps_only_the_mean() {
    let p = fixture::parse("catch2", "catch2/no-analysis.xml");
    assert_eq!(fixture::names(&p), ["fib 20", "fib 25"]);
    let t = fixture::metric(&p, "fib 25", "time");
    assert_eq!(t.estimate.central, Some(83917.6e-9));
    assert_eq!(t.estimate.n, Some(5));
    // ci="0" and a standard deviation of 0 that Catch2 never computed.
    assert_eq!(t.estimate.stddev, None);
    assert_eq!(t.estimate.ci95, None);
}

#[test]
fn a_benchmark_run_once_per_section_is_refused() {
    let e = ingest::parse("catch2", &fixture::input("catch2/repeated.xml")).unwrap_err();
    assert_eq!(e.format, "catch2");
    assert_eq!(e.place.as_deref(), Some("line 14"));
    assert!(
        e.message
            .starts_with("benchmark `setup` already ran at line 5 (test case `Repeated`)"),
        "{e}"
    );
}

#[test]
fn other_formats_and_broken_xml_are_rejected_naming_catch2() {
    for rel in [
        "gbench/basic.json",
        "hyperfine/two-commands.json",
        "criterion/run1.txt",
        "gotest/plain.txt",
        "libtest/text.txt",
    ] {
        let e = ingest::parse("catch2", &fixture::input(rel)).unwrap_err();
        assert_eq!(e.format, "catch2", "{rel}");
        assert!(e.message.starts_with("not Catch2 XML"), "{rel}: {e}");
    }
    let cases = [
        ("", "no <Catch> element"),
        ("<?xml version=\"1.0\"?>\n<testsuites/>", "line 2: not Catch2 XML"),
        ("<Catch name=\"b\">\n  <Group name=\"b\">\n", "line 2: <Group> is never closed"),
        ("<Catch>\n</Group>", "line 2: </Group> does not close <Catch> (line 1)"),
        ("<Catch name=\"b", "line 1: a tag is cut off"),
        ("<Catch>\n<!-- x", "line 2: `<!--` is never closed"),
        ("<Catch name=\"&nbsp;\"/>", "unknown entity"),
        (
            "<Catch><BenchmarkResults name=\"x\" samples=\"1\"></BenchmarkResults></Catch>",
            "benchmark `x` has no <mean>",
        ),
        (
            "<Catch><BenchmarkResults name=\"x\"><mean value=\"1ns\" lowerBound=\"1\" upperBound=\"1\" ci=\"0\"/></BenchmarkResults></Catch>",
            "<mean> value=\"1ns\" is not a number",
        ),
    ];
    for (text, expected) in cases {
        let e = ingest::parse("catch2", &Input::from_bytes("out.xml", text)).unwrap_err();
        assert_eq!(e.format, "catch2");
        assert!(e.to_string().contains(expected), "{text}: {e}");
    }
    // A test run without benchmarks is Catch2 XML, with nothing to report.
    let e = ingest::parse(
        "catch2",
        &Input::from_bytes("out.xml", "<Catch name=\"t\"/>"),
    )
    .unwrap_err();
    assert_eq!(e.message, "no benchmarks found");
}

#[test]
fn numeric_entities_and_single_quotes_decode() {
    let xml =
        "<Catch><TestCase name='a &#38; b'><BenchmarkResults name=\"&#x3c;x&apos;\" samples=\"3\">\
               <mean value=\"1.5e+03\" lowerBound=\"1e3\" upperBound=\"2e3\" ci=\"0.99\"/>\
               </BenchmarkResults></TestCase></Catch>";
    let (_, p) = ingest::parse("catch2", &Input::from_bytes("out.xml", xml)).unwrap();
    assert_eq!(fixture::names(&p), ["<x'"]);
    assert_eq!(
        fixture::bench(&p, "<x'").params["test_case"],
        json!("a & b")
    );
    let t = fixture::metric(&p, "<x'", "time");
    assert_eq!(t.estimate.central, Some(1.5e-6));
    // A 99% interval is not a ci95.
    assert_eq!(t.estimate.ci95, None);
}

#[test]
fn auto_detects_catch2() {
    for rel in ["catch2/normal.xml", "catch2/no-analysis.xml"] {
        let (format, _) = ingest::parse("auto", &fixture::input(rel)).unwrap();
        assert_eq!(format, "catch2", "{rel}");
    }
}
