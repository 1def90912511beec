//! `pyperf`: the JSON that pyperf writes with `-o FILE` (a script using `pyperf.Runner`, or
//! `python -m pyperf timeit`), the harness behind CPython's pyperformance.
//!
//! ```json
//! { "version": "1.0",
//!   "metadata": { "python_version": "3.11.7 (64-bit)", "cpu_model_name": "...", "unit": "second", ... },
//!   "benchmarks": [ { "metadata": { "name": "sort", "loops": 65536 },
//!                     "runs": [ { "metadata": { "calibrate_loops": 65536, ... }, "warmups": [[1, 6.1e-06], ...] },
//!                               { "metadata": { "date": "...", ... }, "warmups": [[65536, 4.2e-06]],
//!                                 "values": [4.3e-06, 4.1e-06, 4.4e-06] }, ... ] } ] }
//! ```
//!
//! Metadata is inherited: a run's own, else its benchmark's, else the file's (pyperf moves
//! what all benchmarks share, such as `unit`, and for one benchmark its `name` and `loops`,
//! up to the file). Each run is one worker process. A run without `values` is a calibration
//! run (it only finds the number of loops) and is not a sample; warm-ups (`[loops, value]`
//! pairs) are not samples either.
//!
//! pyperf stores each value already divided by the loops and inner loops it covered (a raw
//! timing is `value x loops x inner_loops`), so a value is the time of one loop, of one inner
//! loop where the benchmark has `inner_loops`, exactly what `pyperf stats` and `pyperf show`
//! print; the values are taken as they are, and their summary is pyperf's (mean, median,
//! sample standard deviation over every value).
//!
//! One metric per benchmark, lower is better: `time` (s) for `unit` `second` (the default),
//! `peak_memory` (bytes) for `byte` (`--track-memory`, `--tracemalloc`: one value per
//! process), `value` (count) for `integer`. Its samples are every worker's values in run
//! order, and `processes` is the number of workers, so `compare` tests the mean of each
//! process, not each value (values of one process share its state). Format versions `1.0`
//! (pyperf 1.0 and later) and `6` (0.9.6 to 0.9.x) are read; `5` stored samples differently
//! and is refused. A gzip file (`-o x.json.gz`) must be decompressed first.
//!
//! `source.metadata` holds the file's `metadata` as written (Python version, CPU, timer,
//! pyperf version...), the format `version`, and per benchmark under `benchmarks`: its
//! `loops`, `inner_loops`, `processes`, `values_per_process` and `warmups_per_process`
//! (lists when they differ between runs) and `calibration_runs`.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{text, Adapter, IngestError, Input, Parsed, ParsedBench, ParsedMetric};
use crate::model::{metric_names, Direction, Unit};

pub struct Pyperf;

const NAME: &str = "pyperf";

impl Adapter for Pyperf {
    fn name(&self) -> &'static str {
        NAME
    }

    /// Every run is its own worker process; each metric says how many there were when a
    /// process gave several values.
    fn samples_are_processes(&self) -> bool {
        true
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        if let Input::Bytes { bytes, .. } = input {
            if bytes.starts_with(&[0x1f, 0x8b]) {
                return Err(text::whole(
                    input,
                    NAME,
                    "gzip-compressed (pyperf's `-o FILE.json.gz`): decompress it first (`gunzip -k FILE.json.gz`)",
                ));
            }
        }
        let doc = super::asv::python_json(input, NAME)?;
        let (top, benches) = document(input, &doc)?;
        let file_meta = object_at(input, top.get("metadata"), "metadata")?;
        let mut parsed = Parsed::default();
        let mut per_bench = Map::new();
        for (i, b) in benches.iter().enumerate() {
            let place = format!("benchmarks[{i}]");
            let (bench, facts) = benchmark(input, &place, b, &file_meta)?;
            per_bench.insert(bench.name.clone(), facts);
            parsed.benchmarks.push(bench);
        }
        parsed.source = file_meta.into_iter().collect();
        parsed.source.insert(
            "version".into(),
            top.get("version").cloned().unwrap_or_default(),
        );
        parsed
            .source
            .insert("benchmarks".into(), Value::Object(per_bench));
        Ok(parsed)
    }
}

fn at(input: &Input, place: &str, message: &str) -> IngestError {
    IngestError::at(input, NAME, place, message)
}

/// The top level and its `benchmarks`, when this is a pyperf file of a version read here.
fn document<'a>(
    input: &Input,
    doc: &'a Value,
) -> Result<(&'a Map<String, Value>, &'a Vec<Value>), IngestError> {
    let not_pyperf = || {
        text::whole(
            input,
            NAME,
            "not pyperf JSON (needs `version` and a `benchmarks` array, and no other top-level key than `metadata`)",
        )
    };
    let top = doc.as_object().ok_or_else(not_pyperf)?;
    let benches = top
        .get("benchmarks")
        .and_then(Value::as_array)
        .ok_or_else(not_pyperf)?;
    let known = |k: &String| matches!(k.as_str(), "version" | "benchmarks" | "metadata");
    if !top.contains_key("version") || !top.keys().all(known) {
        return Err(not_pyperf());
    }
    match top.get("version") {
        Some(Value::String(v)) if v == "1.0" => Ok((top, benches)),
        Some(v) if v.as_u64() == Some(6) => Ok((top, benches)),
        Some(v) => Err(at(
            input,
            "version",
            &format!(
                "pyperf file format {v} is not read (only \"1.0\", pyperf 1.0 and later, and 6)"
            ),
        )),
        None => Err(not_pyperf()),
    }
}

