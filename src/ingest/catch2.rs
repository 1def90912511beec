//! `catch2`: the XML reporter's output (`-r xml`) of a Catch2 test binary built with
//! `CATCH_CONFIG_ENABLE_BENCHMARKING`.
//!
//! ```xml
//! <Catch name="bench" filters="[fib]">
//!   <Group name="bench">
//!     <TestCase name="Containers &amp; strings" tags="[containers]" filename="b.cpp" line="20">
//!       <Section name="vector" filename="b.cpp" line="23">
//!         <BenchmarkResults name="sum &lt;vector&lt;int>>" samples="100" resamples="100000"
//!             iterations="7" clockResolution="25.37" estimatedDuration="2.8805e+06">
//!           <!--All values in nano seconds-->
//!           <mean value="4143.52" lowerBound="4117.13" upperBound="4256.87" ci="0.95"/>
//!           <standardDeviation value="235.9" lowerBound="23.4" upperBound="551.1" ci="0.95"/>
//!           <outliers variance="0.54" lowMild="0" lowSevere="0" highMild="0" highSevere="2"/>
//!         </BenchmarkResults>
//! ```
//!
//! One benchmark per `BenchmarkResults`, named exactly as the `BENCHMARK` was (the reporter
//! writes the name alone; the enclosing test case and sections go into params as `test_case`
//! and `section`, nested sections joined with ` / `). Report names must be unique, so a name
//! met twice (the same `BENCHMARK` in two test cases, or one re-run for each section) is an
//! error asking for distinct names.
//!
//! Each has one metric, `time` (s, lower is better): per-iteration time, mean of `samples`
//! samples. The reporter writes no raw samples, only its analysis, printed with 6 significant
//! digits in nanoseconds: the mean is the central value, with its bootstrap interval as ci95
//! when `ci` is 0.95, and the standard deviation's point estimate. With
//! `--benchmark-no-analysis` Catch2 writes the plain mean of the samples with `ci="0"` and a
//! standard deviation of 0 it never computed: only the mean is kept then.
//!
//! A benchmark that threw has a `<failed message="..."/>` and no results: it is left out and
//! its message kept under `failed_benchmarks` in the source metadata, with the root's `name`
//! (the binary), `filters`, `catch2-version` (Catch2 3) and the clock resolution in seconds.
//!
//! The XML is read by the small scanner in `catch2/xml.rs`, limited to what the reporter
//! writes. Errors at a line carry it (line 0 is "no particular line").

use std::collections::BTreeMap;

use serde_json::Value;

use super::{text, units, Adapter, IngestError, Input, Parsed, ParsedBench, ParsedMetric};
use crate::model::{metric_names, Direction, Unit};
use xml::{Fail, Kind, Scanner, Tag};

mod xml;

pub struct Catch2;

const NAME: &str = "catch2";

impl Adapter for Catch2 {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        let t = text::text(input, NAME)?;
        read(t).map_err(|(line, m)| match line {
            0 => text::whole(input, NAME, m),
            _ => text::at_line(input, NAME, line, m),
        })
    }
}

/// The open elements: (tag, line, its `name` attribute).
type Stack = Vec<(String, usize, String)>;

fn read(t: &str) -> Result<Parsed, Fail> {
    let mut tags = Scanner::new(t);
    let mut out = Out::default();
    let mut stack: Stack = Vec::new();
    let mut current: Option<Bench> = None;
    let mut root_seen = false;
    while let Some(tag) = tags.next_tag()? {
        if !root_seen {
            root(&tag, &mut out.parsed)?;
            root_seen = true;
        }
        match tag.kind {
            Kind::Close => {
                let Some((open, line, _)) = stack.pop() else {
                    return Err((tag.line, format!("</{}> closes nothing", tag.name)));
                };
                if open != tag.name {
                    let m = format!("</{}> does not close <{open}> (line {line})", tag.name);
                    return Err((tag.line, m));
                }
                if open == "BenchmarkResults" {
                    if let Some(b) = current.take() {
                        out.finish(b)?;
                    }
                }
            }
            Kind::Open | Kind::Empty => {
                if tag.name == "BenchmarkResults" {
                    if current.is_some() {
                        return Err((tag.line, "<BenchmarkResults> inside another".into()));
                    }
                    current = Some(Bench::start(&tag, &stack).map_err(|m| (tag.line, m))?);
                    out.clock_resolution(&tag);
                } else if let Some(b) = current.as_mut() {
                    b.child(&tag).map_err(|m| (tag.line, m))?;
                }
                if matches!(tag.kind, Kind::Open) {
                    let name = tag.attr("name").unwrap_or_default().to_string();
                    stack.push((tag.name.clone(), tag.line, name));
                } else if let Some(b) = current.take_if(|_| tag.name == "BenchmarkResults") {
                    out.finish(b)?;
                }
            }
        }
        if stack.is_empty() {
            // The root is closed (or was empty): what follows is not the report.
            break;
        }
    }
    if let Some((open, line, _)) = stack.last() {
        let m = format!("<{open}> is never closed (truncated output?)");
        return Err((*line, m));
    }
    if !root_seen {
        return Err((0, "not Catch2 XML (`-r xml`): no <Catch> element".into()));
    }
    if !out.failed.is_empty() {
        out.parsed
            .source
            .insert("failed_benchmarks".into(), Value::Object(out.failed));
    }
    Ok(out.parsed)
}

