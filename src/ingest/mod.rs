//! Harness outputs -> perfgate reports. One file per harness behind [`Adapter`]; each is
//! tested on real outputs of the real tool under `tests/fixtures/<adapter>/`.
//!
//! An adapter only parses: it turns bytes (or a directory) into [`Parsed`] benchmarks with
//! values already in SI base units. [`to_report`] then adds what every report has (machine,
//! git, summaries), so an ingested report is compared, checked and stored exactly like one
//! from `perfgate run`.

mod asv;
mod benchmark_ips;
mod benchmarkjs;
pub mod bmf;
mod build;
mod catch2;
mod criterion;
mod divan;
mod gbench;
mod generic;
mod gotest;
mod hyperfine;
mod iai;
mod json;
mod libtest;
mod perfgate;
mod pyperf;
mod pytest;
pub mod text;
pub mod units;
mod validate;
mod vitest;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use build::{results, to_report, ReportContext};

use crate::model::{metric_names, Direction, Unit};

/// Why an input is not (valid) output of a format. Displays as one line:
/// `<input>: <format>: <place>: <message>`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{input}: {format}: {}{message}", place.as_ref().map(|p| format!("{p}: ")).unwrap_or_default())]
pub struct IngestError {
    /// The file, directory or `-` (stdin).
    pub input: String,
    pub format: &'static str,
    /// Where in the input: `line 12`, `benchmarks[3].real_time`, a file inside a directory.
    pub place: Option<String>,
    pub message: String,
}

impl IngestError {
    /// An error at `place` of `input` read as `format`.
    pub fn at(
        input: &Input,
        format: &'static str,
        place: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        IngestError {
            input: input.name(),
            format,
            place: Some(place.into()),
            message: message.into(),
        }
    }
}

/// What an adapter reads: the bytes of a file or of stdin, or a directory.
#[derive(Debug, Clone)]
pub enum Input {
    Bytes { name: String, bytes: Vec<u8> },
    Dir { path: PathBuf },
}

impl Input {
    /// Reads `path`: `-` is stdin, a directory stays a directory; anything else must be a
    /// regular file. Either is read up to the input limit ([`crate::read`]).
    pub fn read(path: &Path) -> Result<Input, crate::read::ReadError> {
        if path == Path::new("-") {
            return Ok(Input::Bytes {
                name: "-".into(),
                bytes: crate::read::stdin()?,
            });
        }
        if path.is_dir() {
            return Ok(Input::Dir {
                path: path.to_path_buf(),
            });
        }
        Ok(Input::Bytes {
            name: path.display().to_string(),
            bytes: crate::read::bytes(path)?,
        })
    }

    pub fn from_bytes(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Input {
        Input::Bytes {
            name: name.into(),
            bytes: bytes.into(),
        }
    }

    /// How errors name this input.
    pub fn name(&self) -> String {
        match self {
            Input::Bytes { name, .. } => name.clone(),
            Input::Dir { path } => path.display().to_string(),
        }
    }
}

/// A harness's output, parsed. Values are in SI base units (s, bytes, <item>/s).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub benchmarks: Vec<ParsedBench>,
    /// The harness's own metadata: its version, its context block (host, CPU, date...).
    pub source: BTreeMap<String, serde_json::Value>,
    /// A perfgate report read as it is (the `json` adapter on perfgate's own format).
    pub report: Option<Box<crate::model::Report>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedBench {
    /// Exactly as the harness names it (groups and parameters kept).
    pub name: String,
    pub params: BTreeMap<String, serde_json::Value>,
    /// The harness's own tags (a perfgate report's), added to the suite's.
    pub tags: Vec<String>,
    pub metrics: Vec<ParsedMetric>,
}

impl ParsedBench {
    pub fn new(name: impl Into<String>) -> Self {
        ParsedBench {
            name: name.into(),
            params: BTreeMap::new(),
            tags: Vec::new(),
            metrics: Vec::new(),
        }
    }

    pub fn metric_mut(&mut self, name: &str) -> Option<&mut ParsedMetric> {
        self.metrics.iter_mut().find(|m| m.name == name)
    }
}

/// One metric of a benchmark: its samples when the harness kept them, and the harness's own
/// estimates (its central value and spread), which take precedence over values recomputed
/// from the samples: the harness knows its method (criterion's per-iteration slope, say).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedMetric {
    pub name: String,
    pub unit: Unit,
    pub direction: Direction,
    pub samples: Vec<f64>,
    pub estimate: Estimate,
    /// How many processes the samples came from, when the harness says (pyperf's workers,
    /// each giving several values, in process order); `None`: as the adapter's
    /// [`Adapter::samples_are_processes`] says.
    pub processes: Option<u64>,
}

impl ParsedMetric {
    /// A metric in `unit`: one of [`Unit`]'s constants for a known unit, so that no adapter
    /// spells one by hand.
    pub fn new(name: impl Into<String>, unit: Unit, direction: Direction) -> Self {
        ParsedMetric {
            name: name.into(),
            unit,
            direction,
            samples: Vec::new(),
            estimate: Estimate::default(),
            processes: None,
        }
    }

