//! The decision for one metric, as data. Renderers and the exit code only read it.

use serde::{Deserialize, Serialize};

use crate::model::threshold::{default_pcts, Quantity, ThresholdRule};
use crate::model::{Direction, MetricKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    // Declared from most to least severe: sorting by verdict puts the worst first.
    Failed,
    Critical,
    Warning,
    Inconclusive,
    Missing,
    New,
    Improved,
    Stable,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Failed => "failed",
            Verdict::Critical => "critical",
            Verdict::Warning => "warning",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Missing => "missing",
            Verdict::New => "new",
            Verdict::Improved => "improved",
            Verdict::Stable => "stable",
        }
    }
}

/// The thresholds in force for one metric, after defaults were filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectiveRule {
    pub warn_pct: f64,
    /// The critical bound: either a percentage or `ratio` + `abs`.
    pub critical: CriticalBound,
    pub budget: Option<Quantity>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CriticalBound {
    Pct(f64),
    RatioAbs { ratio: f64, abs: f64 },
}

impl EffectiveRule {
    /// Fills the fields a rule leaves out with the defaults of the metric's kind;
    /// `override_pct` (from `--threshold-pct` / `PERFGATE_THRESHOLD_PCT`) replaces the
    /// percentages: critical at that value, warning at half of it.
    pub fn resolve(
        rule: Option<&ThresholdRule>,
        kind: MetricKind,
        override_pct: Option<f64>,
    ) -> Self {
        let (default_warn, default_fail) = default_pcts(kind);
        let rule = rule.cloned().unwrap_or_default();
        let critical = match (override_pct, rule.ratio, &rule.abs) {
            (Some(pct), _, _) => CriticalBound::Pct(pct),
            (None, None, None) => CriticalBound::Pct(rule.fail_pct.unwrap_or(default_fail)),
            (None, ratio, abs) => CriticalBound::RatioAbs {
                ratio: ratio.unwrap_or(0.0),
                abs: abs.as_ref().map_or(0.0, |q| q.value),
            },
        };
        let warn_pct = match override_pct {
            Some(pct) => pct / 2.0,
            None => rule.warn_pct.unwrap_or(default_warn),
        };
        EffectiveRule {
            warn_pct,
            critical,
            budget: rule.budget,
        }
    }

    /// The current value at which the verdict becomes critical: a maximum for
    /// lower-is-better metrics, a minimum for higher-is-better ones.
    pub fn critical_limit(&self, baseline: f64, direction: Direction) -> f64 {
        let (ratio, abs) = match self.critical {
            CriticalBound::Pct(p) => (p / 100.0, 0.0),
            CriticalBound::RatioAbs { ratio, abs } => (ratio, abs),
        };
        match direction {
            Direction::LowerIsBetter => baseline * (1.0 + ratio) + abs,
            Direction::HigherIsBetter => baseline * (1.0 - ratio) - abs,
        }
    }

