//! The HTML dashboard: structure and escaping on a fixed input, and a generated history of
//! 100 benchmarks x 1,000 runs rendered and opened in a real headless Chromium (installed by
//! .ci/run), checking that scripts ran without errors and every chart is in the DOM.

use crate::common;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use perfgate::engine::detect;
use perfgate::gate::{compare, CompareOptions};
use perfgate::model::{Direction, Machine, Report};
use perfgate::plan::DetectPlan;
use perfgate::render::html::{dashboard, DashboardInput, MetricSeries};
use perfgate::stats::SplitMix64;
use perfgate::testing::{self, bench, wall_time};

const NASTY: &str = "<script>alert(1)</script> | \"quoted\" & co";

/// A report of benchmarks (tagged `smoke`) with one `wall_time` each, on host `bench-host`.
fn report(benches: Vec<(&str, Vec<f64>)>) -> Report {
    testing::report()
        .suite("dash")
        .machine(Machine {
            id: "m1".into(),
            hostname: "bench-host".into(),
            kernel: "6.1".into(),
            ..testing::machine()
        })
        .config_sha256("")
        .benches(
            benches
                .into_iter()
                .map(|(name, samples)| bench(name).tags(&["smoke"]).metric(wall_time(samples))),
        )
        .build()
}

fn series(bench: &str, runs: usize, step_at: Option<usize>) -> MetricSeries {
    let mut rng = SplitMix64::new(runs as u64);
    let points = (0..runs)
        .map(|i| {
            let level = if step_at.is_some_and(|s| i >= s) {
                0.0125
            } else {
                0.010
            };
            let noise = (rng.next_u64() % 1000) as f64 / 1000.0 * 0.0004;
            testing::history_point(i as i64 + 1, bench, level + noise)
        })
        .collect::<Vec<_>>();
    let medians: Vec<f64> = points.iter().map(|p| p.summary.median).collect();
    let change_points = detect(&medians, &DetectPlan::default());
    assert_eq!(
        change_points.iter().map(|c| c.index).collect::<Vec<_>>(),
        step_at.into_iter().collect::<Vec<_>>(),
        "the detector finds the step the series was made with"
    );
    MetricSeries {
        benchmark: bench.into(),
        metric: "wall_time".into(),
        unit: "s".into(),
        direction: Direction::LowerIsBetter,
        points,
        baseline_value: Some(0.0101),
        change_points,
    }
}

fn small_input() -> DashboardInput {
    let base = report(vec![
        (NASTY, vec![0.010, 0.0101, 0.0099, 0.0100, 0.0102, 0.0098]),
        ("steady", vec![0.02; 6]),
    ]);
    let cur = report(vec![
        (NASTY, vec![0.0125, 0.0126, 0.0124, 0.0125, 0.0127, 0.0123]),
        ("steady", vec![0.02; 6]),
    ]);
    DashboardInput {
        title: "dash".into(),
        comparison: Some(compare(&base, &cur, &CompareOptions::default())),
        current: Some(cur),
        baseline: Some(base),
        history: vec![series(NASTY, 40, Some(30)), series("steady", 40, None)],
        runs: Vec::new(),
    }
}

#[test]
fn the_page_shows_status_charts_and_escapes_every_name() {
    let html = dashboard(&small_input());
    assert!(html.starts_with("<!doctype html>"));
    // No network: nothing is loaded from anywhere.
    for needle in ["http://", "https://", "<link", "src=\""] {
        assert!(!html.contains(needle), "found {needle}");
    }
    // The banner and the worst change.
    assert!(
        html.contains("<header class=\"banner fail\">"),
        "status banner"
    );
    assert!(html.contains("FAIL: 1 of"), "counts in the banner");
    // The name renders as text everywhere: only perfgate's own two scripts exist.
    assert_eq!(html.matches("<script>").count(), 2);
    assert!(!html.contains("<script>alert"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; | &quot;quoted&quot; &amp; co")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt; | \"quoted\" &amp; co")
    );
    // One section per series, the critical one first.
    assert_eq!(html.matches("<section class=\"metric\"").count(), 2);
    let first = html.find("<section class=\"metric\"").unwrap();
    assert!(
        html[first..first + 400].contains("&lt;script&gt;"),
        "worst first"
    );
    // Charts: axes in human units, the band, the median line, the baseline, a change point,
    // and the latest point marked critical; the distribution with both boxes.
    assert_eq!(html.matches("<svg class=\"trend\"").count(), 2);
    assert!(
        html.contains(">10.0 ms</text>") || html.contains(">10.5 ms</text>"),
        "ms tick labels"
    );
    assert!(html.contains("class=\"band\"") && html.contains("class=\"median\""));
    assert!(html.contains("<line class=\"baseline\""));
    assert_eq!(html.matches("<line class=\"changepoint\"").count(), 1);
    assert!(html.contains("<circle class=\"pt critical\""));
    assert_eq!(html.matches("<svg class=\"dist\"").count(), 2);
    assert!(html.contains("class=\"box baseline\"") && html.contains("class=\"box current\""));
    // Hover text carries the commit of each point.
    let commit31 = format!(
        "{:040x}",
        31u128.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834)
    );
    assert!(html.contains(&format!("run 31 {}", &commit31[..10])));
    // The environment.
    assert!(html.contains("Test CPU (2 cores)"));
}

fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(std::string::ToString::to_string)
}

fn chromium_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    .iter()
    .map(std::string::ToString::to_string)
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

#[test]
fn a_thousand_runs_of_a_hundred_benchmarks_open_in_chromium() {
    let history: Vec<MetricSeries> = (0..100)
        .map(|b| series(&format!("bench-{b:03}"), 1000, (b % 10 == 0).then_some(600)))
        .collect();
    let input = DashboardInput {
        title: "scale".into(),
        history,
        ..Default::default()
    };
    let started = Instant::now();
    let html = dashboard(&input);
    let render = started.elapsed();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("dashboard.html");
    std::fs::write(&page, &html).unwrap();
    eprintln!(
        "dashboard: 100 x 1,000 points rendered in {:.0} ms, {:.2} MB",
        render.as_secs_f64() * 1e3,
        html.len() as f64 / 1e6
    );
    assert!(html.len() < 5_000_000, "{} bytes", html.len());
    assert_eq!(html.matches("<svg class=\"trend\"").count(), 100);

    let Some(chromium) = chromium() else {
        // Says so on the real stderr (or fails in CI); the rendering half above has run.
        common::have_tool(
            "chromium",
            "--version",
            "the browser half of this test (opening the dashboard)",
        );
        return;
    };
    let url = format!("file://{}", page.display());
    let started = Instant::now();
    let out = Command::new(&chromium)
        .args(chromium_args(&dir.path().join("profile")))
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    let load = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page's script did not finish"
    );
    assert!(
        dom.contains("data-errors=\"\""),
        "JavaScript errors: {}",
        &dom[..dom.len().min(400)]
    );
    assert_eq!(dom.matches("<svg class=\"trend\"").count(), 100);
    assert!(dom.contains("100 of 100 shown"), "the filter ran");
    eprintln!(
        "chromium --dump-dom (start, load, scripts, serialise): {:.2} s",
        load.as_secs_f64()
    );
    assert!(load.as_secs() < 30, "took {load:?}");

    let shot = dir.path().join("shot.png");
    let out = Command::new(&chromium)
        .args(chromium_args(&dir.path().join("profile2")))
        .arg(format!("--screenshot={}", shot.display()))
        .args(["--window-size=1400,2000", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        png.len() > 20_000,
        "a near-empty screenshot: {} bytes",
        png.len()
    );
    if let Ok(keep) = std::env::var("PERFGATE_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}

/// The text of every `<text class="tick">` of each chart, split into the labels anchored at
/// their end (the y axis of a trend, the row names of a distribution) and those centred under
/// the plot (run labels of a trend, the value axis of a distribution).
fn chart_labels(html: &str) -> Vec<(Vec<String>, Vec<String>)> {
    html.split("<svg ")
        .skip(1)
        .map(|chart| {
            let chart = &chart[..chart.find("</svg>").unwrap()];
            let (mut end, mut middle) = (Vec::new(), Vec::new());
            for t in chart.split("<text class=\"tick\"").skip(1) {
                let label = t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()].to_string();
                if t[..t.find('>').unwrap()].contains("text-anchor=\"end\"") {
                    end.push(label);
                } else {
                    middle.push(label);
                }
            }
            (end, middle)
        })
        .collect()
}

fn assert_distinct(labels: &[String], what: &str) {
    let set: std::collections::BTreeSet<&String> = labels.iter().collect();
    assert_eq!(
        set.len(),
        labels.len(),
        "{what} repeats a label: {labels:?}"
    );
}

/// The banner's status line.
fn status_line(html: &str) -> &str {
    let from = html.find("<p class=\"status\">").unwrap() + "<p class=\"status\">".len();
    &html[from..from + html[from..].find("</p>").unwrap()]
}

#[test]
fn the_banner_says_what_passed_or_failed() {
    let html = dashboard(&small_input());
    assert_eq!(
        status_line(&html),
        "FAIL: 1 of 2 metrics critical or failed (1 critical, 1 stable)"
    );
    let same = report(vec![(
        "a",
        vec![0.010, 0.0101, 0.0099, 0.0100, 0.0102, 0.0098],
    )]);
    let pass = DashboardInput {
        title: "dash".into(),
        comparison: Some(compare(&same, &same, &CompareOptions::default())),
        current: Some(same.clone()),
        baseline: Some(same),
        ..Default::default()
    };
    assert_eq!(
        status_line(&dashboard(&pass)),
        "PASS: the 1 metric within thresholds (1 stable)"
    );
}

/// A metric that is zero in every sample (a `sys_time` of a sleeping process) and one the
/// comparison did not judge go into the closed `<details>` after the others; the zero one
/// gets no charts.
#[test]
fn zero_and_unjudged_metrics_are_folded_away() {
    let mut input = small_input();
    let mut zero = series("steady", 40, None);
    zero.metric = "sys_time".into();
    for p in &mut zero.points {
        p.metric = "sys_time".into();
        let s = &mut p.summary;
        (s.min, s.max, s.mean, s.median, s.p95, s.p99, s.mad) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        (s.stddev, s.cv, s.ci95_mean, s.ci95_median) = (0.0, 0.0, [0.0; 2], [0.0; 2]);
    }
    zero.baseline_value = Some(0.0);
    let mut unjudged = series("retired", 40, None);
    unjudged.metric = "wall_time".into();
    input.history.extend([zero, unjudged]);
    let html = dashboard(&input);

    let folded_at = html
        .find("<details class=\"folded\">")
        .expect("a folded section");
    let (shown, folded) = html.split_at(folded_at);
    // The folded section is the page's last `<details>` (the cards' own close before it).
    let folded = &folded[..folded.rfind("</details>").unwrap()];
    assert!(
        folded.contains("2 more metrics folded away: 1 zero in every sample, 1 not judged"),
        "{}",
        &folded[..200]
    );
    assert!(!shown.contains("data-name=\"steady sys_time\""));
    assert!(!shown.contains("data-name=\"retired wall_time\""));
    let zero_card = &folded[folded.find("data-name=\"steady sys_time\"").unwrap()..];
    let zero_card = &zero_card[..zero_card.find("</section>").unwrap()];
    assert!(!zero_card.contains("<svg"), "no charts of a flat zero");
    assert!(zero_card.contains("0 s in every sample of 40 recorded runs"));
    let retired = &folded[folded.find("data-name=\"retired wall_time\"").unwrap()..];
    assert!(retired[..retired.find("</section>").unwrap()].contains("<svg class=\"trend\""));
    // The judged ones are still in the grid, both of them.
    assert_eq!(shown.matches("<section class=\"metric\"").count(), 2);
}

#[test]
fn every_axis_labels_each_tick_once_even_on_a_narrow_or_zero_range() {
    let mut input = small_input();
    // Medians within 0.1 ms of 21.1 ms: three significant digits read "21.1 ms" for each.
    let mut narrow = series("narrow", 12, None);
    for (i, p) in narrow.points.iter_mut().enumerate() {
        let m = 0.021_10 + i as f64 * 0.000_008;
        p.summary.median = m;
        p.summary.ci95_median = [m - 0.000_01, m + 0.000_01];
    }
    narrow.baseline_value = None;
    // Medians and intervals of zero, a few samples of one 4 ms clock tick (sys_time of a
    // sleep): the chart is drawn, on the samples' range.
    let mut zero = series("zero", 3, None);
    for p in &mut zero.points {
        p.summary.median = 0.0;
        p.summary.ci95_median = [0.0, 0.0];
        p.summary.min = 0.0;
        p.summary.max = 0.004;
    }
    zero.baseline_value = None;
    input.history.extend([narrow, zero]);
    let html = dashboard(&input);
    let charts = chart_labels(&html);
    assert!(charts.len() >= 6, "{} charts", charts.len());
    for (end, middle) in &charts {
        assert_distinct(end, "an axis");
        assert_distinct(middle, "an axis");
        for l in end.iter().chain(middle) {
            assert!(!l.starts_with("-0 ") && !l.starts_with("-0.0"), "{l}");
        }
    }
    let chart_of = |name: &str| {
        let at = html
            .find(&format!("aria-label=\"{name} wall_time trend\""))
            .unwrap();
        let start = html[..at].rfind("<svg ").unwrap();
        chart_labels(&html[start..]).swap_remove(0).0
    };
    let ticks = chart_of("narrow");
    assert!(
        ticks.len() >= 3
            && ticks
                .iter()
                .all(|t| t.starts_with("21.") && t.ends_with(" ms")),
        "{ticks:?}"
    );
    let ticks = chart_of("zero");
    assert_eq!(ticks.first().map(String::as_str), Some("0 ms"), "{ticks:?}");
    assert!(ticks.iter().all(|t| t.ends_with(" ms")), "{ticks:?}");
}

/// Through the binary, on a store of three real `check` runs of a harness whose samples are
/// fixed: `parse` takes 21.10 .. 21.14 ms (the narrow range that used to print `21.1 ms` on
/// three ticks) and `errors` is zero in every sample.
#[test]
fn a_dashboard_from_a_store_folds_zero_metrics_and_labels_ticks_once() {
    use common::{perfgate, run, write};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        &d.join("perfgate.toml"),
        r#"suite = "dash"
[[bench]]
name = "harness"
command = ["sh", "-c", "echo '{\"parse\": {\"time\": {\"unit\": \"ms\", \"samples\": [21.10, 21.11, 21.12, 21.13, 21.14]}, \"errors\": {\"unit\": \"count\", \"samples\": [0, 0, 0, 0, 0]}}}'"]
adapter = "json"
"#,
    );
    for _ in 0..3 {
        let r = run(perfgate().arg("check").current_dir(d));
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }
    let r = run(perfgate()
        .args(["report", "--format", "html", "-o", "dash.html"])
        .current_dir(d));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(d.join("dash.html")).unwrap();

    let status = status_line(&html);
    assert!(status.starts_with("PASS: "), "{status}");
    assert!(status.contains("2 metrics"), "{status}");
    assert!(!status.contains(" 0 of "), "{status}");

    let folded_at = html
        .find("<details class=\"folded\">")
        .expect("a folded section");
    let (shown, folded) = html.split_at(folded_at);
    assert!(shown.contains("data-name=\"parse time\""));
    assert!(!shown.contains("data-name=\"parse errors\""));
    let errors = &folded[folded.find("data-name=\"parse errors\"").unwrap()..];
    let errors = &errors[..errors.find("</section>").unwrap()];
    assert!(
        errors.contains("0 count in every sample of 3 recorded runs"),
        "{errors}"
    );
    assert!(!errors.contains("<svg"));

    let charts = chart_labels(shown);
    assert_eq!(
        charts.len(),
        2,
        "the trend and the distribution of parse time"
    );
    for (end, middle) in &charts {
        assert_distinct(end, "an axis");
        assert_distinct(middle, "an axis");
    }
    let (trend_ticks, _) = &charts[0];
    assert!(
        trend_ticks.len() >= 3 && trend_ticks.iter().all(|t| t.starts_with("21.1")),
        "{trend_ticks:?}"
    );
}

