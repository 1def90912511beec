//! The JSON API: one function per route, each the library code of the matching command
//! (`record`, `history --format json`, `compare --format json`, `detect --format json`).

use serde_json::{json, Value};

use super::http::Response;
use super::routes::{Endpoint, Matched};
use crate::engine::{self, MetricPick, Pick};
use crate::error::{Error, Result};
use crate::model::file::parse_report;
use crate::model::Report;
use crate::plan::{DetectPlan, GatePolicy};
use crate::render;
use crate::store::{BaselineKey, Judgement, RunFilter, RunInfo, Store};

/// Whether a route reads a request body.
pub fn takes_body(endpoint: Endpoint) -> bool {
    matches!(
        endpoint,
        Endpoint::PushReport | Endpoint::PutBaseline | Endpoint::Compare
    )
}

type Query = [(String, String)];

/// The answer of an API route (not health, openapi or the pages).
pub fn handle(store: &mut Box<dyn Store>, m: &Matched, q: &Query, body: &[u8]) -> Result<Response> {
    let project = m.param("project");
    Ok(match m.route.endpoint {
        Endpoint::PushReport => match pushed_of(body, project) {
            Ok((report, judgement)) => push(store.as_mut(), &report, judgement.as_ref())?,
            Err(r) => r,
        },
        Endpoint::RunJudgement => judgement(store.as_ref(), project, m.param("id"))?,
        Endpoint::Runs => runs(store.as_ref(), &filter(project, q, 100)?)?,
        Endpoint::Run => run(store.as_ref(), project, m.param("id"))?,
        Endpoint::Series => series(store.as_ref(), &filter(project, q, 0)?)?,
        Endpoint::History => history(store.as_ref(), &filter(project, q, 100)?, q)?,
        Endpoint::Baselines => baselines(store.as_ref(), project)?,
        Endpoint::GetBaseline => match store.baseline(&baseline_key(m))? {
            Some(report) => report_json(&report),
            None => Response::error(404, "no such baseline in this project"),
        },
        Endpoint::PutBaseline => match report_of(body, project) {
            Ok(report) => {
                store.save_baseline(&baseline_key(m), &report, "pushed over HTTP")?;
                Response::json(204, String::new())
            }
            Err(r) => r,
        },
        Endpoint::Compare => match report_of(body, project) {
            Ok(report) => compare(store.as_ref(), &report, param(q, "baseline"))?,
            Err(r) => r,
        },
        Endpoint::Detect => detect(store.as_ref(), &filter(project, q, 0)?, q)?,
        Endpoint::Health | Endpoint::OpenApi | Endpoint::Dashboard | Endpoint::Index => {
            Response::error(404, "no such route")
        }
    })
}

/// The last value of a query parameter, when given and not empty.
pub fn param<'q>(q: &'q Query, name: &str) -> Option<&'q str> {
    q.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// The runs of `project` that the query's `testbed`, `device`, `branch`, `before` and `limit`
/// select (`limit`: 1 to 1000, `default_limit` when absent; 0: no limit; `before`: runs with a
/// smaller id, the next page).
pub fn filter(project: &str, q: &Query, default_limit: usize) -> Result<RunFilter> {
    let limit = match param(q, "limit") {
        None => default_limit,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(Error::Usage(format!(
                    "query parameter `limit`: `{v}` is not a whole number from 1 to 1000"
                )))
            }
        },
    };
    let before = match param(q, "before") {
        None => None,
        Some(v) => Some(v.parse::<i64>().map_err(|_| {
            Error::Usage(format!(
                "query parameter `before`: `{v}` is not a run id (a whole number)"
            ))
        })?),
    };
    Ok(RunFilter {
        suite: Some(project.to_string()),
        testbed: param(q, "testbed").map(str::to_string),
        device: param(q, "device").map(str::to_string),
        branch: param(q, "branch").map(str::to_string),
        before,
        limit: (limit > 0).then_some(limit),
    })
}

/// The report of a request body, checked as a report file is, whose suite is `project`;
/// else the 400 that says why.
pub fn report_of(body: &[u8], project: &str) -> std::result::Result<Report, Response> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Response::error(400, "the body is not UTF-8 text"))?;
    report_in(text, project)
}

/// The report of a push body (a report, or a report with what its gate said), and the
/// judgement; else the 400 that says why.
fn pushed_of(
    body: &[u8],
    project: &str,
) -> std::result::Result<(Report, Option<Judgement>), Response> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Response::error(400, "the body is not UTF-8 text"))?;
    let pushed = super::push::split(text)?;
    let report = report_in(&pushed.report_text, project)?;
    Ok((report, pushed.judgement))
}

fn report_in(text: &str, project: &str) -> std::result::Result<Report, Response> {
    let report = parse_report(text)
        .map_err(|why| Response::error(400, &super::validate::explain(text, why)))?;
    if report.suite != project {
        return Err(Response::error(
            400,
            &format!(
                "suite: the report's suite `{}` is not the project `{project}` of the URL",
                report.suite
            ),
        ));
    }
    Ok(report)
}

fn push(store: &mut dyn Store, report: &Report, judgement: Option<&Judgement>) -> Result<Response> {
    let recorded = store.record_once(report, judgement)?;
    let body = json!({
        "run_id": recorded.id,
        "report_id": crate::model::report_id(report),
        "created": recorded.created,
    });
    let status = if recorded.created { 201 } else { 200 };
    Ok(Response::json(status, body.to_string()))
}

