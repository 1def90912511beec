//! The one place where every adapter's output is checked before it becomes a report: values
//! finite after unit conversion (`1e308 GB` is not a measurement), times, memory, counts and
//! rates not negative, and each benchmark named once. Adapters parse; this decides what is
//! a measurement, so no adapter can let a bad value through.

use std::collections::HashSet;

use super::{IngestError, Parsed, ParsedMetric};

/// Checks `parsed` (from `format`, read from `input`); the error names the adapter, the
/// benchmark, the metric and the value.
pub fn check(parsed: &Parsed, format: &'static str, input: &str) -> Result<(), IngestError> {
    let fail = |place: String, message: String| IngestError {
        input: input.to_string(),
        format,
        place: Some(place),
        message,
    };
    let mut names = HashSet::new();
    for b in &parsed.benchmarks {
        if !names.insert(b.name.as_str()) {
            return Err(fail(
                format!("benchmark `{}`", b.name),
                "appears twice: each benchmark must be named once (results would be merged or overwritten)".into(),
            ));
        }
        for m in &b.metrics {
            if let Some((what, value)) = bad_value(m) {
                return Err(fail(
                    format!("benchmark `{}` metric `{}`", b.name, m.name),
                    format!(
                        "{what} {value} {} is not a measurement{}",
                        m.unit,
                        why(value)
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn why(value: f64) -> &'static str {
    if value.is_finite() {
        " (negative)"
    } else {
        " (not finite: out of range after unit conversion?)"
    }
}

/// The first value of `m` that is not finite, or negative where its unit cannot be.
fn bad_value(m: &ParsedMetric) -> Option<(&'static str, f64)> {
    let e = &m.estimate;
    let estimates = [
        ("value", e.central),
        ("mean", e.mean),
        ("median", e.median),
        ("min", e.min),
        ("max", e.max),
        ("stddev", e.stddev),
    ];
    let interval = e.ci95.into_iter().flatten().map(|v| ("interval bound", v));
    let values = m
        .samples
        .iter()
        .map(|v| ("sample", *v))
        .chain(estimates.into_iter().filter_map(|(w, v)| Some((w, v?))))
        .chain(interval);
    let no_negatives = m.unit.never_negative();
    values
        .into_iter()
        .find(|(_, v)| !v.is_finite() || (no_negatives && *v < 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::ParsedBench;
    use crate::model::{Direction, Unit};

    fn parsed(metrics: Vec<(&str, ParsedMetric)>) -> Parsed {
        Parsed {
            benchmarks: metrics
                .into_iter()
                .map(|(name, m)| {
                    let mut b = ParsedBench::new(name);
                    b.metrics.push(m);
                    b
                })
                .collect(),
            ..Default::default()
        }
    }

    fn samples(unit: &str, values: &[f64]) -> ParsedMetric {
        let mut m = ParsedMetric::new("m", unit.into(), Direction::LowerIsBetter);
        m.samples = values.to_vec();
        m
    }

    #[test]
    fn infinite_negative_and_repeated_values_are_refused_with_the_benchmark_named() {
        let inf = parsed(vec![(
            "b",
            ParsedMetric::point("m", Unit::BYTES, Direction::LowerIsBetter, f64::INFINITY),
        )]);
        let e = check(&inf, "json", "in.json").unwrap_err().to_string();
        assert_eq!(
            e,
            "in.json: json: benchmark `b` metric `m`: value inf bytes is not a measurement (not finite: out of range after unit conversion?)"
        );
        let negative = parsed(vec![("b", samples("s", &[0.1, -0.2]))]);
        let e = check(&negative, "hyperfine", "h.json")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("sample -0.2 s is not a measurement (negative)"),
            "{e}"
        );
        let rate = parsed(vec![("b", samples("ops/s", &[-1.0]))]);
        assert!(check(&rate, "gbench", "g").is_err());
        let twice = parsed(vec![
            ("b", samples("s", &[0.1])),
            ("b", samples("s", &[0.2])),
        ]);
        let e = check(&twice, "json", "in").unwrap_err().to_string();
        assert!(e.contains("benchmark `b`: appears twice"), "{e}");
    }

    #[test]
    fn custom_units_may_be_negative_and_good_values_pass() {
        let ok = parsed(vec![
            ("loss", samples("ratio", &[-0.5, 0.25])),
            ("t", samples("s", &[0.0, 0.1])),
        ]);
        assert_eq!(check(&ok, "json", "in"), Ok(()));
        let nan = parsed(vec![("loss", samples("ratio", &[f64::NAN]))]);
        assert!(check(&nan, "json", "in").is_err());
    }
}
