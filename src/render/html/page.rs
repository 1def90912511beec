//! The page: status banner, worst changes, filters, one section per benchmark metric (trend
//! and distribution charts, recent runs), and the machine and runs it came from.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::escape::{attr, text};
use super::sections::metric_cards;
use super::DashboardInput;
use crate::gate::{Comparison, MetricComparison, Overall, Verdict};
use crate::render::human::{format_bytes, format_pct, format_value};
use crate::render::terminal::verdict_counts;

// `content-visibility:auto` on the metric sections: the browser lays out and paints only the
// sections near the viewport, so a page of hundreds of charts opens as fast as its first
// screen (the sections further down are rendered as they are scrolled to).
const CSS: &str = r#"
:root{--fg:#1d2330;--muted:#5b6475;--line:#d8dde6;--bg:#f6f7f9;--card:#fff;--bad:#b42318;--badbg:#fde2e1;--warn:#b54708;--warnbg:#fef0c7;--good:#027a48;--goodbg:#d1fadf;--accent:#2e5aac}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header.banner{padding:18px 24px;border-bottom:4px solid var(--line);background:var(--card)}
header.banner.fail{border-color:var(--bad)}header.banner.warn{border-color:var(--warn)}header.banner.pass{border-color:var(--good)}
h1{margin:0 0 4px;font-size:22px}h2{font-size:17px;margin:24px 0 8px}h3{font-size:15px;margin:0 0 6px;word-break:break-all}
.status{font-size:16px;font-weight:600;margin:0}.meta{color:var(--muted);margin:4px 0 0}
.wrap{padding:0 24px 24px;max-width:2400px}
table{border-collapse:collapse;background:var(--card);width:100%}th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.scroll td,.scroll th{white-space:nowrap}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;border:1px solid var(--line);background:#eef0f4;color:var(--fg)}
.badge.critical,.badge.failed{background:var(--badbg);color:var(--bad);border-color:var(--bad)}
.badge.warning,.badge.inconclusive,.badge.missing{background:var(--warnbg);color:var(--warn);border-color:var(--warn)}
.badge.improved{background:var(--goodbg);color:var(--good);border-color:var(--good)}
.filters{position:sticky;top:0;background:var(--bg);padding:10px 0;display:flex;flex-wrap:wrap;gap:10px;align-items:center;z-index:1}
.filters input{flex:1;min-width:160px;max-width:420px;padding:6px 10px;border:1px solid var(--line);border-radius:6px}
.filters select{padding:6px;border:1px solid var(--line);border-radius:6px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,400px),1fr));gap:12px;align-items:start}
section.metric{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;min-width:0;content-visibility:auto;contain-intrinsic-size:auto 460px}
section.metric.hidden{display:none}
section.metric:has(.profile){grid-column:1/-1}.profile{margin-top:10px;border-top:1px solid var(--line);padding-top:8px}.profile h4{margin:0 0 4px;font-size:14px}img.flame{width:100%;height:auto;display:block;margin:6px 0}table.grown code{font-size:12px;word-break:break-all}
svg{display:block;max-width:100%;height:auto}svg text{font-size:12px;fill:var(--muted)}
.grid{stroke:#eceff3}.axis{stroke:#9aa3b2}.band{fill:#2e5aac;opacity:.15}.median{fill:none;stroke:var(--accent);stroke-width:1.6}
line.baseline{stroke:#6b7280;stroke-dasharray:6 4;stroke-width:1.2}.changepoint{stroke:var(--warn);stroke-dasharray:3 3;stroke-width:1.4}
.pt{fill:var(--accent)}.pt.last{fill:var(--fg)}.pt.critical,.pt.failed{fill:var(--bad)}.pt.warning{fill:var(--warn)}
.box{fill:#dbe4f5;stroke:var(--accent)}.box.baseline{fill:#eceff3;stroke:#6b7280}.med{stroke:var(--fg);stroke-width:2}.whisker{stroke:#9aa3b2}
.dots{stroke:var(--accent);stroke-width:3;stroke-linecap:round;opacity:.55}.dots.baseline{stroke:#6b7280}
details{margin-top:6px}summary{cursor:pointer;color:var(--muted)}.scroll{overflow-x:auto}
details.folded{margin-top:16px}details.folded>summary{font-size:15px;padding:6px 0}details.folded .cards{margin-top:8px}section.metric.zero .legend{margin:0}
@media (max-width:600px){.wrap{padding:0 10px 16px}header.banner{padding:14px 12px}section.metric{padding:10px}h1{font-size:19px}}
.legend{color:var(--muted);font-size:12px;margin:2px 0 6px}
"#;

const JS: &str = r"
(function(){var q=document.getElementById('q'),tag=document.getElementById('tag'),shown=document.getElementById('shown');
var secs=Array.prototype.slice.call(document.querySelectorAll('section.metric')),fold=document.querySelector('details.folded');
function apply(){var t=(q.value||'').toLowerCase(),g=tag.value,n=0;if(fold&&t)fold.open=true;secs.forEach(function(s){
var ok=(!t||s.getAttribute('data-name').toLowerCase().indexOf(t)>=0)&&(!g||(' '+s.getAttribute('data-tags')+' ').indexOf(' '+g+' ')>=0);
s.classList.toggle('hidden',!ok);if(ok)n++;});shown.textContent=n+' of '+secs.length+' shown';}
q.addEventListener('input',apply);tag.addEventListener('change',apply);apply();
document.body.setAttribute('data-ready','1');
window.addEventListener('load',function(){Array.prototype.forEach.call(document.querySelectorAll('img.flame'),function(i){var ok=i.complete&&i.naturalWidth>0;i.setAttribute('data-loaded',ok?'1':'0');if(!ok){var b=document.body;b.setAttribute('data-errors',b.getAttribute('data-errors')+'flame graph '+i.getAttribute('data-file')+' did not load;');}});});})();
";

pub fn render(input: &DashboardInput) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>perfgate: {}</title><style>{CSS}</style></head><body data-ready=\"0\" data-errors=\"\">",
        text(&input.title)
    );
    out.push_str("<script>window.onerror=function(m){var b=document.body;b.setAttribute('data-errors',b.getAttribute('data-errors')+m+';');};</script>");
    banner(&mut out, input);
    out.push_str("<div class=\"wrap\">");
    worst(&mut out, input);
    let tags: BTreeSet<&String> = input
        .current
        .iter()
        .flat_map(|r| r.benchmarks.iter().flat_map(|b| b.tags.iter()))
        .collect();
    out.push_str("<div class=\"filters\"><input id=\"q\" type=\"search\" placeholder=\"Filter by benchmark or metric\" aria-label=\"filter\"><select id=\"tag\" aria-label=\"tag\"><option value=\"\">all tags</option>");
    for t in tags {
        let _ = write!(out, "<option>{}</option>", text(t));
    }
    out.push_str("</select><span id=\"shown\"></span></div>");
    metric_cards(&mut out, input);
    environment(&mut out, input);
    let _ = writeln!(out, "</div><script>{JS}</script></body></html>");
    out
}

fn banner(out: &mut String, input: &DashboardInput) {
    let (class, line) = match &input.comparison {
        Some(c) => (c.overall_status.as_str(), status_line(c)),
        None => (
            "none",
            "no baseline to compare with: measurements only".to_string(),
        ),
    };
    let meta = input.current.as_ref().map_or(String::new(), |r| {
        let commit = r.git.as_ref().map_or("no commit".to_string(), |g| {
            g.commit.chars().take(12).collect()
        });
        format!(
            "{} · {} · {} ({} cores)",
            r.timestamp_utc, commit, r.machine.hostname, r.machine.cores
        )
    });
    let _ = write!(
        out,
        "<header class=\"banner {class}\"><h1>perfgate: {}</h1><p class=\"status\">{}</p><p class=\"meta\">{}</p></header>",
        text(&input.title),
        text(&line),
        text(&meta)
    );
}

/// The banner's one line: the overall verdict and what it rests on, true for each outcome
/// (a pass names no "0 of N"; a failure counts what failed).
pub fn status_line(c: &Comparison) -> String {
    let count =
        |pick: &dyn Fn(Verdict) -> bool| c.metrics.iter().filter(|m| pick(m.status)).count();
    let n = c.metrics.len();
    let metrics = |k: usize| if k == 1 { "metric" } else { "metrics" };
    let counts = verdict_counts(c);
    match c.overall_status {
        _ if n == 0 => format!(
            "{}: no metrics to compare",
            c.overall_status.as_str().to_uppercase()
        ),
        Overall::Fail => format!(
            "FAIL: {} of {n} {} critical or failed ({counts})",
            c.failed_metrics,
            metrics(n)
        ),
        Overall::Warn => {
            let k = count(&|v| matches!(v, Verdict::Warning | Verdict::Missing));
            format!(
                "WARN: {k} of {n} {} beyond a warning threshold or missing ({counts})",
                metrics(n)
            )
        }
        Overall::Pass if count(&|v| matches!(v, Verdict::Stable | Verdict::Improved)) == n => {
            format!(
                "PASS: {} {n} {} within thresholds ({counts})",
                if n == 1 { "the" } else { "all" },
                metrics(n)
            )
        }
        Overall::Pass => format!(
            "PASS: no regression confirmed in {n} {} ({counts})",
            metrics(n)
        ),
    }
}

fn worst(out: &mut String, input: &DashboardInput) {
    let Some(c) = &input.comparison else {
        return;
    };
    let changed: Vec<&MetricComparison> = c
        .metrics
        .iter()
        .filter(|m| !matches!(m.status, Verdict::Stable))
        .take(20)
        .collect();
    out.push_str("<h2>Worst changes first</h2>");
    if changed.is_empty() {
        out.push_str("<p>Every metric is stable.</p>");
        return;
    }
    // The verdict and change come right after the name: on a phone they are what fits.
    out.push_str("<div class=\"scroll\"><table><thead><tr><th>benchmark</th><th>metric</th><th>verdict</th><th class=\"num\">change</th><th class=\"num\">shift (95% CI)</th><th class=\"num\">baseline</th><th class=\"num\">current</th></tr></thead><tbody>");
    for m in changed {
        let v = |x: Option<f64>| x.map_or("-".to_string(), |x| format_value(x, &m.unit));
        let ci = super::super::human::shift_with_ci(m);
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td><span class=\"badge {st}\" title=\"{}\">{st}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            text(&m.benchmark),
            text(&m.metric),
            attr(m.reason.as_deref().unwrap_or(&m.rule)),
            m.change_pct.map_or("-".to_string(), format_pct),
            text(&ci),
            text(&v(m.baseline)),
            text(&v(m.current)),
            st = m.status.as_str(),
        );
    }
    out.push_str("</tbody></table></div>");
}

fn environment(out: &mut String, input: &DashboardInput) {
    out.push_str("<h2>Machine and environment</h2>");
    if let Some(r) = &input.current {
        let m = &r.machine;
        let _ = write!(
            out,
            "<div class=\"scroll\"><table><tbody><tr><th>machine id</th><td>{}</td></tr><tr><th>host</th><td>{}</td></tr><tr><th>CPU</th><td>{} ({} cores)</td></tr><tr><th>memory</th><td>{}</td></tr><tr><th>system</th><td>{} {} {}</td></tr><tr><th>device</th><td>{}</td></tr>{}<tr><th>measured by</th><td>{} {}</td></tr></tbody></table></div>",
            text(&m.id),
            text(&m.hostname),
            text(&m.cpu_model),
            m.cores,
            format_bytes(m.memory_bytes as f64),
            text(&m.os),
            text(&m.kernel),
            text(&m.arch),
            text(&r.device),
            m.gpu.as_ref().map_or(String::new(), |g| format!(
                "<tr><th>GPU</th><td>{} (driver {})</td></tr>",
                text(&g.models.join(", ")),
                text(g.driver.as_deref().unwrap_or("?"))
            )),
            text(&r.tool.name),
            text(&r.tool.version)
        );
    }
    if !input.runs.is_empty() {
        out.push_str("<h2>Recorded runs</h2><div class=\"scroll\"><table><thead><tr><th>run</th><th>date</th><th>commit</th><th>branch</th><th>host</th><th>device</th></tr></thead><tbody>");
        for r in input.runs.iter().take(20) {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                r.id,
                text(&r.timestamp_utc),
                text(
                    &r.git.as_ref().map_or("-".to_string(), |g| g
                        .commit
                        .chars()
                        .take(12)
                        .collect())
                ),
                text(
                    r.git
                        .as_ref()
                        .and_then(|g| g.branch.as_deref())
                        .unwrap_or("-")
                ),
                text(&r.hostname),
                text(&r.device)
            );
        }
        out.push_str("</tbody></table></div>");
    }
}
