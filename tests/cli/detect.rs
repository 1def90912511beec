//! `perfgate detect` through the binary: series from CSV and JSON files, a malformed line,
//! and the recorded history of a real store with a step at a known run.

use crate::common;

use common::{perfgate, run, write};

/// The JSON `detect` printed, checked against `schema/detect.schema.json`.
fn json_of(r: &common::Run) -> serde_json::Value {
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:?} in {doc}");
    doc
}

fn schema_errors(doc: &serde_json::Value) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/detect.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::meta::validate(&schema).expect("a valid JSON Schema");
    let validator = jsonschema::options().build(&schema).unwrap();
    validator.iter_errors(doc).map(|e| e.to_string()).collect()
}

/// The schema rejects what `detect` must never write.
#[test]
fn the_schema_is_not_vacuous() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("s.json"),
        &serde_json::json!({"stepped": stepped()}).to_string(),
    );
    let good = json_of(&run(perfgate()
        .args(["detect", "--format", "json", "--input", "s.json"])
        .current_dir(dir.path())));
    let mut broken = Vec::new();
    let mut no_index = good.clone();
    no_index["series"][0]["change_points"][0]
        .as_object_mut()
        .unwrap()
        .remove("index");
    broken.push(no_index);
    let mut sideways = good.clone();
    sideways["series"][0]["change_points"][0]["direction"] = "sideways".into();
    broken.push(sideways);
    let mut bad_alpha = good.clone();
    bad_alpha["options"]["alpha"] = 1.5.into();
    broken.push(bad_alpha);
    let mut extra = good.clone();
    extra["series"][0]["colour"] = "red".into();
    broken.push(extra);
    for doc in &broken {
        assert!(!schema_errors(doc).is_empty(), "accepted: {doc}");
    }
}

/// 60 values around 10 (a fixed wobble of +-3%), then 40 around 12.
fn stepped() -> Vec<f64> {
    (0..100)
        .map(|i| {
            let wobble = [1.0, 1.03, 0.98, 1.01, 0.97, 1.02][i % 6];
            (if i < 60 { 10.0 } else { 12.0 }) * wobble
        })
        .collect()
}

