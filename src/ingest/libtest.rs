//! `libtest`: the results of `#[bench]` functions run by Rust's built-in test harness
//! (`cargo bench`; nightly, or `RUSTC_BOOTSTRAP=1` with `#![feature(test)]`), in either of its
//! two outputs.
//!
//! The default (pretty or terse) output has one line per benchmark:
//! ```text
//! test fib::fib_20   ... bench:      14,832.61 ns/iter (+/- 1,903.96)
//! test checksum_4096 ... bench:       1,107.92 ns/iter (+/- 35.15) = 3700 MB/s
//! ```
//! Rust 1.95's libtest prints two decimals and `,` thousands separators (older toolchains
//! printed integers). criterion's `--output-format bencher` imitates the line (integers, its
//! median, and its standard deviation after `+/-`); it is read the same way, so its `+/-`
//! lands in `source.deviation` too.
//! With `--color always`, `bench` is wrapped in colour codes that include `ESC ( B`.
//! Lines of tests (`... ok`, `... ignored`, `... FAILED`) are skipped.
//!
//! `-Z unstable-options --format json` prints one JSON object per line; benchmarks are
//! `{ "type": "bench", "name": ..., "median": ns, "deviation": ns, "mib_per_second": n }`.
//!
//! What the numbers are (libtest's `bench.rs`): 50 samples of the mean time per iteration,
//! winsorized at the 5th and 95th percentiles. The value is their median; `+/-` (and
//! `deviation`) is their max minus min, i.e. the range between the 5th and 95th percentiles,
//! not a standard deviation nor a symmetric interval. Since it cannot place a minimum and
//! maximum around the median, it is not made into a spread: it is kept, in seconds, in
//! `source.deviation` by benchmark name. The rate is `bytes * 1000 / median`, both as
//! integers (ns truncated), i.e. decimal megabytes per second truncated, despite the JSON
//! key's `mib`.
//!
//! Metrics: `time` (s, lower is better; central = median = the value) and, when the bench
//! set `Bencher::bytes`, `throughput` (bytes/s, higher is better). No samples, no count.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{text, units, Adapter, IngestError, Input, Parsed, ParsedBench, ParsedMetric};
use crate::model::{metric_names, Direction, Unit};

pub struct Libtest;

const NAME: &str = "libtest";

/// One benchmark's result line, in SI units.
struct Line {
    name: String,
    time: f64,
    deviation: f64,
    bytes_per_second: Option<f64>,
}

impl Adapter for Libtest {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        let all = text::text(input, NAME)?;
        let mut parsed = Parsed::default();
        let mut deviation = serde_json::Map::new();
        for (i, raw) in all.lines().enumerate() {
            // `ESC ( B` (select the ASCII character set) is what libtest's colour reset
            // starts with; remove it whole before the generic ANSI stripping.
            let line = text::strip_ansi(&raw.replace("\u{1b}(B", "")).into_owned();
            let line = line.trim_end_matches('\r');
            let parsed_line = if line.trim_start().starts_with('{') {
                json_line(line)
            } else {
                text_line(line)
            };
            let Some(result) = parsed_line else { continue };
            let l = result.map_err(|m| text::at_line(input, NAME, i + 1, m))?;
            deviation.insert(l.name.clone(), l.deviation.into());
            parsed.benchmarks.push(bench(l));
        }
        if !deviation.is_empty() {
            parsed
                .source
                .insert("deviation".into(), Value::Object(deviation));
        }
        Ok(parsed)
    }
}

fn bench(l: Line) -> ParsedBench {
    let mut b = ParsedBench::new(l.name);
    let mut time = ParsedMetric::point(
        metric_names::TIME,
        Unit::SECONDS,
        Direction::LowerIsBetter,
        l.time,
    );
    time.estimate.median = Some(l.time);
    b.metrics.push(time);
    if let Some(rate) = l.bytes_per_second {
        b.metrics.push(ParsedMetric::point(
            metric_names::THROUGHPUT,
            Unit::BYTES_PER_SECOND,
            Direction::HigherIsBetter,
            rate,
        ));
    }
    b
}

/// `test <name> ... bench: <median> ns/iter (+/- <range>)[ = <n> MB/s]`. `None` for any
/// other line; an error for a bench line that does not continue as it must.
fn text_line(line: &str) -> Option<Result<Line, String>> {
    let rest = line.strip_prefix("test ")?;
    let (name, result) = rest.split_once(" ... ")?;
    let result = result.trim_start().strip_prefix("bench:")?;
    Some(bench_values(name.trim(), result))
}

fn bench_values(name: &str, result: &str) -> Result<Line, String> {
    let broken = || format!("`{name}`: expected `<value> ns/iter (+/- <range>)` after `bench:`");
    let tokens: Vec<&str> = result.split_whitespace().collect();
    let (value, range) = match tokens.as_slice() {
        [v, "ns/iter", "(+/-", r, ..] => (*v, r.strip_suffix(')').ok_or_else(broken)?),
        _ => return Err(broken()),
    };
    let time = units::seconds_from_text(value, "ns").ok_or_else(broken)?;
    let deviation = units::seconds_from_text(range, "ns").ok_or_else(broken)?;
    let bytes_per_second = match tokens.get(4..).unwrap_or_default() {
        [] => None,
        ["=", n, unit] => {
            let (factor, base) = units::rate(unit).ok_or_else(broken)?;
            let n = text::number(n)
                .filter(|_| base == Unit::BYTES_PER_SECOND)
                .ok_or_else(broken)?;
            Some(n * factor)
        }
        _ => return Err(broken()),
    };
    if name.is_empty() {
        return Err("a bench line with no name".into());
    }
    Ok(Line {
        name: name.to_string(),
        time,
        deviation,
        bytes_per_second,
    })
}

/// A `--format json` line of type `bench`. `None` for other events and for lines that are
/// not JSON objects (JSON is only required of what claims to be a bench event).
fn json_line(line: &str) -> Option<Result<Line, String>> {
    let v: BTreeMap<String, Value> = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) if line.contains("\"bench\"") => return Some(Err(format!("not JSON: {e}"))),
        Err(_) => return None,
    };
    if v.get("type").and_then(Value::as_str) != Some("bench") {
        return None;
    }
    let ns = |key: &str| {
        v.get(key)
            .and_then(Value::as_f64)
            .filter(|x| x.is_finite())
            .and_then(|x| units::to_seconds(x, "ns"))
            .ok_or_else(|| format!("`{key}` is missing or not a number"))
    };
    Some((|| {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or("`name` is missing or not a string")?;
        let bytes_per_second = match v.get("mib_per_second") {
            None => None,
            Some(n) => Some(
                n.as_f64()
                    .filter(|x| x.is_finite())
                    .ok_or("`mib_per_second` is not a number")?
                    * 1e6,
            ),
        };
        Ok(Line {
            name: name.to_string(),
            time: ns("median")?,
            deviation: ns("deviation")?,
            bytes_per_second,
        })
    })())
}
