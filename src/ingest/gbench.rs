//! `gbench`: Google Benchmark's JSON (`--benchmark_format=json`, or `--benchmark_out=FILE
//! --benchmark_out_format=json`; the same document either way).
//!
//! ```json
//! { "context": { "date": "...", "host_name": "vm", "num_cpus": 2, "mhz_per_cpu": 2596,
//!                "caches": [...], "library_build_type": "release", ... },
//!   "benchmarks": [
//!     { "name": "BM_Sum/1000", "run_name": "BM_Sum/1000", "run_type": "iteration",
//!       "repetitions": 5, "repetition_index": 0, "threads": 1, "iterations": 97490,
//!       "real_time": 429.1, "cpu_time": 287.0, "time_unit": "ns",
//!       "items_per_second": 3.48e9, "my_counter": 4096 },
//!     { "name": "BM_Sum/1000_mean", "run_name": "BM_Sum/1000", "run_type": "aggregate",
//!       "aggregate_name": "mean", "aggregate_unit": "time", "real_time": 538.0, ... } ] }
//! ```
//!
//! Rows are grouped into benchmarks by `run_name`, named exactly as printed (`BM_Sum/1000`,
//! `BM_Sum/n:4000/threads:2`, `BM_Fill<int>/4096`, `BM_Sleep/2000/real_time`). The name's
//! arguments also become params: `key:value` segments by their key (`n`, `threads`,
//! `iterations`, ...), bare numbers as `arg0`, `arg1`, ... by position.
//!
//! Each `iteration` row is one repetition, and its values (averages over its `iterations`)
//! are one sample. The `mean`, `median` and `stddev` aggregate rows that
//! `--benchmark_repetitions` adds are the harness's estimate, the mean being the central
//! value (the single row's value when there is one repetition). Other aggregates (`cv`, the
//! `BigO`/`RMS` rows of `->Complexity()`, user statistics) are recognised and skipped: they
//! are never benchmarks. With `--benchmark_report_aggregates_only` only the estimate exists.
//!
//! Metrics:
//! - `real_time`, `cpu_time` (s, lower is better), converted from `time_unit` (ns/us/ms/s).
//! - `items_per_second` and `bytes_per_second` (higher is better): a benchmark with only one
//!   of them gets it as `throughput` (`items/s` or `bytes/s`); one with both keeps the two
//!   names, with units `items/s` and `bytes/s`.
//! - Any other numeric field is a user counter, named in snake_case. The JSON does not say
//!   how a counter was declared, so a name ending in `_per_second` is read as a rate
//!   (`<stem>/s`, higher is better) and any other as a plain `count` (lower is better).
//!
//! A row with `error_occurred` (`state.SkipWithError`) measured nothing: its benchmark is left
//! out and its message kept under `skipped_with_error` in the source metadata, next to every
//! field of `context`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{text, units, Adapter, IngestError, Input, Parsed, ParsedBench, ParsedMetric};
use crate::model::{metric_names, Direction, Unit};

pub struct GoogleBenchmark;

const NAME: &str = "gbench";

/// Row fields that are not counters.
const NOT_COUNTERS: &[&str] = &[
    "name",
    "family_index",
    "per_family_instance_index",
    "run_name",
    "run_type",
    "repetitions",
    "repetition_index",
    "threads",
    "iterations",
    "real_time",
    "cpu_time",
    "time_unit",
    "aggregate_name",
    "aggregate_unit",
    "error_occurred",
    "error_message",
    "label",
    "big_o",
    "cpu_coefficient",
    "real_coefficient",
    "rms",
];

/// Name segments that are run options rather than arguments.
const OPTIONS: &[&str] = &[
    "iterations",
    "repeats",
    "min_time",
    "min_warmup_time",
    "threads",
];

impl Adapter for GoogleBenchmark {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        let value = text::json(input, NAME)?;
        let top = value.as_object();
        let context = top
            .and_then(|t| t.get("context"))
            .and_then(Value::as_object);
        let rows = top
            .and_then(|t| t.get("benchmarks"))
            .and_then(Value::as_array);
        let (Some(context), Some(rows)) = (context, rows) else {
            return Err(text::whole(
                input,
                NAME,
                "not Google Benchmark JSON: needs a `context` object and a `benchmarks` array",
            ));
        };
        let mut parsed = Parsed::default();
        parsed.source.extend(context.clone());
        let mut groups: Vec<Group> = Vec::new();
        let mut errors = Map::new();
        for (i, row) in rows.iter().enumerate() {
            let place = format!("benchmarks[{i}]");
            let Value::Object(row) = row else {
                return Err(at(input, &place, "not an object"));
            };
            let Some(kind) = kind(input, &place, row)? else {
                continue;
            };
            let run_name = run_name(input, &place, row, kind)?;
            if row.get("error_occurred") == Some(&Value::Bool(true)) {
                let msg = row.get("error_message").cloned().unwrap_or(Value::Null);
                errors.insert(run_name.clone(), msg);
            }
            let values = values(input, &place, row)?;
            let k = match groups.iter().position(|g| g.name == run_name) {
                Some(k) => k,
                None => {
                    groups.push(Group {
                        name: run_name,
                        ..Group::default()
                    });
                    groups.len() - 1
                }
            };
            groups[k].add(kind, values, row.get("repetitions").and_then(Value::as_u64));
        }
        parsed.benchmarks = groups
            .into_iter()
            .filter(|g| !errors.contains_key(&g.name))
            .map(Group::into_bench)
            .collect();
        if !errors.is_empty() {
            parsed
                .source
                .insert("skipped_with_error".into(), Value::Object(errors));
        }
        Ok(parsed)
    }
}

