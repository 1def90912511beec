//! The published JSON Schemas (`schema/*.schema.json`) describe what perfgate really writes:
//! reports from `perfgate run` and `perfgate ingest` ([`reports`]), baseline files from
//! `compare --emit-template` and comparisons from `compare --format json` ([`compare`]) all
//! validate, and the schemas reject broken documents ([`not_vacuous`]). This file holds the
//! helpers the three share.

mod compare;
mod not_vacuous;
mod reports;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schema")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!(
            "{name} is not a valid JSON Schema: {e} at {}",
            e.instance_path
        );
    }
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name} does not compile: {e}"))
}

fn report_schema() -> jsonschema::Validator {
    schema("report.schema.json")
}

fn comparison_schema() -> jsonschema::Validator {
    schema("comparison.schema.json")
}

/// Every violation, as `path: message` lines.
fn violations(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors = violations(validator, doc);
    assert!(
        errors.is_empty(),
        "{what} does not match its schema:\n  {}\ndocument:\n{}",
        errors.join("\n  "),
        serde_json::to_string_pretty(doc).unwrap()
    );
}

fn assert_invalid(validator: &jsonschema::Validator, doc: &Value, what: &str) -> Vec<String> {
    let errors = violations(validator, doc);
    assert!(!errors.is_empty(), "the schema accepts {what}");
    errors
}

/// Runs the perfgate binary in `dir`, isolated from the caller's environment overrides.
fn perfgate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfgate"))
        .args(args)
        .current_dir(dir)
        .env_remove("PERFGATE_RUNS")
        .env_remove("PERFGATE_THRESHOLD_PCT")
        .env_remove("PERFGATE_FAKE_DEVICES")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("cannot start the perfgate binary")
}

fn expect_code(out: &Output, code: i32, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: unexpected exit status\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

/// `perfgate run --runs 3 --warmup 0 --json-out <dir>/<file> [--name NAME] -- CMD...`;
/// returns the report's path and its JSON.
fn adhoc_run(
    dir: &Path,
    file: &str,
    name: Option<&str>,
    cmd: &[&str],
    code: i32,
) -> (PathBuf, Value) {
    let out_path = dir.join(file);
    let mut args = vec![
        "run",
        "--runs",
        "3",
        "--warmup",
        "0",
        "--json-out",
        out_path.to_str().unwrap(),
    ];
    if let Some(n) = name {
        args.extend(["--name", n]);
    }
    args.push("--");
    args.extend(cmd);
    let out = perfgate(dir, &args);
    expect_code(&out, code, &format!("perfgate {}", args.join(" ")));
    let report = read_json(&out_path);
    (out_path, report)
}

fn metric<'a>(bench: &'a Value, name: &str) -> &'a Value {
    bench["metrics"]
        .as_array()
        .expect("metrics is an array")
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no metric `{name}` in {bench}"))
}

fn compare_json(dir: &Path, current: &Path, baseline: &Path, code: i32) -> Value {
    let args = [
        "compare",
        current.to_str().unwrap(),
        baseline.to_str().unwrap(),
        "--format",
        "json",
    ];
    let out = perfgate(dir, &args);
    expect_code(&out, code, &format!("perfgate {}", args.join(" ")));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "compare stdout is not JSON: {e}\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}
