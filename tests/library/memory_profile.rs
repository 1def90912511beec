//! Heap-memory profiles (`perfgate::profile::memory`): the parsers on real outputs of
//! valgrind's massif and heaptrack (tests/fixtures/profile, see its README), and `record` on
//! a real program whose buffer grew 4x, under both profilers: the profile must name the
//! function that allocated the buffer, with its bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use perfgate::config::{BenchSpec, Exec};
use perfgate::profile::memory::{self, heaptrack, massif};
use perfgate::profile::{Limits, Recorded, StackUnit};
use perfgate::runner::ProcessExecutor;

use crate::common::have_tool;

const MIB: u64 = 1 << 20;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/profile")
        .join(name)
}

/// The stack through `buffer::make_buffer` in massif.out: outermost first, as valgrind
/// names the frames, ending at the program's own frame that allocated (the standard
/// library's `from_elem`, `with_capacity_zeroed_in` and `RawVecInner::try_allocate_in` below
/// it are left out).
const MASSIF_BUFFER_STACK: &str = "main;std::rt::lang_start_internal;\
catch_unwind<std::rt::lang_start_internal::{closure_env#0}, isize>;\
catch_unwind<isize, std::rt::lang_start_internal::{closure_env#0}>;\
do_call<std::rt::lang_start_internal::{closure_env#0}, isize>;{closure#0};\
catch_unwind<&(dyn core::ops::function::Fn<(), Output=i32> + core::marker::Sync + core::panic::unwind_safe::RefUnwindSafe), i32>;\
catch_unwind<i32, &(dyn core::ops::function::Fn<(), Output=i32> + core::marker::Sync + core::panic::unwind_safe::RefUnwindSafe)>;\
do_call<&(dyn core::ops::function::Fn<(), Output=i32> + core::marker::Sync + core::panic::unwind_safe::RefUnwindSafe), i32>;\
call_once<(), (dyn core::ops::function::Fn<(), Output=i32> + core::marker::Sync + core::panic::unwind_safe::RefUnwindSafe)>;\
std::rt::lang_start::{{closure}};std::sys::backtrace::__rust_begin_short_backtrace;call_once<fn(), ()>;\
buffer::main;buffer::make_buffer";

#[test]
fn the_massif_fixtures_peak_snapshot_is_folded_exactly() {
    let text = std::fs::read_to_string(fixture("massif.out")).unwrap();
    let peak = massif::parse(&text).unwrap().expect("a peak snapshot");
    // snapshot=57, heap_tree=peak: mem_heap_B=4199952; the tree's root has two children,
    // the buffer (4194304 = 4 MiB) and 5648 bytes in 11 places below the 0.1% threshold.
    assert_eq!(peak.heap_bytes, 4_199_952);
    let got: Vec<(&str, u64)> = peak.folded.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        got,
        vec![
            (massif::BELOW_THRESHOLD, 5648),
            (MASSIF_BUFFER_STACK, 4_194_304),
        ]
    );
}

#[test]
fn the_heaptrack_fixtures_peak_is_heaptrack_prints_own() {
    let file = std::fs::File::open(fixture("heaptrack.txt")).unwrap();
    let peak = heaptrack::parse(std::io::BufReader::new(file), 1 << 30).unwrap();
    // heaptrack_print's `--flamegraph-cost-type peak -F` on the same recording: these
    // weights per backtrace, 4272656 in all (see the fixture's README).
    assert_eq!(peak.heap_bytes, 4_272_656);
    let mut bytes: Vec<u64> = peak.stacks.iter().map(|(_, b)| *b).collect();
    bytes.sort_unstable();
    assert_eq!(bytes, vec![4, 500, 544, 1000, 1200, 2400, 72704, 4_194_304]);
    let folded = heaptrack::fold(&peak, &peak.names);
    let (buffer, bytes) = folded
        .iter()
        .find(|(k, _)| k.contains("make_buffer"))
        .unwrap();
    assert_eq!(*bytes, 4_194_304);
    // Outermost first, each address's inlined functions in calling order (heaptrack_print
    // -F reverses those: `lang_start::{{closure}};call_once;__rust_begin_short_backtrace;
    // main`), and the standard library's frames below make_buffer left out.
    let frames: Vec<&str> = buffer.split(';').collect();
    let at = frames.len() - 1;
    assert!(frames[at].starts_with("buffer::make_buffer::h"), "{buffer}");
    assert!(frames[at - 1].starts_with("buffer::main::h"), "{buffer}");
    assert!(
        frames[at - 2].starts_with("core::ops::function::FnOnce::call_once::h"),
        "{buffer}"
    );
    assert!(
        frames[at - 3].starts_with("std::sys::backtrace::__rust_begin_short_backtrace::h"),
        "{buffer}"
    );
    assert!(
        frames[at - 4].starts_with("std::rt::lang_start::_$u7b$$u7b$closure$u7d$$u7d$::h"),
        "{buffer}"
    );
    assert_eq!(frames[0], "main");
}

