//! Pairs without history: two reports compared with nothing recorded about the machine's
//! noise (no `--noise-aware` history for the metric, not run in one window).
//!
//! Runs recorded minutes apart on a shared machine sit in different host states: on this
//! project's VM, windows of the same build's runs differ by up to 8% in median (the `io`
//! workload of `bench/detection`) while each window looks tight, so the 95% interval of the
//! shift (which assumes both samples come from one unchanging distribution) excludes zero and
//! a same-build pair is called a regression: 2.7% of same-vs-same pairs over the recorded
//! workloads and 5-60 runs per side, 12% on `io`. Nothing inside one pair told such a phase
//! from a real change: at 5-10 runs the false alarms have the spread, lag-1 autocorrelation
//! and interval of true +5..+10% changes, and rules built on those (a floor from the CV or
//! from the drift between half-windows, an interval widened for autocorrelation, a minimum n
//! for noisy metrics) kept 6-12% in the worst cell (`bench/detection/pairs_rule.py`). So the
//! interval must clear a noise floor, not just zero: the smaller of
//! [`FLOOR_OVER_WARN`] x the warning threshold and [`FLOOR_OVER_CV`] x the pooled coefficient
//! of variation. The CV term keeps steady metrics (instruction counts, memory, a quiet CPU
//! loop) judged as before; a noisy one needs a change well past its warning. Where history
//! exists, its noise-aware thresholds (`noise.rs`) replace this; `check --interleaved` runs
//! both sides in one window and does not need it.

use crate::model::Direction;

/// The floor is at most this many times the warning threshold. Chosen on the recorded noise
/// (`bench/detection/pairs_rule.py`, same-vs-same pairs minutes apart, 5-60 runs per side,
/// 300 per cell), as the interval's lower end clearing a multiple of the warning: 1.4 x left
/// 2.0% false alarms in the worst cell (`io`, 10 runs), 1.5 x 1.0%, 1.6 x 0.7%.
pub const FLOOR_OVER_WARN: f64 = 1.6;
/// ... and at most this many times the pooled CV (in percent), so that steady metrics keep
/// their detection: with 1.6 x the warning, 4 x the CV raised 1.7% in the worst cell, 6 x
/// 1.0% (3 of 300), while loop's mean detection of +3..+20% rose from 41% to 46%.
pub const FLOOR_OVER_CV: f64 = 6.0;

/// What the floor is judged on, for one metric with an interval of its change.
pub struct Pair {
    pub direction: Direction,
    /// The warning threshold in force, in percent.
    pub warn_pct: f64,
    /// `current / baseline - 1` of the statistic, in percent.
    pub change_pct: f64,
    /// The 95% interval of the change, in percent of the baseline.
    pub ci95_pct: [f64; 2],
    /// Coefficients of variation of each side, as fractions (the summaries' `cv`).
    pub cv_baseline: f64,
    pub cv_current: f64,
    pub n_baseline: usize,
    pub n_current: usize,
}

impl Pair {
    /// The root mean square of the two sides' CVs, in percent.
    pub fn pooled_cv_pct(&self) -> f64 {
        ((self.cv_baseline.powi(2) + self.cv_current.powi(2)) / 2.0).sqrt() * 100.0
    }

    /// The worsening that the interval must clear, in percent of the baseline.
    pub fn floor_pct(&self) -> f64 {
        (FLOOR_OVER_WARN * self.warn_pct).min(FLOOR_OVER_CV * self.pooled_cv_pct())
    }

    /// The interval's bound nearest to no change, as a worsening (positive when the whole
    /// interval is worse).
    fn nearest_worsening(&self) -> f64 {
        match self.direction {
            Direction::LowerIsBetter => self.ci95_pct[0],
            Direction::HigherIsBetter => -self.ci95_pct[1],
        }
    }

    /// `None` when the interval clears the floor (the verdict stands), otherwise why the
    /// change is not called, in one line.
    pub fn not_called(&self) -> Option<String> {
        let floor = self.floor_pct();
        if self.nearest_worsening() > floor {
            return None;
        }
        let cv = self.pooled_cv_pct();
        let which = if FLOOR_OVER_WARN * self.warn_pct <= FLOOR_OVER_CV * cv {
            format!("{FLOOR_OVER_WARN} x the {}% warning", trim(self.warn_pct))
        } else {
            format!("{FLOOR_OVER_CV} x the CV")
        };
        Some(format!(
            "{:+.1}% is within the noise floor of \u{b1}{floor:.1}% for reports without history ({which}; CV {cv:.1}%, {} against {} runs): its 95% interval {:+.1}% .. {:+.1}% does not clear it; runs minutes apart differ this much on a noisy machine (gate with history, `--noise-aware`, or in one window, `check --interleaved`)",
            self.change_pct, self.n_current, self.n_baseline, self.ci95_pct[0], self.ci95_pct[1]
        ))
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(change: f64, ci: [f64; 2], cv: f64) -> Pair {
        Pair {
            direction: Direction::LowerIsBetter,
            warn_pct: 5.0,
            change_pct: change,
            ci95_pct: ci,
            cv_baseline: cv,
            cv_current: cv,
            n_baseline: 5,
            n_current: 5,
        }
    }

    #[test]
    fn the_floor_is_the_smaller_of_the_warning_and_the_cv_terms() {
        // CVs 3% and 4%: sqrt((9 + 16) / 2) = 3.5355% (numpy:
        // np.sqrt((0.03**2 + 0.04**2) / 2) * 100 = 3.5355339059327378); 6 x that = 21.2%,
        // above 1.6 x 5% = 8%, so the floor is 8%.
        let noisy = Pair {
            cv_baseline: 0.03,
            cv_current: 0.04,
            ..pair(9.0, [6.0, 12.0], 0.0)
        };
        assert!((noisy.pooled_cv_pct() - 3.535_533_905_932_737_8).abs() < 1e-9);
        assert!((noisy.floor_pct() - 8.0).abs() < 1e-12);
        // CV 0.5% on both sides: 6 x 0.5 = 3% < 8%.
        assert!((pair(9.0, [6.0, 12.0], 0.005).floor_pct() - 3.0).abs() < 1e-12);
    }

    #[test]
    fn a_noisy_change_whose_interval_does_not_clear_the_floor_is_not_called() {
        // The interval clears zero (today's test) but not 8%.
        let why = pair(9.0, [6.0, 12.0], 0.03).not_called().unwrap();
        assert!(
            why.starts_with("+9.0% is within the noise floor of \u{b1}8.0%"),
            "{why}"
        );
        assert!(why.contains("1.6 x the 5% warning"), "{why}");
        assert!(why.contains("CV 3.0%, 5 against 5 runs"), "{why}");
        assert!(why.contains("+6.0% .. +12.0%"), "{why}");
        // Clearing it, the verdict stands.
        assert_eq!(pair(12.0, [8.1, 15.0], 0.03).not_called(), None);
        // A steady metric: the same interval clears 6 x 0.5% = 3%.
        assert_eq!(pair(9.0, [6.0, 12.0], 0.005).not_called(), None);
        let why = pair(4.0, [2.5, 6.0], 0.005).not_called().unwrap();
        assert!(why.contains("6 x the CV"), "{why}");
    }

    #[test]
    fn higher_is_better_is_mirrored() {
        let throughput = |ci| Pair {
            direction: Direction::HigherIsBetter,
            ..pair(-9.0, ci, 0.03)
        };
        assert!(throughput([-12.0, -6.0]).not_called().is_some());
        assert_eq!(throughput([-15.0, -8.1]).not_called(), None);
    }
}
