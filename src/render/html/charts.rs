//! The two charts of a metric: its trend over the recorded runs (median line, 95% band,
//! baseline line, change points, the latest point marked with its verdict), and the
//! distribution of the latest samples against the baseline's (box plot plus raw points).

use std::fmt::Write as _;

use super::axis::{axis, fitted_axis};
use super::escape::{attr, text};
use super::svg::{axes, open, polyline, x_label, x_scale, y_scale, Frame, Scale, CHAR_W};
use super::MetricSeries;
use crate::render::human::format_value;
use crate::stats::percentile;

/// Points with their own hover marker; longer series get markers at change points and the
/// ends only (the run table below the chart lists commits).
const MAX_MARKERS: usize = 60;

/// Chart width in SVG units: about the width of a card in a three-column grid at 1,400 px, so
/// 12-unit text reads at about 12 px there and still at 9 px on a 390 px phone.
const CHART_W: f64 = 440.0;

/// The trend of a metric over its recorded runs; `verdict` is the latest run's, when judged.
pub fn trend(s: &MetricSeries, verdict: Option<&str>) -> String {
    let n = s.points.len();
    let label = format!("{} {} trend", s.benchmark, s.metric);
    if n == 0 {
        return open(&Frame::new(CHART_W, 200.0), "trend", &label) + "</svg>";
    }
    let (lo, hi) = value_range(s);
    let ya = axis(lo, hi, &s.unit, 5);
    let f = Frame::new(CHART_W, 200.0).with_left_labels(ya.widest());
    let mut out = open(&f, "trend", &label);
    let plot = Plot {
        y: y_scale(&f, &ya),
        x: x_scale(&f, 0.0, (n.max(2) - 1) as f64),
        f,
    };
    axes(&mut out, &plot.f, &plot.y, &ya);
    band_and_median(&mut out, s, &plot);
    if let Some(b) = s.baseline_value {
        baseline_line(&mut out, b, &s.unit, &plot);
    }
    change_point_lines(&mut out, s, &plot);
    for i in marked(s) {
        point_marker(&mut out, s, i, verdict, &plot);
    }
    run_labels(&mut out, s, &plot);
    out.push_str("</svg>");
    out
}

/// A trend chart's frame and its scales: run index across, the metric's value up.
struct Plot {
    f: Frame,
    x: Scale,
    y: Scale,
}

/// The values the trend's axis must span: every median and interval, and the baseline.
fn value_range(s: &MetricSeries) -> (f64, f64) {
    let pts = &s.points;
    let lo = pts
        .iter()
        .map(|p| p.summary.ci95_median[0].min(p.summary.median))
        .chain(s.baseline_value)
        .fold(f64::INFINITY, f64::min);
    let hi = pts
        .iter()
        .map(|p| p.summary.ci95_median[1].max(p.summary.median))
        .chain(s.baseline_value)
        .fold(f64::NEG_INFINITY, f64::max);
    // Medians and intervals all equal (a sys_time of zero, a tick-sized clock): span the
    // samples' own range instead, so the axis is in the metric's scale and not a unit of 1.
    if hi > lo {
        (lo, hi)
    } else {
        let min = pts.iter().map(|p| p.summary.min).fold(lo, f64::min);
        let max = pts.iter().map(|p| p.summary.max).fold(hi, f64::max);
        (min, max)
    }
}

/// The 95% band of the medians, then the line of the medians over it.
fn band_and_median(out: &mut String, s: &MetricSeries, plot: &Plot) {
    let (x, y) = (&plot.x, &plot.y);
    let pts = &s.points;
    // The band: upper bounds left to right, then lower bounds back.
    let upper = pts
        .iter()
        .enumerate()
        .map(|(i, p)| (x.at(i as f64), y.at(p.summary.ci95_median[1])));
    let lower: Vec<(f64, f64)> = pts
        .iter()
        .enumerate()
        .map(|(i, p)| (x.at(i as f64), y.at(p.summary.ci95_median[0])))
        .collect();
    let mut band = polyline(upper.chain(lower.into_iter().rev()));
    band.push('Z');
    let _ = write!(out, "<path class=\"band\" d=\"{band}\"/>");
    let line = polyline(
        pts.iter()
            .enumerate()
            .map(|(i, p)| (x.at(i as f64), y.at(p.summary.median))),
    );
    let _ = write!(out, "<path class=\"median\" d=\"{line}\"/>");
}

