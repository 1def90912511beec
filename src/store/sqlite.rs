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
//! round-trip form and read back with Rust's correctly rounded parser (see [`from_json`]),
//! so `report(record(r)) == r` holds bit for bit.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{
    params, params_from_iter, Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction,
    TransactionBehavior,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{
    BaselineInfo, BaselineKey, HistoryPoint, RunFilter, RunId, RunInfo, Store, StoreError,
};
use crate::model::{
    BenchStatus, BenchmarkResult, Direction, GitInfo, Machine, Metric, Report, Tool,
};
use crate::stats::Summary;

/// The schema this perfgate writes. Stores with a higher version are refused.
pub const STORE_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// `PRAGMA application_id` of a perfgate store ("PGAT"), set by migration 1.
const APPLICATION_ID: i32 = 0x5047_4154;

/// How long a connection waits for another writer before SQLite reports the store locked.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Attempts of a whole write transaction when SQLITE_BUSY surfaces despite the busy timeout.
const WRITE_ATTEMPTS: u32 = 3;

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Migration `i + 1` brings a store from schema `i` to `i + 1`. Append only; never edit one
/// that has been released.
const MIGRATIONS: &[&str] = &[
    // 1: runs, benchmarks, metrics, baselines.
    "
    CREATE TABLE runs (
        id              INTEGER PRIMARY KEY,
        suite           TEXT    NOT NULL,
        timestamp_utc   TEXT    NOT NULL,
        git_commit      TEXT,               -- NULL: recorded outside a git repository
        git_branch      TEXT,               -- NULL: detached HEAD (or no git)
        git_dirty       INTEGER,
        machine_id      TEXT    NOT NULL,
        hostname        TEXT    NOT NULL,
        machine_json    TEXT    NOT NULL,   -- the whole Machine
        device          TEXT    NOT NULL,
        config_sha256   TEXT    NOT NULL,
        tool_name       TEXT    NOT NULL,
        tool_version    TEXT    NOT NULL,
        schema_version  INTEGER NOT NULL,   -- of the report
        seed            INTEGER NOT NULL,   -- u64 bits as a signed integer
        thresholds_json TEXT    NOT NULL
    );
    CREATE INDEX runs_suite_machine_device ON runs (suite, machine_id, device);
    CREATE INDEX runs_branch ON runs (git_branch);

    CREATE TABLE benchmarks (
        run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        name        TEXT    NOT NULL,
        status      TEXT    NOT NULL,
        reason      TEXT,
        tags_json   TEXT    NOT NULL,
        params_json TEXT    NOT NULL,
        device      TEXT    NOT NULL,
        command     TEXT,
        warmup_runs INTEGER NOT NULL,
        PRIMARY KEY (run_id, position)
    );

    CREATE TABLE metrics (
        run_id             INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        benchmark          TEXT    NOT NULL,
        benchmark_position INTEGER NOT NULL,
        position           INTEGER NOT NULL,
        name               TEXT    NOT NULL,
        unit               TEXT    NOT NULL,
        direction          TEXT    NOT NULL,
        summary_json       TEXT    NOT NULL,
        median             REAL,
        samples            BLOB    NOT NULL, -- f64 little-endian; last, so reading the
                                             -- columns before it never touches its pages
        PRIMARY KEY (run_id, benchmark_position, position)
    );
    CREATE INDEX metrics_series ON metrics (benchmark, name, run_id);

    CREATE TABLE baselines (
        suite       TEXT NOT NULL,
        device      TEXT NOT NULL,
        machine_id  TEXT NOT NULL,
        name        TEXT NOT NULL,
        created_utc TEXT NOT NULL,
        source      TEXT NOT NULL,
        report_json TEXT NOT NULL,
        PRIMARY KEY (suite, device, machine_id, name)
    );
    ",
];

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
    /// Opens the store at `path`, creating the file (and its parent directories) when missing
    /// and bringing its schema up to date. Refuses, leaving the file untouched, a file that is
    /// not SQLite, another program's database and a store written by a newer perfgate.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let path = path.to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database {
                path: path.clone(),
                message: format!("cannot create directory {}: {e}", dir.display()),
            })?;
        }
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
        self.conn
            .execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA mmap_size = 268435456;")
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

    fn read_report(&self, id: RunId) -> Result<Report, StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let run = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT suite, timestamp_utc, git_commit, git_branch, git_dirty, machine_json, device,
                            config_sha256, tool_name, tool_version, schema_version, seed, thresholds_json
                     FROM runs WHERE id = ?1",
                )
                .map_err(|e| self.err(e))?;
            stmt.query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    git_from(r.get(2)?, r.get(3)?, r.get(4)?),
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, i64>(10)?,
                    r.get::<_, i64>(11)?,
                    r.get::<_, String>(12)?,
                ))
            })
            .optional()
            .map_err(|e| self.err(e))?
        };
        let Some((
            suite,
            timestamp_utc,
            git,
            machine_json,
            device,
            config_sha256,
            tool_name,
            tool_version,
            schema,
            seed,
            thresholds_json,
        )) = run
        else {
            return Err(StoreError::NoSuchRun {
                path: self.path.clone(),
                id,
            });
        };
        let machine: Machine = from_json(&machine_json)
            .map_err(|e| self.corrupt(format!("run {id}: machine_json: {e}")))?;
        let thresholds = from_json(&thresholds_json)
            .map_err(|e| self.corrupt(format!("run {id}: thresholds_json: {e}")))?;

        let mut benchmarks: Vec<BenchmarkResult> = Vec::new();
        {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT position, name, status, reason, tags_json, params_json, device, command, warmup_runs
                     FROM benchmarks WHERE run_id = ?1 ORDER BY position",
                )
                .map_err(|e| self.err(e))?;
            let mut rows = stmt.query([id]).map_err(|e| self.err(e))?;
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                let position: i64 = r.get(0).map_err(|e| self.err(e))?;
                if position != benchmarks.len() as i64 {
                    return Err(self.corrupt(format!(
                        "run {id}: benchmark position {position} out of sequence"
                    )));
                }
                let name: String = r.get(1).map_err(|e| self.err(e))?;
                let status: String = r.get(2).map_err(|e| self.err(e))?;
                let tags_json: String = r.get(4).map_err(|e| self.err(e))?;
                let params_json: String = r.get(5).map_err(|e| self.err(e))?;
                let what = |field: &str, e: String| {
                    self.corrupt(format!("run {id}, benchmark {name}: {field}: {e}"))
                };
                benchmarks.push(BenchmarkResult {
                    status: parse_status(&status)
                        .ok_or_else(|| what("status", format!("unknown `{status}`")))?,
                    reason: r.get(3).map_err(|e| self.err(e))?,
                    tags: from_json(&tags_json).map_err(|e| what("tags_json", e))?,
                    params: from_json(&params_json).map_err(|e| what("params_json", e))?,
                    device: r.get(6).map_err(|e| self.err(e))?,
                    command: r.get(7).map_err(|e| self.err(e))?,
                    warmup_runs: r.get(8).map_err(|e| self.err(e))?,
                    metrics: Vec::new(),
                    name,
                });
            }
        }
        {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT benchmark_position, position, name, unit, direction, summary_json, samples
                     FROM metrics WHERE run_id = ?1 ORDER BY benchmark_position, position",
                )
                .map_err(|e| self.err(e))?;
            let mut rows = stmt.query([id]).map_err(|e| self.err(e))?;
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                let bench_pos: i64 = r.get(0).map_err(|e| self.err(e))?;
                let position: i64 = r.get(1).map_err(|e| self.err(e))?;
                let name: String = r.get(2).map_err(|e| self.err(e))?;
                let Some(bench) = usize::try_from(bench_pos)
                    .ok()
                    .and_then(|p| benchmarks.get_mut(p))
                else {
                    return Err(self.corrupt(format!(
                        "run {id}: metric {name} of a missing benchmark {bench_pos}"
                    )));
                };
                if position != bench.metrics.len() as i64 {
                    return Err(self.corrupt(format!(
                        "run {id}, benchmark {}: metric position {position} out of sequence",
                        bench.name
                    )));
                }
                let direction: String = r.get(4).map_err(|e| self.err(e))?;
                let summary_json: String = r.get(5).map_err(|e| self.err(e))?;
                let samples = match r.get_ref(6).map_err(|e| self.err(e))? {
                    ValueRef::Blob(b) => Some(b),
                    _ => None,
                };
                let what = |field: &str, e: String| StoreError::Database {
                    path: self.path.clone(),
                    message: format!(
                        "corrupt store: run {id}, {}.{name}: {field}: {e}",
                        bench.name
                    ),
                };
                let metric = Metric {
                    unit: r.get(3).map_err(|e| self.err(e))?,
                    direction: parse_direction(&direction)
                        .ok_or_else(|| what("direction", format!("unknown `{direction}`")))?,
                    samples: samples.and_then(samples_from_bytes).ok_or_else(|| {
                        what(
                            "samples",
                            "not a blob of f64 (length a multiple of 8)".into(),
                        )
                    })?,
                    summary: summary_from_json(&summary_json)
                        .map_err(|e| what("summary_json", e))?,
                    name,
                };
                bench.metrics.push(metric);
            }
        }
        tx.finish().map_err(|e| self.err(e))?;
        Ok(Report {
            schema_version: u32::try_from(schema)
                .map_err(|_| self.corrupt(format!("run {id}: schema_version {schema}")))?,
            tool: Tool {
                name: tool_name,
                version: tool_version,
            },
            suite,
            timestamp_utc,
            git,
            machine,
            device,
            config_sha256,
            seed: seed as u64,
            benchmarks,
            thresholds,
        })
    }
}

