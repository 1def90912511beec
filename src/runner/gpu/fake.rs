//! A scripted [`GpuSampler`], for tests and for end-to-end tests through the binary on
//! machines without a GPU, driven by the `PERFGATE_FAKE_GPU` environment variable:
//!
//! - `mem=<bytes>,<bytes>,...;util=<pct>,<pct>,...`: successive samples. Either part may be
//!   left out (no `mem`: 0 bytes; no `util`: utilisation unknown), in either order. The
//!   shorter list repeats its last value, and after the script the last sample repeats.
//!   Example: `mem=1048576,2097152;util=30,80` samples 1 MiB at 30 %, then 2 MiB at 80 %.
//! - `fail` or `fail=<message>`: every sample fails, as a lost GPU or a broken driver would.
//! - `none`: there is no GPU (and NVML is not consulted), so `cuda` benchmarks are skipped.
//!
//! The variable set to anything else still counts as a fake GPU, whose every sample fails
//! with the reason the value could not be read, so a typo in a test is loud.

use super::{GpuSample, GpuSampler};

/// The environment variable that replaces NVML with a [`FakeSampler`].
pub const FAKE_GPU_ENV: &str = "PERFGATE_FAKE_GPU";

/// What `PERFGATE_FAKE_GPU` asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum FakeGpu {
    /// No GPU at all.
    Absent,
    /// A GPU whose samples are this script.
    Script(Vec<GpuSample>),
    /// A GPU whose every sample fails with this message.
    Failing(String),
}

/// Replays a script of samples (or of failures), repeating the last one forever.
#[derive(Debug, Clone)]
pub struct FakeSampler {
    script: Vec<Result<GpuSample, String>>,
    next: usize,
}

impl FakeSampler {
    /// An empty script samples 0 bytes, utilisation unknown.
    pub fn new(samples: Vec<GpuSample>) -> FakeSampler {
        FakeSampler {
            script: samples.into_iter().map(Ok).collect(),
            next: 0,
        }
    }

    /// Every sample fails with `message`.
    pub fn failing(message: impl Into<String>) -> FakeSampler {
        FakeSampler {
            script: vec![Err(message.into())],
            next: 0,
        }
    }
}

impl GpuSampler for FakeSampler {
    fn sample(&mut self, _pids: &[u32]) -> Result<GpuSample, String> {
        let Some(last) = self.script.len().checked_sub(1) else {
            return Ok(GpuSample::default());
        };
        let i = self.next.min(last);
        self.next = self.next.saturating_add(1);
        self.script[i].clone()
    }
}

/// Reads a `PERFGATE_FAKE_GPU` value (the format is in the module docs).
pub fn parse_fake_gpu(spec: &str) -> Result<FakeGpu, String> {
    let spec = spec.trim();
    match spec {
        "none" => return Ok(FakeGpu::Absent),
        "fail" => return Ok(FakeGpu::Failing("fake NVML error: GPU is lost".into())),
        _ => {}
    }
    if let Some(msg) = spec.strip_prefix("fail=") {
        return Ok(FakeGpu::Failing(format!("fake NVML error: {}", msg.trim())));
    }
    let mut mem: Option<Vec<u64>> = None;
    let mut util: Option<Vec<f64>> = None;
    for part in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, values) = part
            .split_once('=')
            .ok_or_else(|| format!("`{part}` is not `mem=...`, `util=...`, `fail` or `none`"))?;
        match key.trim() {
            "mem" if mem.is_none() => mem = Some(list(values, "mem", parse_bytes)?),
            "util" if util.is_none() => util = Some(list(values, "util", parse_pct)?),
            "mem" | "util" => return Err(format!("`{}` is given twice", key.trim())),
            other => return Err(format!("unknown key `{other}` (expected mem or util)")),
        }
    }
    if mem.is_none() && util.is_none() {
        return Err("empty (expected e.g. `mem=1048576;util=50`)".into());
    }
    let mem = mem.unwrap_or_else(|| vec![0]);
    let len = mem.len().max(util.as_ref().map_or(0, Vec::len));
    let at = |i: usize, n: usize| i.min(n - 1);
    let script = (0..len)
        .map(|i| GpuSample {
            used_bytes: mem[at(i, mem.len())],
            util_pct: util.as_ref().map(|u| u[at(i, u.len())]),
        })
        .collect();
    Ok(FakeGpu::Script(script))
}

