//! One file per subcommand: load -> engine -> render -> exit status.

mod attest;
mod baseline;
mod bisect;
mod check;
mod check_advice;
mod check_server;
mod ci;
mod common;
mod compare;
mod detect;
mod doctor;
mod history;
mod hook;
mod ingest;
mod profile;
mod push;
mod record;
mod report;
mod run;
mod serve;
mod token;
mod versus;

use std::io::Write;

use crate::cli::{Cli, Command};
use crate::error::{Error, ExitStatus, Result};

pub use crate::plan::DEFAULT_SEED;

pub fn dispatch(cli: Cli) -> Result<ExitStatus> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Compare(args) => compare::compare(args),
        Command::Check(args) => check::check(*args),
        Command::Baseline(cmd) => baseline::baseline(cmd),
        Command::History(args) => history::history(args),
        Command::Trend(args) => history::trend(args),
        Command::Record(args) => record::record(args),
        Command::Push(args) => push::push(args),
        Command::Ingest(args) => ingest::ingest(args),
        Command::Report(args) => report::report(args),
        Command::Ci(cmd) => ci::ci(cmd),
        Command::Doctor(args) => doctor::doctor(args),
        Command::Attest(args) => attest::attest(args),
        Command::Replay(args) => attest::replay(args),
        Command::Detect(args) => detect::detect(args),
        Command::Versus(args) => versus::versus(args),
        Command::Profile(args) => profile::profile(args),
        Command::Bisect(args) => bisect::bisect(args),
        Command::BisectStep(args) => bisect::step(args),
        Command::Hook(cmd) => hook::hook(cmd),
        Command::Serve(args) => serve::serve(args),
        Command::Token(cmd) => token::token(cmd),
    }
}

/// Writes to stdout; a closed pipe (`perfgate ... | head`) is not an error. Under GitHub
/// Actions no line of it can be a workflow command (see [`crate::render::safe`]).
pub(crate) fn print_stdout(text: &str) -> Result<()> {
    if crate::ci::github::active() {
        return write_stdout(&crate::render::safe::guard_workflow_commands(text));
    }
    write_stdout(text)
}

/// perfgate's own workflow commands (annotations), the only lines that may start with `::`.
pub(crate) fn print_workflow_commands(text: &str) -> Result<()> {
    write_stdout(text)
}

pub(crate) fn print_workflow_commands_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io {
            context: "cannot write to stdout".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}

pub(crate) fn print_stderr(text: &str) {
    let text = if crate::ci::github::active() {
        crate::render::safe::guard_workflow_commands(text)
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
