//! `perfgate versus A B`: two commands timed in alternation, ABBA or BAAB blocks chosen by a
//! seeded coin, so drift, thermal state and the host's fast/slow phases hit both alike. Runs
//! are paired within blocks; per metric the ratio B/A is `exp` of the median of the paired
//! log-ratios `ln(b_i / a_i)`, with a seeded bootstrap 95% interval of that median (pairing
//! removes the shared drift; logs make the interval symmetric in "x times faster/slower").
//! A metric is significant when the interval of the ratio, as shown (3 decimals), excludes 1.
//! A metric that is 0 in every run on both sides is shown as `zero` and never judged.

pub mod outputs;

use crate::gate::Verdict;
use std::io::{Seek, SeekFrom};

use serde::Serialize;

use crate::config::Exec;
use crate::runner::{Executor, RunMeasurement, RunRequest};
use crate::stats::{bootstrap_ci, median, SplitMix64, Statistic};
use outputs::Captured;

pub use crate::runner::schedule::{block, order, Side};

#[derive(Debug, Clone, Serialize)]
pub struct MetricRatio {
    pub metric: String,
    pub unit: String,
    pub a_median: f64,
    pub b_median: f64,
    /// B / A (of paired runs); `None` when there is no ratio (A's median is 0).
    pub ratio: Option<f64>,
    pub ratio_ci95: Option<[f64; 2]>,
    pub significant: bool,
    /// `stable`, `improved`, `warning`, `critical`, `inconclusive`, or, never judged:
    /// `zero` (0 in every run on both sides) and `not judged` (no ratio).
    pub status: String,
}

/// Ratios and their intervals are shown to this many decimals.
pub const RATIO_DECIMALS: i32 = 3;

/// The ratio B/A of one metric over paired runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Paired {
    /// 0 in every run on both sides (the system time of `sleep`): nothing to compare.
    AllZero,
    /// A's median is 0, so B/A has no value.
    NoRatio,
    /// The ratio; its 95% interval when every value is positive (logs) and there are 2+ pairs.
    Ratio { ratio: f64, ci95: Option<[f64; 2]> },
}

impl Paired {
    pub fn ratio(self) -> Option<f64> {
        match self {
            Paired::Ratio { ratio, .. } => Some(ratio),
            Paired::AllZero | Paired::NoRatio => None,
        }
    }

    pub fn ci95(self) -> Option<[f64; 2]> {
        match self {
            Paired::Ratio { ci95, .. } => ci95,
            Paired::AllZero | Paired::NoRatio => None,
        }
    }
}

/// The paired ratio of one metric. No interval when a value is 0 (no log).
pub fn ratio(a: &[f64], b: &[f64], seed: u64, name: &str) -> Paired {
    if a.iter().chain(b).all(|v| *v == 0.0) {
        return Paired::AllZero;
    }
    if a.iter().chain(b).any(|v| *v <= 0.0) || a.len() < 2 {
        let (ma, mb) = (median(a), median(b));
        return if ma > 0.0 {
            Paired::Ratio {
                ratio: mb / ma,
                ci95: None,
            }
        } else {
            Paired::NoRatio
        };
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| (y / x).ln()).collect();
    let mut rng = SplitMix64::derive(seed, name);
    let [lo, hi] = bootstrap_ci(&d, Statistic::Median, 0.95, 10_000, &mut rng);
    Paired::Ratio {
        ratio: median(&d).exp(),
        ci95: Some([lo.exp(), hi.exp()]),
    }
}

/// Whether an interval of a ratio excludes 1 as it is shown: a bound that shows as 1.000
/// touches 1, so `1.000 .. 1.163` is not significant even when the bound is 1.0004.
pub fn ratio_excludes_one(ci: [f64; 2]) -> bool {
    let scale = 10f64.powi(RATIO_DECIMALS);
    let shown = |v: f64| (v * scale).round() / scale;
    shown(ci[0]) > 1.0 || shown(ci[1]) < 1.0
}

/// What a metric of `versus` came to: the gate's verdict, or why it was not judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judged {
    Verdict(Verdict),
    /// 0 in every run on both sides (the system time of `sleep`).
    Zero,
    /// A's median is 0, so B/A has no value.
    NoRatio,
}

impl Judged {
    pub fn as_str(self) -> &'static str {
        match self {
            Judged::Verdict(v) => v.as_str(),
            Judged::Zero => "zero",
            Judged::NoRatio => "not judged",
        }
    }
}

/// A verdict like `compare`'s: beyond warn/fail percent, and significant; `inconclusive`
/// when beyond but not significant. A metric without a ratio is never judged.
pub fn verdict(paired: Paired, warn_pct: f64, fail_pct: f64) -> (bool, Judged) {
    let ratio = match paired {
        Paired::AllZero => return (false, Judged::Zero),
        Paired::NoRatio => return (false, Judged::NoRatio),
        Paired::Ratio { ratio, .. } => ratio,
    };
    let significant = paired.ci95().is_some_and(ratio_excludes_one);
    let change = (ratio - 1.0) * 100.0;
    let verdict = if change > warn_pct {
        match (significant, change > fail_pct) {
            (false, _) => Verdict::Inconclusive,
            (true, true) => Verdict::Critical,
            (true, false) => Verdict::Warning,
        }
    } else if change < -warn_pct && significant {
        Verdict::Improved
    } else {
        Verdict::Stable
    };
    (significant, Judged::Verdict(verdict))
}

/// Default (warn, fail) percent of a metric: the gate's, by the kind of its unit.
pub fn default_pcts(unit: &str) -> (f64, f64) {
    crate::model::threshold::default_pcts(crate::model::MetricKind::of(
        &crate::model::Unit::from(unit),
        crate::model::Direction::LowerIsBetter,
    ))
}

