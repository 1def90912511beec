//! `criterion` adapter on real outputs in tests/fixtures/criterion/.

use perfgate::gate::{self, CompareOptions, Verdict};
use perfgate::ingest::{self, Input, Parsed, ReportContext};
use perfgate::model::Direction;
use serde_json::Value;

use super::fixture;

const NAMES: [&str; 5] = [
    "checksum/xor/4096",
    "fib 20",
    "parse/from_str_radix_hex/ffff",
    "sum/1000",
    "sum/10000",
];
/// In the order criterion ran them (and printed them).
const TEXT_NAMES: [&str; 5] = [
    "sum/1000",
    "sum/10000",
    "fib 20",
    "checksum/xor/4096",
    "parse/from_str_radix_hex/ffff",
];

/// A JSON file of the fixture directories.
fn json(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixture::path(rel)).unwrap()).unwrap()
}

fn ns(v: &Value, pointer: &str) -> f64 {
    v.pointer(pointer).and_then(Value::as_f64).unwrap() / 1e9
}

fn central(p: &Parsed, bench: &str, metric: &str) -> f64 {
    fixture::metric(p, bench, metric).estimate.central.unwrap()
}

#[test]
fn directory_names_params_and_metrics() {
    let p = fixture::parse("criterion", "criterion/run1");
    assert_eq!(fixture::names(&p), NAMES);
    assert_eq!(fixture::bench(&p, "sum/1000").params["parameter"], "1000");
    assert_eq!(
        fixture::bench(&p, "checksum/xor/4096").params["parameter"],
        "4096"
    );
    assert!(fixture::bench(&p, "fib 20").params.is_empty());
    let metrics = |b: &str| -> Vec<(String, String, Direction)> {
        fixture::bench(&p, b)
            .metrics
            .iter()
            .map(|m| (m.name.clone(), m.unit.to_string(), m.direction))
            .collect()
    };
    let time = (
        "time".to_string(),
        "s".to_string(),
        Direction::LowerIsBetter,
    );
    let rate = |n: &str, u: &str| (n.to_string(), u.to_string(), Direction::HigherIsBetter);
    assert_eq!(metrics("fib 20"), std::slice::from_ref(&time));
    assert_eq!(
        metrics("sum/1000"),
        [time.clone(), rate("throughput", "elem/s")]
    );
    assert_eq!(
        metrics("checksum/xor/4096"),
        [time.clone(), rate("throughput", "bytes/s")]
    );
    assert_eq!(
        metrics("parse/from_str_radix_hex/ffff"),
        [
            time,
            rate("throughput", "elem/s"),
            rate("throughput_bytes", "bytes/s")
        ]
    );
}

#[test]
fn directory_estimates_are_criterions_own() {
    let p = fixture::parse("criterion", "criterion/run1");
    // Linear sampling: the headline is the slope, as the terminal prints it.
    let est = json("criterion/run1/sum/1000/new/estimates.json");
    let t = &fixture::metric(&p, "sum/1000", "time").estimate;
    assert_eq!(t.central, Some(ns(&est, "/slope/point_estimate")));
    assert_eq!(t.central, Some(275.7680266563341e-9));
    assert_eq!(t.mean, Some(ns(&est, "/mean/point_estimate")));
    assert_eq!(t.median, Some(ns(&est, "/median/point_estimate")));
    assert_eq!(t.stddev, Some(ns(&est, "/std_dev/point_estimate")));
    assert_eq!(
        t.ci95,
        Some([
            ns(&est, "/slope/confidence_interval/lower_bound"),
            ns(&est, "/slope/confidence_interval/upper_bound")
        ])
    );
    assert_eq!(t.n, Some(100));
    // Flat sampling has no slope: the mean is the headline.
    let est = json("criterion/run1/parse/from_str_radix_hex/ffff/new/estimates.json");
    assert!(est["slope"].is_null());
    let t = &fixture::metric(&p, "parse/from_str_radix_hex/ffff", "time").estimate;
    assert_eq!(t.central, Some(ns(&est, "/mean/point_estimate")));
    assert_eq!(t.central, t.mean);
    assert_eq!(
        t.ci95,
        Some([
            ns(&est, "/mean/confidence_interval/lower_bound"),
            ns(&est, "/mean/confidence_interval/upper_bound")
        ])
    );
}