/// The fixture program built as is (`base`: a 4 MiB buffer) and with a buffer 4x larger
/// (`grown`: 16 MiB), with `rustc -g -C opt-level=1`, once per test binary.
fn programs() -> &'static (PathBuf, PathBuf) {
    static BUILT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("memory-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let source = std::fs::read_to_string(fixture("buffer.rs")).unwrap();
        let build = |name: &str, source: &str| {
            let src = dir.join(format!("{name}.rs"));
            std::fs::write(&src, source).unwrap();
            let exe = dir.join(name);
            let status = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
                .args(["-g", "-C", "opt-level=1", "--crate-name", "buffer", "-o"])
                .arg(&exe)
                .arg(&src)
                .status()
                .expect("rustc runs");
            assert!(status.success(), "compiling {name}.rs failed");
            exe
        };
        let grown = source.replace(
            "const BUFFER: usize = 4 << 20;",
            "const BUFFER: usize = 16 << 20;",
        );
        assert_ne!(grown, source, "buffer.rs sets BUFFER to 4 << 20");
        (build("base", &source), build("grown", &grown))
    })
}

/// `PERFGATE_MEMORY_PROFILER` is the process's: the tests that set it take turns.
static PROFILER_VAR: Mutex<()> = Mutex::new(());

fn record_with(profiler: Option<&str>, exec: Exec, limits: &Limits) -> Result<Recorded, String> {
    let _turn = PROFILER_VAR
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match profiler {
        Some(p) => std::env::set_var(memory::PROFILER_VAR, p),
        None => std::env::remove_var(memory::PROFILER_VAR),
    }
    let cwd = std::env::temp_dir();
    let spec = BenchSpec::adhoc("buffer".into(), exec, cwd, None);
    let mut executor = ProcessExecutor::new(false).unwrap();
    let recorded = memory::record(&spec, limits, &mut executor);
    std::env::remove_var(memory::PROFILER_VAR);
    recorded
}

fn record(profiler: &str, program: &Path) -> Recorded {
    let exec = Exec::Argv(vec![program.display().to_string()]);
    let recorded = record_with(Some(profiler), exec, &Limits::default())
        .unwrap_or_else(|e| panic!("{profiler}: {e}"));
    assert_eq!(recorded.stacks.unit, StackUnit::Bytes);
    assert_eq!(recorded.stacks.runs, 1);
    assert_eq!(recorded.why, format!("PERFGATE_MEMORY_PROFILER={profiler}"));
    recorded
}

/// Each function's inclusive bytes: the sum over the stacks it is in (once per stack).
fn inclusive(folded: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (stack, bytes) in folded {
        let frames: BTreeSet<&str> = stack.split(';').collect();
        for frame in frames {
            *out.entry(frame.to_string()).or_insert(0) += bytes;
        }
    }
    out
}

fn within(got: u64, want: u64, percent: f64) -> bool {
    (got as f64 - want as f64).abs() <= want as f64 * percent / 100.0
}

