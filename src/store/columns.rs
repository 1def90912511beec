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

/// A report turned into the column values both stores write, before a write transaction
/// starts (so that it, and its lock, lasts only as long as the inserts). JSON floats are
/// written in their shortest form that reads back to the same bits.
pub(super) struct Encoded {
    pub(super) machine_json: String,
    pub(super) thresholds_json: String,
    pub(super) source_json: Option<String>,
    pub(super) selection_json: Option<String>,
    /// One per profile, in order.
    pub(super) profiles_json: Vec<String>,
    /// One per benchmark, in order.
    pub(super) benchmarks: Vec<EncodedBench>,
}

pub(super) struct EncodedBench {
    pub(super) tags_json: String,
    pub(super) params_json: String,
    /// Per metric, in order: its summary as JSON and its samples as bytes.
    pub(super) metrics: Vec<(String, Vec<u8>)>,
}

impl Encoded {
    /// The columns of `report`; the error names the field that cannot be stored.
    pub(super) fn of(report: &crate::model::Report) -> Result<Encoded, String> {
        let json = |value: &dyn erased::Json, what: &str| {
            value.to_json().map_err(|e| format!("{what}: {e}"))
        };
        let mut benchmarks = Vec::with_capacity(report.benchmarks.len());
        for b in &report.benchmarks {
            let mut metrics = Vec::with_capacity(b.metrics.len());
            for m in &b.metrics {
                check_summary_finite(&m.summary).map_err(|field| {
                    format!(
                        "{}.{}: summary {field} is not finite; cannot record it",
                        b.name, m.name
                    )
                })?;
                let summary = json(&m.summary, &format!("{}.{}: summary", b.name, m.name))?;
                metrics.push((summary, samples_as_bytes(&m.samples)));
            }
            benchmarks.push(EncodedBench {
                tags_json: json(&b.tags, &format!("{}: tags", b.name))?,
                params_json: json(&b.params, &format!("{}: params", b.name))?,
                metrics,
            });
        }
        Ok(Encoded {
            machine_json: json(&report.machine, "machine")?,
            thresholds_json: json(&report.thresholds, "thresholds")?,
            source_json: report
                .source
                .as_ref()
                .map(|s| json(s, "source"))
                .transpose()?,
            selection_json: report
                .selection
                .as_ref()
                .map(|s| json(s, "selection"))
                .transpose()?,
            profiles_json: profiles_json(&report.profiles)?,
            benchmarks,
        })
    }
}

/// Each profile's JSON, in order; the error names the profile's benchmark.
pub(super) fn profiles_json(
    profiles: &[crate::model::profile::BenchProfile],
) -> Result<Vec<String>, String> {
    profiles
        .iter()
        .map(|p| serde_json::to_string(p).map_err(|e| format!("profile of {}: {e}", p.benchmark)))
        .collect()
}

/// Serialising through a reference without naming each type.
mod erased {
    pub trait Json {
        fn to_json(&self) -> serde_json::Result<String>;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> serde_json::Result<String> {
            serde_json::to_string(self)
        }
    }
}
