//! The accepting thread and the pool of workers: each worker owns a store connection and
//! answers one connection at a time (read the head, route, authorize, read the body the
//! route wants, answer, close).

use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::http::{parse_query, Connection, Head, Response};
use super::routes::{self, Access, Endpoint, Miss};
use super::{api, auth, pages, Log, ServeOptions, SHUTDOWN_BOUND};
use crate::error::{Error, Result, StoreError};
use crate::store::Store;

/// Accepts until a signal arrives, then lets the workers finish what was accepted.
pub fn run(listener: TcpListener, opts: &ServeOptions, log: &Arc<dyn Log>) -> Result<()> {
    listener.set_nonblocking(true).map_err(|e| Error::Io {
        context: "cannot set up the listening socket".into(),
        source: e,
    })?;
    let (tx, rx) = mpsc::sync_channel::<TcpStream>(opts.workers * 16);
    let rx = Arc::new(Mutex::new(rx));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    for _ in 0..opts.workers {
        let (location, max_body) = (opts.store.clone(), opts.max_body_bytes);
        let (rx, done, log) = (Arc::clone(&rx), done_tx.clone(), Arc::clone(log));
        std::thread::spawn(move || {
            // Made in its thread: a store connection never moves between threads.
            let mut worker = Worker {
                location,
                store: None,
                fresh: false,
                max_body,
            };
            while let Some(stream) = next(&rx) {
                worker.handle(stream, log.as_ref());
            }
            let _ = done.send(());
        });
    }
    while crate::runner::interrupt::received().is_none() {
        if !readable(&listener) {
            continue;
        }
        let Ok((stream, _)) = listener.accept() else {
            continue;
        };
        if stream.set_nonblocking(false).is_err() {
            continue;
        }
        if let Err(TrySendError::Full(stream)) = tx.try_send(stream) {
            busy(stream);
        }
    }
    drop(listener);
    drop(tx);
    let signal = crate::runner::interrupt::received().unwrap_or(0);
    log.line(&format!(
        "perfgate serve: {}: no longer accepting connections; finishing the requests in flight",
        crate::error::signal_name(signal)
    ));
    let deadline = Instant::now() + SHUTDOWN_BOUND;
    for _ in 0..opts.workers {
        let left = deadline.saturating_duration_since(Instant::now());
        if done_rx.recv_timeout(left).is_err() {
            log.line("perfgate serve: requests still in flight after 30 s were abandoned");
            break;
        }
    }
    log.line("perfgate serve: stopped");
    Ok(())
}

/// The next accepted connection; `None` once the accepting thread stopped and the queue is
/// empty.
fn next(rx: &Mutex<Receiver<TcpStream>>) -> Option<TcpStream> {
    rx.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .recv()
        .ok()
}

/// Whether a connection is waiting, after at most 100 ms (so a signal is seen soon).
fn readable(listener: &TcpListener) -> bool {
    let mut fd = libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd for the duration of the call.
    let n = unsafe { libc::poll(&mut fd, 1, 100) };
    n > 0 && fd.revents & libc::POLLIN != 0
}

