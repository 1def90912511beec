//! `asv` adapter on real outputs in tests/fixtures/asv/.

use perfgate::ingest::{self, Input, Parsed};
use perfgate::model::Direction;
use serde_json::json;

use crate::fixture::{self, metric, parse};

const RUN1: &str =
    "asv/results/vm/9dac0021-existing-py_work_scratch-script-harnesses_venv_bin_python3.json";
const RUN2: &str =
    "asv/results/vm/8610231c-existing-py_work_scratch-script-harnesses_venv_bin_python3.json";

/// Names sorted: asv's `results` is a JSON object, whose order is not to be relied on.
fn sorted_names(p: &Parsed) -> Vec<&str> {
    let mut n: Vec<&str> = p.benchmarks.iter().map(|b| b.name.as_str()).collect();
    n.sort();
    n
}

#[test]
fn parameterized_benchmarks_expand_with_asv_display_names() {
    let p = parse("asv", RUN1);
    assert_eq!(
        sorted_names(&p),
        [
            "bench_sum.TimeJoin.time_join(16, 'ab')",
            "bench_sum.TimeJoin.time_join(16, 'abcd')",
            "bench_sum.TimeJoin.time_join(256, 'ab')",
            "bench_sum.TimeJoin.time_join(256, 'abcd')",
            "bench_sum.TimeSum.time_sum(10)",
            "bench_sum.TimeSum.time_sum(1000)",
            "bench_sum.mem_list",
            "bench_sum.peakmem_make",
            "bench_sum.time_make",
            "bench_sum.track_items",
            "bench_sum.track_ratio",
        ]
    );
    // Row-major: the first parameter varies slowest.
    let join = |c, part| {
        metric(
            &p,
            &format!("bench_sum.TimeJoin.time_join({c}, {part})"),
            "time",
        )
    };
    assert_eq!(
        join(16, "'ab'").estimate.central,
        Some(4.732555830196485e-07)
    );
    assert_eq!(
        join(16, "'abcd'").estimate.central,
        Some(3.054536319330085e-07)
    );
    assert_eq!(
        join(256, "'ab'").estimate.central,
        Some(3.133338575993815e-06)
    );
    assert_eq!(
        join(256, "'abcd'").estimate.central,
        Some(2.5370535099804813e-06)
    );
    let b = fixture::bench(&p, "bench_sum.TimeJoin.time_join(256, 'abcd')");
    assert_eq!(b.params.get("count"), Some(&json!(256)));
    assert_eq!(b.params.get("part"), Some(&json!("abcd")));
    let b = fixture::bench(&p, "bench_sum.TimeSum.time_sum(1000)");
    assert_eq!(b.params.get("n"), Some(&json!(1000)));
    assert!(fixture::bench(&p, "bench_sum.time_make").params.is_empty());
}

#[test]
fn each_type_has_its_metric_and_unit() {
    let p = parse("asv", RUN1);
    let t = metric(&p, "bench_sum.TimeSum.time_sum(10)", "time");
    assert_eq!(
        (t.unit.as_str(), t.direction),
        ("s", Direction::LowerIsBetter)
    );
    assert_eq!(t.estimate.central, Some(3.054992703255266e-07));
    assert_eq!(t.estimate.median, Some(3.054992703255266e-07));
    assert_eq!(t.estimate.n, Some(10));
    assert!(t.samples.is_empty());
    assert_eq!(
        metric(&p, "bench_sum.time_make", "time").estimate.central,
        Some(5.724348735219359e-07)
    );
    let mem = metric(&p, "bench_sum.mem_list", "memory");
    assert_eq!(
        (mem.unit.as_str(), mem.estimate.central),
        ("bytes", Some(8056.0))
    );
    let peak = metric(&p, "bench_sum.peakmem_make", "peak_memory");
    assert_eq!(
        (peak.unit.as_str(), peak.estimate.central),
        ("bytes", Some(27123712.0))
    );
    assert_eq!(peak.direction, Direction::LowerIsBetter);
    // Units of track benchmarks come from results/benchmarks.json beside the machine folder.
    let items = metric(&p, "bench_sum.track_items", "track");
    assert_eq!(
        (items.unit.as_str(), items.estimate.central),
        ("items", Some(42.0))
    );
    let ratio = metric(&p, "bench_sum.track_ratio", "track");
    assert_eq!(
        (ratio.unit.as_str(), ratio.estimate.central),
        ("unit", Some(0.75))
    );
    for b in &p.benchmarks {
        assert_eq!(b.metrics.len(), 1, "{}", b.name);
    }
}

