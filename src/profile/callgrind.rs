//! CPU profiles by callgrind: exact instruction counts, the same on every run of the same
//! binary and input, so a profile's summary is reproducible. With `--separate-callers=N`
//! callgrind names each function by its chain of callers (`f'g'main`), which gives whole
//! call stacks (up to N deep), not just caller/callee pairs.

use std::collections::BTreeMap;
use std::path::Path;

use super::{symbols, Limits, Recorded, StackUnit, Stacks};
use crate::config::BenchSpec;
use crate::runner::wrapped::{last_log_line, run_under};
use crate::runner::Executor;

/// How many callers deep a stack is told apart.
const CALLER_DEPTH: u32 = 40;

/// The callgrind profile of one run of `spec` (and of the processes it starts).
pub fn record(
    spec: &BenchSpec,
    limits: &Limits,
    exec: &mut dyn Executor,
    why: String,
) -> Result<Recorded, String> {
    let version = crate::runner::wrapped::tool_version("valgrind", "--version")
        .map_err(|e| format!("callgrind: valgrind is needed (apt-get install valgrind): {e}"))?;
    let dir = crate::tmpdir::create().map_err(|e| format!("callgrind: {e}"))?;
    let log = dir.path().join("valgrind.log");
    let tool = vec![
        "valgrind".to_string(),
        "--tool=callgrind".to_string(),
        format!("--separate-callers={CALLER_DEPTH}"),
        "--trace-children=yes".to_string(),
        format!(
            "--callgrind-out-file={}",
            dir.path().join("callgrind.out.%p").display()
        ),
        format!("--log-file={}", log.display()),
        "--".to_string(),
    ];
    // Callgrind runs a program 20-100x slower.
    let m = run_under(spec, &spec.env, exec, tool, (100, 1));
    if !m.outcome.success() {
        return Err(format!(
            "callgrind: the run {}{}",
            m.outcome.describe(),
            last_log_line(&std::fs::read_to_string(&log).unwrap_or_default(), "==")
        ));
    }
    let mut folded = BTreeMap::new();
    for path in outputs(dir.path(), "callgrind.out.")? {
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        if size > limits.max_bytes {
            return Err(format!(
                "callgrind: its output {} is {size} bytes, over the {}-byte limit",
                path.display(),
                limits.max_bytes
            ));
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("callgrind: {}: {e}", path.display()))?;
        for (stack, w) in fold(&text).map_err(|e| format!("callgrind: {}: {e}", path.display()))? {
            *folded.entry(stack).or_insert(0) += w;
        }
    }
    Ok(Recorded {
        stacks: Stacks {
            unit: StackUnit::Instructions,
            folded,
            runs: 1,
        },
        tool: format!("{version} callgrind (instructions, {CALLER_DEPTH} callers deep)"),
        why,
    })
}

/// The files in `dir` whose names start with `prefix`, sorted.
fn outputs(dir: &Path, prefix: &str) -> Result<Vec<std::path::PathBuf>, String> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("callgrind: {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .collect();
    out.sort();
    if out.is_empty() {
        return Err("callgrind: it wrote no profile".into());
    }
    Ok(out)
}

/// Folded stacks (`outer;...;inner -> Ir`) of a callgrind output written with
/// `--separate-callers`: each function context's own cost, under its caller chain.
pub fn fold(text: &str) -> Result<BTreeMap<String, u64>, String> {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut event = 0usize;
    let mut positions = 1usize;
    let mut current: Option<String> = None;
    let mut skip_next_cost = false;
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let at = |m: String| format!("line {}: {m}", i + 1);
        if let Some(rest) = line.strip_prefix("events:") {
            event = rest
                .split_whitespace()
                .position(|e| e == "Ir")
                .ok_or_else(|| at("no `Ir` event".into()))?;
        } else if let Some(rest) = line.strip_prefix("positions:") {
            positions = rest.split_whitespace().count().max(1);
        } else if let Some(rest) = line.strip_prefix("fn=") {
            current = Some(resolve(&mut names, rest).map_err(at)?);
        } else if let Some(rest) = line.strip_prefix("cfn=") {
            resolve(&mut names, rest).map_err(at)?;
        } else if line.starts_with("calls=") {
            skip_next_cost = true;
        } else if line.starts_with(|c: char| c.is_ascii_digit() || "+-*".contains(c)) {
            if std::mem::take(&mut skip_next_cost) {
                continue;
            }
            let cost = cost_of(line, positions + event).map_err(at)?;
            let f = current
                .as_ref()
                .ok_or_else(|| at("a cost line before any `fn=`".into()))?;
            if cost > 0 {
                *out.entry(stack_of(f)).or_insert(0) += cost;
            }
        }
    }
    Ok(out)
}

/// A compressed name: `(id) name` defines id, `(id)` refers to it, `name` is itself.
fn resolve(names: &mut BTreeMap<String, String>, spec: &str) -> Result<String, String> {
    let spec = spec.trim();
    let Some(rest) = spec.strip_prefix('(') else {
        return Ok(spec.to_string());
    };
    let (id, name) = rest
        .split_once(')')
        .ok_or_else(|| format!("`({rest}`: no closing parenthesis"))?;
    let name = name.trim();
    if name.is_empty() {
        names
            .get(id)
            .cloned()
            .ok_or_else(|| format!("name ({id}) used before it is defined"))
    } else {
        names.insert(id.to_string(), name.to_string());
        Ok(name.to_string())
    }
}

/// The `column`th number of a cost line (0 when the line stops before it).
fn cost_of(line: &str, column: usize) -> Result<u64, String> {
    match line.split_whitespace().nth(column) {
        None => Ok(0),
        Some(n) => n.parse().map_err(|_| format!("`{n}` is not a cost")),
    }
}

/// `f'g'main` (a function and its callers, innermost first) as `main;g;f`.
fn stack_of(context: &str) -> String {
    let frames: Vec<String> = context.split('\'').rev().map(symbols::clean).collect();
    frames.join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_costs_go_to_the_stack_and_call_costs_are_skipped() {
        let text = "events: Ir\n\
            fn=(1) main'(below main)\n\
            0 5\n\
            cfn=(2) work::h0123456789abcdef'main'(below main)\n\
            calls=1 0\n\
            0 900\n\
            +1 2\n\
            fn=(2)\n\
            0 890\n\
            fn=(1)\n\
            * 3\n";
        let f = fold(text).unwrap();
        assert_eq!(f["(below main);main"], 10);
        assert_eq!(f["(below main);main;work"], 890);
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn the_ir_column_is_found_among_several_events_and_positions() {
        let text = "positions: instr line\nevents: Dr Ir\nfn=a\n0x10 3 7 11\n";
        assert_eq!(fold(text).unwrap()["a"], 11);
    }

    #[test]
    fn broken_files_say_where() {
        assert_eq!(
            fold("events: Ir\nfn=(9)\n").unwrap_err(),
            "line 2: name (9) used before it is defined"
        );
        assert_eq!(
            fold("events: Ir\n0 5\n").unwrap_err(),
            "line 2: a cost line before any `fn=`"
        );
        assert_eq!(
            fold("events: Ir\nfn=a\n0 x\n").unwrap_err(),
            "line 3: `x` is not a cost"
        );
    }
}
