//! `vitest`: `vitest bench` (npm `vitest`, 4.x, timing with tinybench 2.9): the JSON of
//! `--outputJson FILE`, or the table it prints (see [`table`]).
//!
//! JSON: `files`, each with its `filepath` and `groups`; a group is a `describe` block (or the
//! file's own benchmarks) with its `fullName` (`bench/strings.bench.js > join`, nested blocks
//! joined by ` > `) and `benchmarks`, each tinybench's result plus vitest's `id`, `rank`,
//! `sampleCount` and `median`:
//!
//! ```json
//! { "name": "Array#join", "rank": 2, "rme": 3.39, "samples": [], "totalTime": 500.0,
//!   "min": 0.00024, "max": 6.35, "hz": 3268253.2, "period": 0.000306, "mean": 0.000306,
//!   "variance": 4.6e-5, "sd": 0.00676, "sem": 5.3e-6, "df": 1634126, "critical": 1.96,
//!   "moe": 1.04e-5, "p75": 0.00026, "p99": 0.00049, "p995": 0.00053, "p999": 0.0028,
//!   "sampleCount": 1634127, "median": 0.00026 }
//! ```
//!
//! Times are milliseconds per call, each sample one call; `hz = 1000 / mean`; `moe` is the
//! 95% margin of error of the mean (`sem` times Student's t for `df`, 1.96 for large `df`) and
//! `rme` that margin in percent of the mean; the percentiles are nearest-rank over the sorted
//! samples. vitest writes `samples` empty whatever the configuration, so every value is an
//! estimate. A benchmark that threw has only `rme: 0` and no statistics: it is left out, and
//! its name kept under `failed_benchmarks` in the source metadata.
//!
//! Each benchmark is named `<group fullName> > <name>`, so groups stay in the name. Metrics:
//! - `time` (s, lower is better): central = mean, with the median, `sd`, min, max,
//!   n = `sampleCount` and the 95% interval `mean ± moe` (its lower end at least 0);
//! - `throughput` (`hz`, ops/s, higher is better), n = `sampleCount`, the same interval
//!   carried to the rate: `[hz / (1 + r), hz / (1 - r)]` with `r = moe / mean` (left out when
//!   `r ≥ 1`);
//! - `time_p75`, `time_p99`, `time_p995`, `time_p999` (s, lower is better): tinybench's
//!   percentiles, one value each.
//!
//! Every sample is a call inside the one vitest worker process.

mod table;

use serde_json::{Map, Value};

use super::{text, Adapter, IngestError, Input, Parsed, ParsedBench, ParsedMetric};
use crate::model::{metric_names, Direction, Unit};

pub struct Vitest;

const NAME: &str = "vitest";

/// The percentiles vitest prints, and the metric each becomes.
const PERCENTILES: [(&str, &str); 4] = [
    ("p75", "time_p75"),
    ("p99", "time_p99"),
    ("p995", "time_p995"),
    ("p999", "time_p999"),
];

/// One benchmark's statistics, in milliseconds per call (as tinybench keeps them).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Stats {
    hz: f64,
    mean_ms: f64,
    median_ms: Option<f64>,
    sd_ms: Option<f64>,
    min_ms: Option<f64>,
    max_ms: Option<f64>,
    /// The 95% margin of error of the mean as a fraction of it (`rme / 100`).
    rel_moe: Option<f64>,
    /// p75, p99, p995, p999.
    percentiles_ms: [Option<f64>; 4],
    samples: usize,
}

impl Adapter for Vitest {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        let raw = text::text(input, NAME)?;
        if raw.trim_start().starts_with(['{', '[']) {
            from_json(input)
        } else {
            table::parse(input, raw)
        }
    }
}

