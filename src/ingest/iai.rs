//! `iai`: the `summary.json` files of iai-callgrind (written with `--save-summary` or
//! `IAI_CALLGRIND_SAVE_SUMMARY=json|pretty-json`), one per benchmark, at
//! `target/iai/<package>/<bench file>/<group>/<function>[.<id>]/summary.json`. The input is
//! one such file, or a directory (usually `target/iai`) searched for every `summary.json`.
//!
//! Read from a summary (schema versions 4 to 6; 6 is iai-callgrind 0.16):
//! - `module_path` (`bench_sum::arith::bench_sum`), `id` (`large`, or null without a
//!   `#[bench]` attribute) and `details` (the arguments as written, `10_000`). The name is what
//!   iai-callgrind prints as the benchmark's header: `<module_path> <id>:<details>`,
//!   `<module_path> <id>` when there are no details, `<module_path>` alone when there is no id.
//!   The details are already shortened as on the terminal (by default to 50 bytes and `...`:
//!   `twenty:vec! [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 1...`), so the name is the
//!   printed header exactly. The details also go into `params` as `args`.
//! - `profiles[]`: one per Valgrind tool run. The first Callgrind (or Cachegrind, the
//!   `cachegrind` feature) profile's `summaries.total.summary.<Tool>` maps each event kind to
//!   `{"metrics": {"Left": new} | {"Both": [new, old]} | {"Right": old}, "diffs": ...}`, where
//!   a value is `{"Int": n}` or `{"Float": x}` (version 5 on) or a bare integer (version 4).
//!   `total` sums the parts (one per process/thread); only `new` is this run.
//!
//! Metrics, all of unit `count` and lower is better, central = the new value, n = 1, no
//! samples (a Valgrind count is exact, not a measurement with spread). These are the counts
//! iai-callgrind prints by default:
//! `Ir` -> `instructions`, `L1hits` -> `l1_hits`, `LLhits` -> `ll_hits`, `RamHits` ->
//! `ram_hits`, `TotalRW` -> `total_read_write`, `EstimatedCycles` -> `estimated_cycles`. Without
//! cache simulation only `instructions` is there. Rates (`L1HitRate`...) and other events are
//! left out; an event with only an `old` value (no new run) is skipped.
//!
//! `Parsed.source`: `summary_version` and `valgrind_tool`. Neither the iai-callgrind nor the
//! Valgrind version is in a summary (Valgrind's is in the `.log` files beside it).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{text, Adapter, IngestError, Input, Parsed, ParsedBench, ParsedMetric};
use crate::model::{Direction, Unit};

pub struct Iai;

const NAME: &str = "iai";
const FILE: &str = "summary.json";
/// Event kind in the summary -> perfgate metric name.
const EVENTS: [(&str, &str); 6] = [
    ("Ir", "instructions"),
    ("L1hits", "l1_hits"),
    ("LLhits", "ll_hits"),
    ("RamHits", "ram_hits"),
    ("TotalRW", "total_read_write"),
    ("EstimatedCycles", "estimated_cycles"),
];
/// Deep enough for `target/iai/<package>/<bench>/<group>/<function>` under any root, and a
/// bound on what a mistaken directory argument can cost.
const MAX_DEPTH: usize = 16;

/// One summary, parsed.
struct Summary {
    bench: ParsedBench,
    version: String,
    tool: String,
}

impl Adapter for Iai {
    fn name(&self) -> &'static str {
        NAME
    }

    fn reads_dirs(&self) -> bool {
        true
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        let summaries = match input {
            Input::Bytes { .. } => {
                let doc = text::json(input, NAME)?;
                vec![summary(&doc).map_err(|(place, m)| err(input, place, m))?]
            }
            Input::Dir { path } => from_dir(input, path)?,
        };
        let mut parsed = Parsed::default();
        let mut versions = Vec::new();
        let mut tools = Vec::new();
        let mut names = BTreeSet::new();
        for s in summaries {
            if !names.insert(s.bench.name.clone()) {
                return Err(err(
                    input,
                    None,
                    format!("benchmark `{}` has two summaries", s.bench.name),
                ));
            }
            push_new(&mut versions, s.version);
            push_new(&mut tools, s.tool);
            parsed.benchmarks.push(s.bench);
        }
        parsed
            .source
            .insert("summary_version".into(), one_or_all(versions));
        parsed
            .source
            .insert("valgrind_tool".into(), one_or_all(tools));
        Ok(parsed)
    }
}