#[test]
fn directory_samples_are_per_iteration_seconds() {
    let p = fixture::parse("criterion", "criterion/run1");
    for (bench, rel) in [
        ("fib 20", "criterion/run1/fib 20/new/sample.json"),
        (
            "parse/from_str_radix_hex/ffff",
            "criterion/run1/parse/from_str_radix_hex/ffff/new/sample.json",
        ),
    ] {
        let s = json(rel);
        let iters = s["iters"].as_array().unwrap();
        let times = s["times"].as_array().unwrap();
        let m = fixture::metric(&p, bench, "time");
        assert_eq!(m.samples.len(), 100);
        for (i, x) in m.samples.iter().enumerate() {
            let expected = times[i].as_f64().unwrap() / iters[i].as_f64().unwrap() / 1e9;
            assert!(fixture::close(*x, expected, 1), "{bench} sample {i}");
        }
    }
    // Linear sampling: the iteration counts grow, d, 2d, 3d...
    let s = json("criterion/run1/sum/1000/new/sample.json");
    assert_eq!(s["sampling_mode"], "Linear");
    assert_eq!(
        s["iters"][1].as_f64(),
        Some(2.0 * s["iters"][0].as_f64().unwrap())
    );
}

#[test]
fn directory_throughput_is_the_amount_over_the_time() {
    let p = fixture::parse("criterion", "criterion/run1");
    let time = fixture::metric(&p, "checksum/xor/4096", "time");
    let rate = fixture::metric(&p, "checksum/xor/4096", "throughput");
    assert_eq!(
        rate.estimate.central,
        Some(4096.0 / time.estimate.central.unwrap())
    );
    let [lo, hi] = time.estimate.ci95.unwrap();
    assert_eq!(rate.estimate.ci95, Some([4096.0 / hi, 4096.0 / lo]));
    assert_eq!(rate.samples.len(), 100);
    assert_eq!(rate.samples[7], 4096.0 / time.samples[7]);
    // ElementsAndBytes: 1 element and 4 bytes per iteration.
    let b = "parse/from_str_radix_hex/ffff";
    let t = central(&p, b, "time");
    assert_eq!(central(&p, b, "throughput"), 1.0 / t);
    assert_eq!(central(&p, b, "throughput_bytes"), 4.0 / t);
}

#[test]
fn directory_reads_only_this_run() {
    // run2 also holds base/ (a copy of new/) and change/ (relative changes, not times).
    let p = fixture::parse("criterion", "criterion/run2");
    assert_eq!(fixture::names(&p), NAMES);
    let new = json("criterion/run2/fib 20/new/estimates.json");
    let change = json("criterion/run2/fib 20/change/estimates.json");
    let fib = fixture::metric(&p, "fib 20", "time");
    assert_eq!(
        fib.estimate.central,
        Some(ns(&new, "/slope/point_estimate"))
    );
    assert_eq!(fib.estimate.central, Some(34.85298889725023e-6));
    assert_ne!(fib.estimate.mean, Some(ns(&change, "/mean/point_estimate")));
    assert_eq!(fib.samples.len(), 100);
}

#[test]
fn text_names_values_and_units() {
    let p = fixture::parse("criterion", "criterion/run1.txt");
    assert_eq!(fixture::names(&p), TEXT_NAMES);
    let t = fixture::metric(&p, "sum/1000", "time");
    assert_eq!(
        (t.unit.as_str(), t.direction),
        ("s", Direction::LowerIsBetter)
    );
    assert_eq!(t.estimate.central, Some(275.77e-9));
    assert_eq!(t.estimate.ci95, Some([274.01e-9, 277.71e-9]));
    assert!(t.samples.is_empty());
    assert_eq!(central(&p, "sum/10000", "time"), 2.6412e-6);
    assert_eq!(central(&p, "fib 20", "time"), 15.082e-6);
    // Printed on the line after its (long) name.
    assert_eq!(
        central(&p, "parse/from_str_radix_hex/ffff", "time"),
        3.2404e-9
    );
    let r = fixture::metric(&p, "sum/1000", "throughput");
    assert_eq!(
        (r.unit.as_str(), r.direction),
        ("elem/s", Direction::HigherIsBetter)
    );
    assert_eq!(r.estimate.central, Some(3.6262e9));
    assert_eq!(r.estimate.ci95, Some([3.6009e9, 3.6495e9]));
    // GiB/s: binary prefixes.
    let r = fixture::metric(&p, "checksum/xor/4096", "throughput");
    assert_eq!(r.unit, "bytes/s");
    assert_eq!(r.estimate.central, Some(3.2193 * 1024.0 * 1024.0 * 1024.0));
    let b = "parse/from_str_radix_hex/ffff";
    assert_eq!(central(&p, b, "throughput"), 308.60e6);
    assert_eq!(
        fixture::metric(&p, b, "throughput_bytes").estimate.central,
        Some(1.1496 * 1024.0 * 1024.0 * 1024.0)
    );
    assert!(fixture::bench(&p, "fib 20").metrics.len() == 1);
}

