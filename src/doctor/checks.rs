//! One pure function per check: file contents in, a [`Check`] out. Missing files are
//! `info` ("not available here"), never errors: containers and VMs hide much of /sys.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Info,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Info => "info",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub status: Status,
    /// What was found, with the numbers.
    pub found: String,
    /// Why it matters for benchmarking.
    pub why: &'static str,
    /// The command that fixes it, where there is one.
    pub fix: Option<String>,
}

fn check(
    id: &'static str,
    status: Status,
    found: String,
    why: &'static str,
    fix: Option<&str>,
) -> Check {
    Check {
        id,
        status,
        found,
        why,
        fix: fix.map(str::to_string),
    }
}

fn absent(id: &'static str, why: &'static str) -> Check {
    check(id, Status::Info, "not available here".into(), why, None)
}

/// `scaling_governor` of every CPU.
pub fn governor(values: &[String]) -> Check {
    const WHY: &str = "a power-saving governor changes the clock under the benchmark";
    if values.is_empty() {
        return absent("governor", WHY);
    }
    let slow: Vec<&str> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| *v != "performance")
        .collect();
    if slow.is_empty() {
        return check(
            "governor",
            Status::Ok,
            format!("performance on {} CPUs", values.len()),
            WHY,
            None,
        );
    }
    check(
        "governor",
        Status::Warn,
        format!(
            "{} of {} CPUs not on `performance` (e.g. `{}`)",
            slow.len(),
            values.len(),
            slow[0]
        ),
        WHY,
        Some("sudo cpupower frequency-set -g performance"),
    )
}

/// intel_pstate's `no_turbo`, or cpufreq's `boost`.
pub fn turbo(no_turbo: Option<&str>, boost: Option<&str>) -> Check {
    const WHY: &str =
        "turbo clocks depend on temperature and load: the same code runs at different speeds";
    match (no_turbo.map(str::trim), boost.map(str::trim)) {
        (Some("0"), _) => check(
            "turbo",
            Status::Warn,
            "turbo on (intel_pstate no_turbo = 0)".into(),
            WHY,
            Some("echo 1 | sudo tee /sys/devices/system/cpu/intel_pstate/no_turbo"),
        ),
        (Some("1"), _) => check(
            "turbo",
            Status::Ok,
            "turbo off (intel_pstate)".into(),
            WHY,
            None,
        ),
        (_, Some("1")) => check(
            "turbo",
            Status::Warn,
            "boost on (cpufreq boost = 1)".into(),
            WHY,
            Some("echo 0 | sudo tee /sys/devices/system/cpu/cpufreq/boost"),
        ),
        (_, Some("0")) => check("turbo", Status::Ok, "boost off (cpufreq)".into(), WHY, None),
        _ => absent("turbo", WHY),
    }
}

/// `/proc/loadavg` against the number of cores.
pub fn load(loadavg: Option<&str>, cores: usize, busiest: &[(String, f64)]) -> Check {
    const WHY: &str = "other work on the machine competes for the CPU and the caches";
    let Some(one) = loadavg
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
    else {
        return absent("load", WHY);
    };
    let top = busiest
        .iter()
        .take(3)
        .map(|(name, pct)| format!("{name} {pct:.0}%"))
        .collect::<Vec<_>>()
        .join(", ");
    let found = format!(
        "load average {one:.2} on {cores} cores{}",
        if top.is_empty() {
            String::new()
        } else {
            format!("; busiest: {top}")
        }
    );
    let status = if one > cores as f64 {
        Status::Fail
    } else if one > 0.5 * cores as f64 {
        Status::Warn
    } else {
        Status::Ok
    };
    let fix = (status != Status::Ok)
        .then_some("stop other work (the busiest processes are listed above when any; see `top`), or benchmark on a quiet machine");
    check("load", status, found, WHY, fix)
}

