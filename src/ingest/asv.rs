//! `asv`: airspeed velocity's results files (format version 2, asv 0.5 and later), one file
//! or a results directory.
//!
//! `asv run` writes `results/<machine>/<commit>-<env>.json`, plus `machine.json` beside it
//! and `results/benchmarks.json` (each benchmark's `type`, `unit`, `param_names`). A results
//! file has `commit_hash`, `env_name`, `date` (commit time, ms), `params` (the machine and
//! Python), `python`, `requirements`, `env_vars`, `version`: 2, and `result_columns` naming
//! the slots of each array in `results`: `result`, `params`, `version`, `started_at`,
//! `duration`, `stats_ci_99_a`, `stats_ci_99_b`, `stats_q_25`, `stats_q_75`,
//! `stats_number`, `stats_repeat`, `samples`, `profile`; trailing empty slots are left
//! out. `result` holds one value per combination of the `params` lists (each value a Python
//! repr; the combinations in row-major order, first list slowest), null for a benchmark that
//! failed and NaN for a combination skipped (`NotImplementedError` in setup). asv writes
//! NaN and ±Infinity as bare words, which JSON does not have: they are read as the strings
//! `"NaN"`, `"Infinity"`, `"-Infinity"`. `samples` (with `--record-samples`) are seconds per
//! call; `result` is their median.
//!
//! Names follow asv's display: `bench_sum.TimeSum.time_sum(1000)`, several parameters as
//! `(16, 'ab')`; `params` map each parameter name (from benchmarks.json, else `param1`...)
//! to its value (numbers and quoted strings unquoted). Metrics by type (benchmarks.json, else
//! the name's `time_`/`timeraw_`/`mem_`/`peakmem_`/`track_` prefix): `time` (s),
//! `memory` and `peak_memory` (bytes), `track` (benchmarks.json's unit, else `value`); all
//! lower is better, as in asv, except rates (`.../s`). Failed and skipped combinations have
//! no metric; their names are listed in `source.failed` and `source.skipped`.
//!
//! A directory (a `results/` or a `results/<machine>/` folder) stands for its latest run:
//! of the results files in it and in its subfolders (not `machine.json`, not
//! `benchmarks.json`), all of one machine and environment, the one whose benchmarks started
//! last. Files of several machines or environments are an error: pass one file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{text, Adapter, IngestError, Input, Parsed, ParsedBench, ParsedMetric};
use crate::model::{metric_names, Direction, Unit};

pub struct Asv;

const NAME: &str = "asv";

impl Adapter for Asv {
    fn name(&self) -> &'static str {
        NAME
    }

    fn reads_dirs(&self) -> bool {
        true
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        match input {
            Input::Bytes { name, .. } => {
                let doc = python_json(input, NAME)?;
                let meta = Path::new(name)
                    .parent()
                    .and_then(Path::parent)
                    .and_then(benchmarks_json);
                results_file(input, &doc, meta.as_ref())
            }
            Input::Dir { path } => directory(input, path),
        }
    }
}

