//! `bmf`: the Bencher Metric Format, the JSON that Bencher's adapters produce and that
//! `perfgate report --format bmf` writes (so that history moves between Bencher and perfgate
//! either way):
//!
//! ```json
//! { "parse/small": { "latency": { "value": 1520.0, "lower_value": 1490.5, "upper_value": 1555.0 },
//!                    "peak_rss (bytes)": { "value": 5242880.0 } } }
//! ```
//!
//! Benchmark -> measure -> `value` (required), `lower_value`, `upper_value` (optional). BMF
//! carries no unit and no direction: Bencher's measures have them. So the measure names
//! them, both ways, as this table and rule say:
//!
//! | BMF measure (Bencher's built-in, its unit) | perfgate metric (unit) |
//! |---|---|
//! | `latency` (nanoseconds) | `time` (s) |
//! | `throughput` (operations / second) | `throughput` (ops/s, higher is better) |
//! | `build-time` (seconds) | `build_time` (s) |
//! | `file-size` (bytes) | `file_size` (bytes) |
//! | `allocated` (bytes) | `allocated` (bytes) |
//! | `instructions`, `l1-accesses`, `l2-accesses`, `ram-accesses`, `estimated-cycles`, `l1-hits`, `ll-hits`, `ram-hits`, `total-read-write` | the same with `_` for `-` (count) |
//!
//! Any other metric is the measure `<metric> (<unit>)`: `wall_time (ns)` (times in
//! nanoseconds, like Bencher's latency), `peak_rss (bytes)`, `accuracy (ratio, higher is
//! better)` (the direction is said when it is not the default: higher for rates, lower for
//! everything else). A measure is read back by the same rule; a Bencher measure known to
//! neither (a project's own) becomes a metric of that name in the unit `value`, lower is
//! better. A built-in measure's display name (`Build Time`) is read like its slug.
//!
//! `value` is the central value (`perfgate report --format bmf` writes the median, the
//! statistic `compare` judges by default); `lower_value` and `upper_value` are the bounds of
//! its 95% interval (written from the median's), kept as the metric's interval, or its
//! minimum or maximum when only one is given. A measure has no samples, so a comparison of
//! BMF reports is decided by the thresholds alone.

use serde_json::Value;

use super::{text, units, Adapter, IngestError, Input, Parsed, ParsedBench, ParsedMetric};
use crate::model::{metric_names, Direction, Unit};

pub struct Bmf;

const NAME: &str = "bmf";

/// Bencher's built-in measures that perfgate maps to its own metrics: (slug, metric, unit,
/// the power of ten that one perfgate unit is in the measure's: 9 for seconds in ns).
fn built_in() -> [(&'static str, &'static str, Unit, i32); 14] {
    let count = |slug: &'static str, metric: &'static str| (slug, metric, Unit::COUNT, 0);
    [
        ("latency", metric_names::TIME, Unit::SECONDS, 9),
        (
            "throughput",
            metric_names::THROUGHPUT,
            Unit::OPS_PER_SECOND,
            0,
        ),
        ("build-time", "build_time", Unit::SECONDS, 0),
        ("file-size", "file_size", Unit::BYTES, 0),
        ("allocated", "allocated", Unit::BYTES, 0),
        count("instructions", "instructions"),
        count("l1-accesses", "l1_accesses"),
        count("l2-accesses", "l2_accesses"),
        count("ram-accesses", "ram_accesses"),
        count("estimated-cycles", "estimated_cycles"),
        count("l1-hits", "l1_hits"),
        count("ll-hits", "ll_hits"),
        count("ram-hits", "ram_hits"),
        count("total-read-write", "total_read_write"),
    ]
}

/// A rate is better higher; anything else lower.
fn default_direction(unit: &Unit) -> Direction {
    match unit {
        Unit::PerSecond(_) => Direction::HigherIsBetter,
        _ => Direction::LowerIsBetter,
    }
}

const HIGHER: &str = ", higher is better";
const LOWER: &str = ", lower is better";

/// The BMF measure of a perfgate metric, and the power of ten that turns its values into
/// the measure's (`time` in s -> `latency` in ns: 9; see [`to_measure`]).
pub fn measure_of(name: &str, unit: &Unit, direction: Direction) -> (String, i32) {
    let default = direction == default_direction(unit);
    if let Some((slug, _, _, exp)) = built_in()
        .into_iter()
        .find(|(_, m, u, _)| *m == name && u == unit)
        .filter(|_| default)
    {
        return (slug.to_string(), exp);
    }
    let (shown, exp) = match unit {
        Unit::Seconds => ("ns", 9),
        other => (other.as_str(), 0),
    };
    let said = match (default, direction) {
        (true, _) => "",
        (false, Direction::HigherIsBetter) => HIGHER,
        (false, Direction::LowerIsBetter) => LOWER,
    };
    (format!("{name} ({shown}{said})"), exp)
}

