//! The backends every behaviour test runs against: SQLite always, PostgreSQL when
//! `PERFGATE_TEST_POSTGRES` names a server (see tests/common/postgres.rs). Stores are opened
//! with `perfgate::store::open`, as the commands open them, so the dispatch is tested too.

use std::path::Path;

use perfgate::store::Store;

use crate::builders::*;
use crate::pg::{test_database, TestDb};

/// One backend's fresh, empty store location.
pub struct Backend {
    pub name: &'static str,
    location: String,
    keep: Keep,
}

/// What keeps the location alive: a temporary directory, or a database dropped at the end.
enum Keep {
    Dir { _dir: tempfile::TempDir },
    Db(TestDb),
}

impl Backend {
    fn sqlite() -> Backend {
        let dir = temp();
        Backend {
            name: "sqlite",
            location: db_in(&dir).display().to_string(),
            keep: Keep::Dir { _dir: dir },
        }
    }

    fn postgres(db: TestDb) -> Backend {
        Backend {
            name: "postgres",
            location: db.url().to_string(),
            keep: Keep::Db(db),
        }
    }

    /// A new connection to the store, created (or brought up to date) when needed.
    pub fn open(&self) -> Box<dyn Store> {
        perfgate::store::open(Path::new(&self.location))
            .unwrap_or_else(|e| panic!("{}: opening {}: {e}", self.name, self.location))
    }

    /// The path or URL the store is opened with.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// A direct connection to the PostgreSQL database (panics on SQLite).
    pub fn client(&self) -> postgres::Client {
        match &self.keep {
            Keep::Db(db) => db.connect(),
            Keep::Dir { .. } => panic!("not a PostgreSQL backend"),
        }
    }

    /// The store's schema version rows, read directly.
    pub fn version_rows(&self) -> Vec<i64> {
        match &self.keep {
            Keep::Dir { .. } => version_rows(Path::new(&self.location)),
            Keep::Db(_) => self
                .client()
                .query("SELECT version FROM perfgate_schema_version", &[])
                .unwrap()
                .iter()
                .map(|r| i64::from(r.get::<_, i32>(0)))
                .collect(),
        }
    }

    /// Everything the store holds, as text: the SQLite file's bytes, or every table's rows.
    pub fn dump(&self) -> String {
        match self.keep {
            Keep::Dir { .. } => {
                String::from_utf8_lossy(&std::fs::read(&self.location).unwrap()).into_owned()
            }
            Keep::Db(_) => {
                let mut client = self.client();
                let tables: Vec<String> = client
                    .query(
                        "SELECT table_name::text FROM information_schema.tables
                         WHERE table_schema = 'public'",
                        &[],
                    )
                    .unwrap()
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                let mut out = String::new();
                for t in tables {
                    for row in client
                        .query(&format!("SELECT t::text FROM \"{t}\" AS t"), &[])
                        .unwrap()
                    {
                        out.push_str(row.get::<_, &str>(0));
                        out.push('\n');
                    }
                }
                out
            }
        }
    }

    /// The schema version this perfgate writes in this backend.
    pub fn current_version(&self) -> i64 {
        match self.keep {
            Keep::Dir { .. } => perfgate::store::sqlite::STORE_SCHEMA_VERSION,
            Keep::Db(_) => i64::from(perfgate::store::postgres::PG_SCHEMA_VERSION),
        }
    }
}

/// SQLite, and PostgreSQL when a server is configured (else a SKIPPED line naming `test`;
/// under CI, a failure).
pub fn backends(test: &str) -> Vec<Backend> {
    let mut out = vec![Backend::sqlite()];
    out.extend(postgres(test));
    out
}

/// PostgreSQL alone, for what only it has; `None` (after a SKIPPED line) without a server.
pub fn postgres(test: &str) -> Option<Backend> {
    test_database(test).map(Backend::postgres)
}
