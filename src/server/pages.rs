//! The HTML pages: the live dashboard of a project (the `perfgate report --format html`
//! dashboard, for one page of benchmarks at a time, with links to the pages around it that
//! keep the query), and the list of public projects.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::api::{filter, param};
use super::http::{percent_encode, Response};
use super::page_view::PageView;
use crate::engine::{self, HistoryView, Pick};
use crate::error::{Error, Result};
use crate::model::Report;
use crate::plan::{DetectPlan, GatePolicy};
use crate::render::html::{self, DashboardInput};
use crate::store::{BaselineKey, RunFilter, Store};

type Query = [(String, String)];

/// Benchmarks on a page unless `per_page` says otherwise, and the most it may say. Twenty
/// benchmarks of four metrics each are 80 charted sections, about 0.75 MB: a page Chromium
/// opens in well under two seconds here (bench/server_scale.sh); 50 took over three.
const PER_PAGE: usize = 20;
const MAX_PER_PAGE: usize = 500;
/// Runs charted unless `limit` says otherwise.
const HISTORY_RUNS: usize = 200;
/// Query parameters a page link carries over.
const KEPT: &[&str] = &["per_page", "filter", "testbed", "device", "branch", "limit"];

fn number(q: &Query, name: &str, default: usize, max: usize) -> Result<usize> {
    match param(q, name) {
        None => Ok(default),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(Error::Usage(format!(
                "query parameter `{name}`: `{v}` is not a whole number from 1 to {max}"
            ))),
        },
    }
}

/// One page of a project's benchmarks, as the dashboard shows them.
pub fn dashboard(store: &dyn Store, project: &str, q: &Query) -> Result<Response> {
    let page = number(q, "page", 1, usize::MAX)?;
    let per_page = number(q, "per_page", PER_PAGE, MAX_PER_PAGE)?;
    let mut runs = filter(project, q, HISTORY_RUNS)?;
    runs.limit = runs.limit.or(Some(HISTORY_RUNS));
    let needle = param(q, "filter").unwrap_or("").to_lowercase();
    let recorded = store.series(&runs)?;
    let names: BTreeSet<&str> = recorded
        .iter()
        .map(|(b, _)| b.as_str())
        .filter(|b| b.to_lowercase().contains(&needle))
        .collect();
    let total = names.len();
    let shown: Vec<String> = names
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(str::to_string)
        .collect();
    let view = PageView {
        store,
        series: recorded
            .into_iter()
            .filter(|(b, _)| shown.contains(b))
            .collect(),
    };
    let input = page_input(&view, project, &runs, &shown)?;
    let mut doc = html::dashboard(&input);
    let nav = nav(q, page, per_page, total, shown.len());
    let at = doc.find("<div class=\"wrap\">").map_or(0, |i| i + 18);
    doc.insert_str(at, &nav);
    Ok(Response::html(200, doc))
}

/// The dashboard's input for the benchmarks `shown`: their history, and the newest run
/// of them judged against the `main` baseline of its testbed and device.
fn page_input(
    store: &dyn Store,
    project: &str,
    runs: &RunFilter,
    shown: &[String],
) -> Result<DashboardInput> {
    let only = |mut r: Report| {
        r.benchmarks.retain(|b| shown.contains(&b.name));
        r
    };
    let current = engine::latest_report(store, runs)?.map(only);
    let baseline = match &current {
        Some(c) => store
            .baseline(&BaselineKey {
                suite: project.to_string(),
                testbed: c.testbed().to_string(),
                device: c.device.clone(),
                name: "main".into(),
            })?
            .map(only),
        None => None,
    };
    let comparison = match (&baseline, &current) {
        (Some(b), Some(c)) => {
            let (b, _) = engine::restrict_to_selection(b.clone(), c);
            Some(engine::judge(&b, c, &GatePolicy::default()))
        }
        _ => None,
    };
    let view = HistoryView {
        runs: runs.clone(),
        pick: Pick::default(),
    };
    let history = engine::charted_series(
        Some(store),
        &view,
        baseline.as_ref(),
        &DetectPlan::default(),
    )?;
    Ok(DashboardInput {
        title: project.to_string(),
        comparison,
        current,
        baseline,
        history,
        runs: store.runs(runs)?,
    })
}

