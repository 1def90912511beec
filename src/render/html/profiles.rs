//! A regressed benchmark's profiles on the dashboard, in the card of the metric they explain
//! (CPU profiles beside the worst time metric, memory profiles beside `peak_rss`): the
//! functions that grew, the differential flame graph, and each side's flame graph. The SVGs
//! are drawn from the folded stacks in the report and embedded as images, so the page stays
//! one self-contained file and no script in an SVG runs.

use std::fmt::Write as _;

use base64::Engine as _;

use super::escape::{attr, text};
use super::DashboardInput;
use crate::gate::Verdict;
use crate::model::metric_names::PEAK_RSS;
use crate::model::profile::{BenchProfile, ProfileKind};
use crate::render::flame;
use crate::render::human::format_pct;
use crate::render::profile::{format_cost, per_run, SHOWN};

/// The metric whose card shows `p`: `peak_rss` for memory; for CPU the benchmark's worst
/// critical metric other than `peak_rss`, else its first such metric in the report.
pub fn host_metric<'a>(input: &'a DashboardInput, p: &BenchProfile) -> Option<&'a str> {
    if p.kind == ProfileKind::Memory {
        return Some(PEAK_RSS);
    }
    let critical = input
        .comparison
        .iter()
        .flat_map(|c| c.metrics.iter())
        .find(|m| {
            m.benchmark == p.benchmark && m.metric != PEAK_RSS && m.status == Verdict::Critical
        });
    if let Some(m) = critical {
        return Some(&m.metric);
    }
    input
        .current
        .iter()
        .flat_map(|r| r.benchmarks.iter())
        .find(|b| b.name == p.benchmark)?
        .metrics
        .iter()
        .map(|m| m.name.as_str())
        .find(|m| *m != PEAK_RSS)
}

/// The profiles the card of `bench`'s `metric` shows.
pub fn in_card(out: &mut String, input: &DashboardInput, bench: &str, metric: &str) {
    let Some(current) = &input.current else {
        return;
    };
    for p in current.profiles.iter().filter(|p| p.benchmark == bench) {
        if host_metric(input, p) == Some(metric) {
            block(out, p);
        }
    }
}

fn block(out: &mut String, p: &BenchProfile) {
    let _ = write!(
        out,
        "<div class=\"profile\" data-kind=\"{}\"><h4>Why it changed: {} profile</h4><p class=\"legend\">{} ({}); per run {}</p>",
        p.kind.as_str(),
        p.kind.as_str(),
        text(&p.tool),
        text(&p.why),
        text(&per_run(p, "→")),
    );
    if let Some(note) = &p.note {
        let _ = write!(out, "<p class=\"legend\">{}</p>", text(note));
    }
    if !p.grown.is_empty() {
        out.push_str("<div class=\"scroll\"><table class=\"grown\"><thead><tr><th>function</th><th class=\"num\">baseline</th><th class=\"num\">candidate</th><th class=\"num\">grew</th><th class=\"num\">own</th></tr></thead><tbody>");
        for f in p.grown.iter().take(SHOWN) {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">+{} ({})</td><td class=\"num\">{}</td></tr>",
                text(&f.function),
                text(&format_cost(f.baseline, &p.unit)),
                text(&format_cost(f.candidate, &p.unit)),
                text(&format_cost(f.delta, &p.unit)),
                f.percent.map_or("new".to_string(), format_pct),
                text(&format_cost(f.self_delta, &p.unit)),
            );
        }
        out.push_str("</tbody></table></div>");
    }
    match flame::svgs(p) {
        Ok(svgs) => images(out, p, &svgs),
        Err(e) => {
            let _ = write!(out, "<p class=\"legend\">no flame graph: {}</p>", text(&e));
        }
    }
    out.push_str("</div>");
}

fn images(out: &mut String, p: &BenchProfile, svgs: &[(&str, String)]) {
    let img = |out: &mut String, name: &str, svg: &str| {
        let _ = write!(
            out,
            "<img class=\"flame\" data-file=\"{}\" alt=\"{}\" src=\"data:image/svg+xml;base64,{}\">",
            attr(name),
            attr(&format!("{} flame graph of {} ({})", p.kind.as_str(), p.benchmark, name)),
            base64::engine::general_purpose::STANDARD.encode(svg.as_bytes())
        );
    };
    let (main, rest): (Vec<_>, Vec<_>) = svgs
        .iter()
        .partition(|(name, _)| *name == "diff.svg" || svgs.len() == 1);
    for (name, svg) in &main {
        if *name == "diff.svg" {
            out.push_str("<p class=\"legend\">differential flame graph: the candidate's frames, red where they grew, blue where they shrank</p>");
        }
        img(out, name, svg);
    }
    if !rest.is_empty() {
        out.push_str("<details><summary>each side's flame graph</summary>");
        for (name, svg) in &rest {
            img(out, name, svg);
        }
        out.push_str("</details>");
    }
}
