//! `perfgate attest` (write or `--verify` an attestation, optionally a replay manifest) and
//! `perfgate replay`: glue around [`crate::attest`] (which gathers, runs, makes and checks)
//! and [`crate::render::attest`] (which says so).
//!
//! Exit codes: `attest` 0 when written, 3 when a deterministic benchmark failed to run for the
//! replay manifest (nothing is written then); `attest --verify` 0 when every artifact and the
//! manifest hash match, 1 on any mismatch, 2 when the attestation cannot be read; `replay` 0
//! when every deterministic output hashes the same, 1 when one differs (or is not in the
//! manifest, or no longer runs), 3 when one failed to run, 2 on a bad manifest or a config whose
//! SHA-256 differs from the manifest's. Executables whose hash changed are reported, not failed.

use std::path::{Path, PathBuf};

use super::common::optional_config;
use super::{print_stderr, print_stdout, DEFAULT_SEED};
use crate::attest::bundle::{create_dir, parent_dir, Bundle};
use crate::attest::exec::process_executor;
use crate::attest::make::{self, json_bytes, ManifestRun};
use crate::attest::replay::{self, ReplayManifest};
use crate::attest::{self, Artifact, ATTESTATION_JSON, ATTESTATION_MD};
use crate::cli::plans::load_config;
use crate::cli::{AttestArgs, ReplayArgs};
use crate::config::Config;
use crate::error::{Error, ExitStatus, Result};
use crate::model::file::{write_atomic, write_json};
use crate::render::attest as render;

pub fn attest(args: AttestArgs) -> Result<ExitStatus> {
    if let Some(path) = &args.verify {
        let v = attest::verify_file(path)?;
        print_stdout(&render::verification(path, &v))?;
        return Ok(v.exit_status());
    }
    if args.artifacts.is_empty() && args.replay_manifest.is_none() {
        return Err(Error::Usage(
            "nothing to attest: give ARTIFACT files, --verify attestation.json, or --replay-manifest FILE".into(),
        ));
    }
    let written = [
        args.output.join(ATTESTATION_JSON),
        args.output.join(ATTESTATION_MD),
    ];
    let bundle = Bundle::create(&args.output)?;
    let mut artifacts = bundle.gather(&args.artifacts, &written, |p| {
        print_stderr(&render::not_attesting(p));
    })?;
    // Refused before the benchmarks run, not after.
    let manifest_name = match (&args.replay_manifest, args.artifacts.is_empty()) {
        (Some(out), false) => {
            create_dir(&parent_dir(out))?;
            Some(bundle.name(out)?)
        }
        _ => None,
    };
    let config = match &args.replay_manifest {
        Some(_) => Some(load_config(args.config.as_deref())?),
        None => optional_config(args.config.as_deref())?,
    };
    if let (Some(out), Some(config)) = (&args.replay_manifest, &config) {
        let Some(bytes) = write_replay_manifest(config, out)? else {
            return Ok(ExitStatus::BenchmarkFailed);
        };
        let Some(name) = manifest_name else {
            return Ok(ExitStatus::Pass);
        };
        artifacts.push(attest::artifact(&name, &bytes));
    }
    write_attestation(config.as_ref(), artifacts, &written)?;
    Ok(ExitStatus::Pass)
}

/// Makes the attestation of `artifacts` and writes it as JSON and Markdown (`written`).
fn write_attestation(
    config: Option<&Config>,
    artifacts: Vec<Artifact>,
    written: &[PathBuf; 2],
) -> Result<()> {
    let [json_path, md_path] = written;
    let att = make::attestation(config, artifacts);
    write_json(json_path, &att)?;
    write_atomic(md_path, render::markdown(&att).as_bytes())?;
    print_stdout(&render::written(json_path, md_path, &att))
}

/// Runs the deterministic benchmarks and writes the manifest; `None` (after saying why) when
/// one failed to run. Returns the bytes written, to attest them.
fn write_replay_manifest(config: &Config, out: &Path) -> Result<Option<Vec<u8>>> {
    let manifest = match make::replay_manifest(config, out, DEFAULT_SEED, process_executor)? {
        ManifestRun::Made(m) => *m,
        ManifestRun::Failed(failed) => {
            print_stderr(&render::manifest_failed(&failed));
            return Ok(None);
        }
    };
    print_stderr(&render::manifest_records_nothing(&manifest));
    let bytes = json_bytes(&manifest);
    write_atomic(out, &bytes)?;
    print_stderr(&render::manifest_unhashed(&manifest));
    print_stdout(&render::manifest_written(out, &manifest))?;
    Ok(Some(bytes))
}

pub fn replay(args: ReplayArgs) -> Result<ExitStatus> {
    let manifest = make::read_manifest(&args.manifest)?;
    let config = replay_config(&args, &manifest)?;
    let report = make::replay(&manifest, &args.manifest, &config, process_executor)?;
    print_stdout(&render::replay(&manifest, &report))?;
    Ok(report.exit_status())
}

/// `--config`, else the config the manifest names (relative to its directory), else the one
/// found from the current directory.
fn replay_config(args: &ReplayArgs, manifest: &ReplayManifest) -> Result<Config> {
    match (&args.config, replay::named_config(manifest, &args.manifest)) {
        (None, Some(named)) => crate::config::load(&named),
        _ => load_config(args.config.as_deref()),
    }
}
