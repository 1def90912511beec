//! The house rules, checked on the source tree: which top-level module may use which, no
//! import cycles between them, and size limits on files and functions. A test, so `cargo
//! test` fails when a change breaks them; the README's layout section says the same in words.
//!
//! Data flows one way. A module may use modules of a lower layer, and of its own layer as
//! long as that makes no cycle; never one of a higher layer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lowest first. Every top-level module of `src/` must be in exactly one layer.
const LAYERS: &[&[&str]] = &[
    // Plain utilities: errors, file and JSON reading, digests, statistics on slices.
    &[
        "error",
        "files",
        "read",
        "strict_json",
        "tmpdir",
        "shell",
        "digest",
        "stats",
    ],
    // The vocabulary: reports, thresholds, history points, units, metric names.
    &["model"],
    // Inputs turned into the vocabulary: harness outputs, perfgate.toml, git state, and the
    // validated plans the engine takes.
    &["ingest", "config", "git", "plan"],
    // The work: comparing, storing, running processes, machine facts, attestations.
    &[
        "gate", "store", "runner", "profile", "context", "doctor", "attest", "client",
    ],
    // Outputs and integrations, which decide nothing.
    &["render", "ci"],
    // The engine every command calls, and the HTTP server built on it.
    &["engine", "versus", "server"],
    // The command line: argument structs, and commands as glue; and the report builders of
    // the `testing` feature, which tests may use with anything.
    &["cli", "commands", "testing"],
];

/// Files longer than this are split by concern.
const MAX_FILE_LINES: usize = 600;
/// Functions longer than this are split, except the table-like ones below.
const MAX_FN_LINES: usize = 80;
/// `file:function` allowed to be longer, with the reason.
const LONG_FUNCTIONS: &[(&str, &str)] = &[];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to: `src/gate/mod.rs` -> `gate`, `src/git.rs` -> `git`.
fn top_module(path: &Path) -> String {
    let rel = path.strip_prefix(src()).expect("under src/");
    let first = rel.components().next().expect("a component");
    let name = first.as_os_str().to_string_lossy();
    name.strip_suffix(".rs").unwrap_or(&name).to_string()
}

