//! Options of the team-scale server side: `perfgate serve` and `perfgate token`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The store to serve: a SQLite file, or a `postgres://` URL.
    #[arg(long, env = "PERFGATE_STORE", value_name = "PATH")]
    pub store: PathBuf,
    /// Address and port to listen on; port 0 picks a free one, and the first line printed
    /// says which [default: 127.0.0.1:8080].
    #[arg(
        long,
        default_value = "127.0.0.1:8080",
        hide_default_value = true,
        value_name = "ADDR"
    )]
    pub listen: String,
    /// Worker threads, each with its own store connection.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub workers: usize,
    /// Refuse (413) a request body larger than this many bytes.
    #[arg(long, default_value_t = 64 * 1024 * 1024, value_name = "N")]
    pub max_body_bytes: u64,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a project and print it (once: only its hash is stored).
    Create(TokenCreateArgs),
    /// Make a project's reads (API and dashboard) public, or private again.
    Public(TokenPublicArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenScopeArg {
    /// Read runs, history, baselines, comparisons and the dashboard.
    Read,
    /// Everything `read` may, and push reports and baselines.
    Write,
}

#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    /// The server's store: a SQLite file, or a `postgres://` URL.
    #[arg(long, env = "PERFGATE_STORE", value_name = "PATH")]
    pub store: PathBuf,
    /// The project (a report's suite) the token is for.
    #[arg(long, value_name = "NAME")]
    pub project: String,
    /// What the token may do.
    #[arg(long, value_enum)]
    pub scope: TokenScopeArg,
    /// A note stored with the token (who or what uses it).
    #[arg(
        long,
        default_value = "",
        value_name = "TEXT",
        hide_default_value = true
    )]
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    /// Anyone may read the project.
    On,
    /// Reads need a token.
    Off,
}

#[derive(Debug, Args)]
pub struct TokenPublicArgs {
    /// The server's store: a SQLite file, or a `postgres://` URL.
    #[arg(long, env = "PERFGATE_STORE", value_name = "PATH")]
    pub store: PathBuf,
    /// The project (a report's suite).
    #[arg(long, value_name = "NAME")]
    pub project: String,
    /// `on`: reads need no token; `off`: they need one.
    #[arg(value_enum, value_name = "on|off")]
    pub state: OnOff,
}
