//! `perfgate serve`: the HTTP API of a shared store, and its live dashboard.
//!
//! One thread accepts connections and hands them to a fixed pool of workers, each with its
//! own store connection (opened again after the store failed, so the server recovers when
//! the database comes back; until then a 503 says the store is unavailable). Each request
//! is routed through [`routes::ROUTES`], authorized ([`auth`]), then answered by [`api`] or
//! [`pages`] with the engine's own code: a push is one idempotent store transaction,
//! compare and detect are what `perfgate compare` and `perfgate detect` compute.
//!
//! SIGTERM, SIGINT or SIGHUP stop it gracefully: no new connection is accepted, the
//! requests already accepted are answered (for at most [`SHUTDOWN_BOUND`]), then
//! [`serve`] returns.

mod api;
mod auth;
pub mod http;
mod page_view;
mod pages;
mod push;
pub mod routes;
mod validate;
mod worker;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use routes::{Route, ROUTES};

use crate::error::{Error, Result};

/// The OpenAPI 3.0 document of the API (`api/openapi.json`).
pub const OPENAPI: &str = include_str!("../../api/openapi.json");

/// How long requests in flight may take to finish after a signal to stop.
pub const SHUTDOWN_BOUND: Duration = Duration::from_secs(30);

/// What `perfgate serve` was asked for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The store location (a SQLite file, or a `postgres://` URL).
    pub store: PathBuf,
    /// `host:port`; port 0 picks a free one.
    pub listen: String,
    pub workers: usize,
    pub max_body_bytes: u64,
}

/// Where the server tells what happens: the address once it listens, and one line per
/// request or event (never a token, never a query string).
pub trait Log: Send + Sync {
    fn listening(&self, addr: SocketAddr);
    fn line(&self, line: &str);
}

/// Opens the store (refusing to start when it cannot be used), listens, and serves until a
/// signal stops it.
pub fn serve(opts: &ServeOptions, log: &Arc<dyn Log>) -> Result<()> {
    if opts.workers == 0 {
        return Err(Error::Usage("--workers must be at least 1".into()));
    }
    drop(crate::store::open(&opts.store)?);
    let listener = TcpListener::bind(&opts.listen).map_err(|e| Error::Io {
        context: format!("cannot listen on {}", opts.listen),
        source: e,
    })?;
    let addr = listener.local_addr().map_err(|e| Error::Io {
        context: "cannot read the listening address".into(),
        source: e,
    })?;
    let handlers = crate::runner::interrupt::install();
    log.listening(addr);
    let result = worker::run(listener, opts, log);
    drop(handlers);
    result
}