/// What both profilers must find: `buffer::make_buffer`'s bytes (4 MiB, then 16 MiB), it
/// among the functions that grew most (all those on the buffer's stack grew as much), the
/// small allocations elsewhere not grown, and every name demangled.
fn assert_names_the_buffer(profiler: &str, base: &Recorded, grown: &Recorded) {
    let before = inclusive(&base.stacks.folded);
    let after = inclusive(&grown.stacks.folded);
    let site = "buffer::make_buffer";
    let b = before.get(site).copied().unwrap_or(0);
    let a = after.get(site).copied().unwrap_or(0);
    assert!(
        within(b, 4 * MIB, 2.0),
        "{profiler}: {site} held {b} bytes before"
    );
    assert!(
        within(a, 16 * MIB, 2.0),
        "{profiler}: {site} held {a} bytes after"
    );
    let growth = |f: &str| {
        after.get(f).copied().unwrap_or(0) as i64 - before.get(f).copied().unwrap_or(0) as i64
    };
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let most = names.iter().map(|f| growth(f)).max().unwrap();
    assert_eq!(growth(site), most, "{profiler}: another function grew more");
    assert!(
        within(most as u64, 12 * MIB, 2.0),
        "{profiler}: grew {most}"
    );
    // The stack that grew most has main calling make_buffer, in that order.
    let top = grown
        .stacks
        .folded
        .iter()
        .max_by_key(|(_, bytes)| **bytes)
        .unwrap()
        .0;
    assert!(
        top.ends_with(";buffer::main;buffer::make_buffer"),
        "{profiler}: {top}"
    );
    // perfgate's summary of what grew (profile::grown) names the site first.
    let costs = |r: &Recorded| perfgate::profile::grown::costs(&r.stacks.folded, 1, 1.0);
    let grew = perfgate::profile::grown::grown(&costs(base), &costs(grown), 3);
    assert_eq!(grew[0].function, site, "{profiler}: {grew:?}");
    assert_eq!(grew[0].delta, (12 * MIB) as f64, "{profiler}: {grew:?}");
    assert!(
        growth("buffer::small_names").abs() < 1024,
        "{profiler}: small_names grew {}",
        growth("buffer::small_names")
    );
    for frame in names {
        assert!(
            !frame.contains("_ZN")
                && !frame.starts_with("_R")
                && !frame.contains("$LT$")
                && !frame.contains("$u7b$")
                && perfgate::profile::symbols::clean(frame) == **frame,
            "{profiler}: `{frame}` is not demangled"
        );
    }
}

#[test]
fn heaptrack_names_the_buffer_that_grew_4x() {
    if !have_tool("heaptrack", "--version", "heap-memory profiles") {
        return;
    }
    let (base, grown) = programs();
    let before = record("heaptrack", base);
    let after = record("heaptrack", grown);
    assert!(before.tool.starts_with("heaptrack "), "{}", before.tool);
    assert!(before.tool.contains("(peak heap"), "{}", before.tool);
    assert_names_the_buffer("heaptrack", &before, &after);
}

#[test]
fn massif_names_the_buffer_that_grew_4x() {
    if !have_tool("valgrind", "--version", "heap-memory profiles") {
        return;
    }
    let (base, grown) = programs();
    let before = record("massif", base);
    let after = record("massif", grown);
    assert!(before.tool.starts_with("valgrind-"), "{}", before.tool);
    assert!(
        before.tool.ends_with(" massif (peak snapshot)"),
        "{}",
        before.tool
    );
    assert_names_the_buffer("massif", &before, &after);
}

#[test]
fn a_shell_command_is_profiled_by_massif_through_the_shell() {
    if !have_tool("valgrind", "--version", "heap-memory profiles") {
        return;
    }
    let (base, _) = programs();
    let script = format!("{} && true", base.display());
    let recorded = record_with(None, Exec::Shell(script), &Limits::default()).unwrap();
    assert!(
        recorded.tool.contains(" massif (peak snapshot"),
        "{}",
        recorded.tool
    );
    assert!(
        recorded.why.starts_with("a shell command"),
        "{}",
        recorded.why
    );
    let held = inclusive(&recorded.stacks.folded)
        .get("buffer::make_buffer")
        .copied()
        .unwrap_or(0);
    assert!(within(held, 4 * MIB, 2.0), "make_buffer held {held}");
}

