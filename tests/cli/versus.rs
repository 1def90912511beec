//! `perfgate versus` through the binary on real processes: a 2x slower B is critical, the
//! run order is interleaved in ABBA/BAAB blocks, outputs are cross-checked in every mode, and
//! every JSON document follows `schema/versus.schema.json`.

use crate::common;

use common::{perfgate, row_of, run, script};

fn versus(args: &[&str]) -> common::Run {
    run(perfgate().arg("versus").args(args))
}

/// The JSON `versus` printed, checked against `schema/versus.schema.json`.
fn json_of(r: &common::Run) -> serde_json::Value {
    let doc: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", r.stdout, r.stderr));
    assert_valid(&doc);
    doc
}

fn assert_valid(doc: &serde_json::Value) {
    let errors = schema_errors(doc);
    assert!(errors.is_empty(), "{errors:?} in {doc}");
}

fn schema_errors(doc: &serde_json::Value) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/versus.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::meta::validate(&schema).expect("a valid JSON Schema");
    let validator = jsonschema::options().build(&schema).unwrap();
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

/// The schema rejects what `versus` must never write.
#[test]
fn the_schema_is_not_vacuous() {
    let good = json_of(&versus(&[
        "true",
        "true",
        "--runs",
        "2",
        "--startup",
        "{bin}",
        "--format",
        "json",
    ]));
    let mut broken: Vec<(&str, serde_json::Value)> = Vec::new();
    let mut mutate = |what, change: &dyn Fn(&mut serde_json::Value)| {
        let mut doc = good.clone();
        change(&mut doc);
        broken.push((what, doc));
    };
    mutate("no status", &|d| {
        d["metrics"][0].as_object_mut().unwrap().remove("status");
    });
    mutate("an unknown verdict", &|d| {
        d["metrics"][0]["status"] = "fine".into();
    });
    mutate("a side C", &|d| d["order"][0] = "C".into());
    mutate("outputs that disagree", &|d| {
        d["outputs"]["agree"] = false.into();
    });
    mutate("a negative ratio", &|d| {
        d["metrics"][0]["ratio"] = (-1.0).into();
    });
    mutate("a p-value above 1", &|d| {
        d["metrics"][0]["p_value"] = 1.5.into();
    });
    mutate("a one-sided interval", &|d| {
        d["metrics"][0]["ratio_ci95"] = serde_json::json!([1.0]);
    });
    mutate("an extra field", &|d| {
        d["metrics"][0]["colour"] = "red".into();
    });
    mutate("one pair", &|d| d["pairs"] = 1.into());
    mutate("no notes", &|d| {
        d.as_object_mut().unwrap().remove("notes");
    });
    mutate("a ratio for a metric never judged", &|d| {
        d["metrics"][0]["status"] = "zero".into();
        d["metrics"][0]["ratio"] = 1.0.into();
    });
    mutate("significant without an interval", &|d| {
        d["metrics"][0]["ratio_ci95"] = serde_json::Value::Null;
        d["metrics"][0]["significant"] = true.into();
    });
    mutate("inconclusive without a reason", &|d| {
        d["metrics"][0]["status"] = "inconclusive".into();
        d["metrics"][0]["reason"] = serde_json::Value::Null;
    });
    for (what, doc) in &broken {
        assert!(!schema_errors(doc).is_empty(), "accepted {what}: {doc}");
    }
}

