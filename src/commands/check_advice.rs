//! What a developer blocked by a failed `check` can do next, as commands that work where the
//! check ran: the same config and store, the run that was just recorded, and `--no-verify`
//! only when the check runs from a git hook (the hook exports `PERFGATE_HOOK`).

use std::fmt::Write as _;

use crate::cli::CheckArgs;
use crate::engine::{BaselineSource, RecordedRun};
use crate::gate::{Comparison, Verdict};
use crate::render::human::format_pct;
use crate::render::safe::one_line;
use crate::shell::quote;

/// The message printed on stderr after a failed gate. `hook` is the git hook the check runs
/// from (`pre-push`, `pre-commit`), if any.
pub(super) fn blocked(
    c: &Comparison,
    args: &CheckArgs,
    recorded: &[RecordedRun],
    hook: Option<&str>,
) -> String {
    let mut s = String::from("\nperfgate: performance gate failed\n");
    for m in c.metrics.iter().filter(|m| m.status == Verdict::Critical) {
        let limit = match (m.baseline, m.allowed_max.or(m.allowed_min)) {
            (Some(b), Some(l)) if b != 0.0 => {
                format!(" (limit {})", format_pct((l / b - 1.0) * 100.0))
            }
            _ => String::new(),
        };
        let change = m.change_pct.map_or("over budget".to_string(), format_pct);
        let _ = writeln!(
            s,
            "  {}.{}: {change}{limit}",
            one_line(&m.benchmark),
            one_line(&m.metric)
        );
    }
    for run in recorded.iter().filter(|r| r.gate_failed) {
        let Some(command) = accept_command(args, run) else {
            continue;
        };
        let _ = writeln!(
            s,
            "to accept run {} (device `{}`) as the baseline: {command}",
            run.id, run.device
        );
    }
    match hook {
        Some("pre-push") => s.push_str("to push anyway, this once: git push --no-verify\n"),
        Some("pre-commit") => s.push_str("to commit anyway, this once: git commit --no-verify\n"),
        _ => {}
    }
    s
}

/// `perfgate baseline save` of the recorded run, into the baseline the check compared with
/// (a stored one by name, or the committed file), with the check's own `--config`/`--store`.
/// None for `check --server`: its run ids are those of a temporary copy of the server's
/// history, which is gone when the check ends.
fn accept_command(args: &CheckArgs, run: &RecordedRun) -> Option<String> {
    if args.server.server.is_some() {
        return None;
    }
    let mut cmd = format!("perfgate baseline save --run {}", run.id);
    match run.source.as_ref()? {
        BaselineSource::Stored(key) if key.name != crate::config::DEFAULT_BASELINE_NAME => {
            let _ = write!(cmd, " --name {}", quote(&key.name));
        }
        BaselineSource::Stored(_) => {}
        BaselineSource::File(path) => {
            let _ = write!(cmd, " --file {}", quote(&path.display().to_string()));
        }
    }
    if let Some(config) = &args.run.config {
        let _ = write!(cmd, " --config {}", quote(&config.display().to_string()));
    }
    if let Some(store) = &args.store.store {
        let _ = write!(cmd, " --store {}", quote(&store.display().to_string()));
    }
    Some(cmd)
}
