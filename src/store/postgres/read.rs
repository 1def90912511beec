//! Reading: runs, whole reports (in one repeatable-read transaction, so a writer never shows
//! half a run), series, one metric's history and baselines.

use postgres::{IsolationLevel, Row, Transaction};

use super::codec::*;
use super::PostgresStore;
use crate::model::{BenchmarkResult, Metric, Report, Tool};
use crate::store::{
    BaselineInfo, BaselineKey, HistoryPoint, RunFilter, RunId, RunInfo, StoreError,
};

const RUN_COLUMNS: &str = "r.id, r.suite, r.timestamp_utc, r.git_commit, r.git_branch, r.git_dirty, \
     r.machine_id, r.hostname, r.device, r.config_sha256, r.tool_version, r.gate, r.selection_json, r.testbed";
const RUN_COLUMN_COUNT: usize = 14;

/// The run columns of `row` (selected with [`RUN_COLUMNS`] first) as a [`RunInfo`].
fn run_info(row: &Row) -> Result<RunInfo, String> {
    let get = |i: usize| row.try_get::<_, String>(i).map_err(|e| e.to_string());
    let opt = |i: usize| {
        row.try_get::<_, Option<String>>(i)
            .map_err(|e| e.to_string())
    };
    Ok(RunInfo {
        id: row.try_get(0).map_err(|e| e.to_string())?,
        suite: get(1)?,
        timestamp_utc: get(2)?,
        git: git_from(opt(3)?, opt(4)?, row.try_get(5).map_err(|e| e.to_string())?),
        machine_id: get(6)?,
        hostname: get(7)?,
        device: get(8)?,
        config_sha256: get(9)?,
        tool_version: get(10)?,
        gate: opt(11)?,
        selection: optional_json(opt(12)?).map_err(|e| format!("selection_json: {e}"))?,
        testbed: get(13)?,
    })
}

