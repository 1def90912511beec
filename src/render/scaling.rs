//! The scaling fits of a report's parameter sweeps as a Markdown table.

use crate::gate::Comparison;
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

/// `report --scaling`: the table of fits (or why there is none), then the comparison's
/// verdicts on the fitted complexities when there is a comparison.
pub fn report(entries: &[ScalingEntry], comparison: Option<&Comparison>) -> String {
    let mut text = if entries.is_empty() {
        "no parameter sweep with 3 or more numeric sizes in this report\n".to_string()
    } else {
        table(entries)
    };
    if let Some(c) = comparison {
        for m in c
            .metrics
            .iter()
            .filter(|m| m.metric.starts_with("scaling("))
        {
            text.push_str(&format!(
                "\n{} {}: {} ({})",
                m.benchmark,
                m.metric,
                m.status.as_str(),
                m.reason.as_deref().unwrap_or("")
            ));
        }
        text.push('\n');
    }
    text
}