fn list<T>(
    values: &str,
    key: &str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    let parsed: Vec<T> = values
        .split(',')
        .map(|v| parse(v.trim()).map_err(|e| format!("{key}: {e}")))
        .collect::<Result<_, _>>()?;
    Ok(parsed)
}

fn parse_bytes(v: &str) -> Result<u64, String> {
    v.parse()
        .map_err(|_| format!("`{v}` is not a whole number of bytes"))
}

fn parse_pct(v: &str) -> Result<f64, String> {
    match v.parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{v}` is not a percentage from 0 to 100")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(used_bytes: u64, util_pct: Option<f64>) -> GpuSample {
        GpuSample {
            used_bytes,
            util_pct,
        }
    }

    #[test]
    fn the_script_is_replayed_then_its_last_sample_repeats() {
        let mut f = FakeSampler::new(vec![s(1, Some(10.0)), s(5, None)]);
        let got: Vec<_> = (0..4).map(|_| f.sample(&[1]).unwrap()).collect();
        assert_eq!(got, [s(1, Some(10.0)), s(5, None), s(5, None), s(5, None)]);
        assert_eq!(FakeSampler::new(vec![]).sample(&[]), Ok(s(0, None)));
        let mut f = FakeSampler::failing("lost");
        assert_eq!(f.sample(&[1]), Err("lost".to_string()));
        assert_eq!(f.sample(&[1]), Err("lost".to_string()));
    }

    #[test]
    fn the_env_format_is_parsed() {
        assert_eq!(
            parse_fake_gpu("mem=1048576,2097152;util=30,80"),
            Ok(FakeGpu::Script(vec![
                s(1048576, Some(30.0)),
                s(2097152, Some(80.0))
            ]))
        );
        // Either order, the shorter list repeats its last value, spaces are fine.
        assert_eq!(
            parse_fake_gpu(" util = 50 ; mem = 1, 2, 3 "),
            Ok(FakeGpu::Script(vec![
                s(1, Some(50.0)),
                s(2, Some(50.0)),
                s(3, Some(50.0))
            ]))
        );
        assert_eq!(
            parse_fake_gpu("util=20,40"),
            Ok(FakeGpu::Script(vec![s(0, Some(20.0)), s(0, Some(40.0))]))
        );
        assert_eq!(
            parse_fake_gpu("mem=7"),
            Ok(FakeGpu::Script(vec![s(7, None)]))
        );
        assert_eq!(parse_fake_gpu("none"), Ok(FakeGpu::Absent));
        assert!(matches!(parse_fake_gpu("fail"), Ok(FakeGpu::Failing(m)) if m.contains("lost")));
        assert_eq!(
            parse_fake_gpu("fail=Xid 79"),
            Ok(FakeGpu::Failing("fake NVML error: Xid 79".into()))
        );
    }

    #[test]
    fn bad_env_values_say_what_is_wrong() {
        let err = |spec: &str| parse_fake_gpu(spec).unwrap_err();
        assert!(err("mem=1MB").contains("`1MB` is not a whole number"));
        assert!(err("util=120").contains("`120` is not a percentage"));
        assert!(err("mem=1;mem=2").contains("given twice"));
        assert!(err("vram=1").contains("unknown key `vram`"));
        assert!(err("yes").contains("`yes` is not"));
        assert!(err("mem=").contains("mem: `` is not"));
        assert!(err(";").contains("empty"));
    }
}
