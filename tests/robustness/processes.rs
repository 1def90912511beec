//! No process or temporary directory of a benchmark outlives it, end to end through the binary
//! with real processes: background children are killed after each run and reported; a
//! SIGKILLed perfgate takes its running benchmark along; perfgate's temporary directories are
//! removed on SIGTERM, and those of a SIGKILLed perfgate by the next one.

use crate::common;

use std::path::Path;
use std::process::{Child, Stdio};

use common::{alive, finish, perfgate, pid_in, read_json, records_pid, run, wait_until_gone};

/// The pids a benchmark appended to `path`, one a line.
fn pids_in(path: &Path) -> Vec<i32> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect()
}

/// The names in `dir` that start with `perfgate-`.
fn perfgate_dirs(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("perfgate-"))
        .collect()
}

/// Kills what a failed test may have left, so it does not outlive the test either.
fn kill_all(pids: &[i32]) {
    for &pid in pids.iter().filter(|&&p| alive(p)) {
        // SAFETY: plain syscall on a process this test's benchmark started.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

#[test]
fn background_children_are_killed_after_each_run_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Each run starts 20 sleepers and exits at once; three runs.
    let leaky = "i=0; while [ $i -lt 20 ]; do sleep 30 & echo $! >> sleepers; i=$((i+1)); done";
    common::write(
        &d.join("perfgate.toml"),
        &format!(
            r#"
[defaults]
runs = 3
warmup = 0
[[bench]]
name = "leaky"
shell = "{leaky}"
[[bench]]
name = "tidy"
shell = "sleep 0.01 & wait"
"#
        ),
    );
    let r = run(perfgate()
        .args(["run", "--json-out", "r.json"])
        .env("NO_COLOR", "1")
        .current_dir(d));
    let sleepers = pids_in(&d.join("sleepers"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(sleepers.len(), 60);
    // Killed by perfgate: gone by the time it exited, give or take the kernel's teardown
    // (checked before this test kills anything itself).
    let survivors: Vec<i32> = sleepers.iter().copied().filter(|&p| alive(p)).collect();
    for &pid in &survivors {
        wait_until_gone(pid);
    }
    kill_all(&sleepers);
    let report = read_json(&d.join("r.json"));
    assert_eq!(report["benchmarks"][0]["leaked_processes"], 60);
    assert_eq!(report["benchmarks"][0]["status"], "ok");
    assert!(report["benchmarks"][1].get("leaked_processes").is_none());
    let table = format!("{}{}", r.stdout, r.stderr);
    assert!(
        table.contains(
            "leaky: its runs left 60 process(es) running after they exited; perfgate killed them"
        ),
        "{table}"
    );
    assert!(!table.contains("tidy: its runs left"), "{table}");
}

/// A server started in the background by `setup` is what the benchmark needs: it stays up
/// for every run, and the cleanup stops it; perfgate counts nothing as leaked.
#[test]
fn a_server_started_by_setup_runs_for_the_benchmark_until_the_cleanup() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    common::write(
        &d.join("perfgate.toml"),
        r#"
[defaults]
runs = 3
warmup = 1
[[bench]]
name = "client"
setup = "sleep 30 & echo $! > server.pid"
shell = "kill -0 $(cat server.pid)"
cleanup = "kill $(cat server.pid) && echo stopped > cleanup.log"
"#,
    );
    let r = run(perfgate()
        .args(["run", "--json-out", "r.json"])
        .current_dir(d));
    let server: i32 = std::fs::read_to_string(d.join("server.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let cleaned = std::fs::read_to_string(d.join("cleanup.log")).unwrap_or_default();
    kill_all(&[server]);
    assert_eq!(r.code, 0, "every run found the server up: {}", r.stderr);
    assert_eq!(cleaned.trim(), "stopped", "the cleanup found it up too");
    let report = read_json(&d.join("r.json"));
    assert_eq!(report["benchmarks"][0]["status"], "ok");
    assert!(report["benchmarks"][0].get("leaked_processes").is_none());
}

/// perfgate running `script` once in `dir` with `$TMPDIR` there too, started, not waited for.
fn spawn_run(dir: &Path, script: &str) -> Child {
    perfgate()
        .args([
            "run", "--runs", "1", "--warmup", "0", "--shell", "--", script,
        ])
        .current_dir(dir)
        .env("TMPDIR", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_sigkilled_perfgate_takes_its_benchmark_and_its_children_along() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let script = format!(
        "sleep 30 & echo $! > child.tmp && mv child.tmp child.pid; {}; wait",
        records_pid("bench.pid")
    );
    let mut child = spawn_run(d, &script);
    let bench = pid_in(&d.join("bench.pid"), &mut child);
    let grandchild = pid_in(&d.join("child.pid"), &mut child);
    // Its temporary directory, which a SIGKILLed perfgate cannot remove.
    let own = format!("perfgate-{}-", child.id());
    let dirs = perfgate_dirs(d);
    assert!(dirs.iter().all(|n| n.starts_with(&own)), "{dirs:?}");
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    child.kill().unwrap();
    child.wait().unwrap();
    let gone = std::panic::catch_unwind(|| {
        wait_until_gone(bench);
        wait_until_gone(grandchild);
    });
    kill_all(&[bench, grandchild]);
    assert!(gone.is_ok(), "the benchmark outlived a SIGKILLed perfgate");
    assert_eq!(perfgate_dirs(d), dirs);
    // The next perfgate sweeps it (its owner is gone), and leaves none of its own.
    let r = run(perfgate()
        .args(["run", "--runs", "1", "--warmup", "0", "--", "true"])
        .env("TMPDIR", d)
        .current_dir(d));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(perfgate_dirs(d), Vec::<String>::new());
}

#[test]
fn sigterm_leaves_no_temporary_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut child = spawn_run(d, &format!("{}; exec sleep 30", records_pid("bench.pid")));
    let bench = pid_in(&d.join("bench.pid"), &mut child);
    assert_eq!(perfgate_dirs(d).len(), 1);
    common::signal(&child, libc::SIGTERM);
    let (code, stderr) = finish(child);
    assert_eq!(code, 143, "{stderr}");
    wait_until_gone(bench);
    assert_eq!(perfgate_dirs(d), Vec::<String>::new());
}

#[test]
fn the_sweep_spares_live_owners_and_what_is_not_perfgates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // pid_max is at most 2^22: no process 999999999 exists.
    let stale = d.join("perfgate-999999999-abc");
    let live = d.join(format!("perfgate-{}-abc", std::process::id()));
    let other = d.join("perfgate-notes");
    for p in [&stale, &live, &other] {
        std::fs::create_dir(p).unwrap();
        std::fs::write(p.join("f"), "x").unwrap();
    }
    let r = run(perfgate()
        .args(["run", "--runs", "1", "--warmup", "0", "--", "true"])
        .env("TMPDIR", d)
        .current_dir(d));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!stale.exists());
    assert!(live.join("f").exists());
    assert!(other.join("f").exists());
}