#[test]
fn series_from_csv_and_json_files() {
    let dir = tempfile::tempdir().unwrap();
    let csv: String = std::iter::once("index,value".to_string())
        .chain(
            stepped()
                .iter()
                .enumerate()
                .map(|(i, v)| format!("{i},{v}")),
        )
        .collect::<Vec<_>>()
        .join("\n");
    write(&dir.path().join("s.csv"), &csv);
    let j = json_of(&run(perfgate()
        .args(["detect", "--format", "json", "--input"])
        .arg(dir.path().join("s.csv"))));
    assert_eq!(j["series"][0]["name"], "series");
    let changes = j["series"][0]["change_points"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{j}");
    assert_eq!(changes[0]["index"], 60);
    assert_eq!(changes[0]["direction"], "up");
    let [lo, hi] = [0, 1].map(|i| changes[0]["ci95_pct"][i].as_f64().unwrap());
    assert!(lo < 20.0 && 20.0 < hi && lo > 10.0, "{j}");
    assert!(changes[0]["p_value"].as_f64().unwrap() <= 0.01, "{j}");
    assert!(
        (changes[0]["change_pct"].as_f64().unwrap() - 20.0).abs() < 3.0,
        "{j}"
    );

    let flat: Vec<f64> = stepped().iter().take(60).copied().collect();
    let falling: Vec<f64> = stepped().iter().rev().copied().collect();
    write(
        &dir.path().join("named.json"),
        &serde_json::json!({"stepped": stepped(), "flat": flat, "falling": falling}).to_string(),
    );
    let j = json_of(&run(perfgate()
        .args(["detect", "--format", "json", "--input"])
        .arg(dir.path().join("named.json"))));
    let by_name = |n: &str| {
        j["series"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("stepped")["change_points"][0]["index"], 60);
    assert_eq!(
        by_name("flat")["change_points"].as_array().unwrap().len(),
        0
    );
    // Reversed, the new (lower) level begins at index 40.
    let down = &by_name("falling")["change_points"][0];
    assert_eq!(down["index"], 40);
    assert_eq!(down["direction"], "down");
    assert!(down["change_pct"].as_f64().unwrap() < -10.0, "{down}");

    write(&dir.path().join("bad.csv"), "0,1.0\n1,abc\n");
    let r = run(perfgate()
        .args(["detect", "--input"])
        .arg(dir.path().join("bad.csv")));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("bad.csv: line 2: expected `index,value`"),
        "{}",
        r.stderr
    );
}

/// Records run `i` of the `parse time` series at `level` (with a fixed wobble of +-3%) in
/// `store`, through `ingest --record`.
fn record_point(dir: &std::path::Path, store: &std::path::Path, i: usize, level: f64) {
    let wobble = [1.0, 1.03, 0.98, 1.01, 0.97, 1.02];
    let file = dir.join("m.json");
    write(
        &file,
        &serde_json::json!({"parse": {"time": {"value": level * wobble[i % 6], "unit": "ms"}}})
            .to_string(),
    );
    let r = run(perfgate()
        .args([
            "ingest", "--format", "json", "--suite", "hist", "--record", "--store",
        ])
        .arg(store)
        .arg(&file));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn the_recorded_history_of_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db");
    for i in 0..40 {
        record_point(dir.path(), &store, i, if i < 25 { 10.0 } else { 12.0 });
    }
    let j = json_of(&run(perfgate()
        .args(["detect", "--format", "json", "--store"])
        .arg(&store)
        .current_dir(dir.path())));
    let series = j["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["benchmark"] == "parse")
        .unwrap();
    assert_eq!(series["name"], "parse time");
    assert_eq!(series["points"], 40);
    let changes = series["change_points"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{series}");
    assert_eq!(changes[0]["index"], 25);
    assert_eq!(changes[0]["run_id"], 26);
    let human = run(perfgate()
        .args(["detect", "--store"])
        .arg(&store)
        .current_dir(dir.path()));
    assert!(
        human.stdout.contains("parse time (40 points)"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("from run 26"), "{}", human.stdout);
}

/// `--alpha`, `--min-change` and `--window` on the command line, `[detect]` in the config,
/// the command line winning; bad values are usage errors naming the flag or the key.
#[test]
fn options_from_the_command_line_and_the_config() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("s.json"),
        &serde_json::json!({"stepped": stepped()}).to_string(),
    );
    let detect = |args: &[&str]| {
        run(perfgate()
            .args(["detect", "--format", "json", "--input", "s.json"])
            .args(args)
            .current_dir(dir.path()))
    };
    let found = |r: &common::Run| {
        json_of(r)["series"][0]["change_points"]
            .as_array()
            .unwrap()
            .len()
    };
    // The step is +20%: reported with the defaults, not when steps of 25% or more are asked.
    assert_eq!(found(&detect(&[])), 1);
    let j = json_of(&detect(&[
        "--min-change",
        "25",
        "--window",
        "40",
        "--alpha",
        "0.001",
    ]));
    assert_eq!(
        j["series"][0]["change_points"].as_array().unwrap().len(),
        0,
        "{j}"
    );
    assert_eq!(j["options"]["min_change_pct"], 25.0);
    assert_eq!(j["options"]["window"], 40);
    assert_eq!(j["options"]["alpha"], 0.001);

    write(
        &dir.path().join("perfgate.toml"),
        "[[bench]]\nname = \"a\"\ncommand = [\"true\"]\n\n[detect]\nmin_change_pct = 25\nwindow = 20\n",
    );
    let j = json_of(&detect(&[]));
    assert_eq!(
        j["series"][0]["change_points"].as_array().unwrap().len(),
        0,
        "{j}"
    );
    assert_eq!(j["options"]["window"], 20);
    assert_eq!(
        found(&detect(&["--min-change", "5"])),
        1,
        "the command line wins"
    );

    let r = detect(&["--window", "3"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--window 3: must be 5 to 10000 points"),
        "{}",
        r.stderr
    );
    let r = detect(&["--alpha", "1.5"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("--alpha 1.5: must be above 0 and below 1"),
        "{}",
        r.stderr
    );
    write(
        &dir.path().join("perfgate.toml"),
        "[[bench]]\nname = \"a\"\ncommand = [\"true\"]\n\n[detect]\nalpha = 0\n",
    );
    let r = detect(&[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("perfgate.toml:5:1: [detect] alpha = 0: must be above 0"),
        "{}",
        r.stderr
    );
}

/// The Markdown report marks the change points of the recorded history it shows.
#[test]
fn the_markdown_report_lists_the_historys_change_points() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db");
    let record = |i: usize, level: f64| record_point(dir.path(), &store, i, level);
    for i in 0..20 {
        record(i, 10.0);
    }
    let md = |dir: &std::path::Path| {
        let r = run(perfgate()
            .args(["report", "--format", "md", "--store"])
            .arg(&store)
            .current_dir(dir));
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    assert!(
        !md(dir.path()).contains("Change points"),
        "a flat history has none"
    );
    for i in 20..40 {
        record(i, 12.5);
    }
    let text = md(dir.path());
    assert!(
        text.contains("#### Change points in recorded history"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("- `parse` `time`: from run 21 ("))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("\u{2192}") && line.contains("(+25"), "{line}");
}

/// `--since REV`: each history from the first run of that commit on, REV a recorded commit
/// prefix or anything git resolves; a revision git does not know is a usage error.
#[test]
fn since_a_commit_the_history_starts_at_its_first_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    git(&["init", "-q"]);
    // 25 runs at commit A around 10, then 15 at commit B around 12.
    for (message, runs, level) in [("a", 0..25, 10.0), ("b", 25..40, 12.0)] {
        git(&["commit", "-q", "--allow-empty", "-m", message]);
        for i in runs {
            record_point(d, &d.join("h.db"), i, level);
        }
    }
    let b = git(&["rev-parse", "HEAD"]);
    let found = |since: &[&str]| {
        let j = json_of(&run(perfgate()
            .args(["detect", "--format", "json", "--store", "h.db"])
            .args(since)
            .current_dir(d)));
        let series = &j["series"][0];
        let indexes: Vec<u64> = series["change_points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["index"].as_u64().unwrap())
            .collect();
        (series["points"].as_u64().unwrap(), indexes)
    };
    assert_eq!(found(&[]), (40, vec![25]));
    assert_eq!(found(&["--since", &b[..8]]), (15, vec![]));
    assert_eq!(found(&["--since", "HEAD"]), (15, vec![]));
    assert_eq!(found(&["--since", "HEAD~1"]), (40, vec![25]));
    let r = run(perfgate()
        .args(["detect", "--store", "h.db", "--since", "no-such-rev"])
        .current_dir(d));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("--since no-such-rev: not a commit git knows"),
        "{}",
        r.stderr
    );
}
