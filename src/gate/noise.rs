//! Noise-aware thresholds: a metric's own run-to-run spread on this machine, from its
//! recorded history, sets its default thresholds. A metric whose medians vary 8% from run to
//! run does not alarm at 5%; a steady one alarms at 2%. Explicit rules (config, baseline
//! file, `--threshold-pct`) always win.
//!
//! The spread is the range of the recorded medians: a warning is a change beyond 1.25 x what
//! the last runs ranged over, critical twice that. Chosen by measurement on the recorded noise
//! of `bench/detection` (`noise_rules.py`: same-vs-same pairs minutes apart, 5-60 runs per
//! side, warnings counted): the first version (critical at 3 x the robust spread 1.4826 x MAD,
//! warning half) raised 18% false alarms, because timing noise comes in phases that a robust
//! spread ignores and a comparison then meets; 2.5 x sqrt(2) x that spread 3.8%; the same on
//! the standard deviation 1.2%; the range 1.2%; 1.25 x the range 0.3%, still catching 54% of
//! +3..+20% slowdowns (the fixed 5%/10% defaults: 2.8%, 63%). One wild run widens the
//! threshold until it leaves the window: fewer alarms, never more.
//!
//! Only runs whose gate accepted the metric measure noise: a recorded run whose metric a gate
//! judged `critical` (or whose benchmark failed) is left out; it stays in history, marked.
//! Otherwise a regression that failed the gate would widen the threshold it is judged by, and
//! the same regression would pass the next check. Warnings and improvements stay in: they did
//! not block, and on a noisy machine most of them are the machine's phases (judged against the
//! fixed defaults while the history is short), which is exactly the noise to measure; leaving
//! them out biased the spread low and kept the 5% defaults in force on noisy metrics.

use crate::stats::median;

/// At least this many recorded runs before the history is trusted over the defaults.
pub const MIN_HISTORY: usize = 5;
/// A warning beyond this many times the recent range, critical twice the warning.
const RANGE_MARGIN: f64 = 1.25;
const FAIL_OVER_WARN: f64 = 2.0;
/// Never below (a steady metric still needs a real change) or above these (%).
const FLOOR_WARN_PCT: f64 = 1.0;
const FLOOR_PCT: f64 = 2.0;
const CEILING_PCT: f64 = 50.0;

#[derive(Debug, Clone, PartialEq)]
pub struct NoiseRule {
    pub warn_pct: f64,
    pub fail_pct: f64,
    /// Why, in words, for the comparison's `rule` column.
    pub why: String,
}

/// Whether a recorded point may measure noise, given the verdict a gate gave its metric in
/// that run (`None`: recorded without a gate).
pub fn measures_noise(verdict: Option<&str>) -> bool {
    !matches!(verdict, Some("critical" | "failed"))
}

/// The rule for a metric whose recorded medians are `medians` (any order). `None` with
/// fewer than [`MIN_HISTORY`] runs or a non-positive level.
pub fn noise_rule(medians: &[f64]) -> Option<NoiseRule> {
    if medians.len() < MIN_HISTORY || !medians.iter().all(|m| m.is_finite()) {
        return None;
    }
    let mut sorted = medians.to_vec();
    sorted.sort_by(f64::total_cmp);
    let level = median(&sorted);
    if level <= 0.0 {
        return None;
    }
    let range_pct = (sorted[sorted.len() - 1] - sorted[0]) / level * 100.0;
    let warn = RANGE_MARGIN * range_pct;
    let fail_pct = (FAIL_OVER_WARN * warn).clamp(FLOOR_PCT, CEILING_PCT);
    let warn_pct = warn.clamp(FLOOR_WARN_PCT, fail_pct);
    Some(NoiseRule {
        warn_pct,
        fail_pct,
        why: format!(
            "noise-aware: the last {} runs here ranged over {range_pct:.1}%; warning beyond {RANGE_MARGIN} x that, critical twice the warning, within {FLOOR_PCT}%..{CEILING_PCT}%",
            medians.len()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_noisy_metric_gets_a_wider_threshold_and_a_steady_one_the_floor() {
        // Medians 0.92 / 1.00 / 1.08: range 16% of the median; warning 20%, critical 40%.
        let noisy = [0.92, 1.0, 1.08, 0.92, 1.0, 1.08, 1.0];
        let r = noise_rule(&noisy).unwrap();
        assert!((r.warn_pct - 20.0).abs() < 1e-9, "{r:?}");
        assert!((r.fail_pct - 40.0).abs() < 1e-9, "{r:?}");
        assert!(r.why.contains("ranged over 16.0%"), "{}", r.why);
        // Range 30%: warning 37.5%, critical capped at 50%.
        let wide = [0.85, 1.0, 1.15, 1.0, 1.0];
        let r = noise_rule(&wide).unwrap();
        assert!((r.warn_pct - 37.5).abs() < 1e-9, "{r:?}");
        assert_eq!(r.fail_pct, CEILING_PCT);
        let steady = [1.0, 1.001, 0.999, 1.0, 1.002, 0.998];
        let r = noise_rule(&steady).unwrap();
        assert_eq!((r.warn_pct, r.fail_pct), (FLOOR_WARN_PCT, FLOOR_PCT));
        // One wild run widens it (until it leaves the window): fewer alarms, never more.
        let spiky = [1.0, 1.001, 0.999, 1.0, 1.002, 1.1];
        assert!(noise_rule(&spiky).unwrap().warn_pct > 12.0);
        assert_eq!(noise_rule(&[1.0, 1.0, 1.0, 1.0]), None);
        assert_eq!(noise_rule(&[0.0; 6]), None);
    }

    #[test]
    fn points_that_failed_the_gate_do_not_measure_noise() {
        let kept = ["stable", "inconclusive", "new", "warning", "improved"];
        for verdict in kept.map(Some).into_iter().chain([None]) {
            assert!(measures_noise(verdict), "{verdict:?}");
        }
        for left_out in ["critical", "failed"] {
            assert!(!measures_noise(Some(left_out)), "{left_out}");
        }
    }
}
