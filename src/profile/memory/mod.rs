//! The heap-memory profile of a benchmark's command: the bytes live at the heap's peak, by
//! the call stack that allocated them. heaptrack when it is installed (fast: it preloads a
//! library into the program), else valgrind's massif (slower, but it comes with valgrind and
//! follows child processes). `PERFGATE_MEMORY_PROFILER=heaptrack|massif` picks one.
//!
//! One run of the command is profiled: heap profiles of the same input repeat closely.
//! Frames are named as people read them (demangled, Rust hashes stripped), and each stack
//! ends at the allocation site: the program's own frame that called into the allocator, with
//! the standard library's frames below it (`Vec::with_capacity`, `std::vector`'s
//! constructor, `RawVecInner::try_allocate_in`...) left out, so that the function that grew
//! most is the one in the program that allocates more.

mod demangle;
pub mod heaptrack;
pub mod massif;

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{symbols, Limits, Recorded, StackUnit, Stacks};
use crate::config::{BenchSpec, Exec};
use crate::runner::{Executor, RunMeasurement, RunRequest};

/// The environment variable that forces a profiler: `heaptrack` or `massif`.
pub const PROFILER_VAR: &str = "PERFGATE_MEMORY_PROFILER";

/// How much longer a run may take under each profiler than the benchmark's time-out.
const HEAPTRACK_SLOWDOWN: u32 = 20;
const MASSIF_SLOWDOWN: u32 = 100;

/// A heaptrack log is read uncompressed; it may be this many times the size limit of the
/// compressed file (it compresses about 5-10x).
const UNCOMPRESSED_FACTOR: u64 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profiler {
    Heaptrack,
    Massif,
}

/// Records the heap profile of one run of `spec`'s command.
pub fn record(
    spec: &BenchSpec,
    limits: &Limits,
    exec: &mut dyn Executor,
) -> Result<Recorded, String> {
    let forced = std::env::var(PROFILER_VAR).ok();
    let (profiler, why) = choose(forced.as_deref(), &spec.exec)?;
    match profiler {
        Profiler::Heaptrack => record_heaptrack(spec, limits, exec, why),
        Profiler::Massif => record_massif(spec, limits, exec, why),
    }
}

/// Which profiler, and why: the one `forced` names, else heaptrack when installed (not for
/// a shell command: heaptrack would profile the shell only), else massif.
fn choose(forced: Option<&str>, exec: &Exec) -> Result<(Profiler, String), String> {
    match forced.map(str::trim).filter(|f| !f.is_empty()) {
        Some("heaptrack") => Ok((Profiler::Heaptrack, format!("{PROFILER_VAR}=heaptrack"))),
        Some("massif") => Ok((Profiler::Massif, format!("{PROFILER_VAR}=massif"))),
        Some(other) => Err(format!(
            "memory profile: {PROFILER_VAR}={other} is not a memory profiler perfgate knows (heaptrack or massif)"
        )),
        None => {
            let shell = matches!(exec, Exec::Shell(_));
            if !shell && version("heaptrack").is_some() {
                Ok((Profiler::Heaptrack, "heaptrack is installed".into()))
            } else if version("valgrind").is_some() {
                let why = if shell {
                    "a shell command: heaptrack would profile the shell alone; massif follows the programs it starts"
                } else {
                    "heaptrack not found; massif always works with valgrind"
                };
                Ok((Profiler::Massif, why.into()))
            } else {
                Err("memory profile: neither heaptrack nor valgrind is installed (apt-get install heaptrack valgrind)".into())
            }
        }
    }
}

/// The first line of `tool --version`, when it runs.
fn version(tool: &str) -> Option<String> {
    crate::runner::wrapped::tool_version(tool, "--version").ok()
}

