//! The scaling fits of a report's parameter sweeps as a Markdown table.

use crate::model::scaling::ScalingEntry;
use crate::render::markdown::escape;

/// A Markdown table of the fits.
pub fn table(entries: &[ScalingEntry]) -> String {
    let mut out = String::from(
        "| benchmark | metric | vs | complexity | exponent | R\u{b2} | points |\n|---|---|---|---|--:|--:|--:|\n",
    );
    for e in entries {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.2} | {:.3} | {} |\n",
            escape(&e.benchmark),
            escape(&e.metric),
            escape(&e.parameter),
            e.fit.complexity.as_str(),
            e.fit.exponent,
            e.fit.r_squared,
            e.fit.points
        ));
    }
    out
}
