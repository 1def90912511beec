//! Verdicts of metrics measured in pairs: two commands run in alternation in one time window
//! (`versus`), so each metric comes as a ratio B/A with an interval and a p-value instead of
//! two sets of samples. The thresholds, the decision and the false discovery control are the
//! ones `compare` uses; only the evidence differs.

use serde::Serialize;

use super::fdr::{control_false_discoveries, Test, Tested};
use super::{decide, EffectiveRule, Observation, Significance, Verdict};
use crate::model::{Direction, MetricKind};

/// Ratios and their intervals are shown to this many decimals, and judged as shown.
pub const RATIO_DECIMALS: i32 = 3;

/// The test behind a paired p-value: the bootstrap of the median paired log-ratio.
const PAIRED_BOOTSTRAP: Test = Test {
    p_name: "paired bootstrap",
    per_metric: "paired bootstrap of the median log-ratio B/A per metric",
};

/// The ratio B/A of one metric over paired runs: the gate's evidence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PairedRatio {
    /// 0 in every run on both sides (the system time of `sleep`): nothing to compare.
    AllZero,
    /// A's median is 0, so B/A has no value.
    NoRatio,
    /// The ratio; with its 95% interval and the two-sided p-value of "the ratio is 1" when
    /// they could be computed (every value positive, 2 or more pairs).
    Ratio {
        ratio: f64,
        ci95: Option<[f64; 2]>,
        p_value: Option<f64>,
    },
}

impl PairedRatio {
    pub fn ratio(self) -> Option<f64> {
        match self {
            PairedRatio::Ratio { ratio, .. } => Some(ratio),
            PairedRatio::AllZero | PairedRatio::NoRatio => None,
        }
    }

    pub fn ci95(self) -> Option<[f64; 2]> {
        match self {
            PairedRatio::Ratio { ci95, .. } => ci95,
            PairedRatio::AllZero | PairedRatio::NoRatio => None,
        }
    }

    pub fn p_value(self) -> Option<f64> {
        match self {
            PairedRatio::Ratio { p_value, .. } => p_value,
            PairedRatio::AllZero | PairedRatio::NoRatio => None,
        }
    }
}

/// One metric measured in pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedMetric {
    pub metric: String,
    /// Its unit, which picks the default thresholds (`s`: time, `bytes`: memory).
    pub unit: String,
    pub direction: Direction,
    pub evidence: PairedRatio,
}

/// How paired metrics are judged: `compare`'s options that apply to them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedPolicy {
    /// `--threshold-pct`: critical at this worsening, warning at half of it, for every metric;
    /// `None`: the defaults of each metric's kind.
    pub threshold_pct: Option<f64>,
    /// The false discovery rate held across the metrics' tests, or `None` to test each on its
    /// own at 5% (`--fdr off`).
    pub fdr: Option<f64>,
}

impl Default for PairedPolicy {
    fn default() -> Self {
        PairedPolicy {
            threshold_pct: None,
            fdr: Some(0.05),
        }
    }
}

/// What a paired metric came to: the gate's verdict, or why it was not judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairedStatus {
    Judged(Verdict),
    /// 0 in every run on both sides (the system time of `sleep`).
    Zero,
    /// A's median is 0, so B/A has no value.
    NoRatio,
}

impl PairedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PairedStatus::Judged(v) => v.as_str(),
            PairedStatus::Zero => "zero",
            PairedStatus::NoRatio => "not judged",
        }
    }
}

/// As its word: `critical`, ..., `zero`, `not judged`.
impl Serialize for PairedStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The gate's decision on one paired metric.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedVerdict {
    pub status: PairedStatus,
    /// The 95% interval of the ratio, as shown, excludes 1 (before any false discovery
    /// control, which can still make a change beyond a threshold inconclusive).
    pub significant: bool,
    pub p_value: Option<f64>,
    /// `p_value` adjusted by Benjamini-Hochberg across the metrics' tests.
    pub q_value: Option<f64>,
    /// Why a verdict is `inconclusive`.
    pub reason: Option<String>,
}

/// The verdicts, in the order of the metrics, and what the reader must know about them.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedJudgement {
    pub verdicts: Vec<PairedVerdict>,
    pub notes: Vec<String>,
}

impl PairedJudgement {
    /// Whether any metric is critically worse.
    pub fn any_critical(&self) -> bool {
        self.verdicts
            .iter()
            .any(|v| v.status == PairedStatus::Judged(Verdict::Critical))
    }
}

/// Judges each metric by its ratio as `compare` judges a change (`baseline` A = 1, `current`
/// B = the ratio), its interval as the evidence of significance, then holds the false
/// discovery rate across the metrics that have a p-value.
pub fn judge_paired(metrics: &[PairedMetric], policy: &PairedPolicy) -> PairedJudgement {
    let mut verdicts: Vec<PairedVerdict> = metrics.iter().map(|m| judge(m, policy)).collect();
    let mut notes = Vec::new();
    control_false_discoveries(&mut verdicts, policy.fdr, &PAIRED_BOOTSTRAP, &mut notes);
    PairedJudgement { verdicts, notes }
}