fn record_heaptrack(
    spec: &BenchSpec,
    limits: &Limits,
    exec: &mut dyn Executor,
    why: String,
) -> Result<Recorded, String> {
    let version = version("heaptrack")
        .ok_or("memory profile: heaptrack is not installed (apt-get install heaptrack)")?;
    if matches!(spec.exec, Exec::Shell(_)) {
        return Err(format!(
            "memory profile: heaptrack would profile the shell of a shell command, not the programs it starts; use massif ({PROFILER_VAR}=massif)"
        ));
    }
    let dir = crate::tmpdir::create().map_err(|e| format!("memory profile: {e}"))?;
    let log_path = dir.path().join("heaptrack.log");
    // heaptrack says what went wrong on its stdout, which is kept in a file.
    let log = File::create(&log_path).map_err(|e| format!("memory profile: {e}"))?;
    let prefix = ["heaptrack", "-o"].map(String::from).to_vec();
    let output = dir.path().join("heaptrack");
    let mut tool = prefix;
    tool.push(output.display().to_string());
    let m = run_heaptrack(spec, tool, &log, exec);
    if !m.outcome.success() {
        // Its own complaints start with `Error`; the rest of the file is the program's
        // output and heaptrack's usage text.
        let said = std::fs::read_to_string(&log_path).unwrap_or_default();
        let error = said.lines().rfind(|l| l.trim_start().starts_with("Error"));
        return Err(failed("heaptrack", &m, error.unwrap_or("")));
    }
    let file = heaptrack_file(dir.path())?;
    check_size(&file, limits.max_bytes, "heaptrack")?;
    let peak = read_heaptrack(&file, limits.max_bytes.saturating_mul(UNCOMPRESSED_FACTOR))?;
    let used: BTreeSet<usize> = peak
        .stacks
        .iter()
        .flat_map(|(s, _)| s.iter().copied())
        .collect();
    let used: Vec<usize> = used.into_iter().collect();
    let raw: Vec<String> = used.iter().map(|&i| peak.names[i].clone()).collect();
    let (demangled, note) = demangle::demangle(&raw);
    let mut names = peak.names.clone();
    for (&i, name) in used.iter().zip(demangled) {
        names[i] = frame_name(&name);
    }
    let folded = heaptrack::fold(&peak, &names);
    Ok(recorded(
        folded,
        format!(
            "{version} (peak heap{})",
            note.map(|n| format!("; {n}")).unwrap_or_default()
        ),
        why,
    ))
}

/// The file heaptrack wrote: `heaptrack.zst` or `heaptrack.gz`, as its compressor goes.
fn heaptrack_file(dir: &Path) -> Result<PathBuf, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("memory profile: {e}"))?;
    entries
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("heaptrack.") && n != "heaptrack.log")
        })
        .ok_or_else(|| "memory profile: heaptrack wrote no output file".to_string())
}

/// Decompresses heaptrack's file with the tool its magic number names and reads it.
fn read_heaptrack(file: &Path, max_bytes: u64) -> Result<heaptrack::Peak, String> {
    let mut magic = [0u8; 4];
    let n = File::open(file)
        .and_then(|mut f| f.read(&mut magic))
        .map_err(|e| format!("memory profile: {}: {e}", file.display()))?;
    let tool = match &magic[..n] {
        [0x28, 0xb5, 0x2f, 0xfd] => "zstd",
        [0x1f, 0x8b, ..] => "gzip",
        _ => {
            let f = File::open(file).map_err(|e| format!("memory profile: {e}"))?;
            return heaptrack::parse(BufReader::new(f), max_bytes)
                .map_err(|e| format!("memory profile: {e}"));
        }
    };
    let mut child = Command::new(tool)
        .arg("-dc")
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            format!("memory profile: heaptrack's output is {tool}-compressed and `{tool}` could not be run ({e})")
        })?;
    let stdout = child.stdout.take().ok_or("memory profile: no pipe")?;
    let parsed = heaptrack::parse(BufReader::new(stdout), max_bytes);
    if parsed.is_err() {
        let _ = child.kill();
    }
    let status = child.wait().map_err(|e| format!("memory profile: {e}"))?;
    let peak = parsed.map_err(|e| format!("memory profile: {e}"))?;
    if !status.success() {
        return Err(format!(
            "memory profile: `{tool} -dc {}` failed ({status})",
            file.display()
        ));
    }
    Ok(peak)
}