#[test]
fn failures_are_one_line_reasons() {
    let limits = Limits::default();
    let err = record_with(Some("dhat"), Exec::Argv(vec!["true".into()]), &limits).unwrap_err();
    assert_eq!(
        err,
        "memory profile: PERFGATE_MEMORY_PROFILER=dhat is not a memory profiler perfgate knows (heaptrack or massif)"
    );
    if have_tool("heaptrack", "--version", "heap-memory profiles") {
        let missing = Exec::Argv(vec!["./no-such-program".into()]);
        let err = record_with(Some("heaptrack"), missing, &limits).unwrap_err();
        assert_eq!(
            err,
            "memory profile: the run under heaptrack exited with status 1: Error: Debuggee \"./no-such-program\" was not found."
        );
        let shell = Exec::Shell("true".into());
        let err = record_with(Some("heaptrack"), shell, &limits).unwrap_err();
        assert!(err.contains("use massif"), "{err}");
    }
    if have_tool("valgrind", "--version", "heap-memory profiles") {
        let failing = Exec::Argv(vec!["sh".into(), "-c".into(), "exit 3".into()]);
        let err = record_with(Some("massif"), failing, &limits).unwrap_err();
        assert_eq!(
            err,
            "memory profile: the run under massif exited with status 3"
        );
        let missing = Exec::Argv(vec!["./no-such-program".into()]);
        let err = record_with(Some("massif"), missing, &limits).unwrap_err();
        assert_eq!(
            err,
            "memory profile: the run under massif exited with status 127: valgrind: ./no-such-program: No such file or directory"
        );
        let (base, _) = programs();
        let small = Limits {
            max_bytes: 1000,
            ..Limits::default()
        };
        let exec = Exec::Argv(vec![base.display().to_string()]);
        let err = record_with(Some("massif"), exec, &small).unwrap_err();
        assert!(
            err.starts_with("memory profile: massif's output is ")
                && err.ends_with(" bytes, over the limit of 1000 bytes"),
            "{err}"
        );
    }
}

/// The fixtures mutated (cut short, bytes flipped, deleted or duplicated): each parser
/// returns a result or a one-line error, and never panics.
#[test]
fn mutated_outputs_give_results_or_one_line_errors() {
    let mut rng = perfgate::stats::SplitMix64::new(16);
    for name in ["massif.out", "heaptrack.txt"] {
        let original = std::fs::read(fixture(name)).unwrap();
        for case in 0..400 {
            let mut bytes = original.clone();
            match case % 4 {
                0 => bytes.truncate(rng.below(bytes.len())),
                1 => {
                    for _ in 0..8 {
                        let at = rng.below(bytes.len());
                        bytes[at] ^= 1 << rng.below(8);
                    }
                }
                2 => {
                    let at = rng.below(bytes.len());
                    let end = (at + rng.below(64)).min(bytes.len());
                    bytes.drain(at..end);
                }
                _ => {
                    let at = rng.below(bytes.len());
                    let end = (at + rng.below(256)).min(bytes.len());
                    let copy = bytes[at..end].to_vec();
                    let to = rng.below(bytes.len());
                    bytes.splice(to..to, copy);
                }
            }
            let outcome = std::panic::catch_unwind(|| {
                if name == "massif.out" {
                    massif::parse(&String::from_utf8_lossy(&bytes)).map(|_| ())
                } else {
                    heaptrack::parse(&bytes[..], 1 << 30).map(|_| ())
                }
            });
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(e)) => assert!(
                    !e.is_empty() && !e.contains('\n'),
                    "{name}, case {case}: `{e}`"
                ),
                Err(_) => panic!("{name}, case {case}: the parser panicked"),
            }
        }
    }
}

/// C++ frames come demangled too: `buffer.cpp` (the C++ twin of buffer.rs) built with
/// `g++ -g -O1`, its 4 MiB buffer found under `buffer::make_buffer(unsigned long)`.
#[test]
fn a_cpp_programs_allocation_site_is_named_demangled() {
    if !have_tool("g++", "--version", "the C++ heap-profile test") {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let exe = dir.join(format!("buffer-cpp-{}", std::process::id()));
    let status = Command::new("g++")
        .args(["-g", "-O1", "-o"])
        .arg(&exe)
        .arg(fixture("buffer.cpp"))
        .status()
        .unwrap();
    assert!(status.success(), "compiling buffer.cpp failed");
    for (profiler, tool) in [("heaptrack", "heaptrack"), ("massif", "valgrind")] {
        if !have_tool(tool, "--version", "heap-memory profiles") {
            continue;
        }
        let recorded = record(profiler, &exe);
        let by_function = inclusive(&recorded.stacks.folded);
        let site = "buffer::make_buffer(unsigned long)";
        let held = by_function.get(site).copied().unwrap_or(0);
        assert!(within(held, 4 * MIB, 2.0), "{profiler}: {site} held {held}");
        let top = recorded
            .stacks
            .folded
            .iter()
            .max_by_key(|(_, bytes)| **bytes)
            .unwrap()
            .0;
        assert_eq!(top, "main;buffer::make_buffer(unsigned long)", "{profiler}");
        for frame in by_function.keys() {
            assert!(!frame.starts_with("_Z"), "{profiler}: `{frame}` is mangled");
        }
    }
    let _ = std::fs::remove_file(&exe);
}