fn run_json(r: &RunInfo) -> Value {
    json!({
        "id": r.id,
        "suite": r.suite,
        "timestamp_utc": r.timestamp_utc,
        "git_commit": r.git.as_ref().map(|g| g.commit.clone()),
        "git_branch": r.git.as_ref().and_then(|g| g.branch.clone()),
        "machine_id": r.machine_id,
        "testbed": r.testbed,
        "device": r.device,
        "gate": r.gate,
    })
}

fn runs(store: &dyn Store, filter: &RunFilter) -> Result<Response> {
    let runs: Vec<Value> = store.runs(filter)?.iter().map(run_json).collect();
    Ok(Response::json(200, json!({ "runs": runs }).to_string()))
}

/// What the gate said of run `id` when it was pushed with a judgement:
/// `{"gate": ..., "verdicts": [...]}`, or `{"gate": null, "verdicts": []}`.
fn judgement(store: &dyn Store, project: &str, id: &str) -> Result<Response> {
    let Ok(id) = id.parse::<i64>() else {
        return Ok(Response::error(400, "the run id is not a whole number"));
    };
    // The run must be one of this project's: the newest run of the project up to `id`.
    let newest = store.runs(&RunFilter {
        suite: Some(project.to_string()),
        before: id.checked_add(1),
        limit: Some(1),
        ..Default::default()
    })?;
    if newest.first().map(|r| r.id) != Some(id) {
        return Ok(Response::error(
            404,
            &format!("no run {id} in this project"),
        ));
    }
    let body = match store.judgement(id)? {
        Some(j) => serde_json::to_value(&j).unwrap_or(Value::Null),
        None => json!({ "gate": null, "verdicts": [] }),
    };
    Ok(Response::json(200, body.to_string()))
}

fn run(store: &dyn Store, project: &str, id: &str) -> Result<Response> {
    let Ok(id) = id.parse::<i64>() else {
        return Ok(Response::error(400, "the run id is not a whole number"));
    };
    let report = store.report(id)?;
    if report.suite != project {
        return Ok(Response::error(
            404,
            &format!("no run {id} in this project"),
        ));
    }
    Ok(report_json(&report))
}

fn report_json(report: &Report) -> Response {
    Response::json(
        200,
        serde_json::to_string(report).expect("reports always serialize"),
    )
}

fn series(store: &dyn Store, filter: &RunFilter) -> Result<Response> {
    let series: Vec<Value> = store
        .series(filter)?
        .into_iter()
        .map(|(benchmark, metric)| json!({ "benchmark": benchmark, "metric": metric }))
        .collect();
    Ok(Response::json(200, json!({ "series": series }).to_string()))
}

/// The `benchmark` and `metric` globs of the query (every one when absent).
fn pick(q: &Query) -> Result<Pick<'_>> {
    for name in ["benchmark", "metric"] {
        if let Some(Err(why)) = param(q, name).map(crate::model::threshold::glob_check) {
            return Err(Error::Usage(format!(
                "query parameter `{name}`: invalid pattern: {why}"
            )));
        }
    }
    Ok(Pick {
        bench: param(q, "benchmark"),
        metric: param(q, "metric").map(MetricPick::Glob),
    })
}

fn history(store: &dyn Store, filter: &RunFilter, q: &Query) -> Result<Response> {
    let found = engine::histories(store, filter, pick(q)?)?;
    let lines: Vec<_> = found
        .items
        .iter()
        .flat_map(|s| render::history::lines(&s.points))
        .collect();
    Ok(Response::json(
        200,
        render::history::json(&store.runs(filter)?, &lines),
    ))
}

fn baselines(store: &dyn Store, project: &str) -> Result<Response> {
    let list: Vec<Value> = store
        .baselines()?
        .into_iter()
        .filter(|b| b.key.suite == project)
        .map(|b| {
            json!({
                "suite": b.key.suite,
                "testbed": b.key.testbed,
                "device": b.key.device,
                "name": b.key.name,
                "created_utc": b.created_utc,
                "source": b.source,
            })
        })
        .collect();
    Ok(Response::json(
        200,
        json!({ "baselines": list }).to_string(),
    ))
}

fn baseline_key(m: &Matched) -> BaselineKey {
    BaselineKey {
        suite: m.param("project").to_string(),
        testbed: m.param("testbed").to_string(),
        device: m.param("device").to_string(),
        name: m.param("name").to_string(),
    }
}

/// The candidate against the stored baseline of its testbed and device, as `perfgate
/// compare` judges (default policy: the report's and the gate's default thresholds).
fn compare(store: &dyn Store, current: &Report, name: Option<&str>) -> Result<Response> {
    let key = BaselineKey {
        suite: current.suite.clone(),
        testbed: current.testbed().to_string(),
        device: current.device.clone(),
        name: name.unwrap_or("main").to_string(),
    };
    let Some(baseline) = store.baseline(&key)? else {
        return Ok(Response::error(
            404,
            &format!(
                "no baseline `{}` for testbed `{}`, device `{}` in this project",
                key.name, key.testbed, key.device
            ),
        ));
    };
    let (baseline, partial) = engine::restrict_to_selection(baseline, current);
    let mut comparison = engine::judge(&baseline, current, &GatePolicy::default());
    comparison.notes.extend(partial);
    let mut text = serde_json::to_string_pretty(&comparison).expect("comparisons serialize");
    text.push('\n');
    Ok(Response::json(200, text))
}

fn detect(store: &dyn Store, filter: &RunFilter, q: &Query) -> Result<Response> {
    let plan = DetectPlan::default();
    let found = engine::detect_recorded(store, filter, pick(q)?, None, &plan)?;
    Ok(Response::json(
        200,
        render::detect::json(&found.items, &plan.options),
    ))
}
