//! The parent's side: parse the command line, list or select benchmarks, run each in its
//! processes, print the table, write the report. And the child's entry point.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::args::{Args, USAGE};
use crate::child::{self, CHILD_ENV, MODE_ENV};
use crate::measure::{Bencher, Mode, Plan};
use crate::report::{Measurements, Outcome, RunInfo};
use crate::Entry;

/// Least batches per process, whatever the measurement time.
const MIN_BATCHES: usize = 10;
const MAX_BATCHES: usize = 10_000;

pub(crate) fn main(entries: &[Entry], argv: impl Iterator<Item = String>) -> i32 {
    if let Ok(name) = std::env::var(CHILD_ENV) {
        return child_main(entries, &name);
    }
    let args = match Args::parse(argv) {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    if args.help {
        return out(&format!("{USAGE}\n"));
    }
    let selected: Vec<&Entry> = entries.iter().filter(|e| args.selects(&e.name)).collect();
    if args.list {
        let text: String = selected
            .iter()
            .map(|e| format!("{}: benchmark\n", e.name))
            .collect();
        return out(&text);
    }
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => return fail(&format!("cannot find this program's path: {e}")),
    };
    if args.test {
        return smoke(&exe, &selected);
    }
    let table =
        crate::table::Table::start(selected.iter().map(|e| e.name.as_str()), args.processes);
    let outcomes = measure_all(&exe, &selected, &args, &table);
    let info = RunInfo {
        suite: suite_name(&exe),
        processes: args.processes,
        warm_up_ms: args.warm_up.as_millis(),
        measure_ms: args.measure.as_millis(),
        filter: selection(&args),
    };
    let report = crate::report::build(&info, &outcomes);
    if let Err(e) = write_report(&report, args.output.as_deref()) {
        return fail(&e);
    }
    if outcomes.iter().any(|o| o.result.is_err()) {
        3
    } else {
        0
    }
}

fn out(text: &str) -> i32 {
    let _ = std::io::stdout().write_all(text.as_bytes());
    0
}

fn usage_error(message: &str) -> i32 {
    let _ = writeln!(std::io::stderr(), "error: {message}");
    2
}

fn fail(message: &str) -> i32 {
    let _ = writeln!(std::io::stderr(), "error: {message}");
    3
}

/// The child: run the benchmark `name` as the environment says, print the result.
fn child_main(entries: &[Entry], name: &str) -> i32 {
    let Some(entry) = entries.iter().find(|e| e.name == name) else {
        return fail(&format!("no benchmark named `{name}` in this binary"));
    };
    let mode = match std::env::var(MODE_ENV)
        .map_err(|e| e.to_string())
        .and_then(|m| child::parse_mode(&m))
    {
        Ok(m) => m,
        Err(e) => return usage_error(&e),
    };
    let mut b = Bencher::new(mode, crate::alloc::installed());
    (entry.routine)(&mut b);
    let Some(measured) = b.into_result() else {
        return fail(&format!(
            "the benchmark `{name}` never called `iter` or `iter_batched`"
        ));
    };
    match child::report(measured) {
        Ok(()) => 0,
        Err(e) => fail(&format!("cannot write the result: {e}")),
    }
}

/// `--test`: each benchmark once, libtest-style lines on stdout.
fn smoke(exe: &Path, selected: &[&Entry]) -> i32 {
    let mut failed = 0;
    for e in selected {
        let ran =
            child::spawn(&[], exe, &e.name, Mode::Smoke).and_then(|s| child::parse_result(&s));
        let verdict = match ran {
            Ok(_) => "ok".to_string(),
            Err(why) => {
                failed += 1;
                format!("FAILED ({why})")
            }
        };
        out(&format!("bench {} ... {verdict}\n", e.name));
    }
    if failed == 0 {
        0
    } else {
        3
    }
}

/// Every selected benchmark's processes: all of one benchmark's before the next's (each row of
/// the table printed as soon as its benchmark is done), or with `--interleave` one process of
/// each benchmark per round, so that a machine's slow minute falls on all of them alike.
fn measure_all(
    exe: &Path,
    selected: &[&Entry],
    args: &Args,
    table: &crate::table::Table,
) -> Vec<Outcome> {
    let plan = Plan {
        warm_up: args.warm_up,
        measure: args.measure,
        min_batches: MIN_BATCHES,
        max_batches: MAX_BATCHES,
    };
    let mut results: Vec<Result<Measurements, String>> =
        vec![Ok(Measurements::default()); selected.len()];
    let one = |process: usize, e: &Entry, result: &mut Result<Measurements, String>| {
        let Ok(m) = result else { return };
        match child::spawn(&[], exe, &e.name, Mode::Measure(plan))
            .and_then(|s| child::parse_result(&s))
        {
            Ok(r) => {
                m.peak_rss.push(r.peak_rss);
                m.processes.push(r.measured);
            }
            Err(why) => {
                *result = Err(format!(
                    "process {} of {}: {why}",
                    process + 1,
                    args.processes
                ));
            }
        }
    };
    let mut outcomes = Vec::new();
    if args.interleave {
        for process in 0..args.processes {
            for (e, result) in selected.iter().zip(results.iter_mut()) {
                one(process, e, result);
            }
        }
        for (e, result) in selected.iter().zip(results) {
            outcomes.push(finish(exe, e, args, result));
            table.row(&outcomes[outcomes.len() - 1]);
        }
    } else {
        for (e, mut result) in selected.iter().zip(results) {
            for process in 0..args.processes {
                one(process, e, &mut result);
            }
            outcomes.push(finish(exe, e, args, result));
            table.row(&outcomes[outcomes.len() - 1]);
        }
    }
    outcomes
}