/// JSON as Python's `json` module writes it: bare `NaN`, `Infinity` and `-Infinity` (outside
/// strings) are read as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
pub(super) fn python_json(input: &Input, format: &'static str) -> Result<Value, IngestError> {
    let raw = text::text(input, format)?;
    let mut out = String::with_capacity(raw.len());
    let (mut in_string, mut escaped) = (false, false);
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        let word = ["NaN", "-Infinity", "Infinity"]
            .into_iter()
            .find(|w| !in_string && rest.starts_with(w));
        if let Some(w) = word {
            out.push('"');
            out.push_str(w);
            out.push('"');
            rest = &rest[w.len()..];
            continue;
        }
        if in_string {
            (escaped, in_string) = (c == '\\' && !escaped, escaped || c != '"');
        } else {
            in_string = c == '"';
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    serde_json::from_str(&out).map_err(|e| IngestError {
        input: input.name(),
        format,
        place: Some(format!("line {} column {}", e.line(), e.column())),
        message: format!("not JSON: {e}"),
    })
}

/// `benchmarks.json` in `dir`: each benchmark's description, by name.
fn benchmarks_json(dir: &Path) -> Option<Map<String, Value>> {
    let bytes = crate::read::bytes(&dir.join("benchmarks.json")).ok()?;
    let input = Input::from_bytes("benchmarks.json", bytes);
    match python_json(&input, NAME).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

fn at(input: &Input, place: String, message: impl Into<String>) -> IngestError {
    IngestError::at(input, NAME, place, message)
}

fn results_file(
    input: &Input,
    doc: &Value,
    meta: Option<&Map<String, Value>>,
) -> Result<Parsed, IngestError> {
    let (Some(top), Some(columns), Some(results)) = (
        doc.as_object(),
        doc.get("result_columns").and_then(Value::as_array),
        doc.get("results").and_then(Value::as_object),
    ) else {
        return Err(text::whole(
            input,
            NAME,
            "not an asv results file (needs `result_columns` and `results`)",
        ));
    };
    match top.get("version").and_then(Value::as_u64) {
        Some(2) => {}
        v => {
            return Err(at(
                input,
                "version".into(),
                format!("results format {v:?}; only version 2 (asv 0.5+) is read"),
            ))
        }
    }
    let col = |name: &str| columns.iter().position(|c| c.as_str() == Some(name));
    let slots = Slots {
        result: col("result"),
        params: col("params"),
        repeat: col("stats_repeat"),
        samples: col("samples"),
    };
    let mut parsed = Parsed {
        source: top
            .iter()
            .filter(|(k, _)| !["results", "result_columns", "durations"].contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        ..Parsed::default()
    };
    let (mut failed, mut skipped) = (Vec::new(), Vec::new());
    for (name, row) in results {
        let place = format!("results.{name}");
        let row = row
            .as_array()
            .ok_or_else(|| at(input, place.clone(), "not an array of result columns"))?;
        let desc = meta.and_then(|m| m.get(name));
        for (i, combo) in combinations(input, &place, row, &slots)?.iter().enumerate() {
            let value = slots.result.and_then(|r| row.get(r)).and_then(|v| match v {
                Value::Array(a) => a.get(i),
                one => Some(one),
            });
            let full = display_name(name, combo);
            match value {
                Some(v) if v.as_f64().is_some_and(f64::is_finite) => {
                    let value = v.as_f64().unwrap_or_default();
                    let mut bench = ParsedBench::new(full);
                    bench.params = named_params(desc, combo);
                    bench
                        .metrics
                        .push(metric(name, desc, value, &slots, row, i));
                    parsed.benchmarks.push(bench);
                }
                Some(Value::String(s)) if s == "NaN" => skipped.push(Value::String(full)),
                _ => failed.push(Value::String(full)),
            }
        }
    }
    for (key, names) in [("failed", failed), ("skipped", skipped)] {
        if !names.is_empty() {
            parsed.source.insert(key.into(), Value::Array(names));
        }
    }
    Ok(parsed)
}

/// Positions of the columns read, from `result_columns`.
struct Slots {
    result: Option<usize>,
    params: Option<usize>,
    repeat: Option<usize>,
    samples: Option<usize>,
}

/// The row's parameter combinations (each a list of reprs) in asv's order: one empty
/// combination when there are no parameters.
fn combinations(
    input: &Input,
    place: &str,
    row: &[Value],
    slots: &Slots,
) -> Result<Vec<Vec<String>>, IngestError> {
    let bad = || at(input, format!("{place}.params"), "not a list of lists");
    let lists: Vec<Vec<String>> = match slots.params.and_then(|p| row.get(p)) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(lists)) => lists
            .iter()
            .map(|l| Some(l.as_array()?.iter().map(repr).collect()))
            .collect::<Option<_>>()
            .ok_or_else(bad)?,
        Some(_) => return Err(bad()),
    };
    let mut combos: Vec<Vec<String>> = vec![Vec::new()];
    for list in &lists {
        combos = combos
            .iter()
            .flat_map(|c| {
                list.iter()
                    .map(move |v| [c.as_slice(), std::slice::from_ref(v)].concat())
            })
            .collect();
    }
    let values = slots
        .result
        .and_then(|r| row.get(r))
        .and_then(Value::as_array);
    if let Some(values) = values.filter(|v| v.len() != combos.len()) {
        let message = format!(
            "{} values for {} parameter combinations",
            values.len(),
            combos.len()
        );
        return Err(at(input, format!("{place}.result"), message));
    }
    Ok(combos)
}

/// A combination's params: names from benchmarks.json (asv's `param1`... without it).
fn named_params(desc: Option<&Value>, reprs: &[String]) -> BTreeMap<String, Value> {
    let names = desc.and_then(|d| d.get("param_names"));
    reprs
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let name = names.and_then(|n| n.get(k)).and_then(Value::as_str);
            let name = name.map_or_else(|| format!("param{}", k + 1), str::to_string);
            (name, param_value(r))
        })
        .collect()
}

