//! A fuzz target per parser, as a property test with a fixed budget (so CI time is bounded):
//! seeded arbitrary inputs (random bytes, printable text, and soups of the tokens each format
//! is made of) plus mutations of real inputs (truncated, bits flipped, bytes deleted,
//! duplicated or replaced). Every parser must return an error (one line, not empty) or a
//! valid result, never panic. A failure names the seed and case, so it reproduces.
//!
//! Harness adapters are also fed every fixture under tests/fixtures mutated
//! (tests/ingest/properties.rs); here they get the arbitrary inputs.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use perfgate::ingest::{self, Input, ReportContext};
use perfgate::stats::SplitMix64;

/// Inputs per parser from the generator (mutations of real inputs come on top).
const CASES: usize = 1_500;

const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ":",
    ",",
    " ",
    "\n",
    "0",
    "-1",
    "1.5",
    "1e308",
    "1e-400",
    "-0",
    "18446744073709551616",
    "true",
    "false",
    "null",
    "\"value\"",
    "\"unit\"",
    "\"samples\"",
    "\"direction\"",
    "\"ms\"",
    "\"GB\"",
    "\"ratio\"",
    "\"higher\"",
    "\"schema_version\"",
    "\"benchmarks\"",
    "\"name\"",
    "\"metrics\"",
    "\"summary\"",
    "\"kind\"",
    "\"artifacts\"",
    "\"path\"",
    "\"sha256\"",
    "\"perfgate-attestation\"",
    "\"perfgate-replay-manifest\"",
    "\"manifest_sha256\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"\u{1b}[31m\"",
    "1",
    "2",
    "3",
];

const TEXT_TOKENS: &[&str] = &[
    "test ",
    "bench: ",
    " ns/iter",
    " (+/- 5)",
    "Benchmark",
    "-8",
    "\t",
    " ns/op",
    " B/op",
    " allocs/op",
    " x 1,234 ops/sec ±0.99% (93 runs sampled)",
    "\n",
    "time:",
    "[1.2 ms 1.3 ms 1.4 ms]",
    "<?xml version=\"1.0\"?>",
    "<Catch2TestRun>",
    "<BenchmarkResults name=\"x\">",
    "<mean value=\"",
    "\"/>",
    "├─ ",
    "│  ",
    "╰─ ",
    "fastest",
    "│ 1.2 µs",
    "PASS",
    "ok  \tpkg\t1.0s",
    "1,234.5",
    "µs",
    "ns",
    "ms",
    "s",
    " ",
    "=",
    "-",
    "NaN",
    "inf",
    "1e999",
    "PERFGATE_METRIC name=a value=1 unit=s",
    "summary: 12345",
    "events: Ir",
    "totals: 1",
];

const TOML_TOKENS: &[&str] = &[
    "suite = \"s\"\n",
    "[[bench]]\n",
    "name = \"b\"\n",
    "command = [\"true\"]\n",
    "shell = \"x\"\n",
    "[defaults]\n",
    "[thresholds]\n",
    "\"*.wall_time\" = { warn_pct = 5, fail_pct = 10 }\n",
    "\"b.peak_rss\" = { budget = \"1GB\" }\n",
    "\"b.x\" = { ratio = 0.1, abs = 1 }\n",
    "timeout = 1e20\n",
    "timeout = \"3s\"\n",
    "min_time = \"-1s\"\n",
    "runs = 0\n",
    "runs = 5\n",
    "warmup = 4294967296\n",
    "device = \"cuda\"\n",
    "device = \"tpu\"\n",
    "pin = [0, 99999]\n",
    "threads = 0\n",
    "seed = 1\n",
    "measure = [\"instructions\"]\n",
    "adapter = \"gotest\"\n",
    "output = \"o.json\"\n",
    "processes = 3\n",
    "deterministic = true\n",
    "[bench.params]\n",
    "n = [1, 2, 3]\n",
    "m = [\"a\", \"b\"]\n",
    "cwd = \"..\"\n",
    "env = { A = \"1\" }\n",
    "tags = [\"smoke\"]\n",
    "throughput = { items = 10, unit = \"x\" }\n",
    "baseline_dir = \"b\"\n",
    "=",
    "\"",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\n",
    " ",
    "#",
    "1",
    "x",
];

/// Seeded inputs: random bytes, printable text, and soups of a format's tokens.
fn arbitrary(rng: &mut SplitMix64, tokens: &[&str]) -> Vec<u8> {
    let len = rng.below(400);
    match rng.below(4) {
        0 => (0..len).map(|_| rng.below(256) as u8).collect(),
        1 => (0..len).map(|_| (32 + rng.below(95)) as u8).collect(),
        _ => {
            let mut out = Vec::new();
            for _ in 0..rng.below(120) {
                out.extend_from_slice(tokens[rng.below(tokens.len())].as_bytes());
            }
            out
        }
    }
}

