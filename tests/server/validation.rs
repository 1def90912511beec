//! Bodies the server refuses: over the size limit (413, before the body is read), not a
//! valid report (400 naming the field), a report of another suite than the URL's project.

use std::io::Write;
use std::net::TcpStream;

use crate::common::{read_reply, report_of, Server};

#[test]
fn a_body_over_the_limit_is_refused_before_it_is_sent() {
    let server = Server::start_with(&["--max-body-bytes", "1000"]);
    let token = server.token("p", "write");
    // Only the head is sent: the 413 must come without waiting for the body.
    for declared in ["1001", "10000000000000"] {
        let mut s = TcpStream::connect(&server.addr).unwrap();
        write!(
            s,
            "POST /api/v1/projects/p/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: {declared}\r\n\r\n"
        )
        .unwrap();
        let r = read_reply(&mut s);
        assert_eq!(r.status, 413, "{}", r.body);
        assert!(
            r.error().contains("over the server's limit of 1000 bytes"),
            "{}",
            r.body
        );
    }
    // The server is still there, and a body at the limit is read (and refused as a report).
    let r = server.send(
        "POST",
        "/api/v1/projects/p/reports",
        Some(&token),
        &[b' '; 1000],
    );
    assert_eq!(r.status, 400, "{}", r.body);
    // Unauthenticated: 401 first, the declared size does not matter.
    let mut s = TcpStream::connect(&server.addr).unwrap();
    write!(
        s,
        "POST /api/v1/projects/p/reports HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n"
    )
    .unwrap();
    assert_eq!(read_reply(&mut s).status, 401);
    // A chunked body is refused: the limit needs a length.
    let mut s = TcpStream::connect(&server.addr).unwrap();
    write!(
        s,
        "POST /api/v1/projects/p/reports HTTP/1.1\r\nAuthorization: Bearer {token}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    )
    .unwrap();
    assert_eq!(read_reply(&mut s).status, 411);
}

#[test]
fn an_invalid_report_is_refused_naming_its_field_and_nothing_is_recorded() {
    let server = Server::start();
    let token = server.token("p", "write");
    let push = |body: &str| {
        server.send(
            "POST",
            "/api/v1/projects/p/reports",
            Some(&token),
            body.as_bytes(),
        )
    };
    let good = serde_json::to_string(&report_of("p", 0, &["b"], 1.0)).unwrap();

    let nan = good.replacen("1.01", "NaN", 1);
    let r = push(&nan);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.error().contains("`NaN` is not a finite number"),
        "{}",
        r.body
    );

    let null = good.replacen("1.01", "null", 1);
    let r = push(&null);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error(),
        "benchmarks[0].metrics[0].samples[1]: null is not a finite number"
    );

    let version = good.replacen("\"schema_version\":", "\"schema_version\":99,\"x\":", 1);
    let r = push(&version);
    assert_eq!(r.status, 400);
    assert!(
        r.error().contains("schema_version 99 is not supported"),
        "{}",
        r.body
    );

    let r = server.push(&report_of("q", 0, &["b"], 1.0), &token);
    assert_eq!(r.status, 403, "a p token cannot push to q: {}", r.body);
    let other_suite = serde_json::to_string(&report_of("q", 0, &["b"], 1.0)).unwrap();
    let r = push(&other_suite);
    assert_eq!(r.status, 400);
    assert!(
        r.error()
            .starts_with("suite: the report's suite `q` is not the project `p`"),
        "{}",
        r.body
    );

    let twice = good.replacen("\"suite\":\"p\"", "\"suite\":\"p\",\"suite\":\"p\"", 1);
    assert!(
        push(&twice).error().contains("duplicate key"),
        "duplicate keys refused as in files"
    );
    assert_eq!(push("not json").status, 400);
    assert_eq!(push("[]").status, 400);
    let r = server.send(
        "POST",
        "/api/v1/projects/p/reports",
        Some(&token),
        &[0xff, 0xfe],
    );
    assert_eq!(r.error(), "the body is not UTF-8 text");

    let runs = server.get("/api/v1/projects/p/runs", Some(&token)).json();
    assert!(
        runs["runs"].as_array().unwrap().is_empty(),
        "nothing recorded: {runs}"
    );
    assert_eq!(push(&good).status, 201);
}

#[test]
fn unknown_routes_methods_and_bad_encodings_are_told_apart() {
    let server = Server::start();
    assert_eq!(server.get("/api/v1/nothing", None).status, 404);
    let r = server.send("DELETE", "/api/v1/projects/p/runs", None, b"");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET"));
    assert_eq!(server.get("/api/v1/projects/%FF/runs", None).status, 400);
    assert_eq!(
        server.get("/api/v1/projects/p/runs?limit=%zz", None).status,
        400
    );
}