/// A parameter value as asv stores it (a repr string; a bare JSON value in odd files).
fn repr(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A repr as a JSON value: numbers, `None`/`True`/`False`, quoted strings unquoted.
fn param_value(repr: &str) -> Value {
    if let Ok(i) = repr.parse::<i64>() {
        return Value::from(i);
    }
    if let Some(x) = repr.parse::<f64>().ok().filter(|x| x.is_finite()) {
        return Value::from(x);
    }
    match repr {
        "None" => return Value::Null,
        "True" => return Value::Bool(true),
        "False" => return Value::Bool(false),
        _ => {}
    }
    let unquoted = ['\'', '"']
        .into_iter()
        .find_map(|q| repr.strip_prefix(q)?.strip_suffix(q))
        .filter(|inner| !inner.contains(['\\', '\'', '"']));
    Value::String(unquoted.unwrap_or(repr).to_string())
}

/// asv's display name: `name(v1, v2)`, or `name` without parameters.
fn display_name(name: &str, reprs: &[String]) -> String {
    if reprs.is_empty() {
        name.to_string()
    } else {
        format!("{name}({})", reprs.join(", "))
    }
}

/// The metric of combination `i` of benchmark `name`.
fn metric(
    name: &str,
    desc: Option<&Value>,
    value: f64,
    slots: &Slots,
    row: &[Value],
    i: usize,
) -> ParsedMetric {
    let kind = desc.and_then(|d| d.get("type")).and_then(Value::as_str);
    let (metric_name, unit) = match kind.unwrap_or_else(|| kind_of(name)) {
        "time" => (metric_names::TIME, Unit::SECONDS),
        "memory" => ("memory", Unit::BYTES),
        "peakmemory" => ("peak_memory", Unit::BYTES),
        // A tracked value is in the benchmark's own unit, as its author wrote it.
        _ => (
            "track",
            Unit::from(
                desc.and_then(|d| d.get("unit"))
                    .and_then(Value::as_str)
                    .unwrap_or("value"),
            ),
        ),
    };
    let direction = match unit {
        Unit::PerSecond(_) => Direction::HigherIsBetter,
        _ => Direction::LowerIsBetter,
    };
    let mut m = ParsedMetric::new(metric_name, unit, direction);
    m.estimate.central = Some(value);
    m.estimate.median = Some(value);
    let nth = |slot: Option<usize>| slot.and_then(|s| row.get(s)).and_then(|c| c.get(i));
    m.estimate.n = nth(slots.repeat)
        .and_then(Value::as_u64)
        .map(|n| n as usize);
    if let Some(Value::Array(samples)) = nth(slots.samples) {
        m.samples = samples
            .iter()
            .filter_map(Value::as_f64)
            .filter(|x| x.is_finite())
            .collect();
    }
    m
}

/// A benchmark's type from its function name, as asv finds it.
fn kind_of(name: &str) -> &'static str {
    let function = name.rsplit('.').next().unwrap_or(name);
    [
        ("timeraw_", "time"),
        ("time_", "time"),
        ("peakmem_", "peakmemory"),
        ("mem_", "memory"),
        ("track_", "track"),
    ]
    .into_iter()
    .find(|(prefix, _)| function.starts_with(prefix))
    .map_or("track", |(_, kind)| kind)
}

