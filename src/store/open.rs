//! Which store a location names, opened as the [`Store`] trait: callers never name an
//! implementation. A `postgres://` or `postgresql://` URL is a PostgreSQL database; any other
//! location written as a URL (`scheme://...`) is refused rather than taken for a file path
//! (which would create a directory named `scheme:`); everything else is a SQLite file.

use std::path::Path;

use super::postgres::PostgresStore;
use super::sqlite::SqliteStore;
use super::{
    BaselineInfo, BaselineKey, HistoryPoint, Judgement, Recorded, RunFilter, RunId, RunInfo, Store,
    StoreError, TokenGrant, TokenScope,
};
use crate::model::Report;

/// The implementation a location selects.
#[derive(Debug, PartialEq)]
enum Location<'a> {
    /// A SQLite file, created when missing.
    File(&'a Path),
    /// A PostgreSQL database: its connection URL.
    Postgres(&'a str),
}

/// Opens the store at `location` for reading and writing: a file path is a SQLite store,
/// created (with its directory) when missing and brought up to date. A store, or a file that
/// is not one, that this perfgate cannot use is refused and left as it was.
pub fn open(location: &Path) -> Result<Box<dyn Store>, StoreError> {
    match parse(location)? {
        Location::File(path) => Ok(Box::new(SqliteStore::open(path)?)),
        Location::Postgres(url) => Ok(Box::new(PostgresStore::open(url)?)),
    }
}

/// Opens the store at `location` for a command that only reads it (history, reports,
/// baselines), so that a store on a read-only file system, or one the user may only read, can
/// be read. A store that is missing or of an older schema is created or upgraded as by
/// [`open`], as any command would. A PostgreSQL database is opened as by [`open`] (what a
/// user may do there is the server's grants' business).
pub fn open_read_only(location: &Path) -> Result<Box<dyn Store>, StoreError> {
    match parse(location)? {
        Location::File(path) => Ok(Box::new(SqliteStore::open_read_only(path)?)),
        Location::Postgres(url) => Ok(Box::new(PostgresStore::open(url)?)),
    }
}

/// A boxed store is a store: what [`open`] returns can be passed as it is where a
/// `&dyn Store` (or `&mut dyn Store`) is wanted.
impl<S: Store + ?Sized> Store for Box<S> {
    fn record_judged(
        &mut self,
        report: &Report,
        judgement: Option<&Judgement>,
    ) -> Result<RunId, StoreError> {
        (**self).record_judged(report, judgement)
    }
    fn record_once(
        &mut self,
        report: &Report,
        judgement: Option<&Judgement>,
    ) -> Result<Recorded, StoreError> {
        (**self).record_once(report, judgement)
    }
    fn runs(&self, filter: &RunFilter) -> Result<Vec<RunInfo>, StoreError> {
        (**self).runs(filter)
    }
    fn report(&self, id: RunId) -> Result<Report, StoreError> {
        (**self).report(id)
    }
    fn record_profiles(
        &mut self,
        id: RunId,
        profiles: &[crate::model::profile::BenchProfile],
    ) -> Result<(), StoreError> {
        (**self).record_profiles(id, profiles)
    }
    fn judgement(&self, id: RunId) -> Result<Option<Judgement>, StoreError> {
        (**self).judgement(id)
    }
    fn series(&self, filter: &RunFilter) -> Result<Vec<(String, String)>, StoreError> {
        (**self).series(filter)
    }
    fn metric_history(
        &self,
        filter: &RunFilter,
        benchmark: &str,
        metric: &str,
    ) -> Result<Vec<HistoryPoint>, StoreError> {
        (**self).metric_history(filter, benchmark, metric)
    }
    fn save_baseline(
        &mut self,
        key: &BaselineKey,
        report: &Report,
        source: &str,
    ) -> Result<(), StoreError> {
        (**self).save_baseline(key, report, source)
    }
    fn baseline(&self, key: &BaselineKey) -> Result<Option<Report>, StoreError> {
        (**self).baseline(key)
    }
    fn baselines(&self) -> Result<Vec<BaselineInfo>, StoreError> {
        (**self).baselines()
    }
    fn remove_baseline(&mut self, key: &BaselineKey) -> Result<bool, StoreError> {
        (**self).remove_baseline(key)
    }
    fn create_token(
        &mut self,
        project: &str,
        scope: TokenScope,
        label: &str,
    ) -> Result<String, StoreError> {
        (**self).create_token(project, scope, label)
    }
    fn token_grant(&self, token: &str) -> Result<Option<TokenGrant>, StoreError> {
        (**self).token_grant(token)
    }
    fn set_project_public(&mut self, project: &str, public: bool) -> Result<(), StoreError> {
        (**self).set_project_public(project, public)
    }
    fn project_is_public(&self, project: &str) -> Result<bool, StoreError> {
        (**self).project_is_public(project)
    }
}

fn parse(location: &Path) -> Result<Location<'_>, StoreError> {
    let text = location.to_str();
    match text.and_then(url_scheme) {
        Some("postgres" | "postgresql") => Ok(Location::Postgres(text.unwrap_or_default())),
        Some(scheme) => Err(StoreError::Unusable {
            path: location.to_path_buf(),
            message: format!(
                "a `{scheme}://` store is not supported by this perfgate: give the path of a SQLite file or a postgres:// URL"
            ),
        }),
        None => Ok(Location::File(location)),
    }
}

