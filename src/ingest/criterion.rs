//! `criterion`: criterion.rs results, read from either of the two forms a run leaves.
//!
//! As written by criterion 0.8.2 (the fixtures); 0.5 writes the same files.
//!
//! **The directory** `target/criterion`. Each benchmark has a directory (its
//! `directory_name`: the id made safe for file names, e.g. `sum/1000`, `fib 20`) holding
//! `new/` (this run), `base/` (by default a copy of the run, saved as the baseline `base`),
//! `change/` (relative changes) and `report/` (HTML); a baseline saved under another name has
//! a directory of its own. Only `new/` is read, from any depth under the given directory:
//! - `new/benchmark.json`: `full_id` (the name, as the terminal prints it), `group_id`,
//!   `function_id`, `value_str` (the parameter, kept in `params` as `parameter`) and
//!   `throughput` (`null`, `{"Bytes": n}`, `{"BytesDecimal": n}`, `{"Elements": n}`,
//!   `{"Bits": n}` or `{"ElementsAndBytes": {"elements": e, "bytes": b}}`), per iteration.
//! - `new/estimates.json`: bootstrap estimates, in ns, of `mean`, `median`, `std_dev`,
//!   `median_abs_dev` and (linear sampling only) `slope`, each a `point_estimate` with a
//!   `confidence_interval` (`lower_bound`, `upper_bound`, `confidence_level`).
//! - `new/sample.json`: `iters[i]` iterations took `times[i]` ns in sample `i`.
//!
//! **The text** `cargo bench` prints on stdout, possibly coloured, possibly mixed with
//! stderr's `Benchmarking ...` progress lines (overwritten in place with `\r` on a terminal):
//! ```text
//! sum/1000                time:   [270.72 ns 271.44 ns 272.09 ns]
//!                         thrpt:  [3.6753 Gelem/s 3.6840 Gelem/s 3.6938 Gelem/s]
//!                  change:
//!                         time:   [+0.6045% +0.8539% +1.0987%] (p = 0.00 < 0.05)
//! ```
//! A name longer than 23 bytes is printed on a line of its own, with `time:` on the next.
//! Bracketed percentages belong to the comparison with the previous run and are skipped.
//!
//! Metrics: `time` (s, lower is better) and, with a throughput, `throughput` (`elem/s`,
//! `bytes/s` or `bits/s`, higher is better; an `ElementsAndBytes` benchmark also gets
//! `throughput_bytes`). The printed time is criterion's "typical" estimate: the slope of
//! total time over iterations when it was computed (linear sampling), else the mean. So the
//! central value is that estimate in both forms, and ci95 its interval (the directory's
//! interval only when its confidence level is 0.95); both forms then agree to the printed
//! digits. The slope estimates the mean time per iteration, hence its interval stands for
//! the mean's. The directory adds the samples (`times[i] / iters[i]`), mean, median and
//! standard deviation; the throughput samples are the amount per iteration over each time sample.
//! Only wall time (criterion's default measurement, in ns) is understood.

use std::path::Path;

use serde_json::Value;

use super::{
    text, throughput_name, units, Adapter, IngestError, Input, Parsed, ParsedBench, ParsedMetric,
};
use crate::model::{metric_names, Direction, Unit};

pub struct Criterion;

const NAME: &str = "criterion";
/// Per-benchmark directories that are not this run (or not data).
const NOT_THIS_RUN: [&str; 4] = ["new", "base", "change", "report"];
/// Bounds what a mistaken directory argument can cost.
const MAX_DEPTH: usize = 16;

impl Adapter for Criterion {
    fn name(&self) -> &'static str {
        NAME
    }

    fn reads_dirs(&self) -> bool {
        true
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        let benchmarks = match input {
            Input::Dir { path } => from_dir(input, path)?,
            Input::Bytes { .. } => from_text(input, text::text(input, NAME)?)?,
        };
        Ok(Parsed {
            benchmarks,
            ..Parsed::default()
        })
    }
}

// ---- the directory ----

fn err_at(input: &Input, place: impl Into<String>, message: impl Into<String>) -> IngestError {
    IngestError {
        input: input.name(),
        format: NAME,
        place: Some(place.into()),
        message: message.into(),
    }
}

