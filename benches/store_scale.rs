//! How the SQLite store scales (the store issue's targets: record 10,000 reports totalling
//! 1,000,000 samples in under 5 s; one metric's history over 10,000 runs in under 50 ms).
//! With `PERFGATE_TEST_POSTGRES` set (a superuser URL, e.g. from `bench/pg_cluster.sh start`)
//! it also measures the PostgreSQL store over 100,000 runs, in a database it creates and
//! drops. `cargo bench --bench store_scale` prints the times. Not a test: read it.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark program: it prints its numbers, and stops at the first broken step"
)]

use std::time::Instant;

use perfgate::model::{Direction, Report};
use perfgate::stats::SplitMix64;
use perfgate::store::postgres::PostgresStore;
use perfgate::store::sqlite::SqliteStore;
use perfgate::store::{RunFilter, Store};
use perfgate::testing::{self, bench, metric};

const RUNS: usize = 10_000;
const METRICS: [&str; 4] = ["wall_time", "user_time", "sys_time", "peak_rss"];
const SAMPLES: usize = 25;
/// PostgreSQL: reports recorded through the store, then copied in SQL up to `PG_RUNS`.
const PG_RECORDED: usize = 2_000;
const PG_RUNS: usize = 100_000;

fn report(i: usize) -> Report {
    let mut rng = SplitMix64::new(i as u64);
    let metrics = METRICS.iter().map(|name| {
        let samples: Vec<f64> = (0..SAMPLES)
            .map(|_| 0.01 * (1.0 + (rng.below(1000) as f64 - 500.0) / 10_000.0))
            .collect();
        let unit = if *name == "peak_rss" { "bytes" } else { "s" };
        metric(name, unit, Direction::LowerIsBetter, samples)
    });
    testing::report()
        .suite("scale")
        .commit(&format!("{i:040x}"))
        .seed(i as u64)
        .bench(
            bench("group/bench")
                .tags(&["smoke"])
                .command("./bench --fast")
                .warmup_runs(1)
                .metrics(metrics),
        )
        .build()
}

fn median_of_5(mut f: impl FnMut() -> usize, expect: usize) -> f64 {
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let n = f();
            let s = t.elapsed().as_secs_f64();
            assert_eq!(n, expect);
            s
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[2]
}

fn main() {
    let reports: Vec<Report> = (0..RUNS).map(report).collect();
    sqlite(&reports);
    if let Ok(url) = std::env::var("PERFGATE_TEST_POSTGRES") {
        postgres(&url, &reports[..PG_RECORDED]);
    }
}

