//! The false discovery rate across one comparison's tests.

use super::{MetricComparison, Verdict};

/// The false discovery rate of the whole comparison (5% by default): a benchmark x metric
/// matrix is many tests, and at a 5% level each, one in twenty unchanged metrics would look
/// changed. A warning or critical whose Benjamini-Hochberg adjusted p-value is above the rate
/// becomes inconclusive, with the numbers in its reason. With `fdr: None` each metric is
/// tested alone at 5% (its raw p-value).
pub(super) fn control_false_discoveries(
    metrics: &mut [MetricComparison],
    fdr: Option<f64>,
    notes: &mut Vec<String>,
) {
    let tested: Vec<usize> = (0..metrics.len())
        .filter(|&i| metrics[i].p_value.is_some())
        .collect();
    if tested.is_empty() {
        return;
    }
    let p: Vec<f64> = tested
        .iter()
        .map(|&i| metrics[i].p_value.unwrap_or(1.0))
        .collect();
    // Each test's adjusted p-value (q), or, with no control, its own p against 5%.
    let (q, level) = match fdr {
        Some(level) => (crate::stats::benjamini_hochberg(&p), level),
        None => (p.clone(), 0.05),
    };
    let mut demoted = 0;
    for (&i, q) in tested.iter().zip(q) {
        let row = &mut metrics[i];
        let p = row.p_value.unwrap_or(1.0);
        if fdr.is_some() {
            row.q_value = Some(q);
        }
        if matches!(row.status, Verdict::Warning | Verdict::Critical) && q > level {
            demoted += 1;
            row.reason = Some(match fdr {
                Some(_) => format!(
                    "{} beyond the threshold, but not significant once the false discovery rate is controlled (Mann-Whitney p = {p:.3}, Benjamini-Hochberg q = {q:.3} > {level} over {} tests)",
                    row.status.as_str(),
                    tested.len()
                ),
                None => format!(
                    "{} beyond the threshold, but not significant (Mann-Whitney p = {p:.3} > 0.05)",
                    row.status.as_str()
                ),
            });
            row.status = Verdict::Inconclusive;
        }
    }
    let how = match fdr {
        Some(level) => format!(
            "false discovery rate held at {}% across {} tests (Benjamini-Hochberg)",
            level * 100.0,
            tested.len()
        ),
        None => format!(
            "each of {} tests on its own at 5% (no false discovery rate control)",
            tested.len()
        ),
    };
    notes.push(format!(
        "significance: Mann-Whitney U per metric, {how}{}",
        if demoted > 0 {
            format!("; {demoted} change(s) beyond a threshold are inconclusive after it")
        } else {
            String::new()
        }
    ));
}