/// Runs `exec` once with stdout captured in `out`; the measurement and what it printed (its
/// bytes only with `keep`, and only up to [`outputs::COMPARED_MAX`]: the output is read in
/// pieces, so its size costs no memory).
pub fn run_captured(
    exec: &mut dyn Executor,
    command: &Exec,
    env: &std::collections::BTreeMap<String, String>,
    cwd: &std::path::Path,
    out: &mut std::fs::File,
    keep: bool,
) -> (RunMeasurement, std::io::Result<Captured>) {
    let _ = out
        .set_len(0)
        .and_then(|()| out.seek(SeekFrom::Start(0)).map(drop));
    let m = exec.run(&RunRequest {
        exec: command,
        env,
        cwd,
        timeout: None,
        capture_stdout: Some(out),
        scan_metrics: false,
        pin: &[],
        sample_gpu: false,
        cleanup: false,
        keeps_background: false,
    });
    let captured = out
        .seek(SeekFrom::Start(0))
        .and_then(|_| Captured::read(out, keep));
    (m, captured)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_is_in_balanced_blocks() {
        let mut rng = SplitMix64::new(1);
        let o = order(10, &mut rng);
        assert_eq!(o.len(), 20);
        assert_eq!(o.iter().filter(|s| **s == Side::A).count(), 10);
        for block in o.chunks(4) {
            assert!(
                block == [Side::A, Side::B, Side::B, Side::A]
                    || block == [Side::B, Side::A, Side::A, Side::B]
            );
        }
        let o = order(3, &mut rng);
        assert_eq!(o.iter().filter(|s| **s == Side::A).count(), 3);
    }

    fn with_ci(ratio: f64, ci: [f64; 2]) -> Paired {
        Paired::Ratio {
            ratio,
            ci95: Some(ci),
        }
    }

    #[test]
    fn ratios_and_verdicts() {
        let a = [1.0, 1.1, 0.9, 1.0, 1.05, 0.95];
        let b: Vec<f64> = a.iter().map(|x| x * 2.0).collect();
        let paired = ratio(&a, &b, 1, "wall_time");
        let r = paired.ratio().unwrap();
        assert!((r - 2.0).abs() < 1e-12);
        let [lo, hi] = paired.ci95().unwrap();
        assert!((lo - 2.0).abs() < 1e-9 && (hi - 2.0).abs() < 1e-9);
        assert_eq!(
            verdict(paired, 5.0, 10.0),
            (true, Judged::Verdict(Verdict::Critical))
        );
        assert_eq!(
            verdict(with_ci(1.07, [0.9, 1.2]), 5.0, 10.0),
            (false, Judged::Verdict(Verdict::Inconclusive))
        );
        assert_eq!(
            verdict(with_ci(0.8, [0.7, 0.9]), 5.0, 10.0),
            (true, Judged::Verdict(Verdict::Improved))
        );
        assert_eq!(
            verdict(with_ci(1.01, [0.99, 1.03]), 5.0, 10.0),
            (false, Judged::Verdict(Verdict::Stable))
        );
    }

    #[test]
    fn an_interval_that_shows_as_touching_one_is_not_significant() {
        // `1.000 .. 1.163`: the lower bound is above 1 by less than the shown precision.
        assert!(!ratio_excludes_one([1.0004, 1.163]));
        assert_eq!(
            verdict(with_ci(1.08, [1.0004, 1.163]), 5.0, 10.0),
            (false, Judged::Verdict(Verdict::Inconclusive))
        );
        assert!(!ratio_excludes_one([0.85, 0.9996]));
        assert!(!ratio_excludes_one([1.0, 1.0]));
        // One shown step away from 1 is significant.
        assert!(ratio_excludes_one([1.001, 1.163]));
        assert!(ratio_excludes_one([0.85, 0.999]));
        assert_eq!(
            verdict(with_ci(1.08, [1.001, 1.163]), 5.0, 10.0),
            (true, Judged::Verdict(Verdict::Warning))
        );
    }

    #[test]
    fn zeros_on_both_sides_are_shown_as_such_and_never_judged() {
        let zeros = [0.0; 6];
        assert_eq!(ratio(&zeros, &zeros, 1, "sys_time"), Paired::AllZero);
        assert_eq!(verdict(Paired::AllZero, 5.0, 10.0), (false, Judged::Zero));
        // A's median 0 and B's not: no ratio (not NaN, not infinity), not judged.
        let b = [0.0, 0.001, 0.001, 0.002, 0.0, 0.001];
        let paired = ratio(&zeros, &b, 1, "sys_time");
        assert_eq!(paired, Paired::NoRatio);
        assert_eq!(verdict(paired, 5.0, 10.0), (false, Judged::NoRatio));
        // Some zeros, A's median positive: the ratio of medians, with no interval (no logs),
        // so never significant.
        let a = [0.001, 0.001, 0.0, 0.001, 0.002, 0.001];
        let paired = ratio(&a, &b, 1, "sys_time");
        assert_eq!(
            paired,
            Paired::Ratio {
                ratio: 1.0,
                ci95: None
            }
        );
        assert_eq!(
            verdict(paired, 5.0, 10.0),
            (false, Judged::Verdict(Verdict::Stable))
        );
    }

    #[test]
    fn defaults_are_the_gates() {
        use crate::model::threshold::default_pcts as gate_default;
        use crate::model::MetricKind;
        assert_eq!(default_pcts("s"), gate_default(MetricKind::Time));
        assert_eq!(default_pcts("bytes"), gate_default(MetricKind::Memory));
        assert_eq!(default_pcts("bytes"), (10.0, 20.0));
        assert_eq!(Judged::Verdict(Verdict::Critical).as_str(), "critical");
        assert_eq!(Judged::NoRatio.as_str(), "not judged");
    }
}
