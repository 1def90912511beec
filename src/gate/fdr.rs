//! The false discovery rate across one comparison's tests.

use super::{MetricComparison, Verdict};

/// A row of a comparison that may carry a test: what the false discovery control reads and
/// changes. `compare`'s rows and `versus`'s paired rows are both.
pub(super) trait Tested {
    fn p_value(&self) -> Option<f64>;
    fn status(&self) -> Verdict;
    fn set_q_value(&mut self, q: f64);
    /// Makes the row `inconclusive`, for this reason.
    fn demote(&mut self, reason: String);
}

impl Tested for MetricComparison {
    fn p_value(&self) -> Option<f64> {
        self.p_value
    }

    fn status(&self) -> Verdict {
        self.status
    }

    fn set_q_value(&mut self, q: f64) {
        self.q_value = Some(q);
    }

    fn demote(&mut self, reason: String) {
        self.status = Verdict::Inconclusive;
        self.reason = Some(reason);
    }
}

/// The test behind the p-values, as the reasons and the note name it.
pub(super) struct Test {
    /// Its p-value's name, e.g. `Mann-Whitney` (`Mann-Whitney p = 0.012`).
    pub p_name: &'static str,
    /// What was tested per metric, e.g. `Mann-Whitney U per metric`.
    pub per_metric: &'static str,
}

/// `compare`'s test: Mann-Whitney U of the two sides' samples.
pub(super) const MANN_WHITNEY: Test = Test {
    p_name: "Mann-Whitney",
    per_metric: "Mann-Whitney U per metric",
};

/// The false discovery rate of the whole comparison (5% by default): a benchmark x metric
/// matrix is many tests, and at a 5% level each, one in twenty unchanged metrics would look
/// changed. A warning or critical whose Benjamini-Hochberg adjusted p-value is above the rate
/// becomes inconclusive, with the numbers in its reason. With `fdr: None` each metric is
/// tested alone at 5% (its raw p-value).
pub(super) fn control_false_discoveries<T: Tested>(
    rows: &mut [T],
    fdr: Option<f64>,
    test: &Test,
    notes: &mut Vec<String>,
) {
    let tested: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].p_value().is_some())
        .collect();
    if tested.is_empty() {
        return;
    }
    let p: Vec<f64> = tested
        .iter()
        .map(|&i| rows[i].p_value().unwrap_or(1.0))
        .collect();
    // Each test's adjusted p-value (q), or, with no control, its own p against 5%.
    let (q, level) = match fdr {
        Some(level) => (crate::stats::benjamini_hochberg(&p), level),
        None => (p.clone(), 0.05),
    };
    let mut demoted = 0;
    for ((&i, q), p) in tested.iter().zip(q).zip(p) {
        let row = &mut rows[i];
        if fdr.is_some() {
            row.set_q_value(q);
        }
        if matches!(row.status(), Verdict::Warning | Verdict::Critical) && q > level {
            demoted += 1;
            let reason = match fdr {
                Some(_) => format!(
                    "{} beyond the threshold, but not significant once the false discovery rate is controlled ({} p = {p:.3}, Benjamini-Hochberg q = {q:.3} > {level} over {} tests)",
                    row.status().as_str(),
                    test.p_name,
                    tested.len()
                ),
                None => format!(
                    "{} beyond the threshold, but not significant ({} p = {p:.3} > 0.05)",
                    row.status().as_str(),
                    test.p_name
                ),
            };
            row.demote(reason);
        }
    }
    notes.push(note(fdr, test, tested.len(), demoted));
}

/// How significance was controlled, and what it changed.
fn note(fdr: Option<f64>, test: &Test, tests: usize, demoted: usize) -> String {
    let how = match fdr {
        Some(level) => format!(
            "false discovery rate held at {}% across {tests} tests (Benjamini-Hochberg)",
            level * 100.0
        ),
        None => format!("each of {tests} tests on its own at 5% (no false discovery rate control)"),
    };
    format!(
        "significance: {}, {how}{}",
        test.per_metric,
        if demoted > 0 {
            format!("; {demoted} change(s) beyond a threshold are inconclusive after it")
        } else {
            String::new()
        }
    )
}
