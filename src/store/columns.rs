//! Column encodings both stores use, so that a report reads back bit for bit from either:
//! directions and statuses as words, git facts from three nullable columns, samples as
//! little-endian `f64` bytes, and the check that a summary can be kept as JSON.

use crate::model::{BenchStatus, Direction, GitInfo};
use crate::stats::Summary;

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
