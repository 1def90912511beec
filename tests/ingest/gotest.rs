//! `gotest` adapter on real outputs in tests/fixtures/gotest/.

use perfgate::ingest::{self, Input};
use perfgate::model::Direction;
use serde_json::json;

use crate::fixture::{self, metric, names, parse};

#[test]
fn plain_run_strips_gomaxprocs_into_params_and_converts_units() {
    let p = parse("gotest", "gotest/plain.txt");
    assert_eq!(
        names(&p),
        ["BenchmarkSum/n=10", "BenchmarkSum/n=1000", "BenchmarkMake"]
    );
    for b in &p.benchmarks {
        assert_eq!(b.params.get("procs"), Some(&json!(2)), "{}", b.name);
    }
    let t = metric(&p, "BenchmarkSum/n=10", "time");
    assert_eq!(
        (t.unit.as_str(), t.direction),
        ("s", Direction::LowerIsBetter)
    );
    assert_eq!(t.samples, [2.245e-9]);
    assert_eq!(t.estimate.n, Some(1));
    assert_eq!(
        metric(&p, "BenchmarkSum/n=1000", "time").samples,
        [284.5e-9]
    );
    assert_eq!(metric(&p, "BenchmarkMake", "time").samples, [93.96e-9]);
    let bytes = metric(&p, "BenchmarkMake", "bytes_per_op");
    assert_eq!(
        (bytes.unit.as_str(), bytes.samples.as_slice()),
        ("bytes", &[512.0][..])
    );
    let allocs = metric(&p, "BenchmarkMake", "allocs_per_op");
    assert_eq!(allocs.unit, "allocs");
    assert_eq!(allocs.direction, Direction::LowerIsBetter);
    assert_eq!(allocs.samples, [1.0]);
    assert_eq!(
        metric(&p, "BenchmarkSum/n=10", "bytes_per_op").samples,
        [0.0]
    );
    let metric_names: Vec<_> = p.benchmarks[2]
        .metrics
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(metric_names, ["time", "bytes_per_op", "allocs_per_op"]);
}

#[test]
fn header_lines_become_source_metadata() {
    let p = parse("gotest", "gotest/plain.txt");
    assert_eq!(p.source.get("goos"), Some(&json!("linux")));
    assert_eq!(p.source.get("goarch"), Some(&json!("amd64")));
    assert_eq!(p.source.get("pkg"), Some(&json!("example.com/sumbench")));
    assert_eq!(p.source.get("cpu"), Some(&json!("AMD EPYC")));
}

#[test]
fn count_runs_become_samples_with_set_bytes_and_report_metric() {
    let p = parse("gotest", "gotest/count5.txt");
    assert_eq!(names(&p), ["BenchmarkJoin", "BenchmarkCustom"]);
    let t = metric(&p, "BenchmarkJoin", "time");
    assert_eq!(t.samples, [1179e-9, 1176e-9, 1184e-9, 1199e-9, 1267e-9]);
    assert_eq!(t.estimate.n, Some(5));
    // MB/s is decimal: 651.68 MB/s is 651,680,000 bytes/s.
    let tp = metric(&p, "BenchmarkJoin", "throughput");
    assert_eq!(tp.unit, "bytes/s");
    assert_eq!(tp.direction, Direction::HigherIsBetter);
    assert_eq!(
        tp.samples,
        [651.68e6, 652.93e6, 648.74e6, 640.57e6, 606.25e6]
    );
    assert_eq!(
        metric(&p, "BenchmarkJoin", "bytes_per_op").samples,
        [768.0; 5]
    );

    // Each value is the decimal printed, rounded once (not 27.29 / 1e9).
    let custom = metric(&p, "BenchmarkCustom", "time");
    assert_eq!(
        custom.samples,
        [27.29e-9, 26.54e-9, 26.62e-9, 26.22e-9, 26.58e-9]
    );
    let per_op = metric(&p, "BenchmarkCustom", "items_per_op");
    assert_eq!(per_op.unit, "items");
    assert_eq!(per_op.direction, Direction::LowerIsBetter);
    assert_eq!(per_op.samples, [100.0; 5]);
    let rate = metric(&p, "BenchmarkCustom", "items_per_s");
    assert_eq!(rate.unit, "items/s");
    assert_eq!(rate.direction, Direction::HigherIsBetter);
    assert_eq!(
        rate.samples,
        [
            3663801594.0,
            3767475250.0,
            3757193212.0,
            3814351767.0,
            3762737923.0
        ]
    );
    // The `--- BENCH:` log blocks between runs add nothing.
    assert_eq!(p.benchmarks.len(), 2);
    assert_eq!(p.benchmarks[1].metrics.len(), 5);
}

#[test]
fn several_gomaxprocs_keep_the_printed_names() {
    let p = parse("gotest", "gotest/cpu.txt");
    assert_eq!(
        names(&p),
        [
            "BenchmarkSum/n=10",
            "BenchmarkSum/n=10-2",
            "BenchmarkSum/n=1000",
            "BenchmarkSum/n=1000-2"
        ]
    );
    assert_eq!(p.benchmarks[0].params.get("procs"), None);
    assert_eq!(p.benchmarks[1].params.get("procs"), Some(&json!(2)));
    assert_eq!(
        metric(&p, "BenchmarkSum/n=10", "time").samples,
        [2.409e-9, 2.405e-9]
    );
    assert_eq!(
        metric(&p, "BenchmarkSum/n=10-2", "time").samples,
        [2.501e-9, 2.004e-9]
    );
    assert_eq!(
        metric(&p, "BenchmarkSum/n=1000-2", "time").samples,
        [274.9e-9, 270.8e-9]
    );
}

