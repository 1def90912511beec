//! `perfgate report` (md, junit, mermaid, card, issue), the GitHub Actions step summary and
//! annotations, end to end on real runs in a temporary project.
//! Names with markup and pipes prove the escaping.

use crate::common;

use std::path::Path;

use common::{perfgate, run, write, Run};

const NASTY: &str = "<script>alert(1)</script> | pipe";

/// A project with a benchmark whose sleep is read from a file, run twice: the second check
/// quadruples it (a critical regression). Starting `sh`, `cat` and `sleep` on a loaded 2-core
/// machine adds tens of ms (a 10 ms sleep measured 39 ms at load 6, and a 10 -> 40 ms step was
/// then `inconclusive`), so the sleeps are 50 and 200 ms. The other benchmark must stay below
/// its 50% bound: a 50 ms sleep, whose median moves by a few ms (51.6 to 56.1 ms at load 6.5).
fn project_with_regression() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("perfgate.toml"),
        &format!(
            r#"suite = "rep"
[defaults]
runs = 6
warmup = 1
[[bench]]
name = "{NASTY}"
command = ["sleep", "0.05"]
[[bench]]
name = "work"
shell = "sleep $(cat delay)"
[thresholds]
"*.wall_time" = {{ warn_pct = 25, fail_pct = 50 }}
"*.user_time" = {{ warn_pct = 400, fail_pct = 500 }}
"*.sys_time" = {{ warn_pct = 400, fail_pct = 500 }}
"*.peak_rss" = {{ warn_pct = 400, fail_pct = 500 }}
"#
        ),
    );
    write(&dir.path().join("delay"), "0.05");
    let r = check(dir.path(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    write(&dir.path().join("delay"), "0.2");
    let r = check(dir.path(), &["--summary", "cmp.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    dir
}

fn check(dir: &Path, args: &[&str]) -> Run {
    run(perfgate()
        .arg("check")
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS"))
}

fn report(dir: &Path, args: &[&str]) -> Run {
    run(perfgate()
        .arg("report")
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS"))
}

#[test]
fn every_format_from_the_store_and_from_a_comparison_file() {
    let dir = project_with_regression();
    let d = dir.path();

    // md: the status, the critical row in the table, the stable ones folded, names as text.
    let md = report(d, &["--format", "md"]);
    assert_eq!(md.code, 0, "{}", md.stderr);
    assert!(md.stdout.starts_with("### perfgate: FAIL"), "{}", md.stdout);
    let table = md.stdout.split("<details>").next().unwrap();
    assert!(
        table.contains("| work | wall\\_time |") && table.contains("**critical**"),
        "{table}"
    );
    assert!(
        md.stdout.contains("stable metrics</summary>"),
        "{}",
        md.stdout
    );
    assert!(!md.stdout.contains("<script>"), "{}", md.stdout);
    assert!(
        md.stdout
            .contains("&lt;script&gt;alert(1)&lt;/script&gt; \\| pipe"),
        "{}",
        md.stdout
    );
    // The same from the comparison file that check wrote.
    let from_file = report(d, &["cmp.json", "--format", "md"]);
    assert_eq!(from_file.stdout, md.stdout);

    // junit: one test case per metric, one failure (the critical one), escaped names.
    let junit = report(d, &["cmp.json", "--format", "junit", "-o", "junit.xml"]);
    assert_eq!(junit.code, 0, "{}", junit.stderr);
    let xml = std::fs::read_to_string(d.join("junit.xml")).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 8, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    assert!(xml.contains("tests=\"8\" failures=\"1\""), "{xml}");
    let failing = xml
        .split("<testcase ")
        .find(|t| t.contains("<failure"))
        .unwrap();
    assert!(
        failing.starts_with("classname=\"work\" name=\"wall_time\""),
        "{failing}"
    );
    assert!(
        xml.contains("classname=\"&lt;script&gt;alert(1)&lt;/script&gt; | pipe\""),
        "{xml}"
    );
    assert!(!xml.contains("<script>"));

    // mermaid: the verdict counts and the worst metric's trend over the two runs.
    let mm = report(d, &["--format", "mermaid"]);
    assert_eq!(mm.code, 0, "{}", mm.stderr);
    assert!(
        mm.stdout.contains("verdict --> critical[\"critical: 1\"]"),
        "{}",
        mm.stdout
    );
    assert!(mm.stdout.contains("xychart-beta"), "{}", mm.stdout);
    assert!(
        mm.stdout.contains("title \"work wall_time (median, ms)\""),
        "{}",
        mm.stdout
    );
    let line = mm
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("line ["))
        .unwrap();
    let values: Vec<f64> = line
        .trim()
        .trim_start_matches("line [")
        .trim_end_matches(']')
        .split(", ")
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(values.len(), 2, "{line}");
    assert!(values[0] > 49.0 && values[1] > 2.0 * values[0], "{line}");

    // card: the latest run's p50/p95/p99 and the verdict against the baseline.
    let card = report(d, &["--format", "card"]);
    assert_eq!(card.code, 0, "{}", card.stderr);
    let row = card
        .stdout
        .lines()
        .find(|l| l.starts_with("| work |"))
        .unwrap();
    assert!(
        row.ends_with("| 6 | critical (+") || row.contains("| 6 | critical (+"),
        "{row}"
    );
    assert!(
        card.stdout.contains("Against the previous release"),
        "{}",
        card.stdout
    );
    assert!(card.stdout.contains("&lt;script&gt;"), "{}", card.stdout);

    // html: the dashboard from the store, with both runs' history and names as text.
    let html = report(d, &["--format", "html", "-o", "dash.html"]);
    assert_eq!(html.code, 0, "{}", html.stderr);
    let page = std::fs::read_to_string(d.join("dash.html")).unwrap();
    // One card per metric; a metric zero in every sample (sys_time of a sleep, on some runs)
    // is folded away without charts, every other card has its trend.
    let cards = page.matches("<section class=\"metric").count();
    let zero = page.matches("<section class=\"metric zero\"").count();
    assert_eq!(cards, 8, "one card per metric");
    assert_eq!(
        page.matches("<svg class=\"trend\"").count(),
        cards - zero,
        "one trend per metric with values"
    );
    assert!(page.contains("FAIL: 1 of 8 metrics"), "the banner");
    assert!(!page.contains("<script>alert"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; | pipe"));

    // issue: a title line and the critical metric with a way to reproduce it.
    let issue = report(d, &["cmp.json", "--format", "issue"]);
    assert_eq!(issue.code, 0, "{}", issue.stderr);
    assert!(
        issue
            .stdout
            .starts_with("# Performance regression in `rep`: 1 critical metric\n"),
        "{}",
        issue.stdout
    );
    assert!(
        issue.stdout.contains("--filter '^(work)$'"),
        "{}",
        issue.stdout
    );
}

#[test]
fn no_critical_regression_means_no_issue_and_a_lone_report_needs_no_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let r = run(perfgate()
        .args([
            "run",
            "--runs",
            "4",
            "--warmup",
            "0",
            "--json-out",
            "a.json",
            "--",
            "true",
        ])
        .current_dir(d));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A report compared with itself: nothing critical.
    let issue = report(d, &["a.json", "--baseline", "a.json", "--format", "issue"]);
    assert_eq!(issue.code, 0, "{}", issue.stderr);
    assert_eq!(issue.stdout, "");
    assert!(
        issue.stderr.contains("no critical regression"),
        "{}",
        issue.stderr
    );
    // md of a report without any baseline: its results table.
    let md = report(d, &["a.json", "--format", "md", "--store", "none.db"]);
    assert_eq!(md.code, 0, "{}", md.stderr);
    assert!(
        md.stdout.contains("1 benchmark, no baseline")
            && md.stdout.contains("\n| true | wall\\_time | "),
        "{}",
        md.stdout
    );
    // A card needs only the report.
    let card = report(d, &["a.json", "--format", "card", "--store", "none.db"]);
    assert_eq!(card.code, 0, "{}", card.stderr);
    assert!(card.stdout.contains("| true |"), "{}", card.stdout);
    assert!(
        !Path::new(&d.join("none.db")).exists(),
        "report created a store"
    );
}

#[test]
fn github_actions_get_a_step_summary_and_annotations() {
    let dir = project_with_regression();
    let d = dir.path();
    let summary = d.join("step-summary.md");
    write(&summary, "earlier step\n");
    let r = run(perfgate()
        .args(["compare", "cmp-current.json"])
        .current_dir(d)
        .env("GITHUB_ACTIONS", "true"));
    // No such file: an input error, and nothing written.
    assert_eq!(r.code, 2);
    let latest = run(perfgate()
        .args(["history", "--format", "json"])
        .current_dir(d));
    let runs: serde_json::Value = serde_json::from_str(&latest.stdout).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 2);

    let r = run(perfgate()
        .args(["check", "--fail-on-regression"])
        .current_dir(d)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("earlier step\n### perfgate: FAIL"),
        "{text}"
    );
    let errors: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(errors.len(), 1, "{}", r.stdout);
    assert!(
        errors[0]
            .starts_with("::error title=perfgate%3A work wall_time critical::work.wall_time: "),
        "{}",
        errors[0]
    );
    // With JSON on stdout, the annotations go to stderr and stdout stays JSON.
    let r = run(perfgate()
        .args(["check", "--format", "json"])
        .current_dir(d)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary));
    assert!(
        serde_json::from_str::<serde_json::Value>(&r.stdout).is_ok(),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr
            .contains("::error title=perfgate%3A work wall_time"),
        "{}",
        r.stderr
    );
}

#[test]
fn issue_reproduction_uses_paths_from_the_repository_root_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(d)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["config", "user.name", "t"]);
    git(&["config", "user.email", "t@example.com"]);
    std::fs::create_dir(d.join("bench")).unwrap();
    write(
        &d.join("bench/perfgate.toml"),
        r#"suite = "sub"
[defaults]
runs = 6
warmup = 1
[[bench]]
name = "work"
shell = "sleep $(cat delay)"
[thresholds]
"*.wall_time" = { warn_pct = 25, fail_pct = 50 }
"*.user_time" = { warn_pct = 400, fail_pct = 500 }
"*.sys_time" = { warn_pct = 400, fail_pct = 500 }
"*.peak_rss" = { warn_pct = 400, fail_pct = 500 }
"#,
    );
    let config = d.join("bench/perfgate.toml");
    let commit_and_check = |delay: &str, extra: &[&str]| {
        write(&d.join("bench/delay"), delay);
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", delay]);
        let r = check(d, &[&["--config", "bench/perfgate.toml"], extra].concat());
        assert_eq!(r.code, 0, "{}", r.stderr);
    };
    // 20 times slower: critical even on a loaded machine.
    commit_and_check("0.02", &[]);
    commit_and_check("0.4", &["--summary", "cmp.json"]);

    // Asked with an absolute --config, from outside the repository.
    let elsewhere = tempfile::tempdir().unwrap();
    let issue = report(
        elsewhere.path(),
        &[
            d.join("cmp.json").to_str().unwrap(),
            "--format",
            "issue",
            "--config",
            config.to_str().unwrap(),
        ],
    );
    assert_eq!(issue.code, 0, "{}", issue.stderr);
    let block = issue
        .stdout
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .unwrap_or_else(|| panic!("no reproduction block:\n{}", issue.stdout));
    assert!(block.starts_with("# from the repository root\n"), "{block}");
    assert!(block.contains(" --config bench/perfgate.toml "), "{block}");
    let tmp = std::fs::canonicalize(d).unwrap();
    assert!(
        !block.contains(d.to_str().unwrap()) && !block.contains(tmp.to_str().unwrap()),
        "{block}"
    );

    // The commands work as written, from the repository root.
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_perfgate"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = std::process::Command::new("sh")
        .args(["-e", "-c", block])
        .current_dir(d)
        .env("PATH", path)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Each side ran its own commit's benchmark: 20x as programmed, over 2x with a loaded
    // machine's start-up costs, 1x had both run the same commit.
    let median = |f: &str| {
        common::metric_of(&common::read_json(&d.join(f)), 0, "wall_time")["summary"]["median"]
            .as_f64()
            .unwrap()
    };
    let (base, cur) = (median("base.json"), median("cur.json"));
    assert!(cur > 2.0 * base, "base {base}, current {cur}");
}

/// The history's change points, in the Markdown and as the dashboard's markers, are found
/// under `[detect]` of the config: a 20% step at run 26 is one change point, and none with
/// `min_change_pct = 50`.
#[test]
fn change_points_of_the_history_follow_the_configs_detect() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = "suite = \"hist\"\n[[bench]]\nname = \"x\"\ncommand = [\"true\"]\n";
    write(&d.join("perfgate.toml"), config);
    let wobble = [1.0, 1.03, 0.98, 1.01, 0.97, 1.02];
    for i in 0..40 {
        let level = if i < 25 { 10.0 } else { 12.0 };
        let value = level * wobble[i % 6];
        write(
            &d.join("m.json"),
            &format!(r#"{{"parse": {{"time": {{"value": {value}, "unit": "ms"}}}}}}"#),
        );
        let r = run(perfgate()
            .args(["ingest", "--format", "json", "--suite", "hist", "--record"])
            .args(["--store", "h.db", "m.json"])
            .current_dir(d));
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let md = report(d, &["--format", "md", "--store", "h.db"]);
    assert_eq!(md.code, 0, "{}", md.stderr);
    assert!(
        md.stdout
            .contains("#### Change points in recorded history\n\n- `parse` `time`: from run 26 ("),
        "{}",
        md.stdout
    );
    let html = report(d, &["--format", "html", "--store", "h.db"]);
    assert_eq!(
        html.stdout.matches("<line class=\"changepoint\"").count(),
        1
    );

    write(
        &d.join("perfgate.toml"),
        &format!("{config}[detect]\nmin_change_pct = 50\n"),
    );
    let md = report(d, &["--format", "md", "--store", "h.db"]);
    assert_eq!(md.code, 0, "{}", md.stderr);
    assert!(!md.stdout.contains("Change points"), "{}", md.stdout);
    let html = report(d, &["--format", "html", "--store", "h.db"]);
    assert!(!html.stdout.contains("<line class=\"changepoint\""));
}