/// The bar above the benchmarks: where this page is, links to the ones around it, and a
/// filter form; every link keeps the view's query.
fn nav(q: &Query, page: usize, per_page: usize, total: usize, on_page: usize) -> String {
    let pages = total.div_ceil(per_page).max(1);
    let link = |to: usize| {
        let mut query = format!("?page={to}");
        for key in KEPT {
            if let Some(v) = param(q, key) {
                let _ = write!(query, "&{key}={}", percent_encode(v));
            }
        }
        html::escape::attr(&query)
    };
    let first = (page - 1).saturating_mul(per_page);
    let mut out = String::from(
        "<nav class=\"pages\" style=\"display:flex;flex-wrap:wrap;gap:12px;align-items:center;padding:10px 0\"><a href=\"/\">all projects</a>",
    );
    let _ = write!(
        out,
        "<span id=\"page-info\">benchmarks {}-{} of {total} · page {page} of {pages}</span>",
        if on_page == 0 { first } else { first + 1 },
        first + on_page
    );
    if page > 1 {
        let _ = write!(
            out,
            "<a rel=\"prev\" href=\"{}\">previous</a>",
            link(page - 1)
        );
    }
    if page < pages {
        let _ = write!(out, "<a rel=\"next\" href=\"{}\">next</a>", link(page + 1));
    }
    out.push_str("<form method=\"get\" style=\"display:inline\">");
    for key in KEPT.iter().filter(|k| **k != "filter") {
        if let Some(v) = param(q, key) {
            let _ = write!(
                out,
                "<input type=\"hidden\" name=\"{key}\" value=\"{}\">",
                html::escape::attr(v)
            );
        }
    }
    let _ = write!(
        out,
        "<input name=\"filter\" placeholder=\"benchmarks containing\" value=\"{}\"><button>filter</button></form></nav>",
        html::escape::attr(param(q, "filter").unwrap_or(""))
    );
    out
}

/// `/`: the public projects, each linked to its dashboard.
pub fn index(store: &dyn Store) -> Result<Response> {
    let mut projects: BTreeSet<String> = store
        .runs(&RunFilter::default())?
        .into_iter()
        .map(|r| r.suite)
        .collect();
    projects.extend(store.baselines()?.into_iter().map(|b| b.key.suite));
    let mut out = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>perfgate</title></head><body><h1>perfgate</h1><h2>Public projects</h2><ul>",
    );
    let mut any = false;
    for p in projects {
        if store.project_is_public(&p)? {
            any = true;
            let _ = write!(
                out,
                "<li><a href=\"/projects/{}/\">{}</a></li>",
                html::escape::attr(&percent_encode(&p)),
                html::escape::attr(&p)
            );
        }
    }
    out.push_str("</ul>");
    if !any {
        out.push_str("<p>No public project. A project's dashboard is at /projects/NAME/ (sign in with any user name and a read token as the password).</p>");
    }
    out.push_str("</body></html>\n");
    Ok(Response::html(200, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn page_links_keep_the_view_and_escape_it() {
        let query = q(&[("filter", "a&b \"x\""), ("testbed", "ci-1"), ("page", "2")]);
        let nav = nav(&query, 2, 10, 25, 10);
        assert!(
            nav.contains("benchmarks 11-20 of 25 · page 2 of 3"),
            "{nav}"
        );
        assert!(
            nav.contains(
                "<a rel=\"prev\" href=\"?page=1&amp;filter=a%26b%20%22x%22&amp;testbed=ci-1\">"
            ),
            "{nav}"
        );
        assert!(nav.contains("rel=\"next\" href=\"?page=3&amp;"), "{nav}");
        assert!(nav.contains("value=\"a&amp;b &quot;x&quot;\""), "{nav}");
        let last = super::nav(&q(&[]), 3, 10, 25, 5);
        assert!(
            last.contains("21-25 of 25") && !last.contains("rel=\"next\""),
            "{last}"
        );
        let empty = super::nav(&q(&[]), 1, 50, 0, 0);
        assert!(
            empty.contains("benchmarks 0-0 of 0 · page 1 of 1"),
            "{empty}"
        );
    }
}
