//! `perfgate versus A B`: two commands timed in alternation, ABBA or BAAB blocks chosen by a
//! seeded coin, so drift, thermal state and the host's fast/slow phases hit both alike
//! ([`run()`]). Runs are paired within blocks; per metric the ratio B/A is `exp` of the median
//! of the paired log-ratios `ln(b_i / a_i)`, with a seeded bootstrap 95% interval of that
//! median and the bootstrap p-value of "the ratio is 1" (pairing removes the shared drift;
//! logs make the interval symmetric in "x times faster/slower"). The gate judges the ratios
//! ([`crate::gate::judge_paired`]); [`outcome`] gathers what `render::versus` shows.

pub mod outputs;
mod plan;
mod run;

use crate::gate::{PairedJudgement, PairedMetric, PairedRatio};
use crate::model::Direction;
use crate::render::versus::{MetricRatio, Outcome, Outputs};
use crate::runner::RunMeasurement;
use crate::stats::{bootstrap_ci_and_p, median, SplitMix64, Statistic};

pub use crate::runner::schedule::{block, order, Side};
pub use plan::{Check, Plan, Sides};
pub use run::{run, Stop, VersusRun};

/// Resamples of the bootstrap of one metric's median log-ratio.
const RESAMPLES: usize = 10_000;

/// The paired ratio B/A of one metric. No interval (and no test) when a value is 0 (no log)
/// or there is only one pair.
pub fn ratio(a: &[f64], b: &[f64], seed: u64, name: &str) -> PairedRatio {
    if a.iter().chain(b).all(|v| *v == 0.0) {
        return PairedRatio::AllZero;
    }
    if a.iter().chain(b).any(|v| *v <= 0.0) || a.len() < 2 {
        let (ma, mb) = (median(a), median(b));
        return if ma > 0.0 {
            PairedRatio::Ratio {
                ratio: mb / ma,
                ci95: None,
                p_value: None,
            }
        } else {
            PairedRatio::NoRatio
        };
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| (y / x).ln()).collect();
    let mut rng = SplitMix64::derive(seed, name);
    let ([lo, hi], p) = bootstrap_ci_and_p(&d, Statistic::Median, 0.95, RESAMPLES, &mut rng, 0.0);
    PairedRatio::Ratio {
        ratio: median(&d).exp(),
        ci95: Some([lo.exp(), hi.exp()]),
        p_value: Some(p),
    }
}

/// Reads one metric of a run.
type Pick = fn(&RunMeasurement) -> f64;

/// The metrics of every run, with their units.
const RUN_METRICS: [(&str, &str, Pick); 4] = [
    ("wall_time", "s", |m| m.wall_time),
    ("user_time", "s", |m| m.user_time),
    ("sys_time", "s", |m| m.sys_time),
    ("peak_rss", "bytes", |m| m.peak_rss_bytes as f64),
];

/// What the runs measured, per metric: the gate's evidence and each side's median.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub metrics: Vec<PairedMetric>,
    /// A's and B's medians, in the order of `metrics`.
    pub medians: Vec<[f64; 2]>,
}

/// The paired ratios of wall, user and system time and peak RSS, and of start-up time when it
/// was timed.
pub fn measured(run: &VersusRun, seed: u64) -> Measured {
    let values = |side: &[RunMeasurement], pick: Pick| side.iter().map(pick).collect::<Vec<_>>();
    let mut series: Vec<(&str, &str, [Vec<f64>; 2])> = RUN_METRICS
        .iter()
        .map(|(metric, unit, pick)| {
            let [a, b] = &run.measured;
            (*metric, *unit, [values(a, *pick), values(b, *pick)])
        })
        .collect();
    if let Some(startup) = &run.startup {
        series.push(("startup_time", "s", startup.clone()));
    }
    let metrics = series
        .iter()
        .map(|(metric, unit, [a, b])| PairedMetric {
            metric: metric.to_string(),
            unit: unit.to_string(),
            direction: Direction::LowerIsBetter,
            evidence: ratio(a, b, seed, metric),
        })
        .collect();
    let medians = series
        .iter()
        .map(|(_, _, [a, b])| [median(a), median(b)])
        .collect();
    Measured { metrics, medians }
}

/// What `versus` shows: the plan, the runs, the ratios and the gate's verdicts on them.
pub fn outcome(
    plan: &Plan,
    run: &VersusRun,
    measured: &Measured,
    judgement: &PairedJudgement,
) -> Outcome {
    let metrics: Vec<MetricRatio> = measured
        .metrics
        .iter()
        .zip(&measured.medians)
        .zip(&judgement.verdicts)
        .map(|((m, [a, b]), v)| MetricRatio {
            metric: m.metric.clone(),
            unit: m.unit.clone(),
            a_median: *a,
            b_median: *b,
            ratio: m.evidence.ratio(),
            ratio_ci95: m.evidence.ci95(),
            significant: v.significant,
            status: v.status,
            p_value: v.p_value,
            q_value: v.q_value,
            reason: v.reason.clone(),
        })
        .collect();
    let ratio_of = |name: &str| {
        metrics
            .iter()
            .find(|m| m.metric == name)
            .and_then(|m| m.ratio)
    };
    let [a, b] = plan.commands.clone();
    Outcome {
        a,
        b,
        pairs: plan.pairs,
        order: run.order.clone(),
        outputs: Outputs {
            mode: plan.check.name().to_string(),
            agree: true,
            detail: run.agreement.clone(),
        },
        throughput_ratio: ratio_of("wall_time").map(|w| 1.0 / w),
        peak_memory_ratio: ratio_of("peak_rss"),
        startup_ratio: ratio_of("startup_time"),
        startup: plan.startup.clone(),
        metrics,
        notes: judgement.notes.clone(),
    }
}

#[cfg(test)]
mod tests;
