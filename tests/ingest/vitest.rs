//! `vitest` adapter on real outputs in tests/fixtures/vitest/ (vitest 4.1.12 with tinybench
//! 2.9.0 on node v20.20.2; see the README there). `strings.txt` is the table of the run that
//! wrote `strings.json`, and `quirks.txt` of `quirks.json`, so each pair is checked against
//! each other. Expected values are the numbers in the fixtures.

use perfgate::ingest::{self, Input, Parsed};
use perfgate::model::Direction;
use serde_json::{json, Value};

use crate::benchmark_ips::foreign_fixtures;
use crate::fixture;

const ALL: [&str; 6] = [
    "vitest/coloured.txt",
    "vitest/compare.txt",
    "vitest/quirks.json",
    "vitest/quirks.txt",
    "vitest/strings.json",
    "vitest/strings.txt",
];

const PERCENTILES: [&str; 4] = ["time_p75", "time_p99", "time_p995", "time_p999"];

/// Units, directions and sample counts of every metric, the same for either output.
fn check_shape(p: &Parsed, name: &str, n: usize) {
    let b = fixture::bench(p, name);
    assert!(b.params.is_empty(), "{name}");
    let names: Vec<&str> = b.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "time",
            "throughput",
            "time_p75",
            "time_p99",
            "time_p995",
            "time_p999"
        ]
    );
    for m in &b.metrics {
        let (unit, direction) = match m.name.as_str() {
            "throughput" => ("ops/s", Direction::HigherIsBetter),
            _ => ("s", Direction::LowerIsBetter),
        };
        assert_eq!(m.unit, unit, "{name} {}", m.name);
        assert_eq!(m.direction, direction, "{name} {}", m.name);
        assert!(m.samples.is_empty(), "{name} {}", m.name);
        assert_eq!(m.estimate.n, Some(n), "{name} {}", m.name);
    }
}

/// The JSON's benchmark `name` of group `group` (its `fullName`), as written.
fn json_bench(rel: &str, group: &str, name: &str) -> Value {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture::path(rel)).unwrap()).unwrap();
    let groups = doc["files"][0]["groups"].as_array().unwrap();
    let g = groups.iter().find(|g| g["fullName"] == group).unwrap();
    let b = g["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == name);
    b.unwrap().clone()
}

#[test]
fn json_groups_in_names_and_every_statistic_in_seconds() {
    let p = fixture::parse("vitest", "vitest/strings.json");
    let names = [
        "bench/strings.bench.js > sort 1000 numbers",
        "bench/strings.bench.js > join > Array#join",
        "bench/strings.bench.js > join > reduce with +",
        "bench/strings.bench.js > search > String#includes",
        "bench/strings.bench.js > search > RegExp#test",
    ];
    assert_eq!(fixture::names(&p), names);
    assert!(p.source.is_empty());
    let counts = [508, 1_165_494, 2_417_944, 4_777_290, 3_183_521];
    for (name, n) in names.iter().zip(counts) {
        check_shape(&p, name, n);
    }
    // Array#join, as in the file: times in ms, so / 1000.
    let name = "bench/strings.bench.js > join > Array#join";
    let time = fixture::metric(&p, name, "time").estimate;
    assert_eq!(time.central, Some(0.000_429_002_653_810_441_2 / 1e3));
    assert_eq!(time.mean, time.central);
    assert_eq!(time.median, Some(0.000_270_999_999_997_911_8 / 1e3));
    assert_eq!(time.stddev, Some(0.011_951_743_227_053_92 / 1e3));
    assert_eq!(time.min, Some(0.000_239_999_999_848_805_6 / 1e3));
    assert_eq!(time.max, Some(4.139_240_999_999_97 / 1e3));
    // mean ± moe; tinybench's moe is sd / sqrt(n) · 1.96 (checked by hand: 2.16986e-5 ms).
    let (mean, moe) = (0.000_429_002_653_810_441_2, 2.169_862_950_248_070_2e-5);
    assert!(fixture::close(
        moe,
        0.011_951_743_227_053_92 / 1_165_494f64.sqrt() * 1.96,
        4
    ));
    let [lo, hi] = time.ci95.unwrap();
    assert!(
        fixture::close(lo, mean * (1.0 - moe / mean) / 1e3, 2),
        "{lo}"
    );
    assert!(
        fixture::close(hi, mean * (1.0 + moe / mean) / 1e3, 2),
        "{hi}"
    );
    let rate = fixture::metric(&p, name, "throughput").estimate;
    assert_eq!(rate.central, Some(2_330_987.911_421_776_7));
    let [lo, hi] = rate.ci95.unwrap();
    // hz / (1 ± rme) with rme 5.058%, the `±5.06%` of the table.
    assert!(fixture::close(
        lo,
        2_330_987.911_421_776_7 / (1.0 + moe / mean),
        2
    ));
    assert!(fixture::close(
        hi,
        2_330_987.911_421_776_7 / (1.0 - moe / mean),
        2
    ));
    let p999 = fixture::metric(&p, name, "time_p999").estimate;
    assert_eq!(p999.central, Some(0.003_536_000_000_053_718_4 / 1e3));
    // hz is 1000 / mean (ms): the two metrics are one measurement.
    assert!(fixture::close(
        1.0 / rate.central.unwrap(),
        time.central.unwrap(),
        4
    ));
}

