//! Options of the commands that talk to the team server: `push`, and `check --server`.

use std::path::PathBuf;

use clap::Args;

/// Where the team server is, and how patiently it is tried. The token is never an option:
/// it comes from `PERFGATE_TOKEN`, so that it shows in no command line and no log.
#[derive(Debug, Args, Clone, Default)]
pub struct ServerArgs {
    /// The team server's base URL (`perfgate serve`); its token comes from `PERFGATE_TOKEN`.
    #[arg(long, env = "PERFGATE_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// Tries after the first one when the server cannot be reached or answers 5xx, 408 or
    /// 429, waiting about 0.5 s, 1 s, 2 s, 4 s, ... in between.
    #[arg(long, default_value_t = crate::client::retry::DEFAULT_RETRIES, value_name = "N")]
    pub retries: u32,
    /// Where reports that could not be sent are kept until `perfgate push --spool` [default:
    /// .perfgate/spool beside perfgate.toml, or in the git root].
    #[arg(long, value_name = "DIR")]
    pub spool_dir: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct PushArgs {
    /// Report files to send; each goes to the project named by its suite.
    #[arg(value_name = "REPORT", required_unless_present = "spool")]
    pub reports: Vec<PathBuf>,
    /// Also send every spooled report (oldest first), removing each once the server has it.
    #[arg(long)]
    pub spool: bool,
    #[command(flatten)]
    pub server: ServerArgs,
}
