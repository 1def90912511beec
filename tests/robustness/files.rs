//! How perfgate writes its files, end to end through the binary: a FIFO or a symbolic link at
//! an output path is written through, not replaced; every file gets the usual mode under the
//! umask, and a file that exists keeps its mode.

use crate::common;

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{perfgate, perfgate_with_umask, read_json, run, write};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn set_mode(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

fn is_symlink(p: &Path) -> bool {
    std::fs::symlink_metadata(p)
        .unwrap()
        .file_type()
        .is_symlink()
}

/// perfgate's temporary files (`.perfgate-*.tmp`) left in `dir`.
fn strays(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".perfgate-"))
        .collect()
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

const SUITE: &str = r#"
suite = "files"
baseline_dir = "perf/baselines"
[defaults]
runs = 2
warmup = 0
[[bench]]
name = "t"
command = ["true"]
tags = ["smoke"]
"#;

/// Runs perfgate under `umask` in `dir` and insists that it succeeded.
fn pg(dir: &Path, umask: &str, args: &[&str]) {
    let r = run(perfgate_with_umask(umask).args(args).current_dir(dir));
    assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
}

#[test]
fn every_file_perfgate_writes_gets_the_mode_of_the_umask() {
    for (umask, data, executable) in [("022", 0o644, 0o755), ("077", 0o600, 0o700)] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(&d.join("perfgate.toml"), SUITE);
        let git = Command::new("git")
            .args(["init", "-q"])
            .current_dir(d)
            .status();
        assert!(git.unwrap().success());
        pg(d, umask, &["run", "--json-out", "base.json"]);
        pg(d, umask, &["run", "--json-out", "r.json"]);
        pg(
            d,
            umask,
            &[
                "compare",
                "r.json",
                "base.json",
                "--threshold-pct",
                "1000",
                "--summary",
                "c.json",
                "--trend-output",
                "t.json",
            ],
        );
        pg(
            d,
            umask,
            &["compare", "r.json", "--emit-template", "-o", "tmpl.json"],
        );
        for (format, out) in [("md", "c.md"), ("junit", "j.xml"), ("html", "d.html")] {
            pg(
                d,
                umask,
                &["report", "c.json", "--format", format, "-o", out],
            );
        }
        pg(d, umask, &["check", "--json-out", "k.json"]);
        pg(d, umask, &["trend", "-o", "trend.json"]);
        std::fs::create_dir_all(d.join("perf/baselines")).unwrap();
        pg(
            d,
            umask,
            &["baseline", "export", "-o", "perf/baselines/files-cpu.json"],
        );
        pg(d, umask, &["attest", "r.json", "c.json", "-o", "."]);
        pg(
            d,
            umask,
            &[
                "versus",
                "true",
                "true",
                "--runs",
                "2",
                "--json-out",
                "v.json",
            ],
        );
        pg(
            d,
            umask,
            &[
                "ci",
                "init",
                "github",
                "--build",
                "make",
                "--bin",
                "build/app",
            ],
        );
        pg(d, umask, &["hook", "install"]);
        for f in [
            "base.json",
            "r.json",
            "c.json",
            "t.json",
            "tmpl.json",
            "c.md",
            "j.xml",
            "d.html",
            "k.json",
            "trend.json",
            "perf/baselines/files-cpu.json",
            "attestation.json",
            "attestation.md",
            "v.json",
            ".github/workflows/perfgate.yml",
        ] {
            assert_eq!(mode(&d.join(f)), data, "{f} under umask {umask}");
        }
        assert_eq!(
            mode(&d.join(".git/hooks/pre-push")),
            executable,
            "the hook under umask {umask}"
        );
        assert_eq!(strays(d), Vec::<String>::new());
    }
}

#[test]
fn an_existing_file_keeps_its_mode_and_a_hook_its_executable_bits() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(&d.join("perfgate.toml"), SUITE);
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(d)
        .status();
    assert!(git.unwrap().success());
    let report = d.join("r.json");
    write(&report, "old");
    set_mode(&report, 0o640);
    pg(d, "077", &["run", "--json-out", "r.json"]);
    assert_eq!(read_json(&report)["suite"], "files");
    assert_eq!(mode(&report), 0o640);
    // A group-readable hook (a team's shared checkout) stays so when perfgate updates it.
    pg(d, "022", &["hook", "install"]);
    let hook = d.join(".git/hooks/pre-push");
    set_mode(&hook, 0o750);
    pg(d, "077", &["hook", "install", "--all"]);
    assert!(std::fs::read_to_string(&hook)
        .unwrap()
        .contains("check --fail-on-regression < /dev/null"));
    assert_eq!(mode(&hook), 0o750);
}

#[test]
fn a_fifo_at_the_output_path_is_written_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.pipe");
    mkfifo(&fifo);
    let mut reader = Command::new("cat")
        .arg(&fifo)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let r = run(perfgate()
        .args(["run", "--runs", "2", "--warmup", "0", "--json-out"])
        .arg(&fifo)
        .args(["--", "true"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Had perfgate renamed a file over the FIFO, `cat` would wait on the old FIFO forever.
    let deadline = Instant::now() + Duration::from_secs(20);
    while reader.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            reader.kill().unwrap();
            panic!("nothing was written to the FIFO");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = reader.wait_with_output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["benchmarks"][0]["name"], "true");
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(meta.file_type().is_fifo(), "the FIFO was replaced");
    assert_eq!(strays(dir.path()), Vec::<String>::new());
}

#[test]
fn a_symlink_at_the_output_path_is_followed_and_stays_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("out");
    std::fs::create_dir(&out).unwrap();
    let target = out.join("real.json");
    write(&target, "old");
    set_mode(&target, 0o640);
    std::os::unix::fs::symlink("out/real.json", d.join("r.json")).unwrap();
    // A link whose target does not exist yet: the target is created.
    std::os::unix::fs::symlink("out/new.json", d.join("n.json")).unwrap();
    for link in ["r.json", "n.json"] {
        let r = run(perfgate()
            .args([
                "run",
                "--runs",
                "2",
                "--warmup",
                "0",
                "--json-out",
                link,
                "--",
                "true",
            ])
            .current_dir(d));
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(is_symlink(&d.join(link)), "{link} was replaced by a file");
    }
    assert_eq!(read_json(&target)["benchmarks"][0]["name"], "true");
    assert_eq!(mode(&target), 0o640);
    assert_eq!(read_json(&out.join("new.json"))["suite"], "adhoc");
    assert_eq!(
        std::fs::read_link(d.join("r.json")).unwrap(),
        Path::new("out/real.json")
    );
    assert_eq!(strays(d), Vec::<String>::new());
    assert_eq!(strays(&out), Vec::<String>::new());
}
