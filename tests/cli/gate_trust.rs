//! A gate that cannot be worn down: a regression keeps failing `check` however often it is
//! re-run, the advice printed on a failed gate works when run as printed, and a `--tag` run
//! is compared (and recorded) as the subset it is. Real processes, a real SQLite store.

use crate::common;

use std::path::Path;

use common::{perfgate, run, write, Run};

/// One benchmark whose judged metric is `work`, a count it prints (`PERFGATE_METRIC`) from
/// the file `level`: the tests set exactly the values each check measures, so a 40% regression
/// is 40% on any machine, however loaded. Times, which the machine decides, are not what these
/// tests judge: their rules allow a second on top of six times the baseline (a few-millisecond
/// `echo` measured under a load of 5 once took 6.5 times its baseline's wall time).
fn config(dir: &Path, level: &str) {
    write(&dir.join("level"), level);
    write(
        &dir.join("perfgate.toml"),
        r#"suite = "wear"
[defaults]
runs = 6
warmup = 1
[[bench]]
name = "job"
shell = "echo PERFGATE_METRIC name=work value=$(cat level) unit=count"
[thresholds]
"*.wall_time" = { warn_pct = 400, ratio = 5, abs = "1s" }
"*.user_time" = { warn_pct = 400, ratio = 5, abs = "1s" }
"*.sys_time" = { warn_pct = 400, ratio = 5, abs = "1s" }
"*.peak_rss" = { warn_pct = 400, fail_pct = 500 }
"#,
    );
}

fn check(dir: &Path, args: &[&str]) -> Run {
    run(perfgate().arg("check").args(args).current_dir(dir))
}

fn work_row(stdout: &str) -> serde_json::Value {
    let c: serde_json::Value =
        serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    common::row_of(&c, "work").clone()
}

fn history(dir: &Path) -> serde_json::Value {
    let r = run(perfgate()
        .args(["history", "--format", "json", "--metric", "*"])
        .current_dir(dir));
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

/// The command after "as the baseline: " in a failed check's advice.
fn accept_advice(stderr: &str) -> Vec<String> {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("to accept run"))
        .unwrap_or_else(|| panic!("no advice to accept the run in: {stderr}"));
    let cmd = line.split_once("as the baseline: ").unwrap().1;
    cmd.split_whitespace().map(String::from).collect()
}

/// Runs a printed `perfgate ...` command with this build of perfgate.
fn run_printed(dir: &Path, words: &[String]) -> Run {
    assert_eq!(words[0], "perfgate", "{words:?}");
    run(perfgate().args(&words[1..]).current_dir(dir))
}

#[test]
fn a_regression_fails_every_check_however_often_it_is_rerun() {
    let dir = tempfile::tempdir().unwrap();
    // Six accepted runs give the noise-aware rule its history (the first bootstraps; each
    // within the 0.5% that counts are allowed by default): they range over 0.6%, so a warning
    // is beyond 1% and critical beyond 2% (the floors).
    for level in ["1000", "1003", "998", "1000", "1004", "1000"] {
        config(dir.path(), level);
        let r = check(dir.path(), &[]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }
    // +40%: critical against that history, and below the 50% ceiling that a history
    // including the regression itself would give (the bug: 4 of these 5 checks passed).
    config(dir.path(), "1400");
    for attempt in 1..=5 {
        let r = check(dir.path(), &["--fail-on-regression", "--format", "json"]);
        assert_eq!(r.code, 1, "attempt {attempt}: {}{}", r.stdout, r.stderr);
        let row = work_row(&r.stdout);
        assert_eq!(row["status"], "critical", "attempt {attempt}: {row}");
        let rule = row["rule"].as_str().unwrap();
        assert!(
            rule.contains("noise-aware: the last 6 runs here ranged over 0.6%"),
            "attempt {attempt}: {rule}"
        );
    }
    // All eleven runs stay in history; the five failed ones are marked.
    let h = history(dir.path());
    let runs = h.as_array().unwrap();
    assert_eq!(runs.len(), 11);
    let gates: Vec<&str> = runs.iter().map(|r| r["gate"].as_str().unwrap()).collect();
    assert_eq!(gates[..5], ["fail"; 5], "{gates:?}");
    assert!(gates[5..].iter().all(|g| *g == "pass"), "{gates:?}");
    let verdict = |r: &serde_json::Value| {
        r["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["metric"] == "work")
            .unwrap()["verdict"]
            .clone()
    };
    assert_eq!(verdict(&runs[0]), "critical");
    assert_eq!(verdict(&runs[10]), "new");
}

#[test]
fn the_advice_on_a_failed_gate_works_as_printed() {
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), "100");
    let cfg = dir.path().join("perfgate.toml");
    let store = dir.path().join("elsewhere/pg.db");
    // Config and store given explicitly, from another directory: the advice must carry both.
    let args = |extra: &[&str]| {
        let mut v = vec![
            "--config".to_string(),
            cfg.display().to_string(),
            "--store".into(),
            store.display().to_string(),
        ];
        v.extend(extra.iter().map(std::string::ToString::to_string));
        v
    };
    let elsewhere = tempfile::tempdir().unwrap();
    let check_from = |extra: &[&str], hook: Option<&str>| {
        let mut cmd = perfgate();
        cmd.arg("check")
            .args(args(extra))
            .current_dir(elsewhere.path());
        if let Some(h) = hook {
            cmd.env("PERFGATE_HOOK", h);
        }
        run(&mut cmd)
    };
    assert_eq!(check_from(&[], None).code, 0);
    config(dir.path(), "200");
    let r = check_from(&["--fail-on-regression", "--update-baseline"], None);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("NOT updated"), "{}", r.stdout);
    assert!(!r.stderr.contains("--no-verify"), "by hand: {}", r.stderr);
    assert!(!r.stderr.contains("--update-baseline"), "{}", r.stderr);
    let advice = accept_advice(&r.stderr);
    // Run from a hook, the way around the hook is offered too.
    let r = check_from(&["--fail-on-regression"], Some("pre-push"));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("to push anyway, this once: git push --no-verify"),
        "{}",
        r.stderr
    );
    // Taking the advice (from the other directory) makes the new numbers the baseline.
    let taken = run_printed(elsewhere.path(), &advice);
    assert_eq!(taken.code, 0, "{advice:?}: {}", taken.stderr);
    assert!(
        taken.stdout.contains("saved baseline `main`"),
        "{}",
        taken.stdout
    );
    let r = check_from(&["--fail-on-regression", "--format", "json"], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(work_row(&r.stdout)["status"], "stable");
}

