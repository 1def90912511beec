//! Column encodings (the same as the SQLite store's, so a report reads back bit for bit) and
//! the SQL of run filters.

use std::fmt::Write as _;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub(super) use crate::store::columns::*;
use crate::store::RunFilter;

/// JSON text of `value`; floats in their shortest form that reads back to the same bits.
pub(super) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}

/// Reads JSON written by [`to_json`] with every float bit for bit (serde_json's
/// `float_roundtrip` parser is correctly rounded).
pub(super) fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// A nullable JSON column, decoded.
pub(super) fn optional_json<T: DeserializeOwned>(
    json: Option<String>,
) -> Result<Option<T>, String> {
    json.map(|j| from_json(&j)).transpose()
}

/// A query's parameters, numbered `$1`, `$2`, ... as they are added.
#[derive(Default)]
pub(super) struct Params {
    values: Vec<Box<dyn postgres::types::ToSql + Sync>>,
}

impl Params {
    /// Adds `value` and returns its placeholder (`$n`).
    pub(super) fn push(&mut self, value: impl postgres::types::ToSql + Sync + 'static) -> String {
        self.values.push(Box::new(value));
        format!("${}", self.values.len())
    }

    pub(super) fn as_refs(&self) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
        self.values.iter().map(|v| &**v as _).collect()
    }
}

/// `AND ...` conditions on the runs table (aliased `alias`) for the set fields of `filter`.
pub(super) fn run_conditions(filter: &RunFilter, alias: &str, params: &mut Params) -> String {
    let mut clause = String::new();
    for (column, value) in [
        ("suite", &filter.suite),
        ("testbed", &filter.testbed),
        ("device", &filter.device),
        ("git_branch", &filter.branch),
    ] {
        if let Some(v) = value {
            let at = params.push(v.clone());
            let _ = write!(clause, " AND {alias}.{column} = {at}");
        }
    }
    if let Some(before) = filter.before {
        let at = params.push(before);
        let _ = write!(clause, " AND {alias}.id < {at}");
    }
    clause
}

/// A run limit as SQL's `bigint`.
pub(super) fn limit_i64(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// `url` without its password (`postgres://user:secret@host/db` -> `postgres://user@host/db`),
/// to name the store in messages. Key-value connection strings lose their `password=...`.
pub(super) fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
        if let Some((userinfo, host)) = authority.rsplit_once('@') {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            return format!("{scheme}://{user}@{host}{}", redact_query(tail));
        }
        return format!("{scheme}://{authority}{}", redact_query(tail));
    }
    url.split_whitespace()
        .filter(|kv| !kv.starts_with("password="))
        .collect::<Vec<_>>()
        .join(" ")
}

fn redact_query(tail: &str) -> String {
    match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|kv| !kv.starts_with("password="))
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://ci:s3cret@db.example:5432/perf?sslmode=disable&password=x"),
            "postgres://ci@db.example:5432/perf?sslmode=disable"
        );
        assert_eq!(
            redact("postgresql://postgres@127.0.0.1:5/postgres"),
            "postgresql://postgres@127.0.0.1:5/postgres"
        );
        assert_eq!(redact("postgres://h/db?password=y"), "postgres://h/db");
        assert_eq!(redact("host=db user=ci password=s3cret"), "host=db user=ci");
    }

    #[test]
    fn samples_keep_every_bit() {
        let samples = [0.1 + 0.2, -0.0, f64::NAN, 5e-324, f64::MAX];
        let back = samples_from_bytes(&samples_as_bytes(&samples)).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&samples));
        assert_eq!(samples_from_bytes(&[0; 7]), None);
    }
}