/// Every worker is busy and the queue is full: 503 at once.
fn busy(stream: TcpStream) {
    use std::io::Write;
    let mut s = stream;
    let body = "{\"error\":\"the server is busy: try again\"}";
    let _ = write!(
        s,
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

struct Worker {
    location: PathBuf,
    /// Opened on first use, and again after the store failed.
    store: Option<Box<dyn Store>>,
    /// The store was opened during the request being answered (so a failure is not that of
    /// a connection the database dropped while this worker was idle).
    fresh: bool,
    max_body: u64,
}

impl Worker {
    fn handle(&mut self, stream: TcpStream, log: &dyn Log) {
        self.fresh = false;
        let started = Instant::now();
        let Ok(mut conn) = Connection::new(stream) else {
            return;
        };
        let head = match conn.read_head() {
            Ok(head) => head,
            Err(None) => return,
            Err(Some(response)) => return conn.respond(&response),
        };
        let response = self.answer(&mut conn, &head);
        log.line(&format!(
            "{} {} {} {} ms",
            printable(&head.method),
            printable(&head.path),
            response.status,
            started.elapsed().as_millis()
        ));
        conn.respond(&response);
    }

    fn answer(&mut self, conn: &mut Connection, head: &Head) -> Response {
        let page = !head.path.starts_with("/api/");
        let query = match parse_query(&head.query) {
            Ok(q) => q,
            Err(why) => return Response::error(400, &why),
        };
        let token = match auth::token_of(head, &query) {
            Ok(t) => t,
            Err(denied) => return denied.response(page),
        };
        let matched = match routes::find(&head.method, &head.path) {
            Ok(m) => m,
            Err(Miss::NotFound) => return Response::error(404, "no such route"),
            Err(Miss::BadEncoding) => {
                return Response::error(400, "a path segment is not valid percent-encoded UTF-8")
            }
            Err(Miss::Method(allowed)) => {
                return Response::error(405, "this route does not take this method")
                    .with_header("Allow", allowed.join(", "))
            }
        };
        match matched.route.endpoint {
            Endpoint::OpenApi => return Response::json(200, super::OPENAPI.to_string()),
            Endpoint::Health => return self.health(),
            _ => {}
        }
        let project = matched.param("project").to_string();
        if matched.route.access != Access::Open {
            let access = matched.route.access;
            let mut allowed = self.authorize(access, &project, token.as_deref());
            if let Err(e) = &allowed {
                if self.reconnect_after(e) {
                    allowed = self.authorize(access, &project, token.as_deref());
                }
            }
            match allowed {
                Ok(Ok(())) => {}
                Ok(Err(denied)) => return denied.response(page),
                Err(e) => return self.unavailable(&e),
            }
        }
        let body = if api::takes_body(matched.route.endpoint) {
            match conn.read_body(head, self.max_body) {
                Ok(b) => b,
                Err(r) => return r,
            }
        } else {
            Vec::new()
        };
        let mut result = self.route(&matched, &project, &query, &body);
        if let Err(Error::Store(e)) = &result {
            // Every route may be answered twice: pushes are recorded once by their id,
            // baselines are replaced, the rest only read.
            if self.reconnect_after(e) {
                result = self.route(&matched, &project, &query, &body);
            }
        }
        match result {
            Ok(r) => r,
            Err(Error::Store(StoreError::NoSuchRun { id, .. })) => {
                Response::error(404, &format!("no run {id} in this project"))
            }
            Err(Error::Store(e)) => self.unavailable(&e),
            Err(Error::Usage(why)) => Response::error(400, &why),
            Err(_) => Response::error(500, "the request failed inside the server"),
        }
    }

    fn authorize(
        &mut self,
        access: Access,
        project: &str,
        token: Option<&str>,
    ) -> std::result::Result<std::result::Result<(), auth::Denied>, StoreError> {
        auth::authorize(self.store()?.as_ref(), access, project, token)
    }

    fn route(
        &mut self,
        matched: &routes::Matched,
        project: &str,
        query: &[(String, String)],
        body: &[u8],
    ) -> Result<Response> {
        let store = self.store()?;
        match matched.route.endpoint {
            Endpoint::Index => pages::index(store.as_ref()),
            Endpoint::Dashboard => pages::dashboard(store.as_ref(), project, query),
            _ => api::handle(store, matched, query, body),
        }
    }

    fn probe(&mut self) -> std::result::Result<(), StoreError> {
        let store = self.store()?;
        store
            .runs(&crate::store::RunFilter {
                limit: Some(1),
                ..Default::default()
            })
            .map(drop)
    }

    /// After `e`: whether the store was a connection opened before this request that the
    /// database dropped (it was restarted while this worker waited), in which case it is
    /// opened again for one more try.
    fn reconnect_after(&mut self, e: &StoreError) -> bool {
        let stale = matches!(e, StoreError::Unavailable { .. }) && !self.fresh;
        if stale {
            self.store = None;
        }
        stale
    }

    fn store(&mut self) -> std::result::Result<&mut Box<dyn Store>, StoreError> {
        if self.store.is_none() {
            self.store = Some(crate::store::open(&self.location)?);
            self.fresh = true;
        }
        Ok(self.store.as_mut().expect("opened just above"))
    }

    /// 503 naming the store's complaint (never its location, which may hold a password);
    /// the connection is dropped so the next request opens it again.
    fn unavailable(&mut self, e: &StoreError) -> Response {
        self.store = None;
        Response::error(
            503,
            &format!("the store is unavailable: {}", store_message(e)),
        )
        .with_header("Retry-After", "5")
    }

    fn health(&mut self) -> Response {
        let mut probe = self.probe();
        if let Err(e) = &probe {
            if self.reconnect_after(e) {
                probe = self.probe();
            }
        }
        match probe {
            Ok(_) => Response::json(200, "{\"status\":\"ok\"}".into()),
            Err(e) => self.unavailable(&e),
        }
    }
}

/// What went wrong in the store, without its location.
fn store_message(e: &StoreError) -> String {
    match e {
        StoreError::Unusable { message, .. } | StoreError::Database { message, .. } => {
            message.clone()
        }
        StoreError::Unavailable { message, .. } => {
            format!("the database is unavailable: {message}")
        }
        StoreError::NoSuchRun { id, .. } => format!("no recorded run with id {id}"),
        StoreError::Token(message) => message.clone(),
    }
}

/// A request line's part for the log: printable ASCII, anything else as `?`.
fn printable(s: &str) -> String {
    s.chars()
        .take(300)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}
