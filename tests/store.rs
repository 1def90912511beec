//! The SQLite store, at library level, on real files in temporary directories: exact round
//! trips, migrations, refusals that leave the file alone, filters, baselines, concurrent
//! writers and a writer killed with SIGKILL in the middle of its transactions.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use perfgate::model::{
    BenchStatus, BenchmarkResult, Direction, GitInfo, Machine, Metric, Report, Tool, SCHEMA_VERSION,
};
use perfgate::stats::{summarize, OutlierCounts, SplitMix64, Statistic, Summary};
use perfgate::store::sqlite::STORE_SCHEMA_VERSION;
use perfgate::store::{BaselineKey, RunFilter, RunId, SqliteStore, Store, StoreError};

// ----------------------------------------------------------------------------------------------
// Builders.

fn machine(id: &str) -> Machine {
    Machine {
        id: id.to_string(),
        hostname: format!("host-{id}"),
        os: "linux".into(),
        kernel: "6.8.0".into(),
        arch: "x86_64".into(),
        cpu_model: "Test CPU @ 3.0GHz".into(),
        cores: 8,
        memory_bytes: 16 << 30,
    }
}

/// A cheap summary (no bootstrap): enough for the store, which keeps it as it is.
fn quick_summary(samples: &[f64]) -> Summary {
    let n = samples.len();
    let min = samples.iter().copied().fold(f64::INFINITY, f64::min);
    let max = samples.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = samples.iter().sum::<f64>() / n as f64;
    Summary {
        n,
        min,
        max,
        mean,
        stddev: (max - min) / 4.0,
        cv: if mean != 0.0 {
            (max - min) / 4.0 / mean
        } else {
            0.0
        },
        median: samples[n / 2],
        p95: max,
        p99: max,
        mad: (max - min) / 8.0,
        ci95_mean: [min, max],
        ci95_median: [min, max],
        outliers: OutlierCounts { mild: 1, severe: 0 },
    }
}

fn metric(name: &str, unit: &str, direction: Direction, samples: Vec<f64>) -> Metric {
    Metric {
        name: name.to_string(),
        unit: unit.to_string(),
        direction,
        summary: quick_summary(&samples),
        samples,
    }
}

fn bench(name: &str, metrics: Vec<Metric>) -> BenchmarkResult {
    BenchmarkResult {
        name: name.to_string(),
        status: BenchStatus::Ok,
        reason: None,
        tags: vec![],
        params: BTreeMap::new(),
        device: "cpu".into(),
        command: Some(format!("./{name}")),
        warmup_runs: 1,
        metrics,
    }
}

fn report(
    suite: &str,
    machine_id: &str,
    device: &str,
    git: Option<GitInfo>,
    benchmarks: Vec<BenchmarkResult>,
) -> Report {
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        suite: suite.to_string(),
        timestamp_utc: "2025-01-02T03:04:05Z".into(),
        git,
        machine: machine(machine_id),
        device: device.to_string(),
        config_sha256: "ab".repeat(32),
        seed: 42,
        benchmarks,
        thresholds: BTreeMap::new(),
    }
}

fn git(branch: Option<&str>, commit: &str) -> Option<GitInfo> {
    Some(GitInfo {
        commit: commit.to_string(),
        branch: branch.map(str::to_string),
        dirty: false,
    })
}

/// A small report whose wall_time median is `value`.
fn simple(suite: &str, machine_id: &str, device: &str, branch: Option<&str>, value: f64) -> Report {
    report(
        suite,
        machine_id,
        device,
        git(branch, &format!("{:040x}", value as u64)),
        vec![bench(
            "sort",
            vec![
                metric(
                    "wall_time",
                    "s",
                    Direction::LowerIsBetter,
                    vec![value, value, value],
                ),
                metric(
                    "peak_rss",
                    "bytes",
                    Direction::LowerIsBetter,
                    vec![1e6, 2e6, 3e6],
                ),
            ],
        )],
    )
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn db_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("perfgate.db")
}

fn sidecars(path: &Path) -> Vec<PathBuf> {
    ["-wal", "-shm", "-journal"]
        .iter()
        .map(|s| PathBuf::from(format!("{}{s}", path.display())))
        .filter(|p| p.exists())
        .collect()
}

fn assert_bits_equal(a: &Report, b: &Report) {
    assert_eq!(a.benchmarks.len(), b.benchmarks.len());
    for (ba, bb) in a.benchmarks.iter().zip(&b.benchmarks) {
        assert_eq!(ba.metrics.len(), bb.metrics.len());
        for (ma, mb) in ba.metrics.iter().zip(&bb.metrics) {
            let bits = |m: &Metric| m.samples.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(ma), bits(mb), "{}.{}: samples", ba.name, ma.name);
            let sbits = |s: &Summary| {
                [
                    s.min, s.max, s.mean, s.stddev, s.cv, s.median, s.p95, s.p99, s.mad,
                ]
                .into_iter()
                .chain(s.ci95_mean)
                .chain(s.ci95_median)
                .map(f64::to_bits)
                .collect::<Vec<_>>()
            };
            assert_eq!(
                sbits(&ma.summary),
                sbits(&mb.summary),
                "{}.{}: summary",
                ba.name,
                ma.name
            );
        }
    }
}

