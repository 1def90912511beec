//! The runner's side of the team server (HTTP API v1): pushing reports, reading a testbed's
//! recent runs and baselines, putting baselines, and the spool of reports that could not be
//! sent yet. Requests are tried again with back-off on transient failures ([`retry`]); every
//! one of them is idempotent on the server, so a retry never records a run twice.
//!
//! The token comes from the caller (the `PERFGATE_TOKEN` environment variable) and goes only
//! into the `Authorization` header: no error, note or debug dump holds it.

mod http;
pub mod mirror;
pub mod retry;
pub mod spool;
pub mod url;

use serde::Deserialize;

pub use http::RetryNote;
pub use retry::Backoff;
pub use spool::{Spool, DEFAULT_SPOOL_DIR};
pub use url::BaseUrl;

use crate::error::{ClientError, Error, Result};
use crate::model::file::parse_report;
use crate::model::Report;

/// Whether this build speaks https (the `https` feature: rustls with ring, the Mozilla roots
/// built in).
pub const HTTPS: bool = cfg!(feature = "https");

/// The environment variable that holds the token.
pub const TOKEN_ENV: &str = "PERFGATE_TOKEN";

/// A report's id, the one the server stores it under ([`crate::model::file::report_id`]).
pub use crate::model::file::report_id;

/// What the server said to a pushed report.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Pushed {
    pub run_id: i64,
    pub report_id: String,
    /// False: the server had it already (a retry, or the same report pushed twice).
    pub created: bool,
}

/// A run as the server lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RemoteRun {
    pub id: i64,
    #[serde(default)]
    pub device: String,
    #[serde(default)]
    pub gate: Option<String>,
}

#[derive(Deserialize)]
struct RunList {
    runs: Vec<RemoteRun>,
}

/// A client of one server.
#[derive(Debug)]
pub struct Client {
    http: http::Http,
}

impl Client {
    /// A client of the server at `url` (checked here), sending `token` when there is one.
    pub fn new(url: &str, token: Option<String>, backoff: Backoff) -> Result<Self> {
        let base = BaseUrl::parse(url)?;
        Ok(Client {
            http: http::Http::new(base, token, backoff),
        })
    }

    /// The server's base URL, as given (less a trailing `/`).
    pub fn url(&self) -> &str {
        self.http.base().as_str()
    }

    /// Pushes a report (its JSON as `json`) to `project`, with what a check's gate said of
    /// it when there is a `judgement` (then the body is `{"report": ..., "judgement": ...}`).
    pub fn push(
        &self,
        project: &str,
        json: &[u8],
        judgement: Option<&crate::store::Judgement>,
        note: RetryNote,
    ) -> Result<Pushed> {
        let url = self.http.base().project(project, &["reports"]);
        let envelope;
        let body = match judgement {
            None => json,
            Some(j) => {
                let j = serde_json::to_vec(j)
                    .map_err(|e| Error::Usage(format!("cannot encode what the gate said: {e}")))?;
                envelope = [&b"{\"report\":"[..], json, b",\"judgement\":", &j, b"}"].concat();
                &envelope
            }
        };
        let answer = self.http.send("POST", &url, Some(body), &[], note)?;
        match answer.status {
            200 | 201 => decode(&url, &answer.body),
            status => Err(refused(&url, status, &answer.body)),
        }
    }

    /// The newest `limit` runs of `project` on `testbed` and `device`, newest first.
    pub fn runs(
        &self,
        project: &str,
        testbed: &str,
        device: &str,
        limit: usize,
        note: RetryNote,
    ) -> Result<Vec<RemoteRun>> {
        let limit = limit.to_string();
        let url = self.http.base().project(project, &["runs"])
            + &url::query(&[
                ("testbed", Some(testbed)),
                ("device", Some(device)),
                ("limit", Some(&limit)),
            ]);
        let answer = self.http.send("GET", &url, None, &[], note)?;
        match answer.status {
            200 => decode::<RunList>(&url, &answer.body).map(|l| l.runs),
            // A project nothing was pushed to yet has no runs.
            404 => Ok(Vec::new()),
            status => Err(refused(&url, status, &answer.body)),
        }
    }