#[test]
fn text_change_blocks_are_not_results() {
    // run2.txt: `change:` blocks with `time:`/`thrpt:` lines of percentages.
    let p = fixture::parse("criterion", "criterion/run2.txt");
    assert_eq!(fixture::names(&p), TEXT_NAMES);
    assert_eq!(central(&p, "fib 20", "time"), 34.853e-6);
    assert_eq!(central(&p, "sum/1000", "time"), 270.05e-9);
    assert_eq!(
        fixture::metric(&p, "sum/1000", "throughput")
            .estimate
            .central,
        Some(3.7030e9)
    );
    assert_eq!(fixture::bench(&p, "sum/1000").metrics.len(), 2);
    assert_eq!(fixture::bench(&p, "fib 20").metrics.len(), 1);
}

#[test]
fn text_with_colour_progress_lines_and_a_terminal() {
    let color = fixture::parse("criterion", "criterion/color.txt");
    assert_eq!(fixture::names(&color), TEXT_NAMES);
    assert_eq!(central(&color, "sum/1000", "time"), 274.08e-9);
    assert_eq!(central(&color, "fib 20", "time"), 14.565e-6);
    assert_eq!(central(&color, "sum/1000", "throughput"), 3.6485e9);
    let t = fixture::metric(&color, "parse/from_str_radix_hex/ffff", "time");
    assert_eq!(t.estimate.ci95, Some([3.1727e-9, 3.2041e-9]));
    assert_eq!(
        central(&color, "parse/from_str_radix_hex/ffff", "throughput_bytes"),
        1.1696 * 1073741824.0
    );
    let tty = fixture::parse("criterion", "criterion/tty.txt");
    assert_eq!(fixture::names(&tty), TEXT_NAMES);
    let t = fixture::metric(&tty, "parse/from_str_radix_hex/ffff", "time");
    assert_eq!(t.estimate.central, Some(3.1514e-9));
    assert_eq!(t.estimate.ci95, Some([3.1463e-9, 3.1565e-9]));
    assert_eq!(central(&tty, "checksum/xor/4096", "time"), 1.1655e-6);
    assert_eq!(
        central(&tty, "checksum/xor/4096", "throughput"),
        3.2730 * 1073741824.0
    );
}

/// Both forms of the same run: the same names and headline values, to within the rounding
/// of the five printed significant digits.
#[test]
fn text_and_directory_agree_on_the_same_run() {
    for run in ["run1", "run2"] {
        let dir = fixture::parse("criterion", &format!("criterion/{run}"));
        let txt = fixture::parse("criterion", &format!("criterion/{run}.txt"));
        let mut names = fixture::names(&txt);
        names.sort();
        assert_eq!(names, fixture::names(&dir));
        for b in &txt.benchmarks {
            let d = fixture::bench(&dir, &b.name);
            let d_names: Vec<_> = d.metrics.iter().map(|m| (&m.name, &m.unit)).collect();
            let t_names: Vec<_> = b.metrics.iter().map(|m| (&m.name, &m.unit)).collect();
            assert_eq!(d_names, t_names, "{run} {}", b.name);
            for (tm, dm) in b.metrics.iter().zip(&d.metrics) {
                let (te, de) = (tm.estimate, dm.estimate);
                let near = |a: f64, b: f64| (a - b).abs() <= 5e-5 * a.abs();
                let what = format!("{run} {} {}", b.name, tm.name);
                assert!(near(te.central.unwrap(), de.central.unwrap()), "{what}");
                let ([tl, th], [dl, dh]) = (te.ci95.unwrap(), de.ci95.unwrap());
                assert!(near(tl, dl) && near(th, dh), "{what}: {tl} {dl} {th} {dh}");
            }
        }
    }
}

fn context(seed: u64) -> ReportContext {
    ReportContext {
        suite: "criterion-fixture".into(),
        timestamp_utc: "2026-11-22T19:40:00Z".into(),
        git: None,
        machine: perfgate::context::machine(),
        testbed: None,
        device: "cpu".into(),
        config_sha256: String::new(),
        seed,
        tags: vec![],
        command: Some("cargo bench --bench crit".into()),
    }
}

