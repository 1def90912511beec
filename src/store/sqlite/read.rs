//! Reading a recorded run back into a report.

use rusqlite::types::ValueRef;
use rusqlite::OptionalExtension;

use super::*;
use crate::model::{BenchmarkResult, Machine, Metric, Report, Tool};
use crate::store::{RunId, StoreError};

impl SqliteStore {
    pub(super) fn read_report(&self, id: RunId) -> Result<Report, StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let run = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT suite, timestamp_utc, git_commit, git_branch, git_dirty, machine_json, device,
                            config_sha256, tool_name, tool_version, schema_version, seed, thresholds_json, source_json,
                            selection_json
                     FROM runs WHERE id = ?1",
                )
                .map_err(|e| self.err(e))?;
            stmt.query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    git_from(r.get(2)?, r.get(3)?, r.get(4)?),
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, i64>(10)?,
                    r.get::<_, i64>(11)?,
                    r.get::<_, String>(12)?,
                    r.get::<_, Option<String>>(13)?,
                    r.get::<_, Option<String>>(14)?,
                ))
            })
            .optional()
            .map_err(|e| self.err(e))?
        };
        let Some((
            suite,
            timestamp_utc,
            git,
            machine_json,
            device,
            config_sha256,
            tool_name,
            tool_version,
            schema,
            seed,
            thresholds_json,
            source_json,
            selection_json,
        )) = run
        else {
            return Err(StoreError::NoSuchRun {
                path: self.path.clone(),
                id,
            });
        };
        let machine: Machine = from_json(&machine_json)
            .map_err(|e| self.corrupt(format!("run {id}: machine_json: {e}")))?;
        let thresholds = from_json(&thresholds_json)
            .map_err(|e| self.corrupt(format!("run {id}: thresholds_json: {e}")))?;
        let source = source_json
            .map(|j| from_json(&j))
            .transpose()
            .map_err(|e| self.corrupt(format!("run {id}: source_json: {e}")))?;
        let selection = selection_json
            .map(|j| from_json(&j))
            .transpose()
            .map_err(|e| self.corrupt(format!("run {id}: selection_json: {e}")))?;

        let mut benchmarks: Vec<BenchmarkResult> = Vec::new();
        {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT position, name, status, reason, tags_json, params_json, device, command, warmup_runs
                     FROM benchmarks WHERE run_id = ?1 ORDER BY position",
                )
                .map_err(|e| self.err(e))?;
            let mut rows = stmt.query([id]).map_err(|e| self.err(e))?;
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                let position: i64 = r.get(0).map_err(|e| self.err(e))?;
                if position != benchmarks.len() as i64 {
                    return Err(self.corrupt(format!(
                        "run {id}: benchmark position {position} out of sequence"
                    )));
                }
                let name: String = r.get(1).map_err(|e| self.err(e))?;
                let status: String = r.get(2).map_err(|e| self.err(e))?;
                let tags_json: String = r.get(4).map_err(|e| self.err(e))?;
                let params_json: String = r.get(5).map_err(|e| self.err(e))?;
                let what = |field: &str, e: String| {
                    self.corrupt(format!("run {id}, benchmark {name}: {field}: {e}"))
                };
                benchmarks.push(BenchmarkResult {
                    status: parse_status(&status)
                        .ok_or_else(|| what("status", format!("unknown `{status}`")))?,
                    reason: r.get(3).map_err(|e| self.err(e))?,
                    tags: from_json(&tags_json).map_err(|e| what("tags_json", e))?,
                    params: from_json(&params_json).map_err(|e| what("params_json", e))?,
                    device: r.get(6).map_err(|e| self.err(e))?,
                    command: r.get(7).map_err(|e| self.err(e))?,
                    warmup_runs: r.get(8).map_err(|e| self.err(e))?,
                    leaked_processes: 0,
                    metrics: Vec::new(),
                    name,
                });
            }
        }
        {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT benchmark_position, position, name, unit, direction, summary_json, samples,
                            processes
                     FROM metrics WHERE run_id = ?1 ORDER BY benchmark_position, position",
                )
                .map_err(|e| self.err(e))?;
            let mut rows = stmt.query([id]).map_err(|e| self.err(e))?;
            while let Some(r) = rows.next().map_err(|e| self.err(e))? {
                let bench_pos: i64 = r.get(0).map_err(|e| self.err(e))?;
                let position: i64 = r.get(1).map_err(|e| self.err(e))?;
                let name: String = r.get(2).map_err(|e| self.err(e))?;
                let Some(bench) = usize::try_from(bench_pos)
                    .ok()
                    .and_then(|p| benchmarks.get_mut(p))
                else {
                    return Err(self.corrupt(format!(
                        "run {id}: metric {name} of a missing benchmark {bench_pos}"
                    )));
                };
                if position != bench.metrics.len() as i64 {
                    return Err(self.corrupt(format!(
                        "run {id}, benchmark {}: metric position {position} out of sequence",
                        bench.name
                    )));
                }
                let direction: String = r.get(4).map_err(|e| self.err(e))?;
                let summary_json: String = r.get(5).map_err(|e| self.err(e))?;
                let samples = match r.get_ref(6).map_err(|e| self.err(e))? {
                    ValueRef::Blob(b) => Some(b),
                    _ => None,
                };
                let what = |field: &str, e: String| StoreError::Database {
                    path: self.path.clone(),
                    message: format!(
                        "corrupt store: run {id}, {}.{name}: {field}: {e}",
                        bench.name
                    ),
                };
                let processes: Option<i64> = r.get(7).map_err(|e| self.err(e))?;
                let metric = Metric {
                    processes: processes.and_then(|p| u64::try_from(p).ok()),
                    unit: r.get::<_, String>(3).map_err(|e| self.err(e))?.into(),
                    direction: parse_direction(&direction)
                        .ok_or_else(|| what("direction", format!("unknown `{direction}`")))?,
                    samples: samples.and_then(samples_from_bytes).ok_or_else(|| {
                        what(
                            "samples",
                            "not a blob of f64 (length a multiple of 8)".into(),
                        )
                    })?,
                    summary: summary_from_json(&summary_json)
                        .map_err(|e| what("summary_json", e))?,
                    name,
                };
                bench.metrics.push(metric);
            }
        }
        tx.finish().map_err(|e| self.err(e))?;
        Ok(Report {
            schema_version: u32::try_from(schema)
                .map_err(|_| self.corrupt(format!("run {id}: schema_version {schema}")))?,
            tool: Tool {
                name: tool_name,
                version: tool_version,
            },
            suite,
            timestamp_utc,
            git,
            machine,
            device,
            config_sha256,
            seed: seed as u64,
            benchmarks,
            thresholds,
            source,
            scaling: Vec::new(),
            selection,
        }
        .with_scaling())
    }
}
