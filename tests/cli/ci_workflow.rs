//! `perfgate ci init github`: the workflow it writes is parsed and checked step by step
//! (actions pinned, every perfgate command valid for perfgate's CLI, every variable defined),
//! and every job is run, on a stand-in for a fresh runner, against a real repository: the
//! checkouts, builds and paths have to work, and the gate has to catch a regression.

mod runner;

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser;
use common::{perfgate, read_json, row_of, run, write};
use runner::{jobs_started, run_job, Event, Value};
use yaml_rust2::{Yaml, YamlLoader};

const SUITE: &str = r#"suite = "ci"
[defaults]
runs = 10
warmup = 1
[[bench]]
name = "app"
command = ["{bin}"]
[thresholds]
"*.wall_time" = { warn_pct = 25, fail_pct = 50 }
"*.user_time" = { warn_pct = 400, fail_pct = 500 }
"*.sys_time" = { warn_pct = 400, fail_pct = 500 }
"*.peak_rss" = { warn_pct = 400, fail_pct = 500 }
"#;

/// Makes `out/app` (ignored by git), a program that sleeps as long as `delay` says.
const BUILD: &str =
    "mkdir -p out\nprintf '#!/bin/sh\\nsleep %s\\n' \"$(cat delay)\" > out/app\nchmod +x out/app\n";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A clone (`work`) of a bare `origin`, with the suite, the build script and one commit on
/// `main` whose program sleeps 50 ms.
struct Project {
    _dir: tempfile::TempDir,
    origin: PathBuf,
    work: PathBuf,
}

impl Project {
    fn new(config: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().join("work");
        let origin = dir.path().join("origin.git");
        std::fs::create_dir(&work).unwrap();
        git(&work, &["init", "-q", "-b", "main"]);
        git(&work, &["config", "user.name", "t"]);
        git(&work, &["config", "user.email", "t@example.com"]);
        write(&work.join("perfgate.toml"), config);
        write(&work.join("build.sh"), BUILD);
        write(&work.join(".gitignore"), "out/\n");
        let p = Project {
            _dir: dir,
            origin,
            work,
        };
        p.commit("0.05", "first");
        git(
            p.work.parent().unwrap(),
            &["clone", "-q", "--bare", "work", "origin.git"],
        );
        git(&p.work, &["remote", "add", "origin", "../origin.git"]);
        p
    }

    /// Commits a program that sleeps `delay` seconds; returns the commit.
    fn commit(&self, delay: &str, message: &str) -> String {
        write(&self.work.join("delay"), delay);
        git(&self.work, &["add", "-A"]);
        git(&self.work, &["commit", "-q", "-m", message]);
        git(&self.work, &["rev-parse", "HEAD"])
    }

    fn init(&self, args: &[&str]) -> common::Run {
        run(perfgate()
            .args(["ci", "init", "github"])
            .args(args)
            .current_dir(&self.work))
    }

    fn workflow(&self) -> Yaml {
        let text = std::fs::read_to_string(self.work.join(".github/workflows/perfgate.yml"))
            .expect("the workflow was written");
        let mut docs = YamlLoader::load_from_str(&text).expect("the workflow is YAML");
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }
}

fn pull_request(base: &str, head: &str) -> Event {
    Event {
        name: "pull_request",
        sha: head.to_string(),
        values: BTreeMap::from([
            (
                "github.event.pull_request.base.sha",
                Value::Str(base.to_string()),
            ),
            (
                "github.event.pull_request.head.sha",
                Value::Str(head.to_string()),
            ),
        ]),
    }
}

fn on_main(name: &'static str, update_baselines: Option<bool>) -> Event {
    let mut values = BTreeMap::new();
    if let Some(u) = update_baselines {
        values.insert("inputs.update_baselines", Value::Bool(u));
    }
    Event {
        name,
        sha: "main".into(),
        values,
    }
}