    /// The recorded report of run `id`.
    pub fn report(&self, project: &str, id: i64, note: RetryNote) -> Result<Report> {
        let url = self
            .http
            .base()
            .project(project, &["runs", &id.to_string()]);
        let answer = self.http.send("GET", &url, None, &[], note)?;
        match answer.status {
            200 => report_of(&url, &answer.body),
            status => Err(refused(&url, status, &answer.body)),
        }
    }

    /// What the gate of the check that pushed run `id` said; `None`: pushed without one.
    pub fn judgement(
        &self,
        project: &str,
        id: i64,
        note: RetryNote,
    ) -> Result<Option<crate::store::Judgement>> {
        #[derive(Deserialize)]
        struct Answer {
            gate: Option<String>,
            verdicts: Vec<crate::store::MetricVerdict>,
        }
        let url = self
            .http
            .base()
            .project(project, &["runs", &id.to_string(), "judgement"]);
        let answer = self.http.send("GET", &url, None, &[], note)?;
        match answer.status {
            200 => decode::<Answer>(&url, &answer.body).map(|a| {
                a.gate.map(|gate| crate::store::Judgement {
                    gate,
                    verdicts: a.verdicts,
                })
            }),
            status => Err(refused(&url, status, &answer.body)),
        }
    }

    /// The baseline `name` of `testbed`/`device`; `None` when the server has none.
    pub fn baseline(&self, key: &RemoteBaseline, note: RetryNote) -> Result<Option<Report>> {
        let url = key.url(self);
        let answer = self.http.send("GET", &url, None, &[], note)?;
        match answer.status {
            200 => report_of(&url, &answer.body).map(Some),
            404 => Ok(None),
            status => Err(refused(&url, status, &answer.body)),
        }
    }

    /// Saves (or replaces) a baseline on the server.
    pub fn put_baseline(
        &self,
        key: &RemoteBaseline,
        report: &Report,
        note: RetryNote,
    ) -> Result<()> {
        let url = key.url(self);
        let json = to_json(report)?;
        let answer = self.http.send("PUT", &url, Some(&json), &[], note)?;
        match answer.status {
            200 | 201 | 204 => Ok(()),
            status => Err(refused(&url, status, &answer.body)),
        }
    }
}

/// Where a baseline is on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteBaseline {
    pub project: String,
    pub testbed: String,
    pub device: String,
    pub name: String,
}

impl RemoteBaseline {
    fn url(&self, client: &Client) -> String {
        client.http.base().project(
            &self.project,
            &["baselines", &self.testbed, &self.device, &self.name],
        )
    }
}

/// A report as the JSON sent to the server.
pub fn to_json(report: &Report) -> Result<Vec<u8>> {
    serde_json::to_vec(report)
        .map_err(|e| Error::Usage(format!("cannot write the report as JSON: {e}")))
}

fn decode<T: for<'de> Deserialize<'de>>(url: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        Error::from(ClientError::BadAnswer {
            url: url.to_string(),
            message: e.to_string(),
        })
    })
}

fn report_of(url: &str, body: &[u8]) -> Result<Report> {
    let text = String::from_utf8_lossy(body);
    parse_report(&text).map_err(|message| {
        Error::from(ClientError::BadAnswer {
            url: url.to_string(),
            message,
        })
    })
}

fn refused(url: &str, status: u16, body: &[u8]) -> Error {
    Error::from(ClientError::Refused {
        url: url.to_string(),
        status,
        message: http::error_line(body),
    })
}

/// Whether an error means the server could not be reached (as opposed to a refusal).
pub fn is_unavailable(e: &Error) -> bool {
    matches!(e, Error::Client(ClientError::Unavailable { .. }))
}
