//! `perfgate push` against real failure conditions: a closed port (the server is down), a
//! peer in the test that answers what the test scripts (a 503, a 400, a connection closed
//! without an answer, the API's 201/200) and records what it was sent, and the real
//! `perfgate serve`, SIGKILLed at the worst moment. The spool: a report the server cannot
//! take is kept, and `push --spool` lands it exactly once.

mod harness;

pub use harness::{closed_port, perfgate_in, pushed, Peer, Reply, Served};

use crate::common;

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::{run, Run};
use harness::{forward, read_request};
use perfgate::model::Report;

/// A report file of suite `proj` (different seeds make different reports).
fn report_file(dir: &Path, seed: u64) -> (PathBuf, Report) {
    let report = perfgate::testing::report().suite("proj").seed(seed).build();
    let path = dir.join(format!("r{seed}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    (path, report)
}

fn push(dir: &Path, args: &[&str]) -> Run {
    run(perfgate_in(dir).arg("push").args(args))
}

fn spooled(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join(".perfgate/spool"))
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn a_push_sends_the_report_with_the_token_and_says_created_or_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let (file, report) = report_file(dir.path(), 1);
    let peer = Peer::start(|_, n| pushed(7, n == 0));
    let f = file.to_str().unwrap();
    let first = push(dir.path(), &[f, "--server", &peer.url]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stdout.contains("run 7 (created)"), "{}", first.stdout);
    let again = run(perfgate_in(dir.path())
        .env("PERFGATE_SERVER", &peer.url)
        .args(["push", f]));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stdout.contains("run 7 (duplicate"),
        "{}",
        again.stdout
    );
    let reqs = peer.requests();
    assert_eq!(reqs.len(), 2);
    let r = &reqs[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/api/v1/projects/proj/reports")
    );
    assert_eq!(r.header("authorization"), Some("Bearer pgt_test"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let sent: Report = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(sent, report);
    for out in [&first.stdout, &first.stderr, &again.stdout, &again.stderr] {
        assert!(!out.contains("pgt_test"), "the token leaked: {out}");
    }
    assert!(spooled(dir.path()).is_empty());
}

#[test]
fn a_503_is_tried_again_and_then_lands() {
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = report_file(dir.path(), 1);
    let peer = Peer::start(|_, n| match n {
        0 => Reply::Json(503, r#"{"error":"the store is unavailable: busy"}"#.into()),
        1 => Reply::Close,
        _ => pushed(3, true),
    });
    let r = push(
        dir.path(),
        &[
            file.to_str().unwrap(),
            "--server",
            &peer.url,
            "--retries",
            "2",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("run 3 (created)"), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("attempt 1 of 3 failed (503 the store is unavailable: busy)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("attempt 2 of 3 failed"), "{}", r.stderr);
    assert_eq!(peer.requests().len(), 3);
}

#[test]
fn a_refusal_is_final_names_the_file_and_the_servers_error_and_is_not_spooled() {
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = report_file(dir.path(), 1);
    let peer = Peer::start(|_, _| {
        Reply::Json(
            400,
            r#"{"error":"field `suite`: `proj` is not this project"}"#.into(),
        )
    });
    let r = push(dir.path(), &[file.to_str().unwrap(), "--server", &peer.url]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "{}: the server refused it (400): field `suite`: `proj` is not this project",
            file.display()
        )),
        "{}",
        r.stderr
    );
    assert_eq!(peer.requests().len(), 1, "a 400 is not tried again");
    assert!(spooled(dir.path()).is_empty());
}

#[test]
fn with_the_server_down_the_report_is_spooled_and_push_spool_lands_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let (file, report) = report_file(dir.path(), 1);
    let down = closed_port();
    let r = push(
        dir.path(),
        &[file.to_str().unwrap(), "--server", &down, "--retries", "1"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("attempt 1 of 2 failed"), "{}", r.stderr);
    assert!(r.stderr.contains("spooled as"), "{}", r.stderr);
    let files = spooled(dir.path());
    assert_eq!(files.len(), 1, "{files:?}");
    let kept: Report = serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert_eq!(kept, report);
    assert!(files[0].to_string_lossy().ends_with(".json"));

    // Still down: it stays.
    let r = push(
        dir.path(),
        &["--spool", "--server", &down, "--retries", "0"],
    );
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("1 report(s) stay in the spool"),
        "{}",
        r.stderr
    );
    assert_eq!(spooled(dir.path()), files);

    // Back up: sent once, then removed.
    let peer = Peer::start(|_, _| pushed(1, true));
    let r = push(dir.path(), &["--spool", "--server", &peer.url]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("run 1 (created)"), "{}", r.stdout);
    assert_eq!(peer.requests().len(), 1);
    assert!(spooled(dir.path()).is_empty());
    let r = push(dir.path(), &["--spool", "--server", &peer.url]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(peer.requests().len(), 1, "an empty spool sends nothing");
}

#[test]
fn the_spool_is_sent_oldest_first_and_a_refused_report_stays() {
    let dir = tempfile::tempdir().unwrap();
    let down = closed_port();
    let mut seeds = Vec::new();
    for seed in [5, 3, 9] {
        let (file, _) = report_file(dir.path(), seed);
        let r = push(
            dir.path(),
            &[file.to_str().unwrap(), "--server", &down, "--retries", "0"],
        );
        assert_eq!(r.code, 2);
        seeds.push(seed);
        // Distinct modification times, whatever the file system's resolution.
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(spooled(dir.path()).len(), 3);
    // The second one is refused; the others land.
    let peer = Peer::start(|_, n| match n {
        1 => Reply::Json(
            403,
            r#"{"error":"the token is for another project"}"#.into(),
        ),
        _ => pushed(10 + n as i64, true),
    });
    let r = push(dir.path(), &["--spool", "--server", &peer.url]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("(403): the token is for another project"),
        "{}",
        r.stderr
    );
    let sent: Vec<u64> = peer
        .requests()
        .iter()
        .map(|q| serde_json::from_slice::<Report>(&q.body).unwrap().seed)
        .collect();
    assert_eq!(sent, seeds, "oldest first");
    let left = spooled(dir.path());
    assert_eq!(left.len(), 1);
    let kept: Report = serde_json::from_str(&std::fs::read_to_string(&left[0]).unwrap()).unwrap();
    assert_eq!(kept.seed, 3);
}

#[test]
fn a_bad_report_stops_the_push_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (good, _) = report_file(dir.path(), 1);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"schema_version": 99}"#).unwrap();
    let peer = Peer::start(|_, _| pushed(1, true));
    let r = push(
        dir.path(),
        &[
            good.to_str().unwrap(),
            bad.to_str().unwrap(),
            "--server",
            &peer.url,
        ],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("bad.json: report schema_version 99"),
        "{}",
        r.stderr
    );
    assert!(peer.requests().is_empty());
}

#[test]
fn push_needs_a_usable_server_url() {
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = report_file(dir.path(), 1);
    let f = file.to_str().unwrap();
    let r = push(dir.path(), &[f]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("no server: pass --server URL or set PERFGATE_SERVER"),
        "{}",
        r.stderr
    );
    if !perfgate::client::HTTPS {
        let r = push(dir.path(), &[f, "--server", "https://perf.example"]);
        assert_eq!(r.code, 2);
        assert!(
            r.stderr.contains(
                "built without https: install it with `cargo install perfgate --features https`"
            ),
            "{}",
            r.stderr
        );
    }
    let r = push(dir.path(), &[f, "--server", "http://user:pw@host"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("PERFGATE_TOKEN"), "{}", r.stderr);
    assert!(!r.stderr.contains("pw@"), "{}", r.stderr);
}

/// `perfgate push ARGS` with the server's token.
fn push_to(dir: &Path, server: &Served, args: &[&str]) -> Run {
    run(perfgate_in(dir)
        .env("PERFGATE_TOKEN", &server.token)
        .arg("push")
        .args(args))
}

#[test]
fn a_real_server_records_a_push_once_and_says_duplicate_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let (file, report) = report_file(dir.path(), 1);
    let server = Served::start();
    let f = file.to_str().unwrap();
    let first = push_to(dir.path(), &server, &[f, "--server", &server.url]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stdout.contains("(created)"), "{}", first.stdout);
    let again = push_to(dir.path(), &server, &[f, "--server", &server.url]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains("(duplicate"), "{}", again.stdout);
    let id = perfgate::model::file::report_id(&report);
    assert!(first.stdout.contains(&id) && again.stdout.contains(&id));
    let runs = server.runs();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let (status, stored) = server.get(&format!("runs/{}", runs[0]["id"]));
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_value::<Report>(stored).unwrap(), report);

    // Without the token: refused, named, final.
    let r = run(perfgate_in(dir.path()).env_remove("PERFGATE_TOKEN").args([
        "push",
        f,
        "--server",
        &server.url,
    ]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("the server refused it (401)"),
        "{}",
        r.stderr
    );
    assert!(spooled(dir.path()).is_empty());
}

#[test]
fn spooled_while_the_real_server_is_down_lands_once_when_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = report_file(dir.path(), 1);
    let (file2, _) = report_file(dir.path(), 2);
    let mut server = Served::start();
    let url = server.url.clone();
    server.kill();
    let r = push_to(
        dir.path(),
        &server,
        &[
            file.to_str().unwrap(),
            file2.to_str().unwrap(),
            "--server",
            &url,
            "--retries",
            "1",
        ],
    );
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("2 report(s) in the spool"),
        "{}",
        r.stderr
    );
    assert_eq!(spooled(dir.path()).len(), 2);

    let server = server.restart();
    let r = push_to(dir.path(), &server, &["--spool", "--server", &server.url]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.matches("(created)").count(), 2, "{}", r.stdout);
    assert!(spooled(dir.path()).is_empty());
    assert_eq!(server.runs().len(), 2);
    // Sending the (now empty) spool again changes nothing.
    let r = push_to(dir.path(), &server, &["--spool", "--server", &server.url]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(server.runs().len(), 2);
}

/// A proxy in front of the server that, on the first request, lets the server record the
/// report and answer, then SIGKILLs the server and hangs up on the client without the answer
/// (the worst moment: the run is stored, the runner does not know). While the server is down
/// the proxy hangs up at once. The runner's retry reaches the restarted server.
#[test]
fn a_server_killed_during_a_push_gets_the_report_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = report_file(dir.path(), 1);
    let server = Served::start();
    let target: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(Some(server.url.clone())));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", listener.local_addr().unwrap());
    let (killed_tx, killed_rx) = std::sync::mpsc::channel();
    let to = Arc::clone(&target);
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut client) = stream else { continue };
            let Some(req) = read_request(&mut client) else {
                continue;
            };
            let Some(addr) = to.lock().unwrap().clone() else {
                continue;
            };
            let answer = forward(&addr, &req);
            if n == 0 {
                // Recorded and answered; now the server dies before the answer is relayed.
                *to.lock().unwrap() = None;
                killed_tx.send(()).unwrap();
                continue;
            }
            let _ = client.write_all(&answer);
        }
    });
    let push = perfgate_in(dir.path())
        .env("PERFGATE_TOKEN", &server.token)
        .args(["push", file.to_str().unwrap(), "--server", &proxy_url])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    killed_rx.recv().unwrap();
    let server = server.restart();
    *target.lock().unwrap() = Some(server.url.clone());
    let out = push.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("attempt 1 of 5 failed"), "{stderr}");
    assert!(
        stdout.contains("(duplicate"),
        "the first attempt had landed: {stdout}"
    );
    assert_eq!(server.runs().len(), 1);
    assert!(spooled(dir.path()).is_empty());
}
