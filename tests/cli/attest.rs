//! `perfgate attest`, `attest --verify` and `perfgate replay`, end to end on real artifacts
//! (made by `perfgate run` and `perfgate compare`) and real processes in temporary directories.

use crate::common;

use std::path::Path;

use common::{perfgate, read_json, run, script, write, Run};
use perfgate::attest::canonical::seal;
use perfgate::digest::sha256_hex;

fn pg(dir: &Path, args: &[&str]) -> Run {
    run(perfgate().args(args).current_dir(dir))
}

fn sha_of(path: &Path) -> String {
    sha256_hex(&std::fs::read(path).unwrap())
}

/// A directory with a report, a comparison, a trend artifact and an HTML page.
fn artifacts() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for out in ["base.json", "r.json"] {
        let r = pg(d, &["run", "--runs", "3", "--json-out", out, "--", "true"]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }
    let r = pg(
        d,
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
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    write(&d.join("page.html"), "<p>perf</p>\n");
    dir
}

fn attest_all(d: &Path) {
    let r = pg(
        d,
        &[
            "attest",
            "r.json",
            "c.json",
            "t.json",
            "page.html",
            "-o",
            ".",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

fn verify(d: &Path) -> Run {
    pg(d, &["attest", "--verify", "attestation.json"])
}

#[test]
fn an_attestation_records_each_artifact_and_verifies() {
    let dir = artifacts();
    let d = dir.path();
    attest_all(d);
    let att = read_json(&d.join("attestation.json"));
    assert_eq!(att["kind"], "perfgate-attestation");
    assert_eq!(att["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(att["machine"]["id"], perfgate::context::machine().id);
    let arts = att["artifacts"].as_array().unwrap();
    let rows: Vec<(&str, &str, &str)> = arts
        .iter()
        .map(|a| {
            let path = a["path"].as_str().unwrap();
            assert_eq!(a["sha256"], sha_of(&d.join(path)), "{path}");
            (
                path,
                a["kind"].as_str().unwrap(),
                a["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("r.json", "report", "ok"),
            ("c.json", "comparison", "pass"),
            ("t.json", "trend", "pass"),
            ("page.html", "html", "n/a"),
        ]
    );
    assert_eq!(att["overall_status"], "pass");
    // The documented definition of the manifest hash, recomputed here.
    assert_eq!(att["manifest_sha256"], seal(&att));
    let md = std::fs::read_to_string(d.join("attestation.md")).unwrap();
    assert!(md.contains("| `c.json` | comparison | pass |"), "{md}");
    assert!(md.contains(arts[0]["sha256"].as_str().unwrap()), "{md}");

    let r = verify(d);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("verified: every artifact"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_moved_bundle_verifies_relative_to_the_attestation() {
    let dir = artifacts();
    attest_all(dir.path());
    let elsewhere = tempfile::tempdir().unwrap();
    let moved = elsewhere.path().join("release");
    std::fs::rename(dir.path(), &moved).unwrap();
    let att = moved.join("attestation.json");
    let r = pg(
        elsewhere.path(),
        &["attest", "--verify", att.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn one_changed_byte_fails_verification_naming_the_file() {
    let dir = artifacts();
    let d = dir.path();
    attest_all(d);
    let c = d.join("c.json");
    let mut bytes = std::fs::read(&c).unwrap();
    bytes[0] = b' ';
    std::fs::write(&c, &bytes).unwrap();
    let r = verify(d);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("CHANGED   c.json"), "{}", r.stdout);
    assert!(r.stdout.contains("ok        r.json"), "{}", r.stdout);
    assert!(r.stdout.contains("1 changed, 0 missing"), "{}", r.stdout);
}

#[test]
fn a_deleted_artifact_is_named_missing() {
    let dir = artifacts();
    let d = dir.path();
    attest_all(d);
    std::fs::remove_file(d.join("page.html")).unwrap();
    let r = verify(d);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("MISSING   page.html"), "{}", r.stdout);
    assert!(r.stdout.contains("0 changed, 1 missing"), "{}", r.stdout);
}

#[test]
fn a_forged_record_is_caught_by_the_manifest_hash() {
    let dir = artifacts();
    let d = dir.path();
    attest_all(d);
    // Change an artifact and record its new hash: every artifact then matches its record, but
    // the attestation is no longer what was sealed.
    let page = d.join("page.html");
    let old = sha_of(&page);
    write(&page, "<p>better numbers</p>\n");
    let path = d.join("attestation.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace(&old, &sha_of(&page))).unwrap();
    let r = verify(d);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("ok        page.html"), "{}", r.stdout);
    assert!(
        r.stdout.contains("MISMATCH  manifest_sha256"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_unreadable_or_foreign_attestation_is_an_input_error() {
    let dir = artifacts();
    let d = dir.path();
    let r = pg(d, &["attest", "--verify", "r.json"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("not a perfgate attestation"),
        "{}",
        r.stderr
    );
    let r = pg(d, &["attest", "--verify", "nothing.json"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("nothing.json: cannot read"),
        "{}",
        r.stderr
    );
}

/// A project whose one deterministic benchmark prints data.txt.
fn replay_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("data.txt"), "hello\n");
    write(
        &dir.path().join("perfgate.toml"),
        r#"suite = "rp"
[[bench]]
name = "cat-data"
command = ["sh", "-c", "cat data.txt"]
deterministic = true
runs = 1
[[bench]]
name = "not-deterministic"
command = ["date", "+%N"]
runs = 1
"#,
    );
    dir
}

#[test]
fn a_replay_manifest_replays_and_names_a_benchmark_whose_output_changed() {
    let dir = replay_project();
    let d = dir.path();
    let r = pg(d, &["attest", "--replay-manifest", "replay.json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let m = read_json(&d.join("replay.json"));
    assert_eq!(m["seed"], perfgate::commands::DEFAULT_SEED);
    assert_eq!(m["config_sha256"], sha_of(&d.join("perfgate.toml")));
    let hashes = m["artifact_hashes"].as_object().unwrap();
    assert_eq!(hashes.len(), 1, "only deterministic benchmarks: {m}");
    assert_eq!(m["artifact_hashes"]["cat-data"], sha256_hex(b"hello\n"));
    let canonical = format!(r#"{{"cat-data":"{}"}}"#, sha256_hex(b"hello\n"));
    assert_eq!(m["artifact_sha256"], sha256_hex(canonical.as_bytes()));
    assert_eq!(m["manifest_sha256"], seal(&m));
    let sh = &m["executables"][0];
    assert_eq!(
        (sh["bench"].as_str(), sh["program"].as_str()),
        (Some("cat-data"), Some("sh"))
    );
    assert_eq!(
        sh["sha256"],
        sha_of(Path::new(sh["path"].as_str().unwrap()))
    );

    let r = pg(d, &["replay", "replay.json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("same        cat-data"), "{}", r.stdout);

    write(&d.join("data.txt"), "hello, world\n");
    let r = pg(d, &["replay", "replay.json"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("DIFFERS     cat-data"), "{}", r.stdout);
    assert!(
        r.stdout.contains(&sha256_hex(b"hello, world\n")),
        "{}",
        r.stdout
    );
}

#[test]
fn a_replay_refuses_another_config_and_an_edited_manifest() {
    let dir = replay_project();
    let d = dir.path();
    let r = pg(d, &["attest", "--replay-manifest", "replay.json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let text = std::fs::read_to_string(d.join("replay.json")).unwrap();
    std::fs::write(
        d.join("edited.json"),
        text.replace("\"suite\": \"rp\"", "\"suite\": \"xx\""),
    )
    .unwrap();
    let r = pg(d, &["replay", "edited.json"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("manifest_sha256 does not match"),
        "{}",
        r.stderr
    );

    let config = d.join("perfgate.toml");
    let toml = std::fs::read_to_string(&config).unwrap();
    write(
        &config,
        &toml.replace("runs = 1\n[[bench]]", "runs = 2\n[[bench]]"),
    );
    let r = pg(d, &["replay", "replay.json"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("refusing to replay"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "nothing ran: {}", r.stdout);
}

#[test]
fn an_attested_replay_manifest_is_one_of_the_artifacts() {
    let dir = replay_project();
    let d = dir.path();
    std::fs::create_dir(d.join("out")).unwrap();
    let r = pg(d, &["run", "--json-out", "out/r.json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = pg(
        d,
        &[
            "attest",
            "out/r.json",
            "--replay-manifest",
            "out/replay.json",
            "-o",
            "out",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let att = read_json(&d.join("out/attestation.json"));
    assert_eq!(att["suite"], "rp");
    assert_eq!(att["config_sha256"], sha_of(&d.join("perfgate.toml")));
    assert_eq!(att["artifacts"][1]["path"], "replay.json");
    assert_eq!(att["artifacts"][1]["kind"], "replay_manifest");
    assert_eq!(
        att["artifacts"][1]["sha256"],
        sha_of(&d.join("out/replay.json"))
    );
    let r = pg(d, &["attest", "--verify", "out/attestation.json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

/// What `attest` says of each file it writes and of what it leaves out, and of a run that
/// failed: a deterministic benchmark that fails leaves no manifest (exit 3), as a replay where
/// one fails exits 3; a suite without deterministic benchmarks, or a benchmark whose program
/// is not found, is warned about.
#[test]
fn attest_says_what_it_wrote_and_a_failed_run_writes_nothing() {
    let dir = replay_project();
    let d = dir.path();
    write(&d.join("notes.txt"), "release notes\n");
    let bench = |name: &str, command: &str, deterministic: bool| {
        format!("[[bench]]\nname = \"{name}\"\ncommand = {command}\ndeterministic = {deterministic}\nruns = 1\n")
    };
    let missing = bench("gone", r#"["no-such-program-of-perfgate"]"#, false);
    write(
        &d.join("none.toml"),
        &format!("suite = \"none\"\n{missing}"),
    );
    let failing = bench("bad", r#"["false"]"#, true);
    write(&d.join("fail.toml"), &format!("suite = \"f\"\n{failing}"));

    let r = pg(
        d,
        &["attest", "notes.txt", "--replay-manifest", "replay.json"],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let seed = perfgate::commands::DEFAULT_SEED;
    let att = read_json(&d.join("attestation.json"));
    assert_eq!(
        r.stdout,
        format!(
            "wrote replay.json: 1 deterministic output, 2 executables, seed {seed}\n\
             wrote ./attestation.json and ./attestation.md: 2 artifacts, overall n/a\n\
             manifest_sha256 {}\n",
            att["manifest_sha256"].as_str().unwrap()
        )
    );
    let r = pg(d, &["attest", "notes.txt", "attestation.json"]);
    assert_eq!(
        r.stderr,
        "perfgate: note: not attesting attestation.json: it is the attestation being written\n"
    );
    assert!(
        r.stdout.contains(": 1 artifact, overall n/a\n"),
        "{}",
        r.stdout
    );

    let none = [
        "attest",
        "--replay-manifest",
        "none.json",
        "--config",
        "none.toml",
    ];
    let r = pg(d, &none);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.starts_with("perfgate: warning: no benchmark of suite `none` is declared `deterministic = true`; the replay manifest records no outputs\nperfgate: warning: benchmark `gone`: no executable hash: "), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!("wrote none.json: 0 deterministic outputs, 1 executable, seed {seed}\n")
    );

    let r = pg(
        d,
        &[
            "attest",
            "--replay-manifest",
            "f.json",
            "--config",
            "fail.toml",
        ],
    );
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .starts_with("perfgate: error: deterministic benchmark `bad` failed: ")
            && r.stderr
                .ends_with("perfgate: error: no replay manifest written\n"),
        "{}",
        r.stderr
    );
    assert!(!d.join("f.json").exists());

    std::fs::remove_file(d.join("data.txt")).unwrap();
    let r = pg(d, &["replay", "replay.json"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("  FAILED      cat-data: "),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .ends_with("replay FAILED: 0 differ, 1 failed to run\n"),
        "{}",
        r.stdout
    );
}

/// The file a replay manifest hashes for a benchmark is the file `perfgate run` executes for
/// it: both find the program on the benchmark's own `PATH`, relative entries from its `cwd`,
/// and a shell command's `sh` on that `PATH` too. Before, attest hashed `/bin/sh` for a shell
/// command whatever `sh` ran, and run looked for relative `PATH` entries in perfgate's own
/// directory (so `tool` here was "not found on PATH" for run, and found by attest).
#[test]
fn the_executable_attested_is_the_one_run_executes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Stand-ins that log which file ran; the `sh` one then runs the real shell.
    script(&d.join("sub/tools/tool"), "echo \"tool $0\" >> ran.log");
    script(
        &d.join("sub/tools/sh"),
        "echo \"sh $0\" >> ran.log\nexec /bin/sh \"$@\"",
    );
    write(
        &d.join("perfgate.toml"),
        r#"suite = "which"
[defaults]
cwd = "sub"
env = { PATH = "tools:/usr/bin:/bin" }
runs = 1
warmup = 0
[[bench]]
name = "tool"
command = ["tool"]
deterministic = true
[[bench]]
name = "shell"
shell = "true"
"#,
    );
    let r = pg(d, &["run"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let ran = std::fs::read_to_string(d.join("sub/ran.log")).unwrap();
    assert_eq!(ran, "tool tools/tool\nsh tools/sh\n", "what run executed");

    let r = pg(d, &["attest", "--replay-manifest", "replay.json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let m = read_json(&d.join("replay.json"));
    let executables = m["executables"].as_array().unwrap();
    for (e, (bench, program, ran)) in executables.iter().zip([
        ("tool", "tool", "sub/tools/tool"),
        ("shell", "sh", "sub/tools/sh"),
    ]) {
        assert_eq!(e["bench"], bench, "{e}");
        assert_eq!(e["program"], program, "{e}");
        let attested = d.join(e["path"].as_str().unwrap());
        assert_eq!(
            attested.canonicalize().unwrap(),
            d.join(ran).canonicalize().unwrap(),
            "{e}"
        );
        assert_eq!(e["sha256"], sha_of(&d.join(ran)), "{e}");
    }
    assert_eq!(executables.len(), 2, "{m}");
}

/// A bundle written from its parent directory names its artifacts relative to itself, and
/// verifies from anywhere.
#[test]
fn a_bundle_names_artifacts_relative_to_itself_and_verifies_from_anywhere() {
    let dir = artifacts();
    let d = dir.path();
    let release = d.join("release");
    std::fs::create_dir(&release).unwrap();
    for f in ["r.json", "page.html"] {
        std::fs::rename(d.join(f), release.join(f)).unwrap();
    }
    let r = pg(
        d,
        &[
            "attest",
            "release/r.json",
            "./release/page.html",
            "-o",
            "release",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let att = read_json(&release.join("attestation.json"));
    let paths: Vec<&str> = att["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["r.json", "page.html"]);
    let elsewhere = tempfile::tempdir().unwrap();
    let target = release.join("attestation.json");
    let r = pg(
        elsewhere.path(),
        &["attest", "--verify", target.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("ok        r.json"), "{}", r.stdout);
    // A file outside the attestation's directory cannot be attested: it could not be verified.
    let r = pg(d, &["attest", "c.json", "-o", "release"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("c.json: outside the attestation's directory"),
        "{}",
        r.stderr
    );
}

fn fifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// `attest` follows no link out of its directory and hashes no device or FIFO (both of which
/// used to be read: a FIFO blocked, /dev/zero grew perfgate to gigabytes).
#[test]
fn attest_refuses_links_leaving_the_directory_devices_and_fifos() {
    let dir = artifacts();
    let d = dir.path();
    let secret = tempfile::tempdir().unwrap();
    write(&secret.path().join("shadow"), "root:$6$secret\n");
    std::os::unix::fs::symlink(secret.path().join("shadow"), d.join("shadow")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.join("zero")).unwrap();
    fifo(&d.join("pipe"));
    let secret_real = secret.path().canonicalize().unwrap().join("shadow");
    for (artifact, expected) in [
        (
            "shadow".to_string(),
            format!(
                "shadow: a symbolic link to {}, outside the attestation's directory",
                secret_real.display()
            ),
        ),
        (
            "zero".to_string(),
            "zero: a symbolic link to /dev/zero, outside".to_string(),
        ),
        (
            "/dev/zero".to_string(),
            "/dev/zero: outside the attestation's directory".to_string(),
        ),
        (
            "pipe".to_string(),
            "pipe: cannot read: not a regular file (it is a FIFO)".to_string(),
        ),
    ] {
        let started = std::time::Instant::now();
        let r = pg(d, &["attest", "r.json", &artifact, "-o", "."]);
        assert_eq!(r.code, 2, "{artifact}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(&expected), "{artifact}: {}", r.stderr);
        assert!(!d.join("attestation.json").exists(), "{artifact}: written");
        // Generous: a blocked FIFO or a read of /dev/zero never returns at all.
        assert!(
            started.elapsed().as_secs() < 30,
            "{artifact}: {:?}",
            started.elapsed()
        );
    }
}

/// A crafted attestation naming files outside its directory (or a device, a FIFO) gets them
/// refused by name, and their hashes are never printed: verification cannot probe files.
#[test]
fn verify_refuses_paths_outside_the_bundle_without_hashing_them() {
    let dir = artifacts();
    let d = dir.path();
    attest_all(d);
    let bundle = d.join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    std::fs::rename(d.join("attestation.json"), bundle.join("attestation.json")).unwrap();
    std::fs::rename(d.join("r.json"), bundle.join("r.json")).unwrap();
    std::os::unix::fs::symlink("../c.json", bundle.join("up")).unwrap();
    fifo(&bundle.join("pipe"));
    let path = bundle.join("attestation.json");
    let mut att = read_json(&path);
    let template = att["artifacts"][0].clone();
    let crafted = [
        "/etc/passwd",
        "../c.json",
        "up",
        "sub/../../t.json",
        "pipe",
        "/proc/self/environ",
    ];
    let mut list = vec![template.clone()];
    for p in crafted {
        let mut a = template.clone();
        a["path"] = serde_json::json!(p);
        list.push(a);
    }
    att["artifacts"] = serde_json::Value::Array(list);
    att["manifest_sha256"] = serde_json::json!(seal(&att));
    write(&path, &serde_json::to_string_pretty(&att).unwrap());
    let elsewhere = tempfile::tempdir().unwrap();
    let r = pg(
        elsewhere.path(),
        &["attest", "--verify", path.to_str().unwrap()],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    for (p, why) in [
        ("/etc/passwd", "an absolute path"),
        ("../c.json", "a path with `..`"),
        ("up", "a symbolic link to "),
        ("sub/../../t.json", "a path with `..`"),
        ("pipe", "not a regular file (it is a FIFO)"),
        ("/proc/self/environ", "an absolute path"),
    ] {
        let line = format!("REFUSED   {p}: {why}");
        assert!(r.stdout.contains(&line), "{line}: {}", r.stdout);
    }
    assert!(r.stdout.contains("ok        r.json"), "{}", r.stdout);
    assert!(
        r.stdout.contains("0 changed, 0 missing, 6 refused"),
        "{}",
        r.stdout
    );
    let all = format!("{}{}", r.stdout, r.stderr);
    for probed in [
        Path::new("/etc/passwd"),
        &d.join("c.json"),
        &d.join("t.json"),
    ] {
        assert!(
            !all.contains(&sha_of(probed)),
            "{} hash shown: {all}",
            probed.display()
        );
    }
}

// ---- The published schema: `schema/attestation.schema.json` ----

fn attestation_schema_errors(doc: &serde_json::Value) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/attestation.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::meta::validate(&schema).expect("a valid JSON Schema");
    let validator = jsonschema::options().build(&schema).unwrap();
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

fn assert_matches_schema(doc: &serde_json::Value) {
    let errors = attestation_schema_errors(doc);
    assert!(errors.is_empty(), "{errors:?} in {doc}");
}

/// Commits `dir` as a git checkout; false (after saying so) where git cannot.
fn git_commit_all(dir: &Path) -> bool {
    if !common::have_tool("git", "--version", "an attestation with git information") {
        return false;
    }
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(["-c", "user.name=perfgate", "-c", "user.email=p@example.com"])
            .args(args)
            .current_dir(dir)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    assert!(
        git(&["init", "-q"]) && git(&["add", "-A"]) && git(&["commit", "-q", "-m", "init"]),
        "git is installed but cannot commit in {}",
        dir.display()
    );
    true
}

/// What `perfgate attest` writes matches the schema: artifacts of every kind without a config
/// or git (nulls), and a config's attested replay manifest in a git checkout.
#[test]
fn attestations_match_their_schema() {
    let dir = artifacts();
    let d = dir.path();
    attest_all(d);
    let att = read_json(&d.join("attestation.json"));
    assert_eq!((att["git"].is_null(), att["suite"].is_null()), (true, true));
    assert_matches_schema(&att);

    let dir = replay_project();
    let d = dir.path();
    let with_git = git_commit_all(d);
    let r = pg(d, &["run", "--json-out", "r.json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = pg(d, &["attest", "r.json", "--replay-manifest", "replay.json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let att = read_json(&d.join("attestation.json"));
    assert_eq!(att["artifacts"][1]["kind"], "replay_manifest");
    assert_eq!(att["suite"], "rp");
    assert_eq!(att["git"].is_object(), with_git, "{att}");
    assert_matches_schema(&att);
}

/// The schema rejects what `attest` must never write.
#[test]
fn the_attestation_schema_is_not_vacuous() {
    let dir = artifacts();
    let d = dir.path();
    attest_all(d);
    let good = read_json(&d.join("attestation.json"));
    assert_matches_schema(&good);
    let mut broken: Vec<(&str, serde_json::Value)> = vec![
        ("an empty object", serde_json::json!({})),
        ("an array", serde_json::json!([good.clone()])),
    ];
    let mut change = |what: &'static str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut doc = good.clone();
        edit(&mut doc);
        broken.push((what, doc));
    };
    change("another kind", &|d| d["kind"] = "perfgate-report".into());
    change("another version", &|d| d["schema_version"] = 2.into());
    change("no manifest hash", &|d| {
        d.as_object_mut().unwrap().remove("manifest_sha256");
    });
    change("a short hash", &|d| {
        d["artifacts"][0]["sha256"] = "abc".into();
    });
    change("an unknown kind", &|d| {
        d["artifacts"][0]["kind"] = "video".into();
    });
    change("an unknown status", &|d| {
        d["overall_status"] = "great".into();
    });
    change("bytes as text", &|d| {
        d["artifacts"][0]["bytes"] = "12".into();
    });
    change("an extra field", &|d| d["signature"] = "x".into());
    change("a machine without id", &|d| {
        d["machine"].as_object_mut().unwrap().remove("id");
    });
    for (what, doc) in &broken {
        assert!(
            !attestation_schema_errors(doc).is_empty(),
            "accepted {what}: {doc}"
        );
    }
}