fn tricky_report() -> Report {
    let tricky = vec![
        0.1 + 0.2,
        -0.0,
        0.0,
        5e-324,
        1e300,
        -1e300,
        0.123_456_789_012_345_68,
        std::f64::consts::PI,
        1.0 / 3.0,
        2.225_073_858_507_201e-308,
        f64::MAX,
        f64::MIN_POSITIVE,
        9_007_199_254_740_993.0,
    ];
    let mut rng = SplitMix64::new(7);
    let realistic: Vec<f64> = (0..40)
        .map(|_| 0.012_345 * (1.0 + rng.below(10_000) as f64 / 123_457.0))
        .collect();
    let mut tricky_metric = metric(
        "tricky",
        "widgets",
        Direction::HigherIsBetter,
        tricky.clone(),
    );
    tricky_metric.summary = Summary {
        n: tricky.len(),
        min: -1e300,
        max: f64::MAX,
        mean: 0.1 + 0.2,
        stddev: 5e-324,
        cv: -0.0,
        median: 1.0 / 3.0,
        p95: 1e300,
        p99: 0.123_456_789_012_345_68,
        mad: 2.225_073_858_507_201e-308,
        ci95_mean: [-0.0, 1.797_693_134_862_315_5e308],
        ci95_median: [1.0 / 7.0, 2.0 / 3.0],
        outliers: OutlierCounts { mild: 3, severe: 2 },
    };
    let mut ok = bench(
        "group/parse json",
        vec![
            Metric {
                name: "wall_time".into(),
                unit: "s".into(),
                direction: Direction::LowerIsBetter,
                summary: summarize(&realistic, &mut SplitMix64::new(42)),
                samples: realistic,
            },
            metric(
                "peak_rss",
                "bytes",
                Direction::LowerIsBetter,
                vec![1_048_576.0, 2_097_152.0],
            ),
            metric(
                "throughput",
                "lines/s",
                Direction::HigherIsBetter,
                vec![2.6e6, 2.61e6, 2.59e6],
            ),
            tricky_metric,
        ],
    );
    ok.tags = vec!["smoke".into(), "json".into()];
    ok.params = BTreeMap::from([
        ("size".to_string(), serde_json::json!(1024)),
        ("ratio".to_string(), serde_json::json!(0.1 + 0.2)),
        ("label".to_string(), serde_json::json!("a \"quoted\" 1.5e3")),
        (
            "nested".to_string(),
            serde_json::json!({"x": [1.0, -0.0, 5e-324], "y": null, "z": true}),
        ),
    ]);
    ok.warmup_runs = 3;
    let failed = BenchmarkResult {
        status: BenchStatus::Failed,
        reason: Some("exit status 1: error: boom\nsecond line".into()),
        warmup_runs: 0,
        ..bench("failing", vec![])
    };
    let skipped = BenchmarkResult {
        status: BenchStatus::Skipped,
        reason: Some("device cuda not present".into()),
        device: "cuda".into(),
        command: None,
        ..bench("gpu-kernel", vec![])
    };
    // An empty sample (a summary of nothing): the store keeps whatever it is given.
    let second = bench(
        "aardvark",
        vec![
            metric("wall_time", "s", Direction::LowerIsBetter, vec![1e-9, 2e-9]),
            Metric {
                name: "sys_time".into(),
                unit: "s".into(),
                direction: Direction::LowerIsBetter,
                samples: vec![],
                summary: quick_summary(&[0.0]),
            },
        ],
    );
    let mut r = report(
        "demo",
        "0123456789abcdef",
        "cpu",
        Some(GitInfo {
            commit: "f".repeat(40),
            branch: Some("feature/ü-unicode".into()),
            dirty: true,
        }),
        vec![ok, failed, skipped, second],
    );
    r.seed = u64::MAX - 1;
    r.tool = Tool {
        name: "perfgate".into(),
        version: "9.8.7-test".into(),
    };
    r.thresholds = serde_json::from_value(serde_json::json!({
        "*.wall_time": {"warn_pct": 5, "fail_pct": 10.000000000000002},
        "sort.peak_rss": {"budget": "64MiB", "statistic": "p95"},
        "x.y": {"ratio": 0.30000000000000004, "abs": "2ms"},
        "z.w": {"abs": 1e-7},
    }))
    .unwrap();
    r
}

// ----------------------------------------------------------------------------------------------
// Round trip.

