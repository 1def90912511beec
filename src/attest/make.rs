//! The documents of `perfgate attest` and `perfgate replay`, made here and now: an attestation
//! of gathered artifacts, a replay manifest from one run of the deterministic benchmarks, and
//! the replay of a manifest. The caller gives the executor, made only once a run is sure to
//! happen, and writes and shows the results.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::bundle::{create_dir, parent_dir, relative_to};
use super::exec::{executables, run_deterministic};
use super::replay::{self, ReplayInputs, ReplayManifest, ReplayReport};
use super::{build, Artifact, Attestation, Context};
use crate::config::Config;
use crate::context;
use crate::error::{Error, Result};
use crate::runner::Executor;

/// The attestation of `artifacts`, made now on this machine at this commit, for `config`'s
/// suite when there is one.
pub fn attestation(config: Option<&Config>, artifacts: Vec<Artifact>) -> Attestation {
    let ctx = Context {
        timestamp_utc: context::timestamp_utc(),
        git: crate::git::info(Path::new(".")),
        machine: context::machine(),
        suite: config.map(|c| c.suite.clone()),
        config_sha256: config.map(|c| c.sha256.clone()),
    };
    build(ctx, artifacts)
}

/// A replay manifest, or why none was made.
#[derive(Debug)]
pub enum ManifestRun {
    Made(Box<ReplayManifest>),
    /// Deterministic benchmarks that failed to run, with the reason, by name.
    Failed(BTreeMap<String, String>),
}

/// Runs the deterministic benchmarks of `config` once with `seed` and makes the manifest to
/// be written at `out`. Its directory is created (only when the runs succeeded): the manifest
/// names the config relative to it, so that a moved release directory still finds it.
pub fn replay_manifest(
    config: &Config,
    out: &Path,
    seed: u64,
    executor: impl FnOnce() -> Result<Box<dyn Executor>>,
) -> Result<ManifestRun> {
    let outputs = run_deterministic(&config.benches, seed, executor()?)?;
    let artifact_hashes = match replay::recorded(outputs) {
        Ok(hashes) => hashes,
        Err(failed) => return Ok(ManifestRun::Failed(failed)),
    };
    let out_dir = parent_dir(out);
    create_dir(&out_dir)?;
    let config_path = config
        .path
        .as_deref()
        .map(|p| relative_to(p, &out_dir).unwrap_or_else(|| p.to_string_lossy().into_owned()));
    Ok(ManifestRun::Made(Box::new(replay::build(ReplayInputs {
        timestamp_utc: context::timestamp_utc(),
        suite: config.suite.clone(),
        config_path,
        config_sha256: config.sha256.clone(),
        seed,
        executables: executables(&config.benches),
        artifact_hashes,
    }))))
}

/// The manifest at `path`, its hashes checked.
pub fn read_manifest(path: &Path) -> Result<ReplayManifest> {
    let text =
        crate::read::text(path).map_err(|e| Error::input(path, format!("cannot read: {e}")))?;
    replay::parse(&text).map_err(|m| Error::input(path, m))
}

/// Replays `manifest` (read from `path`) with `config`: each deterministic benchmark run once
/// with the manifest's seed, compared with what it recorded. A config other than the one the
/// manifest was made from is refused before anything runs.
pub fn replay(
    manifest: &ReplayManifest,
    path: &Path,
    config: &Config,
    executor: impl FnOnce() -> Result<Box<dyn Executor>>,
) -> Result<ReplayReport> {
    replay::check_config(manifest, path, config)?;
    let outputs = run_deterministic(&config.benches, manifest.seed, executor()?)?;
    Ok(replay::compare(
        manifest,
        &outputs,
        &executables(&config.benches),
    ))
}

/// `value` as the bytes of a JSON file: pretty, with a final line break.
pub fn json_bytes(value: &impl Serialize) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("a document serializes");
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::executor::mock_measurement;
    use crate::runner::MockExecutor;

    fn mock() -> Result<Box<dyn Executor>> {
        Ok(Box::new(MockExecutor::new(mock_measurement)))
    }

    fn project(dir: &Path, second: &str) -> Config {
        let toml = format!(
            "suite = \"demo\"\n[[bench]]\nname = \"a\"\ncommand = [\"true\"]\ndeterministic = true\n\
             [[bench]]\nname = \"b\"\ncommand = [\"{second}\"]\ndeterministic = true\n"
        );
        let path = dir.join("perfgate.toml");
        std::fs::write(&path, toml).unwrap();
        crate::config::load(&path).unwrap()
    }

    #[test]
    fn a_manifest_names_its_config_from_its_own_directory_and_replays() {
        let dir = tempfile::tempdir().unwrap();
        let config = project(dir.path(), "true");
        let out = dir.path().join("release/replay.json");
        let ManifestRun::Made(m) = replay_manifest(&config, &out, 7, mock).unwrap() else {
            panic!("every benchmark ran");
        };
        assert!(out.parent().unwrap().is_dir());
        assert_eq!(m.config_path.as_deref(), Some("../perfgate.toml"));
        assert_eq!((m.seed, m.artifact_hashes.len()), (7, 2));
        let report = replay(&m, &out, &config, mock).unwrap();
        assert_eq!((report.mismatches(), report.failures()), (0, 0));
        let other = project(dir.path(), "false");
        let err = replay(&m, &out, &other, || panic!("nothing runs")).unwrap_err();
        assert!(err.to_string().starts_with("refusing to replay"), "{err}");
    }

    #[test]
    fn no_manifest_is_made_when_a_benchmark_fails_to_run() {
        let dir = tempfile::tempdir().unwrap();
        let config = project(dir.path(), "false");
        let out = dir.path().join("release/replay.json");
        let ManifestRun::Failed(failed) = replay_manifest(&config, &out, 7, mock).unwrap() else {
            panic!("b failed");
        };
        assert_eq!(failed.keys().collect::<Vec<_>>(), ["b"]);
        assert!(!out.parent().unwrap().exists(), "nothing is created");
    }

    #[test]
    fn a_manifest_read_back_is_the_one_written() {
        let dir = tempfile::tempdir().unwrap();
        let config = project(dir.path(), "true");
        let out = dir.path().join("replay.json");
        let ManifestRun::Made(m) = replay_manifest(&config, &out, 1, mock).unwrap() else {
            panic!("every benchmark ran");
        };
        std::fs::write(&out, json_bytes(&m)).unwrap();
        assert_eq!(read_manifest(&out).unwrap(), *m);
        let err = read_manifest(&dir.path().join("gone.json")).unwrap_err();
        assert!(err.to_string().contains("gone.json: cannot read"), "{err}");
    }
}
