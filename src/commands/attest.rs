//! `perfgate attest` (write or `--verify` an attestation, optionally a replay manifest) and
//! `perfgate replay`: the file reading, process running and printing around [`crate::attest`].
//!
//! Exit codes: `attest` 0 when written, 3 when a deterministic benchmark failed to run for the
//! replay manifest (nothing is written then); `attest --verify` 0 when every artifact and the
//! manifest hash match, 1 on any mismatch, 2 when the attestation cannot be read; `replay` 0
//! when every deterministic output hashes the same, 1 when one differs (or is not in the
//! manifest, or no longer runs), 3 when one failed to run, 2 on a bad manifest or a config whose
//! SHA-256 differs from the manifest's. Executables whose hash changed are reported, not failed.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use super::common::optional_config;
use super::{print_stderr, print_stdout, DEFAULT_SEED};
use crate::attest::bundle::{self, Bundle};
use crate::attest::replay::{self, OutputCheck, ReplayInputs, ReplayManifest};
use crate::attest::{self, exec, ArtifactCheck, Verification, ATTESTATION_JSON, ATTESTATION_MD};
use crate::cli::plans::load_config;
use crate::cli::{AttestArgs, ReplayArgs};
use crate::config::Config;
use crate::context;
use crate::digest::sha256_hex;
use crate::error::{Error, ExitStatus, Result};
use crate::model::file::write_atomic;
use crate::runner::ProcessExecutor;

