use std::io::Write;

use clap::Parser;

use perfgate::cli::Cli;
use perfgate::ExitStatus;

fn main() {
    let cli = Cli::parse();
    let status = match perfgate::commands::dispatch(cli) {
        Ok(status) => status,
        Err(e) => {
            // One line, whatever an input's names hold (an error may quote them).
            let message = perfgate::render::safe::one_line(&e.to_string()).into_owned();
            let prefix = match e.exit_status() {
                ExitStatus::BadInput => "perfgate: error: ",
                _ => "perfgate: ",
            };
            // Not `eprintln!`: a closed stderr must not turn the error into a panic.
            let _ = writeln!(std::io::stderr().lock(), "{prefix}{message}");
            e.exit_status()
        }
    };
    std::process::exit(status.code());
}