#[test]
fn a_recorded_report_comes_back_exactly() {
    let dir = temp();
    let path = db_in(&dir);
    let original = tricky_report();
    assert_eq!(
        original.thresholds["sort.peak_rss"].statistic,
        Some(Statistic::P95)
    );
    let mut store = SqliteStore::open(&path).unwrap();
    let id = store.record(&original).unwrap();
    let back = store.report(id).unwrap();
    assert_eq!(back, original);
    assert_bits_equal(&back, &original);
    assert_eq!(
        back.benchmarks[0].metrics[3].samples[1].to_bits(),
        (-0.0f64).to_bits()
    );

    // And again from a fresh connection, after the writer is gone.
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    let back = store.report(id).unwrap();
    assert_eq!(back, original);
    assert_bits_equal(&back, &original);

    let runs = store.runs(&RunFilter::default()).unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run.id, id);
    assert_eq!(run.suite, "demo");
    assert_eq!(run.git, original.git);
    assert_eq!(run.machine_id, "0123456789abcdef");
    assert_eq!(run.hostname, "host-0123456789abcdef");
    assert_eq!(run.device, "cpu");
    assert_eq!(run.config_sha256, original.config_sha256);
    assert_eq!(run.tool_version, "9.8.7-test");
    assert_eq!(run.timestamp_utc, original.timestamp_utc);
}

#[test]
fn a_report_without_git_and_with_a_detached_head_round_trips() {
    let dir = temp();
    let mut store = SqliteStore::open(&db_in(&dir)).unwrap();
    let none = simple("s", "m", "cpu", None, 1.0);
    let mut none = Report { git: None, ..none };
    none.benchmarks[0]
        .params
        .insert("n".into(), serde_json::json!(u64::MAX));
    let detached = simple("s", "m", "cpu", None, 2.0);
    let a = store.record(&none).unwrap();
    let b = store.record(&detached).unwrap();
    assert!(b > a);
    assert_eq!(store.report(a).unwrap(), none);
    assert_eq!(store.report(b).unwrap(), detached);
    assert_eq!(store.report(b).unwrap().git.unwrap().branch, None);
}

#[test]
fn an_unknown_run_is_an_error_naming_it() {
    let dir = temp();
    let path = db_in(&dir);
    let store = SqliteStore::open(&path).unwrap();
    match store.report(17) {
        Err(e @ StoreError::NoSuchRun { id: 17, .. }) => {
            assert!(e.to_string().contains("no recorded run with id 17"), "{e}");
            assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_summary_that_json_cannot_hold_is_refused_and_nothing_is_recorded() {
    let dir = temp();
    let mut store = SqliteStore::open(&db_in(&dir)).unwrap();
    let mut r = simple("s", "m", "cpu", Some("main"), 1.0);
    r.benchmarks[0].metrics[0].summary.stddev = f64::INFINITY;
    let e = store.record(&r).unwrap_err().to_string();
    assert!(e.contains("sort.wall_time") && e.contains("stddev"), "{e}");
    assert!(store.runs(&RunFilter::default()).unwrap().is_empty());
}

// ----------------------------------------------------------------------------------------------
// Creation and migrations.

fn version_rows(path: &Path) -> Vec<i64> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT version FROM schema_version").unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn a_missing_file_and_its_directories_are_created() {
    let dir = temp();
    let path = dir.path().join("a/b/.perfgate/perfgate.db");
    let mut store = SqliteStore::open(&path).unwrap();
    assert!(path.is_file());
    assert_eq!(store.schema_version().unwrap(), STORE_SCHEMA_VERSION);
    assert_eq!(STORE_SCHEMA_VERSION, 1);
    let id = store
        .record(&simple("s", "m", "cpu", Some("main"), 1.0))
        .unwrap();
    drop(store);
    assert_eq!(version_rows(&path), vec![STORE_SCHEMA_VERSION]);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let mut tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables.sort();
    assert_eq!(
        tables,
        [
            "baselines",
            "benchmarks",
            "metrics",
            "runs",
            "schema_version"
        ]
    );
    let samples: Vec<u8> = conn
        .query_row(
            "SELECT samples FROM metrics WHERE run_id = ?1 AND position = 1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        samples,
        [1e6f64, 2e6, 3e6]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect::<Vec<u8>>()
    );
}

#[test]
fn an_empty_file_becomes_a_store() {
    let dir = temp();
    let path = db_in(&dir);
    std::fs::write(&path, b"").unwrap();
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), STORE_SCHEMA_VERSION);
    assert!(store.runs(&RunFilter::default()).unwrap().is_empty());
    drop(store);
    assert_eq!(version_rows(&path), vec![STORE_SCHEMA_VERSION]);
}