/// A benchmark's outcome from its processes' results, with (`--instructions`) its count.
fn finish(exe: &Path, e: &Entry, args: &Args, result: Result<Measurements, String>) -> Outcome {
    let mut params = e.params.clone();
    if let Some(c) = &e.category {
        params.insert("category".into(), c.clone().into());
    }
    let result = result.map(|mut m| {
        if args.instructions {
            let t = crate::stats::median(&m.times());
            match crate::callgrind::instructions(exe, &e.name, t) {
                Ok(counted) => m.instructions = Some(counted),
                Err(why) => {
                    let _ = writeln!(std::io::stderr(), "{}: no instruction count: {why}", e.name);
                }
            }
        }
        m
    });
    Outcome {
        name: e.name.clone(),
        tags: e.tags.clone(),
        params,
        throughput: e.throughput.clone(),
        command: format!(
            "{} --exact {}",
            quote(&exe.display().to_string()),
            quote(&e.name)
        ),
        result,
    }
}

/// The suite: the bench target's name, without the hash cargo appends (`sort-0a1b...`).
fn suite_name(exe: &Path) -> String {
    let stem = exe
        .file_stem()
        .map_or("bench".into(), |s| s.to_string_lossy().into_owned());
    match stem.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            name.to_string()
        }
        _ => stem,
    }
}

/// The filters as the regular expression a report's `selection.filter` holds.
fn selection(args: &Args) -> Option<String> {
    if args.filters.is_empty() {
        return None;
    }
    let escaped: Vec<String> = args
        .filters
        .iter()
        .map(|f| {
            f.chars()
                .flat_map(|c| {
                    let special = "\\.+*?()|[]{}^$".contains(c);
                    special
                        .then_some('\\')
                        .into_iter()
                        .chain(std::iter::once(c))
                })
                .collect()
        })
        .collect();
    let alternatives = escaped.join("|");
    Some(if args.exact {
        format!("^({alternatives})$")
    } else {
        alternatives
    })
}

fn quote(word: &str) -> String {
    let plain = word
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/_=.,:+-".contains(&b));
    if plain && !word.is_empty() {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The report to `path` (`-`: stdout), or by default to stdout unless it is a terminal.
fn write_report(report: &crate::report::Report, path: Option<&Path>) -> Result<(), String> {
    let mut json = serde_json::to_string_pretty(report)
        .map_err(|e| format!("cannot encode the report: {e}"))?;
    json.push('\n');
    match path {
        Some(p) if p != Path::new("-") => {
            let tmp = PathBuf::from(format!("{}.tmp-{}", p.display(), std::process::id()));
            std::fs::write(&tmp, &json)
                .and_then(|()| std::fs::rename(&tmp, p))
                .map_err(|e| format!("{}: cannot write the report: {e}", p.display()))
        }
        // SAFETY: isatty only inspects the descriptor.
        None if unsafe { libc::isatty(1) } == 1 => {
            let _ = writeln!(
                std::io::stderr(),
                "(the perfgate report goes to stdout when it is not a terminal, or to --output FILE)"
            );
            Ok(())
        }
        _ => std::io::stdout()
            .write_all(json.as_bytes())
            .map_err(|e| format!("cannot write the report to stdout: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_are_named_after_the_bench_target() {
        assert_eq!(
            suite_name(Path::new("/t/release/deps/sort-0123456789abcdef")),
            "sort"
        );
        assert_eq!(
            suite_name(Path::new("/t/debug/examples/known_cost")),
            "known_cost"
        );
        assert_eq!(suite_name(Path::new("/x/my-bench")), "my-bench");
    }

    #[test]
    fn filters_become_an_escaped_selection() {
        let args = |filters: &[&str], exact| Args {
            filters: filters.iter().map(|s| (*s).to_string()).collect(),
            exact,
            ..Args::default()
        };
        assert_eq!(selection(&args(&[], false)), None);
        assert_eq!(
            selection(&args(&["sort", "a.b"], false)),
            Some("sort|a\\.b".into())
        );
        assert_eq!(selection(&args(&["x/n=1"], true)), Some("^(x/n=1)$".into()));
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("sort/n=10"), "sort/n=10");
    }
}
