//! `gotest`: the text `go test -bench` prints, or the same text inside `go test -json`
//! (test2json) events.
//!
//! The text is a header of `key: value` lines (`goos`, `goarch`, `pkg`, `cpu`; `pkg` starts
//! each package's block) and one result line per run of a benchmark:
//!
//! ```text
//! BenchmarkSum/n=1000-2     3519030     316.3 ns/op     0 B/op     0 allocs/op
//! ```
//!
//! (tab-separated): the name (one field: Go turns spaces in sub-benchmark names into `_`),
//! the iteration count, then `<value> <unit>` pairs: `ns/op`, `MB/s` (from `b.SetBytes`,
//! decimal megabytes), `B/op` and `allocs/op` (from `-benchmem`), and any `b.ReportMetric`
//! unit. A trailing `-N` on the name is GOMAXPROCS, printed only when it is not 1; it goes
//! into `params.procs`. Where stripping it would give one package two benchmarks of one
//! name (`-cpu=1,2`), the names stay as printed; a name that several packages share is
//! qualified as `<pkg>.<name>`. With `-count=N` a name has N result lines: each is one
//! sample. A benchmark that prints to stdout splits its line: the name, the program's
//! output, then a line that starts with the iteration count. `--- BENCH:` log blocks,
//! `PASS` and `ok` lines are ignored; `--- FAIL`, `FAIL` and `FAIL <pkg>` lines make the
//! whole input an error, since the results of a failing run cannot be trusted.
//!
//! In test2json input every line is a JSON event; the `Output` fields of each package, in
//! order, are that text (one result line may be split over two events).
//!
//! Metrics: `time` (s), `bytes_per_op` (bytes), `allocs_per_op` (allocs), `throughput`
//! (bytes/s, higher is better), and each custom unit `<x>/<y>` as `<x>_per_<y>`: time and
//! byte numerators become seconds and bytes, `.../s` units are rates (higher is better).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{text, units, Adapter, IngestError, Input, Parsed, ParsedBench, ParsedMetric};
use crate::model::{metric_names, Direction, Unit};

pub struct GoTest;

const NAME: &str = "gotest";

impl Adapter for GoTest {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        let raw = text::text(input, NAME)?;
        let lines = if is_test2json(raw) {
            test2json_lines(input, raw)?
        } else {
            text::strip_ansi(raw)
                .lines()
                .enumerate()
                .map(|(i, l)| (i + 1, l.to_string()))
                .collect()
        };
        parse_lines(input, &lines)
    }
}

/// One benchmark as printed, in one package, with its runs' metrics in first-seen order.
struct Entry {
    pkg: String,
    printed: String,
    base: String,
    procs: Option<u64>,
    metrics: Vec<ParsedMetric>,
}

fn parse_lines(input: &Input, lines: &[(usize, String)]) -> Result<Parsed, IngestError> {
    let mut source: BTreeMap<String, Value> = BTreeMap::new();
    let mut packages: Vec<String> = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    // A benchmark name whose results were pushed to a later line by the program's output.
    let mut pending: Option<String> = None;
    for (no, raw_line) in lines {
        let line = raw_line.trim_end_matches('\r');
        if is_failure(line) {
            return Err(text::at_line(
                input,
                NAME,
                *no,
                format!(
                    "go test reported a failure (`{}`); its results cannot be trusted",
                    line.trim()
                ),
            ));
        }
        if let Some((key, value)) = header(line) {
            if key == "pkg" {
                if !packages.iter().any(|p| p == value) {
                    packages.push(value.to_string());
                }
            } else {
                source
                    .entry(key.to_string())
                    .or_insert_with(|| Value::String(value.to_string()));
            }
            continue;
        }
        let pkg = packages.last().cloned().unwrap_or_default();
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (name, result) = match fields.split_first() {
            Some((first, rest)) if first.starts_with("Benchmark") => {
                if rest.first().and_then(|f| f.parse::<u64>().ok()).is_none() {
                    // A name alone: `-v`/`-json` announce lines, or a split result line.
                    pending = Some(first.to_string());
                    continue;
                }
                (first.to_string(), rest)
            }
            Some((first, _)) if first.parse::<u64>().is_ok() && results_only(&fields) => {
                match pending.take() {
                    Some(name) => (name, &fields[..]),
                    None => continue,
                }
            }
            _ => continue,
        };
        pending = None;
        let metrics = result_metrics(input, *no, result)?;
        add_run(&mut entries, pkg, &name, metrics);
    }
    if entries.is_empty() {
        return Err(text::whole(
            input,
            NAME,
            "no benchmark result lines (`BenchmarkName-N <iterations> <value> ns/op`)",
        ));
    }
    // One package is a string, several a list.
    let mut pkgs: Vec<Value> = packages.into_iter().map(Value::String).collect();
    if pkgs.len() > 1 {
        source.insert("pkg".into(), Value::Array(pkgs));
    } else if let Some(one) = pkgs.pop() {
        source.insert("pkg".into(), one);
    }
    Ok(Parsed {
        benchmarks: finish(entries),
        source,
        report: None,
    })
}

