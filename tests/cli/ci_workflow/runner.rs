//! A stand-in for a fresh GitHub-hosted runner: it reads a workflow (parsed YAML), decides
//! which jobs an event starts, and runs a job's steps in an empty workspace the way Actions
//! does: `actions/checkout` clones the origin (shallow unless `fetch-depth: 0`),
//! `actions/upload-artifact` collects the files it names, `run` scripts go to
//! `bash -eo pipefail` in their working directory with the workflow's env and `${{ }}`
//! expressions filled in. `cargo` is a stub that accepts only the install of this perfgate
//! version; `perfgate` is the binary under test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::Yaml;

/// The event that starts a workflow run, with the expression values it defines.
pub struct Event {
    pub name: &'static str,
    /// The commit `actions/checkout` takes when a step names no `ref` (GITHUB_SHA).
    pub sha: String,
    /// `${{ ... }}` values: `github.event.pull_request.head.sha`, `inputs.update_baselines`...
    pub values: BTreeMap<&'static str, Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    Bool(bool),
}

impl Value {
    fn truthy(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            Value::Str(s) => !s.is_empty(),
        }
    }

    fn text(&self) -> String {
        match self {
            Value::Bool(b) => b.to_string(),
            Value::Str(s) => s.clone(),
        }
    }
}

pub struct StepResult {
    pub name: String,
    /// `None` when the step was skipped (an earlier step failed).
    pub code: Option<i32>,
    pub output: String,
}

pub struct JobResult {
    pub workspace: tempfile::TempDir,
    _tools: tempfile::TempDir,
    pub steps: Vec<StepResult>,
    /// Files the upload-artifact steps found, relative to the workspace.
    pub uploaded: Vec<String>,
}

impl JobResult {
    pub fn step(&self, prefix: &str) -> &StepResult {
        self.steps
            .iter()
            .find(|s| s.name.starts_with(prefix))
            .unwrap_or_else(|| panic!("no step `{prefix}...`"))
    }

    pub fn log(&self) -> String {
        self.steps
            .iter()
            .map(|s| format!("--- {} -> {:?}\n{}", s.name, s.code, s.output))
            .collect()
    }
}

/// The ids of the jobs whose `if` holds for `event`.
pub fn jobs_started(workflow: &Yaml, event: &Event) -> Vec<String> {
    workflow["jobs"]
        .as_hash()
        .expect("jobs")
        .iter()
        .filter(|(_, job)| job["if"].as_str().is_none_or(|c| eval(c, event).truthy()))
        .map(|(id, _)| id.as_str().unwrap().to_string())
        .collect()
}

/// Runs job `id` on a fresh workspace; `origin` is the repository the checkout clones.
pub fn run_job(workflow: &Yaml, id: &str, event: &Event, origin: &Path) -> JobResult {
    let workspace = tempfile::tempdir().unwrap();
    let ws = workspace.path().to_path_buf();
    let tools_dir = tempfile::tempdir().unwrap();
    let tools = tools(tools_dir.path());
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    for scope in [&workflow["env"], &workflow["jobs"][id]["env"]] {
        for (k, v) in scope.as_hash().into_iter().flatten() {
            let v = v
                .as_str()
                .map(String::from)
                .or_else(|| v.as_i64().map(|i| i.to_string()))
                .expect("env values are strings or numbers");
            env.insert(k.as_str().unwrap().to_string(), v);
        }
    }
    env.insert("GITHUB_WORKSPACE".into(), ws.display().to_string());
    env.insert("GITHUB_ACTIONS".into(), "true".into());
    env.insert(
        "GITHUB_STEP_SUMMARY".into(),
        tools.join("summary.md").display().to_string(),
    );
    env.insert(
        "PATH".into(),
        format!("{}:{}", tools.display(), std::env::var("PATH").unwrap()),
    );
    let mut result = JobResult {
        workspace,
        _tools: tools_dir,
        steps: Vec::new(),
        uploaded: Vec::new(),
    };
    let mut failed = false;
    for step in workflow["jobs"][id]["steps"].as_vec().expect("steps") {
        let name = step["name"]
            .as_str()
            .expect("every step has a name")
            .to_string();
        let runs = match step["if"].as_str() {
            None => !failed,
            Some(c) => eval(c, event).truthy(),
        };
        if !runs {
            result.steps.push(StepResult {
                name,
                code: None,
                output: String::new(),
            });
            continue;
        }
        let with = |key: &str| step["with"][key].as_str().map(|v| expand(v, event));
        let (code, output) = if let Some(action) = step["uses"].as_str() {
            match action.split('@').next().unwrap() {
                "actions/checkout" => checkout(
                    origin,
                    &ws.join(with("path").unwrap_or_default()),
                    &with("ref").unwrap_or_else(|| event.sha.clone()),
                    step["with"]["fetch-depth"].as_i64() == Some(0),
                ),
                "actions/upload-artifact" => {
                    for line in with("path").unwrap_or_default().lines() {
                        if ws.join(line.trim()).is_file() {
                            result.uploaded.push(line.trim().to_string());
                        }
                    }
                    (0, String::new())
                }
                other => panic!("the runner stand-in does not know {other}"),
            }
        } else {
            let script = expand(step["run"].as_str().expect("a step runs or uses"), event);
            let dir = ws.join(step["working-directory"].as_str().unwrap_or(""));
            shell(&script, &dir, &env)
        };
        failed |= code != 0;
        result.steps.push(StepResult {
            name,
            code: Some(code),
            output,
        });
    }
    result
}

