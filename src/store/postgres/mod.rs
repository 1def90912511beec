//! The team store: a PostgreSQL database, named by a `postgres://` (or `postgresql://`) URL.
//!
//! One synchronous connection (crate `postgres`, without TLS: run the database beside the
//! server, or on a private network) per store; a server gives each worker its own store.
//! The schema is brought up to date by numbered migrations (table `perfgate_schema_version`)
//! in one transaction under `pg_advisory_xact_lock`, so perfgates opening a new database at
//! once do not race; a database written by a newer perfgate is refused and left alone.
//!
//! Exactness is the SQLite store's: samples are `bytea` of little-endian `f64` and every
//! other float lives in JSON text written in its shortest round-trip form, so
//! `report(record(r)) == r` bit for bit. A report is recorded in one transaction.
//!
//! A server that cannot be reached (down, refusing connections, the connection lost) is
//! [`StoreError::Unavailable`], which a server answers with 503; every other failure is
//! [`StoreError::Database`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, NoTls, Statement};

use super::{
    BaselineInfo, BaselineKey, HistoryPoint, Judgement, Recorded, RunFilter, RunId, RunInfo, Store,
    StoreError, TokenGrant, TokenScope,
};
use crate::model::Report;

mod access;
mod codec;
mod read;
mod schema;
mod write;

pub use schema::PG_SCHEMA_VERSION;

/// How long connecting may take when the URL does not say (`connect_timeout=`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A perfgate store in a PostgreSQL database.
pub struct PostgresStore {
    /// The URL without its password, to name the store in messages.
    location: String,
    /// Reads take `&self` in the [`Store`] trait; a query needs the client mutably.
    client: RefCell<Client>,
    /// The write path's statements, prepared once per connection.
    statements: RefCell<HashMap<&'static str, Statement>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` and brings its schema up to date. A server that
    /// cannot be reached is [`StoreError::Unavailable`]; a database of a newer perfgate, or
    /// one with another program's tables, is refused ([`StoreError::Unusable`]) untouched.
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let location = codec::redact(url);
        let mut config = postgres::Config::from_str(url).map_err(|e| StoreError::Unusable {
            path: PathBuf::from(&location),
            message: format!("not a PostgreSQL connection URL: {e}"),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("perfgate");
        }
        let client = config.connect(NoTls).map_err(|e| StoreError::Unavailable {
            location: location.clone(),
            message: describe(&e),
        })?;
        let store = PostgresStore {
            location,
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
        };
        store.migrate()?;
        Ok(store)
    }

    /// The store's URL, without its password.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The statements `sql`, prepared on this connection the first time they are asked for.
    fn statements<const N: usize>(
        &self,
        client: &mut Client,
        sql: [&'static str; N],
    ) -> Result<[Statement; N], postgres::Error> {
        let mut cache = self.statements.borrow_mut();
        let mut out = Vec::with_capacity(N);
        for text in sql {
            let statement = match cache.get(text) {
                Some(s) => s.clone(),
                None => {
                    let s = client.prepare(text)?;
                    cache.insert(text, s.clone());
                    s
                }
            };
            out.push(statement);
        }
        Ok(out.try_into().expect("one statement per text"))
    }

    /// A driver error as a [`StoreError`]: [`StoreError::Unavailable`] when the server cannot
    /// be reached or the connection is gone, else [`StoreError::Database`].
    fn err(&self, e: &postgres::Error) -> StoreError {
        if is_unavailable(e) {
            StoreError::Unavailable {
                location: self.location.clone(),
                message: describe(e),
            }
        } else {
            StoreError::Database {
                path: PathBuf::from(&self.location),
                message: describe(e),
            }
        }
    }

    fn corrupt(&self, message: String) -> StoreError {
        StoreError::Database {
            path: PathBuf::from(&self.location),
            message: format!("corrupt store: {message}"),
        }
    }

    fn unusable(&self, message: String) -> StoreError {
        StoreError::Unusable {
            path: PathBuf::from(&self.location),
            message,
        }
    }

    fn invalid(&self, message: String) -> StoreError {
        StoreError::Database {
            path: PathBuf::from(&self.location),
            message,
        }
    }
}

/// Whether `e` means the server is out of reach rather than that a statement failed: an I/O
/// error, a closed connection, or a connection-class / shutdown SQLSTATE.
fn is_unavailable(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.code() {
        Some(code) => {
            code.code().starts_with("08")
                || [
                    SqlState::ADMIN_SHUTDOWN,
                    SqlState::CRASH_SHUTDOWN,
                    SqlState::CANNOT_CONNECT_NOW,
                ]
                .contains(code)
        }
        // No server error: the driver could not talk to the server (I/O, timeout).
        None => {
            std::error::Error::source(e).is_some_and(<dyn std::error::Error>::is::<std::io::Error>)
        }
    }
}

/// One line about `e`: the server's message (and detail) for a database error, else the
/// driver's words and their cause.
fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_string(),
        };
    }
    match std::error::Error::source(e) {
        Some(source) => format!("{e}: {source}"),
        None => e.to_string(),
    }
}

