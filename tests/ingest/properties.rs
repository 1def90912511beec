//! Properties every adapter keeps on any bytes: a report or a clear one-line error naming
//! the format, never a panic. Inputs: every fixture of every harness, whole, truncated at
//! many points, and with bytes flipped, deleted or duplicated (seeded, so a failure
//! reproduces), fed to every adapter and to `auto`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use perfgate::ingest::{self, Input};
use perfgate::model::{MetricKind, Unit};
use perfgate::stats::SplitMix64;

use crate::fixture;

/// Every fixture file (not READMEs or benchmark sources), recursively.
fn fixture_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                if name != "src" {
                    walk(&p, out);
                }
            } else if !name.eq_ignore_ascii_case("README.md") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&fixture::path(""), &mut out);
    out.sort();
    out
}

/// Parses `bytes` with `format`; panics (with the case) if the adapter panicked, and checks
/// the error's shape.
fn check(format: &str, case: &str, bytes: &[u8]) {
    let input = Input::from_bytes(case, bytes.to_vec());
    let outcome = catch_unwind(AssertUnwindSafe(|| ingest::parse(format, &input)));
    let result = outcome.unwrap_or_else(|_| panic!("{format} panicked on {case}"));
    if let Err(e) = result {
        let text = e.to_string();
        assert_eq!(text.lines().count(), 1, "{format} on {case}: {text}");
        assert!(
            e.format == format || (format == "auto" && e.format == "auto"),
            "{format} on {case}: error names {}",
            e.format
        );
        assert!(text.starts_with(case), "{format} on {case}: {text}");
        assert!(!e.message.is_empty(), "{format} on {case}: empty message");
    }
}

fn mutations(bytes: &[u8], rng: &mut SplitMix64) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![("whole".to_string(), bytes.to_vec())];
    if bytes.is_empty() {
        return out;
    }
    let n = bytes.len();
    // Truncations: a spread of points, plus each of the first and last few bytes.
    let mut cuts: Vec<usize> = (0..24).map(|i| i * n / 24).collect();
    cuts.extend([1, 2, 3, n.saturating_sub(1), n.saturating_sub(2)]);
    cuts.extend((0..8).map(|_| rng.below(n)));
    for cut in cuts {
        out.push((format!("truncated at {cut}"), bytes[..cut.min(n)].to_vec()));
    }
    for k in 0..24 {
        let mut b = bytes.to_vec();
        let at = rng.below(n);
        let what = match k % 4 {
            0 => {
                b[at] ^= 1u8 << rng.below(8);
                "bit flipped"
            }
            1 => {
                b[at] = [b'{', b'}', b'"', b'\n', b',', b'-', b'e', 0xff][rng.below(8)];
                "byte replaced"
            }
            2 => {
                let len = (rng.below(16) + 1).min(n - at);
                b.drain(at..at + len);
                "bytes deleted"
            }
            _ => {
                let len = (rng.below(64) + 1).min(n - at);
                let chunk = b[at..at + len].to_vec();
                b.splice(at..at, chunk);
                "bytes duplicated"
            }
        };
        out.push((format!("{what} at {at} (mutation {k})"), b));
    }
    out
}

#[test]
fn no_adapter_panics_on_mutated_fixtures_and_errors_name_the_format() {
    let files = fixture_files();
    let mut formats = ingest::names();
    formats.push("auto");
    let mut cases = 0usize;
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let rel = file
            .strip_prefix(fixture::path(""))
            .unwrap()
            .display()
            .to_string();
        let mut rng = SplitMix64::derive(0x5eed, &rel);
        for (what, mutated) in mutations(&bytes, &mut rng) {
            for format in &formats {
                check(format, &format!("{rel} ({what})"), &mutated);
                cases += 1;
            }
        }
    }
    // Odd inputs no fixture has.
    for (what, bytes) in [
        ("empty", Vec::new()),
        ("one NUL", vec![0u8]),
        ("invalid UTF-8", vec![0xc3, 0x28, 0xff]),
        ("deep nesting", "[".repeat(10_000).into_bytes()),
        ("a JSON number", b"1e999".to_vec()),
    ] {
        for format in &formats {
            check(format, what, &bytes);
        }
    }
    eprintln!("{} fixture files, {cases} parses", files.len());
}

#[test]
fn each_fixture_is_recognised_by_auto_as_its_own_format() {
    // tests/fixtures/<adapter>/...: `auto` must pick <adapter> (files the adapter reads; a
    // directory adapter's loose files are checked through their directory by its own tests).
    for file in fixture_files() {
        let rel = file.strip_prefix(fixture::path("")).unwrap();
        let adapter = rel.iter().next().unwrap().to_string_lossy().to_string();
        let input = fixture::input(&rel.display().to_string());
        if let Ok((format, p)) = ingest::parse(&adapter, &input) {
            if p.benchmarks.is_empty() && p.report.is_none() {
                continue;
            }
            if adapter == "perfgate" {
                // A perfgate report is detected as `json`'s (read as it is); the `perfgate`
                // adapter, which takes it into a running suite, is only used when asked for.
                let (detected, _) = ingest::parse("auto", &input).unwrap();
                assert_eq!(detected, "json", "{}", rel.display());
                continue;
            }
            let (detected, _) = ingest::parse("auto", &input)
                .unwrap_or_else(|e| panic!("{}: auto failed: {e}", rel.display()));
            assert_eq!(detected, format, "{}", rel.display());
        }
    }
}

