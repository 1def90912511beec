//! `perfgate check --server`: the history comes from the team server, the run goes back to it.
//! On the mock executor (`sleep S` takes exactly S seconds), so the verdicts are exact. Here
//! against a peer in the test that plays the API (what is asked, in which order, with what)
//! and against a closed port (the server down: the gate still runs, the run is spooled).

use crate::common;
use crate::push::{closed_port, perfgate_in, Peer, Reply, Served};

use std::path::Path;

use common::{run, write, Run};
use perfgate::model::Report;

/// A project `proj` whose one CPU benchmark sleeps `secs`; `extra` goes into the config.
pub fn project(secs: &str, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), secs, extra);
    dir
}

pub fn write_config(dir: &Path, secs: &str, extra: &str) {
    write(
        &dir.join("perfgate.toml"),
        &format!(
            r#"suite = "proj"
{extra}
[defaults]
runs = 6
warmup = 1
[[bench]]
name = "nap"
command = ["sleep", "{secs}"]
[thresholds]
"*.wall_time" = {{ warn_pct = 25, fail_pct = 50 }}
"*.user_time" = {{ warn_pct = 400, fail_pct = 500 }}
"*.sys_time" = {{ warn_pct = 400, fail_pct = 500 }}
"#
        ),
    );
}

/// `perfgate check ARGS --format json` on the mock executor in `dir`.
pub fn check(dir: &Path, args: &[&str]) -> (Run, serde_json::Value) {
    let r = run(perfgate_in(dir)
        .env("PERFGATE_EXECUTOR", "mock")
        .args(["check", "--format", "json"])
        .args(args));
    let json = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr));
    (r, json)
}

