//! `perfgate report REPORT --format md|junit|issue|mermaid` on a report with no baseline, end
//! to end: a real run of two benchmarks and one that fails, rendered alone (a results table,
//! one JUnit case per benchmark, an issue for the failed one, a bar chart).

use crate::common;

use std::path::Path;

use common::{perfgate, read_json, run, write, Run};
use perfgate::render::human::format_value;

/// Runs a suite of `fast`, `slow` and (when `with_failure`) `broken`; returns the dir and the
/// report as JSON.
fn lone_report(with_failure: bool) -> (tempfile::TempDir, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let mut toml = String::from(
        "suite = \"alone\"\n[defaults]\nruns = 4\nwarmup = 0\n\
         [[bench]]\nname = \"fast\"\ncommand = [\"sleep\", \"0.01\"]\n\
         [[bench]]\nname = \"slow\"\ncommand = [\"sleep\", \"0.03\"]\n",
    );
    if with_failure {
        toml.push_str("[[bench]]\nname = \"broken\"\ncommand = [\"false\"]\n");
    }
    write(&dir.path().join("perfgate.toml"), &toml);
    let r = run(perfgate()
        .args(["run", "--json-out", "r.json"])
        .current_dir(dir.path()));
    assert_eq!(r.code, if with_failure { 3 } else { 0 }, "{}", r.stderr);
    let j = read_json(&dir.path().join("r.json"));
    (dir, j)
}

fn report(dir: &Path, format: &str) -> Run {
    run(perfgate()
        .args(["report", "r.json", "--store", "none.db", "--format", format])
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS"))
}

fn bench<'a>(j: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    j["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == name)
        .unwrap()
}

fn wall<'a>(j: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    bench(j, name)["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "wall_time")
        .unwrap()
}

fn cells(line: &str) -> Vec<String> {
    line.trim_matches('|')
        .split(" | ")
        .map(|c| c.trim().to_string())
        .collect()
}

#[test]
fn markdown_is_a_results_table_with_relative_times() {
    let (dir, j) = lone_report(true);
    let r = report(dir.path(), "md");
    // Rendered, and the failed benchmark still makes it exit 3, as with a comparison.
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.starts_with(
            "### perfgate: suite `alone` \u{2014} 3 benchmarks, **1 failed**, no baseline"
        ),
        "{}",
        r.stdout
    );
    let row = |name: &str| {
        let line = r
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("no row {name} in\n{}", r.stdout));
        cells(line)
    };
    let median = |name: &str| wall(&j, name)["summary"]["median"].as_f64().unwrap();
    for name in ["fast", "slow"] {
        let s = &wall(&j, name)["summary"];
        let shown = |field: &str| format_value(s[field].as_f64().unwrap(), "s");
        assert_eq!(
            row(name)[..7],
            [
                name.to_string(),
                "wall\\_time".into(),
                format!("{} \u{00B1} {}", shown("mean"), shown("stddev")),
                shown("median"),
                shown("min"),
                shown("max"),
                "4".into()
            ]
        );
    }
    // Relative to the best median: sleep 0.03 against sleep 0.01.
    assert_eq!(row("fast")[7], "1.00");
    assert_eq!(
        row("slow")[7],
        format!("{:.2}", median("slow") / median("fast"))
    );
    let reason = bench(&j, "broken")["reason"].as_str().unwrap();
    assert_eq!(row("broken")[2], format!("failed: {reason}"));
    // Every metric, folded.
    assert!(
        r.stdout
            .contains("<details><summary>every metric</summary>")
            && r.stdout.contains("| slow | peak\\_rss | "),
        "{}",
        r.stdout
    );
}

#[test]
fn junit_has_one_case_per_benchmark_failed_when_it_failed() {
    let (dir, j) = lone_report(true);
    let r = report(dir.path(), "junit");
    assert_eq!(r.code, 3, "{}", r.stderr);
    let x = &r.stdout;
    assert!(
        x.contains(
            "<testsuite name=\"alone\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"0\""
        ),
        "{x}"
    );
    assert_eq!(x.matches("<testcase ").count(), 3, "{x}");
    assert_eq!(x.matches("<failure ").count(), 1, "{x}");
    let case = |name: &str| {
        let start = x
            .find(&format!("name=\"{name}\""))
            .unwrap_or_else(|| panic!("no case {name}: {x}"));
        &x[start..start + x[start..].find("</testcase>").unwrap()]
    };
    let reason = bench(&j, "broken")["reason"].as_str().unwrap();
    assert!(
        case("broken").contains(&format!("<failure type=\"failed\" message=\"{reason}\">")),
        "{x}"
    );
    assert!(!case("slow").contains("<failure"), "{x}");
    // A case's time is its measured wall time.
    let total: f64 = wall(&j, "slow")["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert!(
        case("slow").contains(&format!("time=\"{total:.3}\"")),
        "{}",
        case("slow")
    );
}

#[test]
fn an_issue_is_opened_only_for_failed_benchmarks() {
    let (dir, j) = lone_report(true);
    let r = report(dir.path(), "issue");
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("# Benchmarks failed in `alone`: 1 of 3\n"),
        "{}",
        r.stdout
    );
    let reason = bench(&j, "broken")["reason"].as_str().unwrap();
    assert!(
        r.stdout.contains(&format!("| broken | {reason} |")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("--filter '^(broken)$'"), "{}", r.stdout);

    let (dir, _) = lone_report(false);
    let r = report(dir.path(), "issue");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains("no issue to open"), "{}", r.stderr);
}

#[test]
fn mermaid_draws_the_run_and_a_bar_per_benchmark() {
    let (dir, j) = lone_report(true);
    let r = report(dir.path(), "mermaid");
    assert_eq!(r.code, 3, "{}", r.stderr);
    let m = &r.stdout;
    assert!(
        m.contains("run[\"run: 3 benchmarks\"]")
            && m.contains("result --> failed[\"failed: 1\"]")
            && m.contains("result --> ok[\"ok: 2\"]"),
        "{m}"
    );
    assert!(m.contains("x-axis [\"fast\", \"slow\"]"), "{m}");
    let bars: Vec<f64> = m
        .lines()
        .find_map(|l| l.trim().strip_prefix("bar ["))
        .unwrap_or_else(|| panic!("no bars: {m}"))
        .trim_end_matches(']')
        .split(", ")
        .map(|v| v.parse().unwrap())
        .collect();
    // The medians, in the axis unit (ms for 10-30 ms).
    assert!(m.contains("y-axis \"ms\""), "{m}");
    for (bar, name) in bars.iter().zip(["fast", "slow"]) {
        let ms = wall(&j, name)["summary"]["median"].as_f64().unwrap() * 1e3;
        assert!((bar - ms).abs() < 1e-4, "{name}: {bar} vs {ms}");
    }
}
