//! Baselines from history: pooling the samples of several recorded runs, and moving a
//! baseline to a run that covered only part of the suite.

use crate::model::history::RunId;
use crate::model::{BenchStatus, BenchmarkResult, Report};
use crate::stats::summarize;

/// Pools `reports` (newest first) into one baseline: per benchmark and metric, the samples of
/// every run where the benchmark succeeded, concatenated, with a fresh summary. Metadata (git,
/// timestamp, machine) comes from the newest report. The seeds ask for baselines "averaged over
/// several runs on a quiet machine"; pooling samples keeps the spread honest, where averaging
/// medians would hide it.
pub fn pool(reports: &[Report]) -> Option<Report> {
    let newest = reports.first()?;
    let mut pooled = newest.clone();
    pooled.benchmarks = Vec::new();
    for report in reports {
        for bench in report
            .benchmarks
            .iter()
            .filter(|b| b.status == BenchStatus::Ok)
        {
            let slot = match pooled
                .benchmarks
                .iter_mut()
                .position(|b| b.name == bench.name)
            {
                Some(i) => &mut pooled.benchmarks[i],
                None => {
                    pooled.benchmarks.push(BenchmarkResult {
                        metrics: Vec::new(),
                        ..bench.clone()
                    });
                    pooled.benchmarks.last_mut().expect("just pushed")
                }
            };
            for metric in &bench.metrics {
                match slot.metrics.iter_mut().find(|m| m.name == metric.name) {
                    Some(m) => m.samples.extend_from_slice(&metric.samples),
                    None => slot.metrics.push(metric.clone()),
                }
            }
        }
    }
    for bench in &mut pooled.benchmarks {
        for m in &mut bench.metrics {
            m.summary = summarize(&m.samples);
        }
    }
    Some(pooled)
}

/// Where a baseline pooled from the runs `ids` (newest first) came from, in words: `run 42`,
/// or `runs 42,41,40 pooled`.
pub fn pooled_source(ids: &[RunId]) -> String {
    match ids {
        [one] => format!("run {one}"),
        _ => {
            let ids: Vec<String> = ids.iter().map(RunId::to_string).collect();
            format!("runs {} pooled", ids.join(","))
        }
    }
}

/// `old` moved forward to `run`. A whole-suite run replaces it; a partial run (`--tag`,
/// `--filter`) replaces only the benchmarks it ran, so accepting a smoke run never drops the
/// rest of the suite from the baseline. The committed file's thresholds are kept either way:
/// they are the team's policy, not data.
pub fn moved_to(old: Option<&Report>, run: &Report) -> Report {
    let mut moved = Report {
        selection: None,
        ..run.clone()
    };
    if let Some(old) = old {
        if moved.thresholds.is_empty() {
            moved.thresholds = old.thresholds.clone();
        }
        if run.selection.is_some() {
            let mut benchmarks = old.benchmarks.clone();
            for b in &run.benchmarks {
                match benchmarks.iter_mut().find(|o| o.name == b.name) {
                    Some(slot) => *slot = b.clone(),
                    None => benchmarks.push(b.clone()),
                }
            }
            moved.benchmarks = benchmarks;
        }
    }
    moved.with_scaling()
}

/// `old` with the benchmarks of `run` that it does not have yet and that ran: a benchmark
/// added to the suite gets its baseline the first time it runs, as a new suite does.
/// `None` when there is nothing to add.
pub fn extended_with_new(old: &Report, run: &Report) -> Option<(Report, Vec<String>)> {
    let added: Vec<_> = run
        .benchmarks
        .iter()
        .filter(|b| b.status == BenchStatus::Ok && !b.metrics.is_empty())
        .filter(|b| !old.benchmarks.iter().any(|o| o.name == b.name))
        .cloned()
        .collect();
    if added.is_empty() {
        return None;
    }
    let names = added.iter().map(|b| b.name.clone()).collect();
    let mut extended = old.clone();
    extended.benchmarks.extend(added);
    Some((extended.with_scaling(), names))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Selection;

    fn report(names: &[(&str, f64)], selection: Option<Selection>) -> Report {
        let mut r: Report = serde_json::from_str(include_str!(
            "../../tests/fixtures/json/perfgate-report.json"
        ))
        .expect("fixture");
        let template = r.benchmarks[0].clone();
        r.benchmarks = names
            .iter()
            .map(|(n, v)| {
                let mut b = template.clone();
                b.name = n.to_string();
                b.metrics[0].samples = vec![*v; 3];
                b.metrics[0].summary.median = *v;
                b
            })
            .collect();
        r.selection = selection;
        r
    }

    fn medians(r: &Report) -> Vec<(String, f64)> {
        r.benchmarks
            .iter()
            .map(|b| (b.name.clone(), b.metrics[0].summary.median))
            .collect()
    }

    #[test]
    fn a_partial_run_moves_only_its_benchmarks_and_a_whole_run_all() {
        let old = report(&[("a", 1.0), ("b", 2.0), ("c", 3.0)], None);
        let smoke = Selection {
            tags: vec!["smoke".into()],
            filter: None,
        };
        let partial = report(&[("b", 2.5), ("d", 4.0)], Some(smoke));
        let moved = moved_to(Some(&old), &partial);
        assert_eq!(
            medians(&moved),
            [("a", 1.0), ("b", 2.5), ("c", 3.0), ("d", 4.0)].map(|(n, v)| (n.to_string(), v))
        );
        assert_eq!(moved.selection, None, "a baseline is a whole suite");
        let whole = report(&[("b", 2.5)], None);
        assert_eq!(
            medians(&moved_to(Some(&old), &whole)),
            [("b".to_string(), 2.5)]
        );
        assert_eq!(medians(&moved_to(None, &partial)).len(), 2);
    }

    #[test]
    fn only_benchmarks_the_baseline_lacks_are_added() {
        let old = report(&[("a", 1.0)], None);
        let run = report(&[("a", 9.0), ("b", 2.0)], None);
        let (extended, added) = extended_with_new(&old, &run).expect("b is new");
        assert_eq!(added, ["b"]);
        assert_eq!(
            medians(&extended),
            [("a".to_string(), 1.0), ("b".to_string(), 2.0)]
        );
        assert_eq!(extended_with_new(&extended, &run), None);
    }

    #[test]
    fn a_pooled_source_names_its_runs_newest_first() {
        assert_eq!(pooled_source(&[42]), "run 42");
        assert_eq!(pooled_source(&[42, 41, 40]), "runs 42,41,40 pooled");
    }
}
