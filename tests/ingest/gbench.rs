//! `gbench` adapter on real outputs in tests/fixtures/gbench/.

use perfgate::ingest::{self, Input};
use perfgate::model::Direction;
use serde_json::json;

use crate::fixture;

#[test]
fn single_runs_names_args_units_and_counters() {
    let p = fixture::parse("gbench", "gbench/basic.json");
    // BigO/RMS rows are not benchmarks; the SkipWithError one is left out.
    assert_eq!(
        fixture::names(&p),
        [
            "BM_Sum/1000",
            "BM_Sum/8000",
            "BM_Sum/64000",
            "BM_Sum/n:4000/threads:2",
            "BM_Sleep/2000/iterations:20/real_time",
            "BM_Fill<int>/4096",
            "BM_Fill<double>/4096",
        ]
    );
    let real = fixture::metric(&p, "BM_Sum/1000", "real_time");
    assert_eq!(
        (real.unit.as_str(), real.direction),
        ("s", Direction::LowerIsBetter)
    );
    assert_eq!(real.samples, [274.18584728406597 / 1e9]);
    assert_eq!(real.estimate.central, Some(274.18584728406597 / 1e9));
    assert_eq!(real.estimate.n, Some(1));
    assert_eq!(real.estimate.mean, None);
    let cpu = fixture::metric(&p, "BM_Sum/1000", "cpu_time");
    assert_eq!(cpu.samples, [263.59055932312134 / 1e9]);

    // `->Unit(benchmark::kMillisecond)`: the file says 2.253703000042151 ms.
    let sleep = fixture::metric(&p, "BM_Sleep/2000/iterations:20/real_time", "real_time");
    assert_eq!(sleep.samples, [2.253703000042151 / 1e3]);
    assert!(fixture::close(sleep.samples[0], 0.002253703000042151, 1));
    let sleep_cpu = fixture::metric(&p, "BM_Sleep/2000/iterations:20/real_time", "cpu_time");
    assert_eq!(sleep_cpu.samples, [0.01997015000000102 / 1e3]);

    // Both rates: the two keep their names.
    let b = fixture::bench(&p, "BM_Sum/8000");
    let metrics: Vec<_> = b.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        metrics,
        [
            "real_time",
            "cpu_time",
            "bytes_per_second",
            "items_per_second"
        ]
    );
    let items = fixture::metric(&p, "BM_Sum/8000", "items_per_second");
    assert_eq!(
        (items.unit.as_str(), items.direction),
        ("items/s", Direction::HigherIsBetter)
    );
    assert_eq!(items.samples, [3950277584.4112825]);
    let bytes = fixture::metric(&p, "BM_Sum/8000", "bytes_per_second");
    assert_eq!(
        (bytes.unit.as_str(), bytes.direction),
        ("bytes/s", Direction::HigherIsBetter)
    );
    assert_eq!(bytes.samples, [31602220675.29026]);

    // Only items_per_second: it is the throughput.
    let b = fixture::bench(&p, "BM_Fill<double>/4096");
    let metrics: Vec<_> = b.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        metrics,
        [
            "real_time",
            "cpu_time",
            "elements",
            "throughput",
            "writes_avg",
            "writes_per_second"
        ]
    );
    let thr = fixture::metric(&p, "BM_Fill<double>/4096", "throughput");
    assert_eq!(
        (thr.unit.as_str(), thr.direction),
        ("items/s", Direction::HigherIsBetter)
    );
    assert_eq!(thr.samples, [3821174632.7906027]);

    // User counters: a `_per_second` name is a rate, others are counts.
    let rate = fixture::metric(&p, "BM_Fill<int>/4096", "writes_per_second");
    assert_eq!(
        (rate.unit.as_str(), rate.direction),
        ("writes/s", Direction::HigherIsBetter)
    );
    assert_eq!(rate.samples, [3844017100.5848117]);
    let count = fixture::metric(&p, "BM_Fill<double>/4096", "elements");
    assert_eq!(
        (count.unit.as_str(), count.direction),
        ("count", Direction::LowerIsBetter)
    );
    assert_eq!(count.estimate.central, Some(4096.0));
    assert_eq!(
        fixture::metric(&p, "BM_Fill<int>/4096", "writes_avg").samples,
        [4096.0]
    );
}

#[test]
fn params_come_from_the_name() {
    let p = fixture::parse("gbench", "gbench/basic.json");
    assert_eq!(
        fixture::bench(&p, "BM_Sum/64000").params,
        [("arg0".to_string(), json!(64000))].into()
    );
    assert_eq!(
        fixture::bench(&p, "BM_Sum/n:4000/threads:2").params,
        [
            ("n".to_string(), json!(4000)),
            ("threads".to_string(), json!(2))
        ]
        .into()
    );
    assert_eq!(
        fixture::bench(&p, "BM_Sleep/2000/iterations:20/real_time").params,
        [
            ("arg0".to_string(), json!(2000)),
            ("iterations".to_string(), json!(20))
        ]
        .into()
    );
    assert_eq!(
        fixture::bench(&p, "BM_Fill<int>/4096").params["arg0"],
        json!(4096)
    );
}

#[test]
fn context_and_errors_go_to_source() {
    let p = fixture::parse("gbench", "gbench/basic.json");
    assert_eq!(p.source["host_name"], json!("vm"));
    assert_eq!(p.source["num_cpus"], json!(2));
    assert_eq!(p.source["mhz_per_cpu"], json!(2596));
    assert_eq!(p.source["library_build_type"], json!("debug"));
    assert_eq!(p.source["date"], json!("2026-11-22T19:42:30+00:00"));
    assert_eq!(p.source["caches"].as_array().unwrap().len(), 4);
    assert_eq!(
        p.source["skipped_with_error"],
        json!({"BM_Broken": "input file missing"})
    );
}

