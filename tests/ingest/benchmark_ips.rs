//! `benchmark_ips` adapter on real outputs in tests/fixtures/benchmark_ips/ (benchmark-ips 2.7.2,
//! Debian's `ruby-benchmark-ips`, on ruby 3.1.2; see the README there). Each `.txt` is the
//! stdout of the run that wrote the `.json` beside it, so the two are checked against each
//! other. Expected values are the numbers in the fixtures.

use perfgate::ingest::{self, Input, Parsed};
use perfgate::model::Direction;

use crate::fixture;

const ALL: [&str; 4] = [
    "benchmark_ips/raw.json",
    "benchmark_ips/raw.txt",
    "benchmark_ips/strings.json",
    "benchmark_ips/strings.txt",
];

/// (name, ips, standard deviation of the rate, samples).
type Expected<'a> = (&'a str, f64, f64, usize);

fn check(p: &Parsed, expected: &[Expected<'_>]) {
    let names: Vec<&str> = expected.iter().map(|e| e.0).collect();
    assert_eq!(fixture::names(p), names);
    assert!(p.source.is_empty());
    for &(name, ips, sd, n) in expected {
        let b = fixture::bench(p, name);
        assert!(b.params.is_empty(), "{name}");
        assert_eq!(b.metrics.len(), 2, "{name}");
        let rate = fixture::metric(p, name, "throughput");
        assert_eq!(rate.unit, "ops/s", "{name}");
        assert_eq!(rate.direction, Direction::HigherIsBetter, "{name}");
        assert!(rate.samples.is_empty(), "{name}");
        assert_eq!(rate.estimate.central, Some(ips), "{name}");
        assert_eq!(rate.estimate.mean, Some(ips), "{name}");
        assert!(
            fixture::close(rate.estimate.stddev.unwrap(), sd, 1),
            "{name}: {:?} != {sd}",
            rate.estimate.stddev
        );
        assert_eq!(rate.estimate.n, Some(n), "{name}");
        assert_eq!(rate.estimate.ci95, None, "{name}");
        let time = fixture::metric(p, name, "time");
        assert_eq!(time.unit, "s", "{name}");
        assert_eq!(time.direction, Direction::LowerIsBetter, "{name}");
        assert!(time.samples.is_empty(), "{name}");
        assert_eq!(time.estimate.central, Some(1.0 / ips), "{name}");
        // The same relative spread as the rate: sd/ips of 1/ips.
        let time_sd = time.estimate.stddev.unwrap();
        assert!(fixture::close(time_sd * ips, sd / ips, 4), "{name}");
        assert_eq!(time.estimate.n, Some(n), "{name}");
    }
}

#[test]
fn json_with_a_long_label_and_a_slow_benchmark() {
    let p = fixture::parse("benchmark_ips", "benchmark_ips/strings.json");
    check(
        &p,
        &[
            // n = iterations / cycles: 913235 / 48065.
            ("join", 476_937.247_619_954, 121_262.0, 19),
            ("interpolation", 1_696_237.039_225_183_2, 614_402.0, 30),
            (
                "inject with String#+ over eight words",
                454_957.200_209_916_6,
                175_013.0,
                30,
            ),
            // sleep 0.3: 7 samples of one call each, every one the same rate to the integer.
            ("sleep 0.3", 3.323_200_133_410_098_5, 0.0, 7),
        ],
    );
    // `sleep 0.3` takes a little over 0.3 s a call.
    let sleep = fixture::metric(&p, "sleep 0.3", "time")
        .estimate
        .central
        .unwrap();
    assert!((0.3..0.31).contains(&sleep), "{sleep}");
}

#[test]
fn text_with_scaled_numbers_a_wrapped_label_and_the_comparison_ignored() {
    let p = fixture::parse("benchmark_ips", "benchmark_ips/strings.txt");
    check(
        &p,
        &[
            // `476.937k (±25.4%)`; samples 913.235k / 48.065k.
            ("join", 476_937.0, 476_937.0 * 25.4 / 100.0, 19),
            // `1.696M (±36.2%)`; `2.973M` / `99.105k` is 30 within the printed digits.
            ("interpolation", 1_696_000.0, 1_696_000.0 * 36.2 / 100.0, 30),
            (
                "inject with String#+ over eight words",
                454_957.0,
                454_957.0 * 38.5 / 100.0,
                30,
            ),
            ("sleep 0.3", 3.323, 0.0, 7),
        ],
    );
}

#[test]
fn raw_format_and_two_passes_keep_the_last_pass() {
    let json = fixture::parse("benchmark_ips", "benchmark_ips/raw.json");
    check(
        &json,
        &[
            // 46637234 / 286118 = 163 samples of the second warm-up's 286118 calls.
            (
                "Integer#+ (loop of times)",
                46_979_792.534_817_13,
                3_657_979.0,
                163,
            ),
            ("Array#sort — 100 ints", 79_628.378_766_974_23, 4_235.0, 10),
        ],
    );
    let text = fixture::parse("benchmark_ips", "benchmark_ips/raw.txt");
    check(
        &text,
        &[
            // The second of the two lines printed for each label.
            (
                "Integer#+ (loop of times)",
                46_979_792.5,
                46_979_792.5 * 7.8 / 100.0,
                163,
            ),
            (
                "Array#sort — 100 ints",
                79_628.4,
                79_628.4 * 5.3 / 100.0,
                10,
            ),
        ],
    );
}

#[test]
fn text_and_json_of_one_run_agree_within_the_printed_digits() {
    for run in ["strings", "raw"] {
        let json = fixture::parse("benchmark_ips", &format!("benchmark_ips/{run}.json"));
        let text = fixture::parse("benchmark_ips", &format!("benchmark_ips/{run}.txt"));
        assert_eq!(fixture::names(&json), fixture::names(&text), "{run}");
        for b in &json.benchmarks {
            let j = fixture::metric(&json, &b.name, "throughput").estimate;
            let t = fixture::metric(&text, &b.name, "throughput").estimate;
            let (ji, ti) = (j.central.unwrap(), t.central.unwrap());
            // Scaled: three decimals of k or M; raw: one decimal.
            let digit = if ti >= 1e6 { 500.0 } else { 0.5 };
            assert!((ji - ti).abs() <= digit, "{}: {ji} vs {ti}", b.name);
            // The percentage is printed with one decimal.
            let (jp, tp) = (
                100.0 * j.stddev.unwrap() / ji,
                100.0 * t.stddev.unwrap() / ti,
            );
            assert!((jp - tp).abs() <= 0.05 + 1e-9, "{}: {jp} vs {tp}", b.name);
            assert_eq!(j.n, t.n, "{}", b.name);
        }
    }
}

#[test]
fn each_fixture_is_read_by_auto_as_benchmark_ips() {
    for rel in ALL {
        let (format, p) = ingest::parse("auto", &fixture::input(rel)).unwrap();
        assert_eq!(format, "benchmark_ips", "{rel}");
        assert!(!p.benchmarks.is_empty(), "{rel}");
    }
}

/// Every file under tests/fixtures/ that is not `own`'s (READMEs, sources and scripts left
/// out), recursively, relative to tests/fixtures.
pub fn foreign_fixtures(own: &str) -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if p.is_dir() && name != "src" {
                walk(&p, out);
            } else if p.is_file() && name != "README.md" && !name.ends_with(".py") {
                out.push(p);
            }
        }
    }
    let root = fixture::path("");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut out: Vec<String> = files
        .iter()
        .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
        .filter(|rel| !rel.starts_with(&format!("{own}/")))
        .collect();
    out.sort();
    assert!(out.len() > 30, "{out:?}");
    out
}

