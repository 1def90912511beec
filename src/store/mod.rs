//! History and baselines. Callers open a store with [`open`] (or [`open_read_only`]) and use
//! the [`Store`] trait only, so a PostgreSQL store for teams can be added beside
//! [`sqlite::SqliteStore`] without touching them.
//!
//! Every report is recorded whole (run metadata, benchmarks, metrics, every sample bit for
//! bit) in one transaction: a killed process leaves either the whole report or nothing.
//! Baselines are whole reports too (a pooled baseline is not a single run), keyed by suite,
//! device, testbed and name.
//!
//! For the team server, a store also keeps access tokens per project (a project is a suite)
//! and which projects anyone may read.

mod columns;
mod open;
pub mod postgres;
pub mod sqlite;

pub use open::{open, open_read_only};

use crate::model::Report;

/// Default location of the store under the project root.
pub const DEFAULT_STORE_PATH: &str = ".perfgate/perfgate.db";

pub use crate::error::StoreError;
pub use crate::model::history::{HistoryPoint, RunId, RunInfo};

/// What a gate said of a run, recorded with it (and pushed with it to a server, so that a
/// run that failed its gate is not taken for noise there either).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Judgement {
    /// `pass`, `warn` or `fail` (the comparison's overall status).
    pub gate: String,
    pub verdicts: Vec<MetricVerdict>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MetricVerdict {
    pub benchmark: String,
    pub metric: String,
    /// `stable`, `critical`, ... (see `gate::Verdict::as_str`).
    pub verdict: String,
}

/// Which runs to look at. Every `None` means "any". Results are newest first (by run id,
/// which grows with each record).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunFilter {
    pub suite: Option<String>,
    /// Runs of this testbed (`Report::testbed`: a named kind of machine, else the machine id).
    pub testbed: Option<String>,
    pub device: Option<String>,
    pub branch: Option<String>,
    /// Only runs recorded before this one (id below it): the next page of a long listing.
    pub before: Option<RunId>,
    /// At most this many runs (the newest).
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BaselineKey {
    pub suite: String,
    pub device: String,
    /// The testbed the baseline belongs to (see `Report::testbed`).
    pub testbed: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BaselineInfo {
    pub key: BaselineKey,
    pub created_utc: String,
    /// Where it came from, in words: "report ci.json", "run 42", "pooled runs 40-44".
    pub source: String,
}

/// What [`Store::record_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub id: RunId,
    /// False: the same report (same [`crate::model::report_id`]) was already recorded as `id`.
    pub created: bool,
}

/// What a token may do in its project. A write token may also read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    pub fn parse(text: &str) -> Option<TokenScope> {
        match text {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            _ => None,
        }
    }

    /// Whether a token of this scope may do what `needed` asks.
    pub fn allows(self, needed: TokenScope) -> bool {
        self >= needed
    }
}

/// What a valid token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    pub project: String,
    pub scope: TokenScope,
}

/// A history store: recorded runs and named baselines. Open one with [`open`].
pub trait Store {
    /// Records a whole report in one transaction and returns its run id.
    fn record(&mut self, report: &Report) -> Result<RunId, StoreError> {
        self.record_judged(report, None)
    }
    /// Records a whole report and what a gate said of it, in one transaction.
    fn record_judged(
        &mut self,
        report: &Report,
        judgement: Option<&Judgement>,
    ) -> Result<RunId, StoreError>;
    /// Records a report unless the same report (by [`crate::model::report_id`]) was recorded
    /// before: pushing a report twice stores it once.
    fn record_once(
        &mut self,
        report: &Report,
        judgement: Option<&Judgement>,
    ) -> Result<Recorded, StoreError>;
    /// Recorded runs matching `filter`, newest first.
    fn runs(&self, filter: &RunFilter) -> Result<Vec<RunInfo>, StoreError>;
    /// The recorded report of a run, exactly as it was recorded (samples bit for bit).
    fn report(&self, id: RunId) -> Result<Report, StoreError>;
    /// Keeps `profiles` with run `id` (replacing any it had): `check --profile-regressions`
    /// profiles a run after it was judged and recorded. [`Store::report`] returns them in the
    /// report's `profiles`.
    fn record_profiles(
        &mut self,
        id: RunId,
        profiles: &[crate::model::profile::BenchProfile],
    ) -> Result<(), StoreError>;
    /// What a gate said of run `id` when it was recorded; `None` when it was recorded
    /// without one. Verdicts are sorted by benchmark and metric.
    fn judgement(&self, id: RunId) -> Result<Option<Judgement>, StoreError>;
    /// Distinct (benchmark, metric) names recorded in runs matching `filter`, sorted.
    fn series(&self, filter: &RunFilter) -> Result<Vec<(String, String)>, StoreError>;
    /// One metric's history over the runs matching `filter`, newest first; runs where the
    /// benchmark has no such metric (failed, skipped) are left out.
    fn metric_history(
        &self,
        filter: &RunFilter,
        benchmark: &str,
        metric: &str,
    ) -> Result<Vec<HistoryPoint>, StoreError>;
    /// Saves (or replaces) a baseline.
    fn save_baseline(
        &mut self,
        key: &BaselineKey,
        report: &Report,
        source: &str,
    ) -> Result<(), StoreError>;
    /// The baseline stored under `key`; `None` when there is none.
    fn baseline(&self, key: &BaselineKey) -> Result<Option<Report>, StoreError>;
    /// All baselines, sorted by key.
    fn baselines(&self) -> Result<Vec<BaselineInfo>, StoreError>;
    /// Removes a baseline; false when there was none.
    fn remove_baseline(&mut self, key: &BaselineKey) -> Result<bool, StoreError>;

    /// Creates an access token for `project` and returns it; only its SHA-256 is kept, so
    /// this is the one time it can be read.
    fn create_token(
        &mut self,
        project: &str,
        scope: TokenScope,
        label: &str,
    ) -> Result<String, StoreError>;
    /// What `token` grants; `None` when it is not a token of this store.
    fn token_grant(&self, token: &str) -> Result<Option<TokenGrant>, StoreError>;
    /// Lets anyone read `project` (its runs, history, baselines, dashboard), or stops that.
    fn set_project_public(&mut self, project: &str, public: bool) -> Result<(), StoreError>;
    /// Whether anyone may read `project`.
    fn project_is_public(&self, project: &str) -> Result<bool, StoreError>;
}

/// A new token: `pgt_` and 43 characters of URL-safe base64 (32 random bytes).
pub fn new_token() -> Result<String, StoreError> {
    use std::io::Read;
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| StoreError::Token(format!("cannot read /dev/urandom: {e}")))?;
    Ok(format!("pgt_{}", base64url(&bytes)))
}

/// What a store keeps of a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    crate::digest::sha256_hex(token.as_bytes())
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 2);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_base64url_characters_after_the_prefix_and_differ() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        let body = a.strip_prefix("pgt_").unwrap();
        assert_eq!(body.len(), 43, "{a}");
        assert!(body
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(token_hash(&a).len(), 64);
    }

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        // RFC 4648 section 10, in the URL-safe alphabet without padding.
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn a_write_token_may_read_and_a_read_token_may_not_write() {
        assert!(TokenScope::Write.allows(TokenScope::Read));
        assert!(TokenScope::Write.allows(TokenScope::Write));
        assert!(TokenScope::Read.allows(TokenScope::Read));
        assert!(!TokenScope::Read.allows(TokenScope::Write));
        assert_eq!(TokenScope::parse("write"), Some(TokenScope::Write));
        assert_eq!(TokenScope::parse("admin"), None);
    }
}
