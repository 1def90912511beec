//! Recording reports and saving baselines: each in one transaction.

use postgres::{Statement, Transaction};

use super::codec::*;
use super::PostgresStore;
use crate::model::Report;
use crate::store::{BaselineKey, Judgement, RunId, StoreError};

/// A report's column values, computed before the transaction starts.
struct Prepared<'a> {
    report: &'a Report,
    columns: Encoded,
}

impl<'a> Prepared<'a> {
    fn new(report: &'a Report) -> Result<Self, String> {
        Ok(Prepared {
            report,
            columns: Encoded::of(report)?,
        })
    }

    /// The `runs` row; its id, or `None` when `sha256` is already recorded.
    fn insert_run(
        &self,
        tx: &mut Transaction<'_>,
        insert: &Statement,
        gate: Option<&str>,
        sha256: Option<&str>,
    ) -> Result<Option<RunId>, postgres::Error> {
        let r = self.report;
        let git = r.git.as_ref();
        let schema_version = i64::from(r.schema_version);
        // The u64's bits: PostgreSQL's bigint is signed.
        let seed = r.seed as i64;
        let row = tx.query_opt(
            insert,
            &[
                &sha256,
                &r.suite,
                &r.timestamp_utc,
                &git.map(|g| &g.commit),
                &git.and_then(|g| g.branch.as_ref()),
                &git.map(|g| g.dirty),
                &r.machine.id,
                &r.testbed(),
                &r.testbed.is_some(),
                &r.machine.hostname,
                &self.columns.machine_json,
                &r.device,
                &r.config_sha256,
                &r.tool.name,
                &r.tool.version,
                &schema_version,
                &seed,
                &self.columns.thresholds_json,
                &self.columns.source_json,
                &self.columns.selection_json,
                &gate,
            ],
        )?;
        Ok(row.map(|r| r.get(0)))
    }

    /// The run's benchmarks, one row each, in one statement.
    fn insert_benchmarks(
        &self,
        tx: &mut Transaction<'_>,
        insert: &Statement,
        run_id: RunId,
    ) -> Result<(), postgres::Error> {
        let b = &self.report.benchmarks;
        let positions: Vec<i32> = (0..b.len()).map(position).collect();
        let names: Vec<&str> = b.iter().map(|b| b.name.as_str()).collect();
        let status: Vec<&str> = b.iter().map(|b| b.status.as_str()).collect();
        let reasons: Vec<Option<&str>> = b.iter().map(|b| b.reason.as_deref()).collect();
        let tags: Vec<&str> = self
            .columns
            .benchmarks
            .iter()
            .map(|p| p.tags_json.as_str())
            .collect();
        let params: Vec<&str> = self
            .columns
            .benchmarks
            .iter()
            .map(|p| p.params_json.as_str())
            .collect();
        let devices: Vec<&str> = b.iter().map(|b| b.device.as_str()).collect();
        let commands: Vec<Option<&str>> = b.iter().map(|b| b.command.as_deref()).collect();
        let warmups: Vec<i64> = b.iter().map(|b| i64::from(b.warmup_runs)).collect();
        tx.execute(
            insert,
            &[
                &run_id, &positions, &names, &status, &reasons, &tags, &params, &devices,
                &commands, &warmups,
            ],
        )?;
        Ok(())
    }

    /// The run's metrics, one row each, in one statement (a report of 500 metrics is one
    /// round trip, not 500).
    fn insert_metrics(
        &self,
        tx: &mut Transaction<'_>,
        insert: &Statement,
        run_id: RunId,
    ) -> Result<(), postgres::Error> {
        let mut rows = MetricRows::default();
        for (bi, (b, encoded)) in self
            .report
            .benchmarks
            .iter()
            .zip(&self.columns.benchmarks)
            .enumerate()
        {
            for (mi, (m, (summary_json, samples))) in
                b.metrics.iter().zip(&encoded.metrics).enumerate()
            {
                rows.benchmark.push(b.name.as_str());
                rows.benchmark_position.push(position(bi));
                rows.position.push(position(mi));
                rows.name.push(m.name.as_str());
                rows.unit.push(m.unit.as_str());
                rows.direction.push(direction_str(m.direction));
                rows.summary_json.push(summary_json.as_str());
                rows.median.push(m.summary.median);
                rows.processes.push(m.processes.map(|p| p as i64));
                rows.samples.push(samples.as_slice());
            }
        }
        if rows.name.is_empty() {
            return Ok(());
        }
        tx.execute(
            insert,
            &[
                &run_id,
                &rows.benchmark,
                &rows.benchmark_position,
                &rows.position,
                &rows.name,
                &rows.unit,
                &rows.direction,
                &rows.summary_json,
                &rows.median,
                &rows.processes,
                &rows.samples,
            ],
        )?;
        Ok(())
    }
}