fn judge(m: &PairedMetric, policy: &PairedPolicy) -> PairedVerdict {
    let unjudged = |status| PairedVerdict {
        status,
        significant: false,
        p_value: None,
        q_value: None,
        reason: None,
    };
    let (ratio, ci95, p_value) = match m.evidence {
        PairedRatio::AllZero => return unjudged(PairedStatus::Zero),
        PairedRatio::NoRatio => return unjudged(PairedStatus::NoRatio),
        PairedRatio::Ratio {
            ratio,
            ci95,
            p_value,
        } => (ratio, ci95, p_value),
    };
    let significant = ci95.is_some_and(ratio_excludes_one);
    let rule = EffectiveRule::resolve(
        None,
        MetricKind::of(&crate::model::Unit::from(m.unit.as_str()), m.direction),
        policy.threshold_pct,
    );
    let significance = if significant {
        Significance::Significant
    } else {
        Significance::NotSignificant
    };
    let observation = Observation {
        baseline: 1.0,
        current: ratio,
        direction: m.direction,
        significance,
    };
    let verdict = decide(&observation, &rule);
    let reason = (verdict == Verdict::Inconclusive).then(|| match ci95 {
        Some(_) => "beyond the threshold, but the 95% interval of the ratio includes 1".to_string(),
        None => {
            "beyond the threshold, but a run measured 0, so the ratio has no interval".to_string()
        }
    });
    PairedVerdict {
        status: PairedStatus::Judged(verdict),
        significant,
        // A ratio shown without an interval is not tested, so it does not count in the rate.
        p_value: ci95.and(p_value),
        q_value: None,
        reason,
    }
}

/// Whether an interval of a ratio excludes 1 as it is shown: a bound that shows as 1.000
/// touches 1, so `1.000 .. 1.163` is not significant even when the bound is 1.0004.
pub fn ratio_excludes_one(ci: [f64; 2]) -> bool {
    let scale = 10f64.powi(RATIO_DECIMALS);
    let shown = |v: f64| (v * scale).round() / scale;
    shown(ci[0]) > 1.0 || shown(ci[1]) < 1.0
}

impl Tested for PairedVerdict {
    fn p_value(&self) -> Option<f64> {
        self.p_value
    }

    fn status(&self) -> Verdict {
        match self.status {
            PairedStatus::Judged(v) => v,
            // Never judged, so never demoted (and never tested: no p-value).
            PairedStatus::Zero | PairedStatus::NoRatio => Verdict::Stable,
        }
    }

    fn set_q_value(&mut self, q: f64) {
        self.q_value = Some(q);
    }