/// A report turned into column values before the write transaction starts, so that the
/// transaction (and the write lock) lasts only as long as the inserts.
struct Prepared<'a> {
    report: &'a Report,
    machine_json: String,
    thresholds_json: String,
    benchmarks: Vec<PreparedBench>,
}

struct PreparedBench {
    tags_json: String,
    params_json: String,
    metrics: Vec<(String, Vec<u8>)>,
}

impl<'a> Prepared<'a> {
    fn new(report: &'a Report) -> Result<Self, String> {
        let benchmarks = report
            .benchmarks
            .iter()
            .map(|b| {
                let metrics = b
                    .metrics
                    .iter()
                    .map(|m| {
                        check_summary_finite(&m.summary).map_err(|field| {
                            format!(
                                "{}.{}: summary {field} is not finite; cannot record it",
                                b.name, m.name
                            )
                        })?;
                        let json = to_json(&m.summary)
                            .map_err(|e| format!("{}.{}: summary: {e}", b.name, m.name))?;
                        Ok((json, samples_to_bytes(&m.samples)))
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                Ok(PreparedBench {
                    tags_json: to_json(&b.tags).map_err(|e| format!("{}: tags: {e}", b.name))?,
                    params_json: to_json(&b.params)
                        .map_err(|e| format!("{}: params: {e}", b.name))?,
                    metrics,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Prepared {
            report,
            machine_json: to_json(&report.machine).map_err(|e| format!("machine: {e}"))?,
            thresholds_json: to_json(&report.thresholds).map_err(|e| format!("thresholds: {e}"))?,
            benchmarks,
        })
    }

    fn insert(&self, conn: &Connection) -> rusqlite::Result<RunId> {
        let r = self.report;
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        tx.prepare_cached(
            "INSERT INTO runs (suite, timestamp_utc, git_commit, git_branch, git_dirty, machine_id, hostname,
                               machine_json, device, config_sha256, tool_name, tool_version, schema_version,
                               seed, thresholds_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?
        .execute(params![
            r.suite,
            r.timestamp_utc,
            r.git.as_ref().map(|g| &g.commit),
            r.git.as_ref().and_then(|g| g.branch.as_ref()),
            r.git.as_ref().map(|g| g.dirty),
            r.machine.id,
            r.machine.hostname,
            self.machine_json,
            r.device,
            r.config_sha256,
            r.tool.name,
            r.tool.version,
            r.schema_version,
            r.seed as i64,
            self.thresholds_json,
        ])?;
        let run_id = tx.last_insert_rowid();
        {
            let mut bench_stmt = tx.prepare_cached(
                "INSERT INTO benchmarks (run_id, position, name, status, reason, tags_json, params_json, device,
                                         command, warmup_runs)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            let mut metric_stmt = tx.prepare_cached(
                "INSERT INTO metrics (run_id, benchmark, benchmark_position, position, name, unit, direction,
                                      summary_json, median, samples)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for (bi, (b, pb)) in r.benchmarks.iter().zip(&self.benchmarks).enumerate() {
                bench_stmt.execute(params![
                    run_id,
                    bi as i64,
                    b.name,
                    b.status.as_str(),
                    b.reason,
                    pb.tags_json,
                    pb.params_json,
                    b.device,
                    b.command,
                    b.warmup_runs,
                ])?;
                for (mi, (m, (summary_json, samples))) in
                    b.metrics.iter().zip(&pb.metrics).enumerate()
                {
                    metric_stmt.execute(params![
                        run_id,
                        b.name,
                        bi as i64,
                        mi as i64,
                        m.name,
                        m.unit,
                        direction_str(m.direction),
                        summary_json,
                        m.summary.median,
                        samples,
                    ])?;
                }
            }
        }
        tx.commit()?;
        Ok(run_id)
    }
}

impl Store for SqliteStore {
    fn record(&mut self, report: &Report) -> Result<RunId, StoreError> {
        let prepared = Prepared::new(report).map_err(|message| StoreError::Database {
            path: self.path.clone(),
            message,
        })?;
        with_retries(|| prepared.insert(&self.conn)).map_err(|e| self.err(e))
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
            "SELECT {RUN_COLUMNS}, m.unit, m.direction, m.summary_json, m.benchmark_position, m.position
             FROM metrics AS m JOIN runs AS r ON r.id = m.run_id
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
                    "INSERT OR REPLACE INTO baselines (suite, device, machine_id, name, created_utc, source, report_json)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![key.suite, key.device, key.machine_id, key.name, created, source, json])
        })
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn baseline(&self, key: &BaselineKey) -> Result<Option<Report>, StoreError> {
        let json: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT report_json FROM baselines WHERE suite = ?1 AND device = ?2 AND machine_id = ?3 AND name = ?4",
            )
            .and_then(|mut s| {
                s.query_row(params![key.suite, key.device, key.machine_id, key.name], |r| r.get(0))
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
                "SELECT suite, device, machine_id, name, created_utc, source FROM baselines
                 ORDER BY suite, device, machine_id, name",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(BaselineInfo {
                    key: BaselineKey {
                        suite: r.get(0)?,
                        device: r.get(1)?,
                        machine_id: r.get(2)?,
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
                    "DELETE FROM baselines WHERE suite = ?1 AND device = ?2 AND machine_id = ?3 AND name = ?4",
                )?
                .execute(params![key.suite, key.device, key.machine_id, key.name])
        })
        .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }
}

// ----------------------------------------------------------------------------------------------
// Opening: the read-only inspection.

/// Looks at an existing file without modifying it: its first bytes, then (read-only) its
/// tables, application id and schema version. Ok when the file is missing, empty, a SQLite
/// database without tables, or a perfgate store this perfgate can use.
fn inspect(path: &Path) -> Result<(), StoreError> {
    let unusable = |message: String| StoreError::Unusable {
        path: path.to_path_buf(),
        message,
    };
    let mut header = Vec::with_capacity(100);
    match std::fs::File::open(path) {
        Ok(f) => {
            f.take(100)
                .read_to_end(&mut header)
                .map_err(|e| StoreError::Database {
                    path: path.to_path_buf(),
                    message: format!("cannot read: {e}"),
                })?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(StoreError::Database {
                path: path.to_path_buf(),
                message: format!("cannot open: {e}"),
            })
        }
    }
    if header.is_empty() {
        return Ok(());
    }
    if header.len() < 100 || &header[..16] != SQLITE_HEADER {
        return Err(unusable(
            "not a perfgate store: file is not a SQLite database".into(),
        ));
    }
    // Without a -wal file (no one has the store open, and the last writer closed it cleanly)
    // the file is read as immutable: a plain read-only connection to a WAL database would
    // create -wal and -shm files, and could not remove them. Should a writer start meanwhile
    // and the read fail, a plain read-only connection looks again; either way `migrate`
    // checks again under the write lock.
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    let found = match (!wal.exists()).then(|| read_version(path, true)) {
        Some(Ok(found)) => Ok(found),
        Some(Err(e)) if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) => Err(e),
        _ => read_version(path, false),
    };
    let found = match found {
        Ok(f) => f,
        Err(e) if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) => {
            return Err(unusable(
                "not a perfgate store: file is not a SQLite database".into(),
            ))
        }
        Err(e) => return Err(db_err(path, e)),
    };
    match found {
        Err(message) => Err(unusable(message)),
        Ok(v) if v > STORE_SCHEMA_VERSION => Err(unusable(newer_message(v))),
        Ok(_) => Ok(()),
    }
}

/// The schema version of the database at `path` (-1: no tables), or why it is not a store.
fn read_version(path: &Path, immutable: bool) -> rusqlite::Result<Result<i64, String>> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = if immutable {
        Connection::open_with_flags(
            format!("file:{}?immutable=1", uri_path(path)),
            flags | OpenFlags::SQLITE_OPEN_URI,
        )?
    } else {
        Connection::open_with_flags(path, flags)?
    };
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let tables = table_names(&conn)?;
    if tables.is_empty() {
        return Ok(Ok(-1));
    }
    classify(&conn, &tables)
}

/// `path` percent-encoded for a `file:` URI.
fn uri_path(path: &Path) -> String {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().replace('\\', "/").into_bytes();
    let mut out = String::with_capacity(bytes.len());
    for b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    let names = stmt.query_map([], |r| r.get(0))?.collect();
    names
}

/// The schema version of a database that has tables, or why it is not a perfgate store.
fn classify(conn: &Connection, tables: &[String]) -> rusqlite::Result<Result<i64, String>> {
    let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if app_id != APPLICATION_ID || !tables.iter().any(|t| t == "schema_version") {
        let mut list = tables
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if tables.len() > 5 {
            list.push_str(", ...");
        }
        return Ok(Err(format!(
            "not a perfgate store: a SQLite database of another program (no perfgate schema_version table; tables: {list})"
        )));
    }
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM schema_version")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    match versions[..] {
        [v] if v >= 0 => Ok(Ok(v)),
        _ => Ok(Err(format!(
            "not a usable perfgate store: schema_version should hold one version, holds {versions:?}"
        ))),
    }
}