/// The columns of a run's metrics, as arrays for `UNNEST`.
#[derive(Default)]
struct MetricRows<'a> {
    benchmark: Vec<&'a str>,
    benchmark_position: Vec<i32>,
    position: Vec<i32>,
    name: Vec<&'a str>,
    unit: Vec<&'a str>,
    direction: Vec<&'a str>,
    summary_json: Vec<&'a str>,
    median: Vec<f64>,
    processes: Vec<Option<i64>>,
    samples: Vec<&'a [u8]>,
}

/// A position in a report as SQL's `integer`.
fn position(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

const INSERT_RUN: &str =
    "INSERT INTO runs (report_sha256, suite, timestamp_utc, git_commit, git_branch, git_dirty,
                       machine_id, testbed, testbed_named, hostname, machine_json, device,
                       config_sha256, tool_name, tool_version, schema_version, seed,
                       thresholds_json, source_json, selection_json, gate)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
             $20, $21)
     ON CONFLICT (report_sha256) DO NOTHING
     RETURNING id";

const INSERT_BENCHMARKS: &str =
    "INSERT INTO benchmarks (run_id, position, name, status, reason, tags_json, params_json,
                             device, command, warmup_runs)
     SELECT $1, * FROM UNNEST($2::integer[], $3::text[], $4::text[], $5::text[], $6::text[],
                              $7::text[], $8::text[], $9::text[], $10::bigint[])";

const INSERT_METRICS: &str =
    "INSERT INTO metrics (run_id, benchmark, benchmark_position, position, name, unit, direction,
                          summary_json, median, processes, samples)
     SELECT $1, * FROM UNNEST($2::text[], $3::integer[], $4::integer[], $5::text[], $6::text[],
                              $7::text[], $8::text[], $9::double precision[], $10::bigint[],
                              $11::bytea[])";

const INSERT_VERDICTS: &str = "INSERT INTO verdicts (run_id, benchmark, metric, verdict)
     SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[])
     ON CONFLICT (run_id, benchmark, metric) DO UPDATE SET verdict = EXCLUDED.verdict";

/// What the gate said of each metric of run `run_id`.
fn insert_verdicts(
    tx: &mut Transaction<'_>,
    insert: &Statement,
    run_id: RunId,
    j: &Judgement,
) -> Result<(), postgres::Error> {
    if j.verdicts.is_empty() {
        return Ok(());
    }
    let benchmarks: Vec<&str> = j.verdicts.iter().map(|v| v.benchmark.as_str()).collect();
    let metrics: Vec<&str> = j.verdicts.iter().map(|v| v.metric.as_str()).collect();
    let verdicts: Vec<&str> = j.verdicts.iter().map(|v| v.verdict.as_str()).collect();
    tx.execute(insert, &[&run_id, &benchmarks, &metrics, &verdicts])?;
    Ok(())
}

