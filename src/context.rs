//! Where a report comes from: the machine, the git checkout, the devices present, the time.

use crate::config::Config;
use crate::model::Machine;

/// Reads the machine description. The id hashes what decides performance and survives a
/// reboot: architecture, CPU model, core count, memory (whole GiB), OS, and the kernel's
/// major.minor version. Not the hostname (CI runners get random ones) nor the boot.
///
/// `PERFGATE_MACHINE_ID` (hidden; for tests and containers whose fingerprints collide)
/// replaces the id: kept as it is when it is 16 lowercase hex digits, else hashed to them.
pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find(|l| {
            l.starts_with("model name") || l.starts_with("Hardware") || l.starts_with("cpu model")
        })
        .and_then(|l| l.split_once(':'))
        .map_or_else(|| "unknown".to_string(), |(_, v)| v.trim().to_string());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let memory_bytes = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024);
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string());
    let (hostname, kernel) = uname();
    let arch = std::env::consts::ARCH.to_string();
    let kernel_major_minor: String = kernel.split('.').take(2).collect::<Vec<_>>().join(".");
    let gib = (memory_bytes as f64 / (1u64 << 30) as f64).round() as u64;
    let fingerprint = format!("{arch}|{cpu_model}|{cores}|{gib}GiB|{os}|{kernel_major_minor}");
    let id = match std::env::var("PERFGATE_MACHINE_ID") {
        Ok(given) if !given.is_empty() => id_of(&given),
        _ => crate::digest::sha256_hex(fingerprint.as_bytes())[..16].to_string(),
    };
    Machine {
        id,
        hostname,
        os,
        kernel,
        arch,
        cpu_model,
        cores,
        memory_bytes,
        gpu: None,
    }
}

/// `PERFGATE_MACHINE_ID`'s value as a machine id: 16 lowercase hex digits as they are,
/// anything else hashed to them (reports hold ids of that form).
fn id_of(given: &str) -> String {
    if given.len() == 16
        && given
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        given.to_string()
    } else {
        crate::digest::sha256_hex(given.as_bytes())[..16].to_string()
    }
}

/// The testbed named for this process: `--testbed` or `PERFGATE_TESTBED` (clap gives either
/// as `flag`, both checked by [`crate::config::check_testbed`]), else the config's `testbed`.
/// `None` when none is named, or the name is this machine's own id: the machine is then its
/// own testbed, as reports without a testbed say ([`crate::model::Report::testbed`]).
pub fn named_testbed(flag: Option<&str>, config: Option<&Config>) -> Option<String> {
    let name = flag
        .map(str::to_string)
        .or_else(|| config.and_then(|c| c.testbed.clone()))?;
    (name != machine().id).then_some(name)
}

/// The testbed whose history and baselines this process reads and writes: the named one
/// ([`named_testbed`]), else this machine's id.
pub fn testbed(flag: Option<&str>, config: Option<&Config>) -> String {
    named_testbed(flag, config).unwrap_or_else(|| machine().id)
}

/// The GPUs and driver as NVML (or the fake) reports them; `None` without a GPU.
pub fn machine_gpu() -> Option<crate::model::MachineGpu> {
    let inv = crate::runner::gpu::inventory().ok()?;
    Some(crate::model::MachineGpu {
        models: inv.devices.into_iter().map(|d| d.name).collect(),
        driver: inv.driver_version,
    })
}

fn uname() -> (String, String) {
    // SAFETY: uname fills a plain C struct of fixed-size arrays; zeroed is a valid value.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable utsname.
    if unsafe { libc::uname(&mut u) } != 0 {
        return ("unknown".into(), "unknown".into());
    }
    let field = |f: &[libc::c_char]| {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    (field(&u.nodename), field(&u.release))
}

/// Whether a device is present on this machine. `cpu` always is; `cuda` when the NVIDIA
/// driver's NVML finds a GPU (or `PERFGATE_FAKE_GPU` fakes one). `PERFGATE_FAKE_DEVICES` (comma-separated) adds devices, for tests.
pub fn device_present(device: &str) -> bool {
    if device == "cpu" {
        return true;
    }
    if let Ok(fake) = std::env::var("PERFGATE_FAKE_DEVICES") {
        if fake.split(',').any(|d| d.trim() == device) {
            return true;
        }
    }
    match device {
        "cuda" => crate::runner::gpu::gpu_present(),
        _ => false,
    }
}

/// Current time as RFC 3339 UTC with seconds, e.g. `2026-11-22T07:15:00Z`.
pub fn timestamp_utc() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_id_is_stable_and_short() {
        let a = machine();
        let b = machine();
        assert_eq!(a.id, b.id);
        assert_eq!(a.id.len(), 16);
        assert!(a.cores >= 1);
        assert!(a.memory_bytes > 0);
    }

    #[test]
    fn a_given_machine_id_is_kept_when_it_looks_like_one_and_hashed_otherwise() {
        assert_eq!(id_of("0123456789abcdef"), "0123456789abcdef");
        let hashed = id_of("runner-7");
        assert_eq!(hashed.len(), 16);
        assert!(hashed.bytes().all(|b| b.is_ascii_hexdigit()), "{hashed}");
        assert_ne!(hashed, id_of("runner-8"));
        assert_ne!(id_of("0123456789ABCDEF"), "0123456789ABCDEF");
    }

    #[test]
    fn the_flag_wins_over_the_config_and_the_machine_id_is_no_name() {
        let mut config = crate::config::parse(
            "testbed = \"from-config\"\n[[bench]]\nname = \"a\"\ncommand = [\"true\"]\n",
            std::path::Path::new("perfgate.toml"),
            std::path::Path::new("/tmp"),
        )
        .unwrap();
        let c = Some(&config);
        assert_eq!(named_testbed(Some("flag"), c).as_deref(), Some("flag"));
        assert_eq!(named_testbed(None, c).as_deref(), Some("from-config"));
        assert_eq!(testbed(None, None), machine().id);
        assert_eq!(named_testbed(Some(&machine().id), c), None);
        config.testbed = None;
        assert_eq!(named_testbed(None, Some(&config)), None);
    }
}
