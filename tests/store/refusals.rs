//! Refusals: the file is left byte for byte as it was.

use std::path::{Path, PathBuf};

use perfgate::store::sqlite::{SqliteStore, STORE_SCHEMA_VERSION};
use perfgate::store::{Store, StoreError};

use crate::builders::*;

fn refused(path: &Path) -> String {
    let before = std::fs::read(path).unwrap();
    let e = match SqliteStore::open(path) {
        Err(e @ StoreError::Unusable { .. }) => e.to_string(),
        Err(e) => panic!("expected Unusable, got {e:?}"),
        Ok(_) => panic!("{} was opened", path.display()),
    };
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "the file was modified"
    );
    assert!(e.starts_with(&format!("{}: ", path.display())), "{e}");
    // A second attempt says the same and still changes nothing.
    assert_eq!(SqliteStore::open(path).unwrap_err().to_string(), e);
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "the file was modified"
    );
    e
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_untouched() {
    let dir = temp();
    for (name, bytes) in [
        ("notes.txt", b"hello, this is not a database\n".repeat(100)),
        ("short.bin", b"SQLite format 3".to_vec()),
        ("fake-header.db", {
            let mut b = b"SQLite format 3\0".to_vec();
            b.extend(std::iter::repeat_n(0xA5u8, 4000));
            b
        }),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let e = refused(&path);
        assert!(
            e.ends_with("not a perfgate store: file is not a SQLite database"),
            "{name}: {e}"
        );
        assert_eq!(
            sidecars(&path),
            Vec::<PathBuf>::new(),
            "{name}: files left behind"
        );
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

#[test]
fn another_programs_database_is_refused_untouched() {
    let dir = temp();
    let path = dir.path().join("app.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
             INSERT INTO users (name) VALUES ('ada'), ('grace');",
        )
        .unwrap();
    }
    let e = refused(&path);
    assert!(
        e.contains("not a perfgate store") && e.contains("another program") && e.contains("users"),
        "{e}"
    );
    assert_eq!(sidecars(&path), Vec::<PathBuf>::new(), "files left behind");

    // Even one that happens to have a table called schema_version.
    let path = dir.path().join("migrations.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_version (version INTEGER); INSERT INTO schema_version VALUES (1);",
        )
        .unwrap();
    }
    let e = refused(&path);
    assert!(e.contains("another program"), "{e}");
}

#[test]
fn a_store_from_a_newer_perfgate_is_refused_untouched() {
    let dir = temp();
    let path = db_in(&dir);
    let r = simple("s", "m", "cpu", Some("main"), 1.0);
    SqliteStore::open(&path).unwrap().record(&r).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("UPDATE schema_version SET version = 999", [])
            .unwrap();
    }
    let e = refused(&path);
    assert!(
        e.ends_with(&format!(
            "written by a newer perfgate (store schema 999, this perfgate knows {STORE_SCHEMA_VERSION}): \
             refusing to modify it; upgrade perfgate"
        )),
        "{e}"
    );
    assert_eq!(sidecars(&path), Vec::<PathBuf>::new(), "files left behind");
    assert_eq!(version_rows(&path), vec![999]);
}

#[test]
fn paths_with_spaces_and_uri_characters_work_and_refuse_alike() {
    let dir = temp();
    let path = dir.path().join("odd dir ?#%&=;/store 100%.db");
    let r = simple("s", "m", "cpu", Some("main"), 1.0);
    let id = SqliteStore::open(&path).unwrap().record(&r).unwrap();
    assert_eq!(SqliteStore::open(&path).unwrap().report(id).unwrap(), r);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE schema_version SET version = ?1",
            [STORE_SCHEMA_VERSION + 1],
        )
        .unwrap();
    }
    let e = refused(&path);
    let expected = format!(
        "store schema {}, this perfgate knows {STORE_SCHEMA_VERSION}",
        STORE_SCHEMA_VERSION + 1
    );
    assert!(e.contains(&expected), "{e}");
    assert_eq!(sidecars(&path), Vec::<PathBuf>::new(), "files left behind");
}
