//! heaptrack: `heaptrack -o FILE CMD` preloads a library into the command that logs every
//! allocation and free with its backtrace, and writes the log, symbolised, to `FILE.zst`
//! (or `.gz`). The log is read here rather than through `heaptrack_print`, whose flame-graph
//! output (`-F`, `--flamegraph-cost-type peak`) has each frame's inlined functions in reverse
//! order in heaptrack 1.4.0, and whose text report rounds bytes to three digits.
//!
//! The log's lines (all numbers hexadecimal; strings, instruction pointers and traces are
//! numbered from 1 in the order they appear, allocation infos from 0):
//! - `s LEN TEXT`: a string (file format 3; `s TEXT` before);
//! - `i ADDR MODULE [FUNCTION [FILE LINE]] [FUNCTION FILE LINE]...`: an instruction pointer,
//!   its function (innermost) and the functions inlined there, outwards;
//! - `t IP PARENT`: a backtrace, the frame at `IP` called from trace `PARENT` (0: none);
//! - `a SIZE TRACE`: an allocation info; `+ INFO` / `- INFO`: one allocated / freed.
//!
//! The peak is heaptrack's: the first moment the bytes live reach their maximum; each
//! backtrace's bytes live at that moment are its weight.

use std::collections::BTreeMap;
use std::io::BufRead;

/// Frames outside `main`: the C library's start-up, the same in every profile.
const BELOW_MAIN: [&str; 4] = [
    "__libc_start_call_main",
    "__libc_start_main",
    "__libc_start_main_impl",
    "_start",
];

/// The heap at its peak: backtraces (function-name indices into `names`, innermost first)
/// with the bytes they held live.
#[derive(Debug, Clone, PartialEq)]
pub struct Peak {
    /// The log's strings; `names[0]` is `[unknown]`, for frames without a function name.
    pub names: Vec<String>,
    pub stacks: Vec<(Vec<usize>, u64)>,
    /// The bytes live at the peak in all.
    pub heap_bytes: u64,
}

#[derive(Default)]
struct Log {
    names: Vec<String>,
    /// Per instruction pointer: its functions and their source files, innermost first.
    ips: Vec<Vec<(usize, usize)>>,
    /// Per trace: (instruction pointer, parent trace).
    traces: Vec<(usize, usize)>,
    /// Per allocation info: (bytes, trace).
    infos: Vec<(u64, usize)>,
    file_version: u64,
}

/// Bytes live per trace, and as they were at the peak, kept without copying at each new
/// peak: a trace's value is saved the first time it changes after a peak.
#[derive(Default)]
struct Live {
    now: Vec<u64>,
    at_peak: Vec<u64>,
    /// The peak (numbered from 1) at which `at_peak` was saved.
    saved_for: Vec<u32>,
    peaks: u32,
    total: u64,
    max: u64,
}

impl Live {
    fn change(&mut self, trace: usize, grow: bool, bytes: u64) {
        if trace >= self.now.len() {
            let len = trace + 1;
            self.now.resize(len, 0);
            self.at_peak.resize(len, 0);
            self.saved_for.resize(len, 0);
        }
        if self.saved_for[trace] != self.peaks {
            self.at_peak[trace] = self.now[trace];
            self.saved_for[trace] = self.peaks;
        }
        if grow {
            self.now[trace] = self.now[trace].saturating_add(bytes);
            self.total = self.total.saturating_add(bytes);
            if self.total > self.max {
                self.max = self.total;
                self.peaks += 1;
            }
        } else {
            self.now[trace] = self.now[trace].saturating_sub(bytes);
            self.total = self.total.saturating_sub(bytes);
        }
    }

    fn peak_of(&self, trace: usize) -> u64 {
        if self.peaks == 0 {
            0
        } else if self.saved_for[trace] == self.peaks {
            self.at_peak[trace]
        } else {
            self.now[trace]
        }
    }
}

