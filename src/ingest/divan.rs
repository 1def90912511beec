//! `divan`: the tree divan prints on stdout (`cargo bench` with `harness = false`).
//!
//! ```text
//! div              fastest       │ slowest       │ median        │ mean          │ samples │ iters
//! ├─ sum                         │               │               │               │         │
//! │  ├─ 1000       276.3 ns      │ 3.572 µs      │ 280.1 ns      │ 312.4 ns      │ 100     │ 800
//! │  │             3.618 Gitem/s │ 279.9 Mitem/s │ 3.569 Gitem/s │ 3.2 Gitem/s   │         │
//! ╰─ squares                     │               │               │               │         │
//!    ╰─ 64         25.06 ns      │ 144.4 ns      │ 26.17 ns      │ 28.51 ns      │ 100     │ 6400
//!                  max alloc:    │               │               │               │         │
//!                    1           │ 1             │ 1             │ 1             │         │
//!                    512 B       │ 512 B         │ 512 B         │ 512 B         │         │
//! ```
//! The header line names the root: the bench target (crate). Below it, `├─ ` and `╰─ `
//! open an entry, three columns of prefix per level; an entry is a module, a function, a
//! generic type or const, or an argument value. An entry with values in the `samples`
//! column is a benchmark, named by its path from the root joined with `/` (`div/sum/1000`:
//! divan's own path is `div::sum::1000`). Columns are separated by ` │ `; the first column
//! follows the name after at least two spaces. Values are truncated (not rounded) to four
//! significant digits: times in ps, ns, µs, ms, s (or m, h, d), counts plain.
//!
//! Rows under a benchmark without an entry marker:
//! - counter throughputs (`BytesCount` -> `B/s`, `KB/s`... or `KiB/s`... with
//!   `--bytes-format binary`; `ItemsCount` -> `item/s`...; `CharsCount` -> `char/s`...;
//!   `CyclesCount` -> `Hz`...), each column the counter over that column's time;
//! - with `AllocProfiler`, a label (`max alloc:`, `alloc:`, `dealloc:`, `grow:`, `shrink:`)
//!   then a row of counts and a row of sizes per iteration.
//!
//! Metrics: `time` (s, lower is better): central = median, min = fastest, max = slowest,
//! mean, n = samples. Counters: `throughput` for the first, `throughput_<item>` for more
//! (units `bytes/s`, `items/s`, `chars/s`, `cycles/s`; higher is better), central = median
//! column, min = slowest column and max = fastest column (the extremes when the count per
//! iteration is constant, as with `Bencher::counter(n)`), mean = the mean column (the count
//! over the mean time), n = samples. Allocations: `<label>_count` (unit `count`) and
//! `<label>_bytes` (`bytes`), lower is better, central = median, mean = mean; their fastest
//! and slowest columns go with the fastest and slowest samples, so they are not kept as min
//! and max.
//! No samples. `source.roots` lists the header names.

use super::{
    text, throughput_name, units, Adapter, IngestError, Input, Parsed, ParsedBench, ParsedMetric,
};
use crate::model::{metric_names, Direction, Unit};

pub struct Divan;

const NAME: &str = "divan";
const TREE_CHARS: [char; 5] = ['│', '├', '╰', '─', ' '];