fn from_dir(input: &Input, root: &Path) -> Result<Vec<ParsedBench>, IngestError> {
    let mut found = Vec::new();
    walk(input, root, 0, &mut found)?;
    if found.is_empty() {
        return Err(text::whole(
            input,
            NAME,
            "no `new/benchmark.json` under this directory (expects criterion's `target/criterion`)",
        ));
    }
    found.sort();
    found
        .iter()
        .map(|dir| bench_from_dir(input, root, dir))
        .collect()
}

/// Every benchmark directory (one with `new/benchmark.json`) under `dir`, not entering the
/// `new`, `base`, `change` and `report` directories nor following links.
fn walk(
    input: &Input,
    dir: &Path,
    depth: usize,
    out: &mut Vec<std::path::PathBuf>,
) -> Result<(), IngestError> {
    if dir.join("new").join("benchmark.json").is_file() {
        out.push(dir.to_path_buf());
    }
    if depth >= MAX_DEPTH {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| err_at(input, dir.display().to_string(), e.to_string()))?;
    for entry in entries.flatten() {
        let skip = NOT_THIS_RUN.iter().any(|n| entry.file_name() == *n);
        if !skip && entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(input, &entry.path(), depth + 1, out)?;
        }
    }
    Ok(())
}

fn read_json(input: &Input, root: &Path, file: &Path) -> Result<(String, Value), IngestError> {
    let rel = file
        .strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string();
    let bytes = crate::read::bytes(file).map_err(|e| err_at(input, &rel, e.to_string()))?;
    let value = serde_json::from_slice(&bytes)
        .map_err(|e| err_at(input, &rel, format!("not JSON: {e}")))?;
    Ok((rel, value))
}

fn bench_from_dir(input: &Input, root: &Path, dir: &Path) -> Result<ParsedBench, IngestError> {
    let new = dir.join("new");
    let (rel, info) = read_json(input, root, &new.join("benchmark.json"))?;
    let name = info
        .get("full_id")
        .and_then(Value::as_str)
        .ok_or_else(|| err_at(input, &rel, "`full_id` is missing or not a string"))?;
    let mut bench = ParsedBench::new(name);
    if let Some(p) = info.get("value_str").and_then(Value::as_str) {
        bench.params.insert("parameter".into(), p.into());
    }
    let amounts = throughput_amounts(info.get("throughput"))
        .ok_or_else(|| err_at(input, &rel, "`throughput` is not one criterion writes"))?;

    let (rel, est) = read_json(input, root, &new.join("estimates.json"))?;
    let get = |stat: &str| estimate(&est, stat).map_err(|m| err_at(input, &rel, m));
    let (mean, mean_ci) = get("mean")?;
    let (median, _) = get("median")?;
    let (std_dev, _) = get("std_dev")?;
    let (typical, typical_ci) = match est.get("slope") {
        Some(Value::Null) | None => (mean, mean_ci),
        Some(_) => get("slope")?,
    };
    let samples = match new.join("sample.json") {
        f if f.is_file() => {
            let (rel, s) = read_json(input, root, &f)?;
            per_iteration(&s).map_err(|m| err_at(input, &rel, m))?
        }
        _ => Vec::new(),
    };

    let mut time = ParsedMetric::new(metric_names::TIME, Unit::SECONDS, Direction::LowerIsBetter);
    time.estimate.central = Some(typical);
    time.estimate.mean = Some(mean);
    time.estimate.median = Some(median);
    time.estimate.stddev = Some(std_dev);
    time.estimate.ci95 = typical_ci;
    time.estimate.n = (!samples.is_empty()).then_some(samples.len());
    time.samples = samples;
    for (i, (amount, unit)) in amounts.into_iter().enumerate() {
        let mut m = ParsedMetric::new(throughput_name(i, &unit), unit, Direction::HigherIsBetter);
        m.estimate.central = Some(amount / typical);
        m.estimate.ci95 = typical_ci.map(|[lo, hi]| [amount / hi, amount / lo]);
        m.estimate.n = time.estimate.n;
        m.samples = time.samples.iter().map(|t| amount / t).collect();
        bench.metrics.push(m);
    }
    bench.metrics.insert(0, time);
    Ok(bench)
}