impl PostgresStore {
    pub(super) fn read_runs(&self, filter: &RunFilter) -> Result<Vec<RunInfo>, StoreError> {
        let mut params = Params::default();
        let clause = run_conditions(filter, "r", &mut params);
        let limit = params.push(filter.limit.map(limit_i64));
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs AS r WHERE TRUE {clause} ORDER BY r.id DESC LIMIT {limit}"
        );
        let rows = self.query(&sql, &params)?;
        rows.iter()
            .map(|r| run_info(r).map_err(|e| self.corrupt(format!("runs: {e}"))))
            .collect()
    }

    pub(super) fn read_series(
        &self,
        filter: &RunFilter,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let lower = self.oldest_of_newest(filter)?;
        let mut params = Params::default();
        let clause = run_conditions(filter, "r", &mut params);
        let mut sql = format!(
            "SELECT DISTINCT m.benchmark, m.name FROM metrics AS m JOIN runs AS r ON r.id = m.run_id
             WHERE TRUE {clause}"
        );
        if let Some(lower) = lower {
            sql.push_str(&format!(" AND m.run_id >= {}", params.push(lower)));
        }
        // Byte order (the columns' collation), as SQLite sorts text.
        sql.push_str(" ORDER BY m.benchmark, m.name");
        let rows = self.query(&sql, &params)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    pub(super) fn read_history(
        &self,
        filter: &RunFilter,
        benchmark: &str,
        metric: &str,
    ) -> Result<Vec<HistoryPoint>, StoreError> {
        let lower = self.oldest_of_newest(filter)?;
        let mut params = Params::default();
        let b = params.push(benchmark.to_string());
        let m = params.push(metric.to_string());
        let clause = run_conditions(filter, "r", &mut params);
        // Never selects `samples`. A benchmark or metric name repeated within one run: its
        // first occurrence only (DISTINCT ON keeps the first row of each run in this order).
        let mut sql = format!(
            "SELECT DISTINCT ON (m.run_id) {RUN_COLUMNS}, m.unit, m.direction, m.summary_json, v.verdict
             FROM metrics AS m JOIN runs AS r ON r.id = m.run_id
             LEFT JOIN verdicts AS v
                    ON v.run_id = m.run_id AND v.benchmark = m.benchmark AND v.metric = m.name
             WHERE m.benchmark = {b} AND m.name = {m} {clause}"
        );
        if let Some(lower) = lower {
            sql.push_str(&format!(" AND m.run_id >= {}", params.push(lower)));
        }
        // The page's upper bound on the metrics' own run id too, so the index
        // (benchmark, name, run_id) is read over that range only.
        if let Some(before) = filter.before {
            sql.push_str(&format!(" AND m.run_id < {}", params.push(before)));
        }
        sql.push_str(" ORDER BY m.run_id DESC, m.benchmark_position, m.position");
        let rows = self.query(&sql, &params)?;
        let at = RUN_COLUMN_COUNT;
        rows.iter()
            .map(|r| {
                let run = run_info(r).map_err(|e| self.corrupt(format!("runs: {e}")))?;
                let what =
                    |e: String| self.corrupt(format!("run {}, {benchmark}.{metric}: {e}", run.id));
                let direction: String = r.get(at + 1);
                let summary: String = r.get(at + 2);
                Ok(HistoryPoint {
                    benchmark: benchmark.to_string(),
                    metric: metric.to_string(),
                    unit: r.get(at),
                    direction: parse_direction(&direction)
                        .ok_or_else(|| what(format!("bad direction `{direction}`")))?,
                    summary: from_json(&summary).map_err(|e| what(format!("summary_json: {e}")))?,
                    verdict: r.get(at + 3),
                    run,
                })
            })
            .collect()
    }

    /// The id of the oldest of the newest `limit` runs matching `filter` (None: no bound).
    fn oldest_of_newest(&self, filter: &RunFilter) -> Result<Option<RunId>, StoreError> {
        let Some(limit) = filter.limit else {
            return Ok(None);
        };
        if limit == 0 {
            return Ok(Some(i64::MAX));
        }
        let mut params = Params::default();
        let clause = run_conditions(filter, "r", &mut params);
        let offset = params.push(limit_i64(limit) - 1);
        let sql = format!(
            "SELECT r.id FROM runs AS r WHERE TRUE {clause} ORDER BY r.id DESC LIMIT 1 OFFSET {offset}"
        );
        let rows = self.query(&sql, &params)?;
        // Fewer than `limit` runs: all of them.
        Ok(Some(rows.first().map_or(i64::MIN, |r| r.get(0))))
    }

    fn query(&self, sql: &str, params: &Params) -> Result<Vec<Row>, StoreError> {
        self.client
            .borrow_mut()
            .query(sql, &params.as_refs())
            .map_err(|e| self.err(&e))
    }

    pub(super) fn read_report(&self, id: RunId) -> Result<Report, StoreError> {
        let mut client = self.client.borrow_mut();
        let mut tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(|e| self.err(&e))?;
        let run = tx
            .query_opt(
                "SELECT suite, timestamp_utc, git_commit, git_branch, git_dirty, machine_json, device,
                        config_sha256, tool_name, tool_version, schema_version, seed, thresholds_json,
                        source_json, selection_json,
                        CASE WHEN testbed_named THEN testbed END AS named_testbed
                 FROM runs WHERE id = $1",
                &[&id],
            )
            .map_err(|e| self.err(&e))?
            .ok_or_else(|| StoreError::NoSuchRun {
                path: self.location.clone().into(),
                id,
            })?;
        let mut report = self.report_of(id, &run)?;
        report.benchmarks = self.benchmarks(&mut tx, id)?;
        report.profiles = tx
            .query(
                "SELECT profile_json FROM profiles WHERE run_id = $1 ORDER BY position",
                &[&id],
            )
            .map_err(|e| self.err(&e))?
            .iter()
            .map(|r| {
                from_json(r.get(0))
                    .map_err(|e| self.corrupt(format!("run {id}: profile_json: {e}")))
            })
            .collect::<Result<_, _>>()?;
        tx.commit().map_err(|e| self.err(&e))?;
        Ok(report.with_scaling())
    }

    /// The report of run `id` from its `runs` row; no benchmarks yet.
    fn report_of(&self, id: RunId, r: &Row) -> Result<Report, StoreError> {
        let what = |column: &str, e: String| self.corrupt(format!("run {id}: {column}: {e}"));
        let schema_version: i64 = r.get("schema_version");
        let seed: i64 = r.get("seed");
        Ok(Report {
            schema_version: u32::try_from(schema_version)
                .map_err(|e| what("schema_version", e.to_string()))?,
            tool: Tool {
                name: r.get("tool_name"),
                version: r.get("tool_version"),
            },
            suite: r.get("suite"),
            timestamp_utc: r.get("timestamp_utc"),
            git: git_from(r.get("git_commit"), r.get("git_branch"), r.get("git_dirty")),
            machine: from_json(r.get("machine_json")).map_err(|e| what("machine_json", e))?,
            testbed: r.get("named_testbed"),
            device: r.get("device"),
            config_sha256: r.get("config_sha256"),
            seed: seed as u64,
            benchmarks: Vec::new(),
            thresholds: from_json(r.get("thresholds_json"))
                .map_err(|e| what("thresholds_json", e))?,
            source: optional_json(r.get("source_json")).map_err(|e| what("source_json", e))?,
            scaling: Vec::new(),
            selection: optional_json(r.get("selection_json"))
                .map_err(|e| what("selection_json", e))?,
            profiles: Vec::new(),
        })
    }

    /// The run's benchmarks in their recorded order, with their metrics.
    fn benchmarks(
        &self,
        tx: &mut Transaction<'_>,
        id: RunId,
    ) -> Result<Vec<BenchmarkResult>, StoreError> {
        let rows = tx
            .query(
                "SELECT position, name, status, reason, tags_json, params_json, device, command, warmup_runs
                 FROM benchmarks WHERE run_id = $1 ORDER BY position",
                &[&id],
            )
            .map_err(|e| self.err(&e))?;
        let mut benchmarks = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            let name: String = r.get("name");
            let what = |field: &str, e: String| {
                self.corrupt(format!("run {id}, benchmark {name}: {field}: {e}"))
            };
            if usize::try_from(r.get::<_, i32>("position")).ok() != Some(i) {
                return Err(what("position", "out of sequence".into()));
            }
            let status: String = r.get("status");
            let warmup_runs: i64 = r.get("warmup_runs");
            benchmarks.push(BenchmarkResult {
                status: parse_status(&status)
                    .ok_or_else(|| what("status", format!("unknown `{status}`")))?,
                reason: r.get("reason"),
                tags: from_json(r.get("tags_json")).map_err(|e| what("tags_json", e))?,
                params: from_json(r.get("params_json")).map_err(|e| what("params_json", e))?,
                device: r.get("device"),
                command: r.get("command"),
                warmup_runs: u32::try_from(warmup_runs)
                    .map_err(|e| what("warmup_runs", e.to_string()))?,
                leaked_processes: 0,
                metrics: Vec::new(),
                name,
            });
        }
        self.add_metrics(tx, id, &mut benchmarks)?;
        Ok(benchmarks)
    }

    /// Reads the run's metrics into `benchmarks`, checking each belongs where it says.
    fn add_metrics(
        &self,
        tx: &mut Transaction<'_>,
        id: RunId,
        benchmarks: &mut [BenchmarkResult],
    ) -> Result<(), StoreError> {
        let rows = tx
            .query(
                "SELECT benchmark_position, position, name, unit, direction, summary_json, samples, processes
                 FROM metrics WHERE run_id = $1 ORDER BY benchmark_position, position",
                &[&id],
            )
            .map_err(|e| self.err(&e))?;
        for r in &rows {
            let bench_pos: i32 = r.get("benchmark_position");
            let name: String = r.get("name");
            let Some(bench) = usize::try_from(bench_pos)
                .ok()
                .and_then(|p| benchmarks.get_mut(p))
            else {
                return Err(self.corrupt(format!(
                    "run {id}: metric {name} of a missing benchmark {bench_pos}"
                )));
            };
            let what = |field: &str, e: String| {
                self.corrupt(format!("run {id}, {}.{name}: {field}: {e}", bench.name))
            };
            if usize::try_from(r.get::<_, i32>("position")).ok() != Some(bench.metrics.len()) {
                return Err(what("position", "out of sequence".into()));
            }
            let direction: String = r.get("direction");
            let processes: Option<i64> = r.get("processes");
            let metric = Metric {
                processes: processes.and_then(|p| u64::try_from(p).ok()),
                unit: r.get::<_, String>("unit").into(),
                direction: parse_direction(&direction)
                    .ok_or_else(|| what("direction", format!("unknown `{direction}`")))?,
                samples: samples_from_bytes(r.get("samples"))
                    .ok_or_else(|| what("samples", "length not a multiple of 8".into()))?,
                summary: from_json(r.get("summary_json")).map_err(|e| what("summary_json", e))?,
                name,
            };
            bench.metrics.push(metric);
        }
        Ok(())
    }

    pub(super) fn read_baseline(&self, key: &BaselineKey) -> Result<Option<Report>, StoreError> {
        let row = self
            .client
            .borrow_mut()
            .query_opt(
                "SELECT report_json FROM baselines
                 WHERE suite = $1 AND device = $2 AND testbed = $3 AND name = $4",
                &[&key.suite, &key.device, &key.testbed, &key.name],
            )
            .map_err(|e| self.err(&e))?;
        row.map(|r| {
            from_json(r.get(0))
                .map_err(|e| self.corrupt(format!("baseline {}: report_json: {e}", key.name)))
        })
        .transpose()
    }

    pub(super) fn read_baselines(&self) -> Result<Vec<BaselineInfo>, StoreError> {
        let rows = self.query(
            "SELECT suite, device, testbed, name, created_utc, source FROM baselines
             ORDER BY suite, device, testbed, name",
            &Params::default(),
        )?;
        Ok(rows
            .iter()
            .map(|r| BaselineInfo {
                key: BaselineKey {
                    suite: r.get(0),
                    device: r.get(1),
                    testbed: r.get(2),
                    name: r.get(3),
                },
                created_utc: r.get(4),
                source: r.get(5),
            })
            .collect())
    }
}
