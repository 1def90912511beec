//! Creation and migrations.

use perfgate::store::sqlite::{SqliteStore, STORE_SCHEMA_VERSION};
use perfgate::store::{RunFilter, Store, StoreError};

use crate::builders::*;

#[test]
fn a_missing_file_and_its_directories_are_created() {
    let dir = temp();
    let path = dir.path().join("a/b/.perfgate/perfgate.db");
    let mut store = SqliteStore::open(&path).unwrap();
    assert!(path.is_file());
    assert_eq!(store.schema_version().unwrap(), STORE_SCHEMA_VERSION);
    assert_eq!(STORE_SCHEMA_VERSION, 6);
    let id = store
        .record(&simple("s", "m", "cpu", Some("main"), 1.0))
        .unwrap();
    drop(store);
    assert_eq!(version_rows(&path), vec![STORE_SCHEMA_VERSION]);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables.sort();
    assert_eq!(
        tables,
        [
            "baselines",
            "benchmarks",
            "metrics",
            "profiles",
            "projects",
            "runs",
            "schema_version",
            "tokens",
            "verdicts"
        ]
    );
    let samples: Vec<u8> = conn
        .query_row(
            "SELECT samples FROM metrics WHERE run_id = ?1 AND position = 1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        samples,
        [1e6f64, 2e6, 3e6]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect::<Vec<u8>>()
    );
}

/// `store::open` picks the implementation from the location: a path is a SQLite file (a new
/// `.perfgate/` directory gets a `.gitignore`, a directory the user made does not), and a URL
/// is refused with its scheme named, nothing created.
#[test]
fn open_takes_a_location_and_gives_the_trait() {
    let dir = temp();
    let path = dir.path().join("p/.perfgate/perfgate.db");
    let mut store = perfgate::store::open(&path).unwrap();
    let id = store
        .record(&simple("s", "m", "cpu", Some("main"), 1.0))
        .unwrap();
    drop(store);
    let gitignore = path.with_file_name(".gitignore");
    assert_eq!(std::fs::read_to_string(&gitignore).unwrap(), "*\n");
    let read = perfgate::store::open_read_only(&path).unwrap();
    assert_eq!(read.runs(&RunFilter::default()).unwrap()[0].id, id);

    let mine = dir.path().join("mine/.perfgate");
    std::fs::create_dir_all(&mine).unwrap();
    perfgate::store::open(&mine.join("perfgate.db")).unwrap();
    assert!(!mine.join(".gitignore").exists());
    let elsewhere = dir.path().join("q/history.db");
    perfgate::store::open(&elsewhere).unwrap();
    assert!(!elsewhere.with_file_name(".gitignore").exists());

    let Err(e) = perfgate::store::open(std::path::Path::new("mysql://ci@db/perf")) else {
        panic!("a URL opened as a file");
    };
    assert!(
        e.to_string()
            .contains("a `mysql://` store is not supported"),
        "{e}"
    );
    assert!(!std::path::Path::new("mysql:").exists());
    // A postgres:// URL is a database: here one on a host that does not exist.
    let Err(e) = perfgate::store::open(std::path::Path::new("postgres://ci@db.invalid/perf"))
    else {
        panic!("opened a database on a host that does not exist");
    };
    assert!(matches!(e, StoreError::Unavailable { .. }), "{e:?}");
    assert!(!std::path::Path::new("postgres:").exists());
}

#[test]
fn an_empty_file_becomes_a_store() {
    let dir = temp();
    let path = db_in(&dir);
    std::fs::write(&path, b"").unwrap();
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), STORE_SCHEMA_VERSION);
    assert!(store.runs(&RunFilter::default()).unwrap().is_empty());
    drop(store);
    assert_eq!(version_rows(&path), vec![STORE_SCHEMA_VERSION]);
}

#[test]
fn reopening_a_store_keeps_its_data_and_migrates_nothing_twice() {
    let dir = temp();
    let path = db_in(&dir);
    let r = simple("s", "m", "cpu", Some("main"), 1.0);
    let id = SqliteStore::open(&path).unwrap().record(&r).unwrap();
    for _ in 0..3 {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.report(id).unwrap(), r);
        assert_eq!(store.runs(&RunFilter::default()).unwrap().len(), 1);
    }
    assert_eq!(version_rows(&path), vec![STORE_SCHEMA_VERSION]);
}

