//! Helpers for the end-to-end tests: the real binary, real processes, temporary directories.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub fn perfgate() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_perfgate"));
    clear_env(&mut c);
    default_signals(&mut c);
    c
}

/// Starts `cmd` with SIGINT, SIGTERM and SIGHUP at their default disposition. A shell that
/// runs `cargo test` as a background job (or `nohup`) starts it with SIGINT ignored, which
/// every child inherits, and perfgate keeps an ignored signal ignored: the interruption tests
/// must not depend on how the suite was launched.
pub fn default_signals(cmd: &mut Command) {
    use std::os::unix::process::CommandExt as _;
    // SAFETY: only async-signal-safe calls (signal(2)) between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
                libc::signal(sig, libc::SIG_DFL);
            }
            Ok(())
        });
    }
}

/// The binary started by `sh` after `umask UMASK`, so that the files it creates get that
/// umask whatever the test runner's is; arguments added to the command go to perfgate.
pub fn perfgate_with_umask(umask: &str) -> Command {
    let mut c = Command::new("sh");
    c.args([
        "-c",
        r#"umask "$0" && exec "$@""#,
        umask,
        env!("CARGO_BIN_EXE_perfgate"),
    ]);
    clear_env(&mut c);
    c
}

/// Removes the environment variables that change perfgate's behaviour.
fn clear_env(c: &mut Command) {
    for var in [
        "PERFGATE_RUNS",
        "PERFGATE_THRESHOLD_PCT",
        "NO_COLOR",
        "PERFGATE_FAKE_DEVICES",
        "PERFGATE_FAKE_GPU",
        "PERFGATE_STRICT_GPU",
        "GITHUB_ACTIONS",
        "PERFGATE_MAX_INPUT_BYTES",
        "PERFGATE_EXECUTOR",
        "PERFGATE_TESTBED",
        "PERFGATE_MACHINE_ID",
    ] {
        c.env_remove(var);
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("perfgate starts");
    Run {
        code: status
            .code()
            .expect("perfgate exits normally, not by a signal"),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The samples of `metric` of benchmark number `bench` in a report.
pub fn samples(report: &serde_json::Value, bench: usize, metric: &str) -> Vec<f64> {
    metric_of(report, bench, metric)["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

/// The row of `metric` in a comparison's (or `versus`'s) `metrics` array.
pub fn row_of<'a>(comparison: &'a serde_json::Value, metric: &str) -> &'a serde_json::Value {
    comparison["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == metric)
        .unwrap_or_else(|| panic!("no row {metric} in {comparison}"))
}

pub fn metric_of<'a>(
    report: &'a serde_json::Value,
    bench: usize,
    metric: &str,
) -> &'a serde_json::Value {
    report["benchmarks"][bench]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == metric)
        .unwrap_or_else(|| panic!("no metric {metric} in benchmark {bench}"))
}

/// `examples/demo/busy.rs` compiled with `rustc -O`, once per test binary.
pub fn busy() -> &'static Path {
    static BUSY: OnceLock<PathBuf> = OnceLock::new();
    BUSY.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let exe = dir.join(format!("busy-{}", std::process::id()));
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/busy.rs");
        let status = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .args(["-O", "-o"])
            .arg(&exe)
            .arg(&src)
            .status()
            .expect("rustc runs");
        assert!(status.success(), "compiling busy.rs failed");
        exe
    })
}

pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Writes an executable `#!/bin/sh` script (a stand-in build of a program), creating its folder.
pub fn script(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Whether `tool` can be run here (`tool ARG` exits 0; `ARG` is usually `--version`). A test
/// that needs a missing tool is skipped, and says so on the test process's real standard error:
/// libtest captures `eprintln!` (and shows it only for a failed test), not writes to the
/// `io::stderr()` handle, so the line reaches the terminal of `cargo test`. In CI (`CI` set)
/// a missing tool fails the test instead, because `.ci/run` installs every tool the tests use.
pub fn have_tool(tool: &str, arg: &str, needed_for: &str) -> bool {
    use std::io::Write as _;
    let found = Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return true;
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    if std::env::var_os("CI").is_some() {
        panic!("{test}: `{tool}` is not installed ({needed_for}); .ci/run installs it");
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: `{tool}` not found, needed for {needed_for}; install it (`.ci/run` does) to run this test"
    );
    false
}

/// Process `pid` exists (a zombie counts as gone).
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
        Err(_) => false,
    }
}

pub fn wait_until_gone(pid: i32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(pid), "process {pid} outlived perfgate");
}

/// The pid a script wrote to `path` (`echo $$ > tmp && mv tmp path`, so it is whole once it
/// exists); waits for it, since that is how we know the benchmark started.
pub fn pid_in(path: &Path, child: &mut Child) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            return text.trim().parse().unwrap();
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "perfgate ended ({status}) before {} appeared",
                path.display()
            );
        }
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub fn signal(child: &Child, sig: i32) {
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
}

/// Waits for perfgate with a generous deadline: exit code and stderr.
pub fn finish(mut child: Child) -> (i32, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("perfgate did not exit after the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let code = out.status.code().expect("perfgate exits, not killed");
    (code, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A script that records its pid in `name`, atomically.
pub fn records_pid(name: &str) -> String {
    format!("echo $$ > {name}.tmp && mv {name}.tmp {name}")
}

/// Says why a test did not run, on the stderr file descriptor itself (the test harness
/// captures `eprintln!` of passing tests, and a skip must be seen).
pub fn skip(why: &str) {
    use std::io::Write as _;
    use std::os::fd::{AsRawFd, FromRawFd};
    let line = format!("SKIPPED: {why}\n");
    // SAFETY: fd 2 stays open for the process's life; ManuallyDrop keeps it from being closed.
    let mut err = std::mem::ManuallyDrop::new(unsafe {
        std::fs::File::from_raw_fd(std::io::stderr().as_raw_fd())
    });
    let _ = err.write_all(line.as_bytes());
}

/// The binary run by a user to whom file modes apply: perfgate itself when the tests do not
/// run as root, else through `setpriv` as `nobody` (root ignores modes). `None` when neither
/// can be had; the caller skips.
pub fn perfgate_unprivileged() -> Option<Command> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some(perfgate());
    }
    let args = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    let works = Command::new("setpriv")
        .args(args)
        .arg("true")
        .output()
        .is_ok_and(|o| o.status.success());
    if !works {
        return None;
    }
    let mut c = Command::new("setpriv");
    c.args(args).arg(env!("CARGO_BIN_EXE_perfgate"));
    clear_env(&mut c);
    Some(c)
}

/// Whether `prlimit` can run a command under a limit here.
pub fn prlimit_works() -> bool {
    Command::new("prlimit")
        .args(["--as=536870912", "true"])
        .output()
        .is_ok_and(|o| o.status.success())
}
