//! Filters, row decoding and column encodings shared by reads and writes.

use std::fmt::Write as _;

pub(super) use crate::store::columns::*;
use crate::store::{RunFilter, RunInfo};

pub(super) const RUN_COLUMNS: &str =
    "r.id, r.suite, r.timestamp_utc, r.git_commit, r.git_branch, r.git_dirty, r.machine_id, \
                           r.hostname, r.device, r.config_sha256, r.tool_version, r.gate, r.selection_json, \
                           r.testbed";
pub(super) const RUN_COLUMN_COUNT: usize = 14;

/// `AND ...` conditions on the runs table (aliased `alias`) for the set fields of `filter`.
/// Only set fields get a condition, so SQLite can use the indexes.
pub(super) fn run_conditions(
    filter: &RunFilter,
    alias: &str,
) -> (String, Vec<rusqlite::types::Value>) {
    let mut clause = String::new();
    let mut args = Vec::new();
    for (column, value) in [
        ("suite", &filter.suite),
        ("testbed", &filter.testbed),
        ("device", &filter.device),
        ("git_branch", &filter.branch),
    ] {
        if let Some(v) = value {
            let _ = write!(clause, " AND {alias}.{column} = ?");
            args.push(rusqlite::types::Value::Text(v.clone()));
        }
    }
    if let Some(before) = filter.before {
        let _ = write!(clause, " AND {alias}.id < ?");
        args.push(rusqlite::types::Value::Integer(before));
    }
    (clause, args)
}

pub(super) fn limit_i64(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

pub(super) fn run_info(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<RunInfo> {
    Ok(RunInfo {
        id: r.get(at)?,
        suite: r.get(at + 1)?,
        timestamp_utc: r.get(at + 2)?,
        git: git_from(r.get(at + 3)?, r.get(at + 4)?, r.get(at + 5)?),
        machine_id: r.get(at + 6)?,
        testbed: r.get(at + 13)?,
        hostname: r.get(at + 7)?,
        device: r.get(at + 8)?,
        config_sha256: r.get(at + 9)?,
        tool_version: r.get(at + 10)?,
        gate: r.get(at + 11)?,
        selection: match r.get_ref(at + 12)? {
            rusqlite::types::ValueRef::Text(t) => Some(
                std::str::from_utf8(t)
                    .map_err(|e| e.to_string())
                    .and_then(super::json::from_json)
                    .map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(
                            at + 12,
                            rusqlite::types::Type::Text,
                            format!("selection_json: {e}").into(),
                        )
                    })?,
            ),
            _ => None,
        },
    })
}