fn sqlite(reports: &[Report]) {
    let samples: usize = reports
        .iter()
        .flat_map(|r| &r.benchmarks)
        .flat_map(|b| &b.metrics)
        .map(|m| m.samples.len())
        .sum();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("perfgate.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let t = Instant::now();
    for r in reports {
        store.record(r).unwrap();
    }
    let record = t.elapsed().as_secs_f64();
    println!(
        "record {RUNS} reports ({samples} samples, one transaction each) into a fresh store: {record:.3} s \
         (target < 5 s); store {:.1} MB",
        std::fs::metadata(&path).unwrap().len() as f64 / 1e6
            + std::fs::metadata(dir.path().join("perfgate.db-wal")).map_or(0.0, |m| m.len() as f64 / 1e6)
    );
    drop(store);

    // As `perfgate history` does it: open, then read (the file is in the OS cache by now).
    let t = Instant::now();
    let store = SqliteStore::open(&path).unwrap();
    let n = store
        .metric_history(&RunFilter::default(), "group/bench", "wall_time")
        .unwrap()
        .len();
    assert_eq!(n, RUNS);
    println!(
        "open + first metric_history of {RUNS} runs: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let all = RunFilter::default();
    let filtered = RunFilter {
        suite: Some("scale".into()),
        testbed: Some("0123456789abcdef".into()),
        device: Some("cpu".into()),
        branch: Some("main".into()),
        before: None,
        limit: None,
    };
    for (what, filter) in [
        ("no filter", &all),
        ("suite+machine+device+branch", &filtered),
    ] {
        let t = median_of_5(
            || {
                store
                    .metric_history(filter, "group/bench", "wall_time")
                    .unwrap()
                    .len()
            },
            RUNS,
        );
        println!(
            "metric_history of {RUNS} runs ({what}, no limit): median of 5 = {:.1} ms (target < 50 ms)",
            t * 1e3
        );
    }
    let t = median_of_5(|| store.runs(&filtered).unwrap().len(), RUNS);
    println!("runs ({RUNS}, filtered): median of 5 = {:.1} ms", t * 1e3);
    let t = median_of_5(|| store.series(&filtered).unwrap().len(), METRICS.len());
    println!(
        "series (over {RUNS} runs, filtered): median of 5 = {:.1} ms",
        t * 1e3
    );
    let last = RunFilter {
        limit: Some(20),
        ..filtered
    };
    let t = median_of_5(
        || {
            store
                .metric_history(&last, "group/bench", "wall_time")
                .unwrap()
                .len()
        },
        20,
    );
    println!(
        "metric_history, last 20 runs: median of 5 = {:.2} ms",
        t * 1e3
    );
    let t = median_of_5(
        || store.report(RUNS as i64 / 2).unwrap().benchmarks.len(),
        1,
    );
    println!("report(id): median of 5 = {:.3} ms", t * 1e3);
}

/// The PostgreSQL store: record `reports` through it, copy them in SQL up to [`PG_RUNS`] runs,
/// then time the reads.
fn postgres(admin_url: &str, reports: &[Report]) {
    let db = format!("pgt_bench_{}", std::process::id());
    let mut admin = postgres::Client::connect(admin_url, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .unwrap();
    let (head, _) = admin_url.rsplit_once('/').unwrap();
    let url = format!("{head}/{db}");
    pg_measure(&url, reports);
    if std::env::var_os("PERFGATE_BENCH_KEEP_DB").is_some() {
        println!("postgres: kept database {url}");
        return;
    }
    admin
        .batch_execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
        .unwrap();
}

fn pg_measure(url: &str, reports: &[Report]) {
    let mut store = PostgresStore::open(url).unwrap();
    let t = Instant::now();
    for r in reports {
        store.record(r).unwrap();
    }
    let record = t.elapsed().as_secs_f64();
    println!(
        "postgres: record {} reports (one transaction each): {record:.3} s ({:.2} ms each)",
        reports.len(),
        record * 1e3 / reports.len() as f64
    );
    let copies = PG_RUNS / reports.len() - 1;
    let mut sql = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let t = Instant::now();
    sql.batch_execute(&format!(
        "CREATE TEMP TABLE copies AS SELECT r.id AS src, g AS copy, nextval(pg_get_serial_sequence('runs', 'id')) AS id
           FROM runs AS r, generate_series(1, {copies}) AS g;
         INSERT INTO runs OVERRIDING SYSTEM VALUE
           SELECT c.id, NULL, r.suite, r.timestamp_utc, r.git_commit, r.git_branch, r.git_dirty, r.machine_id,
                  r.testbed, r.testbed_named, r.hostname, r.machine_json, r.device, r.config_sha256, r.tool_name, r.tool_version,
                  r.schema_version, r.seed, r.thresholds_json, r.source_json, r.selection_json, r.gate
           FROM copies AS c JOIN runs AS r ON r.id = c.src;
         INSERT INTO benchmarks SELECT c.id, b.position, b.name, b.status, b.reason, b.tags_json, b.params_json,
                  b.device, b.command, b.warmup_runs
           FROM copies AS c JOIN benchmarks AS b ON b.run_id = c.src;
         INSERT INTO metrics SELECT c.id, m.benchmark, m.benchmark_position, m.position, m.name, m.unit,
                  m.direction, m.summary_json, m.median, m.processes, m.samples
           FROM copies AS c JOIN metrics AS m ON m.run_id = c.src;
         ANALYZE;"
    ))
    .unwrap();
    let runs: i64 = sql
        .query_one("SELECT count(*) FROM runs", &[])
        .unwrap()
        .get(0);
    assert_eq!(runs as usize, PG_RUNS);
    println!(
        "postgres: copied in SQL up to {PG_RUNS} runs in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    drop(store);
    let t = Instant::now();
    let store = PostgresStore::open(url).unwrap();
    println!(
        "postgres: open (connect + schema check): {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    pg_reads(&store);
}

fn pg_reads(store: &PostgresStore) {
    let all = RunFilter::default();
    let filtered = RunFilter {
        suite: Some("scale".into()),
        testbed: Some("0123456789abcdef".into()),
        before: None,
        device: Some("cpu".into()),
        branch: Some("main".into()),
        limit: None,
    };
    for (what, filter, expect) in [
        ("no filter, no limit", all.clone(), PG_RUNS),
        (
            "suite+testbed+device+branch, no limit",
            filtered.clone(),
            PG_RUNS,
        ),
        (
            "filtered, limit 1000",
            RunFilter {
                limit: Some(1000),
                ..filtered.clone()
            },
            1000,
        ),
        (
            "filtered, limit 100",
            RunFilter {
                limit: Some(100),
                ..filtered.clone()
            },
            100,
        ),
        (
            "filtered, limit 20",
            RunFilter {
                limit: Some(20),
                ..filtered.clone()
            },
            20,
        ),
    ] {
        let t = median_of_5(
            || {
                store
                    .metric_history(&filter, "group/bench", "wall_time")
                    .unwrap()
                    .len()
            },
            expect,
        );
        println!(
            "postgres: metric_history of {PG_RUNS} runs ({what}): median of 5 = {:.1} ms",
            t * 1e3
        );
    }
    let last_100 = RunFilter {
        limit: Some(100),
        ..filtered.clone()
    };
    let t = median_of_5(|| store.runs(&last_100).unwrap().len(), 100);
    println!(
        "postgres: runs (newest 100, filtered): median of 5 = {:.2} ms",
        t * 1e3
    );
    let t = median_of_5(|| store.series(&filtered).unwrap().len(), METRICS.len());
    println!(
        "postgres: series (over {PG_RUNS} runs, filtered): median of 5 = {:.1} ms",
        t * 1e3
    );
    let t = median_of_5(
        || store.report(PG_RUNS as i64 / 2).unwrap().benchmarks.len(),
        1,
    );
    println!("postgres: report(id): median of 5 = {:.3} ms", t * 1e3);
}
