//! Inputs a careless or hostile user gives perfgate: each is refused with exit 2 and a
//! message naming where it came from, never a panic (exit 101) or an abort.

mod common;

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
