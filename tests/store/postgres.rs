//! What only the PostgreSQL store has: refusing a database it must not touch, and telling
//! a server out of reach (503 for the server) from a failed statement.

use perfgate::store::{RunFilter, StoreError};

use crate::backends::postgres;
use crate::builders::*;

fn open_err(location: &str) -> StoreError {
    match perfgate::store::open(std::path::Path::new(location)) {
        Ok(_) => panic!("{location} was opened"),
        Err(e) => e,
    }
}

#[test]
fn a_database_of_a_newer_perfgate_is_refused_and_left_alone() {
    let Some(backend) = postgres("a_database_of_a_newer_perfgate_is_refused_and_left_alone") else {
        return;
    };
    let mut store = backend.open();
    store
        .record(&simple("s", "m", "cpu", Some("main"), 1.0))
        .unwrap();
    drop(store);
    let mut db = backend.client();
    db.batch_execute("UPDATE perfgate_schema_version SET version = 99")
        .unwrap();
    let e = open_err(backend.location());
    assert!(matches!(e, StoreError::Unusable { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("written by a newer perfgate (store schema 99, this perfgate knows 2)"),
        "{text}"
    );
    assert_eq!(backend.version_rows(), vec![99]);
    let runs: i64 = db
        .query_one("SELECT count(*) FROM runs", &[])
        .unwrap()
        .get(0);
    assert_eq!(runs, 1);
}

#[test]
fn a_database_with_another_programs_tables_is_refused_untouched() {
    let Some(backend) = postgres("a_database_with_another_programs_tables_is_refused_untouched")
    else {
        return;
    };
    let mut db = backend.client();
    db.batch_execute("CREATE TABLE runs (x integer); INSERT INTO runs VALUES (7);")
        .unwrap();
    let e = open_err(backend.location());
    let text = e.to_string();
    assert!(
        text.contains("not a perfgate store") && text.contains("\"runs\""),
        "{text}"
    );
    let tables: Vec<String> = db
        .query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(tables, ["runs"]);
}

#[test]
fn a_lost_connection_is_unavailable_not_a_database_error() {
    let Some(backend) = postgres("a_lost_connection_is_unavailable_not_a_database_error") else {
        return;
    };
    let store = backend.open();
    assert!(store.runs(&RunFilter::default()).unwrap().is_empty());
    // The administrator (or a restart) ends the store's connection.
    let mut db = backend.client();
    let ended: i64 = db
        .query_one(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = 'perfgate') AS t",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(ended, 1);
    let e = store.runs(&RunFilter::default()).unwrap_err();
    assert!(matches!(e, StoreError::Unavailable { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with(&format!(
            "{}: the database is unavailable: ",
            backend.location()
        )),
        "{e}"
    );
    // A statement that fails on a live connection is a database error, not "unavailable".
    let store = backend.open();
    db.batch_execute("DROP TABLE verdicts").unwrap();
    let e = store
        .metric_history(&RunFilter::default(), "sort", "wall_time")
        .unwrap_err();
    assert!(matches!(e, StoreError::Database { .. }), "{e:?}");
    assert!(e.to_string().contains("verdicts"), "{e}");
}