impl Adapter for Divan {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        let all = text::text(input, NAME)?;
        let mut parsed = Parsed::default();
        let mut roots = Vec::new();
        // Entry names from the root down to the last entry seen.
        let mut path: Vec<String> = Vec::new();
        // Benchmark and allocation label the continuation rows belong to.
        let mut open: Option<(usize, Option<String>)> = None;
        for (i, raw) in all.lines().enumerate() {
            let line = text::strip_ansi(raw);
            let line = line.trim_end_matches('\r');
            let at = |m: String| text::at_line(input, NAME, i + 1, m);
            if let Some(root) = header(line) {
                roots.push(serde_json::Value::from(root.clone()));
                path = vec![root];
                open = None;
                continue;
            }
            if path.is_empty() || line.trim().is_empty() {
                continue;
            }
            let (depth, rest) = entry(line);
            let cells: Vec<&str> = rest.split('│').map(str::trim).collect();
            if let Some(depth) = depth {
                open = None;
                let Some(first) = cells.first() else { continue };
                let is_bench = cells.get(4).is_some_and(|s| !s.is_empty());
                let (name, fastest) = if is_bench {
                    split_name(first).ok_or_else(|| at("no time after the name".into()))?
                } else {
                    (*first, "")
                };
                path.truncate(depth);
                path.push(name.to_string());
                if is_bench {
                    let bench = timed(&path.join("/"), fastest, &cells).map_err(at)?;
                    parsed.benchmarks.push(bench);
                    open = Some((parsed.benchmarks.len() - 1, None));
                }
            } else if let Some((index, label)) = &mut open {
                let Some(bench) = parsed.benchmarks.get_mut(*index) else {
                    continue;
                };
                let first = cells.first().copied().unwrap_or_default();
                if let Some(l) = first.strip_suffix(':') {
                    *label = Some(l.replace(' ', "_"));
                } else if let Some(m) = row(&cells, label.as_deref(), bench).map_err(at)? {
                    bench.metrics.push(m);
                }
            }
        }
        if !roots.is_empty() {
            parsed.source.insert("roots".into(), roots.into());
        }
        Ok(parsed)
    }
}

/// The root's name, when `line` is a header: `<root>  fastest │ slowest │ ...`.
fn header(line: &str) -> Option<String> {
    if line.starts_with(TREE_CHARS) {
        return None;
    }
    let (first, rest) = line.split_once('│')?;
    let root = first.trim_end().strip_suffix("fastest")?.trim();
    (rest.trim_start().starts_with("slowest") && !root.is_empty()).then(|| root.to_string())
}

/// (depth of the entry when the line opens one, the text after the tree prefix).
fn entry(line: &str) -> (Option<usize>, &str) {
    let start = line
        .char_indices()
        .find(|(_, c)| !TREE_CHARS.contains(c))
        .map_or(line.len(), |(i, _)| i);
    let (prefix, rest) = line.split_at(start);
    let branch = prefix.find("├─").or_else(|| prefix.find("╰─"));
    // Three columns per level above this entry; the root is level 0.
    let depth = branch.map(|b| prefix[..b].chars().count() / 3 + 1);
    (depth, rest)
}

/// `"<name>  <value> <unit>"` -> (name, `"<value> <unit>"`).
fn split_name(cell: &str) -> Option<(&str, &str)> {
    let (before_unit, _) = cell.rsplit_once(' ')?;
    let (name, _) = before_unit.trim_end().rsplit_once(' ')?;
    let name = name.trim_end();
    (!name.is_empty()).then(|| (name, cell[name.len()..].trim()))
}

/// A benchmark's line: its time columns and sample count.
fn timed(name: &str, fastest: &str, cells: &[&str]) -> Result<ParsedBench, String> {
    let col = |i: usize| cells.get(i).copied().unwrap_or_default();
    let time = |s: &str| seconds(s).ok_or_else(|| format!("`{name}`: `{s}` is not a time"));
    let mut m = ParsedMetric::new(metric_names::TIME, Unit::SECONDS, Direction::LowerIsBetter);
    let median = time(col(2))?;
    m.estimate.central = Some(median);
    m.estimate.median = Some(median);
    m.estimate.min = Some(time(fastest)?);
    m.estimate.max = Some(time(col(1))?);
    m.estimate.mean = Some(time(col(3))?);
    m.estimate.n = Some(
        col(4)
            .parse()
            .map_err(|_| format!("`{name}`: samples `{}` is not a count", col(4)))?,
    );
    let mut bench = ParsedBench::new(name);
    bench.metrics.push(m);
    Ok(bench)
}

