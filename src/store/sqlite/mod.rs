//! The embedded store: one SQLite file (by default `.perfgate/perfgate.db`).
//!
//! The file is opened in WAL mode with `synchronous=NORMAL` (a commit survives a killed
//! process; a power cut may lose the last commits but never corrupts the file) and a 10 s busy
//! timeout, so concurrent writers (CI jobs sharing a cache, parallel `perfgate check`) wait
//! for each other instead of failing. A report is recorded in one `BEGIN IMMEDIATE`
//! transaction: a killed writer leaves the whole report or nothing.
//!
//! Before anything is written the file is inspected read-only, and refused (left byte for
//! byte as it was) when it is not SQLite, when it is another program's database, or when a
//! newer perfgate wrote it. The schema is then brought up to date by numbered migrations,
//! tracked in the one-row table `schema_version`.
//!
//! Exactness: samples are stored as little-endian `f64` bytes. Summaries, thresholds,
//! parameters and baseline reports are JSON whose floats are written in their shortest
//! round-trip form and read back with serde_json's correctly rounded parser (see [`from_json`]),
//! so `report(record(r)) == r` holds bit for bit.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{
    params, params_from_iter, Connection, OpenFlags, OptionalExtension, Transaction,
    TransactionBehavior,
};

use super::{
    BaselineInfo, BaselineKey, HistoryPoint, Judgement, Recorded, RunFilter, RunId, RunInfo, Store,
    StoreError, TokenGrant, TokenScope,
};
use crate::model::Report;

mod access;
mod json;
mod migrations;
mod open;
mod read;
mod rows;
mod write;

use json::*;
use migrations::MIGRATIONS;
use open::*;
use rows::*;
use write::*;

/// The schema this perfgate writes. Stores with a higher version are refused.
pub const STORE_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// `PRAGMA application_id` of a perfgate store ("PGAT"), set by migration 1.
const APPLICATION_ID: i32 = 0x5047_4154;

/// How long a connection waits for another writer before SQLite reports the store locked.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Attempts of a whole write transaction when SQLITE_BUSY surfaces despite the busy timeout.
const WRITE_ATTEMPTS: u32 = 3;

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The perfgate store in one SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    conn: Connection,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the store at `path`, creating the file (and its parent directories, see
    /// [`create_directory`]) when missing and bringing its schema up to date. Refuses, leaving the file untouched, a file that is
    /// not SQLite, another program's database and a store written by a newer perfgate.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let path = path.to_path_buf();
        create_directory(&path)?;
        inspect(&path)?;
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| db_err(&path, e))?;
        let store = SqliteStore { path, conn };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens the store at `path` for reading only (history, reports, baselines): a store on
    /// a read-only file system, or one the user may only read, can be read. Nothing is
    /// changed; a store that is missing or of an older schema is created or upgraded by
    /// [`SqliteStore::open`], as any command would.
    pub fn open_read_only(path: &Path) -> Result<SqliteStore, StoreError> {
        if inspect(path)? != Some(STORE_SCHEMA_VERSION) {
            return SqliteStore::open(path);
        }
        let conn = connect_read_only(path).map_err(|e| db_err(path, e))?;
        conn.execute_batch("PRAGMA mmap_size = 268435456;")
            .map_err(|e| db_err(path, e))?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(SqliteStore {
            path: path.to_path_buf(),
            conn,
        })
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        db_err(&self.path, e)
    }

    fn corrupt(&self, message: String) -> StoreError {
        StoreError::Database {
            path: self.path.clone(),
            message: format!("corrupt store: {message}"),
        }
    }

    fn configure(&self) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| self.err(e))?;
        // Switching to WAL needs a moment of exclusive access; another process opening the
        // same new store at once can make it fail with SQLITE_BUSY despite the timeout.
        with_retries(|| {
            self.conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
                .map(drop)
        })
        .map_err(|e| self.err(e))?;
        // mmap: pages are read without a system call each (the history of one metric over
        // 10,000 runs touches thousands of them).
        self.conn
            .execute_batch(
                "PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA mmap_size = 268435456;",
            )
            .map_err(|e| self.err(e))?;
        self.conn.set_prepared_statement_cache_capacity(64);
        Ok(())
    }

    /// Applies the missing migrations in one transaction, checking again under the write lock
    /// what [`inspect`] saw (another process may have created or upgraded the store since).
    fn migrate(&self) -> Result<(), StoreError> {
        with_retries(|| -> Result<Result<(), StoreError>, rusqlite::Error> {
            let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
            let tables = table_names(&tx)?;
            let version = if tables.is_empty() {
                tx.execute_batch(&format!(
                    "CREATE TABLE schema_version (version INTEGER NOT NULL);
                     INSERT INTO schema_version (version) VALUES (0);
                     PRAGMA application_id = {APPLICATION_ID};"
                ))?;
                0
            } else {
                match classify(&tx, &tables)? {
                    Ok(v) => v,
                    Err(message) => return Ok(Err(self.unusable(message))),
                }
            };
            if version > STORE_SCHEMA_VERSION {
                return Ok(Err(self.unusable(newer_message(version))));
            }
            for migration in &MIGRATIONS[version as usize..] {
                tx.execute_batch(migration)?;
            }
            if version < STORE_SCHEMA_VERSION {
                tx.execute(
                    "UPDATE schema_version SET version = ?1",
                    [STORE_SCHEMA_VERSION],
                )?;
            }
            tx.commit()?;
            Ok(Ok(()))
        })
        .map_err(|e| self.err(e))?
    }

    fn unusable(&self, message: String) -> StoreError {
        StoreError::Unusable {
            path: self.path.clone(),
            message,
        }
    }

    /// The schema version recorded in the file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// The id of the oldest of the newest `limit` runs matching `filter` (None: no bound).
    fn oldest_of_newest(&self, filter: &RunFilter) -> Result<Option<RunId>, StoreError> {
        let Some(limit) = filter.limit else {
            return Ok(None);
        };
        if limit == 0 {
            return Ok(Some(i64::MAX));
        }
        let (clause, args) = run_conditions(filter, "runs");
        let sql = format!("SELECT id FROM runs WHERE 1 {clause} ORDER BY id DESC LIMIT 1 OFFSET ?");
        let mut args = args;
        args.push(rusqlite::types::Value::Integer(limit_i64(limit) - 1));
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let found: Option<RunId> = stmt
            .query_row(params_from_iter(args.iter()), |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        // Fewer than `limit` runs: all of them.
        Ok(Some(found.unwrap_or(i64::MIN)))
    }
}

