//! Checking an attestation: every artifact re-hashed, the seal recomputed.

use std::path::Path;

use serde_json::Value;

use super::bundle::{parent_dir, Bundle};
use super::{canonical, Artifact, Attestation, ATTESTATION_KIND, ATTESTATION_SCHEMA_VERSION};
use crate::error::{Error, ExitStatus, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtifactCheck {
    Same,
    /// The file's SHA-256 now.
    Changed(String),
    Missing,
    /// Not looked at, for this reason (a path outside the attestation's directory, a
    /// device): its hash is never computed, so never shown.
    Refused(String),
}

#[derive(Debug, Clone)]
pub struct Verification {
    pub attestation: Attestation,
    /// Each recorded artifact with what was found.
    pub artifacts: Vec<(Artifact, ArtifactCheck)>,
    /// The seal recomputed over the document as read.
    pub computed_manifest_sha256: String,
}

impl Verification {
    pub fn manifest_matches(&self) -> bool {
        self.computed_manifest_sha256 == self.attestation.manifest_sha256
    }

    pub fn passed(&self) -> bool {
        self.manifest_matches()
            && self
                .artifacts
                .iter()
                .all(|(_, c)| *c == ArtifactCheck::Same)
    }

    /// How many artifacts failed, by how.
    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for (_, check) in &self.artifacts {
            match check {
                ArtifactCheck::Same => {}
                ArtifactCheck::Changed(_) => t.changed += 1,
                ArtifactCheck::Missing => t.missing += 1,
                ArtifactCheck::Refused(_) => t.refused += 1,
            }
        }
        t
    }

    /// 0 when everything matches, 1 on any mismatch.
    pub fn exit_status(&self) -> ExitStatus {
        if self.passed() {
            ExitStatus::Pass
        } else {
            ExitStatus::GateFailed
        }
    }
}

/// The artifacts of a verification that did not match.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub changed: usize,
    pub missing: usize,
    pub refused: usize,
}

/// Checks the attestation file at `path` against the files of its own directory, wherever
/// that is now. Errors: the file cannot be read, or is not an attestation perfgate reads.
pub fn verify_file(path: &Path) -> Result<Verification> {
    let text =
        crate::read::text(path).map_err(|e| Error::input(path, format!("cannot read: {e}")))?;
    let bundle = Bundle::new(&parent_dir(path))
        .map_err(|e| Error::input(path, format!("cannot resolve its directory: {e}")))?;
    verify(&text, |a| bundle.current_sha256(&a.path)).map_err(|m| Error::input(path, m))
}

