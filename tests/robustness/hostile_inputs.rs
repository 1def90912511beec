//! Inputs a careless or hostile user gives perfgate: each is refused with exit 2 and a
//! message naming where it came from, never a panic (exit 101) or an abort.

use crate::common;

use common::{perfgate, run, write};

#[test]
fn out_of_range_durations_are_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("perfgate.toml");
    for value in [
        "1e20",
        "\"1e300s\"",
        "18446744073709551615",
        "\"1e19\"",
        "-1",
    ] {
        write(
            &config,
            &format!(
                "suite = \"d\"\n[[bench]]\nname = \"x\"\ncommand = [\"true\"]\ntimeout = {value}\n"
            ),
        );
        let r = run(perfgate()
            .args(["run", "--runs", "1"])
            .current_dir(dir.path()));
        assert_eq!(r.code, 2, "timeout = {value}: {}", r.stderr);
        assert!(
            r.stderr.contains("perfgate.toml:5:11: duration"),
            "timeout = {value}: {}",
            r.stderr
        );
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    }
    for (flag, value) in [
        ("--timeout", "1e300"),
        ("--min-time", "1e20"),
        ("--timeout", "1e19"),
    ] {
        let r = run(perfgate().args(["run", "--runs", "1", flag, value, "--", "true"]));
        assert_eq!(r.code, 2, "{flag} {value}: {}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("{flag}: duration `{value}` is out of range")),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn a_parameter_grid_is_counted_before_it_is_built() {
    let dir = tempfile::tempdir().unwrap();
    // 8 parameters x 10 values: 10^8 benchmarks (15 GB before this limit).
    let params: Vec<String> = (0..8)
        .map(|i| format!("p{i} = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"))
        .collect();
    write(
        &dir.path().join("perfgate.toml"),
        &format!(
            "suite = \"g\"\n[[bench]]\nname = \"x\"\ncommand = [\"true\"]\n[bench.params]\n{}\n",
            params.join("\n")
        ),
    );
    let started = std::time::Instant::now();
    let r = run(perfgate()
        .args(["run", "--runs", "1"])
        .current_dir(dir.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("perfgate.toml:2:1: benchmark `x`: the parameter grid has more than 10000 points (p0: 10 x p1: 10"),
        "{}",
        r.stderr
    );
    // Refused from the count, not after building: generous bound for a loaded machine.
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

/// Values that are not measurements, in the generic format and through a harness adapter:
/// refused with exit 2, the adapter, benchmark, metric and value named; nothing written.
#[test]
fn values_that_are_not_measurements_are_refused_at_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            r#"{"b": {"m": {"unit": "GB", "value": 1e308}}}"#,
            "json: benchmark `b` metric `m`: value inf bytes is not a measurement (not finite",
        ),
        (
            r#"{"b": {"t": {"unit": "ms", "samples": [1.0, -2.0]}}}"#,
            "json: benchmark `b` metric `t`: sample -0.002 s is not a measurement (negative)",
        ),
        (
            r#"{"b": {"t": {"unit": "ms", "value": 1}}, "b": {"t": {"unit": "ms", "value": 2}}}"#,
            r#"duplicate key "b""#,
        ),
    ];
    for (text, expected) in cases {
        let input = dir.path().join("in.json");
        let out = dir.path().join("out.json");
        write(&input, text);
        let r = run(perfgate()
            .args(["ingest", "--format", "json", "--json-out"])
            .arg(&out)
            .arg(&input));
        assert_eq!(r.code, 2, "{text}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(expected), "{text}: {}", r.stderr);
        assert!(!out.exists(), "{text}: a report was written");
    }
    // A custom unit may be negative (a loss, a delta).
    let input = dir.path().join("ok.json");
    write(
        &input,
        r#"{"b": {"delta": {"unit": "ratio", "value": -0.5}}}"#,
    );
    let r = run(perfgate().args(["ingest", "--format", "json"]).arg(&input));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// A report with negative times used to fail the gate when compared with itself; it is now
/// refused when read, as is a report naming a benchmark twice.
#[test]
fn a_report_with_negative_times_or_repeated_names_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fixture: serde_json::Value = common::read_json(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/json/perfgate-report.json"),
    );
    let mut negative = fixture.clone();
    negative["benchmarks"][0]["metrics"][0]["samples"][0] = serde_json::json!(-0.001);
    let mut twice = fixture.clone();
    let b = twice["benchmarks"][0].clone();
    twice["benchmarks"].as_array_mut().unwrap().push(b);
    for (report, expected) in [
        (negative, "is negative, which a measurement in s cannot be"),
        (twice, "benchmark `sort 10k` appears twice"),
    ] {
        let path = dir.path().join("r.json");
        write(&path, &report.to_string());
        let r = run(perfgate().arg("compare").arg(&path).arg(&path));
        assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(expected), "{}", r.stderr);
        assert!(r.stderr.contains("r.json"), "names the file: {}", r.stderr);
    }
}

