//! `perfgate attest`, `attest --verify` and `perfgate replay`, end to end on real artifacts
//! (made by `perfgate run` and `perfgate compare`) and real processes in temporary directories.

mod common;

use std::path::Path;

use common::{perfgate, read_json, run, write, Run};
use perfgate::attest::canonical::seal;
use perfgate::context::sha256_hex;

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
    let r = pg(d, &["run", "--json-out", "r.json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = pg(
        d,
        &[
            "attest",
            "r.json",
            "--replay-manifest",
            "replay.json",
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
        sha_of(&d.join("replay.json"))
    );
    let r = pg(d, &["attest", "--verify", "out/attestation.json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}
