//! `perfgate doctor`: is this machine fit to benchmark, and what to fix. The checks read
//! /proc and /sys (under a root, so tests use fake trees) through pure functions in
//! [`checks`]; the noise score ([`noise`]) times a fixed register-only workload for a few
//! seconds and reports its coefficient of variation with a 95% interval. The verdict follows
//! the interval: where it spans a limit the verdict is `borderline`, naming both sides, rather
//! than one side or the other by chance. Doctor informs; it never gates.

pub mod checks;
pub mod noise;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

pub use checks::{Check, Status};
pub use noise::{Level, Noise, QUIET_CV, USABLE_CV};

#[derive(Debug, Clone, Serialize)]
pub struct Findings {
    pub schema_version: u32,
    pub timestamp_utc: String,
    pub checks: Vec<Check>,
    pub noise: Noise,
    /// `fit`, `usable with care`, `not fit`, or `borderline` when the noise interval spans a
    /// limit (then `between` names the two verdicts).
    pub verdict: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub between: Option<[String; 2]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fitness {
    Fit,
    Care,
    NotFit,
}

impl Fitness {
    fn as_str(self) -> &'static str {
        match self {
            Fitness::Fit => "fit",
            Fitness::Care => "usable with care",
            Fitness::NotFit => "not fit",
        }
    }
}

/// The verdict from the worst check and the noise interval: each end of the interval gives a
/// verdict; when they differ, it is `borderline` between them.
pub fn verdict(worst: Status, noise: &Noise) -> (String, Option<[String; 2]>) {
    let of_check = match worst {
        Status::Ok | Status::Info => Fitness::Fit,
        Status::Warn => Fitness::Care,
        Status::Fail => Fitness::NotFit,
    };
    let of_noise = |l: Level| match l {
        Level::Quiet => Fitness::Fit,
        Level::Usable => Fitness::Care,
        Level::Noisy => Fitness::NotFit,
    };
    let (lo, hi) = noise.levels();
    let (a, b) = (of_check.max(of_noise(lo)), of_check.max(of_noise(hi)));
    if a == b {
        (a.as_str().to_string(), None)
    } else {
        (
            "borderline".to_string(),
            Some([a.as_str().to_string(), b.as_str().to_string()]),
        )
    }
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

pub fn examine(root: &Path, noise_secs: f64) -> Findings {
    let checks = run_checks(&Probe::new(root));
    let noise = noise::score(&noise::measure(noise_secs));
    let worst = checks.iter().map(|c| c.status).max().unwrap_or(Status::Ok);
    let (verdict, between) = verdict(worst, &noise);
    Findings {
        schema_version: 1,
        timestamp_utc: crate::context::timestamp_utc(),
        checks,
        noise,
        verdict,
        between,
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
        .map_or_else(
            || {
                format!(
                    "noise CV {:.1}%",
                    v["noise"]["cv"].as_f64().unwrap_or(0.0) * 100.0
                )
            },
            |c| {
                format!(
                    "{}: {}",
                    c["id"].as_str().unwrap_or(""),
                    c["found"].as_str().unwrap_or("")
                )
            },
        );
    Some(format!(
        "warning: `perfgate doctor` found this machine not fit to benchmark ({worst}); results may be noisy"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(ci: [f64; 2]) -> Noise {
        let (lo, hi) = (Level::of(ci[0]), Level::of(ci[1]));
        Noise {
            cv: (ci[0] + ci[1]) / 2.0,
            cv_ci95: ci,
            median_s: 0.005,
            reps: 600,
            blocks: 10,
            verdict: format!("{} .. {}", lo.as_str(), hi.as_str()),
        }
    }

    #[test]
    fn the_verdict_follows_the_whole_noise_interval() {
        let v = |worst, ci| verdict(worst, &noise(ci));
        let plain = |s: &str| (s.to_string(), None);
        let between = |a: &str, b: &str| {
            (
                "borderline".to_string(),
                Some([a.to_string(), b.to_string()]),
            )
        };
        assert_eq!(v(Status::Ok, [0.010, 0.018]), plain("fit"));
        assert_eq!(v(Status::Info, [0.010, 0.018]), plain("fit"));
        assert_eq!(
            v(Status::Ok, [0.015, 0.025]),
            between("fit", "usable with care")
        );
        assert_eq!(v(Status::Ok, [0.021, 0.049]), plain("usable with care"));
        assert_eq!(
            v(Status::Ok, [0.040, 0.060]),
            between("usable with care", "not fit")
        );
        assert_eq!(v(Status::Ok, [0.010, 0.060]), between("fit", "not fit"));
        assert_eq!(v(Status::Ok, [0.051, 0.090]), plain("not fit"));
        // A warning caps the good end; a failed check decides alone.
        assert_eq!(v(Status::Warn, [0.015, 0.025]), plain("usable with care"));
        assert_eq!(v(Status::Fail, [0.010, 0.018]), plain("not fit"));
        // The limit as shown: an upper end of 1.998% shows as 2.00%, not below 2%.
        assert_eq!(
            v(Status::Ok, [0.010, 0.019_98]),
            between("fit", "usable with care")
        );
    }

    #[test]
    fn stat_lines_with_odd_names_parse() {
        let line = "42 (a) (b c)) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 0 0";
        assert_eq!(parse_stat(line), Some(("a) (b c)".to_string(), 300.0)));
        assert_eq!(parse_stat("garbage"), None);
    }
}
