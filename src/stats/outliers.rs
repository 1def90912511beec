//! Tukey's fences: a value beyond 1.5 IQR from the quartiles is a mild outlier, beyond 3 IQR a
//! severe one. Outliers are counted and reported, never dropped from the sample.

use serde::{Deserialize, Serialize};

use super::percentile_sorted;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutlierCounts {
    /// Beyond 1.5 IQR but within 3 IQR of the quartiles, on either side.
    pub mild: usize,
    /// Beyond 3 IQR of the quartiles, on either side.
    pub severe: usize,
}

/// Counts outliers of an ascending slice; quartiles use the same percentile definition as
/// everything else (numpy "linear").
pub fn tukey_outliers(sorted: &[f64]) -> OutlierCounts {
    if sorted.len() < 4 {
        return OutlierCounts::default();
    }
    let q1 = percentile_sorted(sorted, 25.0);
    let q3 = percentile_sorted(sorted, 75.0);
    let iqr = q3 - q1;
    let (mild_lo, mild_hi) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr);
    let (severe_lo, severe_hi) = (q1 - 3.0 * iqr, q3 + 3.0 * iqr);
    let mut counts = OutlierCounts::default();
    for &x in sorted {
        if x < severe_lo || x > severe_hi {
            counts.severe += 1;
        } else if x < mild_lo || x > mild_hi {
            counts.mild += 1;
        }
    }
    counts
}