    /// A metric known only by one value (a harness that prints a single number).
    pub fn point(name: &str, unit: Unit, direction: Direction, value: f64) -> Self {
        let mut m = ParsedMetric::new(name, unit, direction);
        m.estimate.central = Some(value);
        m
    }
}

/// The name of a benchmark's `nth` rate metric (from 0): `throughput` for the first, so that
/// it is found like a run's, and `throughput_<item>` after it (criterion's elements and
/// bytes of one benchmark, divan's counters).
fn throughput_name(nth: usize, unit: &Unit) -> String {
    match nth {
        0 => metric_names::THROUGHPUT.to_string(),
        _ => format!(
            "{}_{}",
            metric_names::THROUGHPUT,
            unit.item().unwrap_or(unit)
        ),
    }
}

/// What a harness reports about a metric besides (or instead of) samples. All optional.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Estimate {
    /// The harness's headline value (criterion's mean, libtest's median, go's ns/op...).
    pub central: Option<f64>,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub stddev: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The harness's 95% interval of its central value.
    pub ci95: Option<[f64; 2]>,
    /// How many measurements the harness made (iterations, rounds, repetitions).
    pub n: Option<usize>,
}

/// One harness format.
pub trait Adapter: Sync {
    /// The `--format` name.
    fn name(&self) -> &'static str;
    /// Parses `input`, or says why it is not this format (or where it is broken).
    fn parse(&self, input: &Input) -> Result<Parsed, IngestError>;
    /// Whether this format can be read from a directory (criterion's `target/criterion`).
    fn reads_dirs(&self) -> bool {
        false
    }
    /// Whether each sample the format gives is a separate process run (hyperfine's runs), not
    /// an inner iteration of one harness process (criterion's samples, Google Benchmark's
    /// repetitions, pytest-benchmark's rounds): only the former are independent samples.
    fn samples_are_processes(&self) -> bool {
        false
    }
}

/// [`Adapter::samples_are_processes`] of the format named `format` (false when unknown).
pub fn samples_are_processes(format: &str) -> bool {
    adapter(format).is_some_and(Adapter::samples_are_processes)
}

/// Every adapter, in the order `auto` tries them: structured formats with unmistakable
/// markers first, loose text formats last.
pub fn adapters() -> &'static [&'static dyn Adapter] {
    &[
        &json::Json,
        &hyperfine::Hyperfine,
        &gbench::GoogleBenchmark,
        &pytest::PytestBenchmark,
        &pyperf::Pyperf,
        &asv::Asv,
        &iai::Iai,
        &catch2::Catch2,
        &criterion::Criterion,
        &gotest::GoTest,
        &libtest::Libtest,
        &divan::Divan,
        &benchmarkjs::BenchmarkJs,
        &bmf::Bmf,
        &benchmark_ips::BenchmarkIps,
        &vitest::Vitest,
        // A perfgate report is `json`'s (as it is) when detected; `perfgate` is asked for.
        &perfgate::Perfgate,
    ]
}

pub fn names() -> Vec<&'static str> {
    adapters().iter().map(|a| a.name()).collect()
}

pub fn adapter(name: &str) -> Option<&'static dyn Adapter> {
    adapters().iter().copied().find(|a| a.name() == name)
}

/// The format that parses `input` with at least one benchmark, first in [`adapters`] order.
/// When none does, one error listing each format tried and why it was rejected.
pub fn detect(input: &Input) -> Result<(&'static dyn Adapter, Parsed), IngestError> {
    let mut why = Vec::new();
    for a in adapters() {
        if matches!(input, Input::Dir { .. }) && !a.reads_dirs() {
            continue;
        }
        match a.parse(input) {
            Ok(p) if !p.benchmarks.is_empty() || p.report.is_some() => return Ok((*a, p)),
            Ok(_) => why.push(format!("{}: no benchmarks found", a.name())),
            Err(e) => why.push(format!(
                "{}: {}{}",
                a.name(),
                e.place.map(|p| format!("{p}: ")).unwrap_or_default(),
                e.message
            )),
        }
    }
    Err(IngestError {
        input: input.name(),
        format: "auto",
        place: None,
        message: format!("no format recognised; tried {}", why.join("; ")),
    })
}

/// Parses `input` as `format` (`auto` detects). A format that finds no benchmark is an error:
/// gating on an empty report would pass silently.
pub fn parse(format: &str, input: &Input) -> Result<(&'static str, Parsed), IngestError> {
    if format == "auto" {
        let (a, p) = detect(input)?;
        validate::check(&p, a.name(), &input.name())?;
        return Ok((a.name(), p));
    }
    let a = adapter(format).ok_or_else(|| IngestError {
        input: input.name(),
        format: "auto",
        place: None,
        message: format!(
            "unknown format `{format}`; known: auto, {}",
            names().join(", ")
        ),
    })?;
    let p = a.parse(input)?;
    if p.benchmarks.is_empty() && p.report.is_none() {
        return Err(IngestError {
            input: input.name(),
            format: a.name(),
            place: None,
            message: "no benchmarks found".into(),
        });
    }
    validate::check(&p, a.name(), &input.name())?;
    Ok((a.name(), p))
}
