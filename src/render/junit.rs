//! A comparison as JUnit XML: one test case per benchmark metric (class = benchmark, name =
//! metric), a `<failure>` for `critical` and `failed`, `<skipped>` for `missing`, so CI systems
//! that show JUnit show regressions. Warnings pass, with the change in `system-out`.

use super::human::{format_pct, format_value, shift_with_ci};
use crate::gate::{Comparison, MetricComparison, Verdict};

pub fn comparison_junit(c: &Comparison) -> String {
    let failures = c
        .metrics
        .iter()
        .filter(|m| matches!(m.status, Verdict::Critical | Verdict::Failed))
        .count();
    let skipped = c
        .metrics
        .iter()
        .filter(|m| m.status == Verdict::Missing)
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"perfgate\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n",
        c.metrics.len()
    ));
    out.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" timestamp=\"{}\">\n",
        attr(&c.suite),
        c.metrics.len(),
        attr(&c.timestamp_utc)
    ));
    out.push_str("    <properties>\n");
    for (name, value) in [
        ("overall_status", c.overall_status.as_str().to_string()),
        (
            "baseline_commit",
            c.baseline.commit.clone().unwrap_or_default(),
        ),
        (
            "current_commit",
            c.current.commit.clone().unwrap_or_default(),
        ),
        ("machine_id", c.current.machine_id.clone()),
    ] {
        out.push_str(&format!(
            "      <property name=\"{name}\" value=\"{}\"/>\n",
            attr(&value)
        ));
    }
    out.push_str("    </properties>\n");
    for m in &c.metrics {
        out.push_str(&testcase(m));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn testcase(m: &MetricComparison) -> String {
    let summary = summary(m);
    let mut out = format!(
        "    <testcase classname=\"{}\" name=\"{}\" time=\"0\">\n",
        attr(&m.benchmark),
        attr(&m.metric)
    );
    match m.status {
        Verdict::Critical | Verdict::Failed => out.push_str(&format!(
            "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
            m.status.as_str(),
            attr(&summary),
            text(&details(m))
        )),
        Verdict::Missing => out.push_str(&format!(
            "      <skipped message=\"{}\"/>\n",
            attr(&summary)
        )),
        _ => {}
    }
    out.push_str(&format!(
        "      <system-out>{}</system-out>\n    </testcase>\n",
        text(&details(m))
    ));
    out
}

fn summary(m: &MetricComparison) -> String {
    let mut s = m.status.as_str().to_string();
    if let Some(p) = m.change_pct {
        s.push_str(&format!(": {}", format_pct(p)));
    }
    if let Some(r) = &m.reason {
        s.push_str(&format!(" ({r})"));
    }
    s
}

fn details(m: &MetricComparison) -> String {
    let value = |v: Option<f64>| v.map_or("-".to_string(), |v| format_value(v, &m.unit));
    let mut s = format!(
        "{} {}: baseline {}, current {}",
        m.benchmark,
        m.metric,
        value(m.baseline),
        value(m.current)
    );
    if let Some(p) = m.change_pct {
        s.push_str(&format!(", change {}", format_pct(p)));
    }
    if m.change_ci95_pct.is_some() {
        s.push_str(&format!("; shift (95% CI) {}", shift_with_ci(m)));
    }
    s.push_str(&format!("; verdict {}", m.status.as_str()));
    if !m.rule.is_empty() {
        s.push_str(&format!("; rule {}", m.rule));
    }
    s
}

/// XML text content: markup characters escaped, and characters XML 1.0 cannot hold dropped.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// An XML attribute value (in double quotes).
pub fn attr(s: &str) -> String {
    text(s)
        .replace('"', "&quot;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_names_stays_text() {
        assert_eq!(attr("<a href=\"x\">&"), "&lt;a href=&quot;x&quot;&gt;&amp;");
        assert_eq!(text("a\u{1}b\nc"), "ab\nc");
    }
}