#[test]
fn each_json_benchmark_carries_its_file_values() {
    let p = fixture::parse("vitest", "vitest/quirks.json");
    for b in &p.benchmarks {
        let (group, name) = b.name.rsplit_once(" > ").unwrap();
        let j = json_bench("vitest/quirks.json", group, name);
        let ms = |k: &str| Some(j[k].as_f64().unwrap() / 1e3);
        let time = fixture::metric(&p, &b.name, "time").estimate;
        assert_eq!(time.mean, ms("mean"), "{}", b.name);
        assert_eq!(time.median, ms("median"), "{}", b.name);
        assert_eq!(time.stddev, ms("sd"), "{}", b.name);
        assert_eq!((time.min, time.max), (ms("min"), ms("max")), "{}", b.name);
        let hz = fixture::metric(&p, &b.name, "throughput").estimate.central;
        assert_eq!(hz, j["hz"].as_f64(), "{}", b.name);
        for (metric, key) in PERCENTILES.iter().zip(["p75", "p99", "p995", "p999"]) {
            let v = fixture::metric(&p, &b.name, metric).estimate.central;
            assert_eq!(v, ms(key), "{} {metric}", b.name);
        }
        check_shape(&p, &b.name, j["sampleCount"].as_u64().unwrap() as usize);
    }
}

#[test]
fn nested_groups_skips_todos_and_a_benchmark_that_threw() {
    let json = fixture::parse("vitest", "vitest/quirks.json");
    assert_eq!(
        fixture::names(&json),
        [
            "bench/numbers.bench.js > math > Math.max(...xs) — spread",
            "bench/numbers.bench.js > math > sum of 256 > for loop",
            "bench/numbers.bench.js > math > sum of 256 > Array#reduce",
            "bench/numbers.bench.js > failing > ok beside it",
        ]
    );
    // It threw: no statistics in the file, so no benchmark, but its name is kept.
    assert_eq!(
        json.source["failed_benchmarks"],
        json!(["bench/numbers.bench.js > failing > throws on first call"])
    );
    // The table leaves out the group with the failure (vitest prints no table for it).
    let text = fixture::parse("vitest", "vitest/quirks.txt");
    assert_eq!(
        fixture::names(&text),
        [
            "bench/numbers.bench.js > math > sum of 256 > for loop",
            "bench/numbers.bench.js > math > sum of 256 > Array#reduce",
            "bench/numbers.bench.js > math > Math.max(...xs) — spread",
        ]
    );
    assert!(text.source.is_empty());
    let spread = "bench/numbers.bench.js > math > Math.max(...xs) — spread";
    check_shape(&text, spread, 27_575);
    let rate = fixture::metric(&text, spread, "throughput").estimate;
    assert_eq!(rate.central, Some(137_872.70));
    // `±26.30%`.
    let r = 26.30 / 100.0;
    assert_eq!(
        rate.ci95,
        Some([137_872.70 / (1.0 + r), 137_872.70 / (1.0 - r)])
    );
    let time = fixture::metric(&text, spread, "time").estimate;
    // 1 / hz, not the printed `0.0073` ms.
    assert!(fixture::close(time.central.unwrap(), 1.0 / 137_872.70, 2));
    assert_eq!(time.median, None);
    assert_eq!(time.stddev, None);
    assert_eq!(
        (time.min, time.max),
        (Some(0.0018 / 1e3), Some(16.1519 / 1e3))
    );
    let p999 = fixture::metric(&text, spread, "time_p999").estimate.central;
    assert_eq!(p999, Some(0.1994 / 1e3));
}

