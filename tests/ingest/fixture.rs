//! Loading fixtures and looking into parsed results.
#![allow(dead_code)]

use std::path::PathBuf;

use perfgate::ingest::{self, Input, Parsed, ParsedBench, ParsedMetric};

pub fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// The fixture file (or directory) `rel` under tests/fixtures as an adapter input.
pub fn input(rel: &str) -> Input {
    let p = path(rel);
    if p.is_dir() {
        Input::Dir { path: p }
    } else {
        Input::from_bytes(p.display().to_string(), std::fs::read(&p).unwrap())
    }
}

/// Parses fixture `rel` with adapter `format`, panicking with the error.
pub fn parse(format: &str, rel: &str) -> Parsed {
    let (_, p) = ingest::parse(format, &input(rel)).unwrap_or_else(|e| panic!("{e}"));
    p
}

pub fn bench<'a>(p: &'a Parsed, name: &str) -> &'a ParsedBench {
    p.benchmarks
        .iter()
        .find(|b| b.name == name)
        .unwrap_or_else(|| {
            let names: Vec<_> = p.benchmarks.iter().map(|b| &b.name).collect();
            panic!("no benchmark `{name}` in {names:?}")
        })
}

pub fn metric<'a>(p: &'a Parsed, bench_name: &str, metric: &str) -> &'a ParsedMetric {
    let b = bench(p, bench_name);
    b.metrics
        .iter()
        .find(|m| m.name == metric)
        .unwrap_or_else(|| {
            let names: Vec<_> = b.metrics.iter().map(|m| &m.name).collect();
            panic!("no metric `{metric}` in `{bench_name}`: {names:?}")
        })
}

pub fn names(p: &Parsed) -> Vec<&str> {
    p.benchmarks.iter().map(|b| b.name.as_str()).collect()
}

/// `a` and `b` equal to within `ulps` units in the last place (for values converted from
/// text with a unit change).
pub fn close(a: f64, b: f64, ulps: u64) -> bool {
    a == b || a.to_bits().abs_diff(b.to_bits()) <= ulps
}
