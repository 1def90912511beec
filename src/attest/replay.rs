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
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::canonical::{canonical_json, seal, seal_of};
use crate::config::Config;
use crate::digest::sha256_hex;
use crate::error::{Error, ExitStatus};
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

/// What a manifest records of a run of the deterministic benchmarks (`outputs`, each
/// benchmark's stdout SHA-256 or why it failed): every hash when all of them ran, else the
/// failures, by name. A manifest is never made of part of a suite.
pub fn recorded(
    outputs: BTreeMap<String, Result<String, String>>,
) -> Result<BTreeMap<String, String>, BTreeMap<String, String>> {
    let (ran, failed): (BTreeMap<_, _>, BTreeMap<_, _>) =
        outputs.into_iter().partition(|(_, o)| o.is_ok());
    if failed.is_empty() {
        Ok(ran
            .into_iter()
            .filter_map(|(n, o)| Some((n, o.ok()?)))
            .collect())
    } else {
        Err(failed
            .into_iter()
            .filter_map(|(n, o)| Some((n, o.err()?)))
            .collect())
    }
}

/// Refuses to replay `manifest` (read from `path`) with a config other than the one it was
/// made from: its outputs would be another suite's.
pub fn check_config(manifest: &ReplayManifest, path: &Path, config: &Config) -> Result<(), Error> {
    if config.sha256 == manifest.config_sha256 {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "refusing to replay: config {} has SHA-256 {}, but {} was made with config SHA-256 {}; replay with the config it was made from",
        config.path.as_deref().unwrap_or(Path::new("?")).display(),
        config.sha256,
        path.display(),
        manifest.config_sha256
    )))
}

/// The config file `manifest` (read from `path`) names, relative to the manifest's
/// directory, when it is there.
pub fn named_config(manifest: &ReplayManifest, path: &Path) -> Option<std::path::PathBuf> {
    let named = manifest.config_path.as_ref()?;
    let p = super::bundle::parent_dir(path).join(named);
    p.is_file().then_some(p)
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

    /// 1 when an output did not reproduce, else 3 when one failed to run, else 0. A changed
    /// executable is reported, never failed: a rebuilt binary may well reproduce.
    pub fn exit_status(&self) -> ExitStatus {
        if self.mismatches() > 0 {
            ExitStatus::GateFailed
        } else if self.failures() > 0 {
            ExitStatus::BenchmarkFailed
        } else {
            ExitStatus::Pass
        }
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

    #[test]
    fn a_manifest_records_every_output_or_none() {
        let ok = |h: &str| Ok::<_, String>(h.to_string());
        let all: BTreeMap<_, _> = [("a".to_string(), ok("h1")), ("b".to_string(), ok("h2"))].into();
        assert_eq!(
            recorded(all.clone()),
            Ok([("a".into(), "h1".into()), ("b".into(), "h2".into())].into())
        );
        let mut some = all;
        some.insert("c".into(), Err("exited with status 1".into()));
        assert_eq!(
            recorded(some),
            Err([("c".into(), "exited with status 1".into())].into())
        );
        assert_eq!(recorded(BTreeMap::new()), Ok(BTreeMap::new()));
    }

    #[test]
    fn the_exit_status_puts_a_mismatch_before_a_failure() {
        let m = manifest();
        let report = |cat: Result<String, String>| {
            let outputs = [
                ("cat".to_string(), cat),
                ("echo".to_string(), Ok("e1".into())),
            ];
            compare(&m, &outputs.into(), &[]).exit_status()
        };
        assert_eq!(report(Ok(sha256_hex(b"data"))), ExitStatus::Pass);
        assert_eq!(report(Err("killed".into())), ExitStatus::BenchmarkFailed);
        assert_eq!(report(Ok("other".into())), ExitStatus::GateFailed);
        let both = [("cat".to_string(), Err("killed".to_string()))].into();
        assert_eq!(
            compare(&m, &both, &[]).exit_status(),
            ExitStatus::GateFailed
        );
    }

    #[test]
    fn another_config_is_refused_and_the_named_one_found_beside_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let toml = dir.path().join("perfgate.toml");
        std::fs::write(
            &toml,
            "suite = \"demo\"\n[[bench]]\nname = \"b\"\ncommand = [\"true\"]\n",
        )
        .unwrap();
        let mut m = manifest();
        let path = dir.path().join("replay.json");
        assert_eq!(named_config(&m, &path), Some(toml.clone()));
        let config = crate::config::load(&toml).unwrap();
        let err = check_config(&m, &path, &config).unwrap_err().to_string();
        assert!(err.starts_with("refusing to replay: config "), "{err}");
        assert!(err.contains("made with config SHA-256 c0ffee"), "{err}");
        m.config_sha256 = config.sha256.clone();
        assert!(check_config(&m, &path, &config).is_ok());
        m.config_path = Some("elsewhere.toml".into());
        assert_eq!(named_config(&m, &path), None);
    }
}
