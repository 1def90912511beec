//! Replay manifests: what a deterministic run of a suite depends on (seed, config, the
//! executables) and what it produced (the SHA-256 of each deterministic benchmark's stdout),
//! and the comparison of a replay with them. Pure: [`super::exec`] does the running.
//!
//! Hashes, all SHA-256 in lowercase hex:
//! - `executables[].sha256`: of the file's bytes;
//! - `artifact_hashes[bench]`: of the benchmark's stdout from one run;
//! - `artifact_sha256`: of the canonical JSON of the `artifact_hashes` object;
//! - `manifest_sha256`: the seal, of the canonical JSON of the whole manifest without it
//!   ([`super::canonical::seal`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::canonical::{canonical_json, seal, seal_of};
use crate::digest::sha256_hex;
use crate::model::Tool;

pub const REPLAY_KIND: &str = "perfgate-replay-manifest";
pub const REPLAY_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayManifest {
    pub schema_version: u32,
    pub kind: String,
    pub tool: Tool,
    pub timestamp_utc: String,
    pub suite: String,
    /// The config file, relative to the manifest's directory when it could be made so.
    pub config_path: Option<String>,
    pub config_sha256: String,
    /// Exported as `PERFGATE_SEED` to each deterministic benchmark that sets no `seed` itself.
    pub seed: u64,
    /// Per benchmark of the suite, the program its command starts.
    pub executables: Vec<Executable>,
    /// Per deterministic benchmark, SHA-256 of its stdout.
    pub artifact_hashes: BTreeMap<String, String>,
    pub artifact_sha256: String,
    pub manifest_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Executable {
    pub bench: String,
    /// `argv[0]` as written in the config (`sh` for `shell` benchmarks, run as `sh -c`).
    pub program: String,
    /// Where it was found: through `PATH`, relative to the benchmark's cwd.
    pub path: Option<String>,
    pub sha256: Option<String>,
    /// Why there is no hash (not found, unreadable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a manifest is made of, before sealing.
pub struct ReplayInputs {
    pub timestamp_utc: String,
    pub suite: String,
    pub config_path: Option<String>,
    pub config_sha256: String,
    pub seed: u64,
    pub executables: Vec<Executable>,
    pub artifact_hashes: BTreeMap<String, String>,
}

/// SHA-256 of the canonical JSON of the `artifact_hashes` object.
pub fn artifact_sha256(hashes: &BTreeMap<String, String>) -> String {
    let value = serde_json::to_value(hashes).expect("a map of strings serializes");
    sha256_hex(canonical_json(&value).as_bytes())
}

pub fn build(inputs: ReplayInputs) -> ReplayManifest {
    let mut m = ReplayManifest {
        schema_version: REPLAY_SCHEMA_VERSION,
        kind: REPLAY_KIND.to_string(),
        tool: Tool::current(),
        timestamp_utc: inputs.timestamp_utc,
        suite: inputs.suite,
        config_path: inputs.config_path,
        config_sha256: inputs.config_sha256,
        seed: inputs.seed,
        executables: inputs.executables,
        artifact_sha256: artifact_sha256(&inputs.artifact_hashes),
        artifact_hashes: inputs.artifact_hashes,
        manifest_sha256: String::new(),
    };
    m.manifest_sha256 = seal_of(&m);
    m
}

/// Reads a manifest and checks both its hashes; the error says what is wrong.
pub fn parse(text: &str) -> Result<ReplayManifest, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    if doc.get("kind").and_then(Value::as_str) != Some(REPLAY_KIND) {
        return Err(format!(
            "not a perfgate replay manifest: `kind` is not \"{REPLAY_KIND}\""
        ));
    }
    if doc.get("schema_version").and_then(Value::as_u64) != Some(u64::from(REPLAY_SCHEMA_VERSION)) {
        return Err(format!(
            "replay manifest schema_version {} is not supported: this perfgate reads version {REPLAY_SCHEMA_VERSION}",
            doc.get("schema_version").unwrap_or(&Value::Null)
        ));
    }
    let computed = seal(&doc);
    let m: ReplayManifest =
        serde_json::from_value(doc).map_err(|e| format!("not a valid replay manifest: {e}"))?;
    if computed != m.manifest_sha256 {
        return Err(format!(
            "manifest_sha256 does not match the content (recorded {}, computed {computed}): the manifest was edited or damaged",
            m.manifest_sha256
        ));
    }
    let artifacts = artifact_sha256(&m.artifact_hashes);
    if artifacts != m.artifact_sha256 {
        return Err(format!(
            "artifact_sha256 does not match artifact_hashes (recorded {}, computed {artifacts})",
            m.artifact_sha256
        ));
    }
    Ok(m)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputCheck {
    Same,
    /// The stdout's SHA-256 now.
    Differs(String),
    /// The run failed, with the reason.
    Failed(String),
    /// Deterministic now, but absent from the manifest.
    NotRecorded,
    /// In the manifest, but no longer a deterministic benchmark of the suite.
    NotRun,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutableChange {
    pub bench: String,
    pub recorded: Executable,
    /// `None`: the benchmark is gone from the suite.
    pub now: Option<Executable>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayReport {
    /// Per benchmark (the manifest's and the replay's, by name).
    pub outputs: Vec<(String, OutputCheck)>,
    /// Only the executables whose path or hash changed.
    pub executables: Vec<ExecutableChange>,
}

impl ReplayReport {
    /// Outputs that did not reproduce: differing, unrecorded or not run.
    pub fn mismatches(&self) -> usize {
        self.outputs
            .iter()
            .filter(|(_, c)| !matches!(c, OutputCheck::Same | OutputCheck::Failed(_)))
            .count()
    }

    pub fn failures(&self) -> usize {
        self.outputs
            .iter()
            .filter(|(_, c)| matches!(c, OutputCheck::Failed(_)))
            .count()
    }
}

/// Compares a replay with its manifest: `outputs` is each deterministic benchmark's stdout
/// SHA-256 (or why its run failed), `executables` what they resolve to now.
pub fn compare(
    manifest: &ReplayManifest,
    outputs: &BTreeMap<String, Result<String, String>>,
    executables: &[Executable],
) -> ReplayReport {
    let mut names: Vec<&String> = manifest
        .artifact_hashes
        .keys()
        .chain(outputs.keys())
        .collect();
    names.sort();
    names.dedup();
    let outputs = names
        .into_iter()
        .map(|name| {
            let check = match (manifest.artifact_hashes.get(name), outputs.get(name)) {
                (_, Some(Err(reason))) => OutputCheck::Failed(reason.clone()),
                (Some(recorded), Some(Ok(now))) if recorded == now => OutputCheck::Same,
                (Some(_), Some(Ok(now))) => OutputCheck::Differs(now.clone()),
                (None, Some(Ok(_))) => OutputCheck::NotRecorded,
                (_, None) => OutputCheck::NotRun,
            };
            (name.clone(), check)
        })
        .collect();
    let executables = manifest
        .executables
        .iter()
        .filter_map(|recorded| {
            let now = executables.iter().find(|e| e.bench == recorded.bench);
            let same = now.is_some_and(|n| n.path == recorded.path && n.sha256 == recorded.sha256);
            (!same).then(|| ExecutableChange {
                bench: recorded.bench.clone(),
                recorded: recorded.clone(),
                now: now.cloned(),
            })
        })
        .collect();
    ReplayReport {
        outputs,
        executables,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exe(bench: &str, hash: &str) -> Executable {
        Executable {
            bench: bench.into(),
            program: "sh".into(),
            path: Some("/bin/sh".into()),
            sha256: Some(hash.into()),
            error: None,
        }
    }

    fn manifest() -> ReplayManifest {
        build(ReplayInputs {
            timestamp_utc: "2026-01-02T03:04:05Z".into(),
            suite: "demo".into(),
            config_path: Some("perfgate.toml".into()),
            config_sha256: "c0ffee".into(),
            seed: 7,
            executables: vec![exe("cat", "aa"), exe("echo", "bb")],
            artifact_hashes: [
                ("cat".into(), sha256_hex(b"data")),
                ("echo".into(), "e1".into()),
            ]
            .into(),
        })
    }

    #[test]
    fn the_artifact_hash_covers_the_names_and_hashes_in_canonical_form() {
        let m = manifest();
        let expected = format!(r#"{{"cat":"{}","echo":"e1"}}"#, sha256_hex(b"data"));
        assert_eq!(m.artifact_sha256, sha256_hex(expected.as_bytes()));
    }

    #[test]
    fn a_written_manifest_reads_back_and_an_edited_one_is_refused() {
        let m = manifest();
        let text = serde_json::to_string_pretty(&m).unwrap();
        assert_eq!(parse(&text).unwrap(), m);
        let edited = text.replace("\"seed\": 7", "\"seed\": 8");
        assert!(parse(&edited)
            .unwrap_err()
            .contains("manifest_sha256 does not match"));
        let mut forged = m.clone();
        forged.artifact_hashes.insert("echo".into(), "e2".into());
        forged.manifest_sha256 = seal_of(&forged);
        let err = parse(&serde_json::to_string(&forged).unwrap()).unwrap_err();
        assert!(err.contains("artifact_sha256 does not match"), "{err}");
        assert!(parse("{}")
            .unwrap_err()
            .contains("not a perfgate replay manifest"));
    }

    #[test]
    fn a_replay_names_each_output_that_differs_and_each_changed_executable() {
        let m = manifest();
        let outputs = [
            ("cat".to_string(), Ok(sha256_hex(b"other data"))),
            ("echo".to_string(), Ok("e1".to_string())),
            ("new".to_string(), Err("exited with status 1".to_string())),
        ]
        .into();
        let r = compare(&m, &outputs, &[exe("cat", "aa"), exe("echo", "b2")]);
        assert_eq!(
            r.outputs,
            vec![
                (
                    "cat".into(),
                    OutputCheck::Differs(sha256_hex(b"other data"))
                ),
                ("echo".into(), OutputCheck::Same),
                (
                    "new".into(),
                    OutputCheck::Failed("exited with status 1".into())
                ),
            ]
        );
        assert_eq!((r.mismatches(), r.failures()), (1, 1));
        assert_eq!(r.executables.len(), 1);
        assert_eq!(r.executables[0].bench, "echo");
        assert_eq!(
            r.executables[0].now.as_ref().unwrap().sha256.as_deref(),
            Some("b2")
        );
    }

    #[test]
    fn an_identical_replay_has_nothing_to_report() {
        let m = manifest();
        let outputs = m
            .artifact_hashes
            .iter()
            .map(|(k, v)| (k.clone(), Ok(v.clone())))
            .collect();
        let r = compare(&m, &outputs, &m.executables);
        assert_eq!((r.mismatches(), r.failures()), (0, 0));
        assert!(r.executables.is_empty());
        let r = compare(&m, &BTreeMap::new(), &m.executables);
        assert_eq!(r.mismatches(), 2, "benchmarks no longer run are mismatches");
    }
}
