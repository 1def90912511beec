//! The HTTP/1.1 this server speaks, on a plain `TcpStream`: one request per connection
//! (every response says `Connection: close`), the head read under a size limit and a
//! timeout, the body read only when the route wants one and only up to `--max-body-bytes`
//! (a larger `Content-Length` is refused with 413 before a byte of the body is read), and
//! `Expect: 100-continue` answered just before the body is read.
//!
//! Written here rather than taken from `tiny_http` (the design's choice): tiny_http 0.12
//! drains an unread body on drop into `vec![0; declared Content-Length]`, so one
//! unauthenticated request declaring 10^13 bytes aborts the process (upstream PR #290), and
//! it cannot stop accepting connections while requests are in flight.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// The most a request line plus headers may take.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// How long a client may take to send its head, or to send each part of its body.
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A request's head: the method, the raw path and query, and the headers (names in lower
/// case).
#[derive(Debug, Clone, Default)]
pub struct Head {
    pub method: String,
    /// The path before `?`, still percent-encoded.
    pub path: String,
    /// What follows `?`, still encoded; empty when there is none.
    pub query: String,
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A response: status, extra headers, body and its content type.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON body.
    pub fn json(status: u16, body: String) -> Self {
        Response {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: body.into_bytes(),
        }
    }

    /// `{"error": message}`.
    pub fn error(status: u16, message: &str) -> Self {
        Self::json(status, serde_json::json!({ "error": message }).to_string())
    }