/// Mutations of a real input: truncations, then single edits (seeded).
fn mutations(bytes: &[u8], rng: &mut SplitMix64, tokens: &[&str]) -> Vec<Vec<u8>> {
    let n = bytes.len();
    let mut out = vec![bytes.to_vec()];
    if n == 0 {
        return out;
    }
    for i in 0..32 {
        out.push(bytes[..i * n / 32].to_vec());
    }
    for k in 0..96 {
        let mut b = bytes.to_vec();
        let at = rng.below(n);
        match k % 5 {
            0 => b[at] ^= 1 << rng.below(8),
            1 => b[at] = rng.below(256) as u8,
            2 => {
                let len = (rng.below(16) + 1).min(n - at);
                b.drain(at..at + len);
            }
            3 => {
                let len = (rng.below(64) + 1).min(n - at);
                let chunk = b[at..at + len].to_vec();
                b.splice(at..at, chunk);
            }
            _ => {
                let t = tokens[rng.below(tokens.len())].as_bytes();
                b.splice(at..at, t.iter().copied());
            }
        }
        out.push(b);
    }
    out
}

/// Runs `check` on every input, turning a panic into a failure that names the case.
fn fuzz(target: &str, inputs: Vec<(String, Vec<u8>)>, mut check: impl FnMut(&str, &[u8])) {
    let count = inputs.len();
    for (case, bytes) in inputs {
        let outcome = catch_unwind(AssertUnwindSafe(|| check(&case, &bytes)));
        if outcome.is_err() {
            panic!(
                "{target} panicked on {case}: {:?}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }
    eprintln!("{target}: {count} inputs");
}

fn inputs(target: &str, tokens: &[&str], real: &[(&str, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let mut rng = SplitMix64::derive(0xf022, target);
    let mut out: Vec<(String, Vec<u8>)> = (0..CASES)
        .map(|i| (format!("arbitrary case {i}"), arbitrary(&mut rng, tokens)))
        .collect();
    for (name, bytes) in real {
        for (i, m) in mutations(bytes, &mut rng, tokens).into_iter().enumerate() {
            out.push((format!("{name} mutation {i}"), m));
        }
    }
    out
}

/// An error is one line that says something.
fn one_line(target: &str, case: &str, message: &str) {
    assert!(
        !message.trim().is_empty(),
        "{target} on {case}: empty error"
    );
    assert!(
        !message.contains('\n'),
        "{target} on {case}: error on several lines: {message}"
    );
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn fuzz_every_ingest_adapter_on_arbitrary_bytes() {
    let ctx = ReportContext {
        suite: "fuzz".into(),
        timestamp_utc: "2026-01-01T00:00:00Z".into(),
        git: None,
        machine: perfgate::context::machine(),
        testbed: None,
        device: "cpu".into(),
        config_sha256: String::new(),
        seed: 1,
        tags: vec![],
        command: None,
    };
    let mut formats = ingest::names();
    formats.push("auto");
    let tokens: Vec<&str> = JSON_TOKENS.iter().chain(TEXT_TOKENS).copied().collect();
    // Fewer per adapter: every input goes to all thirteen.
    let cases = inputs("ingest", &tokens, &[])
        .into_iter()
        .take(CASES / 3)
        .collect();
    fuzz("ingest", cases, |case, bytes| {
        for format in &formats {
            match ingest::parse(format, &Input::from_bytes("in", bytes.to_vec())) {
                Err(e) => one_line(format, case, &e.to_string()),
                // Valid: it makes a report that `compare` reads back.
                Ok((name, parsed)) => {
                    let report = ingest::to_report(name, parsed, &ctx);
                    let json = serde_json::to_string(&report).unwrap();
                    if let Err(e) = perfgate::model::file::parse_report(&json) {
                        panic!("{format} on {case}: its report is refused: {e}");
                    }
                }
            }
        }
    });
}

#[test]
fn fuzz_the_report_parser() {
    let real = [
        (
            "perfgate-report.json",
            fixture("tests/fixtures/json/perfgate-report.json"),
        ),
        ("generic.json", fixture("tests/fixtures/json/generic.json")),
    ];
    fuzz(
        "report",
        inputs("report", JSON_TOKENS, &real),
        |case, bytes| {
            match perfgate::model::file::parse_report(&text(bytes)) {
                Err(e) => one_line("report", case, &e),
                // Valid: it survives a write and a read unchanged.
                Ok(r) => {
                    let again =
                        perfgate::model::file::parse_report(&serde_json::to_string(&r).unwrap());
                    assert_eq!(again.as_ref(), Ok(&r), "report on {case}");
                }
            }
        },
    );
}

#[test]
fn fuzz_the_config_parser() {
    let demo = fixture("examples/demo/perfgate.toml");
    let every_key = TOML_TOKENS.concat().into_bytes();
    let real = [("demo/perfgate.toml", demo), ("every key", every_key)];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("perfgate.toml");
    fuzz(
        "config",
        inputs("config", TOML_TOKENS, &real),
        |case, bytes| match perfgate::config::parse(&text(bytes), &path, dir.path()) {
            Err(e) => one_line("config", case, &e.to_string()),
            Ok(c) => {
                let mut names: Vec<&str> = c.benches.iter().map(|b| b.name.as_str()).collect();
                names.sort_unstable();
                let before = names.len();
                names.dedup();
                assert_eq!(names.len(), before, "config on {case}: a name twice");
            }
        },
    );
}

#[test]
fn fuzz_the_attestation_verifier_and_replay_manifest_parser() {
    use perfgate::attest::{self, replay};
    let ctx = attest::Context {
        timestamp_utc: "2026-01-01T00:00:00Z".into(),
        git: None,
        machine: perfgate::context::machine(),
        suite: Some("s".into()),
        config_sha256: Some("c0ffee".into()),
    };
    let report = fixture("tests/fixtures/json/perfgate-report.json");
    let att = attest::build(
        ctx,
        vec![
            attest::artifact("r.json", &report),
            attest::artifact("page.html", b"<p>"),
        ],
    );
    let real = [("attestation.json", serde_json::to_vec_pretty(&att).unwrap())];
    fuzz(
        "verify",
        inputs("verify", JSON_TOKENS, &real),
        |case, bytes| {
            let hashes = |a: &attest::Artifact| Ok(Some(a.sha256.clone()));
            match attest::verify(&text(bytes), hashes) {
                Err(e) => one_line("verify", case, &e),
                // Valid: passing means the seal recomputed over the document matches.
                Ok(v) => assert_eq!(v.passed(), v.manifest_matches(), "verify on {case}"),
            }
        },
    );
    let manifest = replay::build(replay::ReplayInputs {
        timestamp_utc: "2026-01-01T00:00:00Z".into(),
        suite: "s".into(),
        config_path: Some("perfgate.toml".into()),
        config_sha256: "c0ffee".into(),
        seed: 7,
        executables: vec![],
        artifact_hashes: [("b".to_string(), "0".repeat(64))].into_iter().collect(),
    });
    let real = [("replay.json", serde_json::to_vec_pretty(&manifest).unwrap())];
    fuzz(
        "replay",
        inputs("replay", JSON_TOKENS, &real),
        |case, bytes| match replay::parse(&text(bytes)) {
            Err(e) => one_line("replay", case, &e),
            Ok(m) => assert_eq!(m.manifest_sha256.len(), 64, "replay on {case}"),
        },
    );
}

#[test]
fn fuzz_the_small_parsers() {
    let real = [
        (
            "metric line",
            b"PERFGATE_METRIC name=acc value=0.99 unit=ratio direction=higher".to_vec(),
        ),
        ("callgrind", b"events: Ir\nsummary: 123456\n".to_vec()),
        ("duration", b"1.5min".to_vec()),
        ("json", fixture("tests/fixtures/json/generic.json")),
    ];
    let tokens: Vec<&str> = JSON_TOKENS.iter().chain(TEXT_TOKENS).copied().collect();
    fuzz("small", inputs("small", &tokens, &real), |case, bytes| {
        let t = text(bytes);
        if let Err(e) = perfgate::strict_json::from_str(&t) {
            one_line("strict_json", case, &e.to_string());
        }
        match perfgate::runner::custom::parse_line(&t) {
            Err(e) => one_line("metric line", case, &e),
            Ok(m) => assert!(m.value.is_finite(), "metric line on {case}: {}", m.value),
        }
        if let Some(x) = perfgate::runner::instructions::parse_totals(&t) {
            assert!(x.is_finite() && x >= 0.0, "callgrind on {case}: {x}");
        }
        match perfgate::config::parse_duration(&t) {
            Err(e) => one_line("duration", case, &e),
            Ok(d) => assert!(d <= perfgate::config::MAX_DURATION, "duration on {case}"),
        }
        if perfgate::model::threshold::glob_check(&t).is_ok() {
            assert!(
                perfgate::model::threshold::glob_match(&t, &t.replace(['*', '?'], ""))
                    || t.contains('?')
            );
        }
    });
}