fn err(input: &Input, place: Option<String>, message: impl Into<String>) -> IngestError {
    IngestError {
        input: input.name(),
        format: NAME,
        place,
        message: message.into(),
    }
}

fn push_new(list: &mut Vec<String>, v: String) {
    if !list.contains(&v) {
        list.push(v);
    }
}

/// A single value as itself; several (summaries of mixed versions) as an array.
fn one_or_all(mut list: Vec<String>) -> Value {
    if list.len() == 1 {
        Value::String(list.remove(0))
    } else {
        list.into_iter().map(Value::String).collect()
    }
}

/// Every `summary.json` under `root`, in path order; errors name the file relative to `root`.
fn from_dir(input: &Input, root: &Path) -> Result<Vec<Summary>, IngestError> {
    let mut files = Vec::new();
    find(root, 0, &mut files).map_err(|(p, e)| err(input, Some(p.display().to_string()), e))?;
    if files.is_empty() {
        return Err(err(
            input,
            None,
            "no summary.json in this directory (run the benchmarks with `--save-summary`)",
        ));
    }
    files.sort();
    files
        .iter()
        .map(|file| {
            let rel = file
                .strip_prefix(root)
                .unwrap_or(file)
                .display()
                .to_string();
            let bytes = crate::read::bytes(file)
                .map_err(|e| err(input, Some(rel.clone()), e.to_string()))?;
            let doc = text::json(&Input::from_bytes(rel.clone(), bytes), NAME)
                .map_err(|e| err(input, Some(within(&rel, e.place)), e.message))?;
            summary(&doc).map_err(|(place, m)| err(input, Some(within(&rel, place)), m))
        })
        .collect()
}

fn within(file: &str, place: Option<String>) -> String {
    match place {
        Some(p) => format!("{file}: {p}"),
        None => file.to_string(),
    }
}

/// Collects the `summary.json` files under `dir`. Symbolic links to directories are not
/// followed (no cycles).
fn find(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), (PathBuf, String)> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| (dir.to_path_buf(), e.to_string()))?;
    for entry in entries {
        let entry = entry.map_err(|e| (dir.to_path_buf(), e.to_string()))?;
        let kind = entry
            .file_type()
            .map_err(|e| (entry.path(), e.to_string()))?;
        if kind.is_dir() {
            find(&entry.path(), depth + 1, out)?;
        } else if entry.file_name() == FILE {
            out.push(entry.path());
        }
    }
    Ok(())
}

type Fail = (Option<String>, String);

fn fail(place: &str, message: impl Into<String>) -> Fail {
    (Some(place.to_string()), message.into())
}

/// One summary document: its benchmark and what it says about the run.
fn summary(doc: &Value) -> Result<Summary, Fail> {
    let Value::Object(top) = doc else {
        return Err((
            None,
            "not an iai-callgrind summary (not a JSON object)".into(),
        ));
    };
    let version = match top.get("version") {
        Some(Value::String(v)) => v.clone(),
        _ => return Err((None, "not an iai-callgrind summary (no `version`)".into())),
    };
    let Some(Value::Array(profiles)) = top.get("profiles") else {
        // Versions 1 to 3 kept the counts in `callgrind_summary` instead.
        return Err((
            None,
            format!(
                "not an iai-callgrind summary of version 4 or later (version `{version}`, no `profiles`)"
            ),
        ));
    };
    let module_path = top
        .get("module_path")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| fail("module_path", "missing or not a string"))?;
    let id = optional_str(top, "id")?;
    let details = optional_str(top, "details")?;
    let mut bench = ParsedBench::new(header(module_path, id, details));
    if let Some(d) = details.filter(|d| !d.is_empty()) {
        bench.params.insert("args".into(), Value::String(d.into()));
    }
    let (i, tool, counts) = profiles
        .iter()
        .enumerate()
        .find_map(|(i, p)| tool_counts(p).map(|(t, c)| (i, t, c)))
        .ok_or_else(|| {
            fail(
                "profiles",
                "no Callgrind or Cachegrind profile with a total",
            )
        })?;
    for (event, metric) in EVENTS {
        let place = format!("profiles[{i}].summaries.total.summary.{tool}.{event}");
        if let Some(value) = new_value(counts.get(event), &place)? {
            let mut m = ParsedMetric::point(metric, Unit::COUNT, Direction::LowerIsBetter, value);
            m.estimate.n = Some(1);
            bench.metrics.push(m);
        }
    }
    if bench.metrics.is_empty() {
        return Err(fail(
            &format!("profiles[{i}].summaries.total.summary.{tool}"),
            "no new `Ir` (instructions) count",
        ));
    }
    Ok(Summary {
        bench,
        version,
        tool: tool.to_string(),
    })
}

