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
        check(&opts, "[detect] ")?;
        Ok(opts)
    }
}

/// The largest `window`: a step is judged by at most this many points on each side.
pub const MAX_WINDOW: usize = 10_000;

/// Checks `alpha`, `min_change_pct` and `window`; `prefix` says where they came from in the
/// error (`[detect] ` in the config, empty for the command line).
pub fn check(opts: &DetectOptions, prefix: &str) -> Result<(), String> {
    if !(opts.alpha > 0.0 && opts.alpha < 1.0) {
        return Err(format!(
            "{prefix}alpha = {}: must be above 0 and below 1 (e.g. 0.01)",
            opts.alpha
        ));
    }
    if !(opts.min_change_pct.is_finite() && opts.min_change_pct >= 0.0) {
        return Err(format!(
            "{prefix}min_change_pct = {}: must be a percentage of 0 or more",
            opts.min_change_pct
        ));
    }
    if !(opts.min_segment..=MAX_WINDOW).contains(&opts.window) {
        return Err(format!(
            "{prefix}window = {}: must be {} to {MAX_WINDOW} points",
            opts.window, opts.min_segment
        ));
    }
    Ok(())
}
