//! GitHub Actions: the step summary and annotations (the workflow is in `workflow.rs`).
//!
//! Under Actions (`GITHUB_ACTIONS=true`), `compare` and `check` append their Markdown to the
//! file named by `GITHUB_STEP_SUMMARY` (the job's summary page) and print one `::error` or
//! `::warning` workflow command per critical or warning metric, which GitHub shows as
//! annotations on the run and the pull request.

use std::io::Write;
use std::path::Path;

use crate::gate::{Comparison, MetricComparison, Verdict};
use crate::render::human::{format_pct, format_value};
use crate::render::markdown;

/// Whether we run under GitHub Actions.
pub fn active() -> bool {
    std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// Appends the comparison's Markdown to the step summary file, when there is one.
pub fn append_step_summary(c: &Comparison) -> std::io::Result<()> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") else {
        return Ok(());
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(Path::new(&path))?;
    let mut text = markdown::comparison_markdown(c);
    text.push('\n');
    f.write_all(text.as_bytes())
}

/// One workflow command per critical/failed (`::error`) and warning (`::warning`) metric.
pub fn annotations(c: &Comparison) -> String {
    let mut out = String::new();
    for m in &c.metrics {
        let level = match m.status {
            Verdict::Critical | Verdict::Failed => "error",
            Verdict::Warning => "warning",
            _ => continue,
        };
        let title = format!(
            "perfgate: {} {} {}",
            m.benchmark,
            m.metric,
            m.status.as_str()
        );
        out.push_str(&format!(
            "::{level} title={}::{}\n",
            escape_property(&title),
            escape_data(&message(m))
        ));
    }
    out
}

fn message(m: &MetricComparison) -> String {
    let value = |v: Option<f64>| v.map_or("-".to_string(), |v| format_value(v, &m.unit));
    let mut text = format!(
        "{}.{}: {} -> {}",
        m.benchmark,
        m.metric,
        value(m.baseline),
        value(m.current)
    );
    if let Some(p) = m.change_pct {
        text.push_str(&format!(" ({})", format_pct(p)));
    }
    if m.change_ci95_pct.is_some() {
        text.push_str(&format!(
            ", shift (95% CI) {}",
            crate::render::human::shift_with_ci(m)
        ));
    }
    if !m.rule.is_empty() {
        text.push_str(&format!("; rule: {}", m.rule));
    }
    if let Some(r) = &m.reason {
        text.push_str(&format!("; {r}"));
    }
    text
}

/// Workflow command data: `%`, CR and LF are encoded, so a name cannot end the command or
/// start another one.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow command properties: also `:` and `,`, which delimit them.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_text_cannot_break_out() {
        assert_eq!(escape_data("50% a\nb\r"), "50%25 a%0Ab%0D");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
