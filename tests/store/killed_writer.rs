//! A writer killed with SIGKILL.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use perfgate::model::Report;
use perfgate::stats::SplitMix64;
use perfgate::store::sqlite::SqliteStore;
use perfgate::store::{RunFilter, RunId, Store};

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
            bench(&format!("bench{b:02}")).metrics((0..BIG_METRICS).map(|m| {
                let samples: Vec<f64> = (0..BIG_SAMPLES)
                    .map(|_| {
                        f64::from_bits(rng.next_u64() >> 12 | 0x3FF0_0000_0000_0000)
                            * (m + 1) as f64
                    })
                    .collect();
                time(&format!("metric{m}"), samples).rough_summary()
            }))
        })
        .collect::<Vec<_>>();
    report("killed", "m")
        .commit(&format!("{seed:040x}"))
        .seed(seed)
        .benches(benchmarks)
        .build()
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
    // Each commit is announced, so the parent can time one and kill at points inside the next.
    println!("recorded");
    let started = Instant::now();
    // The parent kills it long before; never run for ever should the parent be gone.
    while started.elapsed() < Duration::from_secs(60) {
        store.record(&rx.recv().unwrap()).unwrap();
        println!("recorded");
    }
}

#[test]
fn a_writer_killed_mid_transaction_leaves_whole_runs() {
    let dir = temp();
    let path = db_in(&dir);
    SqliteStore::open(&path).unwrap();
    let exe = std::env::current_exe().unwrap();
    // Where in the second transaction the kill lands, as a fraction of the time the first one
    // took: fixed delays in ms (30 to 300) never reached the first commit of a debug build on
    // a loaded machine, and killed nothing but an empty store, 20 rounds out of 20.
    let phases = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 1.3];
    let mut round = 0;
    let mut verified = std::collections::BTreeSet::new();
    while round < phases.len() {
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
        let ready = Instant::now();
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "recorded", "the child's first commit");
        let one_record = ready.elapsed();
        let delay = one_record.mul_f64(phases[round]);
        std::thread::sleep(delay);
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
            assert_eq!(r.benchmarks.len(), BIG_BENCHMARKS, "run {id}");
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
            assert_eq!(r, big_report(r.seed), "run {id}");
            verified.insert(id);
        }
        assert_eq!(verified.len(), runs.len(), "runs disappeared");
        let h = store
            .metric_history(&RunFilter::default(), "bench49", "metric3")
            .unwrap();
        assert_eq!(h.len(), runs.len());
        eprintln!(
            "round {round}: one record took {one_record:?}, killed {delay:?} after it; {} whole runs",
            runs.len()
        );
    }
    // Each round's first commit was announced before the kill, so it must be there, whole.
    let recorded = verified.len();
    assert!(
        recorded >= phases.len(),
        "only {recorded} runs recorded in {round} rounds"
    );
}