pub fn cores(cpuinfo: Option<&str>) -> Check {
    const WHY: &str = "with one core, perfgate, the benchmark and the system share it";
    let Some(text) = cpuinfo else {
        return absent("cores", WHY);
    };
    let n = text.lines().filter(|l| l.starts_with("processor")).count();
    let status = if n < 2 { Status::Warn } else { Status::Ok };
    check("cores", status, format!("{n} logical CPUs"), WHY, None)
}

/// MemAvailable vs MemTotal, swap in use, and memory pressure (PSI) when present.
pub fn memory(meminfo: Option<&str>, pressure: Option<&str>) -> Check {
    const WHY: &str = "reclaim and swapping add pauses that look like slow code";
    let Some(text) = meminfo else {
        return absent("memory", WHY);
    };
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
    };
    let (Some(total), Some(avail)) = (field("MemTotal"), field("MemAvailable")) else {
        return absent("memory", WHY);
    };
    let swap_used = field("SwapTotal")
        .zip(field("SwapFree"))
        .map_or(0.0, |(t, f)| t - f);
    let some_avg10 = pressure
        .and_then(|p| p.lines().find(|l| l.starts_with("some")))
        .and_then(|l| l.split_whitespace().find_map(|w| w.strip_prefix("avg10=")))
        .and_then(|v| v.parse::<f64>().ok());
    let mut problems = Vec::new();
    if avail < 0.1 * total {
        problems.push(format!(
            "only {:.0}% of memory available",
            avail / total * 100.0
        ));
    }
    if swap_used > 0.0 {
        problems.push(format!("{:.0} MiB of swap in use", swap_used / 1024.0));
    }
    if some_avg10.is_some_and(|p| p > 1.0) {
        problems.push(format!(
            "memory pressure {:.1}% (PSI some avg10)",
            some_avg10.unwrap_or(0.0)
        ));
    }
    if problems.is_empty() {
        check(
            "memory",
            Status::Ok,
            format!("{:.0}% available, no swap in use", avail / total * 100.0),
            WHY,
            None,
        )
    } else {
        check("memory", Status::Warn, problems.join("; "), WHY, Some("free memory (close programs), or `sudo swapoff -a && sudo swapon -a` once memory is free"))
    }
}

/// The first `cpu` line's steal field (8th value), sampled twice.
pub fn steal_fraction(before: &str, after: &str) -> Option<f64> {
    let parse = |s: &str| -> Option<Vec<f64>> {
        let line = s.lines().find(|l| l.starts_with("cpu "))?;
        line.split_whitespace()
            .skip(1)
            .map(|v| v.parse().ok())
            .collect()
    };
    let (a, b) = (parse(before)?, parse(after)?);
    let total: f64 = b.iter().zip(&a).map(|(x, y)| x - y).sum();
    let steal = b.get(7)? - a.get(7)?;
    (total > 0.0).then(|| steal / total)
}

pub fn virtualisation(cpuinfo: Option<&str>, steal: Option<f64>) -> Check {
    const WHY: &str = "on a VM the host's other guests take CPU time (steal) at random";
    let hypervisor = cpuinfo.is_some_and(|t| {
        t.lines()
            .any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "hypervisor"))
    });
    match steal {
        Some(s) if s > 0.01 => check("virtualisation", Status::Warn, format!("steal time {:.1}% of CPU time{}", s * 100.0, if hypervisor { " (virtual machine)" } else { "" }), WHY, Some("use a dedicated or bare-metal runner, or compare instruction counts (measure = [\"instructions\"])")),
        _ if hypervisor => check("virtualisation", Status::Info, format!("virtual machine; steal time {:.1}%", steal.unwrap_or(0.0) * 100.0), WHY, None),
        _ => check("virtualisation", Status::Ok, "no hypervisor flag, no steal time".into(), WHY, None),
    }
}