#[test]
fn twice_as_slow_is_critical_and_blocks_when_asked() {
    // 50 against 100 ms: the few ms a loaded machine adds to starting each process (on both
    // sides) pull the ratio below 2 much less than they would for 20 against 40 ms. Twelve
    // pairs: with six, one 50 ms sleep that took 120 ms (at load 4) made the interval of the
    // ratio reach below 1.
    let r = versus(&[
        "sleep 0.05",
        "sleep 0.1",
        "--runs",
        "12",
        "--format",
        "json",
        "--fail-on-regression",
    ]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let j = json_of(&r);
    let wall = &j["metrics"][0];
    assert_eq!(wall["metric"], "wall_time");
    let ratio = wall["ratio"].as_f64().unwrap();
    assert!((1.6..2.6).contains(&ratio), "{ratio}");
    assert_eq!(wall["significant"], true);
    assert_eq!(wall["status"], "critical");
    assert!((j["throughput_ratio"].as_f64().unwrap() * ratio - 1.0).abs() < 1e-9);
    assert_eq!(j["outputs"]["agree"], true);
}

#[test]
fn the_same_command_is_not_a_regression() {
    let r = versus(&[
        "sleep 0.05",
        "sleep 0.05",
        "--runs",
        "8",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = json_of(&r);
    let wall = &j["metrics"][0];
    assert!(
        (wall["ratio"].as_f64().unwrap() - 1.0).abs() < 0.3,
        "{wall}"
    );
    assert_ne!(wall["status"], "critical", "{wall}");
}

#[test]
fn runs_alternate_in_abba_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("order");
    let a = format!("printf A >> {}", log.display());
    let b = format!("printf B >> {}", log.display());
    let r = versus(&[
        &a,
        &b,
        "--runs",
        "8",
        "--warmup",
        "1",
        "--compare-output",
        "lines",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let seq = std::fs::read_to_string(&log).unwrap();
    // One warm-up of each, then 4 blocks of ABBA or BAAB.
    assert_eq!(&seq[..2], "AB");
    let measured = &seq[2..];
    assert_eq!(measured.len(), 16);
    for block in measured.as_bytes().chunks(4) {
        assert!(block == b"ABBA" || block == b"BAAB", "{seq}");
    }
}

#[test]
fn outputs_must_agree_in_the_chosen_way() {
    let r = versus(&["echo 1", "echo 2", "--runs", "2"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("A and B disagree") && r.stderr.contains("line 1: A \"1\" vs B \"2\""),
        "{}",
        r.stderr
    );
    let ok = versus(&[
        "echo 1.000",
        "echo 1.004",
        "--runs",
        "2",
        "--compare-output",
        "numeric",
        "--tolerance",
        "0.01",
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let bad = versus(&[
        "echo 1.0",
        "echo 1.1",
        "--runs",
        "2",
        "--compare-output",
        "numeric",
        "--tolerance",
        "0.01",
    ]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("number 1 differs beyond 0.01"),
        "{}",
        bad.stderr
    );
    let json = versus(&[
        r#"echo '{"a": 1, "b": [1, 2]}'"#,
        r#"echo '{"b": [1, 2], "a": 1}'"#,
        "--runs",
        "2",
        "--compare-output",
        "json",
    ]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let cmd = versus(&[
        "echo x",
        "echo x",
        "--runs",
        "2",
        "--compare-cmd",
        r#"cmp -s "$A_OUT" "$B_OUT""#,
    ]);
    assert_eq!(cmd.code, 0, "{}", cmd.stderr);
    let cmd = versus(&[
        "echo x",
        "echo y",
        "--runs",
        "2",
        "--compare-cmd",
        r#"cmp -s "$A_OUT" "$B_OUT""#,
    ]);
    assert_eq!(cmd.code, 2);
}

#[test]
fn a_failing_side_exits_3() {
    let r = versus(&["true", "exit 7", "--runs", "2"]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains("B (warm-up 1) exited with status 7"),
        "{}",
        r.stderr
    );
}

/// Two builds of one program (the new one in a directory with a space, to test quoting):
/// `{bin}` puts each in the command; `--startup '{bin} --version'` times their start-up,
/// which the new build made slower too.
#[test]
fn two_builds_through_a_bin_template_with_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old/app");
    let new = dir.path().join("new build/app");
    script(
        &old,
        "if [ \"$1\" = --version ]; then echo app 1; exit 0; fi\nsleep 0.05; echo 42",
    );
    script(
        &new,
        "sleep 0.1\nif [ \"$1\" = --version ]; then echo app 2; exit 0; fi\nsleep 0.05; echo 42",
    );
    let (old_s, new_s) = (old.display().to_string(), new.display().to_string());
    let r = versus(&[
        &old_s,
        &new_s,
        "--cmd",
        "{bin} --work",
        "--startup",
        "{bin} --version",
        "--runs",
        "6",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let j = json_of(&r);
    assert_eq!(j["a"], format!("{old_s} --work"));
    assert_eq!(j["b"], format!("'{new_s}' --work"));
    assert_eq!(j["startup"][1], format!("'{new_s}' --version"));
    let metric = |name: &str| row_of(&j, name).clone();
    // 150 ms against 50 ms of work; start-up 100 ms against ~1 ms. Starting each process
    // (two on the old side, three on the new) takes a few ms, tens on a loaded machine, and
    // pulls the ratio from 3 toward 1: with 20 ms of work on the old side it fell to 1.78.
    // Delays that hit one side more than the other move it either way (3.57 seen at load 4).
    let wall = metric("wall_time")["ratio"].as_f64().unwrap();
    assert!((2.0..4.5).contains(&wall), "{wall}");
    let startup = j["startup_ratio"].as_f64().unwrap();
    assert!(startup > 3.0, "{startup}");
    assert_eq!(metric("startup_time")["ratio"].as_f64().unwrap(), startup);
    assert_eq!(
        j["peak_memory_ratio"].as_f64().unwrap(),
        metric("peak_rss")["ratio"].as_f64().unwrap()
    );

    // Without --cmd, the start-up template gets each command's program.
    let a = format!("{old_s} --work");
    let r = versus(&[
        "--baseline-cmd",
        &a,
        "--candidate-cmd",
        &a,
        "--startup",
        "{bin} --version",
        "--runs",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = json_of(&r);
    assert_eq!(j["a"], a);
    assert_eq!(j["startup"][0], format!("{old_s} --version"));

    let r = versus(&[&old_s, &new_s, "--cmd", "app --work", "--runs", "2"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`app --work` has no {bin}"),
        "{}",
        r.stderr
    );
    let r = versus(&["--baseline-cmd", "true", "--runs", "2"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// `sleep` makes (almost) no system calls: its system time is 0 in most runs, often all.
/// Every row must be a number or say why there is none (never `NaNx`), and a row called
/// significant must show an interval that excludes 1 at the precision it is shown.
#[test]
fn metrics_near_zero_are_never_nan_and_significance_matches_the_shown_interval() {
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("versus.json");
    let r = versus(&[
        "sleep 0.01",
        "sleep 0.012",
        "--runs",
        "8",
        "--json-out",
        json_path.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lower = r.stdout.to_lowercase();
    assert!(
        !lower.contains("nan") && !lower.contains("inf"),
        "{}",
        r.stdout
    );
    let j = common::read_json(&json_path);
    assert_valid(&j);
    for m in j["metrics"].as_array().unwrap() {
        let status = m["status"].as_str().unwrap();
        match m["ratio"].as_f64() {
            Some(r) => assert!(r.is_finite() && r >= 0.0, "{m}"),
            None => assert!(["zero", "not judged"].contains(&status), "{m}"),
        }
        if status == "zero" {
            assert_eq!(
                (m["a_median"].as_f64(), m["b_median"].as_f64()),
                (Some(0.0), Some(0.0))
            );
        }
        if ["zero", "not judged"].contains(&status) {
            assert_eq!(m["significant"], false, "{m}");
        }
        let name = m["metric"].as_str().unwrap();
        let row = r
            .stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} row in\n{}", r.stdout));
        let words: Vec<&str> = row.split_whitespace().collect();
        if m["significant"] == true {
            let dots = words.iter().position(|w| *w == "..").unwrap();
            let lo: f64 = words[dots - 1].parse().unwrap();
            let hi: f64 = words[dots + 1].parse().unwrap();
            assert!(
                lo > 1.0 || hi < 1.0,
                "significant but shown touching 1: {row}"
            );
        }
    }
}

/// Bad values of the gate's options are refused by clap, naming the flag, as for `compare`.
#[test]
fn bad_thresholds_and_rates_exit_2_naming_the_flag() {
    let r = versus(&["true", "true", "--threshold-pct=-5"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "invalid value '-5' for '--threshold-pct <PCT>': must be a percentage of 0 or more"
        ),
        "{}",
        r.stderr
    );
    for bad in ["0", "1.5", "some"] {
        let r = versus(&["true", "true", "--fdr", bad]);
        assert_eq!(r.code, 2, "--fdr {bad}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!(
                "invalid value '{bad}' for '--fdr <RATE|off>': must be a rate between 0 and 1 (e.g. 0.05) or `off`"
            )),
            "{}",
            r.stderr
        );
    }
}

/// The gate holds the false discovery rate across versus's metrics (5% by default), or tests
/// each on its own with `--fdr off`; the note says which, and q-values come only with it.
#[test]
fn the_false_discovery_rate_is_the_gates() {
    let with = |fdr: &[&str]| {
        let mut args = vec![
            "sleep 0.01",
            "sleep 0.01",
            "--runs",
            "4",
            "--format",
            "json",
        ];
        args.extend(fdr);
        let r = versus(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        json_of(&r)
    };
    let tested = |j: &serde_json::Value| {
        j["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["p_value"].is_number())
            .count()
    };
    let held = with(&[]);
    let n = tested(&held);
    // Wall time always has an interval (a process never takes 0 s).
    assert!(n >= 1, "{held}");
    let note = held["notes"][0].as_str().unwrap();
    assert!(
        note.starts_with(&format!("significance: paired bootstrap of the median log-ratio B/A per metric, false discovery rate held at 5% across {n} tests (Benjamini-Hochberg)")),
        "{note}"
    );
    assert!(held["metrics"][0]["q_value"].is_number(), "{held}");
    let off = with(&["--fdr", "off"]);
    assert!(
        off["notes"][0]
            .as_str()
            .unwrap()
            .contains("tests on its own at 5% (no false discovery rate control)"),
        "{off}"
    );
    assert!(off["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["q_value"].is_null()));
    let loose = with(&["--fdr", "0.2"]);
    assert!(
        loose["notes"][0]
            .as_str()
            .unwrap()
            .contains("false discovery rate held at 20% across"),
        "{loose}"
    );
}
