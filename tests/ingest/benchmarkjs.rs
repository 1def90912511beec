//! `benchmarkjs` adapter on real outputs in tests/fixtures/benchmarkjs/ (Benchmark.js 2.1.4 on
//! node 20; see the README there). Expected values are the numbers printed in the fixtures.

use perfgate::ingest::{self, Input};
use perfgate::model::Direction;

use crate::fixture;

/// (name, ops/sec, rme %, runs) as printed.
fn check(p: &ingest::Parsed, expected: &[(&str, f64, f64, usize)]) {
    let names: Vec<&str> = expected.iter().map(|e| e.0).collect();
    assert_eq!(fixture::names(p), names);
    for &(name, hz, rme, runs) in expected {
        let b = fixture::bench(p, name);
        assert_eq!(b.metrics.len(), 1, "{name}");
        assert!(b.params.is_empty(), "{name}");
        let m = fixture::metric(p, name, "throughput");
        assert_eq!(m.unit, "ops/s", "{name}");
        assert_eq!(m.direction, Direction::HigherIsBetter, "{name}");
        assert!(m.samples.is_empty(), "{name}");
        assert_eq!(m.estimate.central, Some(hz), "{name}");
        assert_eq!(m.estimate.n, Some(runs), "{name}");
        // The printed interval of the mean time, mean·(1 ± rme), carried over to hz = 1/mean.
        let r = rme / 100.0;
        assert_eq!(
            m.estimate.ci95,
            Some([hz / (1.0 + r), hz / (1.0 - r)]),
            "{name}"
        );
        let [lo, hi] = m.estimate.ci95.unwrap();
        assert!(lo <= hz && hz <= hi, "{name}");
    }
}

#[test]
fn classic_suite_with_thousands_separators() {
    let p = fixture::parse("benchmarkjs", "benchmarkjs/strings.txt");
    check(
        &p,
        &[
            ("RegExp#test", 28_427_135.0, 16.54, 35),
            ("String#indexOf", 461_568_194.0, 2.88, 64),
            ("String#match", 15_613_494.0, 3.81, 62),
        ],
    );
    // The console line has no version or context to record.
    assert!(p.source.is_empty());
    let regexp = fixture::metric(&p, "RegExp#test", "throughput");
    let [lo, hi] = regexp.estimate.ci95.unwrap();
    assert!(fixture::close(lo, 28_427_135.0 / 1.1654, 1));
    assert!(fixture::close(hi, 28_427_135.0 / 0.8346, 1));
}

#[test]
fn quirky_names_tiny_rates_a_throwing_and_a_single_sample_benchmark() {
    let p = fixture::parse("benchmarkjs", "benchmarkjs/quirks.txt");
    check(
        &p,
        &[
            ("empty loop body", 147_982_549.0, 3.38, 77),
            // ` x ` inside the name: read from the right.
            ("Array#push x 2", 73_453_899.0, 2.15, 70),
            ("sort 10k numbers #slow", 428.0, 4.74, 66),
            // Under 1 op/sec: two decimals.
            ("spin 1.9 s", 0.53, 0.07, 2),
            // `throws: ` (a benchmark that threw) has no rate and is not a result.
            ("<Test #6>", 79_167_971.0, 4.28, 72),
            // `(1 run sampled)` and a zero margin: an interval of one point.
            ("single sample", 1.67, 0.0, 1),
        ],
    );
    let single = fixture::metric(&p, "single sample", "throughput");
    assert_eq!(single.estimate.ci95, Some([1.67, 1.67]));
}

#[test]
fn other_formats_and_empty_input_are_rejected_naming_the_format() {
    let mut foreign = vec![
        "iai/run2.txt",
        "iai/run1/iai-sum/bench_sum/arith/bench_sum.large/summary.json",
        "json/generic.json",
    ];
    for other in ["gotest/plain.txt", "libtest/bench.txt", "divan/run1.txt"] {
        if fixture::path(other).exists() {
            foreign.push(other);
        }
    }
    for rel in foreign {
        let e = ingest::parse("benchmarkjs", &fixture::input(rel)).unwrap_err();
        assert_eq!(e.format, "benchmarkjs", "{rel}");
        assert!(
            e.message.contains("no Benchmark.js result line"),
            "{rel}: {e}"
        );
    }
    let e = ingest::parse("benchmarkjs", &Input::from_bytes("empty", "")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "empty: benchmarkjs: no Benchmark.js result line \
         (`<name> x <hz> ops/sec ±<rme>% (<n> runs sampled)`)"
    );
    // `Fastest is` alone is not a result.
    let e = ingest::parse("benchmarkjs", &Input::from_bytes("f", "Fastest is a\n")).unwrap_err();
    assert_eq!(e.format, "benchmarkjs");
}

#[test]
fn broken_and_repeated_result_lines_are_errors_at_their_line() {
    let text = std::fs::read_to_string(fixture::path("benchmarkjs/strings.txt")).unwrap();
    let broken = text.replacen("28,427,135", "28,4x7,135", 1);
    let e = ingest::parse("benchmarkjs", &Input::from_bytes("b", broken)).unwrap_err();
    assert_eq!(e.place.as_deref(), Some("line 1"));
    assert!(e.message.contains("`28,4x7,135` is not a rate"), "{e}");

    let no_margin = text.replacen("\u{b1}2.88%", "2.88%", 1);
    let e = ingest::parse("benchmarkjs", &Input::from_bytes("m", no_margin)).unwrap_err();
    assert_eq!(e.place.as_deref(), Some("line 2"));

    let twice = format!("{text}{text}");
    let e = ingest::parse("benchmarkjs", &Input::from_bytes("t", twice)).unwrap_err();
    assert_eq!(e.place.as_deref(), Some("line 5"));
    assert!(
        e.message.contains("`RegExp#test` is already on line 1"),
        "{e}"
    );
}

#[test]
fn crlf_and_ansi_colour_do_not_change_the_result() {
    let text = std::fs::read_to_string(fixture::path("benchmarkjs/strings.txt")).unwrap();
    let plain = fixture::parse("benchmarkjs", "benchmarkjs/strings.txt");
    let coloured = text
        .replace("String#match", "\u{1b}[32mString#match\u{1b}[39m")
        .replace('\n', "\r\n");
    let (_, p) = ingest::parse("benchmarkjs", &Input::from_bytes("c", coloured)).unwrap();
    assert_eq!(p, plain);
}