    fn demote(&mut self, reason: String) {
        self.status = PairedStatus::Judged(Verdict::Inconclusive);
        self.reason = Some(reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(metric: &str, ratio: f64, ci: [f64; 2], p: f64) -> PairedMetric {
        PairedMetric {
            metric: metric.into(),
            unit: "s".into(),
            direction: Direction::LowerIsBetter,
            evidence: PairedRatio::Ratio {
                ratio,
                ci95: Some(ci),
                p_value: Some(p),
            },
        }
    }

    fn statuses(j: &PairedJudgement) -> Vec<&'static str> {
        j.verdicts.iter().map(|v| v.status.as_str()).collect()
    }

    /// Time metrics (warning above +5%, critical above +10%), intervals worked out by hand:
    /// each tested alone (`--fdr off`) the interval alone decides.
    #[test]
    fn the_interval_of_the_ratio_is_the_evidence() {
        let metrics = [
            // +20%, interval [1.15, 1.25] clear of 1: critical.
            time("critical", 1.20, [1.15, 1.25], 0.0),
            // +7%, [1.03, 1.11]: beyond 5%, not beyond 10%: warning.
            time("warning", 1.07, [1.03, 1.11], 0.001),
            // +2%, [1.01, 1.03]: significant, but within 5%: stable.
            time("stable", 1.02, [1.01, 1.03], 0.002),
            // -20%, [0.75, 0.85]: improved.
            time("improved", 0.80, [0.75, 0.85], 0.0),
            // +15%, [0.98, 1.30]: beyond 10% but the interval holds 1: inconclusive.
            time("inconclusive", 1.15, [0.98, 1.30], 0.2),
            // +8%, [1.0004, 1.16]: shown as 1.000 .. 1.160, touching 1: inconclusive.
            time("touching", 1.08, [1.0004, 1.16], 0.04),
        ];
        let policy = PairedPolicy {
            threshold_pct: None,
            fdr: None,
        };
        let j = judge_paired(&metrics, &policy);
        assert_eq!(
            statuses(&j),
            [
                "critical",
                "warning",
                "stable",
                "improved",
                "inconclusive",
                "inconclusive"
            ]
        );
        let significant: Vec<bool> = j.verdicts.iter().map(|v| v.significant).collect();
        assert_eq!(significant, [true, true, true, true, false, false]);
        assert_eq!(
            j.verdicts[4].reason.as_deref(),
            Some("beyond the threshold, but the 95% interval of the ratio includes 1")
        );
        assert!(j.any_critical());
        assert_eq!(
            j.notes,
            ["significance: paired bootstrap of the median log-ratio B/A per metric, each of 6 tests on its own at 5% (no false discovery rate control)"]
        );
    }

    #[test]
    fn false_discovery_control_makes_a_marginal_change_inconclusive() {
        // p-values 0.001, 0.03, 0.5, 0.6: BH q of the 0.03 is 0.03 * 4 / 2 = 0.06 > 0.05.
        let metrics = [
            time("wall_time", 1.30, [1.20, 1.40], 0.001),
            time("user_time", 1.12, [1.01, 1.25], 0.03),
            time("sys_time", 1.00, [0.95, 1.05], 0.5),
            time("peak_rss", 1.01, [0.97, 1.06], 0.6),
        ];
        let alone = judge_paired(
            &metrics,
            &PairedPolicy {
                fdr: None,
                ..Default::default()
            },
        );
        assert_eq!(
            statuses(&alone),
            ["critical", "critical", "stable", "stable"]
        );
        let j = judge_paired(&metrics, &PairedPolicy::default());
        assert_eq!(
            statuses(&j),
            ["critical", "inconclusive", "stable", "stable"]
        );
        let user = &j.verdicts[1];
        assert!(user.significant, "the interval alone excludes 1");
        assert!((user.q_value.unwrap() - 0.06).abs() < 1e-12);
        assert!((j.verdicts[0].q_value.unwrap() - 0.004).abs() < 1e-12);
        assert_eq!(
            user.reason.as_deref(),
            Some("critical beyond the threshold, but not significant once the false discovery rate is controlled (paired bootstrap p = 0.030, Benjamini-Hochberg q = 0.060 > 0.05 over 4 tests)")
        );
        assert!(j.notes[0].ends_with(
            "false discovery rate held at 5% across 4 tests (Benjamini-Hochberg); 1 change(s) beyond a threshold are inconclusive after it"
        ));
        // A looser rate keeps it.
        let loose = judge_paired(
            &metrics,
            &PairedPolicy {
                fdr: Some(0.1),
                ..Default::default()
            },
        );
        assert_eq!(statuses(&loose)[1], "critical");
    }

    #[test]
    fn thresholds_come_from_the_unit_or_the_override() {
        let memory = |ratio: f64| PairedMetric {
            metric: "peak_rss".into(),
            unit: "bytes".into(),
            direction: Direction::LowerIsBetter,
            evidence: PairedRatio::Ratio {
                ratio,
                ci95: Some([ratio - 0.01, ratio + 0.01]),
                p_value: Some(0.0),
            },
        };
        let judged = |m: PairedMetric, pct: Option<f64>| {
            let policy = PairedPolicy {
                threshold_pct: pct,
                fdr: None,
            };
            judge_paired(&[m], &policy).verdicts[0].status.as_str()
        };
        // Memory: warning above 10%, critical above 20%.
        assert_eq!(judged(memory(1.08), None), "stable");
        assert_eq!(judged(memory(1.15), None), "warning");
        assert_eq!(judged(memory(1.25), None), "critical");
        // --threshold-pct 4: warning above 2%, critical above 4%, whatever the unit.
        assert_eq!(judged(memory(1.03), Some(4.0)), "warning");
        assert_eq!(judged(memory(1.05), Some(4.0)), "critical");
    }

    #[test]
    fn metrics_without_evidence_are_not_judged_or_tested() {
        let m = |evidence| PairedMetric {
            metric: "sys_time".into(),
            unit: "s".into(),
            direction: Direction::LowerIsBetter,
            evidence,
        };
        let no_interval = PairedRatio::Ratio {
            ratio: 1.5,
            ci95: None,
            p_value: Some(0.0),
        };
        let j = judge_paired(
            &[
                m(PairedRatio::AllZero),
                m(PairedRatio::NoRatio),
                m(no_interval),
            ],
            &PairedPolicy::default(),
        );
        assert_eq!(statuses(&j), ["zero", "not judged", "inconclusive"]);
        assert!(j.verdicts.iter().all(|v| !v.significant));
        assert!(j.verdicts.iter().all(|v| v.q_value.is_none()));
        assert_eq!(
            j.verdicts[2].reason.as_deref(),
            Some("beyond the threshold, but a run measured 0, so the ratio has no interval")
        );
        assert!(j.notes.is_empty(), "no test, no note: {:?}", j.notes);
    }

    #[test]
    fn an_interval_that_shows_as_touching_one_is_not_significant() {
        assert!(!ratio_excludes_one([1.0004, 1.163]));
        assert!(!ratio_excludes_one([0.85, 0.9996]));
        assert!(!ratio_excludes_one([1.0, 1.0]));
        // One shown step away from 1 is significant.
        assert!(ratio_excludes_one([1.001, 1.163]));
        assert!(ratio_excludes_one([0.85, 0.999]));
    }
}
