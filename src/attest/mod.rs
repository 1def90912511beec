//! Release attestations: which artifacts a release's performance claims rest on, their SHA-256
//! and statuses, sealed by a manifest hash; and replay manifests ([`replay`]) for re-running the
//! deterministic benchmarks of a suite. The documents and their checks are pure; [`bundle`]
//! reads the artifact files (which an attestation may name, and their hashes), [`exec`] runs
//! the deterministic benchmarks through the runner, and [`make`] puts these together for the
//! commands, which write and show the results.
//!
//! `manifest_sha256` of an attestation is [`canonical::seal`]: the SHA-256 of the canonical
//! JSON of the whole attestation document with its top-level `manifest_sha256` member removed.

pub mod bundle;
pub mod canonical;
pub mod exec;
pub mod make;
pub mod replay;
mod verify;

use serde::{Deserialize, Serialize};

pub use verify::{verify, verify_file, ArtifactCheck, Tally, Verification};

use crate::digest::sha256_hex;
use crate::model::{BenchStatus, GitInfo, Machine, Tool};

pub const ATTESTATION_SCHEMA_VERSION: u32 = 1;
/// The `kind` field of an attestation file, so it is never mistaken for another document.
pub const ATTESTATION_KIND: &str = "perfgate-attestation";
pub const ATTESTATION_JSON: &str = "attestation.json";
pub const ATTESTATION_MD: &str = "attestation.md";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attestation {
    pub schema_version: u32,
    pub kind: String,
    pub tool: Tool,
    pub timestamp_utc: String,
    /// `None` (JSON `null`) outside a git repository.
    pub git: Option<GitInfo>,
    pub machine: Machine,
    /// The suite of the config found or given, if any.
    pub suite: Option<String>,
    /// `Config.sha256`: SHA-256 of the config file's bytes.
    pub config_sha256: Option<String>,
    /// The worst of the artifacts' statuses.
    pub overall_status: Status,
    pub artifacts: Vec<Artifact>,
    /// See the module documentation.
    pub manifest_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// The path relative to the attestation's directory (always inside it).
    pub path: String,
    pub kind: ArtifactKind,
    pub bytes: u64,
    /// SHA-256 (lowercase hex) of the file's bytes.
    pub sha256: String,
    pub status: Status,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactKind {
    /// A perfgate report (`run`, `ingest`, a baseline).
    Report,
    /// A comparison (`compare --format json`, `--summary`).
    Comparison,
    /// A trend artifact (`--trend-output`, `perfgate trend`).
    Trend,
    /// A replay manifest (`attest --replay-manifest`).
    ReplayManifest,
    Html,
    /// Anything else (Markdown, JUnit, a card...).
    File,
}

impl ArtifactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::Report => "report",
            ArtifactKind::Comparison => "comparison",
            ArtifactKind::Trend => "trend",
            ArtifactKind::ReplayManifest => "replay manifest",
            ArtifactKind::Html => "html",
            ArtifactKind::File => "file",
        }
    }
}

/// An artifact's status, in its own vocabulary (reports: ok/failed; comparisons and trends:
/// pass/warn/fail), and the overall status (pass/warn/fail, or n/a when no artifact has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    #[serde(rename = "ok")]
    Ok,
    #[serde(rename = "failed")]
    Failed,
    #[serde(rename = "pass")]
    Pass,
    #[serde(rename = "warn")]
    Warn,
    #[serde(rename = "fail")]
    Fail,
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::NotApplicable => "n/a",
        }
    }

    /// 0 good, 1 warning, 2 bad; `None` for n/a.
    fn severity(self) -> Option<u8> {
        match self {
            Status::Ok | Status::Pass => Some(0),
            Status::Warn => Some(1),
            Status::Failed | Status::Fail => Some(2),
            Status::NotApplicable => None,
        }
    }
}

/// The worst status of `statuses` as pass/warn/fail; n/a when none has a status.
pub fn overall(statuses: impl IntoIterator<Item = Status>) -> Status {
    match statuses.into_iter().filter_map(Status::severity).max() {
        None => Status::NotApplicable,
        Some(0) => Status::Pass,
        Some(1) => Status::Warn,
        Some(_) => Status::Fail,
    }
}

/// What a file is and its status, from its name and bytes. JSON documents are recognised by
/// their fields: `kind` of a replay manifest; `overall_status` with `baseline`/`current` (a
/// comparison) or with metrics carrying `history` (a trend); `benchmarks` (a report).
pub fn classify(path: &str, bytes: &[u8]) -> (ArtifactKind, Status) {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".html") || lower.ends_with(".htm") {
        return (ArtifactKind::Html, Status::NotApplicable);
    }
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return (ArtifactKind::File, Status::NotApplicable);
    };
    if doc["kind"] == replay::REPLAY_KIND {
        return (ArtifactKind::ReplayManifest, Status::NotApplicable);
    }
    if let Some(overall) = doc.get("overall_status") {
        let status = match overall.as_str() {
            Some("pass") => Status::Pass,
            Some("warn") => Status::Warn,
            Some("fail") => Status::Fail,
            _ => Status::NotApplicable,
        };
        if doc
            .get("baseline")
            .is_some_and(serde_json::Value::is_object)
            && doc.get("current").is_some()
        {
            return (ArtifactKind::Comparison, status);
        }
        let trend = doc["metrics"]
            .as_array()
            .is_some_and(|ms| ms.iter().all(|m| m.get("history").is_some()));
        if trend {
            return (ArtifactKind::Trend, status);
        }
    }
    if let Some(benches) = doc.get("benchmarks").and_then(|b| b.as_array()) {
        let failed = benches
            .iter()
            .any(|b| b["status"] == BenchStatus::Failed.as_str());
        let status = if failed { Status::Failed } else { Status::Ok };
        return (ArtifactKind::Report, status);
    }
    (ArtifactKind::File, Status::NotApplicable)
}

