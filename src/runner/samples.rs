//! Per-run measurements -> metrics with samples and summaries.

use crate::config::Throughput;
use crate::model::{metric_names, units, Direction, Metric};
use crate::stats::{summarize, SplitMix64};

use super::executor::RunMeasurement;

/// The measured runs of one benchmark, one entry per process run.
#[derive(Debug, Default, Clone)]
pub struct BenchSamples {
    pub wall_time: Vec<f64>,
    pub user_time: Vec<f64>,
    pub sys_time: Vec<f64>,
    pub peak_rss: Vec<f64>,
}

impl BenchSamples {
    pub fn push(&mut self, m: &RunMeasurement) {
        self.wall_time.push(m.wall_time);
        self.user_time.push(m.user_time);
        self.sys_time.push(m.sys_time);
        self.peak_rss.push(m.peak_rss_bytes as f64);
    }

    pub fn len(&self) -> usize {
        self.wall_time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.wall_time.is_empty()
    }

    /// Builds the metrics; each summary's bootstrap stream is derived from `seed` and the
    /// metric's full name, so it does not depend on the order of benchmarks.
    pub fn into_metrics(
        self,
        bench: &str,
        throughput: Option<&Throughput>,
        seed: u64,
    ) -> Vec<Metric> {
        let throughput_samples = throughput.map(|t| {
            let s: Vec<f64> = self
                .wall_time
                .iter()
                .map(|w| t.items / w.max(1e-9))
                .collect();
            (format!("{}/s", t.unit), s)
        });
        let mut metrics = vec![
            metric(
                bench,
                metric_names::WALL_TIME,
                units::SECONDS,
                Direction::LowerIsBetter,
                self.wall_time,
                seed,
            ),
            metric(
                bench,
                metric_names::USER_TIME,
                units::SECONDS,
                Direction::LowerIsBetter,
                self.user_time,
                seed,
            ),
            metric(
                bench,
                metric_names::SYS_TIME,
                units::SECONDS,
                Direction::LowerIsBetter,
                self.sys_time,
                seed,
            ),
            metric(
                bench,
                metric_names::PEAK_RSS,
                units::BYTES,
                Direction::LowerIsBetter,
                self.peak_rss,
                seed,
            ),
        ];
        if let Some((unit, samples)) = throughput_samples {
            metrics.push(metric(
                bench,
                metric_names::THROUGHPUT,
                &unit,
                Direction::HigherIsBetter,
                samples,
                seed,
            ));
        }
        metrics
    }
}

fn metric(
    bench: &str,
    name: &str,
    unit: &str,
    direction: Direction,
    samples: Vec<f64>,
    seed: u64,
) -> Metric {
    let mut rng = SplitMix64::derive(seed, &format!("{bench}.{name}"));
    Metric {
        name: name.to_string(),
        unit: unit.to_string(),
        direction,
        summary: summarize(&samples, &mut rng),
        samples,
    }
}
