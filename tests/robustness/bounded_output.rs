//! What a benchmark prints costs perfgate bounded memory and no disk, end to end through the
//! binary: a gigabyte without a newline on stdout and on stderr, under a hard address-space
//! limit and a file-size limit (a stand-in for a small `$TMPDIR`); the stderr tail of a failed
//! run is shown as escaped text; `versus` hashes large outputs instead of reading them whole.

use crate::common;

use std::process::Command;

use common::{read_json, write};

/// perfgate under `limits` (prlimit options), with `args`, in `dir` (also its `$TMPDIR`).
fn limited(dir: &std::path::Path, limits: &[&str], args: &[&str]) -> std::process::Output {
    let mut c = Command::new("prlimit");
    c.args(limits)
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_perfgate"))
        .args(args)
        .current_dir(dir)
        .env("TMPDIR", dir)
        .env("NO_COLOR", "1");
    for var in ["PERFGATE_RUNS", "GITHUB_ACTIONS"] {
        c.env_remove(var);
    }
    c.output().expect("prlimit runs")
}

/// Hard limits for perfgate and its benchmark: address space (perfgate needs about 20 MB, so
/// a gigabyte kept anywhere cannot fit) and file size (far below what the benchmarks print,
/// so spooling their output to `$TMPDIR` fails, as on a small disk).
const LIMITS: [&str; 2] = ["--as=268435456", "--fsize=67108864"];

#[test]
fn a_gigabyte_on_stdout_and_stderr_costs_no_memory_and_no_disk() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        &d.join("perfgate.toml"),
        r#"
suite = "loud"
[defaults]
runs = 1
warmup = 0
[[bench]]
name = "loud"
shell = "head -c 1000000000 /dev/zero; echo; head -c 1000000000 /dev/zero >&2; echo 'PERFGATE_METRIC name=items value=7 unit=count'"
[[bench]]
name = "broken"
shell = "head -c 100000000 /dev/zero >&2; printf 'last\\033[31m words\\n' >&2; exit 1"
"#,
    );
    let out = limited(
        d,
        &LIMITS,
        &["run", "--ignore-failure", "--json-out", "r.json"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    // 3: `broken` failed, as it should; not an abort (no exit code) or a panic (101).
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let report = read_json(&d.join("r.json"));
    let loud = &report["benchmarks"][0];
    assert_eq!(loud["status"], "ok", "{loud}");
    // The metric line after a gigabyte-long line is still read.
    assert_eq!(common::samples(&report, 0, "items"), [7.0]);
    let broken = &report["benchmarks"][1];
    assert_eq!(broken["status"], "failed");
    let reason = broken["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("run 1 exited with status 1; stderr: …\\0\\0"),
        "{reason}"
    );
    assert!(reason.ends_with("\\0last\\u{1b}[31m words"), "{reason}");
    assert!(!reason.chars().any(char::is_control), "{reason:?}");
    // What reaches the terminal has no raw NUL or escape either.
    for stream in [&out.stdout, &out.stderr] {
        assert!(!stream.iter().any(|b| *b == 0 || *b == 0x1b));
    }
    // Nothing was left in $TMPDIR but the report and the config.
    let mut names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["perfgate.toml", "r.json"]);
}

#[test]
fn an_overlong_metric_line_fails_the_benchmark_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let out = limited(
        dir.path(),
        &LIMITS,
        &[
            "run",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--json-out",
            "r.json",
            "--shell",
            "--",
            "printf 'PERFGATE_METRIC name=a value=1 '; head -c 100000000 /dev/zero",
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    let report = read_json(&dir.path().join("r.json"));
    // The line is the prefix and the zeros: all of it counted, none of it kept.
    let long = "PERFGATE_METRIC name=a value=1 ".len() + 100_000_000;
    assert_eq!(
        report["benchmarks"][0]["reason"],
        format!("run 1: stdout line 1 starts with `PERFGATE_METRIC` but is {long} bytes long, over the 4096 a metric line may have")
    );
}

#[test]
fn versus_hashes_outputs_of_any_size_and_refuses_to_read_them_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 150 MB each, the same bytes on both sides: more than perfgate may map (128 MB), and
    // beyond what `lines` reads. versus keeps one run's output in a file, so no file limit.
    let (a, b) = (
        "head -c 150000000 /dev/zero",
        "head -c 150000000 /dev/zero | cat",
    );
    let versus = |extra: &[&str]| {
        let mut args = vec!["versus", a, b, "--runs", "2", "--warmup", "1"];
        args.extend(extra);
        limited(d, &["--as=134217728"], &args)
    };
    let r = versus(&["--format", "json"]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(0), "{stderr}");
    let outcome: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(outcome["outputs"]["agree"], true);
    // `head -c 150000000 /dev/zero | sha256sum`, first 16 hex digits.
    let zeros = "0333db6929fcd8fa";
    assert_eq!(
        outcome["outputs"]["detail"],
        format!("stdout compared byte for byte (A's stdout sha256 {zeros})")
    );
    let r = versus(&["--compare-output", "lines"]);
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&r.stderr),
        "perfgate versus: A's stdout is 150000000 bytes; --compare-output lines reads at most 16 MiB of each side (use --compare-output hash, which takes any size, or --compare-cmd)\n"
    );
}