/// The entry of a file whose path (as given) is `path` and whose content is `bytes`.
pub fn artifact(path: &str, bytes: &[u8]) -> Artifact {
    let (kind, status) = classify(path, bytes);
    Artifact {
        path: path.to_string(),
        kind,
        bytes: bytes.len() as u64,
        sha256: sha256_hex(bytes),
        status,
    }
}

/// Where and when an attestation is made.
pub struct Context {
    pub timestamp_utc: String,
    pub git: Option<GitInfo>,
    pub machine: Machine,
    pub suite: Option<String>,
    pub config_sha256: Option<String>,
}

/// Builds and seals an attestation of `artifacts`.
pub fn build(ctx: Context, artifacts: Vec<Artifact>) -> Attestation {
    let mut att = Attestation {
        schema_version: ATTESTATION_SCHEMA_VERSION,
        kind: ATTESTATION_KIND.to_string(),
        tool: Tool::current(),
        timestamp_utc: ctx.timestamp_utc,
        git: ctx.git,
        machine: ctx.machine,
        suite: ctx.suite,
        config_sha256: ctx.config_sha256,
        overall_status: overall(artifacts.iter().map(|a| a.status)),
        artifacts,
        manifest_sha256: String::new(),
    };
    att.manifest_sha256 = canonical::seal_of(&att);
    att
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn context() -> Context {
        Context {
            timestamp_utc: "2026-01-02T03:04:05Z".into(),
            git: Some(GitInfo {
                commit: "0123456789abcdef0123456789abcdef01234567".into(),
                branch: Some("main".into()),
                dirty: false,
            }),
            machine: Machine {
                id: "abcdef0123456789".into(),
                hostname: "ci-1".into(),
                os: "Linux".into(),
                kernel: "6.1.0".into(),
                arch: "x86_64".into(),
                cpu_model: "Test CPU".into(),
                cores: 2,
                memory_bytes: 1 << 30,
                gpu: None,
            },
            suite: Some("demo".into()),
            config_sha256: Some("c0ffee".into()),
        }
    }

    #[test]
    fn documents_are_recognised_by_their_fields() {
        let report = br#"{"schema_version":1,"benchmarks":[{"status":"ok"},{"status":"skipped"}]}"#;
        assert_eq!(
            classify("r.json", report),
            (ArtifactKind::Report, Status::Ok)
        );
        let failed = br#"{"benchmarks":[{"status":"ok"},{"status":"failed"}]}"#;
        assert_eq!(
            classify("r", failed),
            (ArtifactKind::Report, Status::Failed)
        );
        let cmp = br#"{"overall_status":"warn","baseline":{},"current":{},"metrics":[]}"#;
        assert_eq!(
            classify("c.json", cmp),
            (ArtifactKind::Comparison, Status::Warn)
        );
        let trend = br#"{"overall_status":"fail","metrics":[{"history":[]}]}"#;
        assert_eq!(
            classify("t.json", trend),
            (ArtifactKind::Trend, Status::Fail)
        );
        assert_eq!(
            classify("index.HTML", b"{}"),
            (ArtifactKind::Html, Status::NotApplicable)
        );
        assert_eq!(
            classify("notes.md", b"# hi"),
            (ArtifactKind::File, Status::NotApplicable)
        );
    }

    #[test]
    fn overall_is_the_worst_status_and_ignores_not_applicable() {
        use Status::*;
        assert_eq!(overall([]), NotApplicable);
        assert_eq!(overall([NotApplicable, Ok]), Pass);
        assert_eq!(overall([Pass, Warn, Ok]), Warn);
        assert_eq!(overall([Warn, Failed]), Fail);
        assert_eq!(overall([Fail, Pass]), Fail);
    }

    #[test]
    fn build_seals_the_document_it_returns() {
        let att = build(context(), vec![artifact("a.html", b"<p>")]);
        assert_eq!(att.overall_status, Status::NotApplicable);
        assert_eq!(att.manifest_sha256.len(), 64);
        assert_eq!(canonical::seal_of(&att), att.manifest_sha256);
        let mut other = att.clone();
        other.artifacts[0].sha256 = "0".repeat(64);
        assert_ne!(canonical::seal_of(&other), att.manifest_sha256);
    }
}
