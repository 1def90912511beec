//! `pytest` adapter on real outputs in tests/fixtures/pytest/.

use perfgate::ingest::{self, Input};
use perfgate::model::Direction;
use serde_json::{json, Value};

use crate::fixture::{self, metric, names, parse};

const NAMES: [&str; 6] = [
    "test_sum[10]",
    "test_sum[1000]",
    "test_sum_builtin_loop",
    "test_make[100-list]",
    "test_make[100-tuple]",
    "test_join_pedantic",
];

/// The fixture as the tool wrote it, to check values against.
fn raw(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixture::path(rel)).unwrap()).unwrap()
}

#[test]
fn saved_file_gives_the_harness_statistics_without_samples() {
    let p = parse("pytest", "pytest/saved.json");
    assert_eq!(names(&p), NAMES);
    let t = metric(&p, "test_sum[10]", "time");
    assert_eq!(
        (t.unit.as_str(), t.direction),
        ("s", Direction::LowerIsBetter)
    );
    assert!(t.samples.is_empty());
    assert_eq!(t.estimate.central, Some(8.271999831777067e-08));
    assert_eq!(t.estimate.median, Some(8.271999831777067e-08));
    assert_eq!(t.estimate.mean, Some(1.1103120057614839e-07));
    assert_eq!(t.estimate.stddev, Some(9.293391247664833e-07));
    assert_eq!(t.estimate.min, Some(8.031998731894418e-08));
    assert_eq!(t.estimate.max, Some(4.05201800094801e-05));
    assert_eq!(t.estimate.n, Some(5239));
    assert_eq!(t.estimate.ci95, None);

    let ops = metric(&p, "test_sum[10]", "throughput");
    assert_eq!(ops.unit, "ops/s");
    assert_eq!(ops.direction, Direction::HigherIsBetter);
    assert_eq!(ops.estimate.central, Some(9006477.411853025));

    let pedantic = metric(&p, "test_join_pedantic", "time");
    assert_eq!(pedantic.estimate.central, Some(1.91185998119181e-06));
    assert_eq!(pedantic.estimate.n, Some(7));
}

#[test]
fn every_benchmark_matches_its_stats_block() {
    for rel in ["pytest/saved.json", "pytest/data.json"] {
        let p = parse("pytest", rel);
        let doc = raw(rel);
        for (b, src) in p
            .benchmarks
            .iter()
            .zip(doc["benchmarks"].as_array().unwrap())
        {
            let stats = &src["stats"];
            assert_eq!(b.name, src["name"].as_str().unwrap());
            let t = metric(&p, &b.name, "time");
            assert_eq!(
                t.estimate.median,
                stats["median"].as_f64(),
                "{rel} {}",
                b.name
            );
            assert_eq!(t.estimate.mean, stats["mean"].as_f64());
            assert_eq!(
                t.estimate.n,
                Some(stats["rounds"].as_u64().unwrap() as usize)
            );
            let ops = metric(&p, &b.name, "throughput");
            assert_eq!(ops.estimate.central, stats["ops"].as_f64());
        }
    }
}

#[test]
fn parametrize_values_become_params_and_groups_go_to_source() {
    let p = parse("pytest", "pytest/saved.json");
    let params = |name: &str| &fixture::bench(&p, name).params;
    assert_eq!(params("test_sum[1000]").get("n"), Some(&json!(1000)));
    assert_eq!(
        params("test_make[100-tuple]").get("kind"),
        Some(&json!("tuple"))
    );
    assert_eq!(params("test_make[100-tuple]").get("n"), Some(&json!(100)));
    assert!(params("test_sum_builtin_loop").is_empty());
    assert_eq!(
        p.source.get("groups"),
        Some(&json!({
            "make": ["test_make[100-list]", "test_make[100-tuple]"],
            "sum": ["test_sum[10]", "test_sum[1000]", "test_sum_builtin_loop"],
        }))
    );
}

