//! Reading a recorded run back into a report: its `runs` row, then its benchmarks, then their
//! metrics, in one read transaction so that a writer never shows half a run.

use rusqlite::types::ValueRef;
use rusqlite::{OptionalExtension, Row, Transaction};

use super::*;
use crate::model::{BenchmarkResult, GitInfo, Metric, Report, Tool};
use crate::store::{RunId, StoreError};

/// The `runs` row of a recorded run, its JSON columns not yet decoded.
struct RunRow {
    suite: String,
    timestamp_utc: String,
    git: Option<GitInfo>,
    machine_json: String,
    device: String,
    config_sha256: String,
    tool_name: String,
    tool_version: String,
    schema_version: i64,
    /// The u64 seed's bits, as SQLite keeps integers.
    seed: i64,
    thresholds_json: String,
    source_json: Option<String>,
    selection_json: Option<String>,
    /// The testbed the report named; `None` when it named none (the machine is the testbed).
    named_testbed: Option<String>,
}

impl RunRow {
    const SELECT: &'static str =
        "SELECT suite, timestamp_utc, git_commit, git_branch, git_dirty, machine_json, device,
                config_sha256, tool_name, tool_version, schema_version, seed, thresholds_json,
                source_json, selection_json,
                CASE WHEN testbed_named THEN testbed END AS named_testbed
         FROM runs WHERE id = ?1";

    fn from_row(r: &Row<'_>) -> rusqlite::Result<RunRow> {
        Ok(RunRow {
            suite: r.get("suite")?,
            timestamp_utc: r.get("timestamp_utc")?,
            git: git_from(
                r.get("git_commit")?,
                r.get("git_branch")?,
                r.get("git_dirty")?,
            ),
            machine_json: r.get("machine_json")?,
            device: r.get("device")?,
            config_sha256: r.get("config_sha256")?,
            tool_name: r.get("tool_name")?,
            tool_version: r.get("tool_version")?,
            schema_version: r.get("schema_version")?,
            seed: r.get("seed")?,
            thresholds_json: r.get("thresholds_json")?,
            source_json: r.get("source_json")?,
            selection_json: r.get("selection_json")?,
            named_testbed: r.get("named_testbed")?,
        })
    }
}

const SELECT_BENCHMARKS: &str =
    "SELECT position, name, status, reason, tags_json, params_json, device, command, warmup_runs
     FROM benchmarks WHERE run_id = ?1 ORDER BY position";

const SELECT_METRICS: &str =
    "SELECT benchmark_position, position, name, unit, direction, summary_json, samples, processes
     FROM metrics WHERE run_id = ?1 ORDER BY benchmark_position, position";

