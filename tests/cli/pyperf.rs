//! pyperf and BMF end to end through the binary: two real pyperf runs of one script
//! (tests/fixtures/pyperf/suite.json, and suite-slow.json where `sort` does its work twice),
//! ingested and compared; a report written as BMF and ingested back.

use std::path::{Path, PathBuf};

use crate::common;

use common::{perfgate, read_json, run};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn ingest(input: &Path, out: &Path, extra: &[&str]) {
    let r = run(perfgate()
        .arg("ingest")
        .args(extra)
        .arg(input)
        .arg("--json-out")
        .arg(out));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

fn row<'a>(c: &'a serde_json::Value, bench: &str) -> &'a serde_json::Value {
    c["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["benchmark"] == bench && m["metric"] == "time")
        .unwrap_or_else(|| panic!("no row {bench}.time in {c}"))
}

/// `sort` made 2x slower is critical, decided by a Mann-Whitney test on the 6 worker
/// processes' means per side (not the 18 values: those share their process's state), and
/// the untouched benchmarks are stable. The thresholds are wide (`--threshold-pct 50`:
/// warning above 25%): this shared 2-core machine moved the untouched benchmarks by up to
/// 20% between the two files, and the 2x change is far beyond either.
///
/// The p-values are scipy 1.17.1's `mannwhitneyu(slow, base, method="asymptotic")` on each
/// worker's mean of its 3 values, read from the fixtures; on all 18 values per side it would
/// have said 6.3e-7 for `sort`.
#[test]
fn a_benchmark_made_twice_as_slow_is_critical_by_the_significance_test_others_stable() {
    let dir = tempfile::tempdir().unwrap();
    let (base, cur) = (dir.path().join("base.json"), dir.path().join("cur.json"));
    ingest(&fixture("pyperf/suite.json"), &base, &[]);
    ingest(&fixture("pyperf/suite-slow.json"), &cur, &[]);
    let report = read_json(&cur);
    assert_eq!(report["source"]["format"], "pyperf", "auto picks pyperf");
    let time = &report["benchmarks"][0]["metrics"][0];
    assert_eq!(time["processes"], 6);
    assert_eq!(time["samples"].as_array().unwrap().len(), 18);

    let summary = dir.path().join("cmp.json");
    let r = run(perfgate()
        .arg("compare")
        .arg(&cur)
        .arg(&base)
        .args(["--threshold-pct", "50", "--fail-on-regression", "--summary"])
        .arg(&summary));
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let c = read_json(&summary);
    assert_eq!(c["overall_status"], "fail");
    let notes = c["notes"].to_string();
    assert!(notes.contains("Mann-Whitney U"), "{notes}");

    let sort = row(&c, "sort");
    assert_eq!(sort["status"], "critical", "{sort}");
    let p = sort["p_value"].as_f64().expect("tested for significance");
    assert!((p - 0.005074868097940253).abs() < 1e-6, "{p}");
    let ci = sort["change_ci95_pct"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() > 25.0, "{sort}");
    assert!(sort["change_pct"].as_f64().unwrap() > 80.0, "{sort}");
    assert!(sort["reason"].is_null(), "{sort}");

    for (bench, scipy_p) in [
        ("sum_range", 0.2979530616081678),
        ("join_x10", 0.9361862934730594),
    ] {
        let other = row(&c, bench);
        assert_eq!(other["status"], "stable", "{other}");
        let p = other["p_value"].as_f64().expect("tested");
        assert!((p - scipy_p).abs() < 1e-6, "{bench}: {p}");
        assert!(other["change_ci95_pct"].is_array(), "{other}");
    }
}

/// A pyperf report written as BMF (`report --format bmf`) and ingested back (`--format bmf`)
/// has the same benchmarks, metric, unit and medians; a comparison is not a report.
#[test]
fn a_report_goes_to_bmf_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("pyperf.json");
    ingest(&fixture("pyperf/suite.json"), &original, &[]);
    let bmf = dir.path().join("bencher.json");
    let r = run(perfgate()
        .arg("report")
        .arg(&original)
        .args(["--format", "bmf", "-o"])
        .arg(&bmf));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = read_json(&bmf);
    assert!(doc["sort"]["latency"]["value"].is_f64(), "{doc}");
    let back = dir.path().join("back.json");
    ingest(&bmf, &back, &["--format", "bmf"]);
    let (o, b) = (read_json(&original), read_json(&back));
    assert_eq!(b["source"]["format"], "bmf");
    for ob in o["benchmarks"].as_array().unwrap() {
        let bb = b["benchmarks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == ob["name"])
            .unwrap();
        let (om, bm) = (&ob["metrics"][0], &bb["metrics"][0]);
        assert_eq!((&bm["name"], &bm["unit"]), (&om["name"], &om["unit"]));
        let (x, y) = (
            om["summary"]["median"].as_f64().unwrap(),
            bm["summary"]["median"].as_f64().unwrap(),
        );
        assert!((x - y).abs() <= x * 1e-15, "{}: {x:e} {y:e}", ob["name"]);
    }

    let summary = dir.path().join("cmp.json");
    let r = run(perfgate()
        .arg("compare")
        .arg(&original)
        .arg(&original)
        .arg("--summary")
        .arg(&summary));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(perfgate()
        .arg("report")
        .arg(&summary)
        .args(["--format", "bmf"]));
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("--format bmf needs a report"),
        "{}",
        r.stderr
    );
}
