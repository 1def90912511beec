//! Attempts to get past the tokens: none, a read token writing, another project's token, a
//! token with one byte changed, tokens in the query string. Each is refused with 401 or
//! 403, with a body that holds no data, and changes nothing.

use crate::common::{report_of, request, Server};

/// The refusal is the expected status, and its body is only `{"error": ...}`.
fn refused(reply: &crate::common::Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.body);
    let json = reply.json();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["error"], "{}", reply.body);
    assert!(!reply.body.contains("secret-bench"), "{}", reply.body);
}

#[test]
fn no_token_a_wrong_token_or_a_token_elsewhere_gets_nothing() {
    let server = Server::start();
    let write = server.token("team", "write");
    let read = server.token("team", "read");
    let other = server.token("other", "write");
    let report = report_of("team", 0, &["secret-bench"], 1.0);
    assert_eq!(server.push(&report, &write).status, 201);
    let body = serde_json::to_vec(&report_of("team", 1, &["secret-bench"], 1.0)).unwrap();
    let push = "/api/v1/projects/team/reports";
    let runs = "/api/v1/projects/team/runs";

    let none = server.get(runs, None);
    refused(&none, 401);
    assert_eq!(
        none.header("www-authenticate"),
        Some("Bearer realm=\"perfgate\"")
    );
    refused(&server.send("POST", push, None, &body), 401);
    refused(&server.send("POST", push, Some(&read), &body), 403);
    refused(&server.get(runs, Some(&other)), 403);
    refused(&server.send("POST", push, Some(&other), &body), 403);
    refused(
        &server.get("/api/v1/projects/team/runs/1", Some(&other)),
        403,
    );

    // One byte changed, one byte more or less, another scheme, garbage.
    let mut flipped = write.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let shorter = &write[..write.len() - 1];
    let longer = format!("{write}A");
    for bad in [flipped.as_str(), shorter, longer.as_str(), "pgt_", "x"] {
        refused(&server.send("POST", push, Some(bad), &body), 401);
        refused(&server.get(runs, Some(bad)), 401);
    }
    for header in [
        format!("Token {write}"),
        write.clone(),
        format!("Basic {write}"),
    ] {
        let r = request(
            &server.addr,
            "GET",
            runs,
            &[("Authorization", &header)],
            b"",
        );
        refused(&r, 401);
    }

    // In the query string, even beside a good header: refused, and nothing recorded.
    for key in ["token", "access_token", "api_key", "Token"] {
        let path = format!("{push}?{key}={write}");
        let r = server.send("POST", &path, Some(&write), &body);
        refused(&r, 401);
        assert_eq!(
            r.error(),
            "tokens are accepted only in the Authorization header"
        );
        refused(&server.get(&format!("{runs}?{key}={read}"), None), 401);
    }
    let listed = server.get(runs, Some(&read)).json();
    assert_eq!(
        listed["runs"].as_array().unwrap().len(),
        1,
        "nothing else recorded"
    );

    // Write implies read; the read token reads.
    assert_eq!(server.get(runs, Some(&write)).status, 200);
    assert_eq!(server.get(runs, Some(&read)).status, 200);
    // Open routes need nothing.
    assert_eq!(server.get("/api/v1/health", None).status, 200);
}

#[test]
fn a_public_project_is_readable_without_a_token_but_never_writable() {
    let server = Server::start();
    let write = server.token("open", "write");
    assert_eq!(
        server
            .push(&report_of("open", 0, &["b"], 1.0), &write)
            .status,
        201
    );
    refused(&server.get("/api/v1/projects/open/runs", None), 401);
    server.public("open", true);
    let r = server.get("/api/v1/projects/open/runs", None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["runs"].as_array().unwrap().len(), 1);
    let page = server.get("/projects/open/", None);
    assert_eq!(page.status, 200);
    let body = serde_json::to_vec(&report_of("open", 1, &["b"], 1.0)).unwrap();
    refused(
        &server.send("POST", "/api/v1/projects/open/reports", None, &body),
        401,
    );
    // A wrong token is still wrong on a public project.
    refused(
        &server.get("/api/v1/projects/open/runs", Some("pgt_nope")),
        401,
    );
    // Another project stays private.
    refused(&server.get("/api/v1/projects/closed/runs", None), 401);
    server.public("open", false);
    refused(&server.get("/api/v1/projects/open/runs", None), 401);
}

#[test]
fn pages_take_basic_credentials_and_ask_for_them() {
    let server = Server::start();
    let read = server.token("ui", "read");
    let page = server.get("/projects/ui/", None);
    refused(&page, 401);
    assert_eq!(
        page.header("www-authenticate"),
        Some("Basic realm=\"perfgate\"")
    );
    let basic = format!("Basic {}", base64(&format!("anyone:{read}")));
    let ok = request(
        &server.addr,
        "GET",
        "/projects/ui/",
        &[("Authorization", &basic)],
        b"",
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.starts_with("<!doctype html>"));
    let wrong = format!("Basic {}", base64("anyone:pgt_wrong"));
    let r = request(
        &server.addr,
        "GET",
        "/projects/ui/",
        &[("Authorization", &wrong)],
        b"",
    );
    refused(&r, 401);
}

fn base64(s: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in s.as_bytes().chunks(3) {
        let n = c
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= c.len() {
                out.push(char::from(A[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
