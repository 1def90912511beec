//! The server as a process: health, the OpenAPI document against the route table, and a
//! graceful stop on SIGTERM with a request in flight.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::{parse_reply, report_of, Server};
use crate::shared::{finish, signal};

/// (method, path) of every operation in `api/openapi.json`.
fn documented() -> BTreeSet<(String, String)> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/api/openapi.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        doc["openapi"].as_str().unwrap().split('.').next(),
        Some("3")
    );
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.insert((method.to_uppercase(), path.clone()));
        }
    }
    out
}

#[test]
fn the_openapi_document_has_exactly_the_routes_of_the_server() {
    let served: BTreeSet<(String, String)> = perfgate::server::ROUTES
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let documented = documented();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served, not documented: {undocumented:?}"
    );
    assert!(unserved.is_empty(), "documented, not served: {unserved:?}");
    assert_eq!(
        served.len(),
        perfgate::server::ROUTES.len(),
        "no route twice"
    );

    let server = Server::start();
    let r = server.get("/api/v1/openapi.json", None);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, perfgate::server::OPENAPI);
    let health = server.get("/api/v1/health", None);
    assert_eq!(
        (health.status, health.body.as_str()),
        (200, "{\"status\":\"ok\"}")
    );
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_and_exits_zero() {
    let mut server = Server::start();
    let token = server.token("p", "write");
    let body = serde_json::to_vec(&report_of("p", 0, &["b"], 1.0)).unwrap();
    // The head, asking to be told when to send the body: once `100 Continue` comes, a
    // worker holds the request and is reading its body.
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "POST /api/v1/projects/p/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    )
    .unwrap();
    let mut cont = [0u8; 25];
    s.read_exact(&mut cont).unwrap();
    assert_eq!(&cont, b"HTTP/1.1 100 Continue\r\n\r\n");

    signal(&server.child, libc::SIGTERM);
    // Wait for the server to say it stopped accepting, then finish the request.
    let mut stderr = BufReader::new(server.child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("no longer accepting") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "stderr ended");
    }
    assert!(line.contains("SIGTERM"), "{line}");
    s.write_all(&body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let reply = parse_reply(&raw);
    assert_eq!(reply.status, 201, "{}", reply.body);

    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let child = std::mem::replace(
        &mut server.child,
        std::process::Command::new("true").spawn().unwrap(),
    );
    let (code, _) = finish(child);
    assert_eq!(code, 0, "{rest}");
    assert!(rest.contains("stopped"), "{rest}");
    assert!(
        TcpStream::connect(&server.addr).is_err(),
        "no longer listening"
    );
    // The run landed whole.
    let reopened = perfgate::store::open(&server.store).unwrap();
    assert_eq!(reopened.runs(&Default::default()).unwrap().len(), 1);
}
