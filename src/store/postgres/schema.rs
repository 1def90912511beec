//! The schema, as numbered migrations, and bringing a database up to date.

use postgres::Client;

use super::PostgresStore;
use crate::store::StoreError;

/// The schema this perfgate writes. Databases with a higher version are refused.
pub const PG_SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Key of the transaction-level advisory lock the migrations run under ("PGAT" + "MIGR"), so
/// that perfgates opening a new database at once do not race.
const MIGRATION_LOCK: i64 = 0x5047_4154_4d49_4752;

/// The tables of migration 1: a database holding one of them without
/// `perfgate_schema_version` belongs to another program and is refused.
const TABLES: &[&str] = &[
    "runs",
    "benchmarks",
    "metrics",
    "verdicts",
    "baselines",
    "tokens",
    "projects",
];

/// Migration `i + 1` brings a database from schema `i` to `i + 1`. Append only; never edit one
/// that has been released.
const MIGRATIONS: &[&str] = &[
    // 1: everything the SQLite store's schema 5 holds, keyed by testbed, plus idempotent
    // records (`report_sha256`), tokens and public projects.
    "
    CREATE TABLE runs (
        id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        -- SHA-256 hex of the report's canonical JSON, for idempotent records; NULL: recorded
        -- with `record` (the same report may then be recorded twice).
        report_sha256   TEXT UNIQUE,
        suite           TEXT    NOT NULL,
        timestamp_utc   TEXT    NOT NULL,
        git_commit      TEXT,
        git_branch      TEXT,
        git_dirty       BOOLEAN,
        machine_id      TEXT    NOT NULL,
        testbed         TEXT    NOT NULL,   -- Report::testbed(): the named one, else machine_id
        testbed_named   BOOLEAN NOT NULL,   -- whether the report named it (Report::testbed)
        hostname        TEXT    NOT NULL,
        machine_json    TEXT    NOT NULL,
        device          TEXT    NOT NULL,
        config_sha256   TEXT    NOT NULL,
        tool_name       TEXT    NOT NULL,
        tool_version    TEXT    NOT NULL,
        schema_version  BIGINT  NOT NULL,
        seed            BIGINT  NOT NULL,   -- u64 bits as a signed integer
        thresholds_json TEXT    NOT NULL,
        source_json     TEXT,
        selection_json  TEXT,
        gate            TEXT
    );
    CREATE INDEX runs_suite_testbed_device ON runs (suite, testbed, device, id);
    CREATE INDEX runs_branch ON runs (git_branch, id);

    CREATE TABLE benchmarks (
        run_id      BIGINT  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        name        TEXT    NOT NULL,
        status      TEXT    NOT NULL,
        reason      TEXT,
        tags_json   TEXT    NOT NULL,
        params_json TEXT    NOT NULL,
        device      TEXT    NOT NULL,
        command     TEXT,
        warmup_runs BIGINT  NOT NULL,
        PRIMARY KEY (run_id, position)
    );

    CREATE TABLE metrics (
        run_id             BIGINT  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        benchmark          TEXT    COLLATE \"C\" NOT NULL,
        benchmark_position INTEGER NOT NULL,
        position           INTEGER NOT NULL,
        name               TEXT    COLLATE \"C\" NOT NULL,
        unit               TEXT    NOT NULL,
        direction          TEXT    NOT NULL,
        summary_json       TEXT    NOT NULL,
        median             DOUBLE PRECISION,
        processes          BIGINT,
        samples            BYTEA   NOT NULL,  -- f64 little-endian, bit for bit
        PRIMARY KEY (run_id, benchmark_position, position)
    );
    -- One metric's history, newest first, without sorting.
    CREATE INDEX metrics_series ON metrics (benchmark, name, run_id DESC);

    CREATE TABLE verdicts (
        run_id    BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        benchmark TEXT   NOT NULL,
        metric    TEXT   NOT NULL,
        verdict   TEXT   NOT NULL,
        PRIMARY KEY (run_id, benchmark, metric)
    );

    -- Text keys compare byte by byte (as in SQLite), whatever the database's locale.
    CREATE TABLE baselines (
        suite       TEXT COLLATE \"C\" NOT NULL,
        device      TEXT COLLATE \"C\" NOT NULL,
        testbed     TEXT COLLATE \"C\" NOT NULL,
        name        TEXT COLLATE \"C\" NOT NULL,
        created_utc TEXT NOT NULL,
        source      TEXT NOT NULL,
        report_json TEXT NOT NULL,
        PRIMARY KEY (suite, device, testbed, name)
    );

    -- API tokens: only the SHA-256 hex of the plaintext is kept.
    CREATE TABLE tokens (
        sha256      TEXT PRIMARY KEY,
        project     TEXT NOT NULL,
        scope       TEXT NOT NULL CHECK (scope IN ('read', 'write')),
        label       TEXT NOT NULL,
        created_utc TEXT NOT NULL
    );

    CREATE TABLE projects (
        name   TEXT    PRIMARY KEY,
        public BOOLEAN NOT NULL DEFAULT FALSE
    );
    ",
    // 2: profiles of a run's regressed benchmarks (`check --profile-regressions`), each the
    // JSON of one `BenchProfile`, in the report's order.
    "
    CREATE TABLE profiles (
        run_id       BIGINT  NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        position     INTEGER NOT NULL,
        profile_json TEXT    NOT NULL,
        PRIMARY KEY (run_id, position)
    );
    ",
];