fn fifo(path: &std::path::Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// Where a file is expected, a device, a FIFO or a directory is refused by its kind before a
/// byte is read (`/dev/zero` grew perfgate to 5 GB in 5 s; a FIFO blocked forever).
#[test]
fn devices_fifos_and_directories_are_refused_where_a_file_is_expected() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fifo(&d.join("pipe"));
    std::fs::create_dir(d.join("sub")).unwrap();
    let pipe = d.join("pipe").display().to_string();
    let sub = d.join("sub").display().to_string();
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["compare", "/dev/zero", "/dev/zero"],
            "/dev/zero: cannot read: not a regular file (it is a character device)".into(),
        ),
        (
            vec!["ingest", "/dev/zero"],
            "/dev/zero: cannot read: not a regular file (it is a character device)".into(),
        ),
        (
            vec!["ingest", "--format", "json", &pipe],
            format!("{pipe}: cannot read: not a regular file (it is a FIFO)"),
        ),
        (
            vec!["compare", &pipe],
            format!("{pipe}: cannot read: not a regular file (it is a FIFO)"),
        ),
        (
            vec!["report", "--format", "md", &sub],
            format!("{sub}: cannot read: not a regular file (it is a directory)"),
        ),
        (
            vec!["detect", "--input", "/dev/zero"],
            "/dev/zero: cannot read: not a regular file (it is a character device)".into(),
        ),
        (
            vec!["replay", &pipe],
            format!("{pipe}: cannot read: not a regular file (it is a FIFO)"),
        ),
        (
            vec!["attest", "--verify", "/dev/zero"],
            "/dev/zero: cannot read: not a regular file (it is a character device)".into(),
        ),
        (
            vec!["run", "--config", &pipe],
            format!("{pipe}: cannot read: not a regular file (it is a FIFO)"),
        ),
    ];
    for (args, expected) in cases {
        let started = std::time::Instant::now();
        let r = run(perfgate().args(&args).current_dir(d));
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(&expected), "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {}", r.stderr);
        // Generous: what this guards against never returns at all.
        assert!(
            started.elapsed().as_secs() < 30,
            "{args:?}: {:?}",
            started.elapsed()
        );
    }
}