/// Checks the root element and keeps its metadata.
fn root(tag: &Tag, parsed: &mut Parsed) -> Result<(), Fail> {
    let is_root = matches!(tag.kind, Kind::Open | Kind::Empty)
        && matches!(tag.name.as_str(), "Catch" | "Catch2TestRun");
    if !is_root {
        let m = format!(
            "not Catch2 XML (`-r xml`): the first element is <{}>, not <Catch>",
            tag.name
        );
        return Err((tag.line, m));
    }
    for key in ["name", "filters", "catch2-version"] {
        if let Some(v) = tag.attr(key) {
            parsed.source.insert(key.into(), Value::from(v));
        }
    }
    Ok(())
}

/// What has been read so far.
#[derive(Default)]
struct Out {
    parsed: Parsed,
    /// Benchmark name -> (line, test case), to refuse a second one.
    seen: BTreeMap<String, (usize, String)>,
    failed: serde_json::Map<String, Value>,
}

impl Out {
    fn clock_resolution(&mut self, tag: &Tag) {
        let key = "clock_resolution_s";
        if self.parsed.source.contains_key(key) {
            return;
        }
        if let Some(r) = tag
            .attr("clockResolution")
            .and_then(|r| units::seconds_from_text(r, "ns"))
        {
            self.parsed.source.insert(key.into(), Value::from(r));
        }
    }

    /// Adds a finished benchmark (or its failure).
    fn finish(&mut self, b: Bench) -> Result<(), Fail> {
        let test_case = b.params.get("test_case").and_then(Value::as_str);
        if let Some((line, tc)) = self.seen.get(&b.name) {
            let m = format!(
                "benchmark `{}` already ran at line {line} (test case `{}`); \
                 give each BENCHMARK a unique name",
                b.name.escape_debug(),
                tc.escape_debug()
            );
            return Err((b.line, m));
        }
        let test_case = test_case.unwrap_or_default().to_string();
        self.seen.insert(b.name.clone(), (b.line, test_case));
        if let Some(message) = b.failed {
            self.failed.insert(b.name, Value::from(message));
            return Ok(());
        }
        let Some((mean, bounds, ci)) = b.mean else {
            let m = format!("benchmark `{}` has no <mean>", b.name.escape_debug());
            return Err((b.line, m));
        };
        let mut m = ParsedMetric::point(
            metric_names::TIME,
            Unit::SECONDS,
            Direction::LowerIsBetter,
            mean,
        );
        m.estimate.mean = Some(mean);
        m.estimate.n = b.samples;
        // `ci` is the confidence level; 0 is --benchmark-no-analysis: no interval, no spread.
        let level = text::number(&ci).unwrap_or(0.0);
        if level > 0.0 {
            m.estimate.stddev = b.stddev;
            if level == 0.95 {
                m.estimate.ci95 = Some(bounds);
            }
        }
        let mut bench = ParsedBench::new(b.name);
        bench.params = b.params;
        bench.metrics.push(m);
        self.parsed.benchmarks.push(bench);
        Ok(())
    }
}

/// A `BenchmarkResults` being read.
struct Bench {
    name: String,
    line: usize,
    params: BTreeMap<String, Value>,
    samples: Option<usize>,
    /// value, [lowerBound, upperBound], ci as written.
    mean: Option<(f64, [f64; 2], String)>,
    stddev: Option<f64>,
    failed: Option<String>,
}

impl Bench {
    fn start(tag: &Tag, stack: &Stack) -> Result<Bench, String> {
        let name = tag
            .attr("name")
            .ok_or("<BenchmarkResults> without a name")?;
        let mut params = BTreeMap::new();
        let within = |el: &'static str| {
            stack
                .iter()
                .filter(move |s| s.0 == el)
                .map(|s| s.2.as_str())
        };
        if let Some(tc) = within("TestCase").next_back() {
            params.insert("test_case".into(), Value::from(tc));
        }
        let sections: Vec<&str> = within("Section").collect();
        if !sections.is_empty() {
            params.insert("section".into(), Value::from(sections.join(" / ")));
        }
        let samples = match tag.attr("samples") {
            None => None,
            Some(s) => Some(
                s.parse::<usize>()
                    .map_err(|_| format!("samples={s:?} is not a whole number"))?,
            ),
        };
        Ok(Bench {
            name: name.to_string(),
            line: tag.line,
            params,
            samples,
            mean: None,
            stddev: None,
            failed: None,
        })
    }

    fn child(&mut self, tag: &Tag) -> Result<(), String> {
        let ns = |attr: &str| -> Result<f64, String> {
            let raw = tag
                .attr(attr)
                .ok_or_else(|| format!("<{}> without {attr}", tag.name))?;
            units::seconds_from_text(raw, "ns")
                .ok_or_else(|| format!("<{}> {attr}={raw:?} is not a number", tag.name))
        };
        match tag.name.as_str() {
            "mean" => {
                let ci = tag.attr("ci").unwrap_or_default().to_string();
                self.mean = Some((ns("value")?, [ns("lowerBound")?, ns("upperBound")?], ci));
            }
            "standardDeviation" => self.stddev = Some(ns("value")?),
            "failed" => self.failed = Some(tag.attr("message").unwrap_or_default().to_string()),
            _ => {}
        }
        Ok(())
    }
}
