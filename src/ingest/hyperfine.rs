//! `hyperfine`: the JSON that `hyperfine --export-json FILE` writes.
//!
//! ```json
//! { "results": [ { "command": "sort 100k", "mean": 0.046, "stddev": 0.018, "median": 0.040,
//!                  "user": 0.0129, "system": 0.0016, "min": 0.024, "max": 0.067,
//!                  "times": [0.040, 0.034, ...], "exit_codes": [0, 0, ...],
//!                  "memory_usage_byte": [3256320, ...], "parameters": { "n": "1" } } ] }
//! ```
//!
//! One benchmark per result, named by `command`: the `--command-name` when one was given,
//! otherwise the command line with its parameters substituted. `parameters` (from
//! `--parameter-scan` or `--parameter-list`) become the benchmark's params, with their values
//! kept as the strings hyperfine writes (`"1"`, `"/usr"`).
//!
//! Metrics, all lower-is-better:
//! - `wall_time` (s): every run's wall-clock time in `times` as samples; hyperfine's mean
//!   (its headline, `Time (mean ± σ)`), median, stddev, min and max as the estimate.
//! - `user_time`, `sys_time` (s): hyperfine keeps only their means over the runs, so each is
//!   a single value with `n` = the number of runs.
//! - `peak_rss` (bytes): the per-run `memory_usage_byte` of newer versions (1.20.0 writes
//!   it; 1.15.0 records no memory).
//!
//! Times are already in seconds. A command run with `-i`/`--ignore-failure` that exited
//! non-zero keeps its timings (hyperfine measured them), and its exit codes are listed under
//! `nonzero_exit_codes` in the source metadata, by benchmark name, so the failure is not lost.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{text, Adapter, IngestError, Input, Parsed, ParsedBench, ParsedMetric};
use crate::model::{metric_names, Direction, Unit};

pub struct Hyperfine;

const NAME: &str = "hyperfine";

impl Adapter for Hyperfine {
    fn name(&self) -> &'static str {
        NAME
    }

    /// Every hyperfine run is its own process.
    fn samples_are_processes(&self) -> bool {
        true
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        let value = text::json(input, NAME)?;
        let results = value
            .as_object()
            .and_then(|top| top.get("results"))
            .and_then(Value::as_array)
            .ok_or_else(|| {
                text::whole(
                    input,
                    NAME,
                    "not `hyperfine --export-json` output: no top-level `results` array",
                )
            })?;
        let mut parsed = Parsed::default();
        let mut failures = Map::new();
        for (i, r) in results.iter().enumerate() {
            let place = format!("results[{i}]");
            let Value::Object(r) = r else {
                return Err(at(input, &place, "not an object"));
            };
            let bench = result(input, &place, r)?;
            if let Some(codes) = nonzero_exit_codes(input, &place, r)? {
                failures.insert(bench.name.clone(), codes);
            }
            parsed.benchmarks.push(bench);
        }
        if !failures.is_empty() {
            parsed
                .source
                .insert("nonzero_exit_codes".into(), Value::Object(failures));
        }
        Ok(parsed)
    }
}

fn at(input: &Input, place: &str, message: &str) -> IngestError {
    IngestError::at(input, NAME, place, message)
}

/// One result as a benchmark.
fn result(input: &Input, place: &str, r: &Map<String, Value>) -> Result<ParsedBench, IngestError> {
    let name = r.get("command").and_then(Value::as_str).ok_or_else(|| {
        at(
            input,
            &format!("{place}.command"),
            "missing or not a string",
        )
    })?;
    let mut bench = ParsedBench::new(name);
    bench.params = params(input, place, r)?;

    let num = |field: &str| optional_number(input, place, r, field);
    let times = numbers(input, place, r, "times")?;
    let mut wall = ParsedMetric::new(
        metric_names::WALL_TIME,
        Unit::SECONDS,
        Direction::LowerIsBetter,
    );
    wall.estimate.mean = num("mean")?;
    wall.estimate.central = wall.estimate.mean;
    wall.estimate.median = num("median")?;
    wall.estimate.stddev = num("stddev")?;
    wall.estimate.min = num("min")?;
    wall.estimate.max = num("max")?;
    let runs = times.as_ref().map(Vec::len);
    wall.estimate.n = runs;
    wall.samples = times.unwrap_or_default();
    if wall.samples.is_empty() && wall.estimate.central.is_none() {
        return Err(at(input, place, "has neither `times` nor `mean`"));
    }
    bench.metrics.push(wall);

    for (field, metric) in [
        ("user", metric_names::USER_TIME),
        ("system", metric_names::SYS_TIME),
    ] {
        if let Some(v) = num(field)? {
            let mut m = ParsedMetric::point(metric, Unit::SECONDS, Direction::LowerIsBetter, v);
            m.estimate.mean = Some(v);
            m.estimate.n = runs;
            bench.metrics.push(m);
        }
    }

    if let Some(rss) = numbers(input, place, r, "memory_usage_byte")? {
        if !rss.is_empty() {
            let mut m = ParsedMetric::new(
                metric_names::PEAK_RSS,
                Unit::BYTES,
                Direction::LowerIsBetter,
            );
            m.samples = rss;
            bench.metrics.push(m);
        }
    }
    Ok(bench)
}

/// `parameters` as params, values as written (hyperfine writes strings).
fn params(
    input: &Input,
    place: &str,
    r: &Map<String, Value>,
) -> Result<BTreeMap<String, Value>, IngestError> {
    match r.get("parameters") {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(p)) => Ok(p.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        Some(_) => Err(at(
            input,
            &format!("{place}.parameters"),
            "not an object of parameter values",
        )),
    }
}

/// A number field that may be absent or `null` (hyperfine writes `"stddev": null` after a
/// single run).
fn optional_number(
    input: &Input,
    place: &str,
    r: &Map<String, Value>,
    field: &str,
) -> Result<Option<f64>, IngestError> {
    match r.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| at(input, &format!("{place}.{field}"), "not a finite number")),
    }
}

/// An array of numbers, or `None` when the field is absent.
fn numbers(
    input: &Input,
    place: &str,
    r: &Map<String, Value>,
    field: &str,
) -> Result<Option<Vec<f64>>, IngestError> {
    let Some(v) = r.get(field) else {
        return Ok(None);
    };
    let Value::Array(items) = v else {
        return Err(at(
            input,
            &format!("{place}.{field}"),
            "not an array of numbers",
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
                at(
                    input,
                    &format!("{place}.{field}[{i}]"),
                    "not a finite number",
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The exit codes of a result when any run did not exit with 0. A run killed by a signal
/// is written as 128 + the signal (137 for SIGKILL); `null` (no code at all, which the
/// format allows) counts as not 0.
fn nonzero_exit_codes(
    input: &Input,
    place: &str,
    r: &Map<String, Value>,
) -> Result<Option<Value>, IngestError> {
    let Some(codes) = r.get("exit_codes") else {
        return Ok(None);
    };
    let Value::Array(items) = codes else {
        return Err(at(
            input,
            &format!("{place}.exit_codes"),
            "not an array of exit codes",
        ));
    };
    for (i, c) in items.iter().enumerate() {
        if !(c.is_null() || c.is_i64() || c.is_u64()) {
            return Err(at(
                input,
                &format!("{place}.exit_codes[{i}]"),
                "not an integer or null",
            ));
        }
    }
    let failed = items.iter().any(|c| c.as_i64() != Some(0));
    Ok(failed.then(|| codes.clone()))
}
