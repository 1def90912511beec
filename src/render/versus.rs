//! What `perfgate versus` shows: the table of ratios B/A with their intervals and the gate's
//! verdicts (also for `--format md`), or the JSON document `schema/versus.schema.json`
//! describes.

use serde::Serialize;

use crate::gate::{PairedStatus, RATIO_DECIMALS};
use crate::render::human::{format_pct, format_value};
use crate::render::safe::one_line;
use crate::render::style::table;
use crate::runner::schedule::Side;

/// One `versus`: its sides, its runs, the ratios and verdicts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub a: String,
    pub b: String,
    pub pairs: usize,
    pub order: Vec<Side>,
    pub outputs: Outputs,
    pub metrics: Vec<MetricRatio>,
    /// Throughput of B relative to A (1 / wall-time ratio): above 1, B does more per second.
    pub throughput_ratio: Option<f64>,
    /// Peak RSS of B relative to A.
    pub peak_memory_ratio: Option<f64>,
    /// Start-up wall time of B relative to A (with --startup), and the two commands timed.
    pub startup_ratio: Option<f64>,
    pub startup: Option<[String; 2]>,
    /// How significance was controlled across the metrics, and what that changed.
    pub notes: Vec<String>,
}

/// How the outputs were checked to agree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outputs {
    pub mode: String,
    pub agree: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricRatio {
    pub metric: String,
    pub unit: String,
    pub a_median: f64,
    pub b_median: f64,
    /// B / A (of paired runs); `None` when there is no ratio (A's median is 0).
    pub ratio: Option<f64>,
    pub ratio_ci95: Option<[f64; 2]>,
    /// The interval, as shown, excludes 1.
    pub significant: bool,
    /// `stable`, `improved`, `warning`, `critical`, `inconclusive`, or, never judged:
    /// `zero` (0 in every run on both sides) and `not judged` (no ratio).
    pub status: PairedStatus,
    /// Of the paired bootstrap, when the ratio has an interval.
    pub p_value: Option<f64>,
    /// `p_value` adjusted across the metrics (Benjamini-Hochberg), unless `--fdr off`.
    pub q_value: Option<f64>,
    /// Why a verdict is `inconclusive`.
    pub reason: Option<String>,
}

/// The JSON document, pretty, with a final line break.
pub fn json(o: &Outcome) -> String {
    serde_json::to_string_pretty(o).expect("serializes") + "\n"
}

/// A ratio at the precision its significance is judged at.
fn ratio_text(r: f64) -> String {
    format!("{r:.prec$}", prec = RATIO_DECIMALS as usize)
}

/// The table, why any verdict is inconclusive, then the pairs, the outputs and the overall
/// ratios.
pub fn terminal(o: &Outcome) -> String {
    let mut rows = vec![[
        "metric",
        "A median",
        "B median",
        "B/A",
        "95% CI",
        "significant",
        "verdict",
    ]
    .map(String::from)
    .to_vec()];
    rows.extend(o.metrics.iter().map(row));
    let mut out = table(&rows, &[1, 2, 3, 4]);
    for m in &o.metrics {
        if let Some(reason) = &m.reason {
            out.push_str(&format!("{}: {}\n", m.metric, one_line(reason)));
        }
    }
    out.push_str(&summary(o));
    out
}

fn row(m: &MetricRatio) -> Vec<String> {
    let (shown_ratio, ci) = match (m.status, m.ratio) {
        (PairedStatus::Zero, _) => ("0 on both sides".to_string(), "-".to_string()),
        (_, None) => ("- (A's median is 0)".to_string(), "-".to_string()),
        (_, Some(r)) => (
            format!("{}x", ratio_text(r)),
            m.ratio_ci95.map_or("-".into(), |[a, b]| {
                format!("{} .. {}", ratio_text(a), ratio_text(b))
            }),
        ),
    };
    let significant = match (m.status, m.significant) {
        (PairedStatus::Zero | PairedStatus::NoRatio, _) => "-",
        (PairedStatus::Judged(_), true) => "yes",
        (PairedStatus::Judged(_), false) => "no",
    };
    vec![
        m.metric.clone(),
        format_value(m.a_median, &m.unit),
        format_value(m.b_median, &m.unit),
        shown_ratio,
        ci,
        significant.to_string(),
        m.status.as_str().to_string(),
    ]
}