/// The code of a file without comments, string and char literals, and without its
/// `#[cfg(test)] mod tests` (tests may reach anywhere).
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    // Skips to just past `end` from `from`, keeping the line breaks in between.
    let skip_to = |from: usize, end: &str, out: &mut String| -> usize {
        let at = text[from..]
            .find(end)
            .map_or(text.len(), |k| from + k + end.len());
        out.extend(text[from..at].chars().filter(|c| *c == '\n'));
        at
    };
    while i < b.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            i = skip_to(i, "\n", &mut out);
        } else if rest.starts_with("r#\"") {
            i = skip_to(i + 3, "\"#", &mut out);
        } else if rest.starts_with("r\"") || rest.starts_with("b\"") {
            i += 1;
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            let j = j.min(b.len());
            out.extend(b[i..j].iter().filter(|c| **c == b'\n').map(|_| '\n'));
            i = j + 1;
        } else if let Some(len) = char_literal(rest) {
            i += len;
        } else {
            let c = rest.chars().next().expect("not at the end");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The length in bytes of the char literal `rest` starts with ('x', '\n', '\''), or `None`
/// (not a quote, or a lifetime such as `'a`).
fn char_literal(rest: &str) -> Option<usize> {
    let after = rest.strip_prefix('\'')?;
    if let Some(escaped) = after.strip_prefix('\\') {
        // The escaped character is ASCII; the literal closes at the next quote after it.
        return escaped.get(1..)?.find('\'').map(|k| k + 4);
    }
    let c = after.chars().next()?;
    after[c.len_utf8()..]
        .starts_with('\'')
        .then(|| c.len_utf8() + 2)
}

/// The top-level modules a piece of code names through `crate::`: `crate::gate::x`, and
/// each item of `use crate::{gate, model::Report}`.
fn crate_imports(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let preceded = code[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if preceded {
            continue;
        }
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if c.is_whitespace() => {}
                    _ if item_start => {
                        item_start = false;
                        let name = ident(&group[j..]);
                        if !name.is_empty() && name != "self" {
                            found.insert(name);
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

struct Tree {
    /// module -> (module it uses -> a file that does)
    imports: BTreeMap<String, BTreeMap<String, String>>,
    files: Vec<(PathBuf, String)>,
}

fn tree() -> Tree {
    let mut paths = Vec::new();
    rust_files(&src(), &mut paths);
    paths.sort();
    let mut imports: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut files = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("read a source file");
        let module = top_module(&path);
        if !matches!(module.as_str(), "lib" | "main" | "layers") {
            let rel = path
                .strip_prefix(src())
                .expect("under src/")
                .display()
                .to_string();
            let entry = imports.entry(module.clone()).or_default();
            for used in crate_imports(&code_of(&text)) {
                if used != module {
                    entry.entry(used).or_insert_with(|| rel.clone());
                }
            }
        }
        files.push((path, text));
    }
    Tree { imports, files }
}

#[test]
fn every_module_has_a_layer() {
    let unplaced: Vec<_> = tree()
        .imports
        .keys()
        .filter(|m| layer_of(m).is_none())
        .cloned()
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules missing from LAYERS: {unplaced:?}"
    );
}

#[test]
fn no_module_uses_a_higher_layer() {
    let mut wrong = Vec::new();
    for (module, uses) in &tree().imports {
        let Some(own) = layer_of(module) else {
            continue;
        };
        for (used, file) in uses {
            if layer_of(used).is_some_and(|l| l > own) {
                wrong.push(format!("{file}: `{module}` uses `{used}`, a higher layer"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_import_cycles_between_modules() {
    let imports = tree().imports;
    // Depth-first search for a back edge; report the cycle's path.
    fn visit(
        m: &str,
        imports: &BTreeMap<String, BTreeMap<String, String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut cycle = path[i..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for used in imports.get(m).into_iter().flat_map(|u| u.keys()) {
            if let Some(c) = visit(used, imports, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in imports.keys() {
        if let Some(cycle) = visit(m, &imports, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn no_file_is_too_long() {
    let long: Vec<_> = tree()
        .files
        .iter()
        .map(|(p, t)| (p.display().to_string(), t.lines().count()))
        .filter(|(_, n)| *n > MAX_FILE_LINES)
        .map(|(p, n)| format!("{p}: {n} lines"))
        .collect();
    assert!(
        long.is_empty(),
        "over {MAX_FILE_LINES} lines:\n{}",
        long.join("\n")
    );
}

/// `(name, lines)` of each `fn` in `text` whose body starts on its line: from the `fn` line
/// to the line of the brace that closes it at the same indentation.
fn functions(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let Some(at) = trimmed.find("fn ") else {
            continue;
        };
        let head = &trimmed[..at];
        let is_item = head.split_whitespace().all(|w| {
            matches!(
                w,
                "pub"
                    | "pub(crate)"
                    | "pub(super)"
                    | "const"
                    | "unsafe"
                    | "async"
                    | "extern"
                    | "\"C\""
            )
        });
        if !is_item {
            continue;
        }
        let name: String = trimmed[at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // A declaration without a body (a trait's required method) ends with `;` before any `{`.
        let declaration = lines[i..]
            .iter()
            .map(|l| l.trim_end())
            .find(|l| l.contains('{') || l.ends_with(';'))
            .is_some_and(|l| !l.contains('{'));
        if declaration {
            continue;
        }
        let close = format!("{}}}", " ".repeat(indent));
        if let Some(end) = lines[i..].iter().position(|l| l.trim_end() == close) {
            out.push((name, end + 1));
        }
    }
    out
}

#[test]
fn no_function_is_too_long() {
    let mut long = Vec::new();
    for (path, text) in &tree().files {
        let rel = path
            .strip_prefix(src())
            .expect("under src/")
            .display()
            .to_string();
        let code = match text.find("#[cfg(test)]\nmod tests") {
            Some(i) => &text[..i],
            None => text,
        };
        for (name, n) in functions(code) {
            let allowed = LONG_FUNCTIONS
                .iter()
                .any(|(f, _)| *f == format!("{rel}:{name}"));
            if n > MAX_FN_LINES && !allowed {
                long.push(format!("{rel}: fn {name}: {n} lines"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "over {MAX_FN_LINES} lines (split it, or list it in LONG_FUNCTIONS with why):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_checks_see_what_they_check() {
    // The import scanner: paths, groups, nested groups; not comments or strings.
    let code = code_of(
        "use crate::{gate::{a, b}, model::Report, self};\n// crate::render\nlet s = \"crate::cli \\\" crate::git\";\nlet q = '\"'; let r = r#\"crate::ci\"#;\nfn f<'a>() { crate::stats::median(x); my_crate::x(); }",
    );
    let found: Vec<_> = crate_imports(&code).into_iter().collect();
    assert_eq!(found, ["gate", "model", "stats"]);
    // The function measurer counts from `fn` to its closing brace.
    let fns = functions("fn a() {\n    x;\n}\n    pub fn b() {\n    }\n");
    assert_eq!(fns, [("a".to_string(), 3), ("b".to_string(), 2)]);
    // The real tree has modules in several layers and at least one import between them.
    let t = tree();
    assert!(t.imports.len() >= 10, "{:?}", t.imports.keys());
    assert!(t.imports["gate"].contains_key("model"));
}

#[test]
#[ignore = "prints the module graph: cargo test --lib layers::print_graph -- --ignored --nocapture"]
fn print_graph() {
    for (module, uses) in &tree().imports {
        let names: Vec<_> = uses.keys().map(String::as_str).collect();
        println!(
            "{module} (layer {:?}) -> {}",
            layer_of(module),
            names.join(", ")
        );
    }
}
