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