#[test]
fn machine_and_commit_info_go_to_source() {
    let p = parse("pytest", "pytest/saved.json");
    assert_eq!(p.source.get("version"), Some(&json!("5.3.1")));
    assert_eq!(
        p.source.get("commit_info").and_then(|c| c.get("id")),
        Some(&json!("c89368ebc6fe82aaca172d0ad6b11a288a5c45d3"))
    );
    assert_eq!(
        p.source
            .get("machine_info")
            .and_then(|m| m.get("python_version")),
        Some(&json!("3.11.7"))
    );
    assert_eq!(
        p.source.get("datetime"),
        Some(&json!("2026-11-22T19:26:02.461255+00:00"))
    );
    assert!(!p.source.contains_key("benchmarks"));
}

#[test]
fn raw_data_become_per_call_samples() {
    let p = parse("pytest", "pytest/data.json");
    assert_eq!(names(&p), NAMES);
    let doc = raw("pytest/data.json");
    for (b, src) in p
        .benchmarks
        .iter()
        .zip(doc["benchmarks"].as_array().unwrap())
    {
        let data: Vec<f64> = src["stats"]["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(metric(&p, &b.name, "time").samples, data, "{}", b.name);
    }
    // 100 calls a round: the data are already divided by the iterations.
    let t = metric(&p, "test_sum[10]", "time");
    assert_eq!(t.samples.len(), 8);
    assert_eq!(
        &t.samples[..2],
        [9.24400046642404e-08, 9.182998837786727e-08]
    );
    let min = t.samples.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(Some(min), t.estimate.min);
    assert_eq!(metric(&p, "test_join_pedantic", "time").samples.len(), 7);
}

#[test]
fn repeated_test_names_fall_back_to_the_full_name() {
    let mut doc = raw("pytest/saved.json");
    let first = doc["benchmarks"][0].clone();
    let mut copy = first.clone();
    copy["fullname"] = json!("other/test_sum.py::test_sum[10]");
    doc["benchmarks"].as_array_mut().unwrap().push(copy);
    let input = Input::from_bytes("dup.json", doc.to_string());
    let (_, p) = ingest::parse("pytest", &input).unwrap();
    assert_eq!(p.benchmarks[0].name, "test_sum.py::test_sum[10]");
    assert_eq!(p.benchmarks[6].name, "other/test_sum.py::test_sum[10]");
    assert_eq!(p.benchmarks[1].name, "test_sum[1000]");
}

#[test]
fn broken_benchmarks_name_the_place() {
    let mut doc = raw("pytest/data.json");
    doc["benchmarks"][2]["stats"]["data"][3] = json!("x");
    let e = ingest::parse("pytest", &Input::from_bytes("b.json", doc.to_string())).unwrap_err();
    assert_eq!(e.place.as_deref(), Some("benchmarks[2].stats.data[3]"));

    let mut doc = raw("pytest/saved.json");
    doc["benchmarks"][1]["stats"]
        .as_object_mut()
        .unwrap()
        .remove("median");
    let e = ingest::parse("pytest", &Input::from_bytes("b.json", doc.to_string())).unwrap_err();
    assert_eq!(e.place.as_deref(), Some("benchmarks[1].stats.median"));

    // Python writes NaN bare; it is read, and a NaN median is refused.
    let text = std::fs::read_to_string(fixture::path("pytest/saved.json")).unwrap();
    let nan = text.replacen("\"median\": 8.271999831777067e-08", "\"median\": NaN", 1);
    assert_ne!(nan, text);
    let e = ingest::parse("pytest", &Input::from_bytes("nan.json", nan)).unwrap_err();
    assert_eq!(e.place.as_deref(), Some("benchmarks[0].stats.median"));
}

#[test]
fn other_formats_and_empty_input_are_rejected() {
    for rel in [
        "asv/results/benchmarks.json",
        "gotest/test2json.json",
        "gotest/plain.txt",
        "json/generic.json",
    ] {
        if !fixture::path(rel).exists() {
            continue;
        }
        let e = ingest::parse("pytest", &fixture::input(rel)).unwrap_err();
        assert_eq!(e.format, "pytest", "{rel}");
    }
    let e = ingest::parse("pytest", &Input::from_bytes("empty", "")).unwrap_err();
    assert_eq!(e.format, "pytest");
}

#[test]
fn auto_detection_picks_pytest() {
    for rel in ["pytest/saved.json", "pytest/data.json"] {
        let (format, _) = ingest::parse("auto", &fixture::input(rel)).unwrap();
        assert_eq!(format, "pytest", "{rel}");
    }
}