impl PostgresStore {
    /// Records `report` (and what a gate said of it) in one transaction. With `sha256`, a
    /// report already recorded under it is not recorded again: its run id comes back with
    /// `false`.
    pub(super) fn insert_report(
        &self,
        report: &Report,
        judgement: Option<&Judgement>,
        sha256: Option<&str>,
    ) -> Result<(RunId, bool), StoreError> {
        let prepared = Prepared::new(report).map_err(|m| self.invalid(m))?;
        let mut client = self.client.borrow_mut();
        let result = (|| {
            let [run, benchmarks, metrics, verdicts] = self.statements(
                &mut client,
                [
                    INSERT_RUN,
                    INSERT_BENCHMARKS,
                    INSERT_METRICS,
                    INSERT_VERDICTS,
                ],
            )?;
            let mut tx = client.transaction()?;
            let gate = judgement.map(|j| j.gate.as_str());
            let Some(run_id) = prepared.insert_run(&mut tx, &run, gate, sha256)? else {
                // Recorded before (or by a writer that committed meanwhile: the conflict
                // waited for it, and this statement sees it).
                let row =
                    tx.query_one("SELECT id FROM runs WHERE report_sha256 = $1", &[&sha256])?;
                tx.rollback()?;
                return Ok((row.get(0), false));
            };
            prepared.insert_benchmarks(&mut tx, &benchmarks, run_id)?;
            prepared.insert_metrics(&mut tx, &metrics, run_id)?;
            insert_profiles(&mut tx, run_id, &prepared.columns.profiles_json)?;
            if let Some(j) = judgement {
                insert_verdicts(&mut tx, &verdicts, run_id, j)?;
            }
            tx.commit()?;
            Ok((run_id, true))
        })();
        drop(client);
        result.map_err(|e| self.err(&e))
    }

    /// Replaces run `id`'s profiles in one transaction.
    pub(super) fn replace_profiles(
        &self,
        id: RunId,
        profiles: &[crate::model::profile::BenchProfile],
    ) -> Result<(), StoreError> {
        let json = crate::store::columns::profiles_json(profiles).map_err(|m| self.invalid(m))?;
        let mut client = self.client.borrow_mut();
        let exists = (|| {
            let mut tx = client.transaction()?;
            // Locks the run's row: a concurrent replacement waits.
            if tx
                .query_opt("SELECT 1 FROM runs WHERE id = $1 FOR UPDATE", &[&id])?
                .is_none()
            {
                return Ok(false);
            }
            tx.execute("DELETE FROM profiles WHERE run_id = $1", &[&id])?;
            insert_profiles(&mut tx, id, &json)?;
            tx.commit()?;
            Ok(true)
        })();
        drop(client);
        match exists.map_err(|e: postgres::Error| self.err(&e))? {
            true => Ok(()),
            false => Err(StoreError::NoSuchRun {
                path: self.location.clone().into(),
                id,
            }),
        }
    }

    pub(super) fn write_baseline(
        &self,
        key: &BaselineKey,
        report: &Report,
        source: &str,
    ) -> Result<(), StoreError> {
        let json =
            to_json(report).map_err(|e| self.invalid(format!("baseline {}: {e}", key.name)))?;
        let created = crate::context::timestamp_utc();
        self.client
            .borrow_mut()
            .execute(
                "INSERT INTO baselines (suite, device, testbed, name, created_utc, source, report_json)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (suite, device, testbed, name) DO UPDATE
                 SET created_utc = EXCLUDED.created_utc, source = EXCLUDED.source,
                     report_json = EXCLUDED.report_json",
                &[
                    &key.suite,
                    &key.device,
                    &key.testbed,
                    &key.name,
                    &created,
                    &source,
                    &json,
                ],
            )
            .map_err(|e| self.err(&e))?;
        Ok(())
    }

    pub(super) fn delete_baseline(&self, key: &BaselineKey) -> Result<bool, StoreError> {
        let n = self
            .client
            .borrow_mut()
            .execute(
                "DELETE FROM baselines WHERE suite = $1 AND device = $2 AND testbed = $3 AND name = $4",
                &[&key.suite, &key.device, &key.testbed, &key.name],
            )
            .map_err(|e| self.err(&e))?;
        Ok(n > 0)
    }
}

fn insert_profiles(
    tx: &mut postgres::Transaction<'_>,
    run_id: RunId,
    json: &[String],
) -> Result<(), postgres::Error> {
    for (i, p) in json.iter().enumerate() {
        let position = i as i32;
        tx.execute(
            "INSERT INTO profiles (run_id, position, profile_json) VALUES ($1, $2, $3)",
            &[&run_id, &position, p],
        )?;
    }
    Ok(())
}