/// The baseline's value as a line across the chart.
fn baseline_line(out: &mut String, baseline: f64, unit: &str, plot: &Plot) {
    let f = &plot.f;
    let py = plot.y.at(baseline);
    let _ = write!(
        out,
        "<line class=\"baseline\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{py:.1}\" y2=\"{py:.1}\"><title>baseline {}</title></line>",
        f.left,
        f.width - f.right,
        text(&format_value(baseline, unit))
    );
}

/// A vertical line where each detected new level begins.
fn change_point_lines(out: &mut String, s: &MetricSeries, plot: &Plot) {
    let f = &plot.f;
    for c in s.change_points.iter().filter(|c| c.index < s.points.len()) {
        let px = plot.x.at(c.index as f64);
        let _ = write!(
            out,
            "<line class=\"changepoint\" x1=\"{px:.1}\" x2=\"{px:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"><title>change point: a new level from run {} ({})</title></line>",
            f.top,
            f.height - f.bottom,
            s.points[c.index].run.id,
            crate::render::human::format_pct(c.change_pct)
        );
    }
}

/// Runs whose gate failed on this metric stay in history and are always marked: they are
/// the regressions that were refused (and not used to measure noise).
fn refused(p: &crate::store::HistoryPoint) -> bool {
    matches!(p.verdict.as_deref(), Some("critical" | "failed"))
}

/// The points that get a marker: all of a short series; of a long one the change points,
/// the refused runs and the ends.
fn marked(s: &MetricSeries) -> Vec<usize> {
    let n = s.points.len();
    if n <= MAX_MARKERS {
        return (0..n).collect();
    }
    let mut m: Vec<usize> = s
        .change_points
        .iter()
        .map(|c| c.index)
        .filter(|&c| c < n)
        .collect();
    m.extend((0..n).filter(|&i| refused(&s.points[i])).take(MAX_MARKERS));
    m.extend([0, n - 1]);
    m.sort_unstable();
    m.dedup();
    m
}

/// The marker of point `i`, classed by its verdict (the latest by `verdict`, the others by
/// what their run recorded), with its run, commit and interval on hover.
fn point_marker(out: &mut String, s: &MetricSeries, i: usize, verdict: Option<&str>, plot: &Plot) {
    let p = &s.points[i];
    let last = i == s.points.len() - 1;
    let recorded = p.verdict.as_deref();
    let class = match (last, verdict, recorded) {
        (true, Some(v @ ("critical" | "failed" | "warning")), _) => format!("pt {v}"),
        (true, _, _) => "pt last".to_string(),
        (false, _, Some(v @ ("critical" | "failed" | "warning"))) => format!("pt {v}"),
        _ => "pt".to_string(),
    };
    let judged = match recorded {
        Some(v @ ("critical" | "failed")) => {
            format!(" (gate failed: {v}; not used to measure noise)")
        }
        Some(v) => format!(" ({v})"),
        None => String::new(),
    };
    let commit = p.run.git.as_ref().map_or("no commit".to_string(), |g| {
        g.commit.chars().take(10).collect()
    });
    let _ = write!(
        out,
        "<circle class=\"{class}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{}\"><title>run {} {} {}: {} [{} .. {}]{}</title></circle>",
        plot.x.at(i as f64),
        plot.y.at(p.summary.median),
        if last { 4.5 } else { 2.5 },
        p.run.id,
        attr(&commit),
        attr(&p.run.timestamp_utc),
        attr(&format_value(p.summary.median, &s.unit)),
        attr(&format_value(p.summary.ci95_median[0], &s.unit)),
        attr(&format_value(p.summary.ci95_median[1], &s.unit)),
        attr(&judged),
    );
}

