//! What the team server keeps in a store: runs keyed by testbed, reports recorded once,
//! tokens (hashed) and public projects. On every backend.

use perfgate::store::{BaselineKey, RunFilter, TokenScope};

use crate::backends::{backends, Backend};
use crate::builders::*;

#[test]
fn runs_and_baselines_are_keyed_by_the_named_testbed_and_read_back_as_recorded() {
    for backend in
        backends("runs_and_baselines_are_keyed_by_the_named_testbed_and_read_back_as_recorded")
    {
        keyed_by_the_named_testbed(&backend);
    }
}

fn keyed_by_the_named_testbed(backend: &Backend) {
    let mut store = backend.open();
    // Two fresh runners (two machine ids) of one testbed, and one unnamed machine.
    let mut a = simple("s", "runner-1", "cpu", Some("main"), 1.0);
    a.testbed = Some("x86-2core".into());
    let mut b = simple("s", "runner-2", "cpu", Some("main"), 2.0);
    b.testbed = Some("x86-2core".into());
    let c = simple("s", "laptop", "cpu", Some("main"), 3.0);
    let ids: Vec<_> = [&a, &b, &c]
        .iter()
        .map(|r| store.record(r).unwrap())
        .collect();
    assert_eq!(store.report(ids[0]).unwrap(), a);
    assert_eq!(
        store.report(ids[2]).unwrap(),
        c,
        "no testbed named: none read back"
    );
    let of = |testbed: &str| RunFilter {
        testbed: Some(testbed.into()),
        ..Default::default()
    };
    let shared = store.runs(&of("x86-2core")).unwrap();
    assert_eq!(
        shared.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![ids[1], ids[0]]
    );
    assert_eq!(shared[0].machine_id, "runner-2");
    assert_eq!(shared[0].testbed, "x86-2core");
    assert_eq!(store.runs(&of("laptop")).unwrap()[0].id, ids[2]);
    assert_eq!(store.runs(&of("laptop")).unwrap()[0].testbed, "laptop");
    let history = store
        .metric_history(&of("x86-2core"), "sort", "wall_time")
        .unwrap();
    assert_eq!(
        history.iter().map(|p| p.run.id).collect::<Vec<_>>(),
        vec![ids[1], ids[0]]
    );
    assert_eq!(store.runs(&of("runner-1")).unwrap(), []);
    let key = BaselineKey {
        suite: "s".into(),
        device: "cpu".into(),
        testbed: b.testbed().to_string(),
        name: "main".into(),
    };
    store.save_baseline(&key, &a, "report a").unwrap();
    assert_eq!(store.baseline(&key).unwrap(), Some(a));
    assert_eq!(store.baselines().unwrap()[0].key.testbed, "x86-2core");
}

#[test]
fn the_same_report_recorded_once_twice_is_one_run() {
    for backend in backends("the_same_report_recorded_once_twice_is_one_run") {
        let mut store = backend.open();
        let r = simple("s", "m", "cpu", Some("main"), 1.0);
        let first = store.record_once(&r, None).unwrap();
        let again = store.record_once(&r, None).unwrap();
        assert!(first.created);
        assert!(!again.created);
        assert_eq!(first.id, again.id);
        let mut other = r.clone();
        other.benchmarks[0].metrics[0].samples[0] = 1.5;
        let third = store.record_once(&other, None).unwrap();
        assert!(third.created);
        assert_ne!(third.id, first.id);
        assert_eq!(store.runs(&RunFilter::default()).unwrap().len(), 2);
        assert_eq!(store.report(first.id).unwrap(), r);
        // `record` is not keyed: the same report recorded with it is another run, and
        // `record_once` still finds the keyed one.
        let plain = store.record(&r).unwrap();
        assert_ne!(plain, first.id);
        assert_eq!(store.record_once(&r, None).unwrap().id, first.id);
    }
}

#[test]
fn tokens_grant_their_project_and_scope_and_only_their_hash_is_kept() {
    for backend in backends("tokens_grant_their_project_and_scope_and_only_their_hash_is_kept") {
        tokens_grant_their_project_and_scope(&backend);
    }
}

fn tokens_grant_their_project_and_scope(backend: &Backend) {
    let mut store = backend.open();
    let write = store
        .create_token("parser", TokenScope::Write, "ci")
        .unwrap();
    let read = store.create_token("parser", TokenScope::Read, "").unwrap();
    let grant = store.token_grant(&write).unwrap().unwrap();
    assert_eq!(grant.project, "parser");
    assert_eq!(grant.scope, TokenScope::Write);
    assert_eq!(
        store.token_grant(&read).unwrap().unwrap().scope,
        TokenScope::Read
    );
    let mut changed = write.clone().into_bytes();
    let last = changed.len() - 1;
    changed[last] = if changed[last] == b'A' { b'B' } else { b'A' };
    let changed = String::from_utf8(changed).unwrap();
    assert_eq!(store.token_grant(&changed).unwrap(), None);
    assert_eq!(store.token_grant("").unwrap(), None);
    drop(store);
    let text = backend.dump();
    assert!(!text.contains(&write[4..]), "a token is stored in clear");
    assert!(text.contains(&perfgate::store::token_hash(&write)));
}

#[test]
fn a_project_is_private_until_made_public() {
    for backend in backends("a_project_is_private_until_made_public") {
        let mut store = backend.open();
        assert!(!store.project_is_public("parser").unwrap());
        store.set_project_public("parser", true).unwrap();
        assert!(store.project_is_public("parser").unwrap());
        assert!(!store.project_is_public("other").unwrap());
        store.set_project_public("parser", false).unwrap();
        assert!(!store.project_is_public("parser").unwrap());
    }
}

#[test]
fn a_runs_judgement_reads_back_as_recorded() {
    for backend in backends("a_runs_judgement_reads_back_as_recorded") {
        judgement_reads_back(&backend);
    }
}

fn judgement_reads_back(backend: &Backend) {
    let mut store = backend.open();
    let plain = store
        .record(&simple("s", "m", "cpu", Some("main"), 1.0))
        .unwrap();
    let judged_report = simple("s", "m", "cpu", Some("main"), 2.0);
    let judgement = perfgate::store::Judgement {
        gate: "fail".into(),
        verdicts: vec![
            perfgate::store::MetricVerdict {
                benchmark: "sort".into(),
                metric: "wall_time".into(),
                verdict: "critical".into(),
            },
            perfgate::store::MetricVerdict {
                benchmark: "sort".into(),
                metric: "peak_rss".into(),
                verdict: "stable".into(),
            },
        ],
    };
    let judged = store
        .record_once(&judged_report, Some(&judgement))
        .unwrap()
        .id;
    assert_eq!(store.judgement(plain).unwrap(), None);
    let mut sorted = judgement.clone();
    sorted.verdicts.reverse(); // sorted by benchmark, then metric: peak_rss first
    assert_eq!(store.judgement(judged).unwrap(), Some(sorted));
    assert!(store.judgement(judged + 100).is_err(), "an unknown run");
}