/// Each adapter's inputs under tests/fixtures/<adapter>/: its files, and its directories when
/// it reads directories (criterion's `target/criterion`, asv's results).
fn fixtures_of(format: &str) -> Vec<String> {
    let reads_dirs = ingest::adapter(format).is_some_and(perfgate::ingest::Adapter::reads_dirs);
    let Ok(entries) = std::fs::read_dir(fixture::path(format)) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            let is_source = name == "src" || name.ends_with(".md") || name.ends_with(".py");
            !is_source && (p.is_file() || reads_dirs)
        })
        .map(|p| format!("{format}/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    out.sort();
    out
}

/// The kind a metric of this name is, whichever adapter made it: its unit must classify to
/// it, since the kind picks the default thresholds.
fn kind_by_name(name: &str) -> MetricKind {
    use perfgate::model::metric_names::*;
    // `build_time`, `file_size`: Bencher's built-in measures, read from BMF.
    let times = [
        WALL_TIME,
        USER_TIME,
        SYS_TIME,
        TIME,
        REAL_TIME,
        CPU_TIME,
        "build_time",
    ];
    // vitest's percentiles of its time per call.
    let time_percentiles = ["time_p75", "time_p99", "time_p995", "time_p999"];
    let memory = [
        PEAK_RSS,
        "memory",
        "peak_memory",
        "bytes_per_op",
        "peak_alloc",
        "file_size",
    ];
    // Callgrind's events (iai) and Google Benchmark's user counters.
    let counts = [
        "instructions",
        "allocations",
        "l1_hits",
        "ll_hits",
        "ram_hits",
        "total_read_write",
        "estimated_cycles",
        "elements",
        "writes_avg",
    ];
    if times.contains(&name) || time_percentiles.contains(&name) {
        MetricKind::Time
    } else if name.starts_with(THROUGHPUT)
        || name.ends_with("_per_second")
        || name.ends_with("_per_s")
    {
        MetricKind::Throughput
    } else if memory.contains(&name) || name.ends_with("_bytes") {
        MetricKind::Memory
    } else if counts.contains(&name) || name.ends_with("_count") {
        MetricKind::Count
    } else {
        MetricKind::Other
    }
}

/// (adapter, metric, unit): the units the fixtures carry that are deliberately none of the
/// known ones. Any other custom unit is a known one misspelled somewhere.
const DELIBERATELY_CUSTOM: [(&str, &str, &str); 6] = [
    // asv's `track_*` benchmarks are in their author's unit (`value` when none is given).
    ("asv", "track", "items"),
    ("asv", "track", "unit"),
    ("asv", "track", "value"),
    ("gotest", "allocs_per_op", "allocs"),
    ("gotest", "items_per_op", "items"),
    ("json", "accuracy", "ratio"),
];

/// Fixtures that are refused by design (a failed run, a repeated name, another tool's text).
const REFUSED: [&str; 3] = ["catch2/repeated.xml", "gotest/fail.txt", "iai/run2.txt"];

#[test]
fn every_unit_on_the_fixtures_is_a_known_one_or_a_listed_custom_one_and_fits_its_metric() {
    let mut refused = Vec::new();
    let mut seen_customs = Vec::new();
    for format in ingest::names() {
        let mut checked = 0;
        for rel in fixtures_of(format) {
            let Ok((_, parsed)) = ingest::parse(format, &fixture::input(&rel)) else {
                refused.push(rel);
                continue;
            };
            let own = parsed.report.iter().flat_map(|r| &r.benchmarks);
            let metrics = parsed
                .benchmarks
                .iter()
                .flat_map(|b| b.metrics.iter().map(|m| (&m.name, &m.unit, m.direction)))
                .chain(own.flat_map(|b| b.metrics.iter().map(|m| (&m.name, &m.unit, m.direction))));
            for (name, unit, direction) in metrics {
                assert_eq!(
                    MetricKind::of(unit, direction),
                    kind_by_name(name),
                    "{rel}: metric `{name}` in `{unit}` ({direction:?})"
                );
                if let Unit::Custom(_) = unit {
                    let entry = (format, name.as_str(), unit.as_str());
                    let listed = DELIBERATELY_CUSTOM.iter().find(|e| **e == entry);
                    let listed = listed.unwrap_or_else(|| {
                        panic!(
                            "{rel}: `{unit}` of `{name}` is no known unit and not listed as custom"
                        )
                    });
                    seen_customs.push(*listed);
                }
                checked += 1;
            }
        }
        assert!(checked > 0, "no metric of {format} was checked");
    }
    refused.sort();
    assert_eq!(refused, REFUSED);
    // Each listed custom unit still occurs, so the list cannot grow stale and hide a typo.
    for entry in DELIBERATELY_CUSTOM {
        assert!(
            seen_customs.contains(&entry),
            "{entry:?} is listed but never seen"
        );
    }
}
