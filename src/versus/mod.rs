//! `perfgate versus A B`: two commands timed in alternation, ABBA or BAAB blocks chosen by a
//! seeded coin, so drift, thermal state and the host's fast/slow phases hit both alike. Runs
//! are paired within blocks; per metric the ratio B/A is `exp` of the median of the paired
//! log-ratios `ln(b_i / a_i)`, with a seeded bootstrap 95% interval of that median (pairing
//! removes the shared drift; logs make the interval symmetric in "x times faster/slower").
//! A metric is significant when the interval of the ratio excludes 1.

pub mod outputs;

use std::io::{Seek, SeekFrom};

use serde::Serialize;

use crate::config::Exec;
use crate::model::units;
use crate::runner::{Executor, RunMeasurement, RunRequest};
use crate::stats::{bootstrap_ci, median, SplitMix64, Statistic};
use outputs::Captured;

/// Which side a run was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Side {
    A,
    B,
}

/// One block of four runs, ABBA or BAAB by a coin: each side runs once early and once late,
/// so a linear drift hits both alike.
pub fn block(rng: &mut SplitMix64) -> [Side; 4] {
    if rng.next_u64() & 1 == 0 {
        [Side::A, Side::B, Side::B, Side::A]
    } else {
        [Side::B, Side::A, Side::A, Side::B]
    }
}

/// The run order: `pairs` blocks, each ABBA or BAAB (two pairs per block).
pub fn order(pairs: usize, rng: &mut SplitMix64) -> Vec<Side> {
    let mut out = Vec::with_capacity(pairs * 2);
    while out.len() < pairs * 2 {
        out.extend(block(rng));
    }
    out.truncate(pairs * 2);
    // An odd number of pairs leaves half a block: keep one of each side.
    let a = out.iter().filter(|s| **s == Side::A).count();
    if a != pairs {
        let last = out.len() - 1;
        out[last] = if a < pairs { Side::A } else { Side::B };
    }
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricRatio {
    pub metric: String,
    pub unit: String,
    pub a_median: f64,
    pub b_median: f64,
    /// B / A (of paired runs).
    pub ratio: f64,
    pub ratio_ci95: Option<[f64; 2]>,
    pub significant: bool,
    pub status: String,
}

/// The paired ratio of one metric. `None` in the interval when a value is 0 (no log).
pub fn ratio(a: &[f64], b: &[f64], seed: u64, name: &str) -> (f64, Option<[f64; 2]>) {
    if a.iter().chain(b).any(|v| *v <= 0.0) || a.len() < 2 {
        let (ma, mb) = (median(a), median(b));
        return (if ma > 0.0 { mb / ma } else { f64::NAN }, None);
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| (y / x).ln()).collect();
    let mut rng = SplitMix64::derive(seed, name);
    let [lo, hi] = bootstrap_ci(&d, Statistic::Median, 0.95, 10_000, &mut rng);
    (median(&d).exp(), Some([lo.exp(), hi.exp()]))
}

/// A verdict like `compare`'s: beyond warn/fail percent, and significant; `inconclusive`
/// when beyond but not significant.
pub fn verdict(
    ratio: f64,
    ci: Option<[f64; 2]>,
    warn_pct: f64,
    fail_pct: f64,
) -> (bool, &'static str) {
    let significant = ci.is_some_and(|[lo, hi]| lo > 1.0 || hi < 1.0);
    let change = (ratio - 1.0) * 100.0;
    let status = if change > warn_pct {
        match (significant, change > fail_pct) {
            (false, _) => "inconclusive",
            (true, true) => "critical",
            (true, false) => "warning",
        }
    } else if change < -warn_pct && significant {
        "improved"
    } else {
        "stable"
    };
    (significant, status)
}

/// Default (warn, fail) percent for a unit, as in `compare`.
pub fn default_pcts(unit: &str) -> (f64, f64) {
    if unit == units::BYTES {
        (10.0, 20.0)
    } else {
        (5.0, 10.0)
    }
}

/// Runs `exec` once with stdout captured in `out`; the measurement and what it printed (its
/// bytes only with `keep`, and only up to [`outputs::COMPARED_MAX`]: the output is read in
/// pieces, so its size costs no memory).
pub fn run_captured(
    exec: &mut dyn Executor,
    command: &Exec,
    env: &std::collections::BTreeMap<String, String>,
    cwd: &std::path::Path,
    out: &mut std::fs::File,
    keep: bool,
) -> (RunMeasurement, std::io::Result<Captured>) {
    let _ = out
        .set_len(0)
        .and_then(|()| out.seek(SeekFrom::Start(0)).map(drop));
    let m = exec.run(&RunRequest {
        exec: command,
        env,
        cwd,
        timeout: None,
        capture_stdout: Some(out),
        scan_metrics: false,
        pin: &[],
        sample_gpu: false,
        cleanup: false,
    });
    let captured = out
        .seek(SeekFrom::Start(0))
        .and_then(|_| Captured::read(out, keep));
    (m, captured)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_is_in_balanced_blocks() {
        let mut rng = SplitMix64::new(1);
        let o = order(10, &mut rng);
        assert_eq!(o.len(), 20);
        assert_eq!(o.iter().filter(|s| **s == Side::A).count(), 10);
        for block in o.chunks(4) {
            assert!(
                block == [Side::A, Side::B, Side::B, Side::A]
                    || block == [Side::B, Side::A, Side::A, Side::B]
            );
        }
        let o = order(3, &mut rng);
        assert_eq!(o.iter().filter(|s| **s == Side::A).count(), 3);
    }

    #[test]
    fn ratios_and_verdicts() {
        let a = [1.0, 1.1, 0.9, 1.0, 1.05, 0.95];
        let b: Vec<f64> = a.iter().map(|x| x * 2.0).collect();
        let (r, ci) = ratio(&a, &b, 1, "wall_time");
        assert!((r - 2.0).abs() < 1e-12);
        let [lo, hi] = ci.unwrap();
        assert!((lo - 2.0).abs() < 1e-9 && (hi - 2.0).abs() < 1e-9);
        assert_eq!(verdict(r, ci, 5.0, 10.0), (true, "critical"));
        assert_eq!(
            verdict(1.07, Some([0.9, 1.2]), 5.0, 10.0),
            (false, "inconclusive")
        );
        assert_eq!(
            verdict(0.8, Some([0.7, 0.9]), 5.0, 10.0),
            (true, "improved")
        );
        assert_eq!(
            verdict(1.01, Some([0.99, 1.03]), 5.0, 10.0),
            (false, "stable")
        );
    }
}
