//! `perfgate doctor`: is this machine fit to benchmark, and what to fix. The checks read
//! /proc and /sys (under a root, so tests use fake trees) through pure functions in
//! [`checks`]; the noise score times a fixed register-only workload for a few seconds and
//! reports its coefficient of variation: below 2% `quiet`, below 5% `usable`, else `noisy`
//! (a 5% CV hides 3-5% regressions in a handful of runs). Doctor informs; it never gates.

pub mod checks;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use checks::{Check, Status};

pub const QUIET_CV: f64 = 0.02;
pub const USABLE_CV: f64 = 0.05;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Noise {
    pub cv: f64,
    pub median_s: f64,
    pub reps: usize,
    pub verdict: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Findings {
    pub schema_version: u32,
    pub timestamp_utc: String,
    pub checks: Vec<Check>,
    pub noise: Noise,
    /// `fit`, `usable with care`, or `not fit`.
    pub verdict: String,
}

/// Reads the files the checks need, under `root` (`/` for the real machine).
pub struct Probe {
    root: PathBuf,
}

impl Probe {
    pub fn new(root: &Path) -> Self {
        Probe {
            root: root.to_path_buf(),
        }
    }

    fn read(&self, rel: &str) -> Option<String> {
        std::fs::read_to_string(self.root.join(rel)).ok()
    }

    fn glob_dir(&self, rel: &str) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.root.join(rel))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    fn governors(&self) -> Vec<String> {
        self.glob_dir("sys/devices/system/cpu")
            .into_iter()
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.starts_with("cpu")
                        && n[3..].chars().all(|c| c.is_ascii_digit())
                        && n.len() > 3
                })
            })
            .filter_map(|p| std::fs::read_to_string(p.join("cpufreq/scaling_governor")).ok())
            .collect()
    }

    fn power_supplies(&self) -> Vec<(String, Option<String>, Option<String>)> {
        self.glob_dir("sys/class/power_supply")
            .into_iter()
            .filter_map(|p| {
                let t = std::fs::read_to_string(p.join("type")).ok()?;
                Some((
                    t,
                    std::fs::read_to_string(p.join("status")).ok(),
                    std::fs::read_to_string(p.join("online")).ok(),
                ))
            })
            .collect()
    }

    /// The busiest processes over `interval`, by CPU share of one core.
    fn busiest(&self, interval: Duration) -> Vec<(String, f64)> {
        let sample = || -> Vec<(u32, String, f64)> {
            self.glob_dir("proc")
                .into_iter()
                .filter_map(|p| {
                    let pid: u32 = p.file_name()?.to_str()?.parse().ok()?;
                    let stat = std::fs::read_to_string(p.join("stat")).ok()?;
                    let (comm, ticks) = parse_stat(&stat)?;
                    Some((pid, comm, ticks))
                })
                .collect()
        };
        let a = sample();
        std::thread::sleep(interval);
        let b = sample();
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let mut out: Vec<(String, f64)> = b
            .into_iter()
            .filter(|(pid, _, _)| *pid != std::process::id())
            .filter_map(|(pid, comm, t)| {
                let before = a.iter().find(|(p, _, _)| *p == pid)?.2;
                let pct = (t - before) / hz / interval.as_secs_f64() * 100.0;
                (pct >= 5.0).then_some((comm, pct))
            })
            .collect();
        out.sort_by(|x, y| y.1.total_cmp(&x.1));
        out.truncate(3);
        out
    }
}

/// `(comm, utime + stime)` from a `/proc/<pid>/stat` line. The comm may contain spaces and
/// parentheses, so fields are counted from the last `)`.
pub fn parse_stat(stat: &str) -> Option<(String, f64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?.to_string();
    let rest: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    // After the comm: state(0) ppid(1) ... utime(11) stime(12).
    let utime: f64 = rest.get(11)?.parse().ok()?;
    let stime: f64 = rest.get(12)?.parse().ok()?;
    Some((comm, utime + stime))
}