#[test]
fn reopening_a_store_keeps_its_data_and_migrates_nothing_twice() {
    let dir = temp();
    let path = db_in(&dir);
    let r = simple("s", "m", "cpu", Some("main"), 1.0);
    let id = SqliteStore::open(&path).unwrap().record(&r).unwrap();
    for _ in 0..3 {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.report(id).unwrap(), r);
        assert_eq!(store.runs(&RunFilter::default()).unwrap().len(), 1);
    }
    assert_eq!(version_rows(&path), vec![STORE_SCHEMA_VERSION]);
}

// ----------------------------------------------------------------------------------------------
// Refusals: the file is left byte for byte as it was.

fn refused(path: &Path) -> String {
    let before = std::fs::read(path).unwrap();
    let e = match SqliteStore::open(path) {
        Err(e @ StoreError::Unusable { .. }) => e.to_string(),
        Err(e) => panic!("expected Unusable, got {e:?}"),
        Ok(_) => panic!("{} was opened", path.display()),
    };
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "the file was modified"
    );
    assert!(e.starts_with(&format!("{}: ", path.display())), "{e}");
    // A second attempt says the same and still changes nothing.
    assert_eq!(SqliteStore::open(path).unwrap_err().to_string(), e);
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "the file was modified"
    );
    e
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_untouched() {
    let dir = temp();
    for (name, bytes) in [
        ("notes.txt", b"hello, this is not a database\n".repeat(100)),
        ("short.bin", b"SQLite format 3".to_vec()),
        ("fake-header.db", {
            let mut b = b"SQLite format 3\0".to_vec();
            b.extend(std::iter::repeat_n(0xA5u8, 4000));
            b
        }),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let e = refused(&path);
        assert!(
            e.ends_with("not a perfgate store: file is not a SQLite database"),
            "{name}: {e}"
        );
        assert_eq!(
            sidecars(&path),
            Vec::<PathBuf>::new(),
            "{name}: files left behind"
        );
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

#[test]
fn another_programs_database_is_refused_untouched() {
    let dir = temp();
    let path = dir.path().join("app.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
             INSERT INTO users (name) VALUES ('ada'), ('grace');",
        )
        .unwrap();
    }
    let e = refused(&path);
    assert!(
        e.contains("not a perfgate store") && e.contains("another program") && e.contains("users"),
        "{e}"
    );
    assert_eq!(sidecars(&path), Vec::<PathBuf>::new(), "files left behind");

    // Even one that happens to have a table called schema_version.
    let path = dir.path().join("migrations.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_version (version INTEGER); INSERT INTO schema_version VALUES (1);",
        )
        .unwrap();
    }
    let e = refused(&path);
    assert!(e.contains("another program"), "{e}");
}

#[test]
fn a_store_from_a_newer_perfgate_is_refused_untouched() {
    let dir = temp();
    let path = db_in(&dir);
    let r = simple("s", "m", "cpu", Some("main"), 1.0);
    SqliteStore::open(&path).unwrap().record(&r).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("UPDATE schema_version SET version = 999", [])
            .unwrap();
    }
    let e = refused(&path);
    assert!(
        e.ends_with(&format!(
            "written by a newer perfgate (store schema 999, this perfgate knows {STORE_SCHEMA_VERSION}): \
             refusing to modify it; upgrade perfgate"
        )),
        "{e}"
    );
    assert_eq!(sidecars(&path), Vec::<PathBuf>::new(), "files left behind");
    assert_eq!(version_rows(&path), vec![999]);
}

#[test]
fn paths_with_spaces_and_uri_characters_work_and_refuse_alike() {
    let dir = temp();
    let path = dir.path().join("odd dir ?#%&=;/store 100%.db");
    let r = simple("s", "m", "cpu", Some("main"), 1.0);
    let id = SqliteStore::open(&path).unwrap().record(&r).unwrap();
    assert_eq!(SqliteStore::open(&path).unwrap().report(id).unwrap(), r);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("UPDATE schema_version SET version = 2", [])
            .unwrap();
    }
    let e = refused(&path);
    assert!(e.contains("store schema 2, this perfgate knows 1"), "{e}");
    assert_eq!(sidecars(&path), Vec::<PathBuf>::new(), "files left behind");
}

// ----------------------------------------------------------------------------------------------
// Filters.

struct Recorded {
    id: RunId,
    suite: &'static str,
    machine: &'static str,
    device: &'static str,
    branch: Option<&'static str>,
    value: f64,
    /// Whether `sort` succeeded (has metrics).
    ok: bool,
}

