//! The SQLite store's schema, as numbered migrations (applied in order by `SqliteStore::open`).

/// Migration `i + 1` brings a store from schema `i` to `i + 1`. Append only; never edit one
/// that has been released.
pub(super) const MIGRATIONS: &[&str] = &[
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
    // 2: the harness behind an ingested report (`Report::source`); NULL for `perfgate run`.
    "ALTER TABLE runs ADD COLUMN source_json TEXT;",
    // 3: `Metric::processes` (inner iterations of fewer processes than samples); NULL: one
    // process per sample. After `samples`, so only the full-report read touches it.
    "ALTER TABLE metrics ADD COLUMN processes INTEGER;",
    // 4: what a gate said of a run. `gate` NULL: recorded without one (`run --record`,
    // `ingest --record`); `pass`/`warn`/`fail` from `check`. `verdicts` per metric, so that a
    // metric's noise is measured on runs that were not themselves a change under judgement.
    // `selection_json` NULL: the whole suite ran; else the `--tag`/`--filter` subset.
    "
    ALTER TABLE runs ADD COLUMN gate TEXT;
    ALTER TABLE runs ADD COLUMN selection_json TEXT;
    CREATE TABLE verdicts (
        run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        benchmark TEXT    NOT NULL,
        metric    TEXT    NOT NULL,
        verdict   TEXT    NOT NULL,
        PRIMARY KEY (run_id, benchmark, metric)
    );
    ",
    // 5: testbeds and the team server. Runs and baselines are keyed by testbed (a named kind
    // of machine); existing ones keep their machine id as their testbed. `testbed_named`:
    // the report named it (else it is the machine id). `report_sha256`: the report's id when
    // it was recorded once-only (pushes), unique. Tokens are kept as SHA-256 only.
    "
    ALTER TABLE runs ADD COLUMN testbed TEXT;
    ALTER TABLE runs ADD COLUMN testbed_named INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN report_sha256 TEXT;
    UPDATE runs SET testbed = machine_id;
    CREATE INDEX runs_suite_testbed_device ON runs (suite, testbed, device);
    CREATE UNIQUE INDEX runs_report_sha256 ON runs (report_sha256) WHERE report_sha256 IS NOT NULL;
    ALTER TABLE baselines RENAME COLUMN machine_id TO testbed;
    CREATE TABLE tokens (
        sha256      TEXT PRIMARY KEY,
        project     TEXT NOT NULL,
        scope       TEXT NOT NULL,
        label       TEXT NOT NULL,
        created_utc TEXT NOT NULL
    );
    CREATE TABLE projects (
        name   TEXT PRIMARY KEY,
        public INTEGER NOT NULL
    );
    ",
    // 6: profiles of a run's regressed benchmarks (`check --profile-regressions`), each the
    // JSON of one `BenchProfile`, in the report's order.
    "
    CREATE TABLE profiles (
        run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        position     INTEGER NOT NULL,
        profile_json TEXT    NOT NULL,
        PRIMARY KEY (run_id, position)
    );
    ",
];