    pub fn describe(&self) -> String {
        let crit = match self.critical {
            CriticalBound::Pct(p) => format!("critical > {}%", trim(p)),
            CriticalBound::RatioAbs { ratio, abs } => {
                format!("critical > base*(1+{}) + {}", trim(ratio), trim(abs))
            }
        };
        let mut s = format!("warn > {}%, {crit}", trim(self.warn_pct));
        if let Some(b) = &self.budget {
            s.push_str(&format!(", budget {b}"));
        }
        s
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Whether the change of a metric is distinguishable from noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Significance {
    /// No samples on one side: the threshold alone decides.
    NotTested,
    /// The 95% interval of the change excludes zero.
    Significant,
    /// The 95% interval of the change includes zero.
    NotSignificant,
    /// Too few samples for any change to be significant at 95%.
    TooFewSamples,
}

/// Changes are shown in percent to this many decimals (`render::human::format_pct`).
pub const CHANGE_PCT_DECIMALS: i32 = 1;

impl Significance {
    /// Significant when the interval, as shown, excludes zero: a bound that shows as +0.0%
    /// or -0.0% touches zero, so `[+0.0%, +12.0%]` is not significant even when the bound
    /// is +0.02%.
    pub fn from_interval(ci: [f64; 2]) -> Self {
        let scale = 10f64.powi(CHANGE_PCT_DECIMALS);
        let shown = |v: f64| (v * scale).round() / scale;
        if shown(ci[0]) > 0.0 || shown(ci[1]) < 0.0 {
            Significance::Significant
        } else {
            Significance::NotSignificant
        }
    }
}

/// Inputs of the decision for one metric present on both sides.
pub struct Observation {
    pub baseline: f64,
    pub current: f64,
    pub direction: Direction,
    pub significance: Significance,
}

/// Decides the verdict of one metric. A change beyond a threshold counts only when the
/// interval of the change (if there is one) excludes zero; otherwise it is `inconclusive`.
/// A budget is an absolute limit and is not subject to significance.
pub fn decide(obs: &Observation, rule: &EffectiveRule) -> Verdict {
    let worse = |a: f64, b: f64| match obs.direction {
        Direction::LowerIsBetter => a > b,
        Direction::HigherIsBetter => a < b,
    };
    if let Some(budget) = &rule.budget {
        if worse(obs.current, budget.value) {
            return Verdict::Critical;
        }
    }
    if obs.baseline == 0.0 {
        // Percentages of zero are zero: only an absolute bound can judge a metric that was 0
        // (the system time of a command that makes no system calls).
        return match rule.critical {
            CriticalBound::RatioAbs { abs, .. }
                if abs > 0.0 && worse(obs.current, rule.critical_limit(0.0, obs.direction)) =>
            {
                Verdict::Critical
            }
            _ => Verdict::Stable,
        };
    }
    let significant = matches!(
        obs.significance,
        Significance::NotTested | Significance::Significant
    );
    let sign = match obs.direction {
        Direction::LowerIsBetter => 1.0,
        Direction::HigherIsBetter => -1.0,
    };
    let critical_limit = rule.critical_limit(obs.baseline, obs.direction);
    let warn_limit = obs.baseline * (1.0 + sign * rule.warn_pct / 100.0);
    let improved_limit = obs.baseline * (1.0 - sign * rule.warn_pct / 100.0);
    let verdict = if worse(obs.current, critical_limit) {
        Verdict::Critical
    } else if worse(obs.current, warn_limit) {
        Verdict::Warning
    } else if worse(improved_limit, obs.current) {
        Verdict::Improved
    } else {
        return Verdict::Stable;
    };
    match (verdict, significant) {
        (_, true) => verdict,
        (Verdict::Improved, false) => Verdict::Stable,
        (_, false) => Verdict::Inconclusive,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(baseline: f64, current: f64, ci: Option<[f64; 2]>) -> Observation {
        Observation {
            baseline,
            current,
            direction: Direction::LowerIsBetter,
            significance: ci.map_or(Significance::NotTested, Significance::from_interval),
        }
    }

    fn time_rule() -> EffectiveRule {
        EffectiveRule::resolve(None, MetricKind::Time, None)
    }

    #[test]
    fn default_time_thresholds_are_5_and_10_percent() {
        let r = time_rule();
        assert_eq!(decide(&obs(100.0, 104.9, None), &r), Verdict::Stable);
        assert_eq!(decide(&obs(100.0, 105.1, None), &r), Verdict::Warning);
        assert_eq!(decide(&obs(100.0, 110.1, None), &r), Verdict::Critical);
        assert_eq!(decide(&obs(100.0, 94.0, None), &r), Verdict::Improved);
    }

    #[test]
    fn a_change_whose_interval_contains_zero_is_inconclusive() {
        let r = time_rule();
        let v = decide(&obs(100.0, 130.0, Some([-2.0, 60.0])), &r);
        assert_eq!(v, Verdict::Inconclusive);
        let v = decide(&obs(100.0, 130.0, Some([12.0, 60.0])), &r);
        assert_eq!(v, Verdict::Critical);
        // An interval that shows as touching zero is not significant.
        let v = decide(&obs(100.0, 130.0, Some([0.04, 60.0])), &r);
        assert_eq!(v, Verdict::Inconclusive);
        let v = decide(&obs(100.0, 130.0, Some([0.05, 60.0])), &r);
        assert_eq!(v, Verdict::Critical);
        let v = decide(&obs(100.0, 70.0, Some([-60.0, -0.04])), &r);
        assert_eq!(v, Verdict::Stable);
        // An improvement that is not significant is simply stable.
        let v = decide(&obs(100.0, 80.0, Some([-40.0, 3.0])), &r);
        assert_eq!(v, Verdict::Stable);
        // Too few samples to tell: beyond the threshold is inconclusive, within it stable.
        let few = |c: f64| Observation {
            baseline: 100.0,
            current: c,
            direction: Direction::LowerIsBetter,
            significance: Significance::TooFewSamples,
        };
        assert_eq!(decide(&few(150.0), &r), Verdict::Inconclusive);
        assert_eq!(decide(&few(101.0), &r), Verdict::Stable);
    }

    #[test]
    fn ratio_and_abs_follow_the_seed_formula() {
        // fail when current > value * (1 + ratio) + abs: 10 * 1.2 + 0.5 = 12.5
        let rule = ThresholdRule {
            ratio: Some(0.2),
            abs: Some(Quantity::plain(0.5)),
            warn_pct: Some(100.0),
            ..Default::default()
        };
        let r = EffectiveRule::resolve(Some(&rule), MetricKind::Time, None);
        assert_eq!(r.critical_limit(10.0, Direction::LowerIsBetter), 12.5);
        assert_eq!(decide(&obs(10.0, 12.4, None), &r), Verdict::Stable);
        assert_eq!(decide(&obs(10.0, 12.6, None), &r), Verdict::Critical);
    }

    #[test]
    fn higher_is_better_is_mirrored() {
        let r = EffectiveRule::resolve(None, MetricKind::Throughput, None);
        let o = |c: f64| Observation {
            baseline: 1000.0,
            current: c,
            direction: Direction::HigherIsBetter,
            significance: Significance::NotTested,
        };
        assert_eq!(decide(&o(960.0), &r), Verdict::Stable);
        assert_eq!(decide(&o(940.0), &r), Verdict::Warning);
        assert_eq!(decide(&o(890.0), &r), Verdict::Critical);
        assert_eq!(decide(&o(1100.0), &r), Verdict::Improved);
    }

    #[test]
    fn a_zero_baseline_is_judged_only_by_absolute_bounds() {
        let r = time_rule();
        assert_eq!(decide(&obs(0.0, 0.001, None), &r), Verdict::Stable);
        let rule = ThresholdRule {
            abs: Some(Quantity::parse("2ms").unwrap()),
            ..Default::default()
        };
        let r = EffectiveRule::resolve(Some(&rule), MetricKind::Time, None);
        assert_eq!(decide(&obs(0.0, 0.001, None), &r), Verdict::Stable);
        assert_eq!(decide(&obs(0.0, 0.003, None), &r), Verdict::Critical);
    }

    #[test]
    fn budget_is_absolute() {
        let rule = ThresholdRule {
            budget: Some(Quantity::parse("10us").unwrap()),
            ..Default::default()
        };
        let r = EffectiveRule::resolve(Some(&rule), MetricKind::Time, None);
        // Unchanged against the baseline, but over budget.
        assert_eq!(decide(&obs(12e-6, 12e-6, None), &r), Verdict::Critical);
        assert_eq!(decide(&obs(9e-6, 9.1e-6, None), &r), Verdict::Stable);
    }

    #[test]
    fn override_pct_replaces_percentages() {
        let r = EffectiveRule::resolve(None, MetricKind::Memory, Some(4.0));
        assert_eq!(r.warn_pct, 2.0);
        assert_eq!(decide(&obs(100.0, 103.0, None), &r), Verdict::Warning);
        assert_eq!(decide(&obs(100.0, 104.5, None), &r), Verdict::Critical);
    }

    #[test]
    fn verdicts_sort_worst_first() {
        let mut v = vec![
            Verdict::Stable,
            Verdict::Critical,
            Verdict::Failed,
            Verdict::Warning,
        ];
        v.sort();
        assert_eq!(
            v,
            [
                Verdict::Failed,
                Verdict::Critical,
                Verdict::Warning,
                Verdict::Stable
            ]
        );
    }
}
