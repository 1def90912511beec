//! The table `vitest bench` prints, one per group (ANSI colour removed first):
//!
//! ```text
//!  ✓ bench/strings.bench.js > join 5161ms
//!      name                     hz     min     max    mean     p75     p99    p995    p999     rme  samples
//!    · Array#join     2,330,987.91  0.0002  4.1392  0.0004  0.0005  0.0009  0.0010  0.0035  ±5.06%  1165494
//!    · reduce with +  4,835,887.08  0.0001  4.1127  0.0002  0.0002  0.0004  0.0006  0.0009  ±5.06%  2417944
//!    ↓ skipped: for...of [skipped]
//! ```
//!
//! - The line above the header names the group: a state symbol, its `fullName` (file and
//!   `describe` blocks joined by ` > `) and, when it took over 300 ms, its duration (`5161ms`).
//! - A row is a state symbol, the name (padded), then `hz`, the times in milliseconds (`min`
//!   to `p999`), `±rme%` and the sample count; numbers under 100 have four decimals, larger
//!   ones two and thousands separators. Rows are read from the right, so names may hold
//!   spaces. After the count may come `fastest`/`slowest`, or with `--compare` a change
//!   `[0.57x] ⇓`; the row that follows it, ending `(baseline)`, is the compared run's and is
//!   not read. A skipped or todo row ends `[skipped]` and has no numbers; a failed one (`×`)
//!   is kept under `failed_benchmarks`.
//! - vitest 4 prints the table of a file's own benchmarks (outside any `describe`) twice; a
//!   row printed again with the same numbers is the same result. With other numbers it is an
//!   error.
//! - The rest (`RUN`, the `BENCH Summary` ranking, notes) is not read.
//!
//! The table has no median and rounds times to 0.1 µs (`0.0001` ms), so the mean is taken
//! from `hz` (`1 / hz`: hz has two decimals, so six digits or more from 1,000 ops/s up) when
//! `hz > 0`; min, max and the percentiles are as printed; the interval is `mean·(1 ± rme)`.
//! The JSON has every value in full.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{bench_of, Stats, NAME};
use crate::ingest::{text, IngestError, Input, Parsed};

const HEAD: [&str; 11] = [
    "name", "hz", "min", "max", "mean", "p75", "p99", "p995", "p999", "rme", "samples",
];

/// `hz`, then the times from `min` to `p999`: the columns before `rme`.
const NUMBERS: usize = 8;

pub(super) fn parse(input: &Input, raw: &str) -> Result<Parsed, IngestError> {
    let clean = text::strip_ansi(raw);
    let lines: Vec<&str> = clean.lines().map(str::trim_end).collect();
    let mut parsed = Parsed::default();
    let mut failed = Vec::new();
    // Full name -> the line and numbers it was first read with.
    let mut seen: BTreeMap<String, (usize, Stats)> = BTreeMap::new();
    let mut tables = 0;
    for (i, line) in lines.iter().enumerate() {
        if !line.split_whitespace().eq(HEAD) {
            continue;
        }
        tables += 1;
        let group = i
            .checked_sub(1)
            .and_then(|above| group_name(lines[above]))
            .ok_or_else(|| text::at_line(input, NAME, i + 1, "a table with no group above it"))?;
        let rows = lines[i + 1..].iter().take_while(|l| !l.trim().is_empty());
        for (j, row_line) in rows.enumerate() {
            let lineno = i + j + 2;
            let err = |m: String| text::at_line(input, NAME, lineno, m);
            match row(row_line).map_err(err)? {
                Row::Result(name, stats) => {
                    let full = format!("{group} > {name}");
                    match seen.get(&full) {
                        Some((_, first)) if *first == stats => {}
                        Some((at, _)) => {
                            return Err(err(format!(
                                "`{full}` is already on line {at} with other numbers"
                            )))
                        }
                        None => {
                            seen.insert(full.clone(), (lineno, stats));
                            parsed.benchmarks.push(bench_of(full, &stats));
                        }
                    }
                }
                Row::Failed(name) => failed.push(Value::from(format!("{group} > {name}"))),
                Row::Other => {}
            }
        }
    }
    if tables == 0 {
        return Err(text::whole(
            input,
            NAME,
            format!("no vitest bench table (a `{}` header)", HEAD.join(" ")),
        ));
    }
    if !failed.is_empty() {
        parsed
            .source
            .insert("failed_benchmarks".into(), Value::Array(failed));
    }
    Ok(parsed)
}

/// ` ✓ bench/x.bench.js > group 5161ms` -> `bench/x.bench.js > group`.
fn group_name(line: &str) -> Option<&str> {
    let (_symbol, rest) = line.trim().split_once(' ')?;
    let rest = strip_duration(rest.trim());
    (!rest.is_empty()).then_some(rest)
}

/// `<text> 5161ms` -> `<text>`.
fn strip_duration(s: &str) -> &str {
    match s.rsplit_once(' ') {
        Some((head, last))
            if last
                .strip_suffix("ms")
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())) =>
        {
            head.trim_end()
        }
        _ => s,
    }
}