fn newer_message(version: i64) -> String {
    format!(
        "written by a newer perfgate (store schema {version}, this perfgate knows {STORE_SCHEMA_VERSION}): \
         refusing to modify it; upgrade perfgate"
    )
}

// ----------------------------------------------------------------------------------------------
// Errors and retries.

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Runs `f` again (after a short pause) while it fails with SQLITE_BUSY: a transaction that
/// could not take the lock, or a WAL snapshot another writer made stale.
fn with_retries<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let mut attempt = 1;
    loop {
        match f() {
            Err(e) if is_busy(&e) && attempt < WRITE_ATTEMPTS => {
                std::thread::sleep(Duration::from_millis(20 * u64::from(attempt)));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// A rusqlite error as a [`StoreError::Database`], in words a user can act on.
fn db_err(path: &Path, e: rusqlite::Error) -> StoreError {
    let hint = match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Some(format!(
            "database is locked after {} s: another process kept writing to it",
            BUSY_TIMEOUT.as_secs()
        )),
        Some(ErrorCode::DiskFull) => Some("disk full".to_string()),
        Some(ErrorCode::ReadOnly) => {
            Some("cannot write: the store or its directory is read-only".to_string())
        }
        Some(ErrorCode::PermissionDenied) => Some("permission denied".to_string()),
        Some(ErrorCode::CannotOpen) => Some("cannot open the database file".to_string()),
        Some(ErrorCode::NotADatabase) => Some("not a SQLite database".to_string()),
        Some(ErrorCode::DatabaseCorrupt) => Some("database file is corrupt".to_string()),
        Some(ErrorCode::SystemIoFailure) => Some("I/O error".to_string()),
        Some(ErrorCode::TooBig) => Some("a value is too large for SQLite".to_string()),
        _ => None,
    };
    let detail = e.to_string();
    let message = match hint {
        Some(h) if h != detail => format!("{h} ({detail})"),
        Some(h) => h,
        None => detail,
    };
    StoreError::Database {
        path: path.to_path_buf(),
        message,
    }
}

// ----------------------------------------------------------------------------------------------
// Filters and rows.

const RUN_COLUMNS: &str =
    "r.id, r.suite, r.timestamp_utc, r.git_commit, r.git_branch, r.git_dirty, r.machine_id, \
                           r.hostname, r.device, r.config_sha256, r.tool_version";
const RUN_COLUMN_COUNT: usize = 11;

/// `AND ...` conditions on the runs table (aliased `alias`) for the set fields of `filter`.
/// Only set fields get a condition, so SQLite can use the indexes.
fn run_conditions(filter: &RunFilter, alias: &str) -> (String, Vec<rusqlite::types::Value>) {
    let mut clause = String::new();
    let mut args = Vec::new();
    for (column, value) in [
        ("suite", &filter.suite),
        ("machine_id", &filter.machine_id),
        ("device", &filter.device),
        ("git_branch", &filter.branch),
    ] {
        if let Some(v) = value {
            let _ = write!(clause, " AND {alias}.{column} = ?");
            args.push(rusqlite::types::Value::Text(v.clone()));
        }
    }
    (clause, args)
}

fn limit_i64(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn run_info(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<RunInfo> {
    Ok(RunInfo {
        id: r.get(at)?,
        suite: r.get(at + 1)?,
        timestamp_utc: r.get(at + 2)?,
        git: git_from(r.get(at + 3)?, r.get(at + 4)?, r.get(at + 5)?),
        machine_id: r.get(at + 6)?,
        hostname: r.get(at + 7)?,
        device: r.get(at + 8)?,
        config_sha256: r.get(at + 9)?,
        tool_version: r.get(at + 10)?,
    })
}

fn git_from(
    commit: Option<String>,
    branch: Option<String>,
    dirty: Option<bool>,
) -> Option<GitInfo> {
    commit.map(|commit| GitInfo {
        commit,
        branch,
        dirty: dirty.unwrap_or(false),
    })
}

fn direction_str(d: Direction) -> &'static str {
    match d {
        Direction::LowerIsBetter => "lower_is_better",
        Direction::HigherIsBetter => "higher_is_better",
    }
}

fn parse_direction(s: &str) -> Option<Direction> {
    match s {
        "lower_is_better" => Some(Direction::LowerIsBetter),
        "higher_is_better" => Some(Direction::HigherIsBetter),
        _ => None,
    }
}

fn parse_status(s: &str) -> Option<BenchStatus> {
    [BenchStatus::Ok, BenchStatus::Failed, BenchStatus::Skipped]
        .into_iter()
        .find(|st| st.as_str() == s)
}

fn samples_to_bytes(samples: &[f64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(samples.len() * 8);
    for x in samples {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

fn samples_from_bytes(bytes: &[u8]) -> Option<Vec<f64>> {
    (bytes.len() % 8 == 0).then(|| {
        bytes
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect()
    })
}

/// JSON cannot hold NaN or infinities (serde_json writes `null`, which then fails to read
/// back), so a summary with one is refused rather than recorded unreadable. Names the field.
fn check_summary_finite(s: &Summary) -> Result<(), &'static str> {
    let Summary {
        n: _,
        min,
        max,
        mean,
        stddev,
        cv,
        median,
        p95,
        p99,
        mad,
        ci95_mean,
        ci95_median,
        outliers: _,
    } = s;
    for (name, v) in [
        ("min", min),
        ("max", max),
        ("mean", mean),
        ("stddev", stddev),
        ("cv", cv),
        ("median", median),
        ("p95", p95),
        ("p99", p99),
        ("mad", mad),
        ("ci95_mean", &ci95_mean[0]),
        ("ci95_mean", &ci95_mean[1]),
        ("ci95_median", &ci95_median[0]),
        ("ci95_median", &ci95_median[1]),
    ] {
        if !v.is_finite() {
            return Err(name);
        }
    }
    Ok(())
}

// ----------------------------------------------------------------------------------------------
// Exact JSON.

/// JSON text of `value`; floats in their shortest form that reads back to the same bits.
fn to_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    serde_json::to_string(value)
}

/// Reads JSON written by [`to_json`] with every float bit for bit. serde_json's own float
/// parser (without its `float_roundtrip` feature) can be one unit in the last place off for
/// numbers with 17 significant digits or large exponents; here every float literal is parsed
/// by Rust's correctly rounded `str::parse::<f64>` instead and put back into the tree.
fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let Some((masked, floats)) = mask_floats(text) else {
        return serde_json::from_str(text).map_err(|e| e.to_string());
    };
    if floats.is_empty() {
        return serde_json::from_str(text).map_err(|e| e.to_string());
    }
    let mut value: serde_json::Value = serde_json::from_str(&masked).map_err(|e| e.to_string())?;
    unmask_floats(&mut value, &floats)?;
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Marks a float placeholder: a string starting with NUL then the float's index.
const FLOAT_MARK: char = '\0';

/// Calls `each` with the byte range of every float literal (a number with `.`, `e` or `E`;
/// serde_json writes every `f64` so) of JSON `text`, in document order.
fn for_each_float_literal(text: &str, mut each: impl FnMut(std::ops::Range<usize>)) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() {
                    match b[i] {
                        b'\\' => i += 2,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        _ => i += 1,
                    }
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                let mut float = false;
                while i < b.len() {
                    match b[i] {
                        b'-' | b'+' | b'0'..=b'9' => {}
                        b'.' | b'e' | b'E' => float = true,
                        _ => break,
                    }
                    i += 1;
                }
                if float {
                    each(start..i);
                }
            }
            _ => i += 1,
        }
    }
}

/// `text` with every float literal replaced by the string `"\u0000<index>"`, and the floats.
/// None when the text already contains an escaped NUL (then a placeholder could be mistaken
/// for a real string) or a literal Rust cannot parse.
fn mask_floats(text: &str) -> Option<(String, Vec<f64>)> {
    if text.contains("\\u0000") {
        return None;
    }
    let mut out = String::new();
    let mut floats = Vec::new();
    let mut copied = 0;
    let mut parsed = true;
    for_each_float_literal(text, |range| {
        if out.capacity() == 0 {
            out.reserve(text.len() + 64);
        }
        out.push_str(&text[copied..range.start]);
        let _ = write!(out, "\"\\u0000{}\"", floats.len());
        match text[range.clone()].parse::<f64>() {
            Ok(x) => floats.push(x),
            Err(_) => parsed = false,
        }
        copied = range.end;
    });
    out.push_str(&text[copied..]);
    parsed.then_some((out, floats))
}

/// Reads a summary written by [`to_json`] exactly, and fast (`metric_history` reads 10,000):
/// serde_json reads it, then its 13 floats (declaration order, which is the order serde
/// writes them in) are replaced by the float literals of the text parsed exactly. When the
/// two do not line up (a text perfgate did not write) it falls back to [`from_json`].
fn summary_from_json(text: &str) -> Result<Summary, String> {
    let Ok(mut summary) = serde_json::from_str::<Summary>(text) else {
        return from_json(text);
    };
    let mut exact = [0.0f64; 13];
    let mut count = 0;
    let mut parsed = true;
    for_each_float_literal(text, |range| {
        if let Some(slot) = exact.get_mut(count) {
            match text[range].parse() {
                Ok(x) => *slot = x,
                Err(_) => parsed = false,
            }
        }
        count += 1;
    });
    let Summary {
        n: _,
        min,
        max,
        mean,
        stddev,
        cv,
        median,
        p95,
        p99,
        mad,
        ci95_mean: [mean_lo, mean_hi],
        ci95_median: [median_lo, median_hi],
        outliers: _,
    } = &mut summary;
    let fields = [
        min, max, mean, stddev, cv, median, p95, p99, mad, mean_lo, mean_hi, median_lo, median_hi,
    ];
    // serde_json's own parse is at most a few units in the last place off.
    let near = |a: f64, b: f64| a.to_bits().abs_diff(b.to_bits()) <= 4;
    if !parsed || count != exact.len() || fields.iter().zip(&exact).any(|(f, x)| !near(**f, *x)) {
        return from_json(text);
    }
    for (field, x) in fields.into_iter().zip(exact) {
        *field = x;
    }
    Ok(summary)
}

fn unmask_floats(value: &mut serde_json::Value, floats: &[f64]) -> Result<(), String> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.starts_with(FLOAT_MARK) => {
            let x = s[1..]
                .parse::<usize>()
                .ok()
                .and_then(|i| floats.get(i))
                .ok_or_else(|| format!("bad float placeholder {s:?}"))?;
            *value = serde_json::Number::from_f64(*x)
                .map(Value::Number)
                .ok_or_else(|| format!("number out of range: {x}"))?;
        }
        Value::Array(items) => {
            for item in items {
                unmask_floats(item, floats)?;
            }
        }
        Value::Object(map) => {
            for item in map.values_mut() {
                unmask_floats(item, floats)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_json_reads_back_every_bit() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut values = vec![
            0.1 + 0.2,
            -0.0,
            5e-324,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            1.0 / 3.0,
        ];
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = f64::from_bits(x);
            if f.is_finite() {
                values.push(f);
            }
        }
        let text = to_json(&values).unwrap();
        let back: Vec<f64> = from_json(&text).unwrap();
        assert_eq!(values.len(), back.len());
        for (a, b) in values.iter().zip(&back) {
            assert_eq!(a.to_bits(), b.to_bits(), "{a:e} came back as {b:e}");
        }
    }

    #[test]
    fn exact_json_leaves_strings_and_integers_alone() {
        let v: serde_json::Value = serde_json::json!({
            "a": "1.5e3 \"quoted\" -0.0",
            "b": [1, -2, 3.25, {"c": "x\\y", "d": 18446744073709551615u64}],
        });
        let back: serde_json::Value = from_json(&to_json(&v).unwrap()).unwrap();
        assert_eq!(v, back);
    }
}
