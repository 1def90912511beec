//! Testbeds end to end: runners of one testbed (machines with different ids) share its
//! history and baseline; another testbed starts its own; `--testbed` over `PERFGATE_TESTBED`
//! over the config's `testbed`; bad names refused naming the field; a runner whose hardware is
//! not that of its testbed's last run is warned about; a store from before testbeds finds its
//! runs under the machine id. Checks run on the mock executor (`sleep S` takes exactly S
//! seconds), so every verdict is exact; `PERFGATE_MACHINE_ID` makes one machine many runners.

use crate::common;

use std::path::Path;

use common::{perfgate, read_json, run, write, Run};

// Suite `proj`: one CPU benchmark `nap` that sleeps `secs`; `extra` goes at the top.
use crate::check_server::write_config;

const RUNNER_A: &str = "aaaaaaaaaaaaaaaa";
const RUNNER_B: &str = "bbbbbbbbbbbbbbbb";
const RUNNER_C: &str = "cccccccccccccccc";

fn project(secs: &str, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), secs, extra);
    dir
}

/// `perfgate ARGS` in `dir` as the runner `machine`, on the mock executor, with `env`.
fn as_runner(dir: &Path, machine: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = perfgate();
    cmd.env("PERFGATE_EXECUTOR", "mock")
        .env("PERFGATE_MACHINE_ID", machine)
        .args(args)
        .current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

/// `check --format json` as `machine`: the exit code, the comparison, stderr.
fn check(dir: &Path, machine: &str, args: &[&str]) -> (i32, serde_json::Value, String) {
    let all = [&["check", "--format", "json"][..], args].concat();
    let r = as_runner(dir, machine, &all, &[]);
    let json =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", r.stdout, r.stderr));
    (r.code, json, r.stderr)
}

fn notes(c: &serde_json::Value) -> String {
    c["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn wall_time_verdict(c: &serde_json::Value) -> String {
    c["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["benchmark"] == "nap" && m["metric"] == "wall_time")
        .map_or_else(
            || panic!("no nap wall_time: {c}"),
            |m| m["status"].as_str().unwrap().to_string(),
        )
}

#[test]
fn runners_of_one_testbed_share_its_baseline_and_another_testbed_starts_its_own() {
    let dir = project("0.05", "");
    let d = dir.path();
    let (code, first, stderr) = check(d, RUNNER_A, &["--testbed", "gha-2core"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        notes(&first).contains("baseline bootstrapped: run 1 is now baseline `main` for suite `proj`, device `cpu` on testbed `gha-2core`"),
        "{}",
        notes(&first)
    );

    // Another runner of the same testbed, twice as slow: compared with runner A's baseline,
    // silently (no "another testbed"), and judged critical.
    write_config(d, "0.1", "");
    let (code, second, stderr) = check(d, RUNNER_B, &["--testbed", "gha-2core"]);
    assert_eq!(code, 0, "soft gate: {stderr}");
    assert_eq!(wall_time_verdict(&second), "critical", "{second}");
    let said = notes(&second);
    assert!(!said.contains("bootstrapped"), "{said}");
    assert!(!said.contains("another testbed"), "{said}");
    assert!(
        !said.contains("results may not be comparable"),
        "same CPU: {said}"
    );
    assert_eq!(second["baseline"]["machine_id"], RUNNER_A);
    assert_eq!(second["current"]["machine_id"], RUNNER_B);
    assert_eq!(second["baseline"]["testbed"], "gha-2core");
    assert_eq!(second["current"]["testbed"], "gha-2core");

    // A runner of another testbed bootstraps its own baseline: nothing to compare with.
    let (code, other, stderr) = check(d, RUNNER_C, &["--testbed", "arm-4core"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        notes(&other).contains("on testbed `arm-4core`"),
        "{}",
        notes(&other)
    );
    assert_ne!(wall_time_verdict(&other), "critical", "{other}");

    // The store's view: two baselines, one per testbed; the history of a testbed is its
    // runners' runs, whichever machine made them.
    let r = as_runner(
        d,
        RUNNER_C,
        &["baseline", "list"],
        &[("PERFGATE_TESTBED", "gha-2core")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let header = r.stdout.lines().next().unwrap();
    assert!(header.contains("testbed"), "{}", r.stdout);
    assert!(r.stdout.contains("gha-2core (this)"), "{}", r.stdout);
    assert!(r.stdout.contains("arm-4core"), "{}", r.stdout);
    assert!(!r.stdout.contains("arm-4core (this)"), "{}", r.stdout);
    let r = as_runner(
        d,
        RUNNER_C,
        &["history", "--format", "json", "--testbed", "gha-2core"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let runs: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let seen: Vec<(&str, &str)> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["testbed"].as_str().unwrap(),
                r["machine_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen, [("gha-2core", RUNNER_B), ("gha-2core", RUNNER_A)]);
    let r = as_runner(
        d,
        RUNNER_A,
        &["history", "--format", "csv", "--testbed", "arm-4core"],
        &[],
    );
    let mut lines = r.stdout.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .contains(",machine_id,testbed,device,"),
        "{}",
        r.stdout
    );
    assert!(
        lines.all(|l| l.contains(&format!(",{RUNNER_C},arm-4core,cpu,"))),
        "{}",
        r.stdout
    );
}

#[test]
fn the_flag_wins_over_the_environment_over_the_config_over_the_machine() {
    let dir = project("0.01", "testbed = \"from-config\"");
    let d = dir.path();
    let report = d.join("r.json");
    let out = report.to_str().unwrap();
    let testbed_of = |args: &[&str], env: &[(&str, &str)]| {
        let all = [&["run", "--json-out", out][..], args].concat();
        let r = as_runner(d, RUNNER_A, &all, env);
        assert_eq!(r.code, 0, "{}", r.stderr);
        read_json(&report).get("testbed").cloned()
    };
    let env = [("PERFGATE_TESTBED", "from-env")];
    assert_eq!(testbed_of(&[], &[]), Some("from-config".into()));
    assert_eq!(testbed_of(&[], &env), Some("from-env".into()));
    assert_eq!(
        testbed_of(&["--testbed", "from-flag"], &env),
        Some("from-flag".into())
    );
    // Naming the machine's own id is no name: the report says nothing, as before testbeds.
    assert_eq!(testbed_of(&["--testbed", RUNNER_A], &env), None);
    write_config(d, "0.01", "");
    assert_eq!(testbed_of(&[], &[]), None);

    // `record` files a report that names no testbed under the one named there, and leaves
    // one that names its own alone.
    let r = as_runner(
        d,
        RUNNER_A,
        &["record", out, "--testbed", "from-record"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = as_runner(
        d,
        RUNNER_A,
        &["run", "--json-out", out, "--testbed", "own"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = as_runner(
        d,
        RUNNER_A,
        &["record", out, "--testbed", "from-record"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = as_runner(
        d,
        RUNNER_A,
        &["history", "--format", "json", "--all-machines"],
        &[],
    );
    let runs: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let testbeds: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["testbed"].as_str().unwrap())
        .collect();
    assert_eq!(testbeds, ["own", "from-record"]);
}

#[test]
fn a_bad_testbed_is_refused_naming_where_it_came_from() {
    let dir = project("0.01", "");
    let d = dir.path();
    let long = "x".repeat(101);
    for (args, env, why) in [
        (vec!["--testbed", ""], vec![], "must not be empty"),
        (vec!["--testbed", &long], vec![], "at most 100 characters"),
        (
            vec![],
            vec![("PERFGATE_TESTBED", "two\nlines")],
            "printable text on one line",
        ),
    ] {
        for command in ["run", "check", "history", "baseline list", "record r.json"] {
            let words: Vec<&str> = command.split(' ').collect();
            let all = [&words[..], &args].concat();
            let r = as_runner(d, RUNNER_A, &all, &env);
            assert_eq!(r.code, 2, "{command} {args:?} {env:?}: {}", r.stderr);
            assert_eq!(r.stderr.trim().lines().count(), 1, "one line: {}", r.stderr);
            assert!(
                r.stderr
                    .starts_with("perfgate: error: --testbed / PERFGATE_TESTBED "),
                "{}",
                r.stderr
            );
            assert!(r.stderr.contains(why), "{command}: {}", r.stderr);
        }
    }
    write_config(d, "0.01", "testbed = \"\"");
    let r = as_runner(d, RUNNER_A, &["check"], &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "one line: {}", r.stderr);
    assert!(
        r.stderr
            .contains("perfgate.toml:2:11: testbed: a testbed name must not be empty"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_runner_on_other_hardware_than_its_testbed_s_last_run_is_warned_about() {
    let dir = project("0.05", "");
    let d = dir.path();
    // The testbed's last run was made on another kind of machine.
    let report = d.join("r.json");
    let out = report.to_str().unwrap();
    let r = as_runner(
        d,
        RUNNER_A,
        &["run", "--json-out", out, "--testbed", "x86"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut other = read_json(&report);
    other["machine"]["cpu_model"] = "Intel Xeon Fake 9999".into();
    other["machine"]["cores"] = 64.into();
    write(&report, &other.to_string());
    let r = as_runner(d, RUNNER_A, &["record", out], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("warning"), "first run: {}", r.stderr);

    let here = perfgate::context::machine();
    let (code, c, stderr) = check(d, RUNNER_B, &["--testbed", "x86"]);
    assert_eq!(code, 0, "{stderr}");
    let expected = format!(
        "testbed `x86`: this runner has {:?} x {} cores, its last run had \"Intel Xeon Fake 9999\" x 64 cores; results may not be comparable",
        here.cpu_model, here.cores
    );
    assert!(notes(&c).contains(&expected), "{}", notes(&c));
    // The last run is now this hardware's: no warning.
    let (_, c, _) = check(d, RUNNER_B, &["--testbed", "x86"]);
    assert!(
        !notes(&c).contains("may not be comparable"),
        "{}",
        notes(&c)
    );
    // Another testbed's history does not count.
    let (_, c, _) = check(d, RUNNER_B, &["--testbed", "arm"]);
    assert!(
        !notes(&c).contains("may not be comparable"),
        "{}",
        notes(&c)
    );
    // `record` says it on stderr.
    let r = as_runner(d, RUNNER_A, &["record", out], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("perfgate: warning: testbed `x86`: this runner has \"Intel Xeon Fake 9999\" x 64 cores, its last run had"),
        "{}",
        r.stderr
    );
}

/// A store from before testbeds (schema 4: no `runs.testbed`, baselines keyed by
/// `machine_id`) is migrated when a check opens it: its runs and baselines are found under
/// the machine id as testbed, so the check compares instead of bootstrapping again.
#[test]
fn a_store_from_before_testbeds_keeps_its_history_under_the_machine_id() {
    let dir = project("0.05", "");
    let d = dir.path();
    let (code, _, stderr) = check(d, RUNNER_A, &[]);
    assert_eq!(code, 0, "{stderr}");
    let db = d.join(".perfgate/perfgate.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "DROP INDEX runs_suite_testbed_device; DROP INDEX runs_report_sha256;
             ALTER TABLE runs DROP COLUMN testbed; ALTER TABLE runs DROP COLUMN testbed_named;
             ALTER TABLE runs DROP COLUMN report_sha256; DROP TABLE tokens; DROP TABLE projects;
             DROP TABLE profiles;
             ALTER TABLE baselines RENAME COLUMN testbed TO machine_id;
             UPDATE schema_version SET version = 4;",
        )
        .unwrap();
        let version: i64 = conn
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 4);
    }
    write_config(d, "0.1", "");
    let (code, c, stderr) = check(d, RUNNER_A, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!notes(&c).contains("bootstrapped"), "{}", notes(&c));
    assert_eq!(wall_time_verdict(&c), "critical", "{c}");
    assert_eq!(c["baseline"]["testbed"], RUNNER_A);
    let r = as_runner(d, RUNNER_A, &["history", "--format", "json"], &[]);
    let runs: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let testbeds: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["testbed"].as_str().unwrap())
        .collect();
    assert_eq!(testbeds, [RUNNER_A, RUNNER_A]);
    let r = as_runner(d, RUNNER_A, &["baseline", "list"], &[]);
    assert!(
        r.stdout.contains(&format!("{RUNNER_A} (this)")),
        "{}",
        r.stdout
    );
}
