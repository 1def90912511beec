//! Per-run measurements -> metrics with samples and summaries.

use crate::config::Throughput;
use crate::model::{metric_names, units, BenchmarkResult, Direction, Metric};
use crate::stats::summarize;

use super::executor::RunMeasurement;

/// The measured runs of one benchmark, one entry per process run.
#[derive(Debug, Default, Clone)]
pub struct BenchSamples {
    pub wall_time: Vec<f64>,
    pub user_time: Vec<f64>,
    pub sys_time: Vec<f64>,
    pub peak_rss: Vec<f64>,
    /// Peak GPU memory of the process tree per run (cuda benchmarks with a sampler).
    pub gpu_mem_peak: Vec<f64>,
    /// Mean utilisation (%) of the GPUs used, per run, when the driver tells.
    pub gpu_util: Vec<f64>,
}

impl BenchSamples {
    pub fn push(&mut self, m: &RunMeasurement) {
        self.wall_time.push(m.wall_time);
        self.user_time.push(m.user_time);
        self.sys_time.push(m.sys_time);
        self.peak_rss.push(m.peak_rss_bytes as f64);
        if let Some(g) = m.gpu.as_ref().filter(|g| g.samples > 0) {
            self.gpu_mem_peak.push(g.peak_bytes as f64);
            self.gpu_util.extend(g.mean_util_pct);
        }
    }

    /// (user + sys) / wall of each run.
    pub fn cpu_utilization(&self) -> Vec<f64> {
        self.wall_time
            .iter()
            .zip(self.user_time.iter().zip(&self.sys_time))
            .map(|(w, (u, s))| (u + s) / w.max(1e-9))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.wall_time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.wall_time.is_empty()
    }

    /// Builds the metrics, each with its summary.
    pub fn into_metrics(self, throughput: Option<&Throughput>) -> Vec<Metric> {
        let runs = self.wall_time.len();
        let throughput_samples = throughput.map(|t| {
            let s: Vec<f64> = self
                .wall_time
                .iter()
                .map(|w| t.items / w.max(1e-9))
                .collect();
            (format!("{}/s", t.unit), s)
        });
        let mut plan = vec![
            (
                metric_names::WALL_TIME,
                units::SECONDS.to_string(),
                Direction::LowerIsBetter,
                self.wall_time,
            ),
            (
                metric_names::USER_TIME,
                units::SECONDS.to_string(),
                Direction::LowerIsBetter,
                self.user_time,
            ),
            (
                metric_names::SYS_TIME,
                units::SECONDS.to_string(),
                Direction::LowerIsBetter,
                self.sys_time,
            ),
            (
                metric_names::PEAK_RSS,
                units::BYTES.to_string(),
                Direction::LowerIsBetter,
                self.peak_rss,
            ),
        ];
        // Only when every run has them: a partial series would be a biased sample.
        if !self.gpu_mem_peak.is_empty() && self.gpu_mem_peak.len() == runs {
            plan.push((
                "gpu_mem_peak",
                units::BYTES.to_string(),
                Direction::LowerIsBetter,
                self.gpu_mem_peak,
            ));
        }
        if !self.gpu_util.is_empty() && self.gpu_util.len() == runs {
            plan.push((
                "gpu_util",
                "%".to_string(),
                Direction::HigherIsBetter,
                self.gpu_util,
            ));
        }
        if let Some((unit, samples)) = throughput_samples {
            plan.push((
                metric_names::THROUGHPUT,
                unit,
                Direction::HigherIsBetter,
                samples,
            ));
        }
        plan.into_iter()
            .map(|(name, unit, direction, samples)| metric(name, &unit, direction, samples))
            .collect()
    }
}

pub(super) fn metric(name: &str, unit: &str, direction: Direction, samples: Vec<f64>) -> Metric {
    Metric {
        processes: None,
        name: name.to_string(),
        unit: unit.into(),
        direction,
        summary: summarize(&samples),
        samples,
    }
}

/// Several runs' results of one benchmark as one: each metric's samples are `take` of that
/// metric in each run that has it (in run order), summarised afresh. `None` for no runs.
pub(super) fn pooled(
    runs: Vec<BenchmarkResult>,
    take: impl Fn(&Metric) -> Vec<f64>,
) -> Option<BenchmarkResult> {
    let mut runs = runs.into_iter();
    let mut out = runs.next()?;
    let mut series: Vec<Vec<f64>> = out.metrics.iter().map(&take).collect();
    for r in runs {
        for m in &r.metrics {
            if let Some(i) = out.metrics.iter().position(|x| x.name == m.name) {
                series[i].extend(take(m));
            }
        }
    }
    out.metrics = out
        .metrics
        .iter()
        .zip(series)
        .map(|(m, s)| metric(&m.name, &m.unit, m.direction, s))
        .collect();
    Some(out)
}
