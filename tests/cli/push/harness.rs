//! What the push and check --server tests talk to: a scripted TCP peer that plays the API
//! (or fails as told), a closed port, a real `perfgate serve` that can be SIGKILLed and
//! restarted over its store, and a raw forwarder for a proxy between runner and server.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::perfgate;

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

pub fn read_request(stream: &mut TcpStream) -> Option<Request> {
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
pub fn token(store: &Path, scope: &str) -> String {
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

/// Sends `req` to `addr` as it came and returns the whole answer (the server closes the
/// connection after it).
pub fn forward(addr: &str, req: &Request) -> Vec<u8> {
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
