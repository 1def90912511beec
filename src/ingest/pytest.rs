//! `pytest`: the JSON of pytest-benchmark, as written by `--benchmark-json=FILE` or saved by
//! `--benchmark-save`/`--benchmark-autosave` (`.benchmarks/<machine>/NNNN_*.json`).
//!
//! The top level holds `machine_info` (node, Python, `cpu` from py-cpuinfo), `commit_info`
//! (git id, branch, dirty...), `datetime`, the plugin `version` and `benchmarks`: one object
//! per test with `name` as pytest prints it (`test_sum[1000]`), `fullname` (with the file:
//! `test_x.py::test_sum[1000]`), `group` (or null), `params` (the parametrize values, or
//! null), `param` (the id), `extra_info`, `options` and `stats`. `stats` has `min`, `max`,
//! `mean`, `stddev`, `median`, `iqr`, `q1`, `q3`, `rounds`, `iterations`, `ops` (rounds per
//! second of total time, i.e. 1 / mean), `total`, and `data` when the file has raw timings:
//! always with `--benchmark-json`, with a saved file only under `--benchmark-save-data`.
//! Each `data` entry is one round's time divided by its `iterations`, so already seconds
//! per call. Failed benchmarks are left out of the file by pytest-benchmark itself.
//!
//! Metrics: `time` (s) with central = the median (pytest-benchmark prints it beside min,
//! its default sort column; the median is the robust headline for comparisons), mean,
//! stddev, min, max, n = rounds and the `data` samples; `throughput` (`ops`, ops/s, higher
//! is better). Names are `name`, or `fullname` where two files share a test name. Groups
//! are kept in `source.groups` (group -> names); `params` become the benchmark's params.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{text, Adapter, Estimate, IngestError, Input, Parsed, ParsedBench, ParsedMetric};
use crate::model::{metric_names, Direction, Unit};

pub struct PytestBenchmark;

const NAME: &str = "pytest";

impl Adapter for PytestBenchmark {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        let doc = super::asv::python_json(input, NAME)?;
        let (Some(top), Some(benches)) = (
            doc.as_object().filter(|o| o.contains_key("machine_info")),
            doc.get("benchmarks").and_then(Value::as_array),
        ) else {
            return Err(text::whole(
                input,
                NAME,
                "not pytest-benchmark JSON (needs `machine_info` and a `benchmarks` array)",
            ));
        };
        let mut parsed = Parsed {
            source: source(top),
            ..Parsed::default()
        };
        let names = unique_names(benches);
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (i, (b, name)) in benches.iter().zip(names).enumerate() {
            let bench = benchmark(input, i, b, name)?;
            if let Some(g) = b.get("group").and_then(Value::as_str) {
                groups
                    .entry(g.to_string())
                    .or_default()
                    .push(Value::String(bench.name.clone()));
            }
            parsed.benchmarks.push(bench);
        }
        if !groups.is_empty() {
            let groups = groups.into_iter().map(|(g, n)| (g, Value::Array(n)));
            parsed
                .source
                .insert("groups".into(), Value::Object(groups.collect()));
        }
        Ok(parsed)
    }
}

/// The run's metadata: everything at the top level but the benchmarks.
fn source(top: &Map<String, Value>) -> BTreeMap<String, Value> {
    top.iter()
        .filter(|(k, _)| k.as_str() != "benchmarks")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Each benchmark's name: `name`, or `fullname` where `name` is not unique.
fn unique_names(benches: &[Value]) -> Vec<Option<String>> {
    let short = |b: &Value| b.get("name").and_then(Value::as_str).map(str::to_string);
    let all: Vec<Option<String>> = benches.iter().map(short).collect();
    benches
        .iter()
        .zip(&all)
        .map(|(b, name)| {
            let name = name.as_ref()?;
            let shared = all.iter().filter(|n| n.as_ref() == Some(name)).count() > 1;
            match b.get("fullname").and_then(Value::as_str) {
                Some(full) if shared => Some(full.to_string()),
                _ => Some(name.clone()),
            }
        })
        .collect()
}

fn at(input: &Input, place: String, message: &str) -> IngestError {
    IngestError::at(input, NAME, place, message)
}

fn benchmark(
    input: &Input,
    i: usize,
    b: &Value,
    name: Option<String>,
) -> Result<ParsedBench, IngestError> {
    let name = name.ok_or_else(|| {
        at(
            input,
            format!("benchmarks[{i}].name"),
            "missing or not a string",
        )
    })?;
    let stats = b.get("stats").and_then(Value::as_object).ok_or_else(|| {
        at(
            input,
            format!("benchmarks[{i}].stats"),
            "missing or not an object",
        )
    })?;
    let field = |key: &str| {
        stats
            .get(key)
            .and_then(Value::as_f64)
            .filter(|x| x.is_finite())
    };
    let median = field("median").ok_or_else(|| {
        at(
            input,
            format!("benchmarks[{i}].stats.median"),
            "missing or not a finite number",
        )
    })?;
    let mut time = ParsedMetric::new(metric_names::TIME, Unit::SECONDS, Direction::LowerIsBetter);
    time.estimate = Estimate {
        central: Some(median),
        mean: field("mean"),
        median: Some(median),
        stddev: field("stddev"),
        min: field("min"),
        max: field("max"),
        ci95: None,
        n: stats
            .get("rounds")
            .and_then(Value::as_u64)
            .map(|n| n as usize),
    };
    if let Some(data) = stats.get("data") {
        time.samples = samples(input, i, data)?;
    }
    let mut bench = ParsedBench::new(name);
    if let Some(Value::Object(params)) = b.get("params") {
        bench.params = params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    }
    bench.metrics.push(time);
    // `ops` is 1 / mean; files from before pytest-benchmark 3.1 lack it.
    let ops = field("ops").or_else(|| field("mean").filter(|m| *m > 0.0).map(|m| 1.0 / m));
    if let Some(ops) = ops {
        let mut m = ParsedMetric::point(
            metric_names::THROUGHPUT,
            Unit::OPS_PER_SECOND,
            Direction::HigherIsBetter,
            ops,
        );
        m.estimate.n = bench.metrics.first().and_then(|t| t.estimate.n);
        bench.metrics.push(m);
    }
    Ok(bench)
}

/// `stats.data`: per-call seconds, one per round.
fn samples(input: &Input, i: usize, data: &Value) -> Result<Vec<f64>, IngestError> {
    let items = data
        .as_array()
        .ok_or_else(|| at(input, format!("benchmarks[{i}].stats.data"), "not an array"))?;
    items
        .iter()
        .enumerate()
        .map(|(j, v)| {
            v.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
                at(
                    input,
                    format!("benchmarks[{i}].stats.data[{j}]"),
                    "not a finite number",
                )
            })
        })
        .collect()
}
