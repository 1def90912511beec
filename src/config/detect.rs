//! `[detect]`: how change points are found in recorded history, by `perfgate detect`, the
//! dashboard and `report --format md`. `detect`'s `--alpha`, `--min-change` and `--window`
//! override it.

use serde::Deserialize;

use crate::stats::changepoint::DetectOptions;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDetect {
    alpha: Option<f64>,
    min_change_pct: Option<f64>,
    window: Option<usize>,
}

impl RawDetect {
    /// The options, the defaults where unset; an error names the key.
    pub(super) fn resolve(self) -> Result<DetectOptions, String> {
        let defaults = DetectOptions::default();
        let opts = DetectOptions {
            alpha: self.alpha.unwrap_or(defaults.alpha),
            min_change_pct: self.min_change_pct.unwrap_or(defaults.min_change_pct),
            window: self.window.unwrap_or(defaults.window),
            ..defaults
        };
        check(&opts).map_err(|e| format!("[detect] {} = {}: must {}", e.key, e.value, e.must))?;
        Ok(opts)
    }
}

/// The largest `window`: a step is judged by at most this many points on each side.
pub const MAX_WINDOW: usize = 10_000;

/// An option out of its range: which one, the value given, and what it must be.
#[derive(Debug, Clone, PartialEq)]
pub struct OutOfRange {
    /// `alpha`, `min_change_pct` or `window`, as in `[detect]`.
    pub key: &'static str,
    pub value: String,
    pub must: String,
}

/// Checks `alpha`, `min_change_pct` and `window`.
pub fn check(opts: &DetectOptions) -> Result<(), OutOfRange> {
    let out = |key, value: &dyn std::fmt::Display, must: String| {
        Err(OutOfRange {
            key,
            value: value.to_string(),
            must,
        })
    };
    if !(opts.alpha > 0.0 && opts.alpha < 1.0) {
        return out(
            "alpha",
            &opts.alpha,
            "be above 0 and below 1 (e.g. 0.01)".into(),
        );
    }
    if !(opts.min_change_pct.is_finite() && opts.min_change_pct >= 0.0) {
        return out(
            "min_change_pct",
            &opts.min_change_pct,
            "be a percentage of 0 or more".into(),
        );
    }
    if !(opts.min_segment..=MAX_WINDOW).contains(&opts.window) {
        return out(
            "window",
            &opts.window,
            format!("be {} to {MAX_WINDOW} points", opts.min_segment),
        );
    }
    Ok(())
}