fn record_massif(
    spec: &BenchSpec,
    limits: &Limits,
    exec: &mut dyn Executor,
    why: String,
) -> Result<Recorded, String> {
    let version = version("valgrind")
        .ok_or("memory profile: valgrind is not installed (apt-get install valgrind)")?;
    let dir = crate::tmpdir::create().map_err(|e| format!("memory profile: {e}"))?;
    let at = |name: &str| dir.path().join(name).display().to_string();
    let tool = vec![
        "valgrind".to_string(),
        "--tool=massif".to_string(),
        // One file per process: a shell command's programs are its children.
        "--trace-children=yes".to_string(),
        format!("--massif-out-file={}", at("massif.%p.out")),
        // Deep enough for Rust's inlined frames between main and the allocation.
        "--depth=64".to_string(),
        // Sites under 0.1% of the peak are merged into their caller.
        "--threshold=0.1".to_string(),
        // Source files with their whole path, to tell the standard libraries' frames.
        "--fullpath-after=".to_string(),
        format!("--log-file={}", at("valgrind.%p.log")),
        "--".to_string(),
    ];
    let m = crate::runner::wrapped::run_under(spec, &spec.env, exec, tool, (MASSIF_SLOWDOWN, 1));
    if !m.outcome.success() {
        let last = files(dir.path(), "valgrind.")
            .iter()
            .rev()
            .find_map(|p| valgrind_said(&std::fs::read_to_string(p).unwrap_or_default()))
            // valgrind says on stderr what kept it from starting (its log is not open yet),
            // and the program's own complaints are there too.
            .unwrap_or_else(|| m.stderr_tail.clone());
        return Err(failed("massif", &m, &last));
    }
    let outputs = files(dir.path(), "massif.");
    if outputs.is_empty() {
        return Err("memory profile: massif wrote no output file".into());
    }
    let mut best: Option<massif::Peak> = None;
    for path in &outputs {
        check_size(path, limits.max_bytes, "massif")?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("memory profile: {}: {e}", path.display()))?;
        let peak =
            massif::parse(&text).map_err(|e| format!("memory profile: {}: {e}", path.display()))?;
        if let Some(peak) = peak {
            if best.as_ref().is_none_or(|b| peak.heap_bytes > b.heap_bytes) {
                best = Some(peak);
            }
        }
    }
    let processes = if outputs.len() > 1 {
        format!("; the largest heap of {} processes", outputs.len())
    } else {
        String::new()
    };
    Ok(recorded(
        best.map(|b| b.folded).unwrap_or_default(),
        format!("{version} massif (peak snapshot{processes})"),
        why,
    ))
}

fn recorded(
    folded: std::collections::BTreeMap<String, u64>,
    tool: String,
    why: String,
) -> Recorded {
    Recorded {
        stacks: Stacks {
            unit: StackUnit::Bytes,
            folded,
            runs: 1,
        },
        tool,
        why,
    }
}

/// One run of `spec`'s command under heaptrack (`tool`: its command line), with heaptrack's
/// stdout (its complaints, and the program's output) written to `stdout`.
fn run_heaptrack(
    spec: &BenchSpec,
    mut tool: Vec<String>,
    stdout: &File,
    exec: &mut dyn Executor,
) -> RunMeasurement {
    match &spec.exec {
        Exec::Argv(argv) => tool.extend(argv.iter().cloned()),
        Exec::Shell(script) => tool.extend(["sh".to_string(), "-c".to_string(), script.clone()]),
    }
    let wrapped = Exec::Argv(tool);
    exec.run(&RunRequest {
        timeout: spec.timeout.map(|t| t * HEAPTRACK_SLOWDOWN),
        capture_stdout: Some(stdout),
        ..RunRequest::of(spec, &wrapped)
    })
}

fn failed(tool: &str, m: &RunMeasurement, last: &str) -> String {
    let last = last.trim();
    format!(
        "memory profile: the run under {tool} {}{}",
        m.outcome.describe(),
        if last.is_empty() {
            String::new()
        } else {
            format!(": {last}")
        }
    )
}

/// valgrind's banner: the lines of its log that every run writes.
const BANNER: [&str; 5] = [
    "Massif, a heap profiler",
    "Copyright (C)",
    "Using Valgrind-",
    "Command: ",
    "Parent PID: ",
];

/// The last line of valgrind's log that says something (its `==PID== ` prefix dropped).
fn valgrind_said(log: &str) -> Option<String> {
    log.lines()
        .map(|l| match l.strip_prefix("==") {
            Some(rest) => rest.split_once("== ").map_or("", |(_, said)| said),
            None => l,
        })
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !BANNER.iter().any(|b| l.starts_with(b)))
        .map(str::to_string)
}

/// The files in `dir` whose names start with `prefix`, sorted.
fn files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(prefix))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

fn check_size(path: &Path, max_bytes: u64, tool: &str) -> Result<(), String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("memory profile: {}: {e}", path.display()))?
        .len();
    if size > max_bytes {
        return Err(format!(
            "memory profile: {tool}'s output is {size} bytes, over the limit of {max_bytes} bytes"
        ));
    }
    Ok(())
}

/// A frame as it goes into a folded stack: Rust hash stripped, and no `;` (the frame
/// separator; Rust array types have one, `[u8; 16]`).
fn frame_name(name: &str) -> String {
    symbols::clean(name).replace(';', ",")
}

