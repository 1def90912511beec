//! Snapshots of every renderer on fixed reports (fixed machine, commits and dates, so nothing
//! needs redacting): md, junit, mermaid, card, issue and the terminal table, each compared by
//! `insta` with `snapshots/library__render_snapshots__<name>.snap` beside this file (a short
//! header, then the renderer's output as it is).
//!
//! A changed output, or a missing snapshot, fails the test with a diff. Outside CI the run
//! also leaves the new output beside the old as `<name>.snap.new` (ignored by git); with `CI`
//! set (as `.ci/run` does) it writes nothing. After reviewing a change, accept it with
//! `cargo insta review` (cargo-insta installed: it shows each `.snap.new` and moves the
//! accepted ones into place), or without cargo-insta with
//! `INSTA_UPDATE=always cargo test --test library render_snapshots`, which rewrites the
//! `.snap` files (review them with `git diff`). A normal `cargo test` needs neither.

use perfgate::gate::{compare, CompareOptions, Comparison};
use perfgate::model::Report;
use perfgate::render::{card, issue, junit, markdown, mermaid, style::Style, terminal};
use perfgate::testing::{self, peak_rss, throughput, wall_time};

/// Two benchmarks measured at `commit` (on perfgate 0.1.0, so that a release does not change
/// the snapshots); `scale` multiplies the first one's wall time.
fn report(commit: &str, scale: f64) -> Report {
    let times = |m: f64| {
        (0..8)
            .map(|i| m * (1.0 + 0.004 * i as f64))
            .collect::<Vec<_>>()
    };
    let bench = |name: &str| {
        testing::bench(name)
            .tags(&["smoke"])
            .command("./bench")
            .warmup_runs(1)
    };
    testing::report()
        .tool_version("0.1.0")
        .suite("snap")
        .commit(commit)
        .config_sha256("c0ffee")
        .bench(
            bench("parse <json> | fast")
                .metric(wall_time(times(0.010 * scale)))
                .metric(peak_rss(vec![4.0 * 1048576.0; 8])),
        )
        .bench(
            bench("sort")
                .metric(wall_time(times(0.020)))
                .metric(throughput("items/s", times(5.0e6))),
        )
        .build()
}

fn comparison() -> (Report, Comparison) {
    let base = report("1111111111111111111111111111111111111111", 1.0);
    let cur = report("2222222222222222222222222222222222222222", 1.3);
    let c = compare(&base, &cur, &CompareOptions::default());
    (cur, c)
}

/// `actual` is the snapshot `name`. insta ignores whitespace at the very end, so the end is
/// checked here: every renderer ends its output with exactly one newline.
fn check(name: &str, actual: &str) {
    insta::assert_snapshot!(name, actual);
    let tail = &actual[actual.trim_end().len()..];
    assert_eq!(
        tail, "\n",
        "{name}: the output does not end in exactly one newline"
    );
}

#[test]
fn every_renderer_matches_its_snapshot() {
    let (cur, c) = comparison();
    check("comparison.md", &markdown::comparison_markdown(&c));
    check("comparison.junit.xml", &junit::comparison_junit(&c));
    check("pipeline.mermaid.md", &mermaid::pipeline(&c));
    check("card.md", &card::card(&cur, Some(&c)));
    check(
        "issue.md",
        &issue::issue_body(&c, "perfgate check").unwrap(),
    );
    check(
        "comparison.txt",
        &terminal::comparison_table(&c, Style::plain()),
    );
    check("report.txt", &terminal::report_table(&cur, Style::plain()));
}

/// A report with no baseline, one benchmark of which failed: each format renders it alone.
#[test]
fn a_lone_report_renders_in_every_format() {
    let mut r = report("2222222222222222222222222222222222222222", 1.0);
    r.benchmarks.push(
        testing::bench("crash")
            .failed("run 1 exited with status 2")
            .command("./crash")
            .build(),
    );
    check("report.md", &markdown::report_markdown(&r));
    check("report.junit.xml", &junit::report_junit(&r));
    check("report.mermaid.md", &mermaid::report_chart(&r));
    check(
        "report-issue.md",
        &issue::failed_benchmarks_issue(&r, "perfgate run --filter '^(crash)$'").unwrap(),
    );
}
