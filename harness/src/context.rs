//! Where a report comes from: the machine (described and fingerprinted exactly as perfgate
//! does, so that baselines keyed by machine id are shared), the git checkout, the time.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Machine {
    pub id: String,
    pub hostname: String,
    pub os: String,
    pub kernel: String,
    pub arch: String,
    pub cpu_model: String,
    pub cores: u32,
    pub memory_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Git {
    pub commit: String,
    pub branch: Option<String>,
    pub dirty: bool,
}

/// This machine. The id is the first 16 hex digits of the SHA-256 of
/// `arch|cpu model|cores|memory in whole GiB|os|kernel major.minor`, perfgate's fingerprint;
/// `PERFGATE_MACHINE_ID` replaces it as it does for perfgate.
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
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?.to_string();
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
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
    let major_minor = kernel.split('.').take(2).collect::<Vec<_>>().join(".");
    let gib = (memory_bytes as f64 / (1u64 << 30) as f64).round() as u64;
    let fingerprint = format!("{arch}|{cpu_model}|{cores}|{gib}GiB|{os}|{major_minor}");
    let id = match std::env::var("PERFGATE_MACHINE_ID") {
        Ok(given) if is_id(&given) => given,
        Ok(given) if !given.is_empty() => crate::sha256::hex(given.as_bytes())[..16].to_string(),
        _ => crate::sha256::hex(fingerprint.as_bytes())[..16].to_string(),
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
    }
}

fn is_id(text: &str) -> bool {
    text.len() == 16 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn uname() -> (String, String) {
    // SAFETY: utsname is a plain C struct of byte arrays; all zeroes is a valid value.
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

/// The git state of the current directory's checkout; `None` outside one or without git.
pub fn git() -> Option<Git> {
    let query = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = query(&["rev-parse", "HEAD"])?;
    let branch = query(&["symbolic-ref", "--short", "-q", "HEAD"]).filter(|b| !b.is_empty());
    let dirty =
        query(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some(Git {
        commit,
        branch,
        dirty,
    })
}

/// Now as RFC 3339 UTC to the second (`2026-12-01T21:15:00Z`).
pub fn timestamp_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// Seconds since 1970 as RFC 3339 UTC: the civil date from the day count (proleptic
/// Gregorian calendar, eras of 400 years).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_civil_dates() {
        // `date -u -d @0`, `@951782400` (2000-02-29), `@1764550923`.
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_764_550_923), "2025-12-01T01:02:03Z");
    }

    #[test]
    fn machine_ids_are_sixteen_hex_digits() {
        let m = machine();
        assert!(is_id(&m.id), "{}", m.id);
        assert!(m.cores >= 1);
    }
}
