//! Concurrency, on every backend: writers each with their own connection, opening (and so
//! creating and migrating) the store at once.

use perfgate::model::Report;
use perfgate::store::{RunFilter, RunId};

use crate::backends::{backends, Backend};
use crate::builders::*;

fn numbered(thread: usize, i: usize) -> Report {
    let mut r = simple(
        &format!("t{thread}"),
        "m",
        "cpu",
        Some("main"),
        (thread * 1000 + i) as f64,
    );
    r.seed = (thread * 1000 + i) as u64;
    r.benchmarks.push(
        bench("second")
            .metrics(
                (0..4).map(|m| time(&format!("m{m}"), (0..50).map(|x| (x * m) as f64).collect())),
            )
            .build(),
    );
    r
}

#[test]
fn concurrent_writers_each_with_their_own_connection_all_get_recorded() {
    for backend in backends("concurrent_writers_each_with_their_own_connection_all_get_recorded") {
        concurrent_writers_all_get_recorded(&backend);
    }
}

fn concurrent_writers_all_get_recorded(backend: &Backend) {
    const THREADS: usize = 4;
    const EACH: usize = 25;
    let barrier = std::sync::Barrier::new(THREADS);
    let ids: Vec<Vec<RunId>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    // Opening at once also races the creation and the migration of the store.
                    let mut store = backend.open();
                    (0..EACH)
                        .map(|i| store.record(&numbered(t, i)).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let store = backend.open();
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
    assert_eq!(backend.version_rows(), vec![backend.current_version()]);
}

#[test]
fn concurrent_pushes_of_the_same_reports_store_each_once_and_lose_none() {
    for backend in backends("concurrent_pushes_of_the_same_reports_store_each_once_and_lose_none") {
        pushes_store_each_once(&backend);
    }
}

/// Eight writers push the same 30 reports, each starting at another one, all at once: every
/// report is one run, exactly one push of it created it, and every push got its id.
fn pushes_store_each_once(backend: &Backend) {
    const THREADS: usize = 8;
    const REPORTS: usize = 30;
    let reports: Vec<Report> = (0..REPORTS).map(|i| numbered(i % 3, i)).collect();
    backend.open(); // Created and migrated; the race here is between pushes.
    let barrier = std::sync::Barrier::new(THREADS);
    // Per thread: (report index, run id, created).
    let pushes: Vec<Vec<(usize, RunId, bool)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (barrier, reports) = (&barrier, &reports);
                s.spawn(move || {
                    let mut store = backend.open();
                    barrier.wait();
                    (0..REPORTS)
                        .map(|k| {
                            let i = (k + t * 7) % REPORTS;
                            let r = store.record_once(&reports[i], None).unwrap();
                            (i, r.id, r.created)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let store = backend.open();
    let runs = store.runs(&RunFilter::default()).unwrap();
    assert_eq!(runs.len(), REPORTS, "{}", backend.name);
    for (i, report) in reports.iter().enumerate() {
        let of_i: Vec<(RunId, bool)> = pushes
            .iter()
            .flatten()
            .filter(|p| p.0 == i)
            .map(|p| (p.1, p.2))
            .collect();
        assert_eq!(of_i.len(), THREADS);
        assert_eq!(
            of_i.iter().filter(|p| p.1).count(),
            1,
            "report {i}: created once"
        );
        assert!(of_i.iter().all(|p| p.0 == of_i[0].0), "report {i}: one id");
        assert_eq!(store.report(of_i[0].0).unwrap(), *report);
    }
}
