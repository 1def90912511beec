//! One request to the server, tried again on transient failures: the transport (ureq) and the
//! API's error body (`{"error": "..."}`) turned into a [`ClientError`].

use std::time::Duration;

use super::retry::{retryable_status, Backoff, Jitter};
use super::url::BaseUrl;
use crate::error::ClientError;

/// Connecting gives up after this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A whole request (connect, send, answer) gives up after this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest answer read (a report with every sample can be large).
const MAX_ANSWER_BYTES: u64 = 1 << 30;

/// What the caller is told about a retry it may want to show: the attempt that failed (1-based),
/// of how many, why, and the wait before the next one.
pub type RetryNote<'a> = &'a dyn Fn(u32, u32, &str, Duration);

/// An HTTP client of one server, with its token and retry policy.
pub struct Http {
    base: BaseUrl,
    token: Option<String>,
    agent: ureq::Agent,
    backoff: Backoff,
}

/// A final answer: its status and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// One failed attempt: why, whether to try again, and how long the server asked to wait.
struct Failure {
    message: String,
    retry_after: Option<Duration>,
}

impl std::fmt::Debug for Http {
    // The token is never printed, not even in a debug dump.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

impl Http {
    pub fn new(base: BaseUrl, token: Option<String>, backoff: Backoff) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(format!("perfgate/{}", crate::model::TOOL_VERSION))
            .build();
        Http {
            base,
            token: token.filter(|t| !t.is_empty()),
            agent: config.into(),
            backoff,
        }
    }

    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    /// Sends `method url` (with `body` and `headers`), trying again on connection errors
    /// and 5xx/408/429 with back-off, and returns the first other answer. After the last
    /// attempt: [`ClientError::Unavailable`] with the last failure.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        body: Option<&[u8]>,
        headers: &[(&str, &str)],
        note: RetryNote,
    ) -> Result<Answer, ClientError> {
        let attempts = self.backoff.attempts();
        let mut jitter = Jitter::new();
        let mut attempt = 0;
        loop {
            let failure = match self.once(method, url, body, headers) {
                Ok(answer) => return Ok(answer),
                Err(f) => f,
            };
            attempt += 1;
            if attempt >= attempts {
                return Err(ClientError::Unavailable {
                    url: url.to_string(),
                    attempts,
                    message: failure.message,
                });
            }
            let wait = self
                .backoff
                .wait(attempt - 1, jitter.draw(), failure.retry_after);
            note(attempt, attempts, &failure.message, wait);
            std::thread::sleep(wait);
        }
    }

    /// One attempt: a final answer, or a failure worth another try (the connection, or a
    /// 5xx/408/429 with the server's `Retry-After`).
    fn once(
        &self,
        method: &str,
        url: &str,
        body: Option<&[u8]>,
        headers: &[(&str, &str)],
    ) -> Result<Answer, Failure> {
        let mut builder = ureq::http::Request::builder().method(method).uri(url);
        if let Some(t) = &self.token {
            builder = builder.header("Authorization", format!("Bearer {t}"));
        }
        if body.is_some() {
            builder = builder.header("Content-Type", "application/json");
        }
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let built = |e: ureq::http::Error| Failure {
            message: format!("cannot build the request: {e}"),
            retry_after: None,
        };
        let sent = match body {
            Some(b) => self.agent.run(builder.body(b).map_err(built)?),
            None => self.agent.run(builder.body(()).map_err(built)?),
        };
        let mut response = sent.map_err(|e| Failure {
            message: transport_message(&e),
            retry_after: None,
        })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_vec()
            .map_err(|e| Failure {
                message: format!("the answer broke off: {}", transport_message(&e)),
                retry_after: None,
            })?;
        if retryable_status(status) {
            return Err(Failure {
                message: format!("{status} {}", error_line(&body)),
                retry_after,
            });
        }
        Ok(Answer { status, body })
    }
}

/// A transport error in one line, without ureq's wording where ours says more.
fn transport_message(e: &ureq::Error) -> String {
    match e {
        ureq::Error::ConnectionFailed => "cannot connect (connection refused?)".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::Io(io) => format!("connection error: {io}"),
        other => other.to_string(),
    }
}

/// The API's one-line `{"error": "..."}`, else the start of the body as text.
pub fn error_line(body: &[u8]) -> String {
    let parsed: Option<String> = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(String::from));
    let text = parsed.unwrap_or_else(|| {
        let s = String::from_utf8_lossy(body);
        let s: String = s.chars().take(200).collect();
        if s.trim().is_empty() {
            "(no error message)".into()
        } else {
            s
        }
    });
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_line_is_the_apis_error_or_the_start_of_the_body() {
        assert_eq!(
            error_line(br#"{"error":"field `suite`: x"}"#),
            "field `suite`: x"
        );
        assert_eq!(error_line(b"Bad Gateway\n<html>"), "Bad Gateway <html>");
        assert_eq!(error_line(b""), "(no error message)");
    }

    #[test]
    fn the_debug_dump_hides_the_token() {
        let h = Http::new(
            BaseUrl::parse("http://127.0.0.1:1").unwrap(),
            Some("pgt_secret".into()),
            Backoff::default(),
        );
        let dump = format!("{h:?}");
        assert!(
            !dump.contains("pgt_secret") && dump.contains("<set>"),
            "{dump}"
        );
    }
}