fn at(input: &Input, place: &str, message: &str) -> IngestError {
    IngestError::at(input, NAME, place, message)
}

/// What a row contributes to its benchmark.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Sample,
    Mean,
    Median,
    Stddev,
}

/// The row's kind, or `None` for an aggregate that is not an estimate (cv, BigO, RMS, user
/// statistics). Rows without `run_type` (older versions) are samples.
fn kind(input: &Input, place: &str, row: &Map<String, Value>) -> Result<Option<Kind>, IngestError> {
    match row.get("run_type").map(Value::as_str) {
        None | Some(Some("iteration")) => Ok(Some(Kind::Sample)),
        Some(Some("aggregate")) => Ok(match row.get("aggregate_name").and_then(Value::as_str) {
            Some("mean") => Some(Kind::Mean),
            Some("median") => Some(Kind::Median),
            Some("stddev") => Some(Kind::Stddev),
            _ => None,
        }),
        Some(_) => Err(at(
            input,
            &format!("{place}.run_type"),
            "neither `iteration` nor `aggregate`",
        )),
    }
}

/// The benchmark a row belongs to: `run_name`, or for versions without it the `name` less
/// its aggregate suffix.
fn run_name(
    input: &Input,
    place: &str,
    row: &Map<String, Value>,
    kind: Kind,
) -> Result<String, IngestError> {
    if let Some(n) = row.get("run_name").and_then(Value::as_str) {
        return Ok(n.to_string());
    }
    let name = row
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| at(input, &format!("{place}.name"), "missing or not a string"))?;
    let suffix = match kind {
        Kind::Sample => "",
        Kind::Mean => "_mean",
        Kind::Median => "_median",
        Kind::Stddev => "_stddev",
    };
    Ok(name.strip_suffix(suffix).unwrap_or(name).to_string())
}

/// The row's values by counter name (`real_time`, `cpu_time` in seconds), in row order.
fn values(
    input: &Input,
    place: &str,
    row: &Map<String, Value>,
) -> Result<Vec<(String, f64)>, IngestError> {
    let unit = match row.get("time_unit") {
        None => "ns",
        Some(u) => u
            .as_str()
            .filter(|u| units::seconds_per(u).is_some())
            .ok_or_else(|| at(input, &format!("{place}.time_unit"), "not ns, us, ms or s"))?,
    };
    let mut out = Vec::new();
    for (key, v) in row {
        let is_time = matches!(
            key.as_str(),
            metric_names::REAL_TIME | metric_names::CPU_TIME
        );
        if !is_time && (NOT_COUNTERS.contains(&key.as_str()) || !v.is_number()) {
            continue;
        }
        let x = v.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
            at(
                input,
                &format!("{place}.{}", key.escape_debug()),
                "not a finite number",
            )
        })?;
        // Times, a stddev's included, are in `time_unit`; counters are per second or plain.
        let x = if is_time {
            units::to_seconds(x, unit).unwrap_or(x)
        } else {
            x
        };
        out.push((key.clone(), x));
    }
    Ok(out)
}

/// The rows of one benchmark.
#[derive(Default)]
struct Group {
    name: String,
    fields: Vec<Field>,
    /// Iteration rows seen.
    samples: usize,
    /// `repetitions` as the aggregate rows give it.
    repetitions: Option<u64>,
}

/// One numeric field of a benchmark's rows: a sample per iteration row, and the aggregates.
#[derive(Default)]
struct Field {
    key: String,
    samples: Vec<f64>,
    mean: Option<f64>,
    median: Option<f64>,
    stddev: Option<f64>,
}

