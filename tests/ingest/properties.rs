//! Properties every adapter keeps on any bytes: a report or a clear one-line error naming
//! the format, never a panic. Inputs: every fixture of every harness, whole, truncated at
//! many points, and with bytes flipped, deleted or duplicated (seeded, so a failure
//! reproduces), fed to every adapter and to `auto`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use perfgate::ingest::{self, Input};
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
            let (detected, _) = ingest::parse("auto", &input)
                .unwrap_or_else(|e| panic!("{}: auto failed: {e}", rel.display()));
            assert_eq!(detected, format, "{}", rel.display());
        }
    }
}