/// `throughput` -> (amount per iteration, rate unit) for each rate criterion prints.
fn throughput_amounts(t: Option<&Value>) -> Option<Vec<(f64, Unit)>> {
    let Some(Value::Object(t)) = t else {
        return matches!(t, None | Some(Value::Null)).then(Vec::new);
    };
    let (kind, v) = t.iter().next()?;
    let n = |v: &Value| v.as_f64().filter(|x| x.is_finite());
    Some(match kind.as_str() {
        "Bytes" | "BytesDecimal" => vec![(n(v)?, Unit::BYTES_PER_SECOND)],
        "Elements" => vec![(n(v)?, elements())],
        "Bits" => vec![(n(v)?, bits())],
        "ElementsAndBytes" => vec![
            (n(v.get("elements")?)?, elements()),
            (n(v.get("bytes")?)?, Unit::BYTES_PER_SECOND),
        ],
        _ => return None,
    })
}

/// Criterion's `Throughput::Elements` rate, as its own output names it.
fn elements() -> Unit {
    Unit::per_second("elem")
}

/// Criterion's `Throughput::Bits` rate.
fn bits() -> Unit {
    Unit::per_second("bits")
}

/// One statistic of `estimates.json` in seconds, with its interval when it is a 95% one.
fn estimate(est: &Value, stat: &str) -> Result<(f64, Option<[f64; 2]>), String> {
    let ns = |field: &str| {
        est.pointer(&format!("/{stat}/{field}"))
            .and_then(Value::as_f64)
            .filter(|x| x.is_finite())
            .and_then(|x| units::to_seconds(x, "ns"))
            .ok_or_else(|| {
                format!(
                    "`{stat}.{}` is missing or not a number",
                    field.replace('/', ".")
                )
            })
    };
    let point = ns("point_estimate")?;
    let level = est
        .pointer(&format!("/{stat}/confidence_interval/confidence_level"))
        .and_then(Value::as_f64);
    let ci = match level {
        Some(l) if (l - 0.95).abs() > 1e-9 => None,
        _ => Some([
            ns("confidence_interval/lower_bound")?,
            ns("confidence_interval/upper_bound")?,
        ]),
    };
    Ok((point, ci))
}

/// `sample.json` as seconds per iteration, one value per sample.
fn per_iteration(s: &Value) -> Result<Vec<f64>, String> {
    let array = |key: &str| {
        s.get(key)
            .and_then(Value::as_array)
            .ok_or_else(|| format!("`{key}` is missing or not an array"))
    };
    let (iters, times) = (array("iters")?, array("times")?);
    if iters.len() != times.len() {
        return Err(format!(
            "{} `iters` but {} `times`",
            iters.len(),
            times.len()
        ));
    }
    iters
        .iter()
        .zip(times)
        .enumerate()
        .map(|(i, (n, t))| match (n.as_f64(), t.as_f64()) {
            (Some(n), Some(t)) if n > 0.0 && t.is_finite() => {
                units::to_seconds(t / n, "ns").ok_or_else(String::new)
            }
            _ => Err(format!(
                "sample {i}: `iters` or `times` is not a usable number"
            )),
        })
        .collect()
}

// ---- the text ----

