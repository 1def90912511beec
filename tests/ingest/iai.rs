//! `iai` adapter on real outputs in tests/fixtures/iai/ (iai-callgrind 0.16.1, Valgrind 3.19.0;
//! see the README there): run1/ and run2/ hold the summary.json files of two runs, the second
//! after a code change; run2.txt is the terminal output of the second run, which prints each
//! count as `new|old`, so it checks the values read from both directories.

use perfgate::ingest::{self, Input};
use perfgate::model::Direction;

use crate::fixture;

const METRICS: [&str; 6] = [
    "instructions",
    "l1_hits",
    "ll_hits",
    "ram_hits",
    "total_read_write",
    "estimated_cycles",
];

/// Sorted by summary path: `<function>[.<id>]` directories in name order.
const NAMES: [&str; 5] = [
    "bench_sum::arith::bench_fib short:10",
    "bench_sum::arith::bench_plain",
    // Arguments past 50 bytes are shortened, in summary.json as on the terminal.
    "bench_sum::arith::bench_slice twenty:vec! [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 1...",
    "bench_sum::arith::bench_sum large:10_000",
    "bench_sum::arith::bench_sum small:100",
];

fn count(p: &ingest::Parsed, bench: &str, metric: &str) -> f64 {
    fixture::metric(p, bench, metric).estimate.central.unwrap()
}

/// One count on the terminal: (label, new, old).
type Row = (String, f64, f64);

/// The terminal output: (header, rows) per benchmark.
fn terminal(rel: &str) -> Vec<(String, Vec<Row>)> {
    let text = std::fs::read_to_string(fixture::path(rel)).unwrap();
    let mut out: Vec<(String, Vec<Row>)> = Vec::new();
    for line in text.lines() {
        if line.starts_with("bench_sum::") {
            out.push((line.to_string(), Vec::new()));
        } else if let (Some(rest), Some(last)) = (line.strip_prefix("  "), out.last_mut()) {
            let (label, values) = rest.split_once(':').unwrap();
            let pair = values.split_whitespace().next().unwrap();
            let (new, old) = pair.split_once('|').unwrap();
            last.1.push((
                label.to_string(),
                new.parse().unwrap(),
                old.parse().unwrap(),
            ));
        }
    }
    out
}

#[test]
fn names_metrics_units_and_directions() {
    let p = fixture::parse("iai", "iai/run1");
    assert_eq!(fixture::names(&p), NAMES);
    for b in &p.benchmarks {
        let names: Vec<&str> = b.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, METRICS, "{}", b.name);
        for m in &b.metrics {
            assert_eq!(m.unit, "count");
            assert_eq!(m.direction, Direction::LowerIsBetter);
            assert!(m.samples.is_empty());
            assert_eq!(m.estimate.n, Some(1));
            assert_eq!(m.estimate.ci95, None);
        }
    }
    let args = |name: &str| fixture::bench(&p, name).params.get("args").cloned();
    assert_eq!(args(NAMES[0]), Some("10".into()));
    assert_eq!(args(NAMES[1]), None);
    assert_eq!(args(NAMES[3]), Some("10_000".into()));
    assert_eq!(p.source.get("summary_version"), Some(&"6".into()));
    assert_eq!(p.source.get("valgrind_tool"), Some(&"Callgrind".into()));
}

#[test]
fn new_values_of_both_runs_match_the_terminal_new_and_old_columns() {
    let run1 = fixture::parse("iai", "iai/run1");
    let run2 = fixture::parse("iai", "iai/run2");
    let printed = terminal("iai/run2.txt");
    assert_eq!(printed.len(), 5);
    let labels = [
        "Instructions",
        "L1 Hits",
        "LL Hits",
        "RAM Hits",
        "Total read+write",
        "Estimated Cycles",
    ];
    for (header, rows) in &printed {
        // The names are the printed headers, in path order rather than run order.
        let name = NAMES
            .iter()
            .find(|n| *n == header)
            .unwrap_or_else(|| panic!("no benchmark for header `{header}`"));
        let printed_labels: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(printed_labels, labels);
        for ((_, new, old), metric) in rows.iter().zip(METRICS) {
            assert_eq!(count(&run2, name, metric), *new, "{name} {metric}");
            assert_eq!(count(&run1, name, metric), *old, "{name} {metric}");
        }
    }
    // The code change: recursive -> iterative Fibonacci, closed-form -> looped sum.
    assert_eq!(count(&run1, NAMES[0], "instructions"), 1805.0);
    assert_eq!(count(&run2, NAMES[0], "instructions"), 43.0);
    assert_eq!(count(&run1, NAMES[3], "instructions"), 19.0);
    assert_eq!(count(&run2, NAMES[3], "instructions"), 32531.0);
    assert_eq!(count(&run2, NAMES[3], "estimated_cycles"), 32714.0);
}

