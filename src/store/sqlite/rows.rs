//! Filters, row decoding and column encodings shared by reads and writes.

use std::fmt::Write as _;

use crate::model::{BenchStatus, Direction, GitInfo};
use crate::stats::Summary;
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

pub(super) fn git_from(
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

pub(super) fn direction_str(d: Direction) -> &'static str {
    match d {
        Direction::LowerIsBetter => "lower_is_better",
        Direction::HigherIsBetter => "higher_is_better",
    }
}

pub(super) fn parse_direction(s: &str) -> Option<Direction> {
    match s {
        "lower_is_better" => Some(Direction::LowerIsBetter),
        "higher_is_better" => Some(Direction::HigherIsBetter),
        _ => None,
    }
}

pub(super) fn parse_status(s: &str) -> Option<BenchStatus> {
    [BenchStatus::Ok, BenchStatus::Failed, BenchStatus::Skipped]
        .into_iter()
        .find(|st| st.as_str() == s)
}

/// The samples as little-endian bytes (the stored form; see `samples_from_bytes`).
pub(super) fn samples_as_bytes(samples: &[f64]) -> Vec<u8> {
    samples.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub(super) fn samples_from_bytes(bytes: &[u8]) -> Option<Vec<f64>> {
    (bytes.len() % 8 == 0).then(|| {
        bytes
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect()
    })
}

/// JSON cannot hold NaN or infinities (serde_json writes `null`, which then fails to read
/// back), so a summary with one is refused rather than recorded unreadable. Names the field.
pub(super) fn check_summary_finite(s: &Summary) -> Result<(), &'static str> {
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
