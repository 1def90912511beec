//! `libtest` adapter on real outputs in tests/fixtures/libtest/.

use perfgate::ingest::{self, Input, Parsed};
use perfgate::model::Direction;
use serde_json::Value;

use super::fixture;

const NAMES: [&str; 5] = [
    "checksum_4096",
    "fib::fib_20",
    "slow::fib_30",
    "sum_1000",
    "sum_100000",
];

fn time(p: &Parsed, bench: &str) -> f64 {
    let m = fixture::metric(p, bench, "time");
    assert_eq!(
        (m.unit.as_str(), m.direction),
        ("s", Direction::LowerIsBetter)
    );
    assert!(m.samples.is_empty());
    // The value is libtest's median.
    assert_eq!(m.estimate.median, m.estimate.central);
    m.estimate.central.unwrap()
}

fn deviation(p: &Parsed, bench: &str) -> f64 {
    p.source["deviation"][bench].as_f64().unwrap()
}

#[test]
fn text_names_values_and_thousands_separators() {
    let p = fixture::parse("libtest", "libtest/text.txt");
    // The ignored bench and the (ignored) #[test] are not results.
    assert_eq!(fixture::names(&p), NAMES);
    assert_eq!(time(&p, "slow::fib_30"), 1.81157885e-3); // 1,811,578.85 ns/iter
    assert_eq!(time(&p, "fib::fib_20"), 14.83261e-6); // 14,832.61
    assert_eq!(time(&p, "sum_1000"), 283.31e-9);
    assert_eq!(time(&p, "sum_100000"), 25.46476e-6);
    assert_eq!(time(&p, "checksum_4096"), 1.10792e-6);
    // `+/-` is a range, not a spread around the value: kept aside, in seconds.
    assert_eq!(deviation(&p, "slow::fib_30"), 117.6737e-6); // 117,673.70
    assert_eq!(deviation(&p, "sum_1000"), 7.25e-9);
    let m = fixture::metric(&p, "slow::fib_30", "time");
    assert_eq!(
        (m.estimate.stddev, m.estimate.min, m.estimate.max),
        (None, None, None)
    );
    assert_eq!(m.estimate.n, None);
}

#[test]
fn text_rate_is_decimal_megabytes() {
    let p = fixture::parse("libtest", "libtest/text.txt");
    let r = fixture::metric(&p, "checksum_4096", "throughput");
    assert_eq!(
        (r.unit.as_str(), r.direction),
        ("bytes/s", Direction::HigherIsBetter)
    );
    // `= 3700 MB/s`; libtest's formula is bytes * 1000 / whole ns of the median.
    assert_eq!(r.estimate.central, Some(3700e6));
    assert_eq!(4096 * 1000 / 1107, 3700);
    assert_eq!(fixture::bench(&p, "sum_1000").metrics.len(), 1);
}

#[test]
fn json_lines_at_full_precision() {
    let p = fixture::parse("libtest", "libtest/json.txt");
    assert_eq!(fixture::names(&p), NAMES);
    let text = std::fs::read_to_string(fixture::path("libtest/json.txt")).unwrap();
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &Value| v["type"] == "bench")
        .collect();
    assert_eq!(events.len(), 5);
    for e in &events {
        let name = e["name"].as_str().unwrap();
        assert_eq!(
            time(&p, name),
            e["median"].as_f64().unwrap() / 1e9,
            "{name}"
        );
        assert_eq!(deviation(&p, name), e["deviation"].as_f64().unwrap() / 1e9);
    }
    assert_eq!(time(&p, "slow::fib_30"), 1838050.2999999998e-9);
    // `mib_per_second` is in fact decimal MB/s: 4096 bytes in 1121 whole ns.
    let r = fixture::metric(&p, "checksum_4096", "throughput");
    assert_eq!(r.estimate.central, Some(3653e6));
    assert_eq!(4096 * 1000 / 1121, 3653);
}

#[test]
fn colour_codes_are_removed_whole() {
    let p = fixture::parse("libtest", "libtest/color.txt");
    assert_eq!(
        fixture::names(&p),
        ["checksum_4096", "sum_1000", "sum_100000"]
    );
    assert_eq!(time(&p, "sum_100000"), 25.11672e-6);
    assert_eq!(
        fixture::metric(&p, "checksum_4096", "throughput")
            .estimate
            .central,
        Some(3771e6)
    );
}

#[test]
fn rejects_other_formats_and_broken_lines() {
    for rel in ["criterion/run1.txt", "divan/args.txt", "criterion/tty.txt"] {
        let e = ingest::parse("libtest", &fixture::input(rel)).unwrap_err();
        assert_eq!(e.format, "libtest", "{rel}");
        assert_eq!(e.message, "no benchmarks found", "{rel}");
    }
    let e = ingest::parse("libtest", &Input::from_bytes("empty", "")).unwrap_err();
    assert_eq!(
        (e.format, e.message.as_str()),
        ("libtest", "no benchmarks found")
    );
    let e = ingest::parse("libtest", &fixture::input("criterion/run1")).unwrap_err();
    assert_eq!(e.format, "libtest");
    let cut = "running 1 test\ntest sum_1000      ... bench:         283.31 ns/it";
    let e = ingest::parse("libtest", &Input::from_bytes("cut", cut)).unwrap_err();
    assert_eq!(e.place.as_deref(), Some("line 2"), "{e}");
    assert!(e.message.contains("sum_1000"), "{e}");
    let json = r#"{ "type": "bench", "name": "x", "median": "fast", "deviation": 1 }"#;
    let e = ingest::parse("libtest", &Input::from_bytes("j", json)).unwrap_err();
    assert_eq!(e.place.as_deref(), Some("line 1"), "{e}");
    assert!(e.message.contains("median"), "{e}");
}

#[test]
fn any_truncation_is_parsed_or_rejected_without_panic() {
    for rel in ["libtest/text.txt", "libtest/json.txt", "libtest/color.txt"] {
        let all = std::fs::read(fixture::path(rel)).unwrap();
        for end in 0..all.len() {
            let _ = ingest::parse("libtest", &Input::from_bytes(rel, &all[..end]));
        }
    }
}

#[test]
fn auto_detection_finds_libtest() {
    for rel in ["libtest/text.txt", "libtest/json.txt", "libtest/color.txt"] {
        let (format, _) = ingest::parse("auto", &fixture::input(rel)).unwrap();
        assert_eq!(format, "libtest", "{rel}");
    }
}