#[test]
fn recorded_samples_skips_and_failures() {
    let p = parse("asv", RUN2);
    let t = metric(&p, "bench_sum.TimeSum.time_sum(10)", "time");
    assert_eq!(t.samples.len(), 10);
    assert_eq!(
        &t.samples[..2],
        [3.2000025385059416e-07, 2.800006768666208e-07]
    );
    assert_eq!(t.estimate.central, Some(2.855003913282417e-07));
    let join = metric(&p, "bench_sum.TimeJoin.time_join(256, 'ab')", "time");
    assert_eq!(join.samples.len(), 10);
    assert_eq!(join.samples[9], 1.8430000636726618e-06);
    assert_eq!(join.estimate.central, Some(1.9875005818903446e-06));
    let make = metric(&p, "bench_sum.time_make", "time");
    assert_eq!(make.samples.len(), 10);
    assert_eq!(make.samples[0], 4.710149491920864e-07);
    // The skipped combination (NaN) and the failed benchmark (null) have no result.
    assert_eq!(p.benchmarks.len(), 10);
    assert!(!p
        .benchmarks
        .iter()
        .any(|b| b.name.contains("(256, 'abcd')")));
    assert!(!p.benchmarks.iter().any(|b| b.name.contains("time_broken")));
    assert_eq!(
        p.source.get("skipped"),
        Some(&json!(["bench_sum.TimeJoin.time_join(256, 'abcd')"]))
    );
    assert_eq!(
        p.source.get("failed"),
        Some(&json!(["bench_sum.time_broken"]))
    );
}

#[test]
fn run_metadata_goes_to_source() {
    let p = parse("asv", RUN2);
    assert_eq!(
        p.source.get("commit_hash"),
        Some(&json!("8610231cb3fb18da7d7aa5efa657c14e717e2e4a"))
    );
    assert_eq!(p.source.get("date"), Some(&json!(1795375656000u64)));
    assert_eq!(p.source.get("version"), Some(&json!(2)));
    assert_eq!(
        p.source.get("params").and_then(|m| m.get("machine")),
        Some(&json!("vm"))
    );
    assert!(p.source.contains_key("env_name"));
    assert!(!p.source.contains_key("results"));
    assert!(!p.source.contains_key("result_columns"));
}

#[test]
fn a_results_directory_is_its_latest_run() {
    for rel in ["asv/results", "asv/results/vm"] {
        let p = parse("asv", rel);
        assert_eq!(
            p.source.get("file"),
            Some(&json!(RUN2.trim_start_matches(&format!("{rel}/")))),
            "{rel}"
        );
        assert_eq!(
            p.source.get("commit_hash"),
            Some(&json!("8610231cb3fb18da7d7aa5efa657c14e717e2e4a"))
        );
        assert_eq!(
            metric(&p, "bench_sum.track_items", "track").unit,
            "items",
            "{rel}"
        );
    }
    let (format, _) = ingest::parse("auto", &fixture::input("asv/results")).unwrap();
    assert_eq!(format, "asv");
}

#[test]
fn several_machines_in_one_directory_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for (machine, rel) in [("vm", RUN1), ("other", RUN2)] {
        let text = std::fs::read_to_string(fixture::path(rel)).unwrap();
        let text = text.replace(
            "\"machine\": \"vm\"",
            &format!("\"machine\": \"{machine}\""),
        );
        std::fs::create_dir_all(dir.path().join(machine)).unwrap();
        std::fs::write(dir.path().join(machine).join("r.json"), text).unwrap();
    }
    let input = Input::Dir {
        path: dir.path().to_path_buf(),
    };
    let e = ingest::parse("asv", &input).unwrap_err();
    assert!(e.message.contains("several machines"), "{e}");
    let empty = tempfile::tempdir().unwrap();
    let e = ingest::parse(
        "asv",
        &Input::Dir {
            path: empty.path().to_path_buf(),
        },
    )
    .unwrap_err();
    assert_eq!(e.format, "asv");
}

