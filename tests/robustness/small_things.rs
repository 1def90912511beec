//! The small things of issue 19 (item 11): a read-only store is readable, an unknown device
//! is a config error, a command that is a directory and a missing working directory are
//! named, and an invalid `--bench`/`--metric` pattern is refused while an empty match says so;
//! and `perfgate history --format json` matches `schema/history.schema.json`.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{perfgate, run, write};

/// A directory with a store of two recorded runs of benchmark `parse` (metric `time`) and a
/// baseline `main`, made by ingesting a generic file.
fn recorded(dir: &Path) {
    write(
        &dir.join("a.json"),
        r#"{"parse": {"time": {"unit": "ms", "samples": [1, 2, 3]}}}"#,
    );
    for _ in 0..2 {
        let r = run(perfgate()
            .args(["ingest", "a.json", "--record"])
            .current_dir(dir));
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let r = run(perfgate()
        .args(["baseline", "save", "--suite", "ingested", "--run", "1"])
        .current_dir(dir));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    v.sort();
    v
}

/// Reading commands open the store read-only: a store its user may only read (a CI cache
/// mounted read-only, another user's directory) is read, and left exactly as it was.
#[test]
fn a_read_only_store_can_be_read() {
    let Some(_) = common::perfgate_unprivileged() else {
        common::skip("a_read_only_store_can_be_read: running as root without a working `setpriv` to drop privileges (root ignores file modes)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    recorded(d);
    let store = d.join(".perfgate");
    // Traversable by anyone, writable by no one but the owner (and not by `nobody`).
    chmod(d, 0o755);
    for e in std::fs::read_dir(&store).unwrap() {
        chmod(&e.unwrap().path(), 0o444);
    }
    chmod(&store, 0o555);
    let before = listing(&store);
    for (args, expected) in [
        (vec!["history", "--metric", "*"], "parse time (s)"),
        (vec!["baseline", "list"], "main  ingested  cpu"),
        (
            vec!["baseline", "show", "main", "--suite", "ingested"],
            "baseline `main`",
        ),
        (vec!["report", "--format", "md"], "suite `ingested`"),
        (vec!["detect"], "0 of 1 series"),
    ] {
        let mut cmd = common::perfgate_unprivileged().unwrap();
        let r = run(cmd.args(&args).current_dir(d));
        assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains(expected), "{args:?}: {}", r.stdout);
    }
    assert_eq!(listing(&store), before, "the store was changed");
    // Writing still needs a writable store, and says so.
    let mut cmd = common::perfgate_unprivileged().unwrap();
    let r = run(cmd.args(["ingest", "a.json", "--record"]).current_dir(d));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("perfgate.db"), "{}", r.stderr);
    chmod(&store, 0o755);
}

#[test]
fn an_unknown_device_is_a_config_error_at_its_position() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("perfgate.toml"),
        "suite = \"d\"\n[[bench]]\nname = \"t\"\ncommand = [\"true\"]\ndevice = \"tpu\"\n",
    );
    let r = run(perfgate()
        .args(["run", "--runs", "1"])
        .current_dir(dir.path()));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("perfgate.toml:5:10: unknown device `tpu` (known: cpu, cuda)"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "nothing ran: {}", r.stdout);
}

#[test]
fn a_command_that_is_a_directory_and_a_missing_cwd_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("tool")).unwrap();
    write(
        &d.join("perfgate.toml"),
        "suite = \"c\"\n[[bench]]\nname = \"dir\"\ncommand = [\"./tool\"]\n\
         [[bench]]\nname = \"cwd\"\ncommand = [\"true\"]\ncwd = \"gone\"\n",
    );
    let r = run(perfgate()
        .args(["run", "--runs", "1", "--ignore-failure"])
        .current_dir(d));
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    let all = format!("{}{}", r.stdout, r.stderr);
    let tool = d.join("./tool");
    assert!(
        all.contains(&format!(
            "{}: is a directory, not a program",
            tool.display()
        )),
        "{all}"
    );
    assert!(
        all.contains(&format!(
            "working directory {}: No such file or directory",
            d.join("gone").display()
        )),
        "{all}"
    );
}

#[test]
fn invalid_patterns_are_refused_and_an_empty_match_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    recorded(d);
    for (args, flag) in [
        (vec!["history", "--bench", "["], "--bench `[`"),
        (vec!["history", "--metric", "time]"], "--metric `time]`"),
        (vec!["detect", "--bench", "a[b"], "--bench `a[b`"),
        (vec!["detect", "--metric", ""], "--metric ``"),
    ] {
        let r = run(perfgate().args(&args).current_dir(d));
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(&format!("{flag}: invalid pattern")),
            "{args:?}: {}",
            r.stderr
        );
    }
    // `*` is every metric, in detect as in history; brackets that balance are literal.
    let r = run(perfgate().args(["detect", "--metric", "*"]).current_dir(d));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("0 of 1 series"), "{}", r.stdout);
    for args in [
        vec!["history", "--bench", "nothing*"],
        vec!["detect", "--metric", "t?me?"],
    ] {
        let r = run(perfgate().args(&args).current_dir(d));
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("perfgate: note: nothing recorded matches")
                && r.stderr
                    .contains("(benchmarks: \"parse\"; metrics: \"time\")"),
            "{args:?}: {}",
            r.stderr
        );
    }
}

