//! Per-benchmark run settings beyond sampling: deterministic-mode options (`threads`, `seed`,
//! `pin`), extra measurements (`measure`), and parameter sweeps (`params`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{BenchSpec, Exec};

/// Environment variables that common thread pools read; `threads = N` sets them all.
pub const THREAD_VARS: &[&str] = &[
    "RAYON_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "TOKIO_WORKER_THREADS",
    "GOMAXPROCS",
    "JULIA_NUM_THREADS",
];

/// The devices a benchmark may declare. Another name is a config error: an unknown device is
/// never present, so its benchmarks would be skipped, silently, forever.
pub const DEVICES: &[&str] = &["cpu", "cuda"];

/// A `device = "..."` value, one of [`DEVICES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceName(pub String);

impl<'de> Deserialize<'de> for DeviceName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        if DEVICES.contains(&name.as_str()) {
            return Ok(DeviceName(name));
        }
        Err(serde::de::Error::custom(format!(
            "unknown device `{name}` (known: {})",
            DEVICES.join(", ")
        )))
    }
}

/// Measurements beyond wall/CPU time and peak RSS, asked for with `measure = [...]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Instruction count under valgrind (callgrind), one extra run.
    Instructions,
    /// (user + sys) / wall of each run.
    CpuUtilization,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSettings {
    /// Threads for thread pools: every variable in [`THREAD_VARS`].
    pub threads: Option<u32>,
    /// Exported as `PERFGATE_SEED` for programs with randomness.
    pub seed: Option<u64>,
    /// CPU affinity (core numbers) of the benchmark process.
    pub pin: Vec<usize>,
    pub measure: Vec<Measure>,
}

impl RunSettings {
    /// The environment these settings add.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(t) = self.threads {
            out.extend(THREAD_VARS.iter().map(|v| (v.to_string(), t.to_string())));
        }
        if let Some(s) = self.seed {
            out.push(("PERFGATE_SEED".into(), s.to_string()));
        }
        out
    }

    /// What the report records of them (in the benchmark's `params`).
    pub fn recorded(&self) -> BTreeMap<String, serde_json::Value> {
        let mut out = BTreeMap::new();
        if let Some(t) = self.threads {
            out.insert("threads".into(), t.into());
        }
        if let Some(s) = self.seed {
            out.insert("seed".into(), s.into());
        }
        if !self.pin.is_empty() {
            out.insert("pin".into(), self.pin.clone().into());
        }
        out
    }

    pub fn measures(&self, m: Measure) -> bool {
        self.measure.contains(&m)
    }
}

/// `params = { size = [1000, 10000] }`: the grid of points, each a map from parameter name
/// to value, in the order of the parameters' names then their listed values.
/// The most benchmarks one `[[bench]]`'s parameter grid may expand to.
pub const MAX_GRID_POINTS: usize = 10_000;

pub fn grid(
    params: &BTreeMap<String, Vec<toml::Value>>,
) -> Result<Vec<BTreeMap<String, toml::Value>>, String> {
    // Counted before anything is built: 8 parameters of 10 values are 10^8 benchmarks, which
    // nobody means and which would take gigabytes before the first line of output.
    let count = params
        .values()
        .try_fold(1usize, |n, values| n.checked_mul(values.len()))
        .filter(|n| *n <= MAX_GRID_POINTS);
    if count.is_none() {
        let sizes: Vec<String> = params
            .iter()
            .map(|(name, values)| format!("{name}: {}", values.len()))
            .collect();
        return Err(format!(
            "the parameter grid has more than {MAX_GRID_POINTS} points ({}): split the sweep, or use fewer values",
            sizes.join(" x ")
        ));
    }
    let mut points = vec![BTreeMap::new()];
    for (name, values) in params {
        if values.is_empty() {
            return Err(format!("params.{name} is empty"));
        }
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "params.{name}: a parameter name is letters, digits and `_`"
            ));
        }
        for v in values {
            if !matches!(
                v,
                toml::Value::Integer(_)
                    | toml::Value::Float(_)
                    | toml::Value::String(_)
                    | toml::Value::Boolean(_)
            ) {
                return Err(format!(
                    "params.{name}: values are numbers, strings or booleans, got {v}"
                ));
            }
        }
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.insert(name.clone(), v.clone());
                    q
                })
            })
            .collect();
    }
    Ok(points)
}

/// How a value is written in a name and substituted for `{name}`.
pub fn display(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn json(v: &toml::Value) -> serde_json::Value {
    match v {
        toml::Value::Integer(i) => (*i).into(),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
        }
        toml::Value::Boolean(b) => (*b).into(),
        other => display(other).into(),
    }
}

/// One benchmark per grid point: `name/size=1000`, with `{size}` replaced in the command,
/// the shell script, the environment's values and setup/prepare/cleanup.
pub fn expand(spec: &BenchSpec, points: &[BTreeMap<String, toml::Value>]) -> Vec<BenchSpec> {
    points
        .iter()
        .map(|point| {
            let subst = |s: &str| {
                point.iter().fold(s.to_string(), |acc, (k, v)| {
                    acc.replace(&format!("{{{k}}}"), &display(v))
                })
            };
            let exec = |e: &Exec| match e {
                Exec::Argv(a) => Exec::Argv(a.iter().map(|x| subst(x)).collect()),
                Exec::Shell(s) => Exec::Shell(subst(s)),
            };
            let mut b = spec.clone();
            b.name = point.iter().fold(spec.name.clone(), |acc, (k, v)| {
                format!("{acc}/{k}={}", display(v))
            });
            b.exec = exec(&spec.exec);
            b.prepare = spec.prepare.as_ref().map(exec);
            b.setup = spec.setup.as_ref().map(exec);
            b.cleanup = spec.cleanup.as_ref().map(exec);
            b.env = spec
                .env
                .iter()
                .map(|(k, v)| (k.clone(), subst(v)))
                .collect();
            b.params = point.iter().map(|(k, v)| (k.clone(), json(v))).collect();
            b
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_two_parameter_grid_is_every_combination_in_order() {
        let mut params = BTreeMap::new();
        params.insert(
            "size".to_string(),
            vec![toml::Value::Integer(10), toml::Value::Integer(20)],
        );
        params.insert(
            "algo".to_string(),
            vec![
                toml::Value::String("a".into()),
                toml::Value::String("b".into()),
            ],
        );
        let g = grid(&params).unwrap();
        let names: Vec<String> = g
            .iter()
            .map(|p| {
                p.iter()
                    .map(|(k, v)| format!("{k}={}", display(v)))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        assert_eq!(
            names,
            [
                "algo=a,size=10",
                "algo=a,size=20",
                "algo=b,size=10",
                "algo=b,size=20"
            ]
        );
        params.insert("bad".to_string(), vec![]);
        assert_eq!(grid(&params).unwrap_err(), "params.bad is empty");
    }

    #[test]
    fn threads_and_seed_become_environment() {
        let s = RunSettings {
            threads: Some(2),
            seed: Some(7),
            ..Default::default()
        };
        let env = s.env();
        assert!(env.contains(&("RAYON_NUM_THREADS".into(), "2".into())));
        assert!(env.contains(&("OMP_NUM_THREADS".into(), "2".into())));
        assert!(env.contains(&("PERFGATE_SEED".into(), "7".into())));
        assert_eq!(s.recorded()["threads"], 2);
    }
}
