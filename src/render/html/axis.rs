//! Axis ticks for the charts: round values (1, 2, 5 x 10^k) in the unit a reader sees (ms, MiB,
//! M lines/s), all labelled in that one unit at the number of decimals their step needs. Labels
//! formatted one by one at three significant digits read the same when the range is narrow
//! (`21.1 ms` three times); with the step's decimals no two labels of an axis can be equal.

use crate::model::Unit;

/// Ticks of one axis: values in the metric's own (SI base) unit, and their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub ticks: Vec<f64>,
    pub labels: Vec<String>,
}

impl Axis {
    /// The range the ticks span; the data lies inside it.
    pub fn range(&self) -> (f64, f64) {
        (self.ticks[0], self.ticks[self.ticks.len() - 1])
    }

    /// Characters of the longest label (to size a margin or space the labels).
    pub fn widest(&self) -> usize {
        self.labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
    }
}

/// About `target` round ticks covering `[lo, hi]` of a metric in `unit`. A range of one value
/// (every sample equal, or all zero) is widened around it, so the ticks still differ.
pub fn axis(lo: f64, hi: f64, unit: &str, target: usize) -> Axis {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo.min(hi), lo.max(hi))
    } else {
        (0.0, 0.0)
    };
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else if lo == 0.0 {
        (0.0, 1.0)
    } else {
        (lo - lo.abs() * 0.1, hi + hi.abs() * 0.1)
    };
    let (factor, suffix) = display_unit(unit, lo.abs().max(hi.abs()));
    let (a, b) = (lo / factor, hi / factor);
    let (step, exponent) = nice_step((b - a) / target.max(1) as f64);
    let first = (a / step).floor() as i64;
    let mut scaled = Vec::new();
    // From the last tick at or below `a` to the first at or above `b`; counted in whole steps
    // so no rounding error builds up from tick to tick.
    for k in 0..=(2 * target.max(1) + 2) as i64 {
        let v = (first + k) as f64 * step;
        scaled.push(v);
        if v >= b - step * 1e-9 {
            break;
        }
    }
    let decimals = (-exponent).max(0) as usize;
    let labels = scaled
        .iter()
        .map(|v| {
            let n = format!("{v:.decimals$}");
            // `-0.0` rounds to "-0.0"; a tick at zero reads "0".
            let n = if n
                .trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                n.trim_start_matches('-').to_string()
            } else {
                n
            };
            format!("{n}{suffix}")
        })
        .collect();
    Axis {
        ticks: scaled.iter().map(|v| v * factor).collect(),
        labels,
    }
}

/// The densest axis of at most `target` ticks whose labels, `chars_per_gap` apart, fit in
/// `room` characters (for a horizontal axis, where labels sit side by side).
pub fn fitted_axis(lo: f64, hi: f64, unit: &str, target: usize, room: f64) -> Axis {
    let mut n = target.max(1);
    loop {
        let a = axis(lo, hi, unit, n);
        let needed = a.labels.len() as f64 * (a.widest() as f64 + 2.0);
        if needed <= room || n == 1 {
            return a;
        }
        n -= 1;
    }
}

/// The smallest of 1, 2, 5, 10 x 10^k at or above `raw`, with its power of ten.
fn nice_step(raw: f64) -> (f64, i32) {
    let raw = if raw.is_finite() && raw > 0.0 {
        raw
    } else {
        1.0
    };
    let mut exponent = raw.log10().floor() as i32;
    let mag = 10f64.powi(exponent);
    let m = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|m| m * mag >= raw * (1.0 - 1e-12))
        .unwrap_or(10.0);
    if m == 10.0 {
        exponent += 1;
        (10f64.powi(exponent), exponent)
    } else {
        (m * 10f64.powi(exponent), exponent)
    }
}