fn optional_str<'a>(
    top: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, Fail> {
    match top.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(fail(key, "not a string")),
    }
}

/// The benchmark's header line as iai-callgrind prints it.
fn header(module_path: &str, id: Option<&str>, details: Option<&str>) -> String {
    let details = details.filter(|d| !d.is_empty());
    match (id, details) {
        (Some(id), Some(d)) => format!("{module_path} {id}:{d}"),
        (Some(id), None) if !id.is_empty() => format!("{module_path} {id}"),
        (None, Some(d)) => format!("{module_path} {d}"),
        _ => module_path.to_string(),
    }
}

/// The tool name and its event counts of a profile, when it is Callgrind or Cachegrind.
fn tool_counts(profile: &Value) -> Option<(&'static str, &serde_json::Map<String, Value>)> {
    let summary = profile.get("summaries")?.get("total")?.get("summary")?;
    ["Callgrind", "Cachegrind"]
        .into_iter()
        .find_map(|t| Some((t, summary.get(t)?.as_object()?)))
}

/// The `new` value of one event's `{"metrics": ..., "diffs": ...}`; `None` when the event is
/// absent or only has an old value.
fn new_value(entry: Option<&Value>, place: &str) -> Result<Option<f64>, Fail> {
    let Some(entry) = entry else {
        return Ok(None);
    };
    let metrics = entry
        .get("metrics")
        .and_then(Value::as_object)
        .ok_or_else(|| fail(place, "no `metrics` object"))?;
    let new = match (
        metrics.get("Left"),
        metrics.get("Both"),
        metrics.get("Right"),
    ) {
        (Some(v), None, None) => v,
        (None, Some(Value::Array(both)), None) if both.len() == 2 => &both[0],
        (None, None, Some(_)) => return Ok(None),
        _ => {
            return Err(fail(
                place,
                "`metrics` is not one of Left, Both [new, old], Right",
            ))
        }
    };
    count(new)
        .map(Some)
        .ok_or_else(|| fail(place, "the new value is not a count"))
}

/// `{"Int": n}`, `{"Float": x}` or a bare number (schema version 4), finite and not negative.
fn count(v: &Value) -> Option<f64> {
    let x = match v {
        Value::Number(n) => n.as_f64(),
        Value::Object(o) if o.len() == 1 => o
            .get("Int")
            .or_else(|| o.get("Float"))
            .and_then(Value::as_f64),
        _ => None,
    }?;
    (x.is_finite() && x >= 0.0).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_follows_what_iai_prints() {
        assert_eq!(header("a::g::f", Some("x"), Some("1, 2")), "a::g::f x:1, 2");
        assert_eq!(header("a::g::f", Some("x"), Some("")), "a::g::f x");
        assert_eq!(header("a::g::f", Some("x"), None), "a::g::f x");
        assert_eq!(header("a::g::f", None, None), "a::g::f");
        assert_eq!(header("a::g::f", None, Some("d")), "a::g::f d");
    }

    #[test]
    fn counts_in_every_schema_spelling() {
        assert_eq!(count(&serde_json::json!({"Int": 43})), Some(43.0));
        assert_eq!(count(&serde_json::json!({"Float": 2.5})), Some(2.5));
        assert_eq!(count(&serde_json::json!(7)), Some(7.0));
        assert_eq!(count(&serde_json::json!({"Int": -1})), None);
        assert_eq!(count(&serde_json::json!("7")), None);
        let both = serde_json::json!({"metrics": {"Both": [{"Int": 43}, {"Int": 1805}]}});
        assert_eq!(new_value(Some(&both), "p"), Ok(Some(43.0)));
        let old = serde_json::json!({"metrics": {"Right": {"Int": 1}}});
        assert_eq!(new_value(Some(&old), "p"), Ok(None));
        let odd = serde_json::json!({"metrics": {"Both": [{"Int": 1}]}});
        assert!(new_value(Some(&odd), "p").is_err());
    }
}
