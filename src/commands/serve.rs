//! `perfgate serve`: the HTTP API and live dashboard of a store ([`crate::server`]). The
//! first line on stdout is `listening on http://ADDR`; one line per request goes to stderr.
//! A signal (SIGTERM, SIGINT) stops it gracefully, with exit 0.

use std::net::SocketAddr;
use std::sync::Arc;

use super::{print_stderr, print_stdout};
use crate::cli::ServeArgs;
use crate::error::{ExitStatus, Result};
use crate::server::{self, Log, ServeOptions};

struct Output;

impl Log for Output {
    fn listening(&self, addr: SocketAddr) {
        let _ = print_stdout(&format!("listening on http://{addr}\n"));
    }
    fn line(&self, line: &str) {
        print_stderr(&format!("{line}\n"));
    }
}

pub fn serve(args: ServeArgs) -> Result<ExitStatus> {
    let opts = ServeOptions {
        store: args.store,
        listen: args.listen,
        workers: args.workers,
        max_body_bytes: args.max_body_bytes,
    };
    let log: Arc<dyn Log> = Arc::new(Output);
    server::serve(&opts, &log)?;
    Ok(ExitStatus::Pass)
}