/// `--- FAIL: X`, `FAIL`, `FAIL\t<pkg>\t...` (also `[build failed]`).
fn is_failure(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("--- FAIL")
        || line == "FAIL"
        || line.starts_with("FAIL\t")
        || line.starts_with("FAIL ")
}

/// A header line: `goos: linux`, `pkg: example.com/x`...
fn header(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(": ")?;
    ["goos", "goarch", "pkg", "cpu"]
        .contains(&key)
        .then(|| (key, value.trim()))
}

/// The `<value> <unit>` pairs after the iteration count, when they pair up.
fn pairs<'a>(fields: &'a [&'a str]) -> Option<std::slice::ChunksExact<'a, &'a str>> {
    let rest = fields
        .get(1..)
        .filter(|r| !r.is_empty() && r.len() % 2 == 0)?;
    Some(rest.chunks_exact(2))
}

/// Whether `fields` (iterations first) are a result with nothing else on the line.
fn results_only(fields: &[&str]) -> bool {
    pairs(fields).is_some_and(|mut p| p.all(|p| text::number(p[0]).is_some()))
}

/// The metrics of one result line; `fields` are the iteration count then value/unit pairs.
fn result_metrics(
    input: &Input,
    no: usize,
    fields: &[&str],
) -> Result<Vec<ParsedMetric>, IngestError> {
    let at = |m: String| text::at_line(input, NAME, no, m);
    let pairs = pairs(fields).ok_or_else(|| {
        at(
            "a result line needs `<value> <unit>` pairs after the iteration count (truncated?)"
                .into(),
        )
    })?;
    pairs
        .map(|p| {
            let (value, unit) = (p[0], p[1]);
            measure(value, unit)
                .ok_or_else(|| at(format!("`{value} {unit}` is not a number with a unit")))
        })
        .collect()
}

/// One `<value> <unit>` pair as a one-sample metric.
fn measure(value: &str, unit: &str) -> Option<ParsedMetric> {
    use Direction::{HigherIsBetter as Higher, LowerIsBetter as Lower};
    // (metric, SI unit, direction, power of ten to SI); `MB/s` from `b.SetBytes` is decimal.
    let known = match unit {
        "ns/op" => Some((metric_names::TIME, Unit::SECONDS, Lower, -9)),
        "B/op" => Some(("bytes_per_op", Unit::BYTES, Lower, 0)),
        // Go's own word, kept as a custom unit: as `count` allocations would get other
        // default thresholds than in the reports already stored.
        "allocs/op" => Some(("allocs_per_op", Unit::from("allocs"), Lower, 0)),
        "MB/s" => Some((metric_names::THROUGHPUT, Unit::BYTES_PER_SECOND, Higher, 6)),
        _ => None,
    };
    let (mut m, x) = match known {
        Some((name, si, direction, exp)) => (
            ParsedMetric::new(name, si, direction),
            units::decimal_scaled(value, exp)?,
        ),
        None => {
            let (si, factor, direction) = custom_unit(unit);
            let x = text::number(value)? * factor;
            (ParsedMetric::new(snake(unit), si, direction), x)
        }
    };
    m.samples.push(x);
    Some(m)
}

/// (SI unit, factor, direction) of a `b.ReportMetric` unit.
fn custom_unit(unit: &str) -> (Unit, f64, Direction) {
    if let Some((factor, per_second)) = unit.ends_with("/s").then(|| units::rate(unit)).flatten() {
        return (per_second, factor, Direction::HigherIsBetter);
    }
    // The quantity per op (or per anything): its numerator decides the unit.
    let numerator = unit.split('/').next().unwrap_or(unit);
    let (si, factor) = if let Some(f) = units::seconds_per(numerator) {
        (Unit::SECONDS, f)
    } else if let Some(f) = units::bytes_per(numerator) {
        (Unit::BYTES, f)
    } else if unit.contains('/') {
        (Unit::from(numerator), 1.0)
    } else {
        (Unit::from(unit), 1.0)
    };
    (si, factor, Direction::LowerIsBetter)
}

