//! Ctrl-C (SIGINT) and SIGTERM while benchmarks run, end to end through the binary with real
//! processes: the benchmark's process group is killed, its cleanup runs (bounded in time),
//! perfgate says what it interrupted and exits 128 + the signal, and nothing is written or
//! recorded.

use crate::common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{finish, perfgate, pid_in, records_pid, run, signal, wait_until_gone, write};

fn runs_in_store(dir: &Path) -> usize {
    let r = run(perfgate()
        .args(["history", "--format", "json"])
        .current_dir(dir));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let history: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    history.as_array().unwrap().len()
}

#[test]
fn ctrl_c_during_check_runs_the_cleanup_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        &d.join("perfgate.toml"),
        &format!(
            r#"
suite = "interrupt"
[defaults]
runs = 3
warmup = 0
[[bench]]
name = "quick"
command = ["true"]
[[bench]]
name = "sleepy"
shell = "{}; exec sleep 30"
cleanup = "touch cleaned"
"#,
            records_pid("started")
        ),
    );
    // One recorded run before, so "nothing recorded" is a count that could change.
    let r = run(perfgate()
        .args(["check", "--filter", "quick"])
        .current_dir(d));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(runs_in_store(d), 1);

    let mut child = perfgate()
        .args(["check", "--json-out", "out.json"])
        .current_dir(d)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bench = pid_in(&d.join("started"), &mut child);
    signal(&child, libc::SIGINT);
    let (code, stderr) = finish(child);
    assert_eq!(code, 130, "{stderr}");
    assert!(
        stderr.contains("interrupted by SIGINT during benchmark `sleepy`: run 1 stopped"),
        "{stderr}"
    );
    assert!(stderr.contains("its cleanup ran"), "{stderr}");
    assert!(d.join("cleaned").exists(), "the cleanup did not run");
    wait_until_gone(bench);
    assert!(!d.join("out.json").exists(), "a report was written");
    assert_eq!(runs_in_store(d), 1, "the interrupted check was recorded");
    let strays: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".perfgate-"))
        .collect();
    assert!(strays.is_empty(), "{strays:?}");
}

#[test]
fn sigterm_exits_143_and_a_hanging_cleanup_is_stopped_after_10_s() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        &d.join("perfgate.toml"),
        &format!(
            r#"
[[bench]]
name = "sleepy"
shell = "{}; exec sleep 30"
cleanup = "{}; exec sleep 300"
runs = 2
warmup = 0
"#,
            records_pid("started"),
            records_pid("cleaning")
        ),
    );
    let mut child = perfgate()
        .args(["run", "--json-out", "out.json"])
        .current_dir(d)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    pid_in(&d.join("started"), &mut child);
    let signalled = Instant::now();
    signal(&child, libc::SIGTERM);
    let cleanup = pid_in(&d.join("cleaning"), &mut child);
    let (code, stderr) = finish(child);
    let took = signalled.elapsed();
    assert_eq!(code, 143, "{stderr}");
    assert!(
        stderr.contains("interrupted by SIGTERM during benchmark `sleepy`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("its cleanup timed out after 10s"),
        "{stderr}"
    );
    // The cleanup would sleep 300 s; the bound is 10 s (the deadline in `finish` is 60 s).
    assert!(took >= Duration::from_secs(9), "took {took:?}");
    wait_until_gone(cleanup);
    assert!(!d.join("out.json").exists(), "a report was written");
}

#[test]
fn ctrl_c_kills_an_ad_hoc_benchmark_and_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let script = format!(
        "sleep 30 & echo $! > child.pid; {}; sleep 30",
        records_pid("bench.pid")
    );
    let mut child = perfgate()
        .args([
            "run", "--runs", "1", "--warmup", "0", "--shell", "--", &script,
        ])
        .current_dir(d)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bench = pid_in(&d.join("bench.pid"), &mut child);
    let grandchild: i32 = std::fs::read_to_string(d.join("child.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    signal(&child, libc::SIGINT);
    let (code, stderr) = finish(child);
    assert_eq!(code, 130, "{stderr}");
    assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
    wait_until_gone(bench);
    wait_until_gone(grandchild);
}