/// `(type, status, online)` of each power supply.
pub fn power(supplies: &[(String, Option<String>, Option<String>)]) -> Check {
    const WHY: &str = "on battery the CPU is throttled to save power";
    if supplies.is_empty() {
        return check("power", Status::Ok, "no battery".into(), WHY, None);
    }
    let discharging = supplies.iter().any(|(t, st, _)| {
        t.trim() == "Battery" && st.as_deref().map(str::trim) == Some("Discharging")
    });
    let ac_off = supplies
        .iter()
        .any(|(t, _, on)| t.trim() == "Mains" && on.as_deref().map(str::trim) == Some("0"));
    if discharging || ac_off {
        check(
            "power",
            Status::Warn,
            "on battery".into(),
            WHY,
            Some("plug in the power supply"),
        )
    } else {
        check("power", Status::Ok, "on mains power".into(), WHY, None)
    }
}

pub fn aslr(randomize: Option<&str>) -> Check {
    const WHY: &str =
        "address randomisation changes memory layout, and so cache behaviour, between runs";
    match randomize.map(str::trim) {
        Some("0") => check("aslr", Status::Ok, "off".into(), WHY, None),
        Some(v) => check(
            "aslr",
            Status::Info,
            format!("on (randomize_va_space = {v}); perfgate's repeated runs average over layouts"),
            WHY,
            Some("setarch -R <command> (per benchmark), for layout-stable runs"),
        ),
        None => absent("aslr", WHY),
    }
}

pub fn clocksource(current: Option<&str>) -> Check {
    const WHY: &str = "a slow clock source (hpet, acpi_pm) makes timing calls expensive and coarse";
    match current.map(str::trim) {
        Some("tsc") => check("clocksource", Status::Ok, "tsc".into(), WHY, None),
        Some("kvm-clock") => check("clocksource", Status::Info, "kvm-clock (a paravirtual clock: fine)".into(), WHY, None),
        Some(other) => check("clocksource", Status::Warn, other.to_string(), WHY, Some("echo tsc | sudo tee /sys/devices/system/clocksource/clocksource0/current_clocksource")),
        None => absent("clocksource", WHY),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_check_reads_the_kernel_format() {
        assert_eq!(
            governor(&["performance\n".into(), "powersave\n".into()]).status,
            Status::Warn
        );
        assert_eq!(governor(&["performance".into()]).status, Status::Ok);
        assert_eq!(turbo(Some("0\n"), None).status, Status::Warn);
        assert_eq!(turbo(None, Some("0")).status, Status::Ok);
        assert_eq!(
            load(Some("3.10 2.00 1.00 3/200 999"), 2, &[]).status,
            Status::Fail
        );
        assert_eq!(
            load(Some("0.20 0.1 0.1 1/100 5"), 2, &[]).status,
            Status::Ok
        );
        let meminfo = "MemTotal: 1000 kB\nMemFree: 50 kB\nMemAvailable: 50 kB\nSwapTotal: 2048 kB\nSwapFree: 1024 kB\n";
        let m = memory(Some(meminfo), None);
        assert_eq!(m.status, Status::Warn);
        assert!(
            m.found.contains("5% of memory available") && m.found.contains("1 MiB of swap"),
            "{}",
            m.found
        );
        let before = "cpu  100 0 100 800 0 0 0 0 0 0\n";
        let after = "cpu  150 0 150 850 0 0 0 50 0 0\n";
        assert_eq!(steal_fraction(before, after), Some(0.25));
        assert_eq!(
            virtualisation(Some("flags\t: fpu hypervisor\n"), Some(0.25)).status,
            Status::Warn
        );
        assert_eq!(
            power(&[("Battery".into(), Some("Discharging".into()), None)]).status,
            Status::Warn
        );
        assert_eq!(aslr(Some("2")).status, Status::Info);
        assert_eq!(clocksource(Some("hpet\n")).status, Status::Warn);
        assert_eq!(clocksource(None).found, "not available here");
    }
}