// ---- `perfgate history --format json` and `schema/history.schema.json` ----

fn history_schema_errors(doc: &serde_json::Value) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/history.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::meta::validate(&schema).expect("a valid JSON Schema");
    let validator = jsonschema::options().build(&schema).unwrap();
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

/// `history --format json` in `dir` (every metric), checked against the schema.
fn history_json(dir: &Path) -> serde_json::Value {
    let r = run(perfgate()
        .args(["history", "--format", "json", "--metric", "*"])
        .current_dir(dir));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let errors = history_schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:?} in {doc}");
    doc
}

/// Commits everything in `dir` as a git checkout; false (after saying so) where git cannot.
fn git_commit_all(dir: &Path) -> bool {
    if !common::have_tool("git", "--version", "history with git information") {
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
        git(&["init", "-q", "-b", "main"])
            && git(&["add", "-A"])
            && git(&["commit", "-q", "-m", "init"]),
        "git is installed but cannot commit in {}",
        dir.display()
    );
    true
}

/// What `history --format json` prints matches the schema: runs recorded by `check` (a gate,
/// verdicts, a partial run's selection, git), and runs recorded without a gate (ingest).
#[test]
fn history_json_matches_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        &d.join("perfgate.toml"),
        "suite = \"h\"\n\
         [[bench]]\nname = \"quick\"\ncommand = [\"true\"]\nruns = 3\ntags = [\"smoke\"]\n\
         [[bench]]\nname = \"other\"\ncommand = [\"true\"]\nruns = 3\n",
    );
    write(
        &d.join("a.json"),
        r#"{"parse": {"time": {"unit": "ms", "samples": [1, 2, 3]}}}"#,
    );
    let with_git = git_commit_all(d);
    for args in [
        vec!["check"],
        vec!["check"],
        vec!["check", "--tag", "smoke"],
        vec!["ingest", "a.json", "--suite", "h", "--record"],
    ] {
        let r = run(perfgate().args(&args).current_dir(d));
        assert_eq!(r.code, 0, "{args:?}: {}{}", r.stdout, r.stderr);
    }
    let h = history_json(d);
    let runs = h.as_array().unwrap();
    assert_eq!(runs.len(), 4, "{h}");
    assert!(runs[0]["gate"].is_null(), "ingested: {h}");
    assert_eq!(runs[1]["selection"]["tags"][0], "smoke", "{h}");
    assert!(runs[1]["gate"].is_string(), "{h}");
    assert!(runs[2]["metrics"][0]["verdict"].is_string(), "{h}");
    assert!(runs[3]["metrics"][0]["change_pct"].is_null(), "oldest: {h}");
    assert_eq!(runs[3]["commit"].is_string(), with_git, "{h}");
    assert_eq!(runs[0]["metrics"][0]["unit"], "s", "{h}");

    // A store of ingested runs only, outside git: nulls where there is nothing to say.
    let dir = tempfile::tempdir().unwrap();
    recorded(dir.path());
    let h = history_json(dir.path());
    assert!(h[0]["commit"].is_null() && h[0]["dirty"].is_null(), "{h}");
}

/// The schema rejects what `history` must never write.
#[test]
fn the_history_schema_is_not_vacuous() {
    let dir = tempfile::tempdir().unwrap();
    recorded(dir.path());
    let good = history_json(dir.path());
    assert!(good[0]["metrics"][0].is_object(), "{good}");
    let mut broken: Vec<(&str, serde_json::Value)> = vec![
        ("an object", serde_json::json!({})),
        ("a run that is empty", serde_json::json!([{}])),
    ];
    let mut change = |what: &'static str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut doc = good.clone();
        edit(&mut doc);
        broken.push((what, doc));
    };
    change("an id as text", &|d| d[0]["id"] = "1".into());
    change("no metrics", &|d| {
        d[0].as_object_mut().unwrap().remove("metrics");
    });
    change("an unknown gate", &|d| d[0]["gate"] = "maybe".into());
    change("an unknown verdict", &|d| {
        d[0]["metrics"][0]["verdict"] = "fine".into();
    });
    change("a median as text", &|d| {
        d[0]["metrics"][0]["median"] = "2 ms".into();
    });
    change("negative samples", &|d| {
        d[0]["metrics"][0]["n"] = (-1).into();
    });
    change("an extra field", &|d| d[0]["colour"] = "red".into());
    change("a selection as text", &|d| {
        d[0]["selection"] = "--tag smoke".into();
    });
    for (what, doc) in &broken {
        assert!(
            !history_schema_errors(doc).is_empty(),
            "accepted {what}: {doc}"
        );
    }
}