fn from_json(input: &Input) -> Result<Parsed, IngestError> {
    let doc = text::json(input, NAME)?;
    let files = doc
        .as_object()
        .and_then(|o| o.get("files"))
        .and_then(Value::as_array)
        .filter(|fs| fs.iter().all(|f| f.get("groups").is_some()))
        .ok_or_else(|| {
            text::whole(
                input,
                NAME,
                "not vitest bench JSON (needs a `files` array of `{filepath, groups}`)",
            )
        })?;
    let mut parsed = Parsed::default();
    let mut failed = Vec::new();
    for (f, file) in files.iter().enumerate() {
        let groups = file
            .get("groups")
            .and_then(Value::as_array)
            .ok_or_else(|| at(input, format!("files[{f}].groups"), "not an array"))?;
        for (g, group) in groups.iter().enumerate() {
            let place = format!("files[{f}].groups[{g}]");
            let full_name = group
                .get("fullName")
                .and_then(Value::as_str)
                .ok_or_else(|| at(input, format!("{place}.fullName"), "not a string"))?;
            let benches = group
                .get("benchmarks")
                .and_then(Value::as_array)
                .ok_or_else(|| at(input, format!("{place}.benchmarks"), "not an array"))?;
            for (b, bench) in benches.iter().enumerate() {
                let place = format!("{place}.benchmarks[{b}]");
                let o = bench
                    .as_object()
                    .ok_or_else(|| at(input, place.clone(), "not an object"))?;
                let name = o
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| at(input, format!("{place}.name"), "not a string"))?;
                let name = format!("{full_name} > {name}");
                match json_stats(input, &place, o)? {
                    Some(stats) => parsed.benchmarks.push(bench_of(name, &stats)),
                    None => failed.push(Value::from(name)),
                }
            }
        }
    }
    if !failed.is_empty() {
        parsed
            .source
            .insert("failed_benchmarks".into(), Value::Array(failed));
    }
    Ok(parsed)
}

/// A benchmark's statistics; `None` for one that threw (no `hz` and no `mean`).
fn json_stats(
    input: &Input,
    place: &str,
    o: &Map<String, Value>,
) -> Result<Option<Stats>, IngestError> {
    if !o.contains_key("hz") && !o.contains_key("mean") {
        return Ok(None);
    }
    let number = |key: &str| -> Result<Option<f64>, IngestError> {
        o.get(key)
            .map(|v| {
                v.as_f64()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| at(input, format!("{place}.{key}"), "not a finite number"))
            })
            .transpose()
    };
    let required =
        |key: &str| number(key)?.ok_or_else(|| at(input, format!("{place}.{key}"), "missing"));
    let samples = o
        .get("sampleCount")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| at(input, format!("{place}.sampleCount"), "not a whole number"))?;
    let mean_ms = required("mean")?;
    let moe = number("moe")?;
    let mut percentiles_ms = [None; 4];
    for (slot, (key, _)) in percentiles_ms.iter_mut().zip(PERCENTILES) {
        *slot = number(key)?;
    }
    Ok(Some(Stats {
        hz: required("hz")?,
        mean_ms,
        median_ms: number("median")?,
        sd_ms: number("sd")?,
        min_ms: number("min")?,
        max_ms: number("max")?,
        rel_moe: moe.filter(|_| mean_ms > 0.0).map(|m| m / mean_ms),
        percentiles_ms,
        samples,
    }))
}

fn at(input: &Input, place: String, message: &str) -> IngestError {
    IngestError::at(input, NAME, place, message)
}

const MS: f64 = 1e3;