impl Group {
    fn add(&mut self, kind: Kind, values: Vec<(String, f64)>, repetitions: Option<u64>) {
        if kind == Kind::Sample {
            self.samples += 1;
        } else {
            self.repetitions = self.repetitions.or(repetitions);
        }
        for (key, x) in values {
            let k = match self.fields.iter().position(|f| f.key == key) {
                Some(k) => k,
                None => {
                    self.fields.push(Field {
                        key,
                        ..Field::default()
                    });
                    self.fields.len() - 1
                }
            };
            let f = &mut self.fields[k];
            match kind {
                Kind::Sample => f.samples.push(x),
                Kind::Mean => f.mean = Some(x),
                Kind::Median => f.median = Some(x),
                Kind::Stddev => f.stddev = Some(x),
            }
        }
    }

    fn into_bench(self) -> ParsedBench {
        let mut bench = ParsedBench::new(self.name.clone());
        bench.params = params_from_name(&self.name);
        let has = |k: &str| self.fields.iter().any(|f| f.key == k);
        let both_rates = has("items_per_second") && has("bytes_per_second");
        let n = match self.samples {
            0 => self.repetitions.and_then(|r| usize::try_from(r).ok()),
            n => Some(n),
        };
        // real_time, cpu_time, then counters by name, whatever order the keys came in.
        let mut fields = self.fields;
        let rank = |k: &str| match k {
            metric_names::REAL_TIME => 0,
            metric_names::CPU_TIME => 1,
            _ => 2,
        };
        fields.sort_by(|a, b| (rank(&a.key), &a.key).cmp(&(rank(&b.key), &b.key)));
        for f in fields {
            let (name, unit, direction) = describe(&f.key, both_rates);
            let mut m = ParsedMetric::new(name, unit, direction);
            m.estimate.mean = f.mean;
            m.estimate.median = f.median;
            m.estimate.stddev = f.stddev;
            m.estimate.central = match f.samples.as_slice() {
                [one] if f.mean.is_none() => Some(*one),
                _ => f.mean.or(f.median),
            };
            m.estimate.n = n;
            m.samples = f.samples;
            bench.metrics.push(m);
        }
        bench
    }
}

/// (metric name, unit, direction) of a row field.
fn describe(key: &str, both_rates: bool) -> (String, Unit, Direction) {
    let higher = Direction::HigherIsBetter;
    match key {
        metric_names::REAL_TIME | metric_names::CPU_TIME => {
            (key.into(), Unit::SECONDS, Direction::LowerIsBetter)
        }
        "items_per_second" | "bytes_per_second" => {
            let unit = if key == "items_per_second" {
                Unit::ITEMS_PER_SECOND
            } else {
                Unit::BYTES_PER_SECOND
            };
            let name = if both_rates {
                key
            } else {
                metric_names::THROUGHPUT
            };
            (name.into(), unit, higher)
        }
        // User counters: a rate when Google Benchmark was told so (`kIsRate`), else a count.
        _ => {
            let name = snake_case(key);
            match name.strip_suffix("_per_second").filter(|s| !s.is_empty()) {
                Some(stem) => (name.clone(), Unit::per_second(stem), higher),
                None => (name, Unit::COUNT, Direction::LowerIsBetter),
            }
        }
    }
}

/// `bytesRead` -> `bytes_read`, `L1 misses` -> `l1_misses`; snake_case names are unchanged.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let trimmed = out.trim_end_matches('_');
    if trimmed.is_empty() {
        name.to_string()
    } else {
        trimmed.to_string()
    }
}

/// The arguments in a benchmark's name: `BM_Sum/n:4000/threads:2` -> `{n: 4000, threads: 2}`,
/// `BM_Copy/8/64` -> `{arg0: 8, arg1: 64}`. The first segment is the function (template
/// arguments included); `real_time`-like flags and non-numeric segments carry no value.
fn params_from_name(name: &str) -> BTreeMap<String, Value> {
    let mut params = BTreeMap::new();
    let mut position = 0;
    for segment in name.split('/').skip(1) {
        let (key, value) = match segment.split_once(':') {
            Some((k, v)) if !k.is_empty() => (Some(k), v),
            _ => (None, segment),
        };
        let Some(value) = json_number(value) else {
            continue;
        };
        match key {
            Some(k) if OPTIONS.contains(&k) => {
                params.insert(k.to_string(), value);
            }
            Some(k) => {
                params.insert(k.to_string(), value);
                position += 1;
            }
            None => {
                params.insert(format!("arg{position}"), value);
                position += 1;
            }
        }
    }
    params
}

/// `4000` -> integer, `0.5` -> float, anything else -> `None`.
fn json_number(s: &str) -> Option<Value> {
    if let Ok(i) = s.parse::<i64>() {
        return Some(Value::from(i));
    }
    let x = text::number(s).filter(|_| s.bytes().all(|b| b.is_ascii_digit() || b == b'.'))?;
    Some(Value::from(x))
}
