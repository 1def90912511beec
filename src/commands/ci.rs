//! `perfgate ci init github`: checks that the workflow can work for this project, then writes
//! `.github/workflows/perfgate.yml` at the repository root.

use std::path::{Path, PathBuf};

use super::{print_stderr, print_stdout};
use crate::ci::workflow::{Gate, Server, Workflow, TOKEN_SECRET};
use crate::cli::{CiCommand, CiGate, CiInitArgs, CiSystem};
use crate::config::{self, BenchSpec, Config};
use crate::error::{Error, ExitStatus, Result};
use crate::model::file::write_atomic;

const WORKFLOW_PATH: &str = ".github/workflows/perfgate.yml";
const CARGO_BUILD: &str = "cargo build --release";

pub fn ci(cmd: CiCommand) -> Result<ExitStatus> {
    let CiCommand::Init(args) = cmd;
    let CiSystem::Github = args.system;
    let config_path = match &args.config {
        Some(p) => p.clone(),
        None => std::env::current_dir()
            .ok()
            .and_then(|d| config::discover(&d))
            .ok_or_else(|| {
                Error::Usage(
                    "no perfgate.toml here or in a parent directory: the workflow would have nothing to run (pass --config FILE)".into(),
                )
            })?,
    };
    let config = config::load(&config_path)?;
    let server = server(&args, &config)?;
    let config_dir = std::fs::canonicalize(config.root())
        .map_err(|e| Error::input(&config_path, format!("cannot resolve its directory: {e}")))?;
    let root = crate::git::toplevel(&config_dir).unwrap_or_else(|| config_dir.clone());
    let in_repo = |p: &Path, what: &str| -> Result<String> {
        let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        abs.strip_prefix(&root)
            .map(|r| r.display().to_string())
            .map_err(|_| {
                Error::Usage(format!(
                    "{what} {} is outside the repository {}: the workflow only sees the repository",
                    p.display(),
                    root.display()
                ))
            })
    };
    let config_rel = in_repo(&config_dir.join(file_name(&config_path)), "the config")?;
    let gate = match args.gate {
        CiGate::Interleaved => interleaved(&args, &config, &root)?,
        CiGate::Committed => committed(&args, &config, &config_path, &in_repo)?,
    };
    let path = root.join(WORKFLOW_PATH);
    if path.exists() && !args.force {
        return Err(Error::Usage(format!(
            "{} exists; pass --force to overwrite it",
            path.display()
        )));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let workflow = Workflow {
        perfgate_version: env!("CARGO_PKG_VERSION").to_string(),
        config: config_rel,
        gate,
        server,
    };
    write_atomic(&path, workflow.render().as_bytes())?;
    let what = match &workflow.gate {
        Gate::Interleaved { .. } => "a pull-request gate (the merge base and the head built with `$BENCH_BUILD` and run interleaved with `check --interleaved --fail-on-regression`), a weekly trend job (last week's commit against today's, the same way)",
        Gate::Committed { .. } => "a pull-request gate (`check --fail-on-regression` against the committed baseline), a weekly trend job, and a manual update-baselines job that re-measures and commits the baseline",
    };
    print_stdout(&format!(
        "wrote {}: {what}; report, comparison and dashboard are uploaded as artifacts{}\n",
        path.display(),
        pushed(workflow.server.as_ref())
    ))?;
    Ok(ExitStatus::Pass)
}

/// `--server URL`: checked (https is fine: the workflow installs perfgate with it); the
/// project is the suite.
fn server(args: &CiInitArgs, config: &Config) -> Result<Option<Server>> {
    let Some(url) = &args.server else {
        return Ok(None);
    };
    crate::client::BaseUrl::parse_any(url)?;
    Ok(Some(Server {
        url: url.trim_end_matches('/').to_string(),
        project: config.suite.clone(),
    }))
}

/// What the workflow needs of the server, said after writing it.
fn pushed(server: Option<&Server>) -> String {
    server.map_or_else(String::new, |s| {
        format!(
            "; the checks take their history from {} and push their runs to it: set the repository secret {TOKEN_SECRET} to a write token (`perfgate token create --store URL --project {} --scope write` on the server)",
            s.url,
            crate::shell::quote(&s.project)
        )
    })
}

/// The committed-baseline gate: the suite must not need `{bin}`, and `baseline_dir` must be
/// set (its file may not exist yet: the workflow's update-baselines job makes it).
fn committed(
    args: &CiInitArgs,
    config: &Config,
    config_path: &Path,
    in_repo: &dyn Fn(&Path, &str) -> Result<String>,
) -> Result<Gate> {
    if args.bin.is_some() {
        return Err(Error::Usage(
            "--bin is for the interleaved gate; --gate committed runs the suite's commands as they are".into(),
        ));
    }
    if let Some(b) = config.benches.iter().find(|b| b.uses_program()) {
        return Err(Error::Usage(format!(
            "benchmark `{}` uses `{{bin}}` or `$PERFGATE_BIN`, which only `check --interleaved` fills in: the committed gate runs the suite as it is; leave out --gate committed",
            b.name
        )));
    }
    let dir = config.baseline_dir.as_ref().ok_or_else(|| {
        Error::Usage(format!(
            "--gate committed needs a committed baseline, and {} has no `baseline_dir`: add `baseline_dir = \"perf/baselines\"` to it and run this again (the workflow's manual update-baselines job then measures and commits perf/baselines/{}-cpu.json), or leave out --gate committed to gate interleaved",
            config_path.display(),
            config.suite
        ))
    })?;
    let file = dir.join(format!("{}-cpu.json", config.suite));
    let baseline_file = in_repo(&file, "baseline_dir")?;
    if !file.is_file() {
        print_stderr(&format!(
            "note: {baseline_file} does not exist yet: run the workflow's update-baselines job once (Actions -> perfgate -> Run workflow, update_baselines) before the gate can pass\n"
        ));
    }
    Ok(Gate::Committed {
        build: args.build.clone(),
        baseline_file,
    })
}

fn file_name(p: &Path) -> PathBuf {
    p.file_name()
        .map_or_else(|| PathBuf::from(config::CONFIG_FILE_NAME), PathBuf::from)
}

/// The build and the program of the interleaved gate: from --build/--bin, else (for a Cargo
/// package with a binary at the repository root) `cargo build --release` and its program.
fn interleaved(args: &CiInitArgs, config: &Config, root: &Path) -> Result<Gate> {
    let cargo = cargo_program(root);
    let build = match (&args.build, &cargo) {
        (Some(b), _) => b.clone(),
        (None, Some(_)) => CARGO_BUILD.to_string(),
        (None, None) => {
            return Err(Error::Usage(
                "the interleaved gate builds the merge base and the head: pass --build CMD (how to build, run in each checkout's root) and --bin PATH (the program it makes), or --gate committed".into(),
            ))
        }
    };
    let program = match (&args.bin, cargo) {
        (Some(b), _) => b.clone(),
        (None, Some(p)) if args.build.is_none() => p,
        _ => {
            return Err(Error::Usage(
                "which program does the build make? pass --bin PATH (relative to the repository root, e.g. target/release/myapp): `{bin}` in the suite's commands stands for it".into(),
            ))
        }
    };
    if Path::new(&program).is_absolute() {
        return Err(Error::Usage(format!(
            "--bin {program}: give the path relative to the repository root; each checkout builds its own"
        )));
    }
    if !config.benches.iter().any(BenchSpec::uses_program) {
        print_stderr(&format!(
            "warning: no benchmark in {} writes `{{bin}}` or `$PERFGATE_BIN`: both sides of the interleaved gate would run the same commands; put `{{bin}}` where the program goes\n",
            config
                .path
                .as_deref()
                .unwrap_or_else(|| Path::new(config::CONFIG_FILE_NAME))
                .display()
        ));
    }
    Ok(Gate::Interleaved { build, program })
}

/// `target/release/<name>` of the Cargo package at `root`, when it has a `src/main.rs`.
fn cargo_program(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).ok()?;
    let manifest: toml::Table = toml::from_str(&text).ok()?;
    let name = manifest.get("package")?.get("name")?.as_str()?;
    root.join("src/main.rs")
        .is_file()
        .then(|| format!("target/release/{name}"))
}
