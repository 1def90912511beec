//! `divan` adapter on real outputs in tests/fixtures/divan/.

use perfgate::ingest::{self, Estimate, Input};
use perfgate::model::Direction;

use super::fixture;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

#[test]
fn plain_tree() {
    let p = fixture::parse("divan", "divan/plain.txt");
    assert_eq!(
        fixture::names(&p),
        ["div_plain/fib_15", "div_plain/sum_1000"]
    );
    assert_eq!(p.source["roots"], serde_json::json!(["div_plain"]));
    let m = fixture::metric(&p, "div_plain/fib_15", "time");
    assert_eq!(
        (m.unit.as_str(), m.direction),
        ("s", Direction::LowerIsBetter)
    );
    assert!(m.samples.is_empty());
    // fastest 1.266 µs │ slowest 2.798 µs │ median 1.276 µs │ mean 1.334 µs │ 100 │ 200
    assert_eq!(
        m.estimate,
        Estimate {
            central: Some(1.276e-6),
            mean: Some(1.334e-6),
            median: Some(1.276e-6),
            stddev: None,
            min: Some(1.266e-6),
            max: Some(2.798e-6),
            ci95: None,
            n: Some(100),
        }
    );
    assert_eq!(fixture::bench(&p, "div_plain/sum_1000").metrics.len(), 1);
}

#[test]
fn nested_groups_args_and_consts() {
    let p = fixture::parse("divan", "divan/args.txt");
    assert_eq!(
        fixture::names(&p),
        [
            "div/checksum/4096",
            "div/squares/64",
            "div/sum/1000",
            "div/sum/10000",
            "div/fib/fib_20",
            "div/fib/fib_const/10",
            "div/fib/fib_const/15",
        ]
    );
    let t = |b: &str| fixture::metric(&p, b, "time").estimate;
    // `108 ns`-style values without decimals, three levels down.
    let e = t("div/fib/fib_const/10");
    assert_eq!(
        (e.min, e.median, e.max),
        (Some(106.1e-9), Some(106.4e-9), Some(107.4e-9))
    );
    let e = t("div/sum/1000");
    assert_eq!(
        (e.median, e.mean, e.max),
        (Some(280.1e-9), Some(312.4e-9), Some(3.572e-6))
    );
    assert_eq!(t("div/sum/10000").n, Some(100));
    assert_eq!(t("div/fib/fib_20").central, Some(13.96e-6));
}

#[test]
fn counters_become_throughput() {
    let p = fixture::parse("divan", "divan/args.txt");
    let m = fixture::metric(&p, "div/sum/1000", "throughput");
    assert_eq!(
        (m.unit.as_str(), m.direction),
        ("items/s", Direction::HigherIsBetter)
    );
    // 3.618 Gitem/s │ 279.9 Mitem/s │ 3.569 Gitem/s │ 3.2 Gitem/s: fastest, slowest, median, mean.
    assert_eq!(m.estimate.max, Some(3.618e9));
    assert_eq!(m.estimate.min, Some(279.9e6));
    assert_eq!(m.estimate.central, Some(3.569e9));
    assert_eq!(m.estimate.mean, Some(3.2e9));
    assert_eq!(m.estimate.n, Some(100));
    let m = fixture::metric(&p, "div/checksum/4096", "throughput");
    assert_eq!(m.unit, "bytes/s");
    assert_eq!(m.estimate.central, Some(3.653e9)); // GB/s: decimal by default
    let binary = fixture::parse("divan", "divan/binary.txt");
    assert_eq!(
        fixture::names(&binary),
        ["div/checksum/4096", "div/squares/64"]
    );
    let m = fixture::metric(&binary, "div/checksum/4096", "throughput");
    assert_eq!(m.estimate.central, Some(3.417 * GIB));
    assert_eq!(m.estimate.max, Some(3.448 * GIB));
    // No counter, no throughput.
    assert_eq!(fixture::bench(&p, "div/fib/fib_20").metrics.len(), 1);
}

#[test]
fn allocation_rows() {
    let p = fixture::parse("divan", "divan/args.txt");
    let b = fixture::bench(&p, "div/squares/64");
    let names: Vec<_> = b
        .metrics
        .iter()
        .map(|m| (m.name.as_str(), m.unit.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("time", "s"),
            ("max_alloc_count", "count"),
            ("max_alloc_bytes", "bytes"),
            ("alloc_count", "count"),
            ("alloc_bytes", "bytes"),
        ]
    );
    let m = fixture::metric(&p, "div/squares/64", "alloc_bytes");
    assert_eq!(m.direction, Direction::LowerIsBetter);
    assert_eq!(
        (m.estimate.central, m.estimate.mean),
        (Some(512.0), Some(512.0))
    );
    assert_eq!(m.estimate.min, None);
    let m = fixture::metric(&p, "div/squares/64", "max_alloc_count");
    assert_eq!(m.estimate.central, Some(1.0));
    assert_eq!(
        fixture::metric(&p, "div/squares/64", "time")
            .estimate
            .median,
        Some(26.17e-9)
    );
}

#[test]
fn rejects_other_formats_and_broken_rows() {
    for rel in [
        "criterion/run1.txt",
        "libtest/text.txt",
        "criterion/tty.txt",
    ] {
        let e = ingest::parse("divan", &fixture::input(rel)).unwrap_err();
        assert_eq!(e.format, "divan", "{rel}");
        assert_eq!(e.message, "no benchmarks found", "{rel}");
    }
    let e = ingest::parse("divan", &Input::from_bytes("empty", "")).unwrap_err();
    assert_eq!(
        (e.format, e.message.as_str()),
        ("divan", "no benchmarks found")
    );
    let text = std::fs::read_to_string(fixture::path("divan/plain.txt")).unwrap();
    let broken = text.replace("1.276 µs", "1.276 weeks");
    let e = ingest::parse("divan", &Input::from_bytes("b", broken)).unwrap_err();
    assert_eq!(e.place.as_deref(), Some("line 2"), "{e}");
    assert!(e.message.contains("div_plain/fib_15"), "{e}");
}

#[test]
fn any_truncation_is_parsed_or_rejected_without_panic() {
    for rel in ["divan/args.txt", "divan/binary.txt"] {
        let all = std::fs::read(fixture::path(rel)).unwrap();
        for end in 0..all.len() {
            let _ = ingest::parse("divan", &Input::from_bytes(rel, &all[..end]));
        }
    }
}

#[test]
fn auto_detection_finds_divan() {
    for rel in ["divan/plain.txt", "divan/args.txt", "divan/binary.txt"] {
        let (format, _) = ingest::parse("auto", &fixture::input(rel)).unwrap();
        assert_eq!(format, "divan", "{rel}");
    }
}