/// Checks that need no runner: each job runs on a hosted image, each step has a name and
/// either pins an action to a version or runs a script whose perfgate commands perfgate's
/// own CLI accepts, with every variable defined. Returns the perfgate commands per job.
fn check_statically(wf: &Yaml, repo: &Path) -> BTreeMap<String, Vec<Vec<String>>> {
    let mut env: BTreeMap<String, String> = wf["env"]
        .as_hash()
        .expect("workflow env")
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().into(), v.as_str().unwrap().into()))
        .collect();
    env.insert("GITHUB_WORKSPACE".into(), "/ws".into());
    let config = &env["BENCH_CONFIG"];
    assert!(repo.join(config).is_file(), "BENCH_CONFIG {config}");
    assert_eq!(
        env["PERFGATE_VERSION"],
        env!("CARGO_PKG_VERSION"),
        "installs this version"
    );
    let mut commands = BTreeMap::new();
    for (id, job) in wf["jobs"].as_hash().expect("jobs") {
        let id = id.as_str().unwrap().to_string();
        assert_eq!(job["runs-on"].as_str(), Some("ubuntu-latest"), "{id}");
        let mut found = Vec::new();
        for step in job["steps"].as_vec().expect("steps") {
            let name = step["name"].as_str().expect("every step has a name");
            match (step["uses"].as_str(), step["run"].as_str()) {
                (Some(action), None) => {
                    let (_, version) = action.split_once('@').expect("pinned with @");
                    let tag = version
                        .strip_prefix('v')
                        .is_some_and(|v| v.split('.').all(|p| p.parse::<u32>().is_ok()));
                    let sha = version.len() == 40 && version.chars().all(|c| c.is_ascii_hexdigit());
                    assert!(
                        tag || sha,
                        "{id}/{name}: {action} is not pinned to a version"
                    );
                }
                (None, Some(script)) => {
                    let script = runner::expand(script, &placeholder_event());
                    let script = script.replace("\\\n", " ");
                    // The script's own variables are defined too.
                    let mut env = env.clone();
                    for line in script.lines() {
                        if let Some((name, _)) = line.trim().split_once('=') {
                            if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                                env.insert(name.to_string(), format!("<{name}>"));
                            }
                        }
                    }
                    for line in script.lines() {
                        if !line.trim_start().starts_with("perfgate ") {
                            continue;
                        }
                        let words = words(line, &env);
                        if words.first().map(String::as_str) == Some("perfgate") {
                            if let Err(e) = perfgate::cli::Cli::try_parse_from(&words) {
                                panic!("{id}/{name}: perfgate rejects {words:?}:\n{e}");
                            }
                            found.push(words);
                        }
                    }
                }
                _ => panic!("{id}/{name}: a step either uses an action or runs a script"),
            }
        }
        commands.insert(id, found);
    }
    commands
}

/// Values for every expression, to read scripts without running them.
fn placeholder_event() -> Event {
    let mut e = pull_request("BASE_SHA", "HEAD_SHA");
    e.values
        .insert("inputs.update_baselines", Value::Bool(true));
    e
}

/// The words of a shell command line: quotes removed, `$VAR` and `${VAR}` expanded outside
/// single quotes (an undefined variable fails the test), `$(...)` left as a word.
fn words(line: &str, env: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    let mut chars = line.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, ' ') => out.extend(word.take()),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (Some(q), c) if c == q => quote = None,
            (q, '$') if q != Some('\'') && chars.peek() != Some(&'(') => {
                let braced = chars.next_if_eq(&'{').is_some();
                let mut name = String::new();
                while let Some(c) = chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_') {
                    name.push(c);
                }
                if braced {
                    assert_eq!(chars.next(), Some('}'), "{line}");
                }
                let value = env
                    .get(&name)
                    .unwrap_or_else(|| panic!("`{line}` uses ${name}, which is not defined"));
                word.get_or_insert_with(String::new).push_str(value);
            }
            (_, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    out.extend(word);
    out
}

/// Every step passed, up to the one whose name starts with `until` (all when `None`).
fn assert_steps_passed(job: &runner::JobResult, until: Option<&str>) {
    for s in &job.steps {
        if until.is_some_and(|u| s.name.starts_with(u)) {
            return;
        }
        assert_eq!(s.code, Some(0), "step `{}` failed:\n{}", s.name, job.log());
    }
}