/// The metrics of one benchmark (see the module's documentation).
fn bench_of(name: String, s: &Stats) -> ParsedBench {
    let n = (s.samples > 0).then_some(s.samples);
    let mean = s.mean_ms / MS;
    let mut time = ParsedMetric::point(
        metric_names::TIME,
        Unit::SECONDS,
        Direction::LowerIsBetter,
        mean,
    );
    let e = &mut time.estimate;
    e.mean = Some(mean);
    e.median = s.median_ms.map(|v| v / MS);
    e.stddev = s.sd_ms.map(|v| v / MS);
    e.min = s.min_ms.map(|v| v / MS);
    e.max = s.max_ms.map(|v| v / MS);
    e.n = n;
    e.ci95 = s
        .rel_moe
        .map(|r| [(mean * (1.0 - r)).max(0.0), mean * (1.0 + r)]);
    let mut rate = ParsedMetric::point(
        metric_names::THROUGHPUT,
        Unit::OPS_PER_SECOND,
        Direction::HigherIsBetter,
        s.hz,
    );
    rate.estimate.n = n;
    rate.estimate.ci95 = s
        .rel_moe
        .filter(|r| *r < 1.0)
        .map(|r| [s.hz / (1.0 + r), s.hz / (1.0 - r)]);
    let mut b = ParsedBench::new(name);
    b.metrics.push(time);
    b.metrics.push(rate);
    for (value, (_, metric)) in s.percentiles_ms.iter().zip(PERCENTILES) {
        if let Some(v) = value {
            let mut m =
                ParsedMetric::point(metric, Unit::SECONDS, Direction::LowerIsBetter, v / MS);
            m.estimate.n = n;
            b.metrics.push(m);
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_json(s: &str) -> Result<Parsed, IngestError> {
        from_json(&Input::from_bytes("t", s))
    }

    #[test]
    fn the_interval_is_the_margin_of_error_on_time_and_rate() {
        let b = bench_of(
            "g > a".into(),
            &Stats {
                hz: 1000.0,
                mean_ms: 1.0,
                rel_moe: Some(0.25),
                samples: 9,
                ..Stats::default()
            },
        );
        let time = &b.metrics[0].estimate;
        assert_eq!(time.central, Some(0.001));
        assert_eq!(time.ci95, Some([0.00075, 0.00125]));
        assert_eq!(time.n, Some(9));
        let rate = &b.metrics[1].estimate;
        assert_eq!(rate.ci95, Some([800.0, 1000.0 / 0.75]));
        // No percentiles given, none made.
        assert_eq!(b.metrics.len(), 2);
        let wide = bench_of(
            "w".into(),
            &Stats {
                hz: 1000.0,
                mean_ms: 1.0,
                rel_moe: Some(1.5),
                ..Stats::default()
            },
        );
        assert_eq!(wide.metrics[0].estimate.ci95, Some([0.0, 0.0025]));
        assert_eq!(wide.metrics[1].estimate.ci95, None);
        assert_eq!(wide.metrics[1].estimate.n, None);
    }

    #[test]
    fn broken_benchmarks_name_their_field() {
        let doc = |b: &str| {
            format!(
                r#"{{"files":[{{"filepath":"x","groups":[{{"fullName":"f","benchmarks":[{b}]}}]}}]}}"#
            )
        };
        for (b, place) in [
            (
                r#"{"name":"a","hz":1,"mean":1}"#,
                "files[0].groups[0].benchmarks[0].sampleCount",
            ),
            (
                r#"{"name":"a","hz":1,"sampleCount":1}"#,
                "files[0].groups[0].benchmarks[0].mean",
            ),
            (
                r#"{"name":"a","mean":1,"sampleCount":1}"#,
                "files[0].groups[0].benchmarks[0].hz",
            ),
            (
                r#"{"name":"a","hz":1,"mean":1,"sampleCount":1,"p99":"x"}"#,
                "files[0].groups[0].benchmarks[0].p99",
            ),
            (r#"{"hz":1}"#, "files[0].groups[0].benchmarks[0].name"),
            ("1", "files[0].groups[0].benchmarks[0]"),
        ] {
            let e = parse_json(&doc(b)).unwrap_err();
            assert_eq!(e.place.as_deref(), Some(place), "{b}");
        }
        let e = parse_json(r#"{"files":[{"filepath":"x","groups":{}}]}"#).unwrap_err();
        assert_eq!(e.place.as_deref(), Some("files[0].groups"));
        let e = parse_json(r#"{"files":{}}"#).unwrap_err();
        assert!(e.message.starts_with("not vitest bench JSON"), "{e}");
    }
}