#[test]
fn a_committed_baseline_is_accepted_into_its_file_keeping_its_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), "100");
    let report = dir.path().join("fast.json");
    let r = run(perfgate()
        .args(["run", "--json-out"])
        .arg(&report)
        .current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let file = dir.path().join("committed.json");
    let r = run(perfgate()
        .args(["compare", "--emit-template"])
        .arg(&report)
        .arg("-o")
        .arg(&file));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let thresholds = common::read_json(&file)["thresholds"].clone();
    assert!(thresholds.is_object(), "{thresholds}");

    config(dir.path(), "200");
    let r = check(
        dir.path(),
        &["--fail-on-regression", "--baseline", file.to_str().unwrap()],
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let advice = accept_advice(&r.stderr);
    assert!(advice.contains(&"--file".to_string()), "{advice:?}");
    let taken = run_printed(dir.path(), &advice);
    assert_eq!(taken.code, 0, "{}", taken.stderr);
    let written = common::read_json(&file);
    assert_eq!(
        written["thresholds"], thresholds,
        "the team's policy is kept"
    );
    let median = common::metric_of(&written, 0, "work")["summary"]["median"]
        .as_f64()
        .unwrap();
    assert_eq!(median, 200.0, "the file holds the new run now");
}

#[test]
fn a_tagged_run_is_compared_and_recorded_as_the_subset_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let suite = |quick: &str| {
        write(&dir.path().join("level"), quick);
        write(
            &dir.path().join("perfgate.toml"),
            r#"suite = "tags"
[defaults]
runs = 5
warmup = 0
[[bench]]
name = "quick"
shell = "echo PERFGATE_METRIC name=work value=$(cat level) unit=count"
tags = ["smoke"]
[[bench]]
name = "long-a"
command = ["true"]
[[bench]]
name = "long-b"
command = ["true"]
tags = ["full"]
[thresholds]
"*.wall_time" = { warn_pct = 400, ratio = 5, abs = "1s" }
"*.user_time" = { warn_pct = 400, ratio = 5, abs = "1s" }
"*.sys_time" = { warn_pct = 400, ratio = 5, abs = "1s" }
"*.peak_rss" = { warn_pct = 400, fail_pct = 500 }
"#,
        );
    };
    suite("100");
    assert_eq!(check(dir.path(), &[]).code, 0); // the whole suite: bootstrapped

    let r = check(dir.path(), &["--tag", "smoke", "--format", "json"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let c: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let benches: std::collections::BTreeSet<&str> = c["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["benchmark"].as_str().unwrap())
        .collect();
    assert_eq!(benches.into_iter().collect::<Vec<_>>(), ["quick"], "{c}");
    assert!(
        !r.stdout.contains("\"missing\""),
        "no unselected benchmark is `missing`: {}",
        r.stdout
    );
    let notes = c["notes"].to_string();
    assert!(
        notes.contains("partial run (--tag smoke): 1 benchmark(s) compared; 2 of the baseline's 3 not selected"),
        "{notes}"
    );

    // Accepting a slower smoke run moves only `quick` in the baseline.
    suite("300");
    let r = check(dir.path(), &["--tag", "smoke", "--fail-on-regression"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let taken = run_printed(dir.path(), &accept_advice(&r.stderr));
    assert_eq!(taken.code, 0, "{}", taken.stderr);
    assert!(taken.stdout.contains(": 3 benchmarks"), "{}", taken.stdout);
    let r = check(dir.path(), &["--fail-on-regression"]);
    assert_eq!(
        r.code, 0,
        "the whole suite passes: {}{}",
        r.stdout, r.stderr
    );
    assert!(!r.stdout.contains("missing"), "{}", r.stdout);

    // History says which runs were the subset.
    let h = history(dir.path());
    let selections: Vec<String> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["selection"].to_string())
        .collect();
    assert_eq!(selections[0], "null", "{selections:?}");
    assert_eq!(selections[1], r#"{"tags":["smoke"]}"#, "{selections:?}");
    assert_eq!(selections[3], "null", "{selections:?}");
    let r = run(perfgate().args(["history"]).current_dir(dir.path()));
    assert!(r.stdout.contains("--tag smoke"), "{}", r.stdout);
}
