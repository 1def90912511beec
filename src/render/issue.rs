//! The body of a GitHub issue for critical regressions, for
//! `gh issue create --title "$(head -1 body.md | sed 's/^# //')" --body-file body.md`:
//! a title line, the critical metrics, the commit range, and how to reproduce.

use super::human::{format_pct, format_value};
use super::markdown::escape;
use crate::gate::{Comparison, Verdict};

/// `None` when nothing is critical (there is no issue to open).
pub fn issue_body(c: &Comparison, reproduce: &str) -> Option<String> {
    let critical: Vec<_> = c
        .metrics
        .iter()
        .filter(|m| matches!(m.status, Verdict::Critical | Verdict::Failed))
        .collect();
    if critical.is_empty() {
        return None;
    }
    let mut out = format!(
        "# Performance regression in `{}`: {} critical metric{}\n\n",
        c.suite.replace('`', "'"),
        critical.len(),
        if critical.len() == 1 { "" } else { "s" }
    );
    let commit = |c: &Option<String>| {
        c.as_deref().map_or("(unknown)".to_string(), |h| {
            format!("`{}`", h.get(..12).unwrap_or(h))
        })
    };
    out.push_str(&format!(
        "Between {} (baseline, {}) and {} (current, {}), on machine `{}`{}:\n\n",
        commit(&c.baseline.commit),
        escape(&c.baseline.timestamp_utc),
        commit(&c.current.commit),
        escape(&c.current.timestamp_utc),
        c.current.machine_id.replace('`', "'"),
        testbed_of(c.current.testbed(), &c.current.machine_id)
    ));
    out.push_str("| benchmark | metric | baseline | current | change | shift (95% CI) | rule |\n|---|---|--:|--:|--:|--:|---|\n");
    for m in &critical {
        let value = |v: Option<f64>| v.map_or("-".to_string(), |v| format_value(v, &m.unit));
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            escape(&m.benchmark),
            escape(&m.metric),
            value(m.baseline),
            value(m.current),
            m.change_pct.map_or("-".to_string(), format_pct),
            super::human::shift_with_ci(m),
            escape(&m.rule)
        ));
    }
    if let (Some(b), Some(cur)) = (&c.baseline.commit, &c.current.commit) {
        out.push_str(&format!(
            "\nCommits in range: `git log --oneline {}..{}`\n",
            b.get(..12).unwrap_or(b),
            cur.get(..12).unwrap_or(cur)
        ));
    }
    out.push_str(&format!(
        "\n## Reproduce\n\n```sh\n{}\n```\n\nOpened from perfgate's comparison of {}.\n",
        reproduce.replace("```", "'''"),
        escape(&c.timestamp_utc)
    ));
    Some(out)
}

/// For a report with no baseline, an issue only when benchmarks failed to run (there is no
/// regression without a baseline); `None` otherwise.
pub fn failed_benchmarks_issue(r: &crate::model::Report, reproduce: &str) -> Option<String> {
    let failed: Vec<_> = r
        .benchmarks
        .iter()
        .filter(|b| b.status == crate::model::BenchStatus::Failed)
        .collect();
    if failed.is_empty() {
        return None;
    }
    let mut out = format!(
        "# Benchmarks failed in `{}`: {} of {}\n\n",
        r.suite.replace('`', "'"),
        failed.len(),
        r.benchmarks.len()
    );
    let at = match &r.git {
        Some(g) => format!(
            "commit `{}` ({})",
            g.commit.get(..12).unwrap_or(&g.commit),
            escape(&r.timestamp_utc)
        ),
        None => escape(&r.timestamp_utc),
    };
    out.push_str(&format!(
        "At {at}, on machine `{}`{}:\n\n| benchmark | reason |\n|---|---|\n",
        r.machine.id.replace('`', "'"),
        testbed_of(r.testbed(), &r.machine.id)
    ));
    for b in &failed {
        out.push_str(&format!(
            "| {} | {} |\n",
            escape(&b.name),
            escape(b.reason.as_deref().unwrap_or("failed"))
        ));
    }
    out.push_str(&format!(
        "\n## Reproduce\n\n```sh\n{}\n```\n\nOpened from perfgate's report of {}.\n",
        reproduce.replace("```", "'''"),
        escape(&r.timestamp_utc)
    ));
    Some(out)
}

/// ` (testbed `NAME`)` when the testbed is named, not the machine itself.
fn testbed_of(testbed: &str, machine_id: &str) -> String {
    if testbed == machine_id {
        String::new()
    } else {
        format!(" (testbed `{}`)", testbed.replace('`', "'"))
    }
}
