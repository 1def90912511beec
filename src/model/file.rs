//! Reading and writing report files. Writes go through [`crate::files`] (atomic for regular
//! files, so a reader never sees half a report); reads say which file is wrong and why.

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{Report, SCHEMA_VERSION};

/// A report's identity: the SHA-256 (hex) of its canonical JSON (field order fixed by the
/// model, floats in shortest round-trip form). The same report read from any file, or pushed
/// twice, has the same id; any change to a sample gives another.
pub fn report_id(report: &Report) -> String {
    // Serialising a report cannot fail: every map key is a string.
    let bytes = serde_json::to_vec(report).unwrap_or_default();
    crate::digest::sha256_hex(&bytes)
}

/// Reads and checks a report (or baseline) file.
pub fn read_report(path: &Path) -> Result<Report> {
    let text =
        crate::read::text(path).map_err(|e| Error::input(path, format!("cannot read: {e}")))?;
    parse_report(&text).map_err(|message| Error::input(path, message))
}

/// Parses report JSON; the error says why it is not a usable report.
pub fn parse_report(text: &str) -> std::result::Result<Report, String> {
    let value: serde_json::Value =
        crate::strict_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let obj = value
        .as_object()
        .ok_or("not a perfgate report: the top level is not a JSON object")?;
    match obj.get("schema_version") {
        None => {
            return Err(
                "not a perfgate report: no `schema_version` field (is this a comparison or another tool's output? try `perfgate ingest`)".into(),
            )
        }
        Some(v) if v.as_u64() == Some(u64::from(SCHEMA_VERSION)) => {}
        Some(v) => {
            return Err(format!(
                "report schema_version {v} is not supported: this perfgate ({}) reads version {SCHEMA_VERSION}",
                crate::model::TOOL_VERSION
            ))
        }
    }
    let report: Report =
        serde_json::from_value(value).map_err(|e| format!("not a valid perfgate report: {e}"))?;
    validate(&report)?;
    for (key, rule) in &report.thresholds {
        rule.validate(key)?;
    }
    Ok(report)
}

fn validate(report: &Report) -> std::result::Result<(), String> {
    let mut names = std::collections::HashSet::new();
    for b in &report.benchmarks {
        if !names.insert(b.name.as_str()) {
            return Err(format!(
                "benchmark `{}` appears twice: names in a report are unique",
                b.name
            ));
        }
        for m in &b.metrics {
            if let Some(bad) = m.samples.iter().find(|v| !v.is_finite()) {
                return Err(format!(
                    "benchmark `{}` metric `{}`: sample {bad} is not a finite number",
                    b.name, m.name
                ));
            }
            if crate::model::units::never_negative(&m.unit) {
                let summary = [m.summary.min, m.summary.median, m.summary.mean];
                if let Some(bad) = m.samples.iter().chain(&summary).find(|v| **v < 0.0) {
                    return Err(format!(
                        "benchmark `{}` metric `{}`: {bad} {} is negative, which a measurement in {} cannot be",
                        b.name, m.name, m.unit, m.unit
                    ));
                }
            }
            if !m.samples.is_empty() && m.samples.len() != m.summary.n {
                return Err(format!(
                    "benchmark `{}` metric `{}`: summary.n is {} but there are {} samples",
                    b.name,
                    m.name,
                    m.summary.n,
                    m.samples.len()
                ));
            }
        }
    }
    Ok(())
}

/// Writes `value` as pretty JSON to `path` (see [`write_atomic`]), serialized straight into
/// the file: a report of millions of samples is never held whole as text.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    crate::files::write_with(path, crate::files::FileKind::Data, |w| {
        serde_json::to_writer_pretty(&mut *w, value).map_err(std::io::Error::from)?;
        w.write_all(b"\n")
    })
    .map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `bytes` to `path`: atomically for a regular file, in place for a FIFO or device,
/// through a symbolic link to its target (see [`crate::files`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::files::write(path, bytes, crate::files::FileKind::Data).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}