/// `8 pairs in ABBA/BAAB blocks; outputs agree: ...` and the throughput and memory ratios.
fn summary(o: &Outcome) -> String {
    let ratio_or_dash =
        |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{}x", ratio_text(r)));
    format!(
        "{} pairs in ABBA/BAAB blocks; outputs agree: {}\nthroughput B/A: {}{}; peak memory B/A: {}{}\n",
        o.pairs,
        o.outputs.detail,
        ratio_or_dash(o.throughput_ratio),
        o.throughput_ratio
            .map_or(String::new(), |t| format!(" ({})", format_pct((t - 1.0) * 100.0))),
        ratio_or_dash(o.peak_memory_ratio),
        o.startup_ratio
            .map_or(String::new(), |r| format!("; start-up B/A: {}x", ratio_text(r)))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::Verdict;

    fn metric(name: &str, medians: [f64; 2], ratio: Option<(f64, [f64; 2])>) -> MetricRatio {
        MetricRatio {
            metric: name.into(),
            unit: "s".into(),
            a_median: medians[0],
            b_median: medians[1],
            ratio: ratio.map(|(r, _)| r),
            ratio_ci95: ratio.map(|(_, ci)| ci),
            significant: false,
            status: PairedStatus::Judged(Verdict::Stable),
            p_value: None,
            q_value: None,
            reason: None,
        }
    }

    fn outcome(metrics: Vec<MetricRatio>) -> Outcome {
        Outcome {
            a: "sleep 0.01".into(),
            b: "sleep 0.012".into(),
            pairs: 4,
            order: Vec::new(),
            outputs: Outputs {
                mode: "hash".into(),
                agree: true,
                detail: "same".into(),
            },
            metrics,
            throughput_ratio: Some(1.0 / 1.2),
            peak_memory_ratio: None,
            startup_ratio: None,
            startup: None,
            notes: Vec::new(),
        }
    }

    fn row_of(text: &str, name: &str) -> String {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} row in\n{text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn metrics_without_a_ratio_are_shown_as_such() {
        let wall = MetricRatio {
            status: PairedStatus::Judged(Verdict::Inconclusive),
            reason: Some(
                "beyond the threshold, but the 95% interval of the ratio includes 1".into(),
            ),
            ..metric("wall_time", [0.010, 0.012], Some((1.2, [1.0004, 1.25])))
        };
        let sys = MetricRatio {
            status: PairedStatus::Zero,
            ..metric("sys_time", [0.0, 0.0], None)
        };
        let user = MetricRatio {
            status: PairedStatus::NoRatio,
            ..metric("user_time", [0.0, 0.001], None)
        };
        let text = terminal(&outcome(vec![wall, sys, user]));
        assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
        assert_eq!(
            row_of(&text, "wall_time"),
            "wall_time 10.0 ms 12.0 ms 1.200x 1.000 .. 1.250 no inconclusive"
        );
        assert_eq!(
            row_of(&text, "sys_time"),
            "sys_time 0 s 0 s 0 on both sides - - zero"
        );
        assert_eq!(
            row_of(&text, "user_time"),
            "user_time 0 s 1.00 ms - (A's median is 0) - - not judged"
        );
        assert!(
            text.contains(
                "\nwall_time: beyond the threshold, but the 95% interval of the ratio includes 1\n"
            ),
            "{text}"
        );
        assert!(text.contains("peak memory B/A: -\n"), "{text}");
    }

    #[test]
    fn the_json_names_every_field_and_the_verdict_as_its_word() {
        let critical = MetricRatio {
            significant: true,
            status: PairedStatus::Judged(Verdict::Critical),
            p_value: Some(0.0),
            q_value: Some(0.0),
            ..metric("wall_time", [0.05, 0.1], Some((2.0, [1.9, 2.1])))
        };
        let doc: serde_json::Value = serde_json::from_str(&json(&outcome(vec![
            critical,
            MetricRatio {
                status: PairedStatus::NoRatio,
                ..metric("user_time", [0.0, 0.001], None)
            },
        ])))
        .unwrap();
        assert_eq!(doc["metrics"][0]["status"], "critical");
        assert_eq!(
            doc["metrics"][0]["ratio_ci95"],
            serde_json::json!([1.9, 2.1])
        );
        assert_eq!(doc["metrics"][1]["status"], "not judged");
        assert_eq!(doc["metrics"][1]["ratio"], serde_json::Value::Null);
        assert_eq!(doc["outputs"]["mode"], "hash");
        assert_eq!(doc["notes"], serde_json::json!([]));
    }
}