/// `x` times `10^exp`, by moving the decimal point of its shortest decimal form, so that
/// `0.000827561` s is `827561` ns, not `827561.0000000001`, and reads back as the same `x`.
pub fn to_measure(x: f64, exp: i32) -> f64 {
    if exp == 0 {
        return x;
    }
    units::decimal_scaled(&format!("{x:e}"), exp).unwrap_or(x * 10f64.powi(exp))
}

/// The metric a BMF measure stands for: (name, unit, direction, how its numbers convert), by
/// the table or the `<metric> (<unit>[, <direction>])` rule.
fn metric_of(measure: &str) -> (String, Unit, Direction, MeasureValue) {
    let slug = measure.trim().to_lowercase().replace([' ', '+'], "-");
    if let Some((_, metric, unit, exp)) = built_in().into_iter().find(|(s, ..)| *s == slug) {
        let direction = default_direction(&unit);
        return (metric.to_string(), unit, direction, MeasureValue::Over(exp));
    }
    if let Some((name, rest)) = measure.strip_suffix(')').and_then(|m| m.rsplit_once(" (")) {
        let (unit_text, direction) = match rest.strip_suffix(HIGHER) {
            Some(u) => (u, Some(Direction::HigherIsBetter)),
            None => match rest.strip_suffix(LOWER) {
                Some(u) => (u, Some(Direction::LowerIsBetter)),
                None => (rest, None),
            },
        };
        if !name.is_empty() && !unit_text.is_empty() {
            let (unit, value) = match units::seconds_per(unit_text) {
                Some(_) => (Unit::SECONDS, MeasureValue::Time(unit_text.to_string())),
                None => (Unit::from(unit_text), MeasureValue::Over(0)),
            };
            let direction = direction.unwrap_or_else(|| default_direction(&unit));
            return (name.to_string(), unit, direction, value);
        }
    }
    let unit = Unit::from("value");
    let over = MeasureValue::Over(0);
    (measure.to_string(), unit, Direction::LowerIsBetter, over)
}

/// How a measure's numbers become the metric's.
enum MeasureValue {
    /// Divided by `10^exp` (one correctly rounded division).
    Over(i32),
    /// A time in this unit, to seconds exactly ([`units::to_seconds`]).
    Time(String),
}

impl MeasureValue {
    fn apply(&self, x: f64) -> f64 {
        match self {
            MeasureValue::Over(0) => x,
            MeasureValue::Over(exp) => x / 10f64.powi(*exp),
            MeasureValue::Time(unit) => units::to_seconds(x, unit).unwrap_or(f64::NAN),
        }
    }
}

impl Adapter for Bmf {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        let doc = text::json(input, NAME)?;
        let top = doc.as_object().ok_or_else(|| {
            text::whole(
                input,
                NAME,
                "not BMF: the top level is not an object of benchmarks",
            )
        })?;
        let mut parsed = Parsed::default();
        for (bench_name, measures) in top {
            let Value::Object(measures) = measures else {
                return Err(at(input, bench_name, "not an object of measures"));
            };
            let mut bench = ParsedBench::new(bench_name.clone());
            for (measure, fields) in measures {
                let place = format!("{bench_name}.{measure}");
                bench.metrics.push(metric(input, &place, measure, fields)?);
            }
            if bench.metrics.is_empty() {
                return Err(at(input, bench_name, "has no measure"));
            }
            parsed.benchmarks.push(bench);
        }
        Ok(parsed)
    }
}

fn at(input: &Input, place: &str, message: &str) -> IngestError {
    IngestError::at(input, NAME, place, message)
}

/// One measure of a benchmark as a metric.
fn metric(
    input: &Input,
    place: &str,
    measure: &str,
    fields: &Value,
) -> Result<ParsedMetric, IngestError> {
    let Value::Object(fields) = fields else {
        return Err(at(input, place, "not an object with `value`"));
    };
    if let Some(unknown) = fields
        .keys()
        .find(|k| !matches!(k.as_str(), "value" | "lower_value" | "upper_value"))
    {
        return Err(at(
            input,
            place,
            &format!(
                "unknown field `{unknown}` (a BMF measure has value, lower_value, upper_value)"
            ),
        ));
    }
    let number = |key: &str| -> Result<Option<f64>, IngestError> {
        match fields.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| at(input, &format!("{place}.{key}"), "not a finite number")),
        }
    };
    let value = number("value")?.ok_or_else(|| at(input, &format!("{place}.value"), "missing"))?;
    let (lower, upper) = (number("lower_value")?, number("upper_value")?);
    if lower.is_some_and(|l| l > value) || upper.is_some_and(|u| u < value) {
        return Err(at(
            input,
            place,
            "`value` is outside `lower_value` .. `upper_value`",
        ));
    }
    let (name, unit, direction, scale) = metric_of(measure);
    let mut m = ParsedMetric::new(name, unit, direction);
    let e = &mut m.estimate;
    e.central = Some(scale.apply(value));
    match (lower.map(|x| scale.apply(x)), upper.map(|x| scale.apply(x))) {
        (Some(lo), Some(hi)) => e.ci95 = Some([lo, hi]),
        (lo, hi) => (e.min, e.max) = (lo, hi),
    }
    Ok(m)
}