/// Table and JSON of one run: equal to the printed digits (two decimals of hz, four of each
/// time in ms under 100), counts equal.
fn agree(text: &Parsed, json: &Parsed) {
    for b in &text.benchmarks {
        let t = |m: &str| fixture::metric(text, &b.name, m).estimate;
        let j = |m: &str| fixture::metric(json, &b.name, m).estimate;
        let (th, jh) = (
            t("throughput").central.unwrap(),
            j("throughput").central.unwrap(),
        );
        assert!((th - jh).abs() <= 0.005, "{}: {th} vs {jh}", b.name);
        // The mean from hz is as good as hz's two decimals.
        let (tm, jm) = (t("time").central.unwrap(), j("time").central.unwrap());
        let digits = 0.005 / th + 1e-12;
        assert!((tm / jm - 1.0).abs() <= digits, "{}: {tm} vs {jm}", b.name);
        let half = 0.000_05 / 1e3 + 1e-15;
        for m in PERCENTILES {
            let (tv, jv) = (t(m).central.unwrap(), j(m).central.unwrap());
            assert!((tv - jv).abs() <= half, "{} {m}: {tv} vs {jv}", b.name);
        }
        assert!((t("time").min.unwrap() - j("time").min.unwrap()).abs() <= half);
        assert!((t("time").max.unwrap() - j("time").max.unwrap()).abs() <= half);
        // `±5.06%`: rme to two decimals.
        let rel = |e: ingest::Estimate| e.ci95.unwrap()[1] / e.central.unwrap() - 1.0;
        assert!(
            (rel(t("time")) - rel(j("time"))).abs() <= 0.000_05 + 1e-12,
            "{}",
            b.name
        );
        assert_eq!(t("time").n, j("time").n, "{}", b.name);
    }
}

#[test]
fn table_and_json_of_one_run_agree_within_the_printed_digits() {
    let json = fixture::parse("vitest", "vitest/strings.json");
    let text = fixture::parse("vitest", "vitest/strings.txt");
    // The table is in printed order; the file's own table, printed twice, counts once.
    let mut names = fixture::names(&text);
    assert_eq!(names.len(), 5);
    assert_eq!(names[4], "bench/strings.bench.js > sort 1000 numbers");
    let mut json_names = fixture::names(&json);
    names.sort_unstable();
    json_names.sort_unstable();
    assert_eq!(names, json_names);
    agree(&text, &json);
    let quirks = fixture::parse("vitest", "vitest/quirks.txt");
    agree(&quirks, &fixture::parse("vitest", "vitest/quirks.json"));
}

#[test]
fn compare_rows_are_the_current_run_and_baseline_rows_are_not_read() {
    let p = fixture::parse("vitest", "vitest/compare.txt");
    let join = "bench/strings.bench.js > join > Array#join";
    assert_eq!(fixture::names(&p).len(), 5);
    check_shape(&p, join, 660_664);
    // `1,321,327.55 ... ±12.81%  660664  [0.57x] ⇓`, not the baseline's 2,330,987.91.
    let rate = fixture::metric(&p, join, "throughput").estimate;
    assert_eq!(rate.central, Some(1_321_327.55));
    let r = 12.81 / 100.0;
    assert_eq!(
        rate.ci95,
        Some([1_321_327.55 / (1.0 + r), 1_321_327.55 / (1.0 - r)])
    );
    let sort = "bench/strings.bench.js > sort 1000 numbers";
    let rate = fixture::metric(&p, sort, "throughput").estimate;
    assert_eq!((rate.central, rate.n), (Some(4_769.25), Some(954)));
}

