//! `perfgate push` against real failure conditions: a closed port (the server is down), and a
//! peer in the test that answers what the test scripts (a 503, a 400, a connection closed
//! without an answer, the API's 201/200) and records what it was sent. The spool: a report
//! the server cannot take is kept, and `push --spool` lands it exactly once.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::{perfgate, run, Run};
use perfgate::model::Report;

/// One request the peer received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path and query, as sent.
    pub target: String,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the peer does with a request.
pub enum Reply {
    /// Answers with this status and JSON body.
    Json(u16, String),
    /// Closes the connection without a word.
    Close,
}

/// A TCP peer on 127.0.0.1 that answers each request as `script` says (given the request
/// and how many came before it) and keeps every request.
pub struct Peer {
    pub url: String,
    seen: Arc<Mutex<Vec<Request>>>,
}

impl Peer {
    pub fn start(script: impl Fn(&Request, usize) -> Reply + Send + 'static) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let Some(req) = read_request(&mut stream) else {
                    continue;
                };
                let n = {
                    let mut all = kept.lock().unwrap();
                    all.push(req.clone());
                    all.len() - 1
                };
                if let Reply::Json(status, body) = script(&req, n) {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                }
            }
        });
        Peer { url, seen }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}

/// A URL where nothing listens: a port bound and let go.
pub fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    url
}

/// The API's answer to a push.
pub fn pushed(run_id: i64, created: bool) -> Reply {
    Reply::Json(
        if created { 201 } else { 200 },
        format!(r#"{{"run_id":{run_id},"report_id":"abc","created":{created}}}"#),
    )
}

/// perfgate with no server settings from the environment, the token `pgt_test`, in `dir`.
pub fn perfgate_in(dir: &Path) -> std::process::Command {
    let mut c = perfgate();
    for var in [
        "PERFGATE_SERVER",
        "PERFGATE_STORE",
        "http_proxy",
        "HTTP_PROXY",
        "ALL_PROXY",
    ] {
        c.env_remove(var);
    }
    c.env("PERFGATE_TOKEN", "pgt_test").current_dir(dir);
    c
}

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

/// A real `perfgate serve` over a SQLite store in its own directory, restartable on the same
/// store.
pub struct Served {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub store: PathBuf,
    /// A write token of the project `proj`.
    pub token: String,
    _dir: Option<tempfile::TempDir>,
}

impl Served {
    pub fn start() -> Served {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("server.db");
        let token = token(&store, "write");
        let mut s = Served::on(&store, token);
        s._dir = Some(dir);
        s
    }

    /// The server over `store`, on a free port.
    fn on(store: &Path, token: String) -> Served {
        let mut child = perfgate()
            .arg("serve")
            .arg("--store")
            .arg(store)
            .args(["--listen", "127.0.0.1:0", "--workers", "2"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut first)
            .unwrap();
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first line: {first:?}"))
            .to_string();
        Served {
            child,
            url,
            store: store.to_path_buf(),
            token,
            _dir: None,
        }
    }

    /// SIGKILL: no shutdown, no cleanup.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// A new server over the same store (another port), taking over the directory.
    pub fn restart(mut self) -> Served {
        self.kill();
        let mut next = Served::on(&self.store, self.token.clone());
        next._dir = self._dir.take();
        next
    }

    /// GET `path` (under the API) with the write token; the status and the JSON body.
    pub fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let addr = self.url.strip_prefix("http://").unwrap();
        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "GET /api/v1/projects/proj/{path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            self.token
        )
        .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let status = text[9..12].parse().unwrap();
        let body = text.split_once("\r\n\r\n").unwrap().1;
        (
            status,
            serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
        )
    }

    /// The runs of `proj` the server has.
    pub fn runs(&self) -> Vec<serde_json::Value> {
        let (status, json) = self.get("runs");
        assert_eq!(status, 200, "{json}");
        json["runs"].as_array().unwrap().clone()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `perfgate token create` for the project `proj`.
fn token(store: &Path, scope: &str) -> String {
    let out = perfgate()
        .args([
            "token",
            "create",
            "--project",
            "proj",
            "--scope",
            scope,
            "--store",
        ])
        .arg(store)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
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

/// Sends `req` to `addr` as it came and returns the whole answer (the server closes the
/// connection after it).
fn forward(addr: &str, req: &Request) -> Vec<u8> {
    let addr = addr.strip_prefix("http://").unwrap();
    let mut s = TcpStream::connect(addr).unwrap();
    let mut head = format!("{} {} HTTP/1.1\r\n", req.method, req.target);
    for (k, v) in &req.headers {
        if k != "connection" {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str("connection: close\r\n\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&req.body).unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    answer
}