/// A `metadata` object (absent: empty), with the inherited metadata under it.
fn object_at(
    input: &Input,
    value: Option<&Value>,
    place: &str,
) -> Result<Map<String, Value>, IngestError> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(at(input, place, "not an object")),
    }
}

/// `over` on top of `under`: a run's metadata over its benchmark's over the file's.
fn inherit(under: &Map<String, Value>, over: Map<String, Value>) -> Map<String, Value> {
    let mut merged = under.clone();
    merged.extend(over);
    merged
}

/// What one run gives: its values, and its facts for the source metadata.
struct Run {
    values: Vec<f64>,
    warmups: usize,
    loops: Option<Value>,
}

/// One benchmark, and its facts for `source.metadata.benchmarks`.
fn benchmark(
    input: &Input,
    place: &str,
    b: &Value,
    file_meta: &Map<String, Value>,
) -> Result<(ParsedBench, Value), IngestError> {
    let b = b
        .as_object()
        .ok_or_else(|| at(input, place, "not an object"))?;
    let meta = inherit(
        file_meta,
        object_at(input, b.get("metadata"), &format!("{place}.metadata"))?,
    );
    let name = meta.get("name").and_then(Value::as_str).ok_or_else(|| {
        at(
            input,
            &format!("{place}.metadata.name"),
            "missing or not a string (in the benchmark's or the file's metadata)",
        )
    })?;
    let (metric_name, unit) = unit_of(input, place, &meta)?;
    let runs = b
        .get("runs")
        .and_then(Value::as_array)
        .ok_or_else(|| at(input, &format!("{place}.runs"), "missing or not an array"))?;
    let mut measured = Vec::new();
    let mut calibration = 0usize;
    for (j, r) in runs.iter().enumerate() {
        let run = run(input, &format!("{place}.runs[{j}]"), r, &meta)?;
        if run.values.is_empty() {
            calibration += 1;
        } else {
            measured.push(run);
        }
    }
    if measured.is_empty() {
        return Err(at(
            input,
            &format!("{place}.runs"),
            "no run has values (only calibration runs): nothing was measured",
        ));
    }
    let facts = facts(&meta, &measured, calibration);
    let mut metric = ParsedMetric::new(metric_name, unit, Direction::LowerIsBetter);
    metric.processes = Some(measured.len() as u64);
    metric.samples = measured.into_iter().flat_map(|r| r.values).collect();
    let mut bench = ParsedBench::new(name);
    bench.metrics.push(metric);
    Ok((bench, facts))
}

/// The metric name and unit of pyperf's `unit` metadata.
fn unit_of(
    input: &Input,
    place: &str,
    meta: &Map<String, Value>,
) -> Result<(&'static str, Unit), IngestError> {
    match meta.get("unit").map(Value::as_str) {
        None | Some(Some("second")) => Ok((metric_names::TIME, Unit::SECONDS)),
        Some(Some("byte")) => Ok(("peak_memory", Unit::BYTES)),
        Some(Some("integer")) => Ok(("value", Unit::COUNT)),
        Some(_) => Err(at(
            input,
            &format!("{place}.metadata.unit"),
            "not one of pyperf's units (`second`, `byte`, `integer`)",
        )),
    }
}

fn run(
    input: &Input,
    place: &str,
    r: &Value,
    bench_meta: &Map<String, Value>,
) -> Result<Run, IngestError> {
    let r = r
        .as_object()
        .ok_or_else(|| at(input, place, "not an object"))?;
    let meta = inherit(
        bench_meta,
        object_at(input, r.get("metadata"), &format!("{place}.metadata"))?,
    );
    let values = match r.get("values") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(k, v)| {
                v.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
                    at(
                        input,
                        &format!("{place}.values[{k}]"),
                        "not a finite number",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => {
            return Err(at(
                input,
                &format!("{place}.values"),
                "not an array of numbers",
            ))
        }
    };
    let warmups = match r.get("warmups") {
        None => 0,
        Some(Value::Array(w)) => w.len(),
        Some(_) => {
            return Err(at(
                input,
                &format!("{place}.warmups"),
                "not an array of [loops, value] pairs",
            ))
        }
    };
    Ok(Run {
        values,
        warmups,
        loops: meta.get("loops").cloned(),
    })
}

/// A benchmark's loops, inner loops and run counts for the source metadata: one value when
/// every measured run agrees, the list of them otherwise.
fn facts(meta: &Map<String, Value>, runs: &[Run], calibration: usize) -> Value {
    fn one_or_all(values: Vec<Value>) -> Value {
        match values.first() {
            Some(first) if values.iter().all(|v| v == first) => first.clone(),
            _ => Value::Array(values),
        }
    }
    let loops = one_or_all(
        runs.iter()
            .map(|r| r.loops.clone().unwrap_or_default())
            .collect(),
    );
    let values = one_or_all(runs.iter().map(|r| json!(r.values.len())).collect());
    let warmups = one_or_all(runs.iter().map(|r| json!(r.warmups)).collect());
    let mut out = BTreeMap::new();
    out.insert("loops", loops);
    out.insert(
        "inner_loops",
        meta.get("inner_loops").cloned().unwrap_or(json!(1)),
    );
    out.insert("processes", json!(runs.len()));
    out.insert("values_per_process", values);
    out.insert("warmups_per_process", warmups);
    out.insert("calibration_runs", json!(calibration));
    json!(out)
}
