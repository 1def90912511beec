//! `perfgate detect`: the change points found in each series, as text (or Markdown) and as
//! JSON (`schema/detect.schema.json`), a stable interface for scripts and the evaluation.

use serde::Serialize;

use super::human::{format_pct, format_value};
use super::markdown::escape;
use super::safe::one_line;
use crate::model::history::RunInfo;
use crate::stats::changepoint::{ChangePoint, DetectOptions};

/// How the change points were found, in words (the JSON's `method`).
pub const METHOD: &str = "rank-based segmentation: whole-segment splits (max-statistic permutation test), a windowed rank scan (false alarms per 100 points under alpha), bumps; drift passed over";

/// One series and its change points.
#[derive(Debug, Serialize)]
pub struct Series {
    /// The key of a series from a file; `benchmark metric` (and `@device` when not cpu) from
    /// the store.
    pub name: String,
    pub benchmark: Option<String>,
    pub metric: Option<String>,
    pub device: Option<String>,
    pub unit: Option<String>,
    pub points: usize,
    pub change_points: Vec<Change>,
}

#[derive(Debug, Serialize)]
pub struct Change {
    #[serde(flatten)]
    pub point: ChangePoint,
    /// `up` (the value grew: slower or bigger for most metrics) or `down`.
    pub direction: &'static str,
    pub run_id: Option<i64>,
    pub commit: Option<String>,
    pub timestamp_utc: Option<String>,
}

impl Change {
    /// The change point `point`, at the recorded run `run` when it came from the store.
    pub fn at(point: ChangePoint, run: Option<&RunInfo>) -> Change {
        Change {
            direction: if point.after >= point.before {
                "up"
            } else {
                "down"
            },
            run_id: run.map(|r| r.id),
            commit: run.and_then(|r| r.git.as_ref()).map(|g| g.commit.clone()),
            timestamp_utc: run.map(|r| r.timestamp_utc.clone()),
            point,
        }
    }
}

/// The JSON document: `{"method": ..., "options": ..., "series": [{"name", "points",
/// "change_points": [{"index", "direction", "change_pct", "ci95_pct", "p_value", ...}]}]}`.
#[derive(Serialize)]
struct Document<'a> {
    method: &'static str,
    options: &'a DetectOptions,
    series: &'a [Series],
}

pub fn json(series: &[Series], opts: &DetectOptions) -> String {
    let doc = Document {
        method: METHOD,
        options: opts,
        series,
    };
    serde_json::to_string_pretty(&doc).expect("serializes") + "\n"
}

/// The series with change points, each point on a line, then a line of totals; `md`: as a
/// Markdown list.
pub fn text(series: &[Series], opts: &DetectOptions, md: bool) -> String {
    let mut out = String::new();
    let with = series
        .iter()
        .filter(|f| !f.change_points.is_empty())
        .count();
    for f in series.iter().filter(|f| !f.change_points.is_empty()) {
        out.push_str(&if md {
            format!("- **{}**\n", escape(&f.name))
        } else {
            format!("{} ({} points)\n", one_line(&f.name), f.points)
        });
        let unit = f.unit.as_deref().unwrap_or("");
        for c in &f.change_points {
            out.push_str(if md { "  -" } else { " " });
            out.push_str(&change_line(c, unit));
        }
    }
    out.push_str(&format!(
        "{with} of {} series have change points (rank tests at alpha {}, steps of {}% or more judged against {} points on each side, at least {} points per level)\n",
        series.len(),
        opts.alpha,
        opts.min_change_pct,
        opts.window,
        opts.min_segment,
    ));
    out
}

/// `  from commit abc (time): 1 ms -> 2 ms (+100.0%; shift ..., 95% CI ...), p = 0.001`.
fn change_line(c: &Change, unit: &str) -> String {
    let p = &c.point;
    let at = match (&c.commit, c.run_id) {
        (Some(commit), _) => format!("commit {}", &commit[..commit.len().min(12)]),
        (None, Some(id)) => format!("run {id}"),
        _ => format!("point {}", p.index),
    };
    format!(
        "  from {at}{}: {} -> {} ({}{}, p = {:.3})\n",
        c.timestamp_utc
            .as_deref()
            .map_or(String::new(), |t| format!(" ({t})")),
        format_value(p.before, unit),
        format_value(p.after, unit),
        format_pct(p.change_pct),
        p.shift_pct
            .zip(p.ci95_pct)
            .map_or(String::new(), |(s, [a, b])| format!(
                "; shift {}, 95% CI {} .. {}",
                format_pct(s),
                format_pct(a),
                format_pct(b)
            )),
        p.p_value
    )
}
