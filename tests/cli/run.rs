//! `perfgate run` end to end: the real binary on real processes.

use crate::common;

use std::time::{Duration, Instant};

use common::{busy, metric_of, perfgate, read_json, run, samples, write};

#[test]
fn samples_count_equals_runs_and_warmups_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let r = run(perfgate()
        .args(["run", "--runs", "7", "--warmup", "2", "--json-out"])
        .arg(&out)
        .args(["--", "true"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = read_json(&out);
    assert_eq!(report["benchmarks"][0]["status"], "ok");
    assert_eq!(report["benchmarks"][0]["warmup_runs"], 2);
    for metric in ["wall_time", "user_time", "sys_time", "peak_rss"] {
        assert_eq!(samples(&report, 0, metric).len(), 7, "{metric}");
        assert_eq!(metric_of(&report, 0, metric)["summary"]["n"], 7);
    }
    assert_eq!(metric_of(&report, 0, "wall_time")["unit"], "s");
    assert_eq!(metric_of(&report, 0, "peak_rss")["unit"], "bytes");
    // No temporary file is left beside the report.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1);
}

#[test]
fn a_50ms_sleep_has_a_median_near_50ms() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let r = run(perfgate()
        .args(["run", "--runs", "10", "--json-out"])
        .arg(&out)
        .args(["--", "sleep", "0.05"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let median = metric_of(&read_json(&out), 0, "wall_time")["summary"]["median"]
        .as_f64()
        .unwrap();
    // sleep never returns early. Starting the process and waking it up take a few ms on a
    // loaded 2-core machine (medians of 51.6 to 56.1 ms at load 6.5): 25 ms of room is more
    // than four times that, and still far from a clock in the wrong unit or a lost wait.
    assert!((0.050..0.075).contains(&median), "median {median}");
}

#[test]
fn peak_rss_is_the_childs_own() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let r = run(perfgate()
        .args(["run", "--runs", "3", "--json-out"])
        .arg(&out)
        .arg("--")
        .arg(busy())
        .args(["1000", "64"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rss = metric_of(&read_json(&out), 0, "peak_rss")["summary"]["median"]
        .as_f64()
        .unwrap();
    assert!(
        (64.0 * 1048576.0..80.0 * 1048576.0).contains(&rss),
        "rss {rss}"
    );
    let r = run(perfgate()
        .args(["run", "--runs", "3", "--json-out"])
        .arg(&out)
        .args(["--", "true"]));
    assert_eq!(r.code, 0);
    let rss = metric_of(&read_json(&out), 0, "peak_rss")["summary"]["median"]
        .as_f64()
        .unwrap();
    // `true` needs about 1 MiB; perfgate's own footprint must not leak into it.
    assert!(rss < 3.0 * 1048576.0, "rss of true {rss}");
}

#[test]
fn a_failing_command_is_failed_with_exit_3_and_its_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let r = run(perfgate()
        .args(["run", "--runs", "3", "--json-out"])
        .arg(&out)
        .args(["--", "sh", "-c", "echo 'disk on fire' >&2; exit 1"]));
    assert_eq!(r.code, 3);
    let report = read_json(&out);
    let b = &report["benchmarks"][0];
    assert_eq!(b["status"], "failed");
    assert_eq!(
        b["metrics"].as_array().unwrap().len(),
        0,
        "a failure is never summarised"
    );
    let reason = b["reason"].as_str().unwrap();
    assert!(reason.contains("exited with status 1"), "{reason}");
    assert!(reason.contains("disk on fire"), "{reason}");
    assert!(r.stdout.contains("FAILED"), "{}", r.stdout);
}

#[test]
fn a_missing_program_fails_with_exit_3() {
    let r = run(perfgate().args(["run", "--runs", "1", "--", "no-such-program-xyz"]));
    assert_eq!(r.code, 3);
    assert!(
        r.stdout.contains("command not found on PATH"),
        "{}",
        r.stdout
    );
}

fn alive(pid: i32) -> bool {
    // A zombie is dead for our purpose.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
    }
}

#[test]
fn a_timeout_kills_the_child_and_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("grandchild.pid");
    let script = format!("sleep 30 & echo $! > {}; sleep 30", pidfile.display());
    let started = Instant::now();
    let r = run(perfgate().args([
        "run",
        "--runs",
        "2",
        "--warmup",
        "0",
        "--timeout",
        "500ms",
        "--shell",
        "--",
        &script,
    ]));
    let took = started.elapsed();
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(r.stdout.contains("timed out after 500ms"), "{}", r.stdout);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // Killed at once; the grace is only for a loaded machine's scheduler (the loop ends as
    // soon as the process is gone).
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !alive(pid),
        "the background sleep {pid} survived the time-out"
    );
}

const SUITE: &str = r#"
suite = "t"
[defaults]
runs = 3
warmup = 1
[[bench]]
name = "fast-true"
command = ["true"]
tags = ["smoke"]
[[bench]]
name = "broken"
command = ["false"]
tags = ["full"]
[[bench]]
name = "later-true"
command = ["true"]
tags = ["full"]
[[bench]]
name = "gpu-kernel"
command = ["true"]
device = "cuda"
tags = ["smoke"]
"#;

#[test]
fn a_failure_stops_the_suite_unless_ignore_failure() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("perfgate.toml");
    write(&cfg, SUITE);
    let out = dir.path().join("r.json");
    let r = run(perfgate()
        .args(["run", "--device", "cpu", "--config"])
        .arg(&cfg)
        .arg("--json-out")
        .arg(&out));
    assert_eq!(r.code, 3);
    let report = read_json(&out);
    let statuses: Vec<&str> = report["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["ok", "failed", "skipped"]);
    let r = run(perfgate()
        .args(["run", "--device", "cpu", "--ignore-failure", "--config"])
        .arg(&cfg)
        .arg("--json-out")
        .arg(&out));
    assert_eq!(r.code, 3, "a failure still sets the exit code");
    let report = read_json(&out);
    assert_eq!(report["benchmarks"][2]["status"], "ok");
}

#[test]
fn tags_filters_and_devices_select_benchmarks() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("perfgate.toml");
    write(&cfg, SUITE);
    let out = dir.path().join("r.json");
    let names = |extra: &[&str], env_devices: Option<&str>| {
        let mut cmd = perfgate();
        cmd.args(["run", "--config"])
            .arg(&cfg)
            .arg("--json-out")
            .arg(&out)
            .args(extra);
        if let Some(d) = env_devices {
            cmd.env("PERFGATE_FAKE_DEVICES", d);
        }
        let r = run(&mut cmd);
        let report = read_json(&out);
        let list: Vec<(String, String)> = report["benchmarks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["name"].as_str().unwrap().to_string(),
                    b["status"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (r.code, list, report["device"].as_str().unwrap().to_string())
    };
    let (code, list, device) = names(&["--tag", "smoke"], None);
    assert_eq!(code, 0);
    assert_eq!(
        list,
        [
            ("fast-true".into(), "ok".into()),
            ("gpu-kernel".into(), "skipped".into())
        ]
    );
    assert_eq!(device, "mixed");
    let (_, list, device) = names(&["--filter", "^later"], None);
    assert_eq!(list, [("later-true".into(), "ok".into())]);
    assert_eq!(device, "cpu");
    // With the device present (faked), the cuda benchmark runs.
    let (code, list, device) = names(&["--device", "cuda"], Some("cuda"));
    assert_eq!(code, 0);
    assert_eq!(list, [("gpu-kernel".into(), "ok".into())]);
    assert_eq!(device, "cuda");
    let r = run(perfgate()
        .args(["run", "--tag", "nope", "--config"])
        .arg(&cfg));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no benchmark matches"), "{}", r.stderr);
}

#[test]
fn setup_prepare_cleanup_env_and_cwd_run_for_real() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    write(
        &dir.path().join("perfgate.toml"),
        r#"
[[bench]]
name = "counted"
shell = "test \"$GREETING\" = hello && test -f ready && echo run >> runs.log"
cwd = "work"
env = { GREETING = "hello" }
setup = "echo setup >> events.log && touch ready"
prepare = ["sh", "-c", "echo prepare >> events.log"]
cleanup = "echo cleanup >> events.log"
warmup = 2
runs = 4
"#,
    );
    let r = run(perfgate().arg("run").current_dir(dir.path()));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let events = std::fs::read_to_string(work.join("events.log")).unwrap();
    let lines: Vec<&str> = events.lines().collect();
    assert_eq!(lines.first(), Some(&"setup"));
    assert_eq!(lines.last(), Some(&"cleanup"));
    assert_eq!(
        lines.iter().filter(|l| **l == "prepare").count(),
        6,
        "2 warm-ups + 4 runs"
    );
    let runs = std::fs::read_to_string(work.join("runs.log")).unwrap();
    assert_eq!(runs.lines().count(), 6);
}

#[test]
fn the_config_is_found_in_the_nearest_parent_and_perfgate_runs_overrides() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("perfgate.toml"),
        "suite = \"found\"\n[[bench]]\nname = \"t\"\ncommand = [\"true\"]\nruns = 9\n",
    );
    let nested = dir.path().join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    let out = dir.path().join("r.json");
    let r = run(perfgate()
        .args(["run", "--json-out"])
        .arg(&out)
        .current_dir(&nested)
        .env("PERFGATE_RUNS", "4"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = read_json(&out);
    assert_eq!(report["suite"], "found");
    assert_eq!(samples(&report, 0, "wall_time").len(), 4);
    // --runs on the command line wins over the environment.
    let r = run(perfgate()
        .args(["run", "--runs", "2", "--json-out"])
        .arg(&out)
        .current_dir(&nested)
        .env("PERFGATE_RUNS", "4"));
    assert_eq!(r.code, 0);
    assert_eq!(samples(&read_json(&out), 0, "wall_time").len(), 2);
}

#[test]
fn bad_configs_exit_2_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("perfgate.toml");
    write(
        &cfg,
        "suite = \"x\"\n\n[[bench]]\nname = \"a\"\ncomand = [\"true\"]\n",
    );
    let r = run(perfgate().args(["run", "--config"]).arg(&cfg));
    assert_eq!(r.code, 2);
    let expected = format!("{}:5:1:", cfg.display());
    assert!(r.stderr.contains(&expected), "{}", r.stderr);
    assert!(r.stderr.contains("comand"), "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "one line: {}", r.stderr);
    write(
        &cfg,
        "[[bench]]\nname = \"a\"\ncommand = [\"true\"]\nruns = \"many\"\n",
    );
    let r = run(perfgate().args(["run", "--config"]).arg(&cfg));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(&format!("{}:4:8:", cfg.display())),
        "{}",
        r.stderr
    );
    let r = run(perfgate().args(["run", "--config", "/nonexistent/perfgate.toml"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("/nonexistent/perfgate.toml"),
        "{}",
        r.stderr
    );
}

#[test]
fn throughput_and_plain_output_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("perfgate.toml");
    write(
        &cfg,
        "[[bench]]\nname = \"spin\"\ncommand = [\"sleep\", \"0.01\"]\nruns = 3\nthroughput = { items = 500, unit = \"rows\" }\n",
    );
    let out = dir.path().join("r.json");
    let r = run(perfgate()
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--json-out")
        .arg(&out));
    assert_eq!(r.code, 0);
    assert!(
        !r.stdout.contains('\x1b'),
        "no colour into a pipe: {:?}",
        r.stdout
    );
    let report = read_json(&out);
    let thr = metric_of(&report, 0, "throughput");
    assert_eq!(thr["unit"], "rows/s");
    assert_eq!(thr["direction"], "higher_is_better");
    let walls = samples(&report, 0, "wall_time");
    let thrs = samples(&report, 0, "throughput");
    for (w, t) in walls.iter().zip(&thrs) {
        assert!((t - 500.0 / w).abs() < 1e-9 * t, "{t} vs 500/{w}");
    }
}

#[test]
fn json_out_dash_prints_the_report_on_stdout() {
    let r = run(perfgate().args(["run", "--runs", "2", "--json-out", "-", "--", "true"]));
    assert_eq!(r.code, 0);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["schema_version"], 1);
    assert!(
        r.stderr.contains("median"),
        "the table goes to stderr: {}",
        r.stderr
    );
}

#[test]
fn the_bundled_demo_suite_runs_clean() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo.json");
    let cfg = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/perfgate.toml");
    let r = run(perfgate()
        .args(["run", "--runs", "2", "--config"])
        .arg(&cfg)
        .arg("--json-out")
        .arg(&out));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let report = read_json(&out);
    assert_eq!(report["suite"], "demo");
    let benches = report["benchmarks"].as_array().unwrap();
    let names: Vec<&str> = benches
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "busy-loop",
            "sleep-50ms",
            "sort-100k-lines",
            "sha256-8MiB",
            "gzip-pipeline"
        ]
    );
    assert!(benches.iter().all(|b| b["status"] == "ok"), "{}", r.stdout);
    assert_eq!(metric_of(&report, 3, "throughput")["unit"], "bytes/s");
}