impl SqliteStore {
    pub(super) fn read_report(&self, id: RunId) -> Result<Report, StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let mut report = self.report_of(id, self.run_row(&tx, id)?)?;
        report.benchmarks = self.benchmarks(&tx, id)?;
        self.add_metrics(&tx, id, &mut report.benchmarks)?;
        report.profiles = self.profiles(&tx, id)?;
        tx.finish().map_err(|e| self.err(e))?;
        Ok(report.with_scaling())
    }

    /// The run's profiles, in their recorded order.
    fn profiles(
        &self,
        tx: &Transaction<'_>,
        id: RunId,
    ) -> Result<Vec<crate::model::profile::BenchProfile>, StoreError> {
        let mut stmt = tx
            .prepare_cached("SELECT profile_json FROM profiles WHERE run_id = ?1 ORDER BY position")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([id], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for json in rows {
            let json = json.map_err(|e| self.err(e))?;
            out.push(
                from_json(&json)
                    .map_err(|e| self.corrupt(format!("run {id}: profile_json: {e}")))?,
            );
        }
        Ok(out)
    }

    fn run_row(&self, tx: &Transaction<'_>, id: RunId) -> Result<RunRow, StoreError> {
        tx.prepare_cached(RunRow::SELECT)
            .and_then(|mut stmt| stmt.query_row([id], RunRow::from_row).optional())
            .map_err(|e| self.err(e))?
            .ok_or_else(|| StoreError::NoSuchRun {
                path: self.path.clone(),
                id,
            })
    }

    /// The run's benchmarks in their recorded order, without their metrics.
    fn benchmarks(
        &self,
        tx: &Transaction<'_>,
        id: RunId,
    ) -> Result<Vec<BenchmarkResult>, StoreError> {
        let mut stmt = tx
            .prepare_cached(SELECT_BENCHMARKS)
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([id]).map_err(|e| self.err(e))?;
        let mut benchmarks = Vec::new();
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let position: i64 = r.get("position").map_err(|e| self.err(e))?;
            if position != benchmarks.len() as i64 {
                return Err(self.corrupt(format!(
                    "run {id}: benchmark position {position} out of sequence"
                )));
            }
            benchmarks.push(self.benchmark_of(id, r)?);
        }
        Ok(benchmarks)
    }

    fn benchmark_of(&self, id: RunId, r: &Row<'_>) -> Result<BenchmarkResult, StoreError> {
        let get = |column: &str| r.get::<_, String>(column).map_err(|e| self.err(e));
        let name = get("name")?;
        let status = get("status")?;
        let what = |field: &str, e: String| {
            self.corrupt(format!("run {id}, benchmark {name}: {field}: {e}"))
        };
        Ok(BenchmarkResult {
            status: parse_status(&status)
                .ok_or_else(|| what("status", format!("unknown `{status}`")))?,
            reason: r.get("reason").map_err(|e| self.err(e))?,
            tags: from_json(&get("tags_json")?).map_err(|e| what("tags_json", e))?,
            params: from_json(&get("params_json")?).map_err(|e| what("params_json", e))?,
            device: get("device")?,
            command: r.get("command").map_err(|e| self.err(e))?,
            warmup_runs: r.get("warmup_runs").map_err(|e| self.err(e))?,
            leaked_processes: 0,
            metrics: Vec::new(),
            name,
        })
    }

    /// Reads the run's metrics into `benchmarks`, checking each belongs where it says.
    fn add_metrics(
        &self,
        tx: &Transaction<'_>,
        id: RunId,
        benchmarks: &mut [BenchmarkResult],
    ) -> Result<(), StoreError> {
        let mut stmt = tx.prepare_cached(SELECT_METRICS).map_err(|e| self.err(e))?;
        let mut rows = stmt.query([id]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let bench_pos: i64 = r.get("benchmark_position").map_err(|e| self.err(e))?;
            let position: i64 = r.get("position").map_err(|e| self.err(e))?;
            let name: String = r.get("name").map_err(|e| self.err(e))?;
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
            let metric = self.metric_of(r, name, &format!("run {id}, {}", bench.name))?;
            bench.metrics.push(metric);
        }
        Ok(())
    }

    /// The metric `name` of row `r`; `at` says where it is in the store's words.
    fn metric_of(&self, r: &Row<'_>, name: String, at: &str) -> Result<Metric, StoreError> {
        let what = |field: &str, e: String| self.corrupt(format!("{at}.{name}: {field}: {e}"));
        let direction: String = r.get("direction").map_err(|e| self.err(e))?;
        let summary_json: String = r.get("summary_json").map_err(|e| self.err(e))?;
        let samples = match r.get_ref("samples").map_err(|e| self.err(e))? {
            ValueRef::Blob(b) => samples_from_bytes(b),
            _ => None,
        };
        let processes: Option<i64> = r.get("processes").map_err(|e| self.err(e))?;
        Ok(Metric {
            processes: processes.and_then(|p| u64::try_from(p).ok()),
            unit: r.get::<_, String>("unit").map_err(|e| self.err(e))?.into(),
            direction: parse_direction(&direction)
                .ok_or_else(|| what("direction", format!("unknown `{direction}`")))?,
            samples: samples.ok_or_else(|| {
                what(
                    "samples",
                    "not a blob of f64 (length a multiple of 8)".into(),
                )
            })?,
            summary: summary_from_json(&summary_json).map_err(|e| what("summary_json", e))?,
            name,
        })
    }

    /// The report of run `id` from its row, its JSON columns decoded; no benchmarks yet.
    fn report_of(&self, id: RunId, run: RunRow) -> Result<Report, StoreError> {
        let what = |column: &str, e: String| self.corrupt(format!("run {id}: {column}: {e}"));
        let machine = from_json(&run.machine_json).map_err(|e| what("machine_json", e))?;
        let thresholds = from_json(&run.thresholds_json).map_err(|e| what("thresholds_json", e))?;
        let source = optional_json(run.source_json).map_err(|e| what("source_json", e))?;
        let selection = optional_json(run.selection_json).map_err(|e| what("selection_json", e))?;
        Ok(Report {
            schema_version: u32::try_from(run.schema_version).map_err(|_| {
                self.corrupt(format!("run {id}: schema_version {}", run.schema_version))
            })?,
            tool: Tool {
                name: run.tool_name,
                version: run.tool_version,
            },
            suite: run.suite,
            timestamp_utc: run.timestamp_utc,
            git: run.git,
            machine,
            testbed: run.named_testbed,
            device: run.device,
            config_sha256: run.config_sha256,
            seed: run.seed as u64,
            benchmarks: Vec::new(),
            thresholds,
            source,
            scaling: Vec::new(),
            selection,
            profiles: Vec::new(),
        })
    }
}

/// A nullable JSON column, decoded.
fn optional_json<T: serde::de::DeserializeOwned>(
    json: Option<String>,
) -> Result<Option<T>, String> {
    json.map(|j| from_json(&j)).transpose()
}