/// A store written by the perfgate that knew schema 1 (no `source_json`, no
/// `metrics.processes`) is migrated in place when opened: its runs read back as they were,
/// and ingested reports keep their source and their count of processes.
#[test]
fn a_schema_1_store_is_migrated_and_keeps_its_runs() {
    let dir = temp();
    let path = db_in(&dir);
    let old = simple("s", "m", "cpu", Some("main"), 1.0);
    let old_id = SqliteStore::open(&path).unwrap().record(&old).unwrap();
    {
        // Make it exactly what schema 1 was.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP INDEX runs_suite_testbed_device; DROP INDEX runs_report_sha256;
             ALTER TABLE runs DROP COLUMN testbed; ALTER TABLE runs DROP COLUMN testbed_named;
             ALTER TABLE runs DROP COLUMN report_sha256; DROP TABLE tokens; DROP TABLE projects;
             ALTER TABLE baselines RENAME COLUMN testbed TO machine_id;
             ALTER TABLE runs DROP COLUMN source_json; ALTER TABLE metrics DROP COLUMN processes;
             ALTER TABLE runs DROP COLUMN gate; ALTER TABLE runs DROP COLUMN selection_json;
             DROP TABLE verdicts; DROP TABLE profiles;
             UPDATE schema_version SET version = 1;",
        )
        .unwrap();
    }
    assert_eq!(version_rows(&path), vec![1]);
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 6);
    assert_eq!(store.report(old_id).unwrap(), old);
    // Schema 5: a run recorded before testbeds has its machine as its testbed.
    let before = store.runs(&RunFilter::default()).unwrap();
    assert_eq!(before[0].testbed, "m");
    assert_eq!(
        store
            .runs(&RunFilter {
                testbed: Some("m".into()),
                ..Default::default()
            })
            .unwrap()
            .len(),
        1
    );
    let mut ingested = simple("s", "m", "cpu", Some("main"), 2.0);
    ingested.source = Some(perfgate::model::Source {
        format: "gbench".into(),
        metadata: [("library_version".to_string(), serde_json::json!("v1.7.1"))].into(),
    });
    let m = &mut ingested.benchmarks[0].metrics[0];
    m.samples = vec![2.0, 2.1, 1.9];
    m.processes = Some(1);
    let id = store.record(&ingested).unwrap();
    assert_eq!(store.report(id).unwrap(), ingested);
    // Schema 4: a run recorded with what its gate said, and the part of the suite it was.
    let mut partial = simple("s", "m", "cpu", Some("main"), 3.0);
    partial.selection = Some(perfgate::model::Selection {
        tags: vec!["smoke".into()],
        filter: None,
    });
    let judgement = perfgate::store::Judgement {
        gate: "fail".into(),
        verdicts: vec![perfgate::store::MetricVerdict {
            benchmark: partial.benchmarks[0].name.clone(),
            metric: partial.benchmarks[0].metrics[0].name.clone(),
            verdict: "critical".into(),
        }],
    };
    let judged = store.record_judged(&partial, Some(&judgement)).unwrap();
    assert_eq!(store.report(judged).unwrap(), partial);
    let runs = store.runs(&RunFilter::default()).unwrap();
    assert_eq!(runs[0].gate.as_deref(), Some("fail"));
    assert_eq!(runs[0].selection, partial.selection);
    assert_eq!(
        (runs[1].gate.as_ref(), runs[1].selection.as_ref()),
        (None, None)
    );
    let b = &partial.benchmarks[0];
    let h = store
        .metric_history(&RunFilter::default(), &b.name, &b.metrics[0].name)
        .unwrap();
    let verdicts: Vec<Option<&str>> = h.iter().map(|p| p.verdict.as_deref()).collect();
    assert_eq!(verdicts, [Some("critical"), None, None]);
    drop(store);
    assert_eq!(version_rows(&path), vec![6]);
}
