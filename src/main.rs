use clap::Parser;

use perfgate::cli::Cli;
use perfgate::ExitStatus;

fn main() {
    let cli = Cli::parse();
    let status = match perfgate::commands::dispatch(cli) {
        Ok(status) => status,
        Err(e) => {
            match e.exit_status() {
                ExitStatus::BadInput => eprintln!("perfgate: error: {e}"),
                _ => eprintln!("perfgate: {e}"),
            }
            e.exit_status()
        }
    };
    std::process::exit(status.code());
}
