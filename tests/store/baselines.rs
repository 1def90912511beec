//! Baselines.

use perfgate::store::{BaselineKey, RunFilter};

use crate::backends::{backends, Backend};
use crate::builders::*;

fn key(suite: &str, device: &str, machine_id: &str, name: &str) -> BaselineKey {
    BaselineKey {
        suite: suite.into(),
        device: device.into(),
        testbed: machine_id.into(),
        name: name.into(),
    }
}

#[test]
fn baselines_are_saved_replaced_listed_and_removed() {
    for backend in backends("baselines_are_saved_replaced_listed_and_removed") {
        saved_replaced_listed_and_removed(&backend);
    }
}

fn saved_replaced_listed_and_removed(backend: &Backend) {
    let mut store = backend.open();
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
    let mut store = backend.open();
    assert_eq!(store.baselines().unwrap(), list);
    assert!(store.remove_baseline(&k).unwrap());
    assert!(!store.remove_baseline(&k).unwrap());
    assert_eq!(store.baseline(&k).unwrap(), None);
    assert_eq!(store.baselines().unwrap().len(), 4);
    // Baselines are not runs.
    assert!(store.runs(&RunFilter::default()).unwrap().is_empty());
}
