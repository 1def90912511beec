//! Options of the commands that set up CI and vouch for a release: `ci init`, `attest`,
//! `replay`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

#[derive(Debug, Subcommand)]
pub enum CiCommand {
    /// Write the workflow of a CI system: a pull-request gate and a weekly trend job.
    Init(CiInitArgs),
}

#[derive(Debug, Args)]
pub struct CiInitArgs {
    /// The CI system.
    #[arg(value_enum)]
    pub system: CiSystem,
    /// Config file the workflow runs [default: perfgate.toml in the current directory or the
    /// nearest parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What a pull request is compared with.
    #[arg(long, value_enum, default_value_t = CiGate::Interleaved)]
    pub gate: CiGate,
    /// Shell command that builds the program, run in the root of each checkout [default:
    /// `cargo build --release` for a Cargo package with a binary].
    #[arg(long, value_name = "CMD")]
    pub build: Option<String>,
    /// The program the build makes, relative to the repository root: what `{bin}` (and
    /// `$PERFGATE_BIN`) stands for in the suite's commands [default: the Cargo package's
    /// `target/release/NAME`].
    #[arg(long, value_name = "PATH")]
    pub bin: Option<String>,
    /// The team server (`perfgate serve`) the checks take their history from and push their
    /// runs to, with the write token in the repository secret PERFGATE_TOKEN.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// Overwrite an existing workflow file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiGate {
    /// Build the merge base and the head, run both interleaved on the same runner.
    Interleaved,
    /// Compare with the committed baseline in the config's `baseline_dir`.
    Committed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiSystem {
    Github,
}

/// Options of `perfgate attest`; the attest module owns their meaning.
#[derive(Debug, Args, Clone)]
pub struct AttestArgs {
    /// Artifacts to attest (reports, comparisons, HTML, trend files).
    #[arg(value_name = "ARTIFACT")]
    pub artifacts: Vec<PathBuf>,
    /// Directory for attestation.json and attestation.md.
    #[arg(
        short,
        long,
        default_value = ".",
        value_name = "DIR",
        alias = "out-dir"
    )]
    pub output: PathBuf,
    /// Re-hash the artifacts listed in this attestation.json; exit 1 on any mismatch.
    #[arg(long, value_name = "FILE", conflicts_with = "artifacts")]
    pub verify: Option<PathBuf>,
    /// Also write a replay manifest (seed, config hash, executables' SHA-256, deterministic
    /// outputs' hashes) for the config's suite to FILE.
    #[arg(long, value_name = "FILE")]
    pub replay_manifest: Option<PathBuf>,
    /// Config file [default: perfgate.toml in the current directory or the nearest parent].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct ReplayArgs {
    /// The replay manifest written by `perfgate attest --replay-manifest`.
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,
    /// Config file [default: the one the manifest names, else perfgate.toml].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}