#[derive(Debug, PartialEq)]
enum Row<'a> {
    Result(&'a str, Stats),
    Failed(&'a str),
    /// Skipped, todo, or the compared run's `(baseline)` row.
    Other,
}

/// The whitespace-separated words of `line`, each with its byte offsets.
fn words(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &line[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &line[s..]));
    }
    out
}

/// `±5.06%` -> 5.06.
fn rme(word: &str) -> Option<f64> {
    word.strip_prefix('\u{b1}')?
        .strip_suffix('%')
        .and_then(text::number)
        .filter(|r| *r >= 0.0)
}

fn row(line: &str) -> Result<Row<'_>, String> {
    let w = words(line);
    if w.last().is_some_and(|(_, l)| *l == "(baseline)") {
        return Ok(Row::Other);
    }
    // The last `±r%` followed by a count, with the symbol, a name and the numbers before it.
    let at = (NUMBERS + 2..w.len().saturating_sub(1))
        .rev()
        .find(|&k| rme(w[k].1).is_some() && w[k + 1].1.parse::<usize>().is_ok());
    let Some(k) = at else {
        return no_numbers(line, &w);
    };
    let first = k - NUMBERS;
    let name = line[w[0].0 + w[0].1.len()..w[first].0].trim();
    let mut v = [0.0; NUMBERS];
    for (slot, (_, word)) in v.iter_mut().zip(&w[first..k]) {
        *slot = text::number(word)
            .filter(|x| *x >= 0.0)
            .ok_or_else(|| format!("`{word}` is not a number"))?;
    }
    let rel = rme(w[k].1).unwrap_or_default() / 100.0;
    let samples = w[k + 1].1.parse::<usize>().unwrap_or_default();
    let [hz, min, max, mean, p75, p99, p995, p999] = v;
    let stats = Stats {
        hz,
        mean_ms: if hz > 0.0 { 1e3 / hz } else { mean },
        median_ms: None,
        sd_ms: None,
        min_ms: Some(min),
        max_ms: Some(max),
        rel_moe: Some(rel),
        percentiles_ms: [Some(p75), Some(p99), Some(p995), Some(p999)],
        samples,
    };
    Ok(Row::Result(name, stats))
}

/// A row without numbers: skipped or todo (`[skipped]`), or failed (`×`).
fn no_numbers<'a>(line: &'a str, w: &[(usize, &'a str)]) -> Result<Row<'a>, String> {
    let Some(&(start, symbol)) = w.first() else {
        return Ok(Row::Other);
    };
    if w.last().is_some_and(|(_, l)| *l == "[skipped]") {
        return Ok(Row::Other);
    }
    let name = strip_duration(line[start + symbol.len()..].trim());
    if symbol == "\u{d7}" && !name.is_empty() {
        return Ok(Row::Failed(name));
    }
    Err(format!(
        "`{}` is not a row of the table (`<name> <hz> <min> ... <p999> ±<rme>% <samples>`)",
        line.trim()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_from_the_right() {
        let r = row("   · a  ±1%  b   1,234.50  0.0001  2.5  0.0008  0.0005  0.0010  0.0012  0.0046  ±12.81%   660664  [0.57x] ⇓");
        let Ok(Row::Result(name, s)) = r else {
            panic!("{r:?}")
        };
        assert_eq!(name, "a  ±1%  b");
        assert_eq!(s.hz, 1234.5);
        assert_eq!(s.mean_ms, 1e3 / 1234.5);
        assert_eq!((s.min_ms, s.max_ms), (Some(0.0001), Some(2.5)));
        assert_eq!(s.percentiles_ms[3], Some(0.0046));
        assert_eq!(s.rel_moe, Some(0.1281));
        assert_eq!(s.samples, 660_664);
    }

    #[test]
    fn rows_without_numbers() {
        assert_eq!(row("   ↓ skipped: x [skipped]"), Ok(Row::Other));
        assert_eq!(row("   □ todo: y [skipped]"), Ok(Row::Other));
        assert_eq!(row("   × throws 12ms"), Ok(Row::Failed("throws")));
        assert_eq!(
            row("     a  1.00  1.0  1.0  1.0  1.0  1.0  1.0  1.0  ±1.00%  3  (baseline)"),
            Ok(Row::Other)
        );
        assert!(row("   · a 1.00 1.0 ±1.00% 3").is_err());
        assert!(row("   · a  1.00  1.0  1.0  1.0  1.0  1.0  1.0  -1.0  ±1.00%  3").is_err());
    }

    #[test]
    fn group_titles_lose_their_symbol_and_duration() {
        assert_eq!(
            group_name(" ✓ bench/s.bench.js > join 5161ms"),
            Some("bench/s.bench.js > join")
        );
        assert_eq!(group_name(" ✓ bench/s.bench.js"), Some("bench/s.bench.js"));
        assert_eq!(group_name(" ✓ wait 5 ms"), Some("wait 5 ms"));
        assert_eq!(group_name(""), None);
        assert_eq!(group_name(" ✓"), None);
    }
}