#[test]
fn interleaved_gate_builds_the_merge_base_and_the_head_and_catches_a_regression() {
    let p = Project::new(SUITE);
    let merge_base = git(&p.work, &["rev-parse", "HEAD"]);
    git(&p.work, &["checkout", "-q", "-b", "feature"]);
    let head = p.commit("0.25", "slower");
    git(&p.work, &["checkout", "-q", "main"]);
    // main moves on after the branch point, to a much slower program: a gate that built
    // main's tip instead of the merge base would see the pull request as an improvement.
    let main_tip = p.commit("0.4", "main moves on");
    git(&p.work, &["push", "-q", "origin", "main", "feature"]);

    let r = p.init(&["--build", "sh build.sh", "--bin", "out/app"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "", "no warning: the suite uses {{bin}}");
    let wf = p.workflow();
    let commands = check_statically(&wf, &p.work);
    for job in ["gate", "trend"] {
        let check = commands[job]
            .iter()
            .find(|w| w[1] == "check")
            .unwrap_or_else(|| panic!("{job} runs perfgate check"));
        for flag in ["--interleaved", "--baseline-bin", "--candidate-bin"] {
            assert!(check.contains(&flag.to_string()), "{job}: {check:?}");
        }
        assert_eq!(
            check.contains(&"--fail-on-regression".to_string()),
            job == "gate",
            "{check:?}"
        );
    }

    let pr = pull_request(&main_tip, &head);
    assert_eq!(jobs_started(&wf, &pr), ["gate"]);
    let job = run_job(&wf, "gate", &pr, &p.origin);
    assert_steps_passed(&job, Some("Gate"));
    assert_eq!(
        git(&job.workspace.path().join("base"), &["rev-parse", "HEAD"]),
        merge_base
    );
    let gate = job.step("Gate");
    assert_eq!(
        gate.code,
        Some(1),
        "the regression fails the gate:\n{}",
        job.log()
    );
    // The evidence is kept after the failure.
    assert_eq!(
        job.uploaded,
        [
            "head/perfgate-report.json",
            "head/perfgate-comparison.json",
            "head/perfgate-dashboard.html"
        ]
    );
    let cmp = read_json(&job.workspace.path().join("head/perfgate-comparison.json"));
    let wall = row_of(&cmp, "wall_time");
    assert_eq!(wall["status"], "critical", "{wall}");
    // 50 ms -> 250 ms is +400%; main's tip (400 ms) as the base would be -37%.
    let change = wall["change_pct"].as_f64().unwrap();
    assert!(change > 100.0, "{wall}");

    for event in [
        on_main("schedule", None),
        on_main("workflow_dispatch", None),
    ] {
        assert_eq!(jobs_started(&wf, &event), ["trend"], "{}", event.name);
    }
    let job = run_job(&wf, "trend", &on_main("schedule", None), &p.origin);
    assert_steps_passed(&job, None);
    assert!(
        job.uploaded
            .contains(&"head/perfgate-trend.json".to_string()),
        "{:?}",
        job.uploaded
    );
    // A repository younger than a week: today's main (400 ms) against its first commit (50 ms).
    let trend = read_json(&job.workspace.path().join("head/perfgate-trend.json"));
    let wall = trend["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "app.wall_time" || m["metric"] == "wall_time")
        .unwrap_or_else(|| panic!("no wall_time in {trend}"));
    // (8x as programmed; over 2x with a loaded machine's start-up costs; 1x had it built main.)
    assert!(wall["regression_ratio"].as_f64().unwrap() > 2.0, "{wall}");
}

#[test]
fn committed_gate_needs_a_baseline_dir_and_then_works_from_the_update_job() {
    // Without --interleaved nothing fills in `{bin}`: the suite runs the built program itself.
    let suite = SUITE.replace("[\"{bin}\"]", "[\"out/app\"]");
    let p = Project::new(&suite);
    let r = p.init(&["--gate", "committed", "--build", "sh build.sh"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("has no `baseline_dir`")
            && r.stderr.contains("baseline_dir = \"perf/baselines\""),
        "{}",
        r.stderr
    );
    assert!(!p.work.join(".github").exists());

    write(
        &p.work.join("perfgate.toml"),
        &format!("baseline_dir = \"perf/baselines\"\n{suite}"),
    );
    p.commit("0.05", "committed baselines");
    git(&p.work, &["push", "-q", "origin", "main"]);
    let r = p.init(&["--gate", "committed", "--build", "sh build.sh"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("perf/baselines/ci-cpu.json does not exist yet"),
        "{}",
        r.stderr
    );
    let wf = p.workflow();
    let commands = check_statically(&wf, &p.work);
    assert!(commands["update-baselines"]
        .iter()
        .any(|w| w[1] == "run" && w.contains(&"perf/baselines/ci-cpu.json".to_string())));

    // The manual job measures the baseline and pushes it.
    let update = on_main("workflow_dispatch", Some(true));
    assert_eq!(jobs_started(&wf, &update), ["update-baselines"]);
    let job = run_job(&wf, "update-baselines", &update, &p.origin);
    assert_steps_passed(&job, None);
    let committed = git(&p.origin, &["show", "main:perf/baselines/ci-cpu.json"]);
    let baseline: serde_json::Value = serde_json::from_str(&committed).unwrap();
    assert_eq!(baseline["benchmarks"][0]["name"], "app");

    // A pull request that slows the program down fails against it.
    git(&p.work, &["pull", "-q", "origin", "main"]);
    let base = git(&p.work, &["rev-parse", "HEAD"]);
    git(&p.work, &["checkout", "-q", "-b", "feature"]);
    let head = p.commit("0.25", "slower");
    git(&p.work, &["push", "-q", "origin", "feature"]);
    let pr = pull_request(&base, &head);
    assert_eq!(jobs_started(&wf, &pr), ["gate"]);
    let job = run_job(&wf, "gate", &pr, &p.origin);
    assert_steps_passed(&job, Some("Gate"));
    assert_eq!(job.step("Gate").code, Some(1), "{}", job.log());
    let cmp = read_json(&job.workspace.path().join("perfgate-comparison.json"));
    assert_eq!(row_of(&cmp, "wall_time")["status"], "critical");
    assert_eq!(job.uploaded.len(), 3, "{:?}", job.uploaded);

    // The weekly trend on main, against the committed baseline, is soft.
    for event in [
        on_main("schedule", None),
        on_main("workflow_dispatch", Some(false)),
    ] {
        assert_eq!(jobs_started(&wf, &event), ["trend"], "{}", event.name);
    }
    let job = run_job(&wf, "trend", &on_main("schedule", None), &p.origin);
    assert_steps_passed(&job, None);
    assert!(job.workspace.path().join("perfgate-trend.json").is_file());
}

#[test]
fn ci_init_writes_once_at_the_repository_root_and_says_what_it_needs() {
    let p = Project::new(SUITE);
    // Not a Cargo package: the build and the program must be named.
    let r = p.init(&[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("pass --build CMD"), "{}", r.stderr);
    let r = p.init(&["--build", "make"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("pass --bin PATH"), "{}", r.stderr);

    // A Cargo package with a binary: `cargo build --release` and its program, and a config in
    // a subdirectory, run from there; the workflow goes to the repository root.
    write(
        &p.work.join("Cargo.toml"),
        "[package]\nname = \"tool\"\nversion = \"0.1.0\"\n",
    );
    std::fs::create_dir_all(p.work.join("src")).unwrap();
    write(&p.work.join("src/main.rs"), "fn main() {}\n");
    let sub = p.work.join("bench");
    std::fs::create_dir(&sub).unwrap();
    std::fs::rename(p.work.join("perfgate.toml"), sub.join("perfgate.toml")).unwrap();
    let r = run(perfgate().args(["ci", "init", "github"]).current_dir(&sub));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let path = p.work.join(".github/workflows/perfgate.yml");
    let wf = p.workflow();
    assert_eq!(
        wf["env"]["BENCH_CONFIG"].as_str(),
        Some("bench/perfgate.toml")
    );
    assert_eq!(
        wf["env"]["BENCH_BUILD"].as_str(),
        Some("cargo build --release")
    );
    assert_eq!(
        wf["env"]["BENCH_PROGRAM"].as_str(),
        Some("target/release/tool")
    );
    check_statically(&wf, &p.work);
    let yml = std::fs::read_to_string(&path).unwrap();

    // Never overwritten without --force.
    write(&path, "mine\n");
    let r = run(perfgate().args(["ci", "init", "github"]).current_dir(&sub));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("exists; pass --force"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine\n");
    let r = run(perfgate()
        .args(["ci", "init", "github", "--force"])
        .current_dir(&sub));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), yml);
}

#[test]
fn a_suite_without_bin_gets_a_warning() {
    let p = Project::new(&SUITE.replace("[\"{bin}\"]", "[\"sleep\", \"0.01\"]"));
    let r = p.init(&["--build", "true", "--bin", "out/app"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("warning: no benchmark in") && r.stderr.contains("{bin}"),
        "{}",
        r.stderr
    );
}
