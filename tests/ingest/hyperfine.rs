//! `hyperfine` adapter on real outputs in tests/fixtures/hyperfine/.

use perfgate::ingest::{self, Input};
use perfgate::model::Direction;
use serde_json::{json, Value};

use crate::fixture;

/// The fixture's `results` as hyperfine wrote them, read independently of the adapter.
fn results(rel: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(fixture::path(rel)).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["results"].as_array().unwrap().clone()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn two_commands_wall_user_and_sys_times() {
    let p = fixture::parse("hyperfine", "hyperfine/two-commands.json");
    assert_eq!(
        fixture::names(&p),
        ["sleep 0.01", "seq 1 100000 | sort -n > /dev/null"]
    );
    let wall = fixture::metric(&p, "sleep 0.01", "wall_time");
    assert_eq!(
        (wall.unit.as_str(), wall.direction),
        ("s", Direction::LowerIsBetter)
    );
    assert_eq!(wall.samples.len(), 10);
    assert_eq!(wall.samples[0], 0.01021479508);
    assert_eq!(wall.samples[9], 0.01847027808);
    let e = wall.estimate;
    assert_eq!(e.central, Some(0.014652223279999998));
    assert_eq!(e.mean, Some(0.014652223279999998));
    assert_eq!(e.median, Some(0.01443235608));
    assert_eq!(e.stddev, Some(0.002967754991682014));
    assert_eq!(e.min, Some(0.01019685908));
    assert_eq!(e.max, Some(0.01847027808));
    assert_eq!(e.n, Some(10));

    let user = fixture::metric(&p, "sleep 0.01", "user_time");
    assert_eq!(
        (user.unit.as_str(), user.direction),
        ("s", Direction::LowerIsBetter)
    );
    assert!(user.samples.is_empty(), "hyperfine keeps only the mean");
    assert_eq!(user.estimate.central, Some(0.0011037000000000004));
    assert_eq!(user.estimate.n, Some(10));
    let sys = fixture::metric(&p, "sleep 0.01", "sys_time");
    assert_eq!(sys.estimate.central, Some(0.0));

    // Every run of every command, exactly as in the file.
    for (bench, r) in p
        .benchmarks
        .iter()
        .zip(results("hyperfine/two-commands.json"))
    {
        assert_eq!(bench.name, r["command"].as_str().unwrap());
        assert_eq!(
            fixture::metric(&p, &bench.name, "wall_time").samples,
            floats(&r["times"])
        );
        assert!(bench.params.is_empty());
        let metrics: Vec<_> = bench.metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            metrics,
            ["wall_time", "user_time", "sys_time"],
            "no peak_rss in 1.15"
        );
    }
    assert!(p.source.is_empty(), "all exit codes were 0: {:?}", p.source);
}

#[test]
fn parameter_scan_names_come_from_command_name_and_params_stay_strings() {
    let p = fixture::parse("hyperfine", "hyperfine/parameter-scan.json");
    assert_eq!(fixture::names(&p), ["sort 100k", "sort 200k", "sort 300k"]);
    for (b, n) in p.benchmarks.iter().zip(["1", "2", "3"]) {
        assert_eq!(b.params.len(), 1);
        assert_eq!(b.params["n"], json!(n));
        assert_eq!(fixture::metric(&p, &b.name, "wall_time").samples.len(), 5);
    }
    let wall = fixture::metric(&p, "sort 300k", "wall_time");
    assert_eq!(wall.estimate.central, Some(0.052883757499999996));
    assert_eq!(wall.estimate.max, Some(0.0682041895));
    let sys = fixture::metric(&p, "sort 200k", "sys_time");
    assert_eq!(sys.estimate.central, Some(0.007913152));
}

#[test]
fn failed_commands_keep_their_timings_and_exit_codes_go_to_source() {
    let p = fixture::parse("hyperfine", "hyperfine/ignore-failure.json");
    assert_eq!(
        fixture::names(&p),
        ["ls /usr", "ls /nonexistent", "sh -c 'kill -KILL $$'"]
    );
    let wall = fixture::metric(&p, "ls /nonexistent", "wall_time");
    assert_eq!(wall.estimate.mean, Some(0.0030589506));
    assert_eq!(wall.samples.len(), 5);
    assert_eq!(
        p.source["nonzero_exit_codes"],
        json!({
            "ls /nonexistent": [2, 2, 2, 2, 2],
            "sh -c 'kill -KILL $$'": [137, 137, 137, 137, 137],
        })
    );
}

#[test]
fn memory_per_run_becomes_peak_rss_in_bytes() {
    let p = fixture::parse("hyperfine", "hyperfine/memory-1.20.json");
    assert_eq!(fixture::names(&p), ["seq 1000", "seq 1000000"]);
    let rss = fixture::metric(&p, "seq 1000000", "peak_rss");
    assert_eq!(
        (rss.unit.as_str(), rss.direction),
        ("bytes", Direction::LowerIsBetter)
    );
    assert_eq!(rss.samples, [3256320.0; 5]);
    assert_eq!(fixture::bench(&p, "seq 1000").params["n"], json!("1000"));
    let wall = fixture::metric(&p, "seq 1000", "wall_time");
    assert_eq!(wall.samples[0], 0.0008453880000000001);
    assert_eq!(wall.estimate.median, Some(0.0008275610000000001));
    for (bench, r) in p
        .benchmarks
        .iter()
        .zip(results("hyperfine/memory-1.20.json"))
    {
        assert_eq!(
            fixture::metric(&p, &bench.name, "peak_rss").samples,
            floats(&r["memory_usage_byte"])
        );
    }
}

#[test]
fn other_formats_and_broken_results_are_rejected_naming_hyperfine() {
    for rel in [
        "gbench/basic.json",
        "json/generic.json",
        "pytest/data.json",
        "catch2/normal.xml",
        "criterion/run1.txt",
    ] {
        let e = ingest::parse("hyperfine", &fixture::input(rel)).unwrap_err();
        assert_eq!(e.format, "hyperfine", "{rel}");
        assert!(
            e.message.contains("no top-level `results` array") || e.message.starts_with("not JSON"),
            "{rel}: {e}"
        );
    }
    let cases = [
        ("", "not JSON"),
        (r#"{"results": {"a": 1}}"#, "no top-level `results` array"),
        (
            r#"{"results": [{"mean": 1}]}"#,
            "results[0].command: missing",
        ),
        (
            r#"{"results": [{"command": "x", "times": [1, "2"]}]}"#,
            "results[0].times[1]: not a finite number",
        ),
        (
            r#"{"results": [{"command": "x", "mean": 1, "exit_codes": [0, 1.5]}]}"#,
            "results[0].exit_codes[1]: not an integer",
        ),
        (
            r#"{"results": [{"command": "x"}]}"#,
            "neither `times` nor `mean`",
        ),
    ];
    for (text, expected) in cases {
        let e = ingest::parse("hyperfine", &Input::from_bytes("in.json", text)).unwrap_err();
        assert_eq!(e.format, "hyperfine");
        assert!(e.to_string().contains(expected), "{text}: {e}");
    }
    let e = ingest::parse(
        "hyperfine",
        &Input::from_bytes("in.json", r#"{"results": []}"#),
    )
    .unwrap_err();
    assert_eq!(e.message, "no benchmarks found");
}

#[test]
fn auto_detects_hyperfine() {
    let (format, _) =
        ingest::parse("auto", &fixture::input("hyperfine/parameter-scan.json")).unwrap();
    assert_eq!(format, "hyperfine");
}
