//! Opening: the read-only inspection of an existing file, errors and retries.

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::*;
use crate::store::StoreError;

/// Creates the directory the store at `path` lives in, when missing. A new `.perfgate/`
/// directory (where the store is by default) gets a `.gitignore` of everything, so that the
/// database never ends up in a commit; a directory the user made is left as it is.
pub(super) fn create_directory(path: &Path) -> Result<(), StoreError> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    let new_perfgate_dir = dir.file_name().is_some_and(|n| n == ".perfgate") && !dir.exists();
    std::fs::create_dir_all(dir).map_err(|e| StoreError::Database {
        path: path.to_path_buf(),
        message: format!("cannot create directory {}: {e}", dir.display()),
    })?;
    if new_perfgate_dir {
        // Best effort: the store works without it.
        let _ = std::fs::write(dir.join(".gitignore"), "*\n");
    }
    Ok(())
}

/// Looks at an existing file without modifying it: its first bytes, then (read-only) its
/// tables, application id and schema version. Ok when the file is missing, empty, a SQLite
/// database without tables (`None`), or a perfgate store this perfgate can use (its schema
/// version).
pub(super) fn inspect(path: &Path) -> Result<Option<i64>, StoreError> {
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
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(StoreError::Database {
                path: path.to_path_buf(),
                message: format!("cannot open: {e}"),
            })
        }
    }
    if header.is_empty() {
        return Ok(None);
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
        Ok(v) => Ok((v >= 0).then_some(v)),
    }
}

/// A read-only connection to the store at `path`. Plain first, so that a writer working
/// meanwhile is seen consistently; where that cannot be had (a read-only directory without
/// the `-shm` file a WAL reader needs), as immutable: nothing can be writing there.
pub(super) fn connect_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let probe = |conn: &Connection| {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.query_row("SELECT version FROM schema_version", [], |r| {
            r.get::<_, i64>(0)
        })
    };
    let plain = Connection::open_with_flags(path, flags)?;
    match probe(&plain) {
        Ok(_) => Ok(plain),
        Err(e) if is_busy(&e) => Err(e),
        Err(_) => {
            drop(plain);
            let conn = Connection::open_with_flags(
                format!("file:{}?immutable=1", uri_path(path)),
                flags | OpenFlags::SQLITE_OPEN_URI,
            )?;
            probe(&conn)?;
            Ok(conn)
        }
    }
}

/// The schema version of the database at `path` (-1: no tables), or why it is not a store.
pub(super) fn read_version(path: &Path, immutable: bool) -> rusqlite::Result<Result<i64, String>> {
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
pub(super) fn uri_path(path: &Path) -> String {
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

pub(super) fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    let names = stmt.query_map([], |r| r.get(0))?.collect();
    names
}

/// The schema version of a database that has tables, or why it is not a perfgate store.
pub(super) fn classify(
    conn: &Connection,
    tables: &[String],
) -> rusqlite::Result<Result<i64, String>> {
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

pub(super) fn newer_message(version: i64) -> String {
    format!(
        "written by a newer perfgate (store schema {version}, this perfgate knows {STORE_SCHEMA_VERSION}): \
         refusing to modify it; upgrade perfgate"
    )
}

// ----------------------------------------------------------------------------------------------
// Errors and retries.

pub(super) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Runs `f` again (after a short pause) while it fails with SQLITE_BUSY: a transaction that
/// could not take the lock, or a WAL snapshot another writer made stale.
pub(super) fn with_retries<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
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
pub(super) fn db_err(path: &Path, e: rusqlite::Error) -> StoreError {
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