#[test]
fn repetitions_are_samples_and_aggregates_the_estimate() {
    let p = fixture::parse("gbench", "gbench/repetitions.json");
    assert_eq!(
        fixture::names(&p),
        [
            "BM_Sum/1000",
            "BM_Sum/n:4000/threads:2",
            "BM_Fill<int>/4096"
        ]
    );
    let real = fixture::metric(&p, "BM_Sum/1000", "real_time");
    let expected: Vec<f64> = [
        390.0619872712173,
        278.34600053259555,
        275.45440509007193,
        319.4894400669034,
        286.366625970186,
    ]
    .iter()
    .map(|x| x / 1e9)
    .collect();
    assert_eq!(real.samples, expected);
    let e = real.estimate;
    assert_eq!(e.central, Some(309.9436917861948 / 1e9));
    assert_eq!(e.mean, Some(309.9436917861948 / 1e9));
    assert_eq!(e.median, Some(286.366625970186 / 1e9));
    assert_eq!(e.stddev, Some(48.09850726249629 / 1e9));
    assert_eq!(e.n, Some(5));
    // cv rows (a ratio in a `time` column) are not taken for anything.
    assert!(p.benchmarks.iter().all(|b| !b.name.ends_with("_cv")));

    let items = fixture::metric(&p, "BM_Sum/n:4000/threads:2", "items_per_second");
    assert_eq!(items.samples.len(), 5);
    assert_eq!(items.estimate.mean, Some(3902317305.0131564));
    assert_eq!(items.estimate.stddev, Some(9568756.03608327));
    let thr = fixture::metric(&p, "BM_Fill<int>/4096", "throughput");
    assert_eq!(thr.estimate.central, Some(3847397243.156364));
    assert_eq!(thr.samples[4], 3900283103.246027);
    let rate = fixture::metric(&p, "BM_Fill<int>/4096", "writes_per_second");
    assert_eq!(rate.estimate.median, Some(3830331133.480318));
    let elements = fixture::metric(&p, "BM_Fill<int>/4096", "elements");
    assert_eq!(elements.estimate.stddev, Some(0.0));
}

#[test]
fn aggregates_only_gives_estimates_without_samples() {
    let p = fixture::parse("gbench", "gbench/aggregates-only.json");
    assert_eq!(
        fixture::names(&p),
        ["BM_Sum/8000", "BM_Sleep/2000/iterations:20/real_time"]
    );
    let real = fixture::metric(&p, "BM_Sleep/2000/iterations:20/real_time", "real_time");
    assert!(real.samples.is_empty());
    assert_eq!(real.estimate.central, Some(2.212836716686676 / 1e3));
    assert_eq!(real.estimate.median, Some(2.2510054500344268 / 1e3));
    assert_eq!(real.estimate.stddev, Some(0.07699196276813791 / 1e3));
    assert_eq!(real.estimate.n, Some(3));
    let thr = fixture::metric(&p, "BM_Sum/8000", "items_per_second");
    assert_eq!(thr.estimate.central, Some(3900567432.004473));
}

#[test]
fn other_formats_and_broken_rows_are_rejected_naming_gbench() {
    for rel in [
        "hyperfine/two-commands.json",
        "json/generic.json",
        "pytest/data.json",
        "catch2/normal.xml",
        "gotest/plain.txt",
    ] {
        let e = ingest::parse("gbench", &fixture::input(rel)).unwrap_err();
        assert_eq!(e.format, "gbench", "{rel}");
        assert!(
            e.message.contains("needs a `context` object") || e.message.starts_with("not JSON"),
            "{rel}: {e}"
        );
    }
    let row = |extra: &str| {
        format!(
            r#"{{"context": {{}}, "benchmarks": [{{"name": "a", "run_name": "a", "real_time": 1{extra}}}]}}"#
        )
    };
    let cases = [
        ("".to_string(), "not JSON".to_string()),
        (
            row(r#", "time_unit": "min""#),
            "benchmarks[0].time_unit: not ns, us, ms or s".into(),
        ),
        (
            row(r#", "run_type": "other""#),
            "benchmarks[0].run_type: neither".into(),
        ),
        (
            r#"{"context": {}, "benchmarks": [{"real_time": 1}]}"#.to_string(),
            "benchmarks[0].name: missing".into(),
        ),
        (
            r#"{"context": {}, "benchmarks": [7]}"#.to_string(),
            "benchmarks[0]: not an object".into(),
        ),
    ];
    for (text, expected) in cases {
        let e = ingest::parse("gbench", &Input::from_bytes("in.json", text.clone())).unwrap_err();
        assert_eq!(e.format, "gbench");
        assert!(e.to_string().contains(&expected), "{text}: {e}");
    }
    // A unit it knows converts; a counter may be any number.
    let (_, p) = ingest::parse(
        "gbench",
        &Input::from_bytes("in.json", row(r#", "time_unit": "us", "fooBar": 3"#)),
    )
    .unwrap();
    assert_eq!(fixture::metric(&p, "a", "real_time").samples, [1e-6]);
    assert_eq!(fixture::metric(&p, "a", "foo_bar").samples, [3.0]);
}

#[test]
fn auto_detects_gbench() {
    for rel in [
        "gbench/basic.json",
        "gbench/repetitions.json",
        "gbench/aggregates-only.json",
    ] {
        let (format, _) = ingest::parse("auto", &fixture::input(rel)).unwrap();
        assert_eq!(format, "gbench", "{rel}");
    }
}
