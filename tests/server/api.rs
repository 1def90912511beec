//! The JSON API's round trips: push, runs, a run's report, series, history, baselines,
//! compare and detect, each checked against what was pushed.

use crate::common::{enc, report_of, Server};

#[test]
fn a_pushed_report_comes_back_exactly_and_a_second_push_records_nothing() {
    let server = Server::start();
    let token = server.token("web", "write");
    let report = report_of("web", 0, &["parse", "render"], 1.0);
    let first = server.push(&report, &token);
    assert_eq!(first.status, 201, "{}", first.body);
    let pushed = first.json();
    assert_eq!(pushed["created"], true);
    assert_eq!(pushed["report_id"], perfgate::model::report_id(&report));
    let id = pushed["run_id"].as_i64().unwrap();

    let again = server.push(&report, &token);
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json()["created"], false);
    assert_eq!(again.json()["run_id"], id);

    let runs = server.get("/api/v1/projects/web/runs", Some(&token)).json();
    let runs = runs["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "one run for two pushes: {runs:?}");
    assert_eq!(runs[0]["id"], id);
    assert_eq!(runs[0]["suite"], "web");
    assert_eq!(runs[0]["testbed"], report.machine.id);
    assert_eq!(runs[0]["device"], "cpu");

    let back = server.get(&format!("/api/v1/projects/web/runs/{id}"), Some(&token));
    assert_eq!(back.status, 200);
    let back: perfgate::model::Report = serde_json::from_str(&back.body).unwrap();
    assert_eq!(back, report, "the report bit for bit");

    let series = server
        .get("/api/v1/projects/web/series", Some(&token))
        .json();
    assert_eq!(
        series["series"],
        serde_json::json!([
            {"benchmark": "parse", "metric": "wall_time"},
            {"benchmark": "render", "metric": "wall_time"}
        ])
    );
}

#[test]
fn runs_are_filtered_newest_first_and_scoped_to_their_project() {
    let server = Server::start();
    let web = server.token("web", "write");
    let db = server.token("db", "write");
    for minute in 0..5 {
        assert_eq!(
            server
                .push(&report_of("web", minute, &["a"], 1.0), &web)
                .status,
            201
        );
    }
    let mut other_testbed = report_of("web", 9, &["a"], 1.0);
    other_testbed.testbed = Some("gpu-box".into());
    assert_eq!(server.push(&other_testbed, &web).status, 201);
    let db_run = server.push(&report_of("db", 0, &["q"], 1.0), &db).json()["run_id"].clone();

    let runs = |query: &str| -> Vec<String> {
        let r = server.get(&format!("/api/v1/projects/web/runs{query}"), Some(&web));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["timestamp_utc"].as_str().unwrap()[14..16].to_string())
            .collect()
    };
    assert_eq!(runs(""), ["09", "04", "03", "02", "01", "00"]);
    assert_eq!(runs("?limit=2"), ["09", "04"]);
    assert_eq!(runs("?testbed=gpu-box"), ["09"]);
    assert_eq!(runs("?testbed=0123456789abcdef&limit=1"), ["04"]);
    assert!(runs("?branch=main").is_empty());
    // Paging: the runs after the last one of a page of two.
    let page = server
        .get("/api/v1/projects/web/runs?limit=2", Some(&web))
        .json();
    let last = page["runs"][1]["id"].as_i64().unwrap();
    assert_eq!(runs(&format!("?limit=2&before={last}")), ["03", "02"]);
    let bad = server.get("/api/v1/projects/web/runs?before=x", Some(&web));
    assert_eq!(bad.status, 400);
    assert!(bad.error().contains("`before`"), "{}", bad.body);
    let bad = server.get("/api/v1/projects/web/runs?limit=0", Some(&web));
    assert_eq!(bad.status, 400);
    assert!(bad.error().contains("`limit`"), "{}", bad.body);

    // The db project's run is not a web run, even with a web token.
    let r = server.get(&format!("/api/v1/projects/web/runs/{db_run}"), Some(&web));
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(
        server
            .get("/api/v1/projects/web/runs/999", Some(&web))
            .status,
        404
    );
    assert_eq!(
        server.get("/api/v1/projects/web/runs/x", Some(&web)).status,
        400
    );
}