impl Store for SqliteStore {
    fn record_judged(
        &mut self,
        report: &Report,
        judgement: Option<&Judgement>,
    ) -> Result<RunId, StoreError> {
        let prepared = Prepared::new(report).map_err(|message| StoreError::Database {
            path: self.path.clone(),
            message,
        })?;
        with_retries(|| prepared.insert(&self.conn, judgement))
            .map(|r| r.id)
            .map_err(|e| self.err(e))
    }

    fn record_once(
        &mut self,
        report: &Report,
        judgement: Option<&Judgement>,
    ) -> Result<Recorded, StoreError> {
        let prepared = Prepared::new(report)
            .map_err(|message| StoreError::Database {
                path: self.path.clone(),
                message,
            })?
            .keyed();
        with_retries(|| prepared.insert(&self.conn, judgement)).map_err(|e| self.err(e))
    }

    fn runs(&self, filter: &RunFilter) -> Result<Vec<RunInfo>, StoreError> {
        let (clause, mut args) = run_conditions(filter, "runs");
        args.push(rusqlite::types::Value::Integer(
            filter.limit.map_or(-1, limit_i64),
        ));
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs AS r WHERE 1 {clause} ORDER BY r.id DESC LIMIT ?",
            clause = clause.replace("runs.", "r.")
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |r| run_info(r, 0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    fn report(&self, id: RunId) -> Result<Report, StoreError> {
        self.read_report(id)
    }

    fn record_profiles(
        &mut self,
        id: RunId,
        profiles: &[crate::model::profile::BenchProfile],
    ) -> Result<(), StoreError> {
        let json =
            super::columns::profiles_json(profiles).map_err(|message| StoreError::Database {
                path: self.path.clone(),
                message,
            })?;
        let exists = with_retries(|| write::replace_profiles(&self.conn, id, &json))
            .map_err(|e| self.err(e))?;
        if exists {
            Ok(())
        } else {
            Err(StoreError::NoSuchRun {
                path: self.path.clone(),
                id,
            })
        }
    }

    fn judgement(&self, id: RunId) -> Result<Option<Judgement>, StoreError> {
        self.read_judgement(id)
    }

    fn series(&self, filter: &RunFilter) -> Result<Vec<(String, String)>, StoreError> {
        let lower = self.oldest_of_newest(filter)?;
        let (clause, mut args) = run_conditions(filter, "r");
        let mut sql = format!(
            "SELECT DISTINCT m.benchmark, m.name FROM metrics AS m JOIN runs AS r ON r.id = m.run_id WHERE 1 {clause}"
        );
        if let Some(lower) = lower {
            sql.push_str(" AND m.run_id >= ?");
            args.push(rusqlite::types::Value::Integer(lower));
        }
        sql.push_str(" ORDER BY m.benchmark, m.name");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params_from_iter(args.iter()), |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    fn metric_history(
        &self,
        filter: &RunFilter,
        benchmark: &str,
        metric: &str,
    ) -> Result<Vec<HistoryPoint>, StoreError> {
        let lower = self.oldest_of_newest(filter)?;
        let (clause, filter_args) = run_conditions(filter, "r");
        let mut args = vec![
            rusqlite::types::Value::Text(benchmark.to_string()),
            rusqlite::types::Value::Text(metric.to_string()),
        ];
        args.extend(filter_args);
        // Never selects `samples`: the history of 10,000 runs reads summaries only. Ordered
        // by run id alone, which the index `metrics_series` gives without sorting.
        let mut sql = format!(
            "SELECT {RUN_COLUMNS}, m.unit, m.direction, m.summary_json, m.benchmark_position, m.position,
                    v.verdict
             FROM metrics AS m JOIN runs AS r ON r.id = m.run_id
             LEFT JOIN verdicts AS v
                    ON v.run_id = m.run_id AND v.benchmark = m.benchmark AND v.metric = m.name
             WHERE m.benchmark = ? AND m.name = ? {clause}"
        );
        if let Some(lower) = lower {
            sql.push_str(" AND m.run_id >= ?");
            args.push(rusqlite::types::Value::Integer(lower));
        }
        sql.push_str(" ORDER BY m.run_id DESC");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let mut rows = stmt
            .query(params_from_iter(args.iter()))
            .map_err(|e| self.err(e))?;
        let mut points: Vec<HistoryPoint> = Vec::new();
        // Run id and (benchmark, metric) position of the last point.
        let mut last: Option<(RunId, (i64, i64))> = None;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let id: RunId = r.get(0).map_err(|e| self.err(e))?;
            let at: (i64, i64) = (
                r.get(RUN_COLUMN_COUNT + 3).map_err(|e| self.err(e))?,
                r.get(RUN_COLUMN_COUNT + 4).map_err(|e| self.err(e))?,
            );
            // A benchmark name or metric repeated within one run: its first occurrence only.
            let replace = match last {
                Some((last_id, last_at)) if last_id == id => {
                    if at > last_at {
                        continue;
                    }
                    true
                }
                _ => false,
            };
            last = Some((id, at));
            let what = |e: String| self.corrupt(format!("run {id}, {benchmark}.{metric}: {e}"));
            let direction = r.get_ref(RUN_COLUMN_COUNT + 1).map_err(|e| self.err(e))?;
            let direction = direction.as_str().ok().and_then(parse_direction);
            let summary = match r.get_ref(RUN_COLUMN_COUNT + 2).map_err(|e| self.err(e))? {
                ValueRef::Text(t) => std::str::from_utf8(t)
                    .map_err(|e| e.to_string())
                    .and_then(summary_from_json),
                _ => Err("not text".to_string()),
            };
            let point = HistoryPoint {
                benchmark: benchmark.to_string(),
                metric: metric.to_string(),
                unit: r.get(RUN_COLUMN_COUNT).map_err(|e| self.err(e))?,
                direction: direction.ok_or_else(|| what("bad direction".into()))?,
                summary: summary.map_err(|e| what(format!("summary_json: {e}")))?,
                verdict: r.get(RUN_COLUMN_COUNT + 5).map_err(|e| self.err(e))?,
                run: run_info(r, 0).map_err(|e| self.err(e))?,
            };
            if replace {
                *points.last_mut().expect("a point of this run") = point;
            } else {
                points.push(point);
            }
        }
        Ok(points)
    }

    fn save_baseline(
        &mut self,
        key: &BaselineKey,
        report: &Report,
        source: &str,
    ) -> Result<(), StoreError> {
        let json = to_json(report).map_err(|e| StoreError::Database {
            path: self.path.clone(),
            message: format!("baseline {}: {e}", key.name),
        })?;
        let created = crate::context::timestamp_utc();
        with_retries(|| {
            self.conn
                .prepare_cached(
                    "INSERT OR REPLACE INTO baselines (suite, device, testbed, name, created_utc, source, report_json)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![key.suite, key.device, key.testbed, key.name, created, source, json])
        })
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn baseline(&self, key: &BaselineKey) -> Result<Option<Report>, StoreError> {
        let json: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT report_json FROM baselines WHERE suite = ?1 AND device = ?2 AND testbed = ?3 AND name = ?4",
            )
            .and_then(|mut s| {
                s.query_row(params![key.suite, key.device, key.testbed, key.name], |r| r.get(0))
                    .optional()
            })
            .map_err(|e| self.err(e))?;
        json.map(|j| {
            from_json(&j)
                .map_err(|e| self.corrupt(format!("baseline {}: report_json: {e}", key.name)))
        })
        .transpose()
    }

    fn baselines(&self) -> Result<Vec<BaselineInfo>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT suite, device, testbed, name, created_utc, source FROM baselines
                 ORDER BY suite, device, testbed, name",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(BaselineInfo {
                    key: BaselineKey {
                        suite: r.get(0)?,
                        device: r.get(1)?,
                        testbed: r.get(2)?,
                        name: r.get(3)?,
                    },
                    created_utc: r.get(4)?,
                    source: r.get(5)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    fn remove_baseline(&mut self, key: &BaselineKey) -> Result<bool, StoreError> {
        let n = with_retries(|| {
            self.conn
                .prepare_cached(
                    "DELETE FROM baselines WHERE suite = ?1 AND device = ?2 AND testbed = ?3 AND name = ?4",
                )?
                .execute(params![key.suite, key.device, key.testbed, key.name])
        })
        .map_err(|e| self.err(e))?;
        Ok(n > 0)
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
