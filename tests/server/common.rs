//! A running `perfgate serve` and a tiny HTTP client for it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use perfgate::model::Report;
use perfgate::testing::{bench, report, wall_time};

use crate::postgres::{test_database, TestDb};
use crate::shared::perfgate;

/// Where a test's server keeps its store: a fresh PostgreSQL database when
/// `PERFGATE_TEST_POSTGRES` names a server (always under `.ci/run`), else a SQLite file in the
/// test's directory. The database, when there is one, lives as long as the server.
pub fn store_location(dir: &Path) -> (PathBuf, Option<TestDb>) {
    let configured = std::env::var("PERFGATE_TEST_POSTGRES").is_ok_and(|u| !u.is_empty());
    match configured.then(|| test_database("server")).flatten() {
        Some(db) => (PathBuf::from(db.url()), Some(db)),
        None => (dir.join("server.db"), None),
    }
}

pub struct Server {
    pub child: Child,
    /// `127.0.0.1:PORT`
    pub addr: String,
    pub store: PathBuf,
    pub _dir: tempfile::TempDir,
    /// The PostgreSQL database of the store (dropped after the server is stopped).
    pub _db: Option<TestDb>,
}

impl Server {
    pub fn start() -> Server {
        Self::start_with(&[])
    }

    /// Starts `perfgate serve` on a free port with these extra arguments, and waits for its
    /// `listening on` line.
    pub fn start_with(args: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let (store, db) = store_location(dir.path());
        Self::start_on(store, db, dir, args)
    }

    /// Starts `perfgate serve` over `store`.
    pub fn start_on(
        store: PathBuf,
        db: Option<TestDb>,
        dir: tempfile::TempDir,
        args: &[&str],
    ) -> Server {
        let mut child = perfgate()
            .arg("serve")
            .arg("--store")
            .arg(&store)
            .args(["--listen", "127.0.0.1:0", "--workers", "4"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut first)
            .unwrap();
        let addr = first
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("first line: {first:?}"))
            .to_string();
        Server {
            child,
            addr,
            store,
            _dir: dir,
            _db: db,
        }
    }

    /// A new token of `project` (`read` or `write`), made with `perfgate token create`.
    pub fn token(&self, project: &str, scope: &str) -> String {
        let out = perfgate()
            .args(["token", "create", "--project", project, "--scope", scope])
            .arg("--store")
            .arg(&self.store)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
        assert!(token.starts_with("pgt_") && token.len() == 47, "{token}");
        token
    }

    /// `perfgate token public --project P on|off`.
    pub fn public(&self, project: &str, on: bool) {
        let out = perfgate()
            .args(["token", "public", "--project", project])
            .arg("--store")
            .arg(&self.store)
            .arg(if on { "on" } else { "off" })
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send("GET", path, token, b"")
    }

    pub fn send(&self, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> Reply {
        let auth = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        request(&self.addr, method, path, &headers, body)
    }

    /// POSTs `r` as a report of its suite.
    pub fn push(&self, r: &Report, token: &str) -> Reply {
        let path = format!("/api/v1/projects/{}/reports", enc(&r.suite));
        self.send("POST", &path, Some(token), &serde_json::to_vec(r).unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, headers (names in lower case) and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `error` of a JSON error body.
    pub fn error(&self) -> String {
        self.json()["error"].as_str().unwrap().to_string()
    }
}

/// One request on its own connection; the server closes it after the response.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    read_reply(&mut s)
}

pub fn read_reply(s: &mut TcpStream) -> Reply {
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    parse_reply(&raw)
}

pub fn parse_reply(raw: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no head end: {text:?}"));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

/// Percent-encodes a path segment.
pub fn enc(s: &str) -> String {
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

/// A report of `suite` at minute `minute`, each benchmark with `wall_time` samples around
/// `level` (ten of them, 1% apart).
pub fn report_of(suite: &str, minute: u32, benches: &[&str], level: f64) -> Report {
    let samples: Vec<f64> = (0..10)
        .map(|i| level * (1.0 + f64::from(i) * 0.01))
        .collect();
    report()
        .suite(suite)
        .timestamp(&format!("2026-11-22T10:{minute:02}:00Z"))
        .benches(
            benches
                .iter()
                .map(|b| bench(b).metric(wall_time(samples.clone()))),
        )
        .build()
}