#[test]
fn coloured_table_reads_like_a_plain_one() {
    let p = fixture::parse("vitest", "vitest/coloured.txt");
    let names = fixture::names(&p);
    assert_eq!(names.len(), 5, "{names:?}");
    let includes = "bench/strings.bench.js > search > String#includes";
    check_shape(&p, includes, 3_387_129);
    let rate = fixture::metric(&p, includes, "throughput").estimate;
    assert_eq!(rate.central, Some(6_766_380.34));
    let time = fixture::metric(&p, includes, "time").estimate;
    assert_eq!(time.max, Some(24.0431 / 1e3));
    let text = std::fs::read_to_string(fixture::path("vitest/coloured.txt")).unwrap();
    assert!(text.contains('\u{1b}'));
    let plain = perfgate::ingest::text::strip_ansi(&text).replace('\n', "\r\n");
    let (_, again) = ingest::parse("vitest", &Input::from_bytes("p", plain)).unwrap();
    assert_eq!(again, p);
}

#[test]
fn each_fixture_is_read_by_auto_as_vitest() {
    for rel in ALL {
        let (format, p) = ingest::parse("auto", &fixture::input(rel)).unwrap();
        assert_eq!(format, "vitest", "{rel}");
        assert!(!p.benchmarks.is_empty(), "{rel}");
    }
}

#[test]
fn other_formats_and_empty_input_are_rejected_naming_the_format() {
    for rel in foreign_fixtures("vitest") {
        let e = ingest::parse("vitest", &fixture::input(&rel)).unwrap_err();
        assert_eq!(e.format, "vitest", "{rel}");
        assert!(
            e.message.starts_with("no vitest bench table")
                || e.message.starts_with("not vitest bench JSON")
                || e.message.starts_with("not JSON")
                || e.message.starts_with("not UTF-8"),
            "{rel}: {e}"
        );
    }
    let e = ingest::parse("vitest", &Input::from_bytes("empty", "")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "empty: vitest: no vitest bench table \
         (a `name hz min max mean p75 p99 p995 p999 rme samples` header)"
    );
}

#[test]
fn broken_rows_and_a_repeat_with_other_numbers_are_errors_at_their_line() {
    let text = std::fs::read_to_string(fixture::path("vitest/strings.txt")).unwrap();
    let line_of = |needle: &str, nth: usize| {
        text.lines()
            .enumerate()
            .filter(|(_, l)| l.contains(needle))
            .nth(nth)
            .unwrap()
            .0
            + 1
    };
    let broken = text.replacen("2,330,987.91", "2,330,9x7.91", 1);
    let e = ingest::parse("vitest", &Input::from_bytes("b", broken)).unwrap_err();
    assert_eq!(
        e.place,
        Some(format!("line {}", line_of("2,330,987.91", 0)))
    );
    assert_eq!(e.message, "`2,330,9x7.91` is not a number");
    // The file's own table, printed twice: the second copy with another rate.
    let second = line_of("2,538.88", 1);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[second - 1] = lines[second - 1].replace("2,538.88", "2,538.89");
    let e = ingest::parse("vitest", &Input::from_bytes("r", lines.join("\n"))).unwrap_err();
    assert_eq!(e.place, Some(format!("line {second}")));
    assert_eq!(
        e.message,
        format!(
            "`bench/strings.bench.js > sort 1000 numbers` is already on line {} with other numbers",
            line_of("2,538.88", 0)
        )
    );
    // A row cut short.
    let cut = text.replacen("  ±5.06%  1165494", "", 1);
    let e = ingest::parse("vitest", &Input::from_bytes("c", cut)).unwrap_err();
    assert!(e.message.contains("is not a row of the table"), "{e}");
}

#[test]
fn broken_json_names_the_benchmark_and_field() {
    let json = std::fs::read_to_string(fixture::path("vitest/strings.json")).unwrap();
    let bad = json.replacen("\"sampleCount\": 508", "\"sampleCount\": -508", 1);
    let e = ingest::parse("vitest", &Input::from_bytes("j", bad)).unwrap_err();
    assert_eq!(
        e.place.as_deref(),
        Some("files[0].groups[0].benchmarks[0].sampleCount")
    );
    assert_eq!(e.message, "not a whole number");
    let e = ingest::parse("vitest", &Input::from_bytes("e", r#"{"files": []}"#)).unwrap_err();
    assert_eq!(e.to_string(), "e: vitest: no benchmarks found");
}
