//! Recording a report: everything in one transaction.

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::*;
use crate::model::Report;
use crate::store::{Judgement, Recorded, RunId};

/// A report turned into column values before the write transaction starts, so that the
/// transaction (and the write lock) lasts only as long as the inserts.
pub(super) struct Prepared<'a> {
    report: &'a Report,
    columns: Encoded,
    /// [`crate::model::report_id`] when recorded with [`Prepared::keyed`].
    report_sha256: Option<String>,
}

impl<'a> Prepared<'a> {
    pub(super) fn new(report: &'a Report) -> Result<Self, String> {
        Ok(Prepared {
            report,
            columns: Encoded::of(report)?,
            report_sha256: None,
        })
    }

    /// The same report, keyed by its id so that [`Prepared::insert`] stores it once.
    pub(super) fn keyed(mut self) -> Self {
        self.report_sha256 = Some(crate::model::report_id(self.report));
        self
    }

    /// Inserts the report, and what a gate said of it, in one transaction.
    pub(super) fn insert(
        &self,
        conn: &Connection,
        judgement: Option<&Judgement>,
    ) -> rusqlite::Result<Recorded> {
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        if let Some(key) = &self.report_sha256 {
            // Under the write lock: two pushes of one report cannot both miss it.
            let known: Option<RunId> = tx
                .prepare_cached("SELECT id FROM runs WHERE report_sha256 = ?1")?
                .query_row([key], |r| r.get(0))
                .optional()?;
            if let Some(id) = known {
                return Ok(Recorded { id, created: false });
            }
        }
        let run_id = self.insert_run(&tx, judgement.map(|j| j.gate.as_str()))?;
        self.insert_benchmarks(&tx, run_id)?;
        insert_profiles(&tx, run_id, &self.columns.profiles_json)?;
        if let Some(j) = judgement {
            insert_verdicts(&tx, run_id, j)?;
        }
        tx.commit()?;
        Ok(Recorded {
            id: run_id,
            created: true,
        })
    }

    /// The `runs` row; returns its id.
    fn insert_run(&self, tx: &Transaction<'_>, gate: Option<&str>) -> rusqlite::Result<RunId> {
        let r = self.report;
        let git = r.git.as_ref();
        tx.prepare_cached(
            "INSERT INTO runs (suite, timestamp_utc, git_commit, git_branch, git_dirty, machine_id, hostname,
                               machine_json, device, config_sha256, tool_name, tool_version, schema_version,
                               seed, thresholds_json, source_json, selection_json, gate,
                               testbed, testbed_named, report_sha256)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                     ?19, ?20, ?21)",
        )?
        .execute(params![
            r.suite,
            r.timestamp_utc,
            git.map(|g| &g.commit),
            git.and_then(|g| g.branch.as_ref()),
            git.map(|g| g.dirty),
            r.machine.id,
            r.machine.hostname,
            self.columns.machine_json,
            r.device,
            r.config_sha256,
            r.tool.name,
            r.tool.version,
            r.schema_version,
            // The u64's bits: SQLite integers are signed.
            r.seed as i64,
            self.columns.thresholds_json,
            self.columns.source_json,
            self.columns.selection_json,
            gate,
            r.testbed(),
            r.testbed.is_some(),
            self.report_sha256,
        ])?;
        Ok(tx.last_insert_rowid())
    }

    /// A `benchmarks` row per benchmark and a `metrics` row per metric of run `run_id`.
    fn insert_benchmarks(&self, tx: &Transaction<'_>, run_id: RunId) -> rusqlite::Result<()> {
        let mut bench_stmt = tx.prepare_cached(
            "INSERT INTO benchmarks (run_id, position, name, status, reason, tags_json, params_json, device,
                                     command, warmup_runs)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let mut metric_stmt = tx.prepare_cached(
            "INSERT INTO metrics (run_id, benchmark, benchmark_position, position, name, unit, direction,
                                  summary_json, median, samples, processes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for (bi, (b, pb)) in self
            .report
            .benchmarks
            .iter()
            .zip(&self.columns.benchmarks)
            .enumerate()
        {
            bench_stmt.execute(params![
                run_id,
                bi as i64,
                b.name,
                b.status.as_str(),
                b.reason,
                pb.tags_json,
                pb.params_json,
                b.device,
                b.command,
                b.warmup_runs,
            ])?;
            for (mi, (m, (summary_json, samples))) in b.metrics.iter().zip(&pb.metrics).enumerate()
            {
                metric_stmt.execute(params![
                    run_id,
                    b.name,
                    bi as i64,
                    mi as i64,
                    m.name,
                    m.unit.as_str(),
                    direction_str(m.direction),
                    summary_json,
                    m.summary.median,
                    samples,
                    m.processes.map(|p| p as i64),
                ])?;
            }
        }
        Ok(())
    }
}

/// What the gate said of each metric of run `run_id`.
fn insert_verdicts(tx: &Transaction<'_>, run_id: RunId, j: &Judgement) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR REPLACE INTO verdicts (run_id, benchmark, metric, verdict) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for v in &j.verdicts {
        stmt.execute(params![run_id, v.benchmark, v.metric, v.verdict])?;
    }
    Ok(())
}

fn insert_profiles(tx: &Transaction<'_>, run_id: RunId, json: &[String]) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO profiles (run_id, position, profile_json) VALUES (?1, ?2, ?3)",
    )?;
    for (i, p) in json.iter().enumerate() {
        stmt.execute(params![run_id, i as i64, p])?;
    }
    Ok(())
}

/// Replaces run `run_id`'s profiles in one transaction; false when there is no such run.
pub(super) fn replace_profiles(
    conn: &Connection,
    run_id: RunId,
    json: &[String],
) -> rusqlite::Result<bool> {
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let exists: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM runs WHERE id = ?1")?
        .query_row([run_id], |r| r.get(0))
        .optional()?;
    if exists.is_none() {
        return Ok(false);
    }
    tx.execute("DELETE FROM profiles WHERE run_id = ?1", [run_id])?;
    insert_profiles(&tx, run_id, json)?;
    tx.commit()?;
    Ok(true)
}
