//! perfgate under a hard address-space limit (512 MiB, `prlimit --as`) on hostile inputs:
//! endless devices, an endless stdin, a file far larger than memory. Each must end in a clean
//! exit 2 naming the input, never an abort from a failed allocation (which a process that
//! reads its input whole meets at once under such a limit).

use crate::common;

use std::process::Command;

use common::{run, Run};

const LIMIT: &str = "--as=536870912";

fn limited(args: &[&str]) -> Command {
    let mut c = Command::new("prlimit");
    c.arg(LIMIT)
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_perfgate"))
        .args(args)
        .env_remove("PERFGATE_MAX_INPUT_BYTES");
    c
}

fn refused(r: &Run, what: &str, expected: &str) {
    assert_eq!(r.code, 2, "{what}: {}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(expected), "{what}: {}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{what}: {}", r.stderr);
}

#[test]
fn hostile_inputs_end_in_exit_2_under_a_512_mib_address_space() {
    if !common::prlimit_works() {
        common::skip("hostile_inputs_end_in_exit_2_under_a_512_mib_address_space: `prlimit --as` is not available here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 64 GiB, sparse: far beyond the limit and the machine's memory.
    let huge = d.join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(64 << 30)
        .unwrap();
    let huge = huge.to_str().unwrap();
    let device = "not a regular file (it is a character device)";
    let too_big = "is larger than the input limit of 256 MiB";
    for (args, expected) in [
        (vec!["ingest", "/dev/zero"], device),
        (vec!["compare", "/dev/zero", "/dev/zero"], device),
        (vec!["attest", "--verify", "/dev/zero"], device),
        (vec!["report", "--format", "md", "/dev/urandom"], device),
        (vec!["ingest", huge], too_big),
        (vec!["compare", huge, huge], too_big),
        (vec!["baseline", "import", huge], too_big),
        (vec!["detect", "--input", huge], too_big),
        (vec!["attest", "--verify", huge], too_big),
    ] {
        let r = run(limited(&args).current_dir(d));
        refused(&r, &format!("{args:?}"), expected);
    }
    // An artifact is hashed in blocks: one larger than the whole address space (80 MiB,
    // sparse, under a 64 MiB limit) is attested, not refused.
    let big = d.join("big.bin");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(80 << 20)
        .unwrap();
    let r = run(Command::new("prlimit")
        .arg("--as=67108864")
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_perfgate"))
        .args(["attest", "big.bin", "-o", "."])
        .current_dir(d));
    assert_eq!(r.code, 0, "attest big.bin: {}{}", r.stdout, r.stderr);
    let att = common::read_json(&d.join("attestation.json"));
    assert_eq!(att["artifacts"][0]["bytes"], 80u64 << 20);
    assert_eq!(att["artifacts"][0]["kind"], "file");
    // Endless stdin: read up to the limit, then refused.
    let r = run(limited(&["ingest", "-"])
        .current_dir(d)
        .stdin(std::fs::File::open("/dev/zero").unwrap()));
    refused(
        &r,
        "ingest - < /dev/zero",
        "-: cannot read: the input is larger than the input limit of 256 MiB",
    );
}