/// Every check on the machine seen through `probe`.
pub fn run_checks(probe: &Probe) -> Vec<Check> {
    let cpuinfo = probe.read("proc/cpuinfo");
    let cores = cpuinfo
        .as_deref()
        .map(|t| t.lines().filter(|l| l.starts_with("processor")).count())
        .filter(|&n| n > 0)
        .unwrap_or(1);
    let stat_a = probe.read("proc/stat");
    let busiest = probe.busiest(Duration::from_millis(200));
    let stat_b = probe.read("proc/stat");
    let steal = stat_a
        .as_deref()
        .zip(stat_b.as_deref())
        .and_then(|(a, b)| checks::steal_fraction(a, b))
        // A fake tree's stat does not move: read its `stat.after` companion when present.
        .or_else(|| {
            stat_a
                .as_deref()
                .zip(probe.read("proc/stat.after").as_deref())
                .and_then(|(a, b)| checks::steal_fraction(a, b))
        });
    vec![
        checks::governor(&probe.governors()),
        checks::turbo(
            probe
                .read("sys/devices/system/cpu/intel_pstate/no_turbo")
                .as_deref(),
            probe
                .read("sys/devices/system/cpu/cpufreq/boost")
                .as_deref(),
        ),
        checks::load(probe.read("proc/loadavg").as_deref(), cores, &busiest),
        checks::cores(cpuinfo.as_deref()),
        checks::memory(
            probe.read("proc/meminfo").as_deref(),
            probe.read("proc/pressure/memory").as_deref(),
        ),
        checks::virtualisation(cpuinfo.as_deref(), steal),
        checks::power(&probe.power_supplies()),
        checks::aslr(probe.read("proc/sys/kernel/randomize_va_space").as_deref()),
        checks::clocksource(
            probe
                .read("sys/devices/system/clocksource/clocksource0/current_clocksource")
                .as_deref(),
        ),
    ]
}

/// Times a fixed register-only loop (~5 ms in a release build) for `secs` seconds.
pub fn noise_score(secs: f64) -> Noise {
    let deadline = Instant::now() + Duration::from_secs_f64(secs.max(0.05));
    let mut times = Vec::new();
    while Instant::now() < deadline || times.len() < 5 {
        let t = Instant::now();
        let mut x: u64 = std::hint::black_box(1);
        for i in 0..std::hint::black_box(20_000_000u64) {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(i | 1);
        }
        std::hint::black_box(x);
        times.push(t.elapsed().as_secs_f64());
    }
    let cv = crate::stats::stddev(&times) / crate::stats::mean(&times);
    let verdict = if cv < QUIET_CV {
        "quiet"
    } else if cv < USABLE_CV {
        "usable"
    } else {
        "noisy"
    };
    Noise {
        cv,
        median_s: crate::stats::median(&times),
        reps: times.len(),
        verdict: verdict.into(),
    }
}

pub fn examine(root: &Path, noise_secs: f64) -> Findings {
    let checks = run_checks(&Probe::new(root));
    let noise = noise_score(noise_secs);
    let worst = checks.iter().map(|c| c.status).max().unwrap_or(Status::Ok);
    let verdict = if worst == Status::Fail || noise.verdict == "noisy" {
        "not fit"
    } else if worst == Status::Warn || noise.verdict == "usable" {
        "usable with care"
    } else {
        "fit"
    };
    Findings {
        schema_version: 1,
        timestamp_utc: crate::context::timestamp_utc(),
        checks,
        noise,
        verdict: verdict.into(),
    }
}

/// Where the last verdict is kept: `.perfgate/doctor.json` under the project root.
pub fn saved_path(project_root: &Path) -> PathBuf {
    project_root.join(".perfgate").join("doctor.json")
}

/// A one-line warning when the last saved doctor verdict (younger than a day) was `not fit`.
pub fn last_verdict_warning(project_root: &Path) -> Option<String> {
    let path = saved_path(project_root);
    let age = std::fs::metadata(&path)
        .ok()?
        .modified()
        .ok()?
        .elapsed()
        .ok()?;
    if age > Duration::from_secs(24 * 3600) {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).ok()?).ok()?;
    if v["verdict"] != "not fit" {
        return None;
    }
    let worst = v["checks"]
        .as_array()
        .and_then(|c| {
            c.iter()
                .find(|c| c["status"] == "fail" || c["status"] == "warn")
        })
        .map(|c| {
            format!(
                "{}: {}",
                c["id"].as_str().unwrap_or(""),
                c["found"].as_str().unwrap_or("")
            )
        })
        .unwrap_or_else(|| {
            format!(
                "noise CV {:.1}%",
                v["noise"]["cv"].as_f64().unwrap_or(0.0) * 100.0
            )
        });
    Some(format!(
        "warning: `perfgate doctor` found this machine not fit to benchmark ({worst}); results may be noisy"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_names_parse() {
        let line = "42 (a) (b c)) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 0 0";
        assert_eq!(parse_stat(line), Some(("a) (b c)".to_string(), 300.0)));
        assert_eq!(parse_stat("garbage"), None);
    }
}
