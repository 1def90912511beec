//! A writer killed with SIGKILL.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use perfgate::model::{Direction, Report};
use perfgate::stats::SplitMix64;
use perfgate::store::{RunFilter, RunId, SqliteStore, Store};

use crate::builders::*;

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
            .args([
                "--exact",
                "killed_writer::child_writer_loop",
                "--ignored",
                "--nocapture",
            ])
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