/// The scheme of a location written as a URL (RFC 3986: a letter, then letters, digits, `+`,
/// `-` or `.`, then `://`). A one-letter scheme is a Windows drive (`C://x`), not a URL.
fn url_scheme(location: &str) -> Option<&str> {
    let (scheme, _) = location.split_once("://")?;
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (starts_with_letter && rest_ok && scheme.len() > 1).then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_files_postgres_urls_are_databases_and_other_urls_are_refused() {
        for path in [
            ".perfgate/perfgate.db",
            "/tmp/x.db",
            "C://store.db",
            "dir/a://b",
            "weird name://x",
        ] {
            assert_eq!(
                parse(Path::new(path)).unwrap(),
                Location::File(Path::new(path))
            );
        }
        for url in ["postgres://ci@db/perf", "postgresql://ci:pw@db:5432/perf"] {
            assert_eq!(parse(Path::new(url)).unwrap(), Location::Postgres(url));
        }
        let e = parse(Path::new("mysql://ci@db/perf")).unwrap_err();
        assert!(
            e.to_string()
                .contains("a `mysql://` store is not supported"),
            "{e}"
        );
        assert_eq!(url_scheme("git+ssh://host/x"), Some("git+ssh"));
    }

    #[test]
    fn open_gives_a_working_store_behind_the_trait() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".perfgate").join("perfgate.db");
        let store = open(&path).unwrap();
        assert!(store.runs(&Default::default()).unwrap().is_empty());
        let read = open_read_only(&path).unwrap();
        assert!(read.baselines().unwrap().is_empty());
    }

    #[test]
    fn a_postgres_server_that_is_not_there_is_unavailable_and_the_password_is_not_shown() {
        // Port 1 on the loopback: nothing listens there, the connection is refused at once.
        let url = "postgres://ci:s3cret@127.0.0.1:1/perf?connect_timeout=5";
        let Err(e) = open(Path::new(url)) else {
            panic!("opened a store where no server is")
        };
        assert!(matches!(e, StoreError::Unavailable { .. }), "{e:?}");
        let text = e.to_string();
        assert!(
            text.starts_with(
                "postgres://ci@127.0.0.1:1/perf?connect_timeout=5: the database is unavailable: "
            ),
            "{text}"
        );
        assert!(!text.contains("s3cret"), "{text}");
    }
}