/// Inputs are read up to a limit (256 MiB, `PERFGATE_MAX_INPUT_BYTES`), from stdin as from
/// a file: a larger input is refused with the limit and how to raise it.
#[test]
fn inputs_larger_than_the_limit_are_refused_from_files_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let report = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/json/perfgate-report.json");
    let size = std::fs::metadata(&report).unwrap().len();
    // A sparse 300 MiB file: over the default limit, refused from its size alone.
    let huge = d.join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(300 << 20)
        .unwrap();
    let r = run(perfgate().arg("compare").arg(&huge).arg(&huge));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("huge.json: cannot read: 300 MiB (314572800 bytes) is larger than the input limit of 256 MiB (set PERFGATE_MAX_INPUT_BYTES to raise it)"),
        "{}",
        r.stderr
    );
    // The limit is the user's: one byte less than the report refuses it, its size reads it.
    let compare_under = |limit: u64| {
        run(perfgate()
            .args(["compare", "--threshold-pct", "1000"])
            .arg(&report)
            .arg(&report)
            .env("PERFGATE_MAX_INPUT_BYTES", limit.to_string()))
    };
    let r = compare_under(size - 1);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("is larger than the input limit of"),
        "{}",
        r.stderr
    );
    let r = compare_under(size);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(perfgate()
        .args(["compare"])
        .arg(&report)
        .env("PERFGATE_MAX_INPUT_BYTES", "lots"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("PERFGATE_MAX_INPUT_BYTES: `lots` is not a size in bytes"),
        "{}",
        r.stderr
    );
    // Endless stdin: read up to the limit, then refused.
    let r = run(perfgate()
        .args(["ingest", "-"])
        .env("PERFGATE_MAX_INPUT_BYTES", "4MiB")
        .stdin(std::fs::File::open("/dev/zero").unwrap()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("-: cannot read: the input is larger than the input limit of 4 MiB"),
        "{}",
        r.stderr
    );
}

/// Names are data: a benchmark named like a GitHub Actions command or carrying terminal
/// escapes is printed on one line with its control characters escaped, no line of the log
/// starts a workflow command perfgate did not write, and the history CSV cannot run a formula.
#[test]
fn names_cannot_inject_workflow_commands_escapes_or_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let nasty = serde_json::json!({
        "::error title=INJ::INJECTED": {"t": {"unit": "ms", "samples": [1.0, 1.1, 1.2]}},
        "line\n::add-mask::secret": {"t": {"unit": "ms", "samples": [1.0, 1.1, 1.2]}},
        "bell\u{7}esc\u{1b}]0;title\u{7}\u{1b}[31mred": {"t": {"unit": "ms", "samples": [1.0, 1.1, 1.2]}},
        "=HYPERLINK(\"http://x\")": {"t": {"unit": "ms", "samples": [1.0, 1.1, 1.2]}},
    });
    let input = dir.path().join("nasty.json");
    write(&input, &nasty.to_string());
    let store = dir.path().join("s.db");
    let ingest = || {
        run(perfgate()
            .args([
                "ingest", "--format", "json", "--record", "--suite", "inj", "--store",
            ])
            .arg(&store)
            .arg(&input)
            .env("GITHUB_ACTIONS", "true"))
    };
    for r in [ingest(), ingest()] {
        assert_eq!(r.code, 0, "{}", r.stderr);
        for out in [&r.stdout, &r.stderr] {
            assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
            for line in out.lines() {
                assert!(!line.trim_start().starts_with("::"), "{line:?} in {out}");
            }
        }
        assert!(
            r.stdout.contains("\\::error title=INJ::INJECTED"),
            "{}",
            r.stdout
        );
        assert!(
            r.stdout.contains("line\\n::add-mask::secret"),
            "{}",
            r.stdout
        );
    }
    let history = |format: &str| {
        run(perfgate()
            .args([
                "history", "--suite", "inj", "--metric", "*", "--format", format, "--store",
            ])
            .arg(&store)
            .env("GITHUB_ACTIONS", "true"))
    };
    let table = history("table");
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(!table.stdout.contains('\u{1b}'), "{:?}", table.stdout);
    assert!(table
        .stdout
        .lines()
        .all(|l| !l.trim_start().starts_with("::")));
    let csv = history("csv");
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    assert!(
        csv.stdout.contains(",\"'=HYPERLINK(\"\"http://x\"\")\","),
        "{}",
        csv.stdout
    );
    // CSV keeps the data (the name with a line break is quoted whole, not escaped), except
    // that in a GitHub Actions log no line may start a workflow command.
    assert!(
        csv.stdout.contains("\"line\n\\::add-mask::secret\""),
        "{}",
        csv.stdout
    );
    assert!(csv.stdout.lines().all(|l| !l.starts_with("::")));
}