/// Reads a heaptrack log (decompressed) of at most `max_bytes` bytes.
pub fn parse(reader: impl BufRead, max_bytes: u64) -> Result<Peak, String> {
    let mut log = Log {
        names: vec!["[unknown]".to_string()],
        ips: vec![Vec::new()],
        traces: vec![(0, 0)],
        ..Log::default()
    };
    let mut live = Live::default();
    let mut read = 0u64;
    for (number, line) in reader.split(b'\n').enumerate() {
        let line = line.map_err(|e| format!("heaptrack's output could not be read ({e})"))?;
        read += line.len() as u64 + 1;
        if read > max_bytes {
            return Err(format!(
                "heaptrack's output is over {max_bytes} bytes uncompressed (the profile's size limit)"
            ));
        }
        let line = String::from_utf8_lossy(&line);
        log.line(&line, &mut live)
            .map_err(|why| format!("heaptrack's output, line {}: {why}", number + 1))?;
    }
    let mut stacks = Vec::new();
    for trace in 1..live.now.len() {
        let bytes = live.peak_of(trace);
        if bytes > 0 {
            let frames = log.backtrace(trace)?;
            let skip = super::library_frames(frames.iter().map(|&(_, file)| {
                super::is_library((file != 0).then(|| log.names[file].as_str()))
            }));
            let functions = frames[skip..].iter().map(|&(f, _)| f).collect();
            stacks.push((functions, bytes));
        }
    }
    Ok(Peak {
        names: log.names,
        stacks,
        heap_bytes: live.max,
    })
}

impl Log {
    fn line(&mut self, line: &str, live: &mut Live) -> Result<(), String> {
        let mut chars = line.chars();
        let kind = chars.next().unwrap_or(' ');
        let rest = chars.as_str();
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        let hex = |s: Option<&str>| -> Result<u64, String> {
            let s = s.ok_or_else(|| format!("`{line}` is short"))?;
            u64::from_str_radix(s, 16).map_err(|_| format!("`{s}` is not a hexadecimal number"))
        };
        let mut fields = rest.split(' ');
        match kind {
            'v' => {
                fields.next();
                self.file_version = hex(fields.next())?;
                if self.file_version < 1 {
                    return Err(format!(
                        "file format {} is too old (heaptrack 1.1 or newer is needed)",
                        self.file_version
                    ));
                }
            }
            's' => {
                let text = if self.file_version >= 3 {
                    rest.split_once(' ').map_or("", |(_, text)| text)
                } else {
                    rest
                };
                self.names.push(text.to_string());
            }
            'i' => {
                let numbers = fields
                    .map(|f| hex(Some(f)).map(|n| n as usize))
                    .collect::<Result<Vec<_>, _>>()?;
                self.ips.push(functions(&numbers));
            }
            't' => {
                let ip = hex(fields.next())? as usize;
                let parent = hex(fields.next())? as usize;
                self.traces.push((ip, parent));
            }
            'a' => {
                let size = hex(fields.next())?;
                let trace = hex(fields.next())? as usize;
                if trace >= self.traces.len() {
                    return Err(format!("trace {trace:x} is used before it is defined"));
                }
                self.infos.push((size, trace));
            }
            '+' | '-' => {
                let index = hex(fields.next())? as usize;
                let &(size, trace) = self
                    .infos
                    .get(index)
                    .ok_or_else(|| format!("allocation info {index:x} was never defined"))?;
                live.change(trace, kind == '+', size);
            }
            _ => {}
        }
        Ok(())
    }

    /// The functions of `trace` and their files, innermost first, up to `main`.
    fn backtrace(&self, mut trace: usize) -> Result<Vec<(usize, usize)>, String> {
        let mut out = Vec::new();
        let mut steps = 0;
        while trace != 0 {
            let &(ip, parent) = self
                .traces
                .get(trace)
                .ok_or_else(|| format!("heaptrack's output: trace {trace:x} is not defined"))?;
            let functions = self
                .ips
                .get(ip)
                .ok_or_else(|| format!("heaptrack's output: address {ip:x} is not defined"))?;
            for &(f, file) in functions {
                let known = |i: usize| if i < self.names.len() { i } else { 0 };
                let f = known(f);
                if BELOW_MAIN.contains(&self.names[f].as_str()) {
                    return Ok(out);
                }
                out.push((f, known(file)));
            }
            trace = parent;
            steps += 1;
            if steps > self.traces.len() {
                return Err("heaptrack's output: a backtrace loops".into());
            }
        }
        Ok(out)
    }
}