/// 16 runs over two suites, machines, devices and branches, a run without git, a detached
/// HEAD, and a run where `sort` failed. Suite `b` also has a second benchmark.
fn filtered_store(dir: &tempfile::TempDir) -> (SqliteStore, Vec<Recorded>) {
    let mut store = SqliteStore::open(&db_in(dir)).unwrap();
    let mut recorded = Vec::new();
    let mut value = 1.0;
    for suite in ["a", "b"] {
        for machine in ["m1", "m2"] {
            for device in ["cpu", "cuda"] {
                for branch in ["main", "feat"] {
                    let mut r = simple(suite, machine, device, Some(branch), value);
                    if suite == "b" {
                        r.benchmarks.push(bench(
                            "zip",
                            vec![metric(
                                "wall_time",
                                "s",
                                Direction::LowerIsBetter,
                                vec![value * 2.0],
                            )],
                        ));
                    }
                    let id = store.record(&r).unwrap();
                    recorded.push(Recorded {
                        id,
                        suite,
                        machine,
                        device,
                        branch: Some(branch),
                        value,
                        ok: true,
                    });
                    value += 1.0;
                }
            }
        }
    }
    let mut no_git = simple("a", "m1", "cpu", None, value);
    no_git.git = None;
    let id = store.record(&no_git).unwrap();
    recorded.push(Recorded {
        id,
        suite: "a",
        machine: "m1",
        device: "cpu",
        branch: None,
        value,
        ok: true,
    });
    value += 1.0;
    let detached = simple("a", "m1", "cpu", None, value);
    let id = store.record(&detached).unwrap();
    recorded.push(Recorded {
        id,
        suite: "a",
        machine: "m1",
        device: "cpu",
        branch: None,
        value,
        ok: true,
    });
    value += 1.0;
    let mut failed = simple("a", "m1", "cpu", Some("main"), value);
    failed.benchmarks[0].status = BenchStatus::Failed;
    failed.benchmarks[0].reason = Some("exit status 2".into());
    failed.benchmarks[0].metrics.clear();
    let id = store.record(&failed).unwrap();
    recorded.push(Recorded {
        id,
        suite: "a",
        machine: "m1",
        device: "cpu",
        branch: Some("main"),
        value,
        ok: false,
    });
    (store, recorded)
}

fn matches(r: &Recorded, f: &RunFilter) -> bool {
    f.suite.as_deref().is_none_or(|s| s == r.suite)
        && f.machine_id.as_deref().is_none_or(|m| m == r.machine)
        && f.device.as_deref().is_none_or(|d| d == r.device)
        && f.branch.as_deref().is_none_or(|b| Some(b) == r.branch)
}

/// The runs `f` selects, newest first, as the model says.
fn expected<'a>(recorded: &'a [Recorded], f: &RunFilter) -> Vec<&'a Recorded> {
    let mut v: Vec<&Recorded> = recorded.iter().filter(|r| matches(r, f)).collect();
    v.sort_by_key(|r| std::cmp::Reverse(r.id));
    v.truncate(f.limit.unwrap_or(usize::MAX));
    v
}

fn filters() -> Vec<RunFilter> {
    let mut out = Vec::new();
    for suite in [None, Some("a"), Some("b"), Some("c")] {
        for machine in [None, Some("m1"), Some("m2")] {
            for device in [None, Some("cpu"), Some("cuda")] {
                for branch in [None, Some("main"), Some("feat")] {
                    for limit in [None, Some(0), Some(1), Some(3), Some(100)] {
                        out.push(RunFilter {
                            suite: suite.map(String::from),
                            machine_id: machine.map(String::from),
                            device: device.map(String::from),
                            branch: branch.map(String::from),
                            limit,
                        });
                    }
                }
            }
        }
    }
    out
}