/// A results directory: its latest run (see the module doc).
fn directory(input: &Input, dir: &Path) -> Result<Parsed, IngestError> {
    let mut runs: Vec<(String, Value)> = Vec::new();
    for file in result_files(dir) {
        let rel = file
            .strip_prefix(dir)
            .unwrap_or(&file)
            .display()
            .to_string();
        let bytes = crate::read::bytes(&file).map_err(|e| at(input, rel.clone(), e.to_string()))?;
        let doc = python_json(&Input::from_bytes(rel.clone(), bytes), NAME)
            .map_err(|e| at(input, within(&rel, e.place), e.message))?;
        if doc.get("result_columns").is_none() {
            return Err(at(input, rel, "not an asv results file"));
        }
        runs.push((rel, doc));
    }
    let key = |doc: &Value| {
        let machine = doc.pointer("/params/machine").and_then(Value::as_str);
        let env = doc.get("env_name").and_then(Value::as_str);
        format!("{}/{}", machine.unwrap_or("?"), env.unwrap_or("?"))
    };
    let mut keys: Vec<String> = runs.iter().map(|(_, d)| key(d)).collect();
    keys.sort();
    keys.dedup();
    if keys.len() > 1 {
        return Err(text::whole(
            input,
            NAME,
            format!(
                "results of several machines/environments ({}): pass one results file",
                keys.join(", ")
            ),
        ));
    }
    let Some((rel, doc)) = runs.into_iter().max_by_key(|(_, d)| last_start(d)) else {
        return Err(text::whole(
            input,
            NAME,
            "no asv results files in this directory",
        ));
    };
    let meta = benchmarks_json(dir).or_else(|| dir.parent().and_then(benchmarks_json));
    let mut parsed = results_file(input, &doc, meta.as_ref()).map_err(|e| IngestError {
        place: Some(within(&rel, e.place.clone())),
        ..e
    })?;
    parsed.source.insert("file".into(), Value::String(rel));
    Ok(parsed)
}

/// A place inside file `rel` of a directory.
fn within(rel: &str, place: Option<String>) -> String {
    match place {
        Some(p) => format!("{rel}: {p}"),
        None => rel.to_string(),
    }
}

/// `*.json` files in `dir` and its subfolders, but `machine.json` and `benchmarks.json`.
fn result_files(dir: &Path) -> Vec<PathBuf> {
    let list = |d: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        v.sort();
        v
    };
    let is_result = |p: &Path| {
        p.is_file()
            && p.extension().is_some_and(|e| e == "json")
            && !p.ends_with("machine.json")
            && !p.ends_with("benchmarks.json")
    };
    let top = list(dir);
    let nested = top.iter().filter(|p| p.is_dir()).flat_map(|d| list(d));
    top.iter()
        .cloned()
        .chain(nested)
        .filter(|p| is_result(p))
        .collect()
}

/// When a run's last benchmark started (ms), then its commit date: which run is newest.
fn last_start(doc: &Value) -> (u64, u64) {
    let columns = doc.get("result_columns").and_then(Value::as_array);
    let slot = columns.and_then(|c| c.iter().position(|c| c.as_str() == Some("started_at")));
    let started = doc
        .get("results")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|r| r.values())
        .filter_map(|row| row.get(slot?)?.as_u64())
        .max()
        .unwrap_or(0);
    (
        started,
        doc.get("date").and_then(Value::as_u64).unwrap_or(0),
    )
}