/// An `i` line's functions and their files (string indices, 0: none), innermost first,
/// from its numbers: address, module, then function [file line], then (function file line)
/// per inlined frame.
fn functions(numbers: &[usize]) -> Vec<(usize, usize)> {
    let Some(after_module) = numbers.get(2..) else {
        return vec![(0, 0)];
    };
    let Some((&function, rest)) = after_module.split_first() else {
        return vec![(0, 0)];
    };
    // The frame's own file and line are there when what follows is not whole triples.
    let (file, inlined) = if rest.len() % 3 == 2 {
        (rest[0], &rest[2..])
    } else {
        (0, rest)
    };
    let mut out = vec![(function, file)];
    out.extend(inlined.chunks_exact(3).map(|t| (t[0], t[1])));
    out
}

/// Folded stacks, outermost first, from `peak` with its names replaced by `names` (the same
/// indices, demangled and cleaned).
pub fn fold(peak: &Peak, names: &[String]) -> BTreeMap<String, u64> {
    let mut folded = BTreeMap::new();
    for (stack, bytes) in &peak.stacks {
        let key = if stack.is_empty() {
            "[unknown]".to_string()
        } else {
            stack
                .iter()
                .rev()
                .map(|&f| names.get(f).map_or("[unknown]", String::as_str))
                .collect::<Vec<_>>()
                .join(";")
        };
        let sum: &mut u64 = folded.entry(key).or_insert(0);
        *sum = sum.saturating_add(*bytes);
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written by hand in heaptrack 1.4's format (file format 3) to cover frees before and
    /// after the peak; a real log is tests/fixtures/profile/heaptrack.txt, read by
    /// tests/library/memory_profile.rs.
    const LOG: &str = "v 10400 3
s 4 main
s 4 grow
s 6 helper
s 3 a.c
i 10 1 1 4 9
i 20 1 2 4 3 3 4 5
t 1 0
t 2 1
a 64 1
a 100 2
a 10 2
+ 0
+ 1
- 0
+ 2
- 1
+ 0
";

    #[test]
    fn the_bytes_live_at_the_first_maximum_are_kept_per_backtrace() {
        let peak = parse(LOG.as_bytes(), 1 << 20).unwrap();
        // Live after each event: 100, 356 (the peak: 100 at trace 1, 256 at trace 2), 256,
        // 272, 16, 116.
        assert_eq!(peak.heap_bytes, 356);
        let names: Vec<String> = peak.names.clone();
        let folded = fold(&peak, &names);
        let got: Vec<(&str, u64)> = folded.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(got, vec![("main", 100), ("main;helper;grow", 256)]);
    }

    #[test]
    fn the_standard_librarys_frames_below_the_programs_are_left_out() {
        // grow (a.c) calls std::vector's allocate (a C++ header), inlined into _M_allocate;
        // a second site has no source file at all, and is kept whole.
        let log = "v 10400 3
s 4 main
s 4 grow
s 3 a.c
s 8 allocate
s 25 /usr/include/c++/12/bits/stl_vector.h
s b _M_allocate
s 6 malloc
i 10 1 1 3 9
i 20 1 2 3 3
i 30 1 4 5 7 6 5 8
i 40 1 7
t 1 0
t 2 1
t 3 2
t 4 0
a 40 3
a 8 4
+ 0
+ 1
";
        let peak = parse(log.as_bytes(), 1 << 20).unwrap();
        let folded = fold(&peak, &peak.names);
        let got: Vec<(&str, u64)> = folded.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(got, vec![("main;grow", 64), ("malloc", 8)]);
    }

    #[test]
    fn an_undefined_allocation_is_an_error_naming_the_line() {
        let err = parse("v 10400 3\n+ 5\n".as_bytes(), 1 << 20).unwrap_err();
        assert_eq!(
            err,
            "heaptrack's output, line 2: allocation info 5 was never defined"
        );
        let err = parse(LOG.as_bytes(), 40).unwrap_err();
        assert!(err.contains("over 40 bytes"), "{err}");
    }
}
