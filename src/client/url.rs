//! The server's base URL, checked once, and the API paths built on it with every name
//! percent-encoded as one path segment (a benchmark or testbed name may hold `/`).

use crate::error::ClientError;

/// A server base URL: `http://host:port` or `https://...`, possibly with a path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Checks `url`: a scheme this build can speak, a host, no query, no credentials (a token
    /// goes in `PERFGATE_TOKEN`, never in a URL that logs print).
    pub fn parse(url: &str) -> Result<Self, ClientError> {
        let base = Self::parse_any(url)?;
        if url.starts_with("https://") && !super::HTTPS {
            return Err(ClientError::BadUrl {
                url: redacted(url),
                message: "this perfgate was built without https: install it with `cargo install perfgate --features https`, or reach the server over http:// on a trusted network".into(),
            });
        }
        Ok(base)
    }

    /// Like [`BaseUrl::parse`], but accepts https in a build without it: for a URL another
    /// perfgate will use (the workflow `ci init` writes installs one with https).
    pub fn parse_any(url: &str) -> Result<Self, ClientError> {
        let bad = |message: &str| ClientError::BadUrl {
            url: redacted(url),
            message: message.to_string(),
        };
        let Some(rest) = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
        else {
            return Err(bad("not an http:// or https:// URL"));
        };
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() {
            return Err(bad("no host"));
        }
        if host.contains('@') {
            return Err(bad(
                "credentials in the URL: give the token in PERFGATE_TOKEN instead",
            ));
        }
        if url.contains('?') || url.contains('#') {
            return Err(bad("a query or fragment: give the server's base URL only"));
        }
        Ok(BaseUrl(url.trim_end_matches('/').to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `base/api/v1/projects/{project}` followed by `segments`, each one encoded.
    pub fn project(&self, project: &str, segments: &[&str]) -> String {
        let mut out = format!("{}/api/v1/projects/{}", self.0, segment(project));
        for s in segments {
            out.push('/');
            out.push_str(&segment(s));
        }
        out
    }
}

/// `url` with any user and password before the host replaced by `***`, to be shown.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_string(),
    }
}

/// `s` percent-encoded as one path segment: everything but RFC 3986's unreserved characters.
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `?k=v&...` of the pairs whose value is given, each encoded.
pub fn query(pairs: &[(&str, Option<&str>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", segment(v))))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_encoded_segment_each() {
        let base = BaseUrl::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(base.as_str(), "http://127.0.0.1:8080");
        assert_eq!(
            base.project("my suite", &["baselines", "ci/x86", "cpu", "main"]),
            "http://127.0.0.1:8080/api/v1/projects/my%20suite/baselines/ci%2Fx86/cpu/main"
        );
        assert_eq!(segment("é?&#%"), "%C3%A9%3F%26%23%25");
        assert_eq!(
            query(&[
                ("testbed", Some("a b")),
                ("branch", None),
                ("limit", Some("80"))
            ]),
            "?testbed=a%20b&limit=80"
        );
        assert_eq!(query(&[("branch", None)]), "");
    }

    #[test]
    fn unusable_urls_are_refused_with_the_reason() {
        for (url, why) in [
            ("ftp://x", "not an http"),
            ("http://", "no host"),
            (
                "http://u:secret@host",
                "--server http://***@host: credentials",
            ),
            ("http://host/?token=x", "base URL only"),
            ("host:8080", "not an http"),
        ] {
            let e = BaseUrl::parse(url).unwrap_err().to_string();
            assert!(e.contains(why), "{url}: {e}");
            assert!(!e.contains("secret"), "{e}");
        }
        assert!(BaseUrl::parse("http://host:1/perfgate").is_ok());
        assert!(BaseUrl::parse_any("https://host").is_ok());
        let https = BaseUrl::parse("https://host");
        assert_eq!(https.is_ok(), crate::client::HTTPS);
        if let Err(e) = https {
            assert!(e.to_string().contains("--features https"), "{e}");
        }
    }
}