fn from_text(input: &Input, all: &str) -> Result<Vec<ParsedBench>, IngestError> {
    let mut benches: Vec<ParsedBench> = Vec::new();
    let mut previous = String::new();
    for (i, raw) in all.lines().enumerate() {
        let line = visible(raw);
        if let Some((head, values)) = labelled(&line, "time:") {
            if let Some(values) = values {
                let name = match head.trim() {
                    "" if starts_unindented(&previous) => previous.trim().to_string(),
                    "" => return Err(text::at_line(input, NAME, i + 1, "`time:` with no name")),
                    h => h.to_string(),
                };
                let [lo, mid, hi] = triple(&values, units::seconds_from_text)
                    .ok_or_else(|| bad(input, i, "time"))?;
                let mut time = ParsedMetric::point(
                    metric_names::TIME,
                    Unit::SECONDS,
                    Direction::LowerIsBetter,
                    mid,
                );
                time.estimate.ci95 = Some([lo, hi]);
                let mut bench = ParsedBench::new(name);
                bench.metrics.push(time);
                benches.push(bench);
            }
        } else if let Some((_, Some(values))) = labelled(&line, "thrpt:") {
            let bench = benches
                .last_mut()
                .ok_or_else(|| text::at_line(input, NAME, i + 1, "`thrpt:` before any `time:`"))?;
            let unit = values.get(1).map(|(_, u)| rate(u)).unwrap_or_default();
            let [lo, mid, hi] = triple(&values, |v, u| scaled(v, rate(u)?.0))
                .ok_or_else(|| bad(input, i, "thrpt"))?;
            let unit = unit.ok_or_else(|| bad(input, i, "thrpt"))?.1;
            let index = bench.metrics.len().saturating_sub(1);
            let name = throughput_name(index, &unit);
            let mut m = ParsedMetric::point(&name, unit, Direction::HigherIsBetter, mid);
            m.estimate.ci95 = Some([lo, hi]);
            bench.metrics.push(m);
        }
        previous = line;
    }
    Ok(benches)
}

fn bad(input: &Input, i: usize, label: &str) -> IngestError {
    text::at_line(
        input,
        NAME,
        i + 1,
        format!("`{label}:` is not followed by `[low estimate high]` values with units"),
    )
}

/// What a terminal would show of `raw`: no colour, and only what follows the last carriage
/// return (progress lines are overwritten in place that way).
fn visible(raw: &str) -> String {
    let s = text::strip_ansi(raw);
    let s = s.trim_end_matches('\r');
    s.rsplit('\r').next().unwrap_or_default().to_string()
}

/// A name printed on its own line: not indented and not one of criterion's messages.
fn starts_unindented(line: &str) -> bool {
    !line.trim().is_empty()
        && !line.starts_with(char::is_whitespace)
        && !line.starts_with("Benchmarking ")
        && !line.starts_with("Found ")
}

/// For `<head><label>   [a u b u c u]...`: the head and, unless the values are percentages
/// (a comparison with the previous run), the (value, unit) pairs. `None` without the label
/// followed by `[`.
fn labelled(line: &str, label: &str) -> Option<(String, Option<Pairs>)> {
    let at = line.find(label)?;
    let rest = line[at + label.len()..].trim_start().strip_prefix('[')?;
    let inside = rest.split(']').next().unwrap_or_default();
    let head = line[..at].to_string();
    if inside.contains('%') {
        return Some((head, None));
    }
    let tokens: Vec<&str> = inside.split_whitespace().collect();
    let pairs = tokens
        .chunks(2)
        .map(|c| match c {
            [v, u] => (v.to_string(), u.to_string()),
            _ => (c.concat(), String::new()),
        })
        .collect();
    Some((head, Some(pairs)))
}

/// (value, unit) texts of a bracket.
type Pairs = Vec<(String, String)>;

/// Exactly three (value, unit) pairs, each converted by `f`.
fn triple(values: &[(String, String)], f: impl Fn(&str, &str) -> Option<f64>) -> Option<[f64; 3]> {
    match values {
        [a, b, c] => Some([f(&a.0, &a.1)?, f(&b.0, &b.1)?, f(&c.0, &c.1)?]),
        _ => None,
    }
}

/// `value` times `factor`, rounded once: a power of ten shifts the decimal text, a power of
/// two (KiB, MiB...) multiplies exactly.
fn scaled(value: &str, factor: f64) -> Option<f64> {
    let exp = factor.log10();
    if exp.fract() == 0.0 {
        units::decimal_scaled(value, exp as i32)
    } else {
        Some(text::number(value)? * factor)
    }
}

/// A throughput unit criterion prints -> (factor to the base unit, base unit).
fn rate(unit: &str) -> Option<(f64, Unit)> {
    let bit_rates = [("b/s", 1.0), ("Kb/s", 1e3), ("Mb/s", 1e6), ("Gb/s", 1e9)];
    if let Some((_, f)) = bit_rates.iter().find(|(u, _)| *u == unit) {
        return Some((*f, bits()));
    }
    units::rate(unit)
}