#[test]
fn one_summary_file_is_one_benchmark() {
    let p = fixture::parse(
        "iai",
        "iai/run2/iai-sum/bench_sum/arith/bench_slice.twenty/summary.json",
    );
    assert_eq!(fixture::names(&p), [NAMES[2]]);
    assert_eq!(count(&p, NAMES[2], "instructions"), 174.0);
    assert_eq!(count(&p, NAMES[2], "ram_hits"), 5.0);
    // A directory of one benchmark gives the same.
    let dir = fixture::parse("iai", "iai/run2/iai-sum/bench_sum/arith/bench_slice.twenty");
    assert_eq!(dir.benchmarks, p.benchmarks);
}

#[test]
fn auto_detects_directories_and_files() {
    let (format, p) = ingest::parse("auto", &fixture::input("iai/run2")).unwrap();
    assert_eq!((format, p.benchmarks.len()), ("iai", 5));
    let file = "iai/run1/iai-sum/bench_sum/arith/bench_plain/summary.json";
    let (format, _) = ingest::parse("auto", &fixture::input(file)).unwrap();
    assert_eq!(format, "iai");
}

#[test]
fn other_formats_and_empty_inputs_are_rejected_naming_the_format() {
    let mut foreign = vec![
        "iai/run2.txt",
        "benchmarkjs/strings.txt",
        "json/generic.json",
    ];
    for other in ["gotest/test2json.json", "hyperfine/basic.json"] {
        if fixture::path(other).exists() {
            foreign.push(other);
        }
    }
    for rel in foreign {
        let e = ingest::parse("iai", &fixture::input(rel)).unwrap_err();
        assert_eq!(e.format, "iai", "{rel}");
        assert!(e.to_string().lines().count() == 1, "{rel}: {e}");
    }
    let e = ingest::parse("iai", &fixture::input("json/generic.json")).unwrap_err();
    assert!(e.message.contains("not an iai-callgrind summary"), "{e}");
    let e = ingest::parse("iai", &Input::from_bytes("empty", "")).unwrap_err();
    assert_eq!(e.format, "iai");
    // A directory without summaries (the sources of the fixture).
    let e = ingest::parse("iai", &fixture::input("iai/src")).unwrap_err();
    assert!(e.message.contains("no summary.json"), "{e}");
}

#[test]
fn broken_summaries_name_the_file_and_the_field() {
    let rel = "iai/run2/iai-sum/bench_sum/arith/bench_fib.short/summary.json";
    let text = std::fs::read_to_string(fixture::path(rel)).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let edited = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut d = doc.clone();
        edit(&mut d);
        d.to_string()
    };
    let ir = "/profiles/0/summaries/total/summary/Callgrind/Ir/metrics";
    let cases = [
        (text[..text.len() / 2].to_string(), "line ", "not JSON"),
        (
            edited(&|d| d["module_path"] = serde_json::json!(["x"])),
            "module_path",
            "missing or not a string",
        ),
        (
            edited(&|d| d["id"] = serde_json::json!(1)),
            "id",
            "not a string",
        ),
        (
            edited(&|d| {
                let p = d["profiles"].take();
                d["profile"] = p;
            }),
            "",
            "no `profiles`",
        ),
        (
            edited(&|d| *d.pointer_mut(ir).unwrap() = serde_json::json!({"Both": [1]})),
            "profiles[0].summaries.total.summary.Callgrind.Ir",
            "not one of Left, Both",
        ),
        (
            edited(&|d| d["profiles"][0]["summaries"] = serde_json::json!({})),
            "profiles",
            "no Callgrind or Cachegrind profile",
        ),
    ];
    for (broken, place, message) in cases {
        let e = ingest::parse("iai", &Input::from_bytes("s.json", broken)).unwrap_err();
        assert!(e.place.as_deref().unwrap_or("").starts_with(place), "{e}");
        assert!(e.message.contains(message), "{e}");
        assert!(e.to_string().starts_with("s.json: iai: "), "{e}");
    }
    // In a directory, the place starts with the file's path inside it.
    let dir = std::env::temp_dir().join(format!("perfgate-iai-{}", std::process::id()));
    let sub = dir.join("pkg/bench/g/f.id");
    std::fs::create_dir_all(&sub).unwrap();
    let not_a_count = edited(&|d| {
        *d.pointer_mut(ir).unwrap() = serde_json::json!({"Left": {"Int": "43"}});
    });
    std::fs::write(sub.join("summary.json"), not_a_count).unwrap();
    let e = ingest::parse("iai", &Input::Dir { path: dir.clone() }).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        e.place.as_deref(),
        Some("pkg/bench/g/f.id/summary.json: profiles[0].summaries.total.summary.Callgrind.Ir")
    );
    assert_eq!(e.message, "the new value is not a count");
}

#[test]
fn two_summaries_of_one_benchmark_are_refused() {
    let dir = std::env::temp_dir().join(format!("perfgate-iai-dup-{}", std::process::id()));
    let one = fixture::path("iai/run1/iai-sum/bench_sum/arith/bench_plain/summary.json");
    for sub in ["a", "b"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::copy(&one, dir.join(sub).join("summary.json")).unwrap();
    }
    let e = ingest::parse("iai", &Input::Dir { path: dir.clone() }).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        e.message
            .contains("`bench_sum::arith::bench_plain` has two summaries"),
        "{e}"
    );
}
