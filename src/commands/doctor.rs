//! `perfgate doctor`: the machine's fitness to benchmark, printed (or `--json`), and saved
//! to `.perfgate/doctor.json` when the project has a `.perfgate` directory, so `run` and
//! `check` can warn. Always exits 0: doctor informs, it does not gate.

use super::{common, print_stdout};
use crate::cli::DoctorArgs;
use crate::doctor::{self, Status};
use crate::error::{Error, ExitStatus, Result};

pub fn doctor(args: DoctorArgs) -> Result<ExitStatus> {
    if !(args.noise_secs.is_finite() && args.noise_secs > 0.0 && args.noise_secs <= 600.0) {
        return Err(Error::Usage(format!(
            "--noise-secs must be between 0 and 600, got {}",
            args.noise_secs
        )));
    }
    let root = args.root.clone().unwrap_or_else(|| "/".into());
    if !root.is_dir() {
        return Err(Error::input(&root, "--root is not a directory"));
    }
    let findings = doctor::examine(&root, args.noise_secs);
    let json = serde_json::to_string_pretty(&findings).expect("findings serialize") + "\n";
    if let Some(cfg) = common::optional_config(None)?.filter(|c| c.path.is_some()) {
        let dir = cfg.root().join(".perfgate");
        if dir.is_dir() {
            let _ =
                crate::model::file::write_atomic(&doctor::saved_path(&cfg.root()), json.as_bytes());
        }
    }
    if args.wants_json() {
        print_stdout(&json)?;
        return Ok(ExitStatus::Pass);
    }
    let mut out = String::new();
    for c in &findings.checks {
        out.push_str(&format!(
            "{:<5} {:<15} {}\n",
            c.status.as_str().to_uppercase(),
            c.id,
            c.found
        ));
        if c.status >= Status::Warn || c.status == Status::Info && c.fix.is_some() {
            out.push_str(&format!("      {:<15} why: {}\n", "", c.why));
            if let Some(fix) = &c.fix {
                out.push_str(&format!("      {:<15} fix: {fix}\n", ""));
            }
        }
    }
    out.push_str(&format!("\nnoise score: {}\n", findings.noise.describe()));
    out.push_str(&match &findings.between {
        Some([a, b]) => format!(
            "verdict: borderline, {a} or {b}: the noise interval spans a limit (measure longer with --noise-secs, or quieten the machine)\n"
        ),
        None => format!("verdict: {}\n", findings.verdict),
    });
    print_stdout(&out)?;
    Ok(ExitStatus::Pass)
}