#[test]
fn runs_honour_every_filter_field_newest_first() {
    let dir = temp();
    let (store, recorded) = filtered_store(&dir);
    assert_eq!(recorded.len(), 19);
    let ids: Vec<RunId> = recorded.iter().map(|r| r.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow: {ids:?}");

    // A few spelled out.
    let f = RunFilter {
        suite: Some("a".into()),
        machine_id: Some("m2".into()),
        ..Default::default()
    };
    let got: Vec<RunId> = store.runs(&f).unwrap().iter().map(|r| r.id).collect();
    assert_eq!(got, [ids[7], ids[6], ids[5], ids[4]]);
    let f = RunFilter {
        branch: Some("feat".into()),
        device: Some("cuda".into()),
        limit: Some(2),
        ..Default::default()
    };
    let got: Vec<RunId> = store.runs(&f).unwrap().iter().map(|r| r.id).collect();
    assert_eq!(got, [ids[15], ids[11]]);
    let all = store.runs(&RunFilter::default()).unwrap();
    assert_eq!(
        all.iter().map(|r| r.id).collect::<Vec<_>>(),
        ids.iter().rev().copied().collect::<Vec<_>>()
    );
    assert_eq!(all[2].git, None);
    assert_eq!(all[1].git.as_ref().map(|g| g.branch.clone()), Some(None));

    // All combinations against the model.
    for f in filters() {
        let got: Vec<RunId> = store.runs(&f).unwrap().iter().map(|r| r.id).collect();
        let want: Vec<RunId> = expected(&recorded, &f).iter().map(|r| r.id).collect();
        assert_eq!(got, want, "{f:?}");
        for run in store.runs(&f).unwrap() {
            let r = recorded.iter().find(|r| r.id == run.id).unwrap();
            assert_eq!(
                (
                    run.suite.as_str(),
                    run.machine_id.as_str(),
                    run.device.as_str()
                ),
                (r.suite, r.machine, r.device)
            );
            assert_eq!(run.git.and_then(|g| g.branch), r.branch.map(String::from));
            assert_eq!(run.hostname, format!("host-{}", r.machine));
        }
    }
}

#[test]
fn series_and_metric_history_honour_every_filter_field() {
    let dir = temp();
    let (store, recorded) = filtered_store(&dir);

    let all = store.series(&RunFilter::default()).unwrap();
    assert_eq!(
        all,
        [
            ("sort".to_string(), "peak_rss".to_string()),
            ("sort".into(), "wall_time".into()),
            ("zip".into(), "wall_time".into())
        ]
    );
    let a = RunFilter {
        suite: Some("a".into()),
        ..Default::default()
    };
    assert_eq!(store.series(&a).unwrap(), all[..2]);
    // The newest run of suite a failed `sort`: no series among it alone.
    assert_eq!(
        store
            .series(&RunFilter {
                limit: Some(1),
                ..a.clone()
            })
            .unwrap(),
        []
    );

    // Spelled out: suite a, m1, cpu, branch main: runs 0 and the failed one (no point).
    let f = RunFilter {
        suite: Some("a".into()),
        machine_id: Some("m1".into()),
        device: Some("cpu".into()),
        branch: Some("main".into()),
        limit: None,
    };
    let h = store.metric_history(&f, "sort", "wall_time").unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].run.id, recorded[0].id);
    assert_eq!(
        (
            h[0].benchmark.as_str(),
            h[0].metric.as_str(),
            h[0].unit.as_str()
        ),
        ("sort", "wall_time", "s")
    );
    assert_eq!(h[0].direction, Direction::LowerIsBetter);
    assert_eq!(h[0].summary, quick_summary(&[1.0, 1.0, 1.0]));
    // The newest run (failed) counts towards the limit but gives no point.
    assert_eq!(
        store
            .metric_history(
                &RunFilter {
                    limit: Some(1),
                    ..f.clone()
                },
                "sort",
                "wall_time"
            )
            .unwrap(),
        []
    );

    for f in filters() {
        let runs = expected(&recorded, &f);
        let want_series: Vec<(String, String)> = all
            .iter()
            .filter(|(b, _)| runs.iter().any(|r| r.ok && (b == "sort" || r.suite == "b")))
            .cloned()
            .collect();
        assert_eq!(store.series(&f).unwrap(), want_series, "{f:?}");

        let h = store.metric_history(&f, "sort", "wall_time").unwrap();
        let want: Vec<(RunId, f64)> = runs
            .iter()
            .filter(|r| r.ok)
            .map(|r| (r.id, r.value))
            .collect();
        let got: Vec<(RunId, f64)> = h.iter().map(|p| (p.run.id, p.summary.median)).collect();
        assert_eq!(got, want, "{f:?}");

        let h = store.metric_history(&f, "zip", "wall_time").unwrap();
        let want: Vec<(RunId, f64)> = runs
            .iter()
            .filter(|r| r.suite == "b")
            .map(|r| (r.id, r.value * 2.0))
            .collect();
        let got: Vec<(RunId, f64)> = h.iter().map(|p| (p.run.id, p.summary.median)).collect();
        assert_eq!(got, want, "{f:?}");

        assert_eq!(
            store.metric_history(&f, "sort", "no_such_metric").unwrap(),
            []
        );
        assert_eq!(
            store
                .metric_history(&f, "no_such_bench", "wall_time")
                .unwrap(),
            []
        );
    }
}

#[test]
fn a_benchmark_repeated_within_a_run_gives_one_point_its_first() {
    let dir = temp();
    let mut store = SqliteStore::open(&db_in(&dir)).unwrap();
    let mut r = simple("s", "m", "cpu", Some("main"), 1.0);
    let mut again = r.benchmarks[0].clone();
    again.metrics[0] = metric("wall_time", "s", Direction::LowerIsBetter, vec![9.0]);
    r.benchmarks.insert(0, bench("other", vec![]));
    r.benchmarks.push(again);
    let a = store.record(&r).unwrap();
    let b = store
        .record(&simple("s", "m", "cpu", Some("main"), 2.0))
        .unwrap();
    assert_eq!(store.report(a).unwrap(), r);
    let h = store
        .metric_history(&RunFilter::default(), "sort", "wall_time")
        .unwrap();
    let got: Vec<(RunId, f64)> = h.iter().map(|p| (p.run.id, p.summary.median)).collect();
    assert_eq!(got, [(b, 2.0), (a, 1.0)]);
}

// ----------------------------------------------------------------------------------------------
// Baselines.