/// The factor one displayed unit is worth in `unit`, and the suffix that names it, chosen by
/// the largest magnitude on the axis (the same prefixes as the tables use).
fn display_unit(unit: &str, magnitude: f64) -> (f64, String) {
    match Unit::from(unit) {
        Unit::Seconds => {
            let (f, s) = if magnitude == 0.0 || magnitude >= 1.0 {
                (1.0, "s")
            } else if magnitude >= 1e-3 {
                (1e-3, "ms")
            } else if magnitude >= 1e-6 {
                (1e-6, "\u{00B5}s")
            } else {
                (1e-9, "ns")
            };
            (f, format!(" {s}"))
        }
        Unit::Bytes => {
            let names = ["B", "KiB", "MiB", "GiB", "TiB"];
            let mut i = 0;
            while i + 1 < names.len() && magnitude >= 1024f64.powi(i as i32 + 1) {
                i += 1;
            }
            (1024f64.powi(i as i32), format!(" {}", names[i]))
        }
        _ => {
            let (f, p) = if magnitude >= 1e9 {
                (1e9, "G")
            } else if magnitude >= 1e6 {
                (1e6, "M")
            } else if magnitude >= 1e3 {
                (1e3, "k")
            } else {
                (1.0, "")
            };
            let unit = if unit.is_empty() {
                String::new()
            } else {
                format!(" {unit}")
            };
            (f, format!("{p}{unit}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn distinct(a: &Axis) -> bool {
        a.labels.iter().collect::<BTreeSet<_>>().len() == a.labels.len()
    }

    #[test]
    fn ticks_are_round_cover_the_range_and_read_in_one_unit() {
        let a = axis(0.0, 10.0, "", 5);
        assert_eq!(a.ticks, vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(a.labels, ["0", "2", "4", "6", "8", "10"]);
        let a = axis(0.0552, 0.0801, "s", 5);
        assert_eq!(
            a.labels,
            ["55 ms", "60 ms", "65 ms", "70 ms", "75 ms", "80 ms", "85 ms"]
        );
        let (lo, hi) = a.range();
        assert!(lo <= 0.0552 && hi >= 0.0801, "{a:?}");
    }

    #[test]
    fn a_narrow_range_gets_as_many_decimals_as_its_step_needs() {
        // Medians of 21.10 to 21.19 ms: three significant digits would read 21.1 ms thrice.
        let a = axis(0.021_10, 0.021_19, "s", 5);
        assert!(distinct(&a), "{a:?}");
        assert!(a.labels.len() >= 3, "{a:?}");
        assert_eq!(a.labels[0], "21.10 ms");
        assert!(a.labels.iter().all(|l| l.ends_with(" ms")), "{a:?}");
        // Steps of 1, 2 or 5 in the last shown digit.
        let values: Vec<f64> = a
            .labels
            .iter()
            .map(|l| l.trim_end_matches(" ms").parse().unwrap())
            .collect();
        let step = values[1] - values[0];
        assert!((step - 0.02).abs() < 1e-9, "{values:?}");
    }

    #[test]
    fn every_range_gets_distinct_labels() {
        let units = ["s", "bytes", "lines/s", "", "instructions"];
        let mut lo = 1.234e-8;
        while lo < 1e11 {
            for width in [1e-6, 1e-3, 0.01, 0.3, 2.0, 40.0] {
                for unit in units {
                    let hi = lo * (1.0 + width);
                    let a = axis(lo, hi, unit, 5);
                    assert!(distinct(&a), "{lo} .. {hi} {unit}: {a:?}");
                    assert!(a.ticks.len() >= 2, "{a:?}");
                    let (x, y) = a.range();
                    assert!(x <= lo && y >= hi * (1.0 - 1e-12), "{lo} .. {hi}: {a:?}");
                }
            }
            lo *= 7.3;
        }
    }

    #[test]
    fn an_all_zero_metric_gets_a_plain_zero_based_axis() {
        let a = axis(0.0, 0.0, "s", 5);
        assert_eq!(
            a.labels,
            ["0.0 s", "0.2 s", "0.4 s", "0.6 s", "0.8 s", "1.0 s"]
        );
        assert_eq!(a.ticks[0], 0.0);
        // One nonzero value: widened around it, not collapsed to one label.
        let a = axis(0.0211, 0.0211, "s", 5);
        assert!(distinct(&a) && a.labels.len() >= 2, "{a:?}");
        let (x, y) = a.range();
        assert!(x < 0.0211 && y > 0.0211);
    }

    #[test]
    fn zero_is_never_negative_and_prefixes_follow_the_largest_value() {
        let a = axis(-0.004, 0.006, "s", 5);
        assert!(a.labels.contains(&"0 ms".to_string()), "{a:?}");
        assert!(!a.labels.iter().any(|l| l == "-0 ms"));
        let a = axis(1.5e6, 2.2e6, "bytes", 5);
        assert!(a.labels.iter().all(|l| l.ends_with(" MiB")), "{a:?}");
        assert!(distinct(&a));
        let a = axis(1.52e8, 2.33e8, "bytes/s", 5);
        assert!(a.labels.iter().all(|l| l.ends_with("M bytes/s")), "{a:?}");
    }

    #[test]
    fn a_fitted_axis_thins_its_ticks_until_the_labels_fit() {
        let wide = axis(1.17e6, 1.84e6, "lines/s", 5);
        let room = 40.0;
        let fitted = fitted_axis(1.17e6, 1.84e6, "lines/s", 5, room);
        assert!(wide.labels.len() as f64 * (wide.widest() as f64 + 2.0) > room);
        assert!(fitted.labels.len() as f64 * (fitted.widest() as f64 + 2.0) <= room);
        assert!(fitted.labels.len() >= 2 && distinct(&fitted), "{fitted:?}");
    }
}