/// `items/op` -> `items_per_op`: a metric name from a unit.
fn snake(unit: &str) -> String {
    unit.replace('/', "_per_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// `BenchmarkSum/n=1000-2` -> (`BenchmarkSum/n=1000`, Some(2)).
fn split_procs(name: &str) -> (&str, Option<u64>) {
    name.rsplit_once('-')
        .filter(|(base, n)| !base.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|(base, n)| Some((base, Some(n.parse().ok()?))))
        .unwrap_or((name, None))
}

/// Adds one run's metrics to its benchmark (one sample each).
fn add_run(entries: &mut Vec<Entry>, pkg: String, printed: &str, metrics: Vec<ParsedMetric>) {
    let i = match entries
        .iter()
        .position(|e| e.pkg == pkg && e.printed == printed)
    {
        Some(i) => i,
        None => {
            let (base, procs) = split_procs(printed);
            entries.push(Entry {
                pkg,
                printed: printed.to_string(),
                base: base.to_string(),
                procs,
                metrics: Vec::new(),
            });
            entries.len() - 1
        }
    };
    let Some(entry) = entries.get_mut(i) else {
        return;
    };
    for m in metrics {
        match entry.metrics.iter_mut().find(|e| e.name == m.name) {
            Some(existing) => existing.samples.extend(m.samples),
            None => entry.metrics.push(m),
        }
    }
}

/// The entries as benchmarks with unique names: the name without `-N`; as printed where
/// several GOMAXPROCS share a package; qualified by package where packages share a name.
fn finish(entries: Vec<Entry>) -> Vec<ParsedBench> {
    let short: Vec<&str> = entries
        .iter()
        .map(|e| {
            let procs_vary = entries
                .iter()
                .any(|x| x.pkg == e.pkg && x.base == e.base && x.printed != e.printed);
            if procs_vary {
                e.printed.as_str()
            } else {
                e.base.as_str()
            }
        })
        .collect();
    let names: Vec<String> = entries
        .iter()
        .zip(&short)
        .map(|(e, name)| {
            let elsewhere = entries
                .iter()
                .zip(&short)
                .any(|(x, other)| x.pkg != e.pkg && other == name);
            if elsewhere {
                format!("{}.{name}", e.pkg)
            } else {
                name.to_string()
            }
        })
        .collect();
    entries
        .into_iter()
        .zip(names)
        .map(|(e, name)| {
            let mut b = ParsedBench::new(name);
            if let Some(p) = e.procs {
                b.params.insert("procs".into(), Value::from(p));
            }
            b.metrics = e
                .metrics
                .into_iter()
                .map(|mut m| {
                    m.estimate.n = Some(m.samples.len());
                    m
                })
                .collect();
            b
        })
        .collect()
}

/// Whether the input is test2json: its first non-blank line is a JSON object.
fn is_test2json(raw: &str) -> bool {
    raw.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.starts_with('{'))
}

/// Lines of text numbered by the input line where each began.
type Lines = Vec<(usize, String)>;

/// One package's output in test2json input.
struct PackageText {
    package: String,
    lines: Lines,
    /// Whether the last chunk ended its line.
    at_start: bool,
}

/// The `Output` text of test2json events, per package in first-seen order, as lines numbered
/// by the JSON line where each began.
fn test2json_lines(input: &Input, raw: &str) -> Result<Lines, IngestError> {
    let mut packages: Vec<PackageText> = Vec::new();
    for (i, line) in raw.lines().enumerate() {
        let no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let event: Value = serde_json::from_str(line)
            .map_err(|e| text::at_line(input, NAME, no, format!("not a test2json event: {e}")))?;
        let Some(obj) = event.as_object().filter(|o| o.contains_key("Action")) else {
            return Err(text::at_line(
                input,
                NAME,
                no,
                "not a test2json event (no `Action`)",
            ));
        };
        if obj.get("Action").and_then(Value::as_str) != Some("output") {
            continue;
        }
        let Some(output) = obj.get("Output").and_then(Value::as_str) else {
            continue;
        };
        let pkg = obj
            .get("Package")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let slot = match packages.iter().position(|p| p.package == pkg) {
            Some(s) => s,
            None => {
                packages.push(PackageText {
                    package: pkg.to_string(),
                    lines: Vec::new(),
                    at_start: true,
                });
                packages.len() - 1
            }
        };
        if let Some(p) = packages.get_mut(slot) {
            append(&mut p.lines, &mut p.at_start, no, &text::strip_ansi(output));
        }
    }
    Ok(packages.into_iter().flat_map(|p| p.lines).collect())
}

/// Appends a chunk of output that came from JSON line `no`.
fn append(lines: &mut Lines, at_start: &mut bool, no: usize, chunk: &str) {
    for piece in chunk.split_inclusive('\n') {
        let body = piece.strip_suffix('\n').unwrap_or(piece);
        match lines.last_mut() {
            Some(last) if !*at_start => last.1.push_str(body),
            _ => lines.push((no, body.to_string())),
        }
        *at_start = piece.ends_with('\n');
    }
}