#[test]
fn other_formats_and_empty_input_are_rejected_naming_the_format() {
    for rel in foreign_fixtures("benchmark_ips") {
        let e = ingest::parse("benchmark_ips", &fixture::input(&rel)).unwrap_err();
        assert_eq!(e.format, "benchmark_ips", "{rel}");
        assert!(
            e.message.starts_with("no benchmark-ips output")
                || e.message.starts_with("not benchmark-ips JSON")
                || e.message.starts_with("not JSON")
                || e.message.starts_with("not UTF-8"),
            "{rel}: {e}"
        );
    }
    let e = ingest::parse("benchmark_ips", &Input::from_bytes("empty", "")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "empty: benchmark_ips: no benchmark-ips output (a `Calculating ----` section of \
         `<label> <ips> (±<sd>%) i/s - <iterations>` lines)"
    );
    let e = ingest::parse("benchmark_ips", &Input::from_bytes("a", "[]")).unwrap_err();
    assert_eq!(e.to_string(), "a: benchmark_ips: no benchmarks found");
}

fn text_of(rel: &str) -> String {
    std::fs::read_to_string(fixture::path(rel)).unwrap()
}

#[test]
fn broken_lines_are_errors_at_their_line() {
    let text = text_of("benchmark_ips/strings.txt");
    let cases = [
        (
            "476.937k (",
            "476.9x7k (",
            "line 8",
            "`476.9x7k` is not a rate",
        ),
        (
            "(±25.4%)",
            "(±25.4)",
            "line 8",
            "`(±25.4)` is not a percentage",
        ),
        (
            "-    913.235k",
            "-    913.2.5k",
            "line 8",
            "`913.2.5k` is not a count",
        ),
        (
            "48.065k i/100ms",
            "48,065k i/100ms",
            "line 2",
            "`48,065k` is not a number of calls",
        ),
    ];
    for (from, to, line, message) in cases {
        let broken = text.replacen(from, to, 1);
        let e = ingest::parse("benchmark_ips", &Input::from_bytes("b", broken)).unwrap_err();
        assert_eq!(e.place.as_deref(), Some(line), "{to}");
        assert!(e.message.starts_with(message), "{to}: {e}");
    }
    // The numbers of a long label with no label line above them.
    let orphan = text.replacen("inject with String#+ over eight words\n", "\n", 2);
    let e = ingest::parse("benchmark_ips", &Input::from_bytes("o", orphan)).unwrap_err();
    assert_eq!(e.place.as_deref(), Some("line 5"));
    assert_eq!(e.message, "numbers without a label");
}