    pub fn html(status: u16, body: String) -> Self {
        Response {
            status,
            content_type: "text/html; charset=utf-8",
            headers: Vec::new(),
            body: body.into_bytes(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// One client connection: its reader (the head is read through it) and the stream.
pub struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    pub fn new(stream: TcpStream) -> std::io::Result<Self> {
        stream.set_read_timeout(Some(IO_TIMEOUT))?;
        stream.set_write_timeout(Some(IO_TIMEOUT))?;
        Ok(Connection {
            reader: BufReader::new(stream),
        })
    }

    /// Reads the request line and headers. `Err(None)`: the client closed or timed out
    /// before sending a request (nothing to answer); `Err(Some(r))`: answer `r`.
    pub fn read_head(&mut self) -> Result<Head, Option<Response>> {
        let mut lines = Vec::new();
        let mut total = 0;
        loop {
            let mut line = Vec::new();
            let limit = (MAX_HEAD_BYTES - total) as u64 + 1;
            match (&mut self.reader).take(limit).read_until(b'\n', &mut line) {
                Ok(0) | Err(_) if lines.is_empty() && line.is_empty() => return Err(None),
                Err(_) | Ok(0) => return Err(Some(Response::error(400, "incomplete request"))),
                Ok(n) => total += n,
            }
            if total > MAX_HEAD_BYTES || !line.ends_with(b"\n") {
                return Err(Some(Response::error(
                    431,
                    "the request line and headers are over 64 KiB",
                )));
            }
            let text = String::from_utf8(line)
                .map_err(|_| Some(Response::error(400, "a header is not UTF-8")))?;
            let text = text.trim_end_matches(['\r', '\n']).to_string();
            if text.is_empty() {
                if lines.is_empty() {
                    continue; // stray blank lines before a request are allowed (RFC 9112 2.2)
                }
                return parse_head(&lines).map_err(|why| Some(Response::error(400, &why)));
            }
            lines.push(text);
        }
    }

    /// The body of a request whose head is `head`: at most `max` bytes (413 over it, before
    /// reading any), with a `Content-Length` (411 without one when there is a body).
    pub fn read_body(&mut self, head: &Head, max: u64) -> Result<Vec<u8>, Response> {
        if head.header("transfer-encoding").is_some() {
            return Err(Response::error(
                411,
                "send the body with a Content-Length (chunked transfer encoding is not accepted)",
            ));
        }
        let length = match head.header("content-length") {
            None => return Ok(Vec::new()),
            Some(v) => v
                .trim()
                .parse::<u64>()
                .map_err(|_| Response::error(400, "the Content-Length header is not a number"))?,
        };
        if length > max {
            return Err(Response::error(
                413,
                &format!("the body is {length} bytes, over the server's limit of {max} bytes"),
            ));
        }
        if head
            .header("expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
        {
            let _ = self
                .reader
                .get_mut()
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        let mut body = Vec::with_capacity(usize::try_from(length.min(1 << 20)).unwrap_or(0));
        match (&mut self.reader).take(length).read_to_end(&mut body) {
            Ok(n) if n as u64 == length => Ok(body),
            _ => Err(Response::error(
                400,
                "the body ended before its Content-Length",
            )),
        }
    }

    /// Writes `response` and closes the connection. What the client still sends is read
    /// and dropped for a moment first (bounded), so that closing with unread data does not
    /// reset the connection before the client has read the response.
    pub fn respond(mut self, response: &Response) {
        let stream = self.reader.get_mut();
        let _ = stream.write_all(&head_bytes(response));
        let _ = stream.write_all(&response.body);
        let _ = stream.flush();
        let _ = stream.shutdown(Shutdown::Write);
        let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
        let started = Instant::now();
        let mut buf = [0u8; 8192];
        let mut drained = 0usize;
        while started.elapsed() < Duration::from_secs(1) && drained < 4 << 20 {
            match self.reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    }
}

fn head_bytes(response: &Response) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nConnection: close\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
        response.status,
        reason(response.status),
    );
    if response.status != 204 {
        head.push_str(&format!(
            "Content-Type: {}\r\nContent-Length: {}\r\n",
            response.content_type,
            response.body.len()
        ));
    }
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

/// The request line and headers, parsed.
fn parse_head(lines: &[String]) -> Result<Head, String> {
    let mut parts = lines[0].split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the request line is not `METHOD TARGET HTTP/1.x`".into());
    };
    if !version.starts_with("HTTP/1.") {
        return Err(format!("HTTP version `{version}` is not supported"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if !path.starts_with('/') {
        return Err("the request target is not a path".into());
    }
    let mut headers = Vec::new();
    for line in &lines[1..] {
        let Some((name, value)) = line.split_once(':') else {
            return Err("a header line has no `:`".into());
        };
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err("a header name is empty or holds a space".into());
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let lengths = headers
        .iter()
        .filter(|(n, _)| n == "content-length")
        .count();
    if lengths > 1 {
        return Err("more than one Content-Length header".into());
    }
    Ok(Head {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
    })
}

/// `%XX` decoded (and `+` as a space when `plus_is_space`, as in a query); `None` when an
/// escape is malformed or the result is not UTF-8.
pub fn percent_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Everything but unreserved characters percent-encoded (for links the server writes).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `key=value` pairs of a query string, decoded; `Err` names the first pair that does
/// not decode.
pub fn parse_query(query: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(k, true).ok_or_else(|| {
            "a query parameter name is not valid percent-encoded UTF-8".to_string()
        })?;
        let value = percent_decode(v, true)
            .ok_or_else(|| format!("query parameter `{key}`: not valid percent-encoded UTF-8"))?;
        pairs.push((key, value));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_is_exact_and_refuses_bad_escapes() {
        assert_eq!(percent_decode("a%2Fb%20c", false).unwrap(), "a/b c");
        assert_eq!(percent_decode("a+b", false).unwrap(), "a+b");
        assert_eq!(percent_decode("a+b", true).unwrap(), "a b");
        assert_eq!(percent_decode("%E2%9C%93", false).unwrap(), "\u{2713}");
        for bad in ["%", "%4", "%zz", "%FF", "a%C3"] {
            assert_eq!(percent_decode(bad, false), None, "{bad}");
        }
        let name = "sort <10k> & \"x\"/y";
        assert_eq!(percent_decode(&percent_encode(name), false).unwrap(), name);
    }

    #[test]
    fn queries_parse_into_decoded_pairs() {
        let q = parse_query("a=1&b=x%26y&&c&d=e+f").unwrap();
        let want = [("a", "1"), ("b", "x&y"), ("c", ""), ("d", "e f")];
        let got: Vec<(&str, &str)> = q.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, want);
        assert_eq!(
            parse_query("page=%zz").unwrap_err(),
            "query parameter `page`: not valid percent-encoded UTF-8"
        );
    }

    #[test]
    fn heads_parse_and_refuse_what_is_ambiguous() {
        let lines = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        let h = parse_head(&lines(&[
            "GET /a/b?x=1 HTTP/1.1",
            "Host: h",
            "Authorization:  Bearer t ",
        ]))
        .unwrap();
        assert_eq!((h.method.as_str(), h.path.as_str()), ("GET", "/a/b"));
        assert_eq!(h.query, "x=1");
        assert_eq!(h.header("authorization"), Some("Bearer t"));
        for bad in [
            &["GET /a"][..],
            &["GET a HTTP/1.1"],
            &["GET /a HTTP/2"],
            &["GET /a HTTP/1.1", "no colon"],
            &["POST /a HTTP/1.1", "Content-Length: 1", "Content-Length: 2"],
        ] {
            assert!(parse_head(&lines(bad)).is_err(), "{bad:?}");
        }
    }
}
