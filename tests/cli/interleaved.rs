//! `perfgate check --interleaved`: the suite from two builds (`{bin}`) run in alternation and
//! compared with each other, on real processes.

use crate::common;

use std::path::Path;

use common::{busy, perfgate, row_of, run, script, write};

/// A candidate build doing four times the work is critical against the baseline build measured
/// in the same window; the same build on both sides is not; the runs alternate in ABBA blocks;
/// the candidate's run is recorded.
#[test]
fn two_builds_in_alternation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let slow = d.join("slow-build");
    // Four times the work, ten runs: at a load of 5 on 2 cores a 20 ms loop's wall time ranges
    // over 2-3x from run to run, and a 2x step in 6 runs came out `inconclusive` 4 times in 20.
    script(&slow, &format!("exec {} $(( $1 * 4 ))", busy().display()));
    let log = d.join("order.log");
    script(&d.join("a"), &format!("printf A >> {}", log.display()));
    script(&d.join("b"), &format!("printf B >> {}", log.display()));
    write(
        &d.join("perfgate.toml"),
        r#"suite = "builds"
[[bench]]
name = "loop"
command = ["{bin}", "60000000"]
runs = 10
warmup = 1
[[bench]]
name = "order"
shell = "test -x \"$PERFGATE_BIN\" && {bin}"
runs = 4
warmup = 0
"#,
    );
    // `order` only makes sense with the a/b scripts; a filter picks what each case runs.
    let r = run(perfgate()
        .args([
            "check",
            "--interleaved",
            "--filter",
            "^order$",
            "--format",
            "json",
        ])
        .arg("--baseline-bin")
        .arg(d.join("a"))
        .arg("--candidate-bin")
        .arg(d.join("b"))
        .current_dir(d));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let order = std::fs::read_to_string(&log).unwrap();
    assert_eq!(order.len(), 8, "{order}");
    for block in order.as_bytes().chunks(4) {
        assert!(block == b"ABBA" || block == b"BAAB", "{order}");
    }

    let filtered = |a: &Path, b: &Path| {
        run(perfgate()
            .args([
                "check",
                "--interleaved",
                "--filter",
                "^loop$",
                "--format",
                "json",
            ])
            .arg("--fail-on-regression")
            .arg("--baseline-bin")
            .arg(a)
            .arg("--candidate-bin")
            .arg(b)
            .current_dir(d))
    };
    let r = filtered(busy(), &slow);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let c: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let wall = row_of(&c, "wall_time");
    assert_eq!(wall["status"], "critical", "{wall}");
    // Waiting for a core on a loaded machine adds to both sides alike and so pulls the wall
    // time's ratio toward 1; CPU time is what grows with the work (a little less than 4x:
    // the slow build's `sh` wrapper and each process's start are in both).
    let change = wall["change_pct"].as_f64().unwrap();
    assert!(change > 100.0, "4x the work: {change}");
    let cpu = row_of(&c, "user_time");
    assert_eq!(cpu["status"], "critical", "{cpu}");
    let cpu_change = cpu["change_pct"].as_f64().unwrap();
    assert!((200.0..450.0).contains(&cpu_change), "4x the work: {cpu}");
    assert!(c["notes"].to_string().contains("in alternation"), "{c}");
    assert!(d.join(".perfgate/perfgate.db").is_file());

    let r = filtered(busy(), busy());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // A candidate build that crashes fails its benchmark (exit 3), never looks fast.
    let broken = d.join("broken-build");
    script(&broken, "echo segfault >&2; exit 139");
    let r = filtered(busy(), &broken);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    let c: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let row = &c["metrics"][0];
    assert_eq!(row["status"], "failed", "{row}");
    assert!(
        row["reason"].as_str().unwrap().contains("candidate"),
        "{row}"
    );

    // Both builds are needed.
    let r = run(perfgate()
        .args(["check", "--interleaved", "--baseline-bin", "x"])
        .current_dir(d));
    assert_eq!(r.code, 2, "{}", r.stderr);
}