/// Labels under the x axis: each tick's commit, or its run when commits would not tell
/// the ticks apart.
fn run_labels(out: &mut String, s: &MetricSeries, plot: &Plot) {
    let pts = &s.points;
    let ticks = x_ticks(pts.len());
    let commits: Vec<Option<String>> = ticks
        .iter()
        .map(|&i| {
            pts[i]
                .run
                .git
                .as_ref()
                .map(|g| g.commit.chars().take(7).collect())
        })
        .collect();
    // Runs of one commit (a dirty tree measured again) would all read the same: label them
    // by run instead; the hover text still names the commit.
    let by_commit = commits.iter().all(Option::is_some)
        && commits
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            == commits.len();
    for (&i, commit) in ticks.iter().zip(commits) {
        let label = match commit {
            Some(c) if by_commit => c,
            _ => format!("run {}", pts[i].run.id),
        };
        x_label(out, &plot.f, plot.x.at(i as f64), &label);
    }
}

fn x_ticks(n: usize) -> Vec<usize> {
    if n <= 1 {
        return vec![0];
    }
    let k = 5.min(n);
    let mut v: Vec<usize> = (0..k).map(|i| i * (n - 1) / (k - 1)).collect();
    v.dedup();
    v
}

/// Box plots (quartiles, whiskers at the extremes) of the baseline's and the current samples,
/// with every sample as a dot.
pub fn distribution(baseline: Option<&[f64]>, current: &[f64], unit: &str, label: &str) -> String {
    let mut f = Frame::new(CHART_W, 110.0).with_left_labels("baseline".len());
    let rows: Vec<(&str, &[f64])> = baseline
        .filter(|b| !b.is_empty())
        .map(|b| ("baseline", b))
        .into_iter()
        .chain((!current.is_empty()).then_some(("current", current)))
        .collect();
    let mut out = open(&f, "dist", &format!("{label} distribution"));
    let all = rows.iter().flat_map(|(_, s)| s.iter().copied());
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !lo.is_finite() {
        out.push_str("</svg>");
        return out;
    }
    let mut xa = fitted_axis(lo, hi, unit, 5, f.plot_w() / CHAR_W);
    // The last label is centred on the plot's right end: leave room for its half.
    let half_label = xa.widest() as f64 * CHAR_W / 2.0 + 4.0;
    if half_label > f.right {
        f.right = half_label;
        xa = fitted_axis(lo, hi, unit, 5, f.plot_w() / CHAR_W);
    }
    let (a, b) = xa.range();
    let x = Scale::new(a, b, f.left, f.width - f.right);
    for (t, label) in xa.ticks.iter().zip(&xa.labels) {
        let px = x.at(*t);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{px:.1}\" x2=\"{px:.1}\" y1=\"{}\" y2=\"{}\"/>",
            f.top,
            f.height - f.bottom
        );
        x_label(&mut out, &f, px, label);
    }
    let row_h = (f.height - f.top - f.bottom) / rows.len().max(1) as f64;
    for (r, (name, samples)) in rows.iter().enumerate() {
        let cy = f.top + row_h * (r as f64 + 0.5);
        let q = |p: f64| percentile(samples, p);
        let (q1, q2, q3) = (q(25.0), q(50.0), q(75.0));
        let (mn, mx) = (q(0.0), q(100.0));
        let _ = write!(
            out,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{name}</text>\
             <line class=\"whisker\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{cy:.1}\" y2=\"{cy:.1}\"/>\
             <rect class=\"box {name}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{name}: median {}, quartiles {} .. {}, n = {}</title></rect>\
             <line class=\"med\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
            f.left - 6.0,
            cy + 4.0,
            x.at(mn),
            x.at(mx),
            x.at(q1),
            cy - row_h * 0.3,
            (x.at(q3) - x.at(q1)).max(1.0),
            row_h * 0.6,
            attr(&format_value(q2, unit)),
            attr(&format_value(q1, unit)),
            attr(&format_value(q3, unit)),
            samples.len(),
            x.at(q2),
            x.at(q2),
            cy - row_h * 0.3,
            cy + row_h * 0.3,
        );
        // Raw points, spread vertically by a fixed pattern (no randomness: same page twice).
        let mut dots = String::new();
        for (i, v) in samples.iter().take(400).enumerate() {
            let jitter = ((i * 37) % 11) as f64 / 10.0 - 0.5;
            let _ = write!(dots, "M{:.1} {:.1}h0", x.at(*v), cy + jitter * row_h * 0.5);
        }
        let _ = write!(out, "<path class=\"dots {name}\" d=\"{dots}\"/>");
    }
    out.push_str("</svg>");
    out
}