pub fn attest(args: AttestArgs) -> Result<ExitStatus> {
    if let Some(path) = &args.verify {
        return verify(path);
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
    create_dir(&args.output)?;
    let bundle = Bundle::new(&args.output).map_err(|source| Error::Io {
        context: format!("cannot resolve {}", args.output.display()),
        source,
    })?;
    let mut artifacts = given_artifacts(&args.artifacts, &bundle, &written)?;
    // Refused before the benchmarks run, not after.
    let manifest_name = match (&args.replay_manifest, args.artifacts.is_empty()) {
        (Some(out), false) => {
            create_dir(&parent_dir(out))?;
            Some(
                bundle
                    .name_of(out)
                    .map_err(|r| Error::input(out, r.to_string()))?,
            )
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

/// The entries of the ARTIFACT files, once each, without the attestation's own files
/// (`written`), which are noted and skipped.
fn given_artifacts(
    paths: &[PathBuf],
    bundle: &Bundle,
    written: &[PathBuf; 2],
) -> Result<Vec<attest::Artifact>> {
    let mut artifacts: Vec<attest::Artifact> = Vec::new();
    for path in paths {
        if written.iter().any(|w| same_file(path, w)) {
            print_stderr(&format!(
                "perfgate: note: not attesting {}: it is the attestation being written\n",
                path.display()
            ));
            continue;
        }
        let name = bundle
            .name_of(path)
            .map_err(|r| Error::input(path, r.to_string()))?;
        if artifacts.iter().any(|a| a.path == name) {
            continue;
        }
        artifacts.push(describe(bundle, path, &name)?);
    }
    Ok(artifacts)
}

/// Builds the attestation of `artifacts` here and now, and writes it as JSON and Markdown
/// (`written`).
fn write_attestation(
    config: Option<&Config>,
    artifacts: Vec<attest::Artifact>,
    written: &[PathBuf; 2],
) -> Result<()> {
    let [json_path, md_path] = written;
    let ctx = attest::Context {
        timestamp_utc: context::timestamp_utc(),
        git: crate::git::info(Path::new(".")),
        machine: context::machine(),
        suite: config.map(|c| c.suite.clone()),
        config_sha256: config.map(|c| c.sha256.clone()),
    };
    let att = attest::build(ctx, artifacts);
    let mut json = serde_json::to_vec_pretty(&att).expect("an attestation serializes");
    json.push(b'\n');
    write_atomic(json_path, &json)?;
    write_atomic(md_path, crate::render::attest::markdown(&att).as_bytes())?;
    print_stdout(&format!(
        "wrote {} and {}: {} artifact{}, overall {}\nmanifest_sha256 {}\n",
        json_path.display(),
        md_path.display(),
        att.artifacts.len(),
        plural(att.artifacts.len()),
        att.overall_status.as_str(),
        att.manifest_sha256
    ))
}

/// Runs the deterministic benchmarks and writes the manifest; `None` (after saying why) when
/// one failed to run. Returns the bytes written, to attest them.
fn write_replay_manifest(config: &Config, out: &Path) -> Result<Option<Vec<u8>>> {
    let seed = DEFAULT_SEED;
    let outputs = run_deterministic(config, seed)?;
    let mut artifact_hashes = BTreeMap::new();
    let mut failed = false;
    for (name, output) in outputs {
        match output {
            Ok(hash) => {
                artifact_hashes.insert(name, hash);
            }
            Err(reason) => {
                failed = true;
                print_stderr(&format!(
                    "perfgate: error: deterministic benchmark `{name}` failed: {reason}\n"
                ));
            }
        }
    }
    if failed {
        print_stderr("perfgate: error: no replay manifest written\n");
        return Ok(None);
    }
    if artifact_hashes.is_empty() {
        print_stderr(&format!(
            "perfgate: warning: no benchmark of suite `{}` is declared `deterministic = true`; the replay manifest records no outputs\n",
            config.suite
        ));
    }
    let out_dir = parent_dir(out);
    create_dir(&out_dir)?;
    let manifest = replay::build(ReplayInputs {
        timestamp_utc: context::timestamp_utc(),
        suite: config.suite.clone(),
        config_path: config
            .path
            .as_deref()
            .map(|p| relative_to(p, &out_dir).unwrap_or_else(|| p.to_string_lossy().into_owned())),
        config_sha256: config.sha256.clone(),
        seed,
        executables: exec::executables(&config.benches),
        artifact_hashes,
    });
    let mut bytes = serde_json::to_vec_pretty(&manifest).expect("a manifest serializes");
    bytes.push(b'\n');
    write_atomic(out, &bytes)?;
    for e in manifest.executables.iter().filter(|e| e.sha256.is_none()) {
        print_stderr(&format!(
            "perfgate: warning: benchmark `{}`: no executable hash: {}\n",
            e.bench,
            e.error.as_deref().unwrap_or("unknown")
        ));
    }
    print_stdout(&format!(
        "wrote {}: {} deterministic output{}, {} executable{}, seed {seed}\n",
        out.display(),
        manifest.artifact_hashes.len(),
        plural(manifest.artifact_hashes.len()),
        manifest.executables.len(),
        plural(manifest.executables.len()),
    ))?;
    Ok(Some(bytes))
}

/// SHA-256 of the stdout of one run of each deterministic benchmark, or why it failed.
fn run_deterministic(
    config: &Config,
    seed: u64,
) -> Result<BTreeMap<String, Result<String, String>>> {
    let mut executor = ProcessExecutor::new(false).map_err(|e| Error::Io {
        context: "cannot create a temporary file for benchmark stderr".into(),
        source: e,
    })?;
    let hashes = config
        .benches
        .iter()
        .filter(|b| b.deterministic)
        .map(|b| {
            let hash = exec::capture(b, seed, &mut executor).map(|out| sha256_hex(&out));
            (b.name.clone(), hash)
        })
        .collect();
    drop(executor);
    // Interrupted: the hashes are incomplete, and no manifest is written from them.
    crate::runner::interrupt::ensure_not_interrupted().map_err(Error::Interrupted)?;
    Ok(hashes)
}

/// The entry of the artifact given as `path`, named `name` in the bundle.
fn describe(bundle: &Bundle, path: &Path, name: &str) -> Result<attest::Artifact> {
    let cannot = |m: String| Error::input(path, m);
    let file = bundle
        .locate(name)
        .map_err(|r| cannot(r.to_string()))?
        .ok_or_else(|| cannot("cannot read: No such file or directory".into()))?;
    bundle::describe(&file, name).map_err(|e| cannot(format!("cannot read: {e}")))
}

fn verify(path: &Path) -> Result<ExitStatus> {
    let text =
        crate::read::text(path).map_err(|e| Error::input(path, format!("cannot read: {e}")))?;
    let bundle = Bundle::new(&parent_dir(path))
        .map_err(|e| Error::input(path, format!("cannot resolve its directory: {e}")))?;
    let v = attest::verify(&text, |a| {
        let Some(file) = bundle.locate(&a.path).map_err(|r| r.to_string())? else {
            return Ok(None);
        };
        match bundle::hash_file(&file) {
            Ok((sha256, _)) => Ok(Some(sha256)),
            Err(e) => Err(e.to_string()),
        }
    })
    .map_err(|m| Error::input(path, m))?;
    print_stdout(&verification_text(path, &v))?;
    Ok(if v.passed() {
        ExitStatus::Pass
    } else {
        ExitStatus::GateFailed
    })
}

fn verification_text(path: &Path, v: &Verification) -> String {
    let mut out = format!(
        "verifying {} ({} artifact{})\n",
        path.display(),
        v.artifacts.len(),
        plural(v.artifacts.len())
    );
    let (mut changed, mut missing, mut refused) = (0, 0, 0);
    for (a, check) in &v.artifacts {
        out.push_str(&match check {
            ArtifactCheck::Same => format!("  ok        {}\n", a.path),
            ArtifactCheck::Changed(now) => {
                changed += 1;
                format!(
                    "  CHANGED   {}: sha256 {now}, recorded {}\n",
                    a.path, a.sha256
                )
            }
            ArtifactCheck::Missing => {
                missing += 1;
                format!("  MISSING   {}\n", a.path)
            }
            ArtifactCheck::Refused(why) => {
                refused += 1;
                format!("  REFUSED   {}: {why}\n", a.path)
            }
        });
    }
    if v.manifest_matches() {
        out.push_str(&format!(
            "  ok        manifest_sha256 {}\n",
            v.computed_manifest_sha256
        ));
    } else {
        out.push_str(&format!(
            "  MISMATCH  manifest_sha256: recorded {}, computed {} (the attestation was edited)\n",
            v.attestation.manifest_sha256, v.computed_manifest_sha256
        ));
    }
    if v.passed() {
        out.push_str("verified: every artifact and the manifest hash match\n");
    } else {
        let manifest = if v.manifest_matches() {
            ""
        } else {
            ", manifest hash mismatch"
        };
        let refused = if refused > 0 {
            format!(", {refused} refused")
        } else {
            String::new()
        };
        out.push_str(&format!(
            "verification FAILED: {changed} changed, {missing} missing{refused}{manifest}\n"
        ));
    }
    out
}

pub fn replay(args: ReplayArgs) -> Result<ExitStatus> {
    let text = crate::read::text(&args.manifest)
        .map_err(|e| Error::input(&args.manifest, format!("cannot read: {e}")))?;
    let manifest = replay::parse(&text).map_err(|m| Error::input(&args.manifest, m))?;
    let config = replay_config(&args, &manifest)?;
    if config.sha256 != manifest.config_sha256 {
        return Err(Error::Usage(format!(
            "refusing to replay: config {} has SHA-256 {}, but {} was made with config SHA-256 {}; replay with the config it was made from",
            config.path.as_deref().unwrap_or(Path::new("?")).display(),
            config.sha256,
            args.manifest.display(),
            manifest.config_sha256
        )));
    }
    let outputs = run_deterministic(&config, manifest.seed)?;
    let report = replay::compare(&manifest, &outputs, &exec::executables(&config.benches));
    let mut out = format!(
        "replaying suite `{}` (seed {}, config sha256 {})\n",
        manifest.suite, manifest.seed, manifest.config_sha256
    );
    for (name, check) in &report.outputs {
        let recorded = manifest
            .artifact_hashes
            .get(name)
            .map_or("-", String::as_str);
        out.push_str(&match check {
            OutputCheck::Same => format!("  same        {name}: {recorded}\n"),
            OutputCheck::Differs(now) => {
                format!("  DIFFERS     {name}: stdout sha256 {now}, recorded {recorded}\n")
            }
            OutputCheck::Failed(why) => format!("  FAILED      {name}: {why}\n"),
            OutputCheck::NotRecorded => format!("  UNRECORDED  {name}: not in the manifest\n"),
            OutputCheck::NotRun => {
                format!("  NOT RUN     {name}: no longer a deterministic benchmark\n")
            }
        });
    }
    for c in &report.executables {
        let show = |e: Option<&replay::Executable>| match e {
            Some(e) => format!(
                "{} {}",
                e.path.as_deref().unwrap_or("(not found)"),
                e.sha256.as_deref().unwrap_or("-")
            ),
            None => "(benchmark gone)".to_string(),
        };
        out.push_str(&format!(
            "  executable changed: `{}`: now {}, recorded {}\n",
            c.bench,
            show(c.now.as_ref()),
            show(Some(&c.recorded))
        ));
    }
    let (bad, failed) = (report.mismatches(), report.failures());
    out.push_str(&if bad + failed == 0 {
        format!(
            "replay matches: {} deterministic output{} hash the same\n",
            report.outputs.len(),
            plural(report.outputs.len())
        )
    } else {
        format!("replay FAILED: {bad} differ, {failed} failed to run\n")
    });
    print_stdout(&out)?;
    Ok(if bad > 0 {
        ExitStatus::GateFailed
    } else if failed > 0 {
        ExitStatus::BenchmarkFailed
    } else {
        ExitStatus::Pass
    })
}

/// `--config`, else the config the manifest names (relative to its directory), else the one
/// found from the current directory.
fn replay_config(args: &ReplayArgs, manifest: &ReplayManifest) -> Result<Config> {
    if args.config.is_none() {
        if let Some(named) = &manifest.config_path {
            let p = parent_dir(&args.manifest).join(named);
            if p.is_file() {
                return crate::config::load(&p);
            }
        }
    }
    load_config(args.config.as_deref())
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `target` relative to the directory `base`, both resolved on disk.
fn relative_to(target: &Path, base: &Path) -> Option<String> {
    let (target, base) = (target.canonicalize().ok()?, base.canonicalize().ok()?);
    let t: Vec<Component> = target.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    rel.extend(&t[common..]);
    Some(rel.to_string_lossy().into_owned())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
