//! `json`: perfgate's own report, and the generic format for anyone's custom metrics:
//!
//! ```json
//! { "parse/small": { "time": { "value": 0.0012, "unit": "s", "samples": [0.0011, 0.0013] },
//!                    "accuracy": { "value": 0.9987, "unit": "ratio", "direction": "higher" } } }
//! ```
//!
//! `value` (or `samples`, or both) and `unit` are required. Time units (`ns`, `µs`, `us`,
//! `ms`, `s`) become seconds and byte units bytes; any other unit is kept as written. The
//! direction is `lower` (or `lower_is_better`) by default, `higher` for rates (`.../s`).

use super::generic::{self, Fields, Samples};
use super::{text, units, Adapter, IngestError, Input, Parsed, ParsedBench, ParsedMetric};
use crate::model::{Direction, Unit};

pub struct Json;

const NAME: &str = "json";

impl Adapter for Json {
    fn name(&self) -> &'static str {
        NAME
    }

    /// The generic format is the user's own data: each sample is taken to be a process run.
    fn samples_are_processes(&self) -> bool {
        true
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        let text = text::text(input, NAME)?;
        let doc = generic::parse(text).map_err(|e| IngestError {
            input: input.name(),
            format: NAME,
            place: Some(format!("line {} column {}", e.line(), e.column())),
            message: format!("not JSON: {e}"),
        })?;
        if !doc.is_object {
            return Err(text::whole(
                input,
                NAME,
                "the top level is not a JSON object",
            ));
        }
        let has = |key: &str| doc.benches.iter().any(|(name, _)| name == key);
        if has("schema_version") && has("benchmarks") {
            let report =
                crate::model::file::parse_report(text).map_err(|m| text::whole(input, NAME, m))?;
            return Ok(Parsed {
                report: Some(Box::new(report)),
                ..Parsed::default()
            });
        }
        // In key order, as ever: the first problem reported is the same for any key order.
        let mut benches = doc.benches;
        benches.sort_by(|a, b| a.0.cmp(&b.0));
        let mut parsed = Parsed::default();
        for (bench_name, metrics) in benches {
            let Some(mut metrics) = metrics else {
                return Err(at(input, &bench_name, "not an object of metrics"));
            };
            metrics.sort_by(|a, b| a.0.cmp(&b.0));
            let mut bench = ParsedBench::new(bench_name.clone());
            for (metric_name, fields) in metrics {
                let place = format!("{bench_name}.{metric_name}");
                bench
                    .metrics
                    .push(metric(input, &place, metric_name, fields)?);
            }
            parsed.benchmarks.push(bench);
        }
        Ok(parsed)
    }
}

fn at(input: &Input, place: &str, message: &str) -> IngestError {
    IngestError::at(input, NAME, place, message)
}

fn metric(
    input: &Input,
    place: &str,
    name: String,
    fields: Option<Fields>,
) -> Result<ParsedMetric, IngestError> {
    let Some(fields) = fields else {
        return Err(at(input, place, "not an object with `value` and `unit`"));
    };
    if let Some(unknown) = fields.unknown.iter().min() {
        return Err(at(
            input,
            place,
            &format!("unknown field `{unknown}` (known: value, unit, direction, samples)"),
        ));
    }
    let unit = fields
        .unit
        .flatten()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| at(input, place, "`unit` is missing or not a string"))?;
    let (factor, si_unit) = si(&unit);
    let direction = direction(fields.direction, &si_unit).ok_or_else(|| {
        at(
            input,
            &format!("{place}.direction"),
            "must be `lower` or `higher`",
        )
    })?;
    let mut metric = ParsedMetric::new(name, si_unit, direction);
    if let Some(v) = fields.value {
        let v = v
            .filter(|x| x.is_finite())
            .ok_or_else(|| at(input, &format!("{place}.value"), "not a finite number"))?;
        metric.estimate.central = Some(scale(v, factor));
    }
    if let Some(samples) = fields.samples {
        metric.samples = scaled_samples(samples, factor)
            .map_err(|(field, message)| at(input, &format!("{place}.{field}"), message))?;
    }
    if metric.estimate.central.is_none() && metric.samples.is_empty() {
        return Err(at(input, place, "needs a `value` or non-empty `samples`"));
    }
    Ok(metric)
}

/// The direction as given (`None` when it is neither way), or by default lower, higher for
/// a rate.
fn direction(given: Option<Option<String>>, unit: &Unit) -> Option<Direction> {
    match given.as_ref().map(|d| d.as_deref()) {
        None => Some(match unit {
            Unit::PerSecond(_) => Direction::HigherIsBetter,
            _ => Direction::LowerIsBetter,
        }),
        Some(Some("lower" | "lower_is_better")) => Some(Direction::LowerIsBetter),
        Some(Some("higher" | "higher_is_better")) => Some(Direction::HigherIsBetter),
        Some(_) => None,
    }
}

/// The samples in base units, or (the field at fault, why).
fn scaled_samples(samples: Samples, factor: f64) -> Result<Vec<f64>, (String, &'static str)> {
    let not_finite = |i: usize| (format!("samples[{i}]"), "not a finite number");
    match samples {
        Samples::NotArray => Err(("samples".into(), "not an array of numbers")),
        Samples::NotNumberAt(i) => Err(not_finite(i)),
        Samples::Values(mut values) => {
            // In place: the samples are the bulk of a large file.
            for (i, x) in values.iter_mut().enumerate() {
                if !x.is_finite() {
                    return Err(not_finite(i));
                }
                *x = scale(*x, factor);
            }
            Ok(values)
        }
    }
}

/// (factor, SI unit) for a unit given in the generic format.
fn si(unit: &str) -> (f64, Unit) {
    if let Some(f) = units::seconds_per(unit) {
        return (f, Unit::SECONDS);
    }
    if let Some(f) = units::bytes_per(unit) {
        return (f, Unit::BYTES);
    }
    if let Some((f, u)) = units::rate(unit) {
        return (f, u);
    }
    (1.0, Unit::from(unit))
}

/// `x` in a unit worth `factor` base units. Sub-units divide by the exact power
/// (`1.5 ms` -> `1.5 / 1000`), one correctly rounded operation, like the text adapters.
fn scale(x: f64, factor: f64) -> f64 {
    if factor < 1.0 {
        x / (1.0 / factor).round()
    } else {
        x * factor
    }
}