/// A run whose gate failed on a metric stays in history and is marked on its chart and in the
/// recent runs, also in a long series where ordinary points get no marker; a verdict read
/// from the store is escaped like any other text.
#[test]
fn runs_that_failed_the_gate_are_marked_in_the_history() {
    let mut input = small_input();
    let mut long = series("marked", 400, None);
    long.points[100].verdict = Some("critical".into());
    long.points[398].verdict = Some("critical".into());
    long.points[399].verdict = Some("<b>odd</b>".into());
    input.history = vec![long];
    let html = dashboard(&input);
    let marked: Vec<&str> = html
        .split("<circle class=\"pt critical\"")
        .skip(1)
        .map(|rest| rest.split("</circle>").next().unwrap())
        .collect();
    assert_eq!(
        marked.len(),
        2,
        "both refused runs have a marker: {marked:?}"
    );
    assert!(marked[0].contains("run 101"), "{}", marked[0]);
    assert!(
        marked[0].contains("gate failed: critical; not used to measure noise"),
        "{}",
        marked[0]
    );
    assert!(
        html.contains("<td><span class=\"badge critical\" title=\"the gate failed on this run"),
        "recent runs show the refused run"
    );
    assert!(!html.contains("<b>odd</b>"), "a stored verdict is escaped");
    assert!(html.contains("&lt;b&gt;odd&lt;/b&gt;"));
}