#[test]
fn a_label_in_two_runs_is_refused_and_the_bootstrap_footer_too() {
    let text = text_of("benchmark_ips/strings.txt");
    let lines = text.lines().count();
    let twice = format!("{text}{text}");
    let e = ingest::parse("benchmark_ips", &Input::from_bytes("t", twice)).unwrap_err();
    assert_eq!(e.place, Some(format!("line {}", lines + 8)));
    assert_eq!(
        e.message,
        "`join` is already on line 8, in an earlier Benchmark.ips run"
    );
    // `:bootstrap` prints its confidence under the results; its ± is not a deviation.
    let bootstrap = text.replacen(
        "\n\nComparison:",
        "\n                   with 95.0% confidence\n\nComparison:",
        1,
    );
    let e = ingest::parse("benchmark_ips", &Input::from_bytes("s", bootstrap)).unwrap_err();
    assert_eq!(e.place.as_deref(), Some("line 13"));
    assert!(e.message.contains("bootstrap statistics"), "{e}");
}

#[test]
fn broken_json_names_the_entry_and_field() {
    let json = text_of("benchmark_ips/strings.json");
    let bad = json.replacen("\"iterations\": 2973150", "\"iterations\": 2973150.5", 1);
    let e = ingest::parse("benchmark_ips", &Input::from_bytes("j", bad)).unwrap_err();
    assert_eq!(e.place.as_deref(), Some("[1].iterations"));
    assert_eq!(e.message, "not a whole number");
    let cut = &json[..json.len() / 2];
    let e = ingest::parse("benchmark_ips", &Input::from_bytes("c", cut)).unwrap_err();
    assert!(e.place.unwrap().starts_with("line "), "{}", e.message);
}

#[test]
fn crlf_and_ansi_colour_do_not_change_the_result() {
    let text = text_of("benchmark_ips/strings.txt");
    let plain = fixture::parse("benchmark_ips", "benchmark_ips/strings.txt");
    let coloured = text
        .replace("interpolation", "\u{1b}[32minterpolation\u{1b}[0m")
        .replace('\n', "\r\n");
    let (_, p) = ingest::parse("benchmark_ips", &Input::from_bytes("c", coloured)).unwrap();
    assert_eq!(p, plain);
}
