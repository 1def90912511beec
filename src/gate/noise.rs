//! Noise-aware thresholds: a metric's own run-to-run spread on this machine, from its
//! recorded history, sets its default thresholds. A metric whose medians vary 8% from run to
//! run does not alarm at 5%; a steady one alarms at 2%. Explicit rules (config, baseline
//! file, `--threshold-pct`) always win.

use crate::stats::{mad, median};

/// At least this many recorded runs before the history is trusted over the defaults.
pub const MIN_HISTORY: usize = 5;
/// Critical at this many robust standard deviations of the run-to-run spread...
const SIGMAS: f64 = 3.0;
/// ... but never below (a steady metric still needs a real change) or above these (%).
const FLOOR_PCT: f64 = 2.0;
const CEILING_PCT: f64 = 50.0;

#[derive(Debug, Clone, PartialEq)]
pub struct NoiseRule {
    pub warn_pct: f64,
    pub fail_pct: f64,
    /// Why, in words, for the comparison's `rule` column.
    pub why: String,
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
    // 1.4826 x MAD estimates the standard deviation of normal data, and ignores a spike.
    let spread_pct = 1.4826 * mad(&sorted) / level * 100.0;
    let fail_pct = (SIGMAS * spread_pct).clamp(FLOOR_PCT, CEILING_PCT);
    Some(NoiseRule {
        warn_pct: fail_pct / 2.0,
        fail_pct,
        why: format!(
            "noise-aware: run-to-run spread {spread_pct:.1}% over the last {} runs here (1.4826 x MAD of medians), critical at {SIGMAS} x spread, within {FLOOR_PCT}%..{CEILING_PCT}%",
            medians.len()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_noisy_metric_gets_a_wider_threshold_and_a_steady_one_the_floor() {
        // Medians alternating 0.92 / 1.00 / 1.08: MAD 0.08 -> spread 11.86%, critical 35.6%.
        let noisy = [0.92, 1.0, 1.08, 0.92, 1.0, 1.08, 1.0];
        let r = noise_rule(&noisy).unwrap();
        assert!((r.fail_pct - 3.0 * 1.4826 * 8.0).abs() < 1e-9, "{r:?}");
        assert_eq!(r.warn_pct, r.fail_pct / 2.0);
        let steady = [1.0, 1.001, 0.999, 1.0, 1.002, 0.998];
        assert_eq!(noise_rule(&steady).unwrap().fail_pct, FLOOR_PCT);
        // One wild run does not widen it (robust spread).
        let spiky = [1.0, 1.001, 0.999, 1.0, 1.002, 5.0];
        assert_eq!(noise_rule(&spiky).unwrap().fail_pct, FLOOR_PCT);
        assert_eq!(noise_rule(&[1.0, 1.0, 1.0, 1.0]), None);
        assert_eq!(noise_rule(&[0.0; 6]), None);
    }
}
