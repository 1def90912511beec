//! The perfgate report (schema/report.schema.json, version 1) of a harness run, built from
//! one [`Measured`] per process.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};

use crate::context::{Git, Machine};
use crate::measure::Measured;
use crate::stats::{summarize, Summary};

/// perfgate's default seed (`perfgate run` without `--seed`): recorded, used by nothing here.
const SEED: u64 = 0x5eed_0f9e_7fa7_e500;

#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub suite: String,
    pub timestamp_utc: String,
    pub git: Option<Git>,
    pub machine: Machine,
    pub device: String,
    pub config_sha256: String,
    pub seed: u64,
    pub benchmarks: Vec<Benchmark>,
    pub source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<Selection>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Source {
    pub format: String,
    pub metadata: BTreeMap<String, Value>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Selection {
    pub filter: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Benchmark {
    pub name: String,
    pub status: &'static str,
    pub reason: Option<String>,
    pub tags: Vec<String>,
    pub params: BTreeMap<String, Value>,
    pub device: String,
    pub command: Option<String>,
    pub warmup_runs: u32,
    pub metrics: Vec<Metric>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Metric {
    pub name: String,
    pub unit: String,
    pub direction: &'static str,
    pub samples: Vec<f64>,
    pub summary: Summary,
}

impl Metric {
    fn new(name: &str, unit: &str, higher_is_better: bool, samples: Vec<f64>) -> Metric {
        Metric {
            name: name.to_string(),
            unit: unit.to_string(),
            direction: if higher_is_better {
                "higher_is_better"
            } else {
                "lower_is_better"
            },
            summary: summarize(&samples),
            samples,
        }
    }
}

/// What the parent learnt about one benchmark.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub name: String,
    pub tags: Vec<String>,
    pub params: BTreeMap<String, Value>,
    /// Items per iteration and their unit (`items`, `bytes`), when declared.
    pub throughput: Option<(f64, String)>,
    pub command: String,
    pub result: Result<Measurements, String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Measurements {
    /// One per process.
    pub processes: Vec<Measured>,
    /// Peak resident set of each process (bytes).
    pub peak_rss: Vec<f64>,
    /// Instructions per iteration under callgrind, with the tool's version.
    pub instructions: Option<(f64, String)>,
}

impl Measurements {
    pub fn times(&self) -> Vec<f64> {
        self.processes.iter().map(|m| m.time).collect()
    }

    /// The report's metrics: time, throughput, allocations, peak RSS, instructions.
    pub fn metrics(&self, throughput: Option<&(f64, String)>) -> Vec<Metric> {
        let times = self.times();
        let mut out = Vec::new();
        if let Some((items, unit)) = throughput {
            let rates = times.iter().map(|t| items / t).collect();
            out.push(Metric::new("throughput", &format!("{unit}/s"), true, rates));
        }
        let per_process = |f: fn(&Measured) -> Option<f64>| -> Option<Vec<f64>> {
            self.processes.iter().map(f).collect()
        };
        if let Some(allocs) = per_process(|m| m.allocations) {
            out.push(Metric::new("allocations", "count", false, allocs));
        }
        if let Some(bytes) = per_process(|m| m.allocated_bytes) {
            out.push(Metric::new("allocated_bytes", "bytes", false, bytes));
        }
        let cpu = self.processes.iter().map(|m| m.cpu_time).collect();
        out.insert(0, Metric::new("cpu_time", "s", false, cpu));
        out.insert(0, Metric::new("wall_time", "s", false, times));
        out.push(Metric::new(
            "peak_rss",
            "bytes",
            false,
            self.peak_rss.clone(),
        ));
        if let Some((count, _)) = &self.instructions {
            out.push(Metric::new("instructions", "count", false, vec![*count]));
        }
        out
    }
}

/// How the run was configured, for `source.metadata` and the configuration hash.
#[derive(Debug, Clone)]
pub(crate) struct RunInfo {
    pub suite: String,
    pub processes: usize,
    pub warm_up_ms: u128,
    pub measure_ms: u128,
    pub filter: Option<String>,
}

pub(crate) fn build(info: &RunInfo, outcomes: &[Outcome]) -> Report {
    let identity = json!({
        "harness": crate::HARNESS_NAME,
        "suite": info.suite,
        "benchmarks": outcomes.iter().map(|o| &o.name).collect::<Vec<_>>(),
        "processes": info.processes,
        "warm_up_ms": info.warm_up_ms,
        "measure_ms": info.measure_ms,
    });
    Report {
        schema_version: 1,
        tool: Tool {
            name: crate::HARNESS_NAME.to_string(),
            version: crate::VERSION.to_string(),
        },
        suite: info.suite.clone(),
        timestamp_utc: crate::context::timestamp_utc(),
        git: crate::context::git(),
        machine: crate::context::machine(),
        device: "cpu".to_string(),
        config_sha256: crate::sha256::hex(identity.to_string().as_bytes()),
        seed: SEED,
        benchmarks: outcomes.iter().map(benchmark).collect(),
        source: Source {
            format: crate::HARNESS_NAME.to_string(),
            metadata: metadata(info, outcomes),
        },
        selection: info.filter.clone().map(|filter| Selection { filter }),
    }
}

fn benchmark(o: &Outcome) -> Benchmark {
    let (status, reason, metrics) = match &o.result {
        Ok(m) => ("ok", None, m.metrics(o.throughput.as_ref())),
        Err(why) => ("failed", Some(why.clone()), Vec::new()),
    };
    Benchmark {
        name: o.name.clone(),
        status,
        reason,
        tags: o.tags.clone(),
        params: o.params.clone(),
        device: "cpu".to_string(),
        command: Some(o.command.clone()),
        warmup_runs: 0,
        metrics,
    }
}

/// The harness, its settings, and per benchmark how its processes measured: batch sizes,
/// batch counts, the timer's resolution, the batches' p95/p99 (medians over processes).
fn metadata(info: &RunInfo, outcomes: &[Outcome]) -> BTreeMap<String, Value> {
    let mut per_bench = serde_json::Map::new();
    for o in outcomes {
        let Ok(m) = &o.result else { continue };
        let col = |f: fn(&Measured) -> f64| -> Vec<f64> { m.processes.iter().map(f).collect() };
        let mut entry = json!({
            "batch_iterations": m.processes.iter().map(|p| p.batch_iterations).collect::<Vec<_>>(),
            "batches": m.processes.iter().map(|p| p.batches).collect::<Vec<_>>(),
            "batch_p95_median": crate::stats::median(&col(|p| p.batch_p95)),
            "batch_p99_median": crate::stats::median(&col(|p| p.batch_p99)),
            "timer_resolution_s": crate::stats::median(&col(|p| p.resolution)),
        });
        if let Some((_, tool)) = &m.instructions {
            entry["instructions_tool"] = json!(tool);
        }
        per_bench.insert(o.name.clone(), entry);
    }
    BTreeMap::from([
        ("harness".to_string(), json!(crate::HARNESS_NAME)),
        ("version".to_string(), json!(crate::VERSION)),
        ("processes".to_string(), json!(info.processes)),
        ("warm_up_ms".to_string(), json!(info.warm_up_ms)),
        ("measure_ms".to_string(), json!(info.measure_ms)),
        ("benchmarks".to_string(), Value::Object(per_bench)),
    ])
}