#[test]
fn bare_nan_and_infinity_are_read_but_not_inside_strings() {
    let text = std::fs::read_to_string(fixture::path(RUN2)).unwrap();
    let text = text.replacen(
        "\"env_name\": \"existing",
        "\"env_name\": \"NaN \\\" -Infinity existing",
        1,
    );
    let (_, p) = ingest::parse("asv", &Input::from_bytes("-", text)).unwrap();
    let env = p.source.get("env_name").and_then(|v| v.as_str()).unwrap();
    assert!(env.starts_with("NaN \" -Infinity existing"), "{env}");
}

#[test]
fn broken_files_name_the_place() {
    let text = std::fs::read_to_string(fixture::path(RUN1)).unwrap();
    let short = text.replacen("[8056]", "[8056, 1]", 1);
    assert_ne!(short, text);
    let e = ingest::parse("asv", &Input::from_bytes("-", short)).unwrap_err();
    assert_eq!(
        e.place.as_deref(),
        Some("results.bench_sum.mem_list.result")
    );

    let v1 = text.replacen("\"version\": 2}", "\"version\": 1}", 1);
    assert_ne!(v1, text);
    let e = ingest::parse("asv", &Input::from_bytes("-", v1)).unwrap_err();
    assert_eq!(e.place.as_deref(), Some("version"));

    for end in (0..text.len()).step_by(97) {
        let _ = ingest::parse("asv", &Input::from_bytes("-", &text.as_bytes()[..end]));
    }
}

#[test]
fn other_formats_and_empty_input_are_rejected() {
    for rel in [
        "pytest/saved.json",
        "gotest/plain.txt",
        "gotest/test2json.json",
        "asv/results/vm/machine.json",
        "json/generic.json",
        "criterion/run1",
    ] {
        if !fixture::path(rel).exists() {
            continue;
        }
        let e = ingest::parse("asv", &fixture::input(rel)).unwrap_err();
        assert_eq!(e.format, "asv", "{rel}");
    }
    let e = ingest::parse("asv", &Input::from_bytes("empty", "")).unwrap_err();
    assert_eq!(e.format, "asv");
}

#[test]
fn quick_run_with_bare_infinities_and_no_benchmarks_json() {
    let p = parse("asv", "asv/quick.json");
    assert_eq!(p.benchmarks.len(), 10);
    assert_eq!(
        metric(&p, "bench_sum.TimeJoin.time_join(256, 'ab')", "time")
            .estimate
            .central,
        Some(3.736000508069992e-06)
    );
    let b = fixture::bench(&p, "bench_sum.TimeJoin.time_join(16, 'abcd')");
    assert_eq!(b.params.get("param1"), Some(&json!(16)));
    assert_eq!(b.params.get("param2"), Some(&json!("abcd")));
    assert_eq!(
        metric(&p, "bench_sum.TimeSum.time_sum(1000)", "time")
            .estimate
            .n,
        Some(1)
    );
    // Without benchmarks.json the track unit is unknown.
    let items = metric(&p, "bench_sum.track_items", "track");
    assert_eq!(
        (items.unit.as_str(), items.estimate.central),
        ("value", Some(42.0))
    );
    assert_eq!(
        metric(&p, "bench_sum.peakmem_make", "peak_memory")
            .estimate
            .central,
        Some(27090944.0)
    );
    assert_eq!(
        p.source.get("failed"),
        Some(&json!(["bench_sum.time_broken"]))
    );
    assert_eq!(
        p.source.get("skipped"),
        Some(&json!(["bench_sum.TimeJoin.time_join(256, 'abcd')"]))
    );
}