impl PostgresStore {
    /// Applies the missing migrations in one transaction under an advisory lock. A database
    /// of a newer perfgate, or one holding another program's tables of the same names, is
    /// refused and left as it was.
    pub(super) fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client.borrow_mut();
        let result = apply(&mut client);
        drop(client);
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(self.unusable(message)),
            Err(e) => Err(self.err(&e)),
        }
    }

    /// The schema version recorded in the database.
    pub fn schema_version(&self) -> Result<i32, StoreError> {
        self.client
            .borrow_mut()
            .query_one("SELECT version FROM perfgate_schema_version", &[])
            .map(|r| r.get(0))
            .map_err(|e| self.err(&e))
    }
}

/// The migration transaction: `Ok(Err(why))` when the database is refused.
fn apply(client: &mut Client) -> Result<Result<(), String>, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    let existing: Vec<String> = tx
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() ORDER BY table_name",
            &[],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let version = if existing.iter().any(|t| t == "perfgate_schema_version") {
        let versions: Vec<i32> = tx
            .query("SELECT version FROM perfgate_schema_version", &[])?
            .iter()
            .map(|r| r.get(0))
            .collect();
        match versions[..] {
            [v] if v >= 0 => v,
            _ => {
                return Ok(Err(format!(
                    "not a usable perfgate store: perfgate_schema_version should hold one version, holds {versions:?}"
                )))
            }
        }
    } else {
        let clash: Vec<&String> = existing
            .iter()
            .filter(|t| TABLES.contains(&t.as_str()))
            .collect();
        if !clash.is_empty() {
            return Ok(Err(format!(
                "not a perfgate store: the database has tables {clash:?} but no perfgate_schema_version"
            )));
        }
        tx.batch_execute(
            "CREATE TABLE perfgate_schema_version (version INTEGER NOT NULL);
             INSERT INTO perfgate_schema_version (version) VALUES (0);",
        )?;
        0
    };
    if version > PG_SCHEMA_VERSION {
        return Ok(Err(newer_message(version)));
    }
    if version == PG_SCHEMA_VERSION {
        tx.rollback()?;
        return Ok(Ok(()));
    }
    for migration in &MIGRATIONS[usize::try_from(version).unwrap_or(0)..] {
        tx.batch_execute(migration)?;
    }
    tx.execute(
        "UPDATE perfgate_schema_version SET version = $1",
        &[&PG_SCHEMA_VERSION],
    )?;
    tx.commit()?;
    Ok(Ok(()))
}

pub(super) fn newer_message(version: i32) -> String {
    format!(
        "written by a newer perfgate (store schema {version}, this perfgate knows {PG_SCHEMA_VERSION}): \
         refusing to modify it; upgrade perfgate"
    )
}