fn key(suite: &str, device: &str, machine_id: &str, name: &str) -> BaselineKey {
    BaselineKey {
        suite: suite.into(),
        device: device.into(),
        machine_id: machine_id.into(),
        name: name.into(),
    }
}

#[test]
fn baselines_are_saved_replaced_listed_and_removed() {
    let dir = temp();
    let path = db_in(&dir);
    let mut store = SqliteStore::open(&path).unwrap();
    let k = key("demo", "cpu", "m1", "main");
    assert_eq!(store.baseline(&k).unwrap(), None);
    assert!(store.baselines().unwrap().is_empty());

    let tricky = tricky_report();
    store.save_baseline(&k, &tricky, "report ci.json").unwrap();
    let back = store.baseline(&k).unwrap().unwrap();
    assert_eq!(back, tricky);
    assert_bits_equal(&back, &tricky);

    let other = simple("demo", "m1", "cpu", Some("main"), 3.0);
    store.save_baseline(&k, &other, "run 42").unwrap();
    assert_eq!(store.baseline(&k).unwrap().unwrap(), other);

    store
        .save_baseline(
            &key("demo", "cpu", "m0", "main"),
            &other,
            "pooled runs 40-44",
        )
        .unwrap();
    store
        .save_baseline(&key("demo", "cpu", "m1", "release"), &other, "run 7")
        .unwrap();
    store
        .save_baseline(&key("alpha", "cuda", "m9", "main"), &other, "run 8")
        .unwrap();
    store
        .save_baseline(&key("demo", "cuda", "m1", "main"), &other, "run 9")
        .unwrap();

    let list = store.baselines().unwrap();
    let keys: Vec<BaselineKey> = list.iter().map(|b| b.key.clone()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(
        keys,
        [
            key("alpha", "cuda", "m9", "main"),
            key("demo", "cpu", "m0", "main"),
            key("demo", "cpu", "m1", "main"),
            key("demo", "cpu", "m1", "release"),
            key("demo", "cuda", "m1", "main"),
        ]
    );
    assert_eq!(list.len(), 5, "replacing did not add a row");
    assert_eq!(list[2].source, "run 42");
    assert_eq!(list[1].source, "pooled runs 40-44");
    for b in &list {
        let t = &b.created_utc;
        assert!(
            t.len() == 20 && t.ends_with('Z') && t.as_bytes()[10] == b'T',
            "{t}"
        );
        humantime::parse_rfc3339(t).unwrap();
    }

    drop(store);
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.baselines().unwrap(), list);
    assert!(store.remove_baseline(&k).unwrap());
    assert!(!store.remove_baseline(&k).unwrap());
    assert_eq!(store.baseline(&k).unwrap(), None);
    assert_eq!(store.baselines().unwrap().len(), 4);
    // Baselines are not runs.
    assert!(store.runs(&RunFilter::default()).unwrap().is_empty());
}

// ----------------------------------------------------------------------------------------------
// Concurrency.

fn numbered(thread: usize, i: usize) -> Report {
    let mut r = simple(
        &format!("t{thread}"),
        "m",
        "cpu",
        Some("main"),
        (thread * 1000 + i) as f64,
    );
    r.seed = (thread * 1000 + i) as u64;
    r.benchmarks.push(bench(
        "second",
        (0..4)
            .map(|m| {
                metric(
                    &format!("m{m}"),
                    "s",
                    Direction::LowerIsBetter,
                    (0..50).map(|x| (x * m) as f64).collect(),
                )
            })
            .collect(),
    ));
    r
}

#[test]
fn concurrent_writers_each_with_their_own_connection_all_get_recorded() {
    const THREADS: usize = 4;
    const EACH: usize = 25;
    let dir = temp();
    let path = db_in(&dir);
    let barrier = std::sync::Barrier::new(THREADS);
    let ids: Vec<Vec<RunId>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (path, barrier) = (&path, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    // Opening at once also races the creation and the migration of the store.
                    let mut store = SqliteStore::open(path).unwrap();
                    (0..EACH)
                        .map(|i| store.record(&numbered(t, i)).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let store = SqliteStore::open(&path).unwrap();
    let runs = store.runs(&RunFilter::default()).unwrap();
    assert_eq!(runs.len(), THREADS * EACH);
    let mut all: Vec<RunId> = ids.iter().flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), THREADS * EACH, "ids are distinct");
    for (t, ids) in ids.iter().enumerate() {
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(store.report(*id).unwrap(), numbered(t, i));
        }
        let f = RunFilter {
            suite: Some(format!("t{t}")),
            ..Default::default()
        };
        assert_eq!(
            store.metric_history(&f, "sort", "wall_time").unwrap().len(),
            EACH
        );
    }
    assert_eq!(version_rows(&path), vec![STORE_SCHEMA_VERSION]);
}

// ----------------------------------------------------------------------------------------------
// A writer killed with SIGKILL.