pub fn verdict(c: &serde_json::Value, metric: &str) -> String {
    c["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["benchmark"] == "nap" && m["metric"] == metric)
        .map_or_else(
            || panic!("no nap.{metric} in {c}"),
            |m| m["status"].as_str().unwrap().to_string(),
        )
}

/// A name as one percent-encoded path segment (RFC 3986 unreserved characters kept).
pub fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The spooled reports (`*.json`; what their gate said is beside them, `*.judgement`).
pub fn spooled(dir: &Path) -> Vec<Report> {
    spool_files(dir, "json")
}

/// The judgements spooled beside the reports.
pub fn spooled_judgements(dir: &Path) -> Vec<serde_json::Value> {
    spool_files(dir, "judgement")
}

fn spool_files<T: serde::de::DeserializeOwned>(dir: &Path, extension: &str) -> Vec<T> {
    std::fs::read_dir(dir.join(".perfgate/spool"))
        .map(|r| {
            r.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == extension))
                .map(|e| serde_json::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_first_check_asks_for_history_pushes_its_run_and_puts_the_bootstrapped_baseline() {
    let dir = project("0.05", "");
    let peer = Peer::start(|req, _| match (req.method.as_str(), req.target.as_str()) {
        ("GET", t) if t.contains("/runs?") => Reply::Json(200, r#"{"runs":[]}"#.into()),
        ("GET", _) => Reply::Json(
            404,
            r#"{"error":"no such baseline in this project"}"#.into(),
        ),
        ("POST", _) => Reply::Json(
            201,
            r#"{"run_id":41,"report_id":"x","created":true}"#.into(),
        ),
        _ => Reply::Json(204, String::new()),
    });
    let (r, c) = check(dir.path(), &["--server", &peer.url]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(verdict(&c, "wall_time"), "new");
    let notes = c["notes"].to_string();
    assert!(notes.contains("run 41 there (created)"), "{notes}");
    assert!(
        notes.contains(&format!("baseline `main` of `cpu` put on {}", peer.url)),
        "{notes}"
    );

    let reqs = peer.requests();
    let asked: Vec<(String, String)> = reqs
        .iter()
        .map(|q| (q.method.clone(), q.target.clone()))
        .collect();
    assert_eq!(asked.len(), 4, "{asked:?}");
    // The run goes with what its gate said: `{"report": ..., "judgement": ...}`.
    let pushed: serde_json::Value = serde_json::from_slice(&reqs[2].body).unwrap();
    let sent: Report = serde_json::from_value(pushed["report"].clone()).unwrap();
    assert_eq!(pushed["judgement"]["gate"], "pass");
    assert_eq!(pushed["judgement"]["verdicts"][0]["verdict"], "new");
    let tb = segment(sent.testbed());
    assert_eq!(
        asked,
        [
            (
                "GET".into(),
                format!("/api/v1/projects/proj/runs?testbed={tb}&device=cpu&limit=80")
            ),
            (
                "GET".into(),
                format!("/api/v1/projects/proj/baselines/{tb}/cpu/main")
            ),
            ("POST".into(), "/api/v1/projects/proj/reports".into()),
            (
                "PUT".into(),
                format!("/api/v1/projects/proj/baselines/{tb}/cpu/main")
            ),
        ]
    );
    assert_eq!(reqs[3].header("authorization"), Some("Bearer pgt_test"));
    let baseline: Report = serde_json::from_slice(&reqs[3].body).unwrap();
    assert_eq!(baseline.benchmarks.len(), 1);
    assert_eq!(baseline.benchmarks[0].name, "nap");
    assert!(spooled(dir.path()).is_empty());
    assert!(
        !dir.path().join(".perfgate/perfgate.db").exists(),
        "the local store is not used"
    );
}

#[test]
fn with_the_server_down_the_gate_uses_the_committed_baseline_and_spools_the_run() {
    let dir = project("0.05", r#"baseline_dir = "perf""#);
    // The committed baseline: the same suite measured at 50 ms.
    std::fs::create_dir(dir.path().join("perf")).unwrap();
    let made = run(perfgate_in(dir.path())
        .env("PERFGATE_EXECUTOR", "mock")
        .args(["run", "--json-out", "perf/proj-cpu.json"]));
    assert_eq!(made.code, 0, "{}", made.stderr);
    write_config(dir.path(), "0.1", r#"baseline_dir = "perf""#);

    let down = closed_port();
    let (r, c) = check(
        dir.path(),
        &["--server", &down, "--retries", "1", "--fail-on-regression"],
    );
    assert_eq!(
        r.code, 1,
        "a 2x slowdown against the committed baseline: {}",
        r.stderr
    );
    assert_eq!(verdict(&c, "wall_time"), "critical");
    let unavailable: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("history from the server was unavailable"))
        .collect();
    assert_eq!(unavailable.len(), 1, "{}", r.stderr);
    assert!(
        unavailable[0].contains("gating against the committed baseline"),
        "{}",
        r.stderr
    );
    let spool = spooled(dir.path());
    assert_eq!(spool.len(), 1);
    assert_eq!(spool[0].benchmarks[0].name, "nap");
    // What the gate said is spooled beside the run, to go with it.
    let judged = spooled_judgements(dir.path());
    assert_eq!(judged.len(), 1);
    assert!(
        judged[0]["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["metric"] == "wall_time" && v["verdict"] == "critical"),
        "{}",
        judged[0]
    );
    assert!(c["notes"].to_string().contains("spooled as"), "{c}");
}

#[test]
fn with_the_server_down_and_no_committed_baseline_it_gates_as_a_first_run() {
    let dir = project("0.05", "");
    let down = closed_port();
    let (r, c) = check(dir.path(), &["--server", &down, "--retries", "0"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(verdict(&c, "wall_time"), "new");
    assert!(
        r.stderr.contains("history from the server was unavailable")
            && r.stderr.contains("gating as a first run"),
        "{}",
        r.stderr
    );
    assert_eq!(spooled(dir.path()).len(), 1);
    let notes = c["notes"].to_string();
    assert!(notes.contains("NOT put on the server"), "{notes}");
}

/// `perfgate check --server` against a real server with its write token, JSON on stdout. Each
/// call has its own seed: the mock executor's reports are otherwise the same report when two
/// checks start in the same second, which the server keeps once.
fn check_on(dir: &Path, server: &Served, args: &[&str]) -> (Run, serde_json::Value) {
    static SEED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let seed = SEED
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        .to_string();
    let r = run(perfgate_in(dir)
        .env("PERFGATE_EXECUTOR", "mock")
        .env("PERFGATE_TOKEN", &server.token)
        .args([
            "check",
            "--format",
            "json",
            "--server",
            &server.url,
            "--seed",
            &seed,
        ])
        .args(args));
    let json = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr));
    (r, json)
}

#[test]
fn check_server_bootstraps_the_baseline_on_the_server_then_gates_against_it() {
    let server = Served::start();
    // Two checkouts of one project, as two CI runs on fresh runners: nothing local is shared.
    let first = project("0.05", "");
    let (r, c) = check_on(first.path(), &server, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(verdict(&c, "wall_time"), "new");
    assert_eq!(server.runs().len(), 1);
    let (status, list) = server.get("baselines");
    assert_eq!(status, 200, "{list}");
    let baselines = list["baselines"].as_array().unwrap();
    assert_eq!(baselines.len(), 1, "{list}");
    assert_eq!(baselines[0]["name"], "main");
    assert_eq!(baselines[0]["device"], "cpu");

    // Twice as slow: critical against the server's baseline.
    let slower = project("0.1", "");
    let (r, c) = check_on(slower.path(), &server, &["--fail-on-regression"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(verdict(&c, "wall_time"), "critical");
    assert!(!r.stderr.contains("unavailable"), "{}", r.stderr);
    // No advice to save a run id of the check's temporary copy of the history.
    assert!(r.stderr.contains("performance gate failed"), "{}", r.stderr);
    assert!(!r.stderr.contains("baseline save --run"), "{}", r.stderr);
    let runs = server.runs();
    assert_eq!(runs.len(), 2, "the failing run is recorded too");
    // With what its gate said: the server's history does not take it for noise.
    assert_eq!(runs[0]["gate"], "fail");
    let (status, judged) = server.get(&format!("runs/{}/judgement", runs[0]["id"]));
    assert_eq!(status, 200, "{judged}");
    assert_eq!(judged["gate"], "fail");
    let wall = judged["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["metric"] == "wall_time")
        .unwrap_or_else(|| panic!("{judged}"));
    assert_eq!(wall["verdict"], "critical");
    assert_eq!(wall["benchmark"], "nap");

    // As fast as the baseline again: stable; the baseline did not move to the slow run.
    let again = project("0.05", "");
    let (r, c) = check_on(again.path(), &server, &["--fail-on-regression"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(verdict(&c, "wall_time"), "stable");
    let runs = server.runs();
    assert_eq!(runs.len(), 3);
    for dir in [&first, &slower, &again] {
        assert!(spooled(dir.path()).is_empty());
        assert!(!dir.path().join(".perfgate/perfgate.db").exists());
    }

    // --update-baseline after a pass (+20%, under the 25% warning) moves the server's
    // baseline to 60 ms: 85 ms is then a warning (+42%), where against 50 ms it was critical.
    let moved = project("0.06", "");
    let (r, c) = check_on(moved.path(), &server, &["--update-baseline"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        c["notes"]
            .to_string()
            .contains("baseline `main` of `cpu` put on"),
        "{c}"
    );
    write_config(moved.path(), "0.085", "");
    let (r, c) = check_on(moved.path(), &server, &["--fail-on-regression"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(verdict(&c, "wall_time"), "warning");
}

#[test]
fn check_server_with_the_real_server_down_gates_on_the_committed_baseline_and_push_spool_lands_it()
{
    let dir = project("0.05", r#"baseline_dir = "perf""#);
    std::fs::create_dir(dir.path().join("perf")).unwrap();
    let made = run(perfgate_in(dir.path())
        .env("PERFGATE_EXECUTOR", "mock")
        .args(["run", "--json-out", "perf/proj-cpu.json"]));
    assert_eq!(made.code, 0, "{}", made.stderr);
    let mut server = Served::start();
    server.kill();
    let (r, c) = check_on(dir.path(), &server, &["--retries", "1"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(verdict(&c, "wall_time"), "stable");
    assert!(
        r.stderr.contains("history from the server was unavailable")
            && r.stderr.contains("gating against the committed baseline"),
        "{}",
        r.stderr
    );
    assert_eq!(spooled(dir.path()).len(), 1);
    let server = server.restart();
    let r = run(perfgate_in(dir.path())
        .env("PERFGATE_TOKEN", &server.token)
        .args(["push", "--spool", "--server", &server.url]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(spooled(dir.path()).is_empty());
    assert!(spooled_judgements(dir.path()).is_empty());
    let runs = server.runs();
    assert_eq!(runs.len(), 1);
    // The spooled run landed with its judgement.
    assert_eq!(runs[0]["gate"], "pass");
    let (_, judged) = server.get(&format!("runs/{}/judgement", runs[0]["id"]));
    assert_eq!(judged["verdicts"][0]["verdict"], "stable", "{judged}");
}

mod ci_init {
    use super::*;
    use yaml_rust2::{Yaml, YamlLoader};

    const URL: &str = "https://perf.example.com:8443";
    const TOKEN: &str = "${{ secrets.PERFGATE_TOKEN }}";

    /// `ci init github ARGS` in a fresh git repository of the suite `proj`; the workflow.
    fn init(args: &[&str]) -> (Run, String) {
        let dir = project("0.05", r#"baseline_dir = "perf""#);
        let git = |a: &[&str]| {
            let ok = std::process::Command::new("git")
                .args(a)
                .current_dir(dir.path())
                .output()
                .unwrap()
                .status
                .success();
            assert!(ok, "git {a:?}");
        };
        git(&["init", "-q", "-b", "main"]);
        let r = run(perfgate_in(dir.path())
            .args(["ci", "init", "github"])
            .args(args));
        let text = std::fs::read_to_string(dir.path().join(".github/workflows/perfgate.yml"))
            .unwrap_or_default();
        (r, text)
    }

    fn yaml(text: &str) -> Yaml {
        YamlLoader::load_from_str(text).unwrap().remove(0)
    }

    /// Every step (job id, step) whose script runs `perfgate check`.
    fn check_steps(wf: &Yaml) -> Vec<(String, Yaml)> {
        let mut out = Vec::new();
        for (id, job) in wf["jobs"].as_hash().unwrap() {
            for step in job["steps"].as_vec().unwrap() {
                if step["run"]
                    .as_str()
                    .is_some_and(|r| r.contains("perfgate check"))
                {
                    out.push((id.as_str().unwrap().to_string(), step.clone()));
                }
            }
        }
        out
    }

    /// The `perfgate check` command line of a step, as perfgate parses it.
    fn parsed(script: &str) -> perfgate::cli::Cli {
        use clap::Parser;
        let line = script.replace("\\\n", " ");
        let line = line.lines().find(|l| l.contains("perfgate check")).unwrap();
        let words: Vec<String> = line
            .split_whitespace()
            .map(|w| w.trim_matches('"').replace("$PERFGATE_SERVER", URL))
            .collect();
        perfgate::cli::Cli::try_parse_from(&words)
            .unwrap_or_else(|e| panic!("perfgate rejects {words:?}: {e}"))
    }

    #[test]
    fn with_server_every_check_pushes_with_the_token_secret() {
        for gate in [
            &["--build", "true", "--bin", "out/app"][..],
            &["--gate", "committed"][..],
        ] {
            let mut args = gate.to_vec();
            args.extend(["--server", URL]);
            let (r, text) = init(&args);
            assert_eq!(r.code, 0, "{}", r.stderr);
            assert!(r.stdout.contains("PERFGATE_TOKEN"), "{}", r.stdout);
            let wf = yaml(&text);
            assert_eq!(wf["env"]["PERFGATE_SERVER"].as_str(), Some(URL), "{text}");
            assert!(
                text.contains(
                    "#   perfgate token create --store URL --project proj --scope write\n"
                ),
                "{text}"
            );
            let steps = check_steps(&wf);
            let jobs: Vec<&str> = steps.iter().map(|(j, _)| j.as_str()).collect();
            assert_eq!(jobs, ["gate", "trend"], "{text}");
            for (job, step) in &steps {
                assert_eq!(
                    step["env"]["PERFGATE_TOKEN"].as_str(),
                    Some(TOKEN),
                    "{job}: {text}"
                );
                let script = step["run"].as_str().unwrap();
                let perfgate::cli::Command::Check(check) = parsed(script).command else {
                    panic!("{job}: not a check: {script}");
                };
                assert_eq!(check.server.server.as_deref(), Some(URL), "{job}");
            }
            // The server is https: the jobs install perfgate with it.
            assert!(text.contains("--locked --features https\n"), "{text}");
            // The token is only ever the secret: no step has it in its script.
            assert!(!text.contains("PERFGATE_TOKEN=") && !text.contains("--token"));
        }
    }

    #[test]
    fn without_server_no_step_pushes_or_needs_a_token() {
        let (r, text) = init(&["--build", "true", "--bin", "out/app"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let wf = yaml(&text);
        assert!(wf["env"]["PERFGATE_SERVER"].is_badvalue());
        assert!(!text.contains("PERFGATE_TOKEN") && !text.contains("--server"));
        assert!(!text.contains("--features"));
        for (_, step) in check_steps(&wf) {
            let perfgate::cli::Command::Check(check) =
                parsed(step["run"].as_str().unwrap()).command
            else {
                panic!("not a check");
            };
            assert_eq!(check.server.server, None);
        }
    }

    #[test]
    fn an_unusable_server_url_is_refused() {
        let (r, text) = init(&[
            "--build",
            "true",
            "--bin",
            "out/app",
            "--server",
            "perf:8080",
        ]);
        assert_eq!(r.code, 2);
        assert!(
            r.stderr
                .contains("--server perf:8080: not an http:// or https:// URL"),
            "{}",
            r.stderr
        );
        assert!(text.is_empty(), "nothing written");
    }
}