/// Run 2 made `fib 20` do its work twice: ingested from both directories and compared with
/// the default thresholds, that is a critical regression (decided by the threshold: the
/// samples are one process's iterations), and the untouched benchmarks are not flagged.
#[test]
fn gate_flags_the_slowed_benchmark_between_two_runs() {
    let report = |rel: &str| {
        let input = Input::Dir {
            path: fixture::path(rel),
        };
        let (format, parsed) = ingest::parse("criterion", &input).unwrap();
        assert_eq!(format, "criterion");
        ingest::to_report(format, parsed, &context(7))
    };
    let base = report("criterion/run1");
    let cur = report("criterion/run2");
    assert_eq!(cur.source.as_ref().unwrap().format, "criterion");
    let fib = cur.benchmarks.iter().find(|b| b.name == "fib 20").unwrap();
    assert_eq!(fib.metrics[0].samples.len(), 100);
    let c = gate::compare(&base, &cur, &CompareOptions::default());
    let row = |b: &str, m: &str| {
        c.metrics
            .iter()
            .find(|r| r.benchmark == b && r.metric == m)
            .unwrap_or_else(|| panic!("no row {b}.{m}"))
    };
    let fib = row("fib 20", "time");
    assert_eq!(fib.status, Verdict::Critical, "{fib:?}");
    assert!(fib.change_pct.unwrap() > 100.0, "{fib:?}");
    // 100 samples of one process are not 100 independent runs: not tested, and said so.
    assert_eq!(cur.benchmarks[0].metrics[0].processes, Some(1));
    assert_eq!(fib.change_ci95_pct, None, "{fib:?}");
    assert_eq!(fib.p_value, None, "{fib:?}");
    assert!(fib.reason.as_deref().unwrap().contains("inner iterations"));
    for b in ["sum/1000", "sum/10000"] {
        for m in ["time", "throughput"] {
            let r = row(b, m);
            assert!(
                matches!(r.status, Verdict::Stable | Verdict::Improved),
                "{b}.{m}: {r:?}"
            );
        }
    }
    assert_eq!(c.overall_status, gate::Overall::Fail);
    assert_eq!(c.failed_metrics, 1);
}

#[test]
fn rejects_other_formats_and_broken_input() {
    for rel in ["libtest/text.txt", "divan/args.txt"] {
        let e = ingest::parse("criterion", &fixture::input(rel)).unwrap_err();
        assert_eq!(e.format, "criterion", "{rel}");
        assert_eq!(e.message, "no benchmarks found", "{rel}");
    }
    let e = ingest::parse("criterion", &Input::from_bytes("empty", "")).unwrap_err();
    assert_eq!(
        (e.format, e.message.as_str()),
        ("criterion", "no benchmarks found")
    );
    // A directory without criterion's files.
    let e = ingest::parse("criterion", &fixture::input("divan")).unwrap_err();
    assert_eq!(e.format, "criterion");
    assert!(e.message.contains("new/benchmark.json"), "{e}");
    // A truncated time line.
    let cut = "sum/1000                time:   [270.72 ns 271.44";
    let e = ingest::parse("criterion", &Input::from_bytes("cut", cut)).unwrap_err();
    assert_eq!(e.place.as_deref(), Some("line 1"), "{e}");
    // `thrpt:` with no benchmark before it.
    let stray = "                        thrpt:  [3.6 Gelem/s 3.7 Gelem/s 3.8 Gelem/s]";
    let e = ingest::parse("criterion", &Input::from_bytes("stray", stray)).unwrap_err();
    assert_eq!(e.place.as_deref(), Some("line 1"), "{e}");
}

#[test]
fn a_broken_file_in_the_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("sum/1000/new");
    std::fs::create_dir_all(&new).unwrap();
    let src = fixture::path("criterion/run1/sum/1000/new");
    std::fs::copy(src.join("benchmark.json"), new.join("benchmark.json")).unwrap();
    let est = std::fs::read(src.join("estimates.json")).unwrap();
    std::fs::write(new.join("estimates.json"), &est[..est.len() / 2]).unwrap();
    let input = Input::Dir {
        path: dir.path().to_path_buf(),
    };
    let e = ingest::parse("criterion", &input).unwrap_err();
    assert_eq!(
        e.place.as_deref(),
        Some("sum/1000/new/estimates.json"),
        "{e}"
    );
    assert!(e.message.starts_with("not JSON"), "{e}");
    // Without estimates.json at all.
    std::fs::remove_file(new.join("estimates.json")).unwrap();
    let e = ingest::parse("criterion", &input).unwrap_err();
    assert_eq!(
        e.place.as_deref(),
        Some("sum/1000/new/estimates.json"),
        "{e}"
    );
}

#[test]
fn any_truncation_of_the_text_is_parsed_or_rejected_without_panic() {
    for rel in ["criterion/tty.txt", "criterion/run2.txt"] {
        let all = std::fs::read(fixture::path(rel)).unwrap();
        for end in 0..all.len() {
            let _ = ingest::parse("criterion", &Input::from_bytes(rel, &all[..end]));
        }
    }
}

#[test]
fn auto_detection_finds_criterion() {
    for rel in [
        "criterion/run1",
        "criterion/run2",
        "criterion/run1.txt",
        "criterion/run2.txt",
        "criterion/color.txt",
        "criterion/tty.txt",
    ] {
        let (format, _) = ingest::parse("auto", &fixture::input(rel)).unwrap();
        assert_eq!(format, "criterion", "{rel}");
    }
}
