//! The measured part of one benchmark, between its setup and cleanup: warm-up runs, then
//! measured runs until the sampling plan is met (each after its `prepare`), then the samples
//! summarised into metrics, with the custom metrics the runs reported and the instruction
//! count when asked for.

use std::collections::BTreeMap;
use std::time::Duration;

use super::custom::{self, CustomMetrics, MetricsFile, Reported};
use super::lifecycle::{self, Failure};
use super::{
    base_result, instructions, planned_runs, samples, BenchSamples, Executor, Observer,
    RunMeasurement, RunRequest,
};
use crate::config::{BenchSpec, Measure};
use crate::model::{BenchStatus, BenchmarkResult, Direction};

/// Why a benchmark's runs failed, and how many warm-up runs it had done.
pub struct Failed {
    pub reason: String,
    pub warmup_runs: u32,
}

impl Failure for Failed {
    fn because(reason: String) -> Self {
        Failed {
            reason,
            warmup_runs: 0,
        }
    }
    fn into_reason(self) -> String {
        self.reason
    }
}

impl Failed {
    /// The benchmark's `failed` result.
    pub fn into_result(self, spec: &BenchSpec) -> BenchmarkResult {
        let mut r = base_result(spec, BenchStatus::Failed, Some(self.reason));
        r.warmup_runs = self.warmup_runs;
        r
    }
}

/// Warms up, measures and summarises `spec`, telling `observer` of each measured run.
pub fn measure(
    spec: &BenchSpec,
    exec: &mut dyn Executor,
    observer: &mut dyn Observer,
) -> Result<BenchmarkResult, Failed> {
    // Past the warm-ups, a failure comes after all of them.
    let after_warmup = |reason| Failed {
        reason,
        warmup_runs: spec.warmup,
    };
    let runs = Runs::new(spec).map_err(after_warmup)?;
    runs.warm_up(exec)?;
    let (samples, custom_metrics) = runs.sample(exec, observer).map_err(after_warmup)?;
    let mut result = summarize(spec, samples, custom_metrics).map_err(after_warmup)?;
    if spec.settings.measures(Measure::Instructions) {
        let (count, tool) = instructions::count(spec, &spec.env, exec).map_err(after_warmup)?;
        result.metrics.push(samples::metric(
            "instructions",
            "count",
            Direction::LowerIsBetter,
            vec![count],
        ));
        result
            .params
            .insert("instructions_tool".into(), tool.into());
    }
    Ok(result)
}

/// The runs of one benchmark: its command with the custom-metrics file in its environment.
struct Runs<'a> {
    spec: &'a BenchSpec,
    env: BTreeMap<String, String>,
    metrics_file: MetricsFile,
}

impl<'a> Runs<'a> {
    fn new(spec: &'a BenchSpec) -> Result<Self, String> {
        let metrics_file = MetricsFile::new().map_err(|e| {
            format!(
                "cannot create a directory for {}: {e}",
                custom::METRICS_FILE_VAR
            )
        })?;
        let mut env = spec.env.clone();
        env.insert(
            custom::METRICS_FILE_VAR.to_string(),
            metrics_file.path().display().to_string(),
        );
        Ok(Runs {
            spec,
            env,
            metrics_file,
        })
    }

    /// The warm-up runs; a failure says how many went well.
    fn warm_up(&self, exec: &mut dyn Executor) -> Result<(), Failed> {
        for i in 0..self.spec.warmup {
            self.once(exec, &format!("warm-up run {}", i + 1))
                .map_err(|reason| Failed {
                    reason,
                    warmup_runs: i,
                })?;
        }
        Ok(())
    }

    /// Measured runs until the sampling plan is met.
    fn sample(
        &self,
        exec: &mut dyn Executor,
        observer: &mut dyn Observer,
    ) -> Result<(BenchSamples, CustomMetrics), String> {
        let plan = &self.spec.sampling;
        let mut samples = BenchSamples::default();
        let mut custom_metrics = CustomMetrics::default();
        let mut measured = Duration::ZERO;
        loop {
            let done = samples.len() as u32;
            if done >= planned_runs(plan, done, measured) {
                return Ok((samples, custom_metrics));
            }
            let label = format!("run {}", done + 1);
            let (m, reports) = self.once(exec, &label)?;
            custom_metrics
                .add_run(reports)
                .map_err(|e| format!("{label}: {e}"))?;
            measured += Duration::from_secs_f64(m.wall_time);
            samples.push(&m);
            let done = done + 1;
            observer.run_done(done, planned_runs(plan, done, measured).max(done));
        }
    }

    /// One run (after its `prepare`), named `label` in a failure: its measurement and the
    /// custom metrics it reported.
    fn once(
        &self,
        exec: &mut dyn Executor,
        label: &str,
    ) -> Result<(RunMeasurement, Vec<Reported>), String> {
        let spec = self.spec;
        if let Some(prepare) = &spec.prepare {
            lifecycle::step(
                exec,
                &RunRequest::of(spec, prepare),
                &format!("prepare before {label}"),
            )?;
        }
        // stdout is scanned for PERFGATE_METRIC lines unless shown on the terminal.
        let req = RunRequest {
            env: &self.env,
            scan_metrics: true,
            sample_gpu: spec.device == "cuda",
            ..RunRequest::of(spec, &spec.exec)
        };
        let m = lifecycle::step(exec, &req, label)?;
        if let Some(g) = m.gpu.as_ref().filter(|g| g.failed > 0) {
            // A driver error mid-run: the GPU numbers of this run cannot be trusted.
            return Err(format!(
                "{label}: GPU sampling failed ({} of {} samples): {}",
                g.failed,
                g.failed + g.samples,
                g.errors.first().map_or("", String::as_str)
            ));
        }
        let mut reports =
            custom::from_stdout(&m.metric_lines).map_err(|e| format!("{label}: {e}"))?;
        reports.extend(
            custom::from_file(&self.metrics_file.path()).map_err(|e| format!("{label}: {e}"))?,
        );
        Ok((m, reports))
    }
}

/// The `ok` result of the runs: the measured metrics, CPU utilization when asked for, and
/// the custom metrics.
fn summarize(
    spec: &BenchSpec,
    samples: BenchSamples,
    custom_metrics: CustomMetrics,
) -> Result<BenchmarkResult, String> {
    let mut result = base_result(spec, BenchStatus::Ok, None);
    result.warmup_runs = spec.warmup;
    let cpu_utilization = spec
        .settings
        .measures(Measure::CpuUtilization)
        .then(|| samples.cpu_utilization());
    result.metrics = samples.into_metrics(spec.throughput.as_ref());
    if let Some(u) = cpu_utilization {
        result.metrics.push(samples::metric(
            "cpu_utilization",
            "ratio",
            Direction::HigherIsBetter,
            u,
        ));
    }
    for (name, series) in custom_metrics.into_series() {
        if result.metric(&name).is_some() {
            return Err(format!(
                "custom metric `{name}` has the name of a metric perfgate measures"
            ));
        }
        result.metrics.push(samples::metric(
            &name,
            &series.unit,
            series.direction,
            series.samples,
        ));
    }
    Ok(result)
}