/// `"<value> <unit>"` as seconds.
fn seconds(s: &str) -> Option<f64> {
    let (v, unit) = s.split_once(' ')?;
    let minutes = [("m", 60.0), ("h", 3600.0), ("d", 86400.0)];
    match minutes.iter().find(|(u, _)| *u == unit) {
        Some((_, f)) => Some(text::number(v)? * f),
        None => units::seconds_from_text(v, unit),
    }
}

/// A value with a rate unit -> (per second in base units, base unit).
fn rate(s: &str) -> Option<(f64, Unit)> {
    let (v, unit) = s.split_once(' ')?;
    let (factor, base) = if let Some(p) = unit.strip_suffix("Hz") {
        (prefix(p)?, Unit::per_second("cycles"))
    } else if let Some(p) = unit.strip_suffix("item/s") {
        (prefix(p)?, Unit::ITEMS_PER_SECOND)
    } else if let Some(p) = unit.strip_suffix("char/s") {
        (prefix(p)?, Unit::per_second("chars"))
    } else {
        // Divan's only other counter is bytes; another rate is not one of its rows.
        let (f, base) = units::rate(unit)?;
        (f, Some(base).filter(|b| *b == Unit::BYTES_PER_SECOND)?)
    };
    Some((scaled(v, factor)?, base))
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

/// Divan's decimal prefixes for non-byte counters.
fn prefix(p: &str) -> Option<f64> {
    Some(match p {
        "" => 1.0,
        "K" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        _ => return None,
    })
}

/// A row under a benchmark: a counter's throughput, or (after an allocation label) counts
/// or sizes. `None` for a row of neither kind.
fn row(
    cells: &[&str],
    label: Option<&str>,
    bench: &ParsedBench,
) -> Result<Option<ParsedMetric>, String> {
    let col = |i: usize| cells.get(i).copied().unwrap_or_default();
    if rate(col(0)).is_some() {
        let values: Option<Vec<(f64, Unit)>> = (0..4).map(|i| rate(col(i))).collect();
        let values = values.ok_or_else(|| format!("`{}`: a counter row is broken", bench.name))?;
        let unit = values[0].1.clone();
        let counters = bench
            .metrics
            .iter()
            .filter(|m| m.name.starts_with(metric_names::THROUGHPUT));
        let name = throughput_name(counters.count(), &unit);
        let mut m = ParsedMetric::new(name, unit, Direction::HigherIsBetter);
        m.estimate.max = Some(values[0].0);
        m.estimate.min = Some(values[1].0);
        m.estimate.central = Some(values[2].0);
        m.estimate.median = Some(values[2].0);
        m.estimate.mean = Some(values[3].0);
        m.estimate.n = bench.metrics.first().and_then(|t| t.estimate.n);
        return Ok(Some(m));
    }
    let Some(label) = label else { return Ok(None) };
    // Sizes are printed with a unit (`512 B`), counts bare.
    let unit = if col(0).contains(' ') {
        Unit::BYTES
    } else {
        Unit::COUNT
    };
    let (Some(median), Some(mean)) = (amount(col(2), &unit), amount(col(3), &unit)) else {
        return Err(format!("`{}`: a `{label}:` row is broken", bench.name));
    };
    let name = format!("{label}_{unit}");
    let mut m = ParsedMetric::new(name, unit, Direction::LowerIsBetter);
    m.estimate.central = Some(median);
    m.estimate.median = Some(median);
    m.estimate.mean = Some(mean);
    Ok(Some(m))
}

/// An allocation cell: a size (`512 B`, `1.5 KB`) in bytes, or a plain count.
fn amount(s: &str, unit: &Unit) -> Option<f64> {
    match (unit, s.split_once(' ')) {
        (Unit::Bytes, Some((v, printed))) => scaled(v, units::bytes_per(printed)?),
        (Unit::Count, None) => text::number(s),
        _ => None,
    }
}