/// A valgrind label's name and source file: `f (src/a.rs:10)` -> (`f`, `src/a.rs`);
/// `f (in /lib/x.so)` -> (`f`, none).
fn split_location(label: &str) -> (&str, Option<&str>) {
    let label = label.trim();
    if let Some(open) = label.rfind(" (") {
        if let Some(inner) = label[open + 2..].strip_suffix(')') {
            if inner.starts_with("in ") {
                return (&label[..open], None);
            }
            if let Some((file, line)) = inner.rsplit_once(':') {
                if !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) {
                    return (&label[..open], Some(file));
                }
            }
        }
    }
    (label, None)
}

/// Whether a frame is the toolchain's library rather than the program's own code: its
/// source is Rust's standard library (`/rustc/<commit>/library/...`, or `library/...` in
/// the precompiled std) or the C++ standard library's headers (`.../include/c++/...`), or
/// it has no source file (no debug information: the C library, std's precompiled code).
fn is_library(file: Option<&str>) -> bool {
    file.is_none_or(|f| {
        f.starts_with("/rustc/")
            || ["library/alloc/", "library/core/", "library/std/"]
                .iter()
                .any(|std| f.starts_with(std) || f.contains(&format!("/{std}")))
            || f.contains("/include/c++/")
    })
}

/// How many of a stack's innermost frames (given innermost first) to leave out so that it
/// ends at the allocation site: the program's frame that called into the standard
/// library's allocating code (`Vec::with_capacity`, `std::vector`'s constructor...). All of
/// them are kept when no frame has a source file of the program's own.
fn library_frames(library: impl IntoIterator<Item = bool>) -> usize {
    library.into_iter().position(|l| !l).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profiler_is_forced_or_chosen_and_unknown_names_are_refused() {
        let argv = Exec::Argv(vec!["./a".into()]);
        assert_eq!(choose(Some("massif"), &argv).unwrap().0, Profiler::Massif);
        assert_eq!(
            choose(Some("heaptrack"), &argv).unwrap(),
            (
                Profiler::Heaptrack,
                "PERFGATE_MEMORY_PROFILER=heaptrack".to_string()
            )
        );
        assert_eq!(
            choose(Some("dhat"), &argv).unwrap_err(),
            "memory profile: PERFGATE_MEMORY_PROFILER=dhat is not a memory profiler perfgate knows (heaptrack or massif)"
        );
    }

    #[test]
    fn locations_are_split_from_valgrind_names() {
        assert_eq!(
            split_location("buffer::make_buffer (/tmp/b/buffer.rs:10)"),
            ("buffer::make_buffer", Some("/tmp/b/buffer.rs"))
        );
        assert_eq!(split_location("main (in /tmp/x/buffer)"), ("main", None));
        assert_eq!(
            split_location("std::vector<int>::push_back(int const&) (stl_vector.h:1198)"),
            (
                "std::vector<int>::push_back(int const&)",
                Some("stl_vector.h")
            )
        );
        assert_eq!(split_location("f(int) (x)"), ("f(int) (x)", None));
        assert_eq!(
            frame_name("g::<[u8; 4]>::h0123456789abcdef"),
            "g::<[u8, 4]>"
        );
    }

    #[test]
    fn stacks_end_at_the_programs_own_frame() {
        let rust_std = Some("/rustc/5980/library/alloc/src/raw_vec/mod.rs");
        assert!(is_library(rust_std));
        assert!(is_library(Some("library/std/src/rt.rs")));
        assert!(is_library(Some("/usr/include/c++/12/bits/stl_vector.h")));
        assert!(is_library(None));
        assert!(!is_library(Some("/tmp/b/buffer.rs")));
        assert!(!is_library(Some("src/library/mod.rs")));
        // try_allocate_in (no file), with_capacity_zeroed_in (std), make_buffer (ours), main.
        assert_eq!(library_frames([true, true, false, false]), 2);
        // No debug information at all: nothing is left out.
        assert_eq!(library_frames([true, true, true]), 0);
    }

    #[test]
    fn the_last_said_line_of_a_log_is_kept() {
        assert_eq!(
            valgrind_said("==12== Massif\n==12== valgrind: m_x: bad thing\n==12== \n").as_deref(),
            Some("valgrind: m_x: bad thing")
        );
        assert_eq!(
            valgrind_said("Error: Debuggee \"./x\" was not found.\n\n").as_deref(),
            Some("Error: Debuggee \"./x\" was not found.")
        );
        assert_eq!(valgrind_said("\n"), None);
        assert_eq!(
            valgrind_said("==7== Massif, a heap profiler\n==7== Command: ./x\n==7== \n"),
            None
        );
    }
}