#[test]
fn output_printed_by_a_benchmark_does_not_lose_its_result() {
    let p = parse("gotest", "gotest/chatty.txt");
    assert_eq!(names(&p), ["BenchmarkChatty", "BenchmarkMake"]);
    assert_eq!(metric(&p, "BenchmarkChatty", "time").samples, [32.29e-9]);
    assert_eq!(
        metric(&p, "BenchmarkChatty", "bytes_per_op").samples,
        [64.0]
    );
    assert_eq!(metric(&p, "BenchmarkMake", "time").samples, [212.1e-9]);
}

#[test]
fn test2json_events_are_read_through_their_output_text() {
    let p = parse("gotest", "gotest/test2json.json");
    assert_eq!(
        names(&p),
        [
            "BenchmarkChatty",
            "BenchmarkSum/n=10",
            "BenchmarkSum/n=1000",
            "BenchmarkJoin",
            "BenchmarkCustom"
        ]
    );
    // Result lines split over two events are joined.
    assert_eq!(
        metric(&p, "BenchmarkChatty", "time").samples,
        [21.79e-9, 20.00e-9]
    );
    assert_eq!(
        metric(&p, "BenchmarkSum/n=1000", "time").samples,
        [263.2e-9, 265.1e-9]
    );
    assert_eq!(
        metric(&p, "BenchmarkJoin", "throughput").samples,
        [562.01e6, 563.96e6]
    );
    assert_eq!(
        metric(&p, "BenchmarkCustom", "items_per_s").samples,
        [3660641354.0, 3636077032.0]
    );
    assert_eq!(p.benchmarks[1].params.get("procs"), Some(&json!(2)));
    assert_eq!(p.source.get("pkg"), Some(&json!("example.com/sumbench")));
}

#[test]
fn a_failing_benchmark_makes_the_run_an_error() {
    let e = ingest::parse("gotest", &fixture::input("gotest/fail.txt")).unwrap_err();
    assert_eq!(e.format, "gotest");
    assert_eq!(e.place.as_deref(), Some("line 7"));
    assert!(e.message.contains("--- FAIL: BenchmarkCheck"), "{e}");
}

#[test]
fn a_failure_event_in_test2json_names_its_json_line() {
    let text = std::fs::read_to_string(fixture::path("gotest/test2json.json")).unwrap();
    let fail = r#"{"Action":"output","Package":"example.com/sumbench","Output":"FAIL\texample.com/sumbench\t0.1s\n"}"#;
    let input = Input::from_bytes("t.json", format!("{text}{fail}\n"));
    let e = err(&input);
    assert_eq!(e.place.as_deref(), Some("line 50"));
}

fn err(input: &Input) -> perfgate::ingest::IngestError {
    ingest::parse("gotest", input).unwrap_err()
}

#[test]
fn truncated_and_garbled_lines_are_errors_not_panics() {
    let cases = [
        "BenchmarkX-2 \t 1000\t 12.5",
        "BenchmarkX-2 \t 1000\t abc ns/op",
        "BenchmarkX-2 \t 1000",
        "{\"Action\":\"output\",\"Output\":\"BenchmarkX-2 \\t 10\\t 1 ns/op\\n\"}\n{not json",
        "\u{1b}[31mFAIL\u{1b}[0m",
    ];
    for text in cases {
        let e = err(&Input::from_bytes("x", text));
        assert_eq!(e.format, "gotest", "{text}");
        assert!(e.place.is_some(), "{text}: {e}");
    }
    for end in 0..80 {
        let full = "BenchmarkSum/n=10-2 \t578512790\t   1.982 ns/op\t  0 B/op\t  0 allocs/op\n";
        let _ = ingest::parse(
            "gotest",
            &Input::from_bytes("x", &full.as_bytes()[..end.min(full.len())]),
        );
    }
}

#[test]
fn other_formats_and_empty_input_are_rejected() {
    for rel in [
        "pytest/saved.json",
        "benchmarkjs/strings.txt",
        "asv/results/vm/machine.json",
    ] {
        if !fixture::path(rel).exists() {
            continue;
        }
        let e = ingest::parse("gotest", &fixture::input(rel)).unwrap_err();
        assert_eq!(e.format, "gotest", "{rel}");
    }
    let e = err(&Input::from_bytes("empty", ""));
    assert_eq!(e.format, "gotest");
    assert!(e.message.contains("no benchmark"), "{e}");
}

#[test]
fn auto_detection_picks_gotest() {
    for rel in ["gotest/plain.txt", "gotest/test2json.json"] {
        let (format, _) = ingest::parse("auto", &fixture::input(rel)).unwrap();
        assert_eq!(format, "gotest", "{rel}");
    }
}

#[test]
fn a_name_in_two_packages_is_qualified_by_package() {
    let p = parse("gotest", "gotest/packages.txt");
    assert_eq!(
        names(&p),
        [
            "example.com/sumbench.BenchmarkMake",
            "example.com/sumbench/other.BenchmarkMake"
        ]
    );
    assert_eq!(
        metric(&p, "example.com/sumbench.BenchmarkMake", "time").samples,
        [87.24e-9]
    );
    assert_eq!(
        metric(&p, "example.com/sumbench/other.BenchmarkMake", "time").samples,
        [0.2571e-9]
    );
    assert_eq!(
        p.source.get("pkg"),
        Some(&json!([
            "example.com/sumbench",
            "example.com/sumbench/other"
        ]))
    );
}