/// `cargo` (a stub for `cargo install perfgate --version <this> --locked`) and `perfgate`.
fn tools(dir: &Path) -> PathBuf {
    let dir = dir.to_path_buf();
    crate::common::script(
        &dir.join("cargo"),
        &format!(
            "[ \"$*\" = \"install perfgate --version {} --locked\" ] && exit 0\necho \"stub cargo: unexpected: $*\" >&2\nexit 97",
            env!("CARGO_PKG_VERSION")
        ),
    );
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_perfgate"), dir.join("perfgate")).unwrap();
    dir
}

fn checkout(origin: &Path, dest: &Path, rev: &str, full: bool) -> (i32, String) {
    let url = format!("file://{}", origin.display());
    let mut clone = Command::new("git");
    clone.args(["clone", "-q", "--no-single-branch"]);
    if !full {
        clone.args(["--depth", "1"]);
    }
    clone.arg(&url).arg(dest);
    let out = clone.output().unwrap();
    if !out.status.success() {
        return (1, String::from_utf8_lossy(&out.stderr).into_owned());
    }
    // A branch name stays a branch (as for a push or schedule); a commit is checked out detached.
    let out = Command::new("git")
        .current_dir(dest)
        .args(["checkout", "-q", rev])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn shell(script: &str, dir: &Path, env: &BTreeMap<String, String>) -> (i32, String) {
    if !dir.is_dir() {
        return (
            1,
            format!("working-directory {} does not exist", dir.display()),
        );
    }
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .env_clear()
        .envs(env)
        .env("HOME", std::env::var("HOME").unwrap_or_default())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// `text` with every `${{ expr }}` replaced by its value.
pub fn expand(text: &str, event: &Event) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        let end = rest[start..].find("}}").expect("closed expression") + start;
        out.push_str(&rest[..start]);
        out.push_str(&eval(&rest[start + 3..end], event).text());
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The subset of the Actions expression language the workflow uses: names, '...' strings,
/// `==`, `!`, `&&`, `||`, parentheses, and `cancelled()` (never true here).
pub fn eval(expr: &str, event: &Event) -> Value {
    let expr = expr.trim();
    let expr = expr
        .strip_prefix("${{")
        .and_then(|e| e.strip_suffix("}}"))
        .unwrap_or(expr);
    let tokens = tokenize(expr);
    let mut p = Parser {
        tokens: &tokens,
        at: 0,
        event,
    };
    let v = p.or();
    assert_eq!(p.at, tokens.len(), "trailing tokens in `{expr}`");
    v
}

fn tokenize(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let end = chars[i + 1..].iter().position(|&c| c == '\'').unwrap() + i + 1;
            out.push(chars[i..=end].iter().collect());
            i = end + 1;
        } else if "=&|".contains(c) {
            out.push(chars[i..i + 2].iter().collect());
            i += 2;
        } else if "!()".contains(c) {
            out.push(c.to_string());
            i += 1;
        } else {
            let end = chars[i..]
                .iter()
                .position(|c| !(c.is_alphanumeric() || "._-".contains(*c)))
                .map_or(chars.len(), |p| p + i);
            out.push(chars[i..end].iter().collect());
            i = end;
        }
    }
    out
}

struct Parser<'a> {
    tokens: &'a [String],
    at: usize,
    event: &'a Event,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn or(&mut self) -> Value {
        let mut v = self.and();
        while self.peek() == Some("||") {
            self.at += 1;
            let r = self.and();
            v = Value::Bool(v.truthy() || r.truthy());
        }
        v
    }

    fn and(&mut self) -> Value {
        let mut v = self.unary();
        while self.peek() == Some("&&") {
            self.at += 1;
            let r = self.unary();
            v = Value::Bool(v.truthy() && r.truthy());
        }
        v
    }

    fn unary(&mut self) -> Value {
        if self.peek() == Some("!") {
            self.at += 1;
            return Value::Bool(!self.unary().truthy());
        }
        let left = self.atom();
        if self.peek() == Some("==") {
            self.at += 1;
            let right = self.atom();
            return Value::Bool(left == right);
        }
        left
    }

    fn atom(&mut self) -> Value {
        let t = self.tokens[self.at].clone();
        self.at += 1;
        if t == "(" {
            let v = self.or();
            assert_eq!(self.peek(), Some(")"));
            self.at += 1;
            return v;
        }
        if let Some(s) = t.strip_prefix('\'') {
            return Value::Str(s.trim_end_matches('\'').to_string());
        }
        if t == "cancelled" {
            assert_eq!(self.tokens[self.at..self.at + 2], ["(", ")"]);
            self.at += 2;
            return Value::Bool(false);
        }
        if t == "github.event_name" {
            return Value::Str(self.event.name.to_string());
        }
        match self.event.values.get(t.as_str()) {
            Some(v) => v.clone(),
            // Inputs of another event are null in Actions.
            None if t.starts_with("inputs.") => Value::Str(String::new()),
            None => panic!("the workflow uses `{t}`, which this event does not define"),
        }
    }
}