/// Checks attestation JSON `text`; `current_sha256` gives an artifact's SHA-256 now, `None`
/// when it is missing, or why the recorded path was not looked at. The seal is recomputed over the document exactly as read (unknown
/// members included), so any edit to it shows. Errors: not an attestation perfgate can read.
pub fn verify(
    text: &str,
    mut current_sha256: impl FnMut(&Artifact) -> Result<Option<String>, String>,
) -> Result<Verification, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    if doc.get("kind").and_then(Value::as_str) != Some(ATTESTATION_KIND) {
        return Err(format!(
            "not a perfgate attestation: `kind` is not \"{ATTESTATION_KIND}\""
        ));
    }
    match doc.get("schema_version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(ATTESTATION_SCHEMA_VERSION) => {}
        other => {
            return Err(format!(
                "attestation schema_version {} is not supported: this perfgate reads version {ATTESTATION_SCHEMA_VERSION}",
                other.map_or_else(|| "(none)".to_string(), |v| v.to_string())
            ))
        }
    }
    let computed_manifest_sha256 = canonical::seal(&doc);
    let attestation: Attestation =
        serde_json::from_value(doc).map_err(|e| format!("not a valid attestation: {e}"))?;
    let artifacts = attestation
        .artifacts
        .iter()
        .map(|a| {
            let check = match current_sha256(a) {
                Err(why) => ArtifactCheck::Refused(why),
                Ok(None) => ArtifactCheck::Missing,
                Ok(Some(now)) if now == a.sha256 => ArtifactCheck::Same,
                Ok(Some(now)) => ArtifactCheck::Changed(now),
            };
            (a.clone(), check)
        })
        .collect();
    Ok(Verification {
        attestation,
        artifacts,
        computed_manifest_sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attest::{artifact, build, tests::context};
    use crate::digest::sha256_hex;

    fn sample() -> String {
        let att = build(
            context(),
            vec![artifact("a.txt", b"alpha"), artifact("b.txt", b"beta")],
        );
        serde_json::to_string_pretty(&att).unwrap()
    }

    fn files(
        a: &'static [u8],
        b: Option<&'static [u8]>,
    ) -> impl FnMut(&Artifact) -> Result<Option<String>, String> {
        move |art: &Artifact| {
            Ok(match art.path.as_str() {
                "a.txt" => Some(sha256_hex(a)),
                _ => b.map(sha256_hex),
            })
        }
    }

    #[test]
    fn untouched_artifacts_and_document_pass() {
        let v = verify(&sample(), files(b"alpha", Some(b"beta"))).unwrap();
        assert!(v.manifest_matches());
        assert!(v.passed());
    }

    #[test]
    fn a_changed_and_a_missing_artifact_are_each_named() {
        let v = verify(&sample(), files(b"alpha!", None)).unwrap();
        assert!(!v.passed());
        assert!(v.manifest_matches());
        assert_eq!(v.artifacts[0].0.path, "a.txt");
        assert_eq!(
            v.artifacts[0].1,
            ArtifactCheck::Changed(sha256_hex(b"alpha!"))
        );
        assert_eq!(v.artifacts[1].1, ArtifactCheck::Missing);
    }

    #[test]
    fn an_edited_document_fails_the_seal() {
        // Point the record at the tampered file: the artifacts then "match", the seal does not.
        let text = sample().replace(&sha256_hex(b"beta"), &sha256_hex(b"evil"));
        let v = verify(&text, files(b"alpha", Some(b"evil"))).unwrap();
        assert_eq!(v.artifacts[1].1, ArtifactCheck::Same);
        assert!(!v.manifest_matches());
        assert!(!v.passed());
    }

    #[test]
    fn other_documents_are_refused_with_the_reason() {
        let err = verify("{\"schema_version\":1}", |_| Ok(None)).unwrap_err();
        assert!(err.contains("not a perfgate attestation"), "{err}");
        let err = verify("nope", |_| Ok(None)).unwrap_err();
        assert!(err.contains("not valid JSON"), "{err}");
        let future = sample().replace("\"schema_version\": 1", "\"schema_version\": 9");
        let err = verify(&future, |_| Ok(None)).unwrap_err();
        assert!(err.contains("schema_version 9"), "{err}");
    }

    #[test]
    fn the_tally_counts_each_kind_of_failure() {
        let v = verify(&sample(), |a| match a.path.as_str() {
            "a.txt" => Err("refused".into()),
            _ => Ok(Some(sha256_hex(b"beta!"))),
        })
        .unwrap();
        let t = v.tally();
        assert_eq!((t.changed, t.missing, t.refused), (1, 0, 1));
        assert_eq!(v.exit_status(), ExitStatus::GateFailed);
        let ok = verify(&sample(), files(b"alpha", Some(b"beta"))).unwrap();
        assert_eq!(ok.tally(), Tally::default());
        assert_eq!(ok.exit_status(), ExitStatus::Pass);
    }

    #[test]
    fn a_file_is_verified_against_its_own_directory() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.txt"), "alpha").unwrap();
        std::fs::write(d.join("attestation.json"), sample()).unwrap();
        let v = verify_file(&d.join("attestation.json")).unwrap();
        assert_eq!(v.artifacts[0].1, ArtifactCheck::Same);
        assert_eq!(v.artifacts[1].1, ArtifactCheck::Missing);
        let err = verify_file(&d.join("nothing.json")).unwrap_err();
        assert!(
            err.to_string().contains("nothing.json: cannot read"),
            "{err}"
        );
    }
}
