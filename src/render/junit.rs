//! A comparison as JUnit XML: one test case per benchmark metric (class = benchmark, name =
//! metric), a `<failure>` for `critical` and `failed`, `<skipped>` for `missing`, so CI systems
//! that show JUnit show regressions. Warnings pass, with the change in `system-out`. A report
//! without a baseline: one test case per benchmark, failed when the benchmark failed.

use super::human::{format_pct, format_value, shift_with_ci};
use crate::gate::{Comparison, MetricComparison, Verdict};
use crate::model::{metric_names, BenchStatus, Report};

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
        ("testbed", c.current.testbed().to_string()),
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

/// A report with no baseline: one test case per benchmark (class = suite, name = benchmark),
/// a `<failure>` when it failed to run, `<skipped>` when it was skipped; its metrics in
/// `system-out`, and its measured time (the sum of its wall times) as the case's time.
pub fn report_junit(r: &Report) -> String {
    let count = |s: BenchStatus| r.benchmarks.iter().filter(|b| b.status == s).count();
    let (failures, skipped) = (count(BenchStatus::Failed), count(BenchStatus::Skipped));
    let n = r.benchmarks.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"perfgate\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n"
    ));
    out.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" timestamp=\"{}\">\n    <properties>\n",
        attr(&r.suite),
        attr(&r.timestamp_utc)
    ));
    for (name, value) in [
        (
            "commit",
            r.git.as_ref().map(|g| g.commit.clone()).unwrap_or_default(),
        ),
        ("machine_id", r.machine.id.clone()),
        ("testbed", r.testbed().to_string()),
    ] {
        out.push_str(&format!(
            "      <property name=\"{name}\" value=\"{}\"/>\n",
            attr(&value)
        ));
    }
    out.push_str("    </properties>\n");
    for b in &r.benchmarks {
        let time: f64 = b
            .metric(metric_names::WALL_TIME)
            .map_or(0.0, |m| m.samples.iter().sum());
        out.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{time:.3}\">\n",
            attr(&r.suite),
            attr(&b.name)
        ));
        let reason = b.reason.as_deref().unwrap_or("");
        match b.status {
            BenchStatus::Failed => out.push_str(&format!(
                "      <failure type=\"failed\" message=\"{}\">{}</failure>\n",
                attr(reason),
                text(reason)
            )),
            BenchStatus::Skipped => {
                out.push_str(&format!("      <skipped message=\"{}\"/>\n", attr(reason)));
            }
            BenchStatus::Ok => {}
        }
        let metrics: Vec<String> = b
            .metrics
            .iter()
            .map(|m| {
                let v = |x: f64| format_value(x, &m.unit);
                format!(
                    "{}: median {}, mean {} \u{00B1} {}, min {}, max {}, {} runs",
                    m.name,
                    v(m.summary.median),
                    v(m.summary.mean),
                    v(m.summary.stddev),
                    v(m.summary.min),
                    v(m.summary.max),
                    m.summary.n
                )
            })
            .collect();
        if !metrics.is_empty() {
            out.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                text(&metrics.join("\n"))
            ));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
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
