//! `benchmarkjs`: the console lines of Benchmark.js (npm `benchmark`, 2.1.x), as printed by the
//! usual `suite.on('cycle', e => console.log(String(e.target)))`:
//!
//! ```text
//! RegExp#test x 28,427,135 ops/sec ±16.54% (35 runs sampled)
//! spin 1.9 s x 0.53 ops/sec ±1.89% (2 runs sampled)
//! single sample x 1.62 ops/sec ±0.00% (1 run sampled)
//! Fastest is String#indexOf
//! ```
//!
//! A result line is `<name> x <hz> ops/sec ±<rme>% (<n> run[s] sampled)`:
//! - `<name>` is the benchmark's name as given (spaces, `#`, even ` x ` allowed), or
//!   `<Test #N>` for an unnamed one, so the line is read from the right.
//! - `<hz>` is operations per second, `1 / mean` of the sampled seconds per operation; it has
//!   thousands separators, and two decimals below 100 ops/sec, none from 100 up.
//! - `<rme>` is the relative margin of error of that mean at 95% (Student's t), in percent with
//!   two decimals; `<n>` is how many samples were taken.
//!
//! Every other line is ignored: `Fastest is ...`, the `<name>: <error>` line of a benchmark
//! that threw (it has no rate), the program's own logging. A line that ends like a result
//! (`sampled)`) and has ` ops/sec ` but does not parse is an error. The console line carries no
//! samples and no version of Benchmark.js, so `Parsed.source` stays empty.
//!
//! One metric per benchmark: `throughput` in `ops/s`, higher is better, central = hz. The 95%
//! interval is the printed one carried over to the rate: Benchmark.js's interval of the mean
//! time is `mean·(1 ± rme)`, and since hz = 1/mean it maps exactly to
//! `[hz / (1 + rme), hz / (1 - rme)]` (left out when rme ≥ 100%, where it has no upper end).

use std::collections::BTreeMap;

use super::{text, Adapter, IngestError, Input, Parsed, ParsedBench, ParsedMetric};
use crate::model::{metric_names, Direction, Unit};

pub struct BenchmarkJs;

const NAME: &str = "benchmarkjs";

/// One result line, as printed.
#[derive(Debug, PartialEq)]
struct Line<'a> {
    name: &'a str,
    hz: f64,
    /// Relative margin of error as a fraction (`16.54%` -> 0.1654).
    rme: f64,
    runs: usize,
}

impl Adapter for BenchmarkJs {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        let raw = text::text(input, NAME)?;
        let clean = text::strip_ansi(raw);
        let mut parsed = Parsed::default();
        // Name -> line it was first seen on, to refuse a name printed twice.
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, line) in clean.lines().enumerate() {
            let lineno = i + 1;
            let line = line.trim_end();
            if !looks_like_result(line) {
                continue;
            }
            let r = result_line(line).map_err(|m| text::at_line(input, NAME, lineno, m))?;
            if let Some(first) = seen.insert(r.name, lineno) {
                return Err(text::at_line(
                    input,
                    NAME,
                    lineno,
                    format!("benchmark `{}` is already on line {first}", r.name),
                ));
            }
            parsed.benchmarks.push(bench(&r));
        }
        if parsed.benchmarks.is_empty() {
            return Err(text::whole(
                input,
                NAME,
                "no Benchmark.js result line (`<name> x <hz> ops/sec ±<rme>% (<n> runs sampled)`)",
            ));
        }
        Ok(parsed)
    }
}

/// Whether `line` claims to be a result line: the fixed tail Benchmark.js always prints.
fn looks_like_result(line: &str) -> bool {
    line.ends_with(" sampled)") && line.contains(" ops/sec ")
}

/// `<name> x <hz> ops/sec ±<rme>% (<n> run[s] sampled)`, read from the right.
fn result_line(line: &str) -> Result<Line<'_>, String> {
    let (head, runs) = line
        .strip_suffix(" sampled)")
        .and_then(|l| l.rsplit_once(" ("))
        .ok_or("expected `(<n> runs sampled)` at the end")?;
    let runs = runs
        .strip_suffix(" runs")
        .or_else(|| runs.strip_suffix(" run"))
        .and_then(|n| n.parse::<usize>().ok())
        .ok_or_else(|| format!("`({runs} sampled)` is not a count of runs"))?;
    let (head, margin) = head
        .rsplit_once(" ops/sec ")
        .ok_or("expected ` ops/sec ` before the margin of error")?;
    let rme = margin
        .strip_prefix('\u{b1}')
        .and_then(|m| m.strip_suffix('%'))
        .and_then(text::number)
        .filter(|&p| p >= 0.0)
        .ok_or_else(|| format!("`{margin}` is not a margin of error like `±1.23%`"))?;
    let (name, hz) = head
        .rsplit_once(" x ")
        .ok_or("expected `<name> x <ops/sec>`")?;
    let hz = text::number(hz)
        .filter(|&h| h >= 0.0)
        .ok_or_else(|| format!("`{hz}` is not a rate"))?;
    if name.trim().is_empty() {
        return Err("the benchmark has no name".into());
    }
    Ok(Line {
        name,
        hz,
        rme: rme / 100.0,
        runs,
    })
}

fn bench(r: &Line<'_>) -> ParsedBench {
    let mut m = ParsedMetric::point(
        metric_names::THROUGHPUT,
        Unit::OPS_PER_SECOND,
        Direction::HigherIsBetter,
        r.hz,
    );
    if r.rme < 1.0 {
        m.estimate.ci95 = Some([r.hz / (1.0 + r.rme), r.hz / (1.0 - r.rme)]);
    }
    // A cycle event fired before sampling finished prints `(0 runs sampled)`: no count then.
    m.estimate.n = (r.runs > 0).then_some(r.runs);
    let mut b = ParsedBench::new(r.name);
    b.metrics.push(m);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_from_the_right() {
        let l = result_line("Array#push x 2 x 73,453,899 ops/sec \u{b1}2.15% (70 runs sampled)");
        assert_eq!(
            l,
            Ok(Line {
                name: "Array#push x 2",
                hz: 73453899.0,
                rme: 0.0215,
                runs: 70
            })
        );
        let one = result_line("one x 1.62 ops/sec \u{b1}0.00% (1 run sampled)").unwrap();
        assert_eq!((one.hz, one.runs), (1.62, 1));
    }

    #[test]
    fn truncated_or_odd_lines_are_errors_not_panics() {
        for bad in [
            " x 1 ops/sec \u{b1}1% (2 runs sampled)",
            "a x 1 ops/sec 1% (2 runs sampled)",
            "a x 1 ops/sec \u{b1}1 (2 runs sampled)",
            "a x one ops/sec \u{b1}1% (2 runs sampled)",
            "a x 1 ops/sec \u{b1}1% (two runs sampled)",
            "a x 1 ops/sec \u{b1}1% (2 sampled)",
            "a 1 ops/sec \u{b1}1% (2 runs sampled)",
            "ops/sec \u{b1}1% (2 runs sampled)",
            " sampled)",
        ] {
            assert!(result_line(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn interval_is_the_time_interval_inverted() {
        let b = bench(&Line {
            name: "a",
            hz: 100.0,
            rme: 0.25,
            runs: 3,
        });
        assert_eq!(b.metrics[0].estimate.ci95, Some([80.0, 100.0 / 0.75]));
        let wide = bench(&Line {
            name: "a",
            hz: 100.0,
            rme: 1.5,
            runs: 0,
        });
        assert_eq!(wide.metrics[0].estimate.ci95, None);
        assert_eq!(wide.metrics[0].estimate.n, None);
    }
}
