use clap::Parser;

use perfgate::cli::Cli;
use perfgate::ExitStatus;

fn main() {
    let cli = Cli::parse();
    let status = match perfgate::commands::dispatch(cli) {
        Ok(status) => status,
        Err(e) => {
            eprintln!("perfgate: error: {e}");
            ExitStatus::BadInput
        }
    };
    std::process::exit(status.code());
}