#[test]
fn history_and_detect_answer_as_the_commands_print() {
    let server = Server::start();
    let token = server.token("svc", "write");
    // 24 runs; from the 13th on, `step` is 50% slower; `flat` never changes.
    for minute in 0..24 {
        let level = if minute < 12 { 1.0 } else { 1.5 };
        let mut r = report_of("svc", minute, &["step"], level);
        let flat = report_of("svc", minute, &["flat"], 2.0);
        r.benchmarks.extend(flat.benchmarks);
        assert_eq!(server.push(&r, &token).status, 201);
    }
    let h = server.get(
        "/api/v1/projects/svc/history?benchmark=step&limit=3",
        Some(&token),
    );
    assert_eq!(h.status, 200, "{}", h.body);
    let runs = h.json();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 3);
    let metrics = runs[0]["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 1, "{metrics:?}");
    assert_eq!(metrics[0]["benchmark"], "step");
    let median = metrics[0]["median"].as_f64().unwrap();
    assert!((median - 1.5 * 1.045).abs() < 1e-12, "{median}");
    let bad = server.get("/api/v1/projects/svc/history?benchmark=%5Bx", Some(&token));
    assert_eq!(bad.status, 400);
    assert!(bad.error().contains("`benchmark`"), "{}", bad.body);

    let d = server.get("/api/v1/projects/svc/detect", Some(&token));
    assert_eq!(d.status, 200, "{}", d.body);
    let doc = d.json();
    let series = doc["series"].as_array().unwrap();
    let changes = |name: &str| {
        series
            .iter()
            .find(|s| s["benchmark"] == name)
            .unwrap_or_else(|| panic!("{name}: {doc}"))["change_points"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(changes("step"), 1, "{doc}");
    assert_eq!(changes("flat"), 0, "{doc}");
    let step = series.iter().find(|s| s["benchmark"] == "step").unwrap();
    assert_eq!(
        step["change_points"][0]["timestamp_utc"],
        "2026-11-22T10:12:00Z"
    );
}

#[test]
fn baselines_are_saved_listed_read_and_compared_against() {
    let server = Server::start();
    let write = server.token("api", "write");
    let read = server.token("api", "read");
    let base = report_of("api", 0, &["get"], 1.0);
    let testbed = base.machine.id.clone();
    let path = format!("/api/v1/projects/api/baselines/{}/cpu/main", enc(&testbed));
    let body = serde_json::to_vec(&base).unwrap();
    let put = server.send("PUT", &path, Some(&write), &body);
    assert_eq!(put.status, 204, "{}", put.body);
    assert_eq!(server.send("PUT", &path, Some(&read), &body).status, 403);

    let back = server.get(&path, Some(&read));
    assert_eq!(back.status, 200);
    let back: perfgate::model::Report = serde_json::from_str(&back.body).unwrap();
    assert_eq!(back, base);
    let list = server
        .get("/api/v1/projects/api/baselines", Some(&read))
        .json();
    let list = list["baselines"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (&list[0]["testbed"], &list[0]["device"], &list[0]["name"]),
        (
            &serde_json::json!(testbed),
            &serde_json::json!("cpu"),
            &serde_json::json!("main")
        )
    );
    let missing = format!("/api/v1/projects/api/baselines/{}/cpu/other", enc(&testbed));
    assert_eq!(server.get(&missing, Some(&read)).status, 404);

    let compare = |r: &perfgate::model::Report, query: &str| {
        let body = serde_json::to_vec(r).unwrap();
        server.send(
            "POST",
            &format!("/api/v1/projects/api/compare{query}"),
            Some(&read),
            &body,
        )
    };
    let slower = compare(&report_of("api", 1, &["get"], 1.5), "");
    assert_eq!(slower.status, 200, "{}", slower.body);
    let c = slower.json();
    assert_eq!(c["overall_status"], "fail", "{c}");
    assert_eq!(c["metrics"][0]["status"], "critical");
    let same = compare(&report_of("api", 1, &["get"], 1.0), "?baseline=main").json();
    assert_eq!(same["overall_status"], "pass", "{same}");
    let none = compare(&report_of("api", 1, &["get"], 1.0), "?baseline=release");
    assert_eq!(none.status, 404);
    assert!(
        none.error().contains("no baseline `release`"),
        "{}",
        none.body
    );
    // Nothing was recorded by comparing.
    let runs = server.get("/api/v1/projects/api/runs", Some(&read)).json();
    assert!(runs["runs"].as_array().unwrap().is_empty());
}