const CHILD_ENV: &str = "PERFGATE_STORE_CHILD";
const BIG_BENCHMARKS: usize = 50;
const BIG_METRICS: usize = 4;
const BIG_SAMPLES: usize = 2_000;

/// A large report, determined by its seed.
fn big_report(seed: u64) -> Report {
    let mut rng = SplitMix64::new(seed);
    let benchmarks = (0..BIG_BENCHMARKS)
        .map(|b| {
            bench(
                &format!("bench{b:02}"),
                (0..BIG_METRICS)
                    .map(|m| {
                        let samples: Vec<f64> = (0..BIG_SAMPLES)
                            .map(|_| {
                                f64::from_bits(rng.next_u64() >> 12 | 0x3FF0_0000_0000_0000)
                                    * (m + 1) as f64
                            })
                            .collect();
                        metric(
                            &format!("metric{m}"),
                            "s",
                            Direction::LowerIsBetter,
                            samples,
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let mut r = report(
        "killed",
        "m",
        "cpu",
        git(Some("main"), &format!("{seed:040x}")),
        benchmarks,
    );
    r.seed = seed;
    r
}

/// Not a test of its own: the writer that `a_writer_killed_mid_transaction_leaves_whole_runs`
/// starts (this test binary again) and kills. Records large reports until killed; another
/// thread builds them, so that the writer spends its time inside `record`.
#[test]
#[ignore = "run by a_writer_killed_mid_transaction_leaves_whole_runs"]
fn child_writer_loop() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let mut store = SqliteStore::open(Path::new(&path)).unwrap();
    let base = u64::from(std::process::id()) << 32;
    let (tx, rx) = std::sync::mpsc::sync_channel(2);
    std::thread::spawn(move || {
        for i in 0.. {
            if tx.send(big_report(base + i)).is_err() {
                break;
            }
        }
    });
    let first = rx.recv().unwrap();
    println!("child ready");
    store.record(&first).unwrap();
    let started = Instant::now();
    // The parent kills it long before; never run for ever should the parent be gone.
    while started.elapsed() < Duration::from_secs(60) {
        store.record(&rx.recv().unwrap()).unwrap();
    }
}

#[test]
fn a_writer_killed_mid_transaction_leaves_whole_runs() {
    let dir = temp();
    let path = db_in(&dir);
    SqliteStore::open(&path).unwrap();
    let exe = std::env::current_exe().unwrap();
    let delays_ms = [30u64, 60, 95, 130, 170, 210, 255, 300];
    let mut round = 0;
    let mut verified = std::collections::BTreeSet::new();
    // Eight rounds, and more (up to 20) until a few runs were recorded at all.
    while round < delays_ms.len() || (verified.len() < 3 && round < 20) {
        let mut child = Command::new(&exe)
            .args(["--exact", "child_writer_loop", "--ignored", "--nocapture"])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap() == 0 {
                panic!("the child ended before it was ready: {seen}");
            }
            seen.push_str(&line);
            if line.trim() == "child ready" {
                break;
            }
        }
        let delay = delays_ms[round % delays_ms.len()];
        std::thread::sleep(Duration::from_millis(delay));
        let pid = i32::try_from(child.id()).unwrap();
        // SAFETY: kill(2) on our own child, which has not been waited for yet.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
        let status = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(libc::SIGKILL),
            "the child ended on its own: {status}"
        );
        round += 1;

        // Whatever was committed is whole; the rest is gone. (Committed runs never change,
        // so each is checked once.)
        let store = SqliteStore::open(&path).unwrap();
        let runs = store.runs(&RunFilter::default()).unwrap();
        let new: Vec<RunId> = runs
            .iter()
            .map(|r| r.id)
            .filter(|id| !verified.contains(id))
            .collect();
        for id in new {
            let r = store.report(id).unwrap();
            assert_eq!(r.benchmarks.len(), BIG_BENCHMARKS, "run {}", id);
            for b in &r.benchmarks {
                assert_eq!(b.metrics.len(), BIG_METRICS, "run {}, {}", id, b.name);
                for m in &b.metrics {
                    assert_eq!(
                        m.samples.len(),
                        BIG_SAMPLES,
                        "run {}, {}.{}",
                        id,
                        b.name,
                        m.name
                    );
                }
            }
            assert_eq!(r, big_report(r.seed), "run {}", id);
            verified.insert(id);
        }
        assert_eq!(verified.len(), runs.len(), "runs disappeared");
        let h = store
            .metric_history(&RunFilter::default(), "bench49", "metric3")
            .unwrap();
        assert_eq!(h.len(), runs.len());
        eprintln!(
            "round {round}: killed after {delay} ms; {} whole runs",
            runs.len()
        );
    }
    let recorded = verified.len();
    assert!(
        recorded >= 3,
        "only {recorded} runs recorded in {round} rounds"
    );
}