impl Store for PostgresStore {
    fn record_judged(
        &mut self,
        report: &Report,
        judgement: Option<&Judgement>,
    ) -> Result<RunId, StoreError> {
        self.insert_report(report, judgement, None)
            .map(|(id, _)| id)
    }

    fn record_once(
        &mut self,
        report: &Report,
        judgement: Option<&Judgement>,
    ) -> Result<Recorded, StoreError> {
        let key = crate::model::report_id(report);
        self.insert_report(report, judgement, Some(&key))
            .map(|(id, created)| Recorded { id, created })
    }

    fn runs(&self, filter: &RunFilter) -> Result<Vec<RunInfo>, StoreError> {
        self.read_runs(filter)
    }

    fn report(&self, id: RunId) -> Result<Report, StoreError> {
        self.read_report(id)
    }

    fn record_profiles(
        &mut self,
        id: RunId,
        profiles: &[crate::model::profile::BenchProfile],
    ) -> Result<(), StoreError> {
        self.replace_profiles(id, profiles)
    }

    fn judgement(&self, id: RunId) -> Result<Option<Judgement>, StoreError> {
        self.read_judgement(id)
    }

    fn series(&self, filter: &RunFilter) -> Result<Vec<(String, String)>, StoreError> {
        self.read_series(filter)
    }

    fn metric_history(
        &self,
        filter: &RunFilter,
        benchmark: &str,
        metric: &str,
    ) -> Result<Vec<HistoryPoint>, StoreError> {
        self.read_history(filter, benchmark, metric)
    }

    fn save_baseline(
        &mut self,
        key: &BaselineKey,
        report: &Report,
        source: &str,
    ) -> Result<(), StoreError> {
        self.write_baseline(key, report, source)
    }

    fn baseline(&self, key: &BaselineKey) -> Result<Option<Report>, StoreError> {
        self.read_baseline(key)
    }

    fn baselines(&self) -> Result<Vec<BaselineInfo>, StoreError> {
        self.read_baselines()
    }

    fn remove_baseline(&mut self, key: &BaselineKey) -> Result<bool, StoreError> {
        self.delete_baseline(key)
    }

    fn create_token(
        &mut self,
        project: &str,
        scope: TokenScope,
        label: &str,
    ) -> Result<String, StoreError> {
        self.insert_token(project, scope, label)
    }

    fn token_grant(&self, token: &str) -> Result<Option<TokenGrant>, StoreError> {
        self.find_token(token)
    }

    fn set_project_public(&mut self, project: &str, public: bool) -> Result<(), StoreError> {
        self.write_project_public(project, public)
    }

    fn project_is_public(&self, project: &str) -> Result<bool, StoreError> {
        self.read_project_public(project)
    }
}
