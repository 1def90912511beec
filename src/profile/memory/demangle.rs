//! Function names from heaptrack as people read them. heaptrack 1.4 demangles C++ and Rust's
//! legacy symbols with the C++ demangler, which leaves Rust's `$LT$`-style escapes and `..`
//! path separators in them, and it leaves Rust's v0 symbols (`_R...`, the standard library's
//! since Rust 1.8x) mangled. The v0 ones, and any `_Z` one it could not demangle, go through
//! `c++filt` (binutils: it demangles C++, Rust legacy and Rust v0); the escapes are decoded
//! here. valgrind demangles all of these itself.

use std::io::Write as _;
use std::process::{Command, Stdio};

/// `names` demangled, in the same order, and a note when some could not be (no `c++filt`).
pub fn demangle(names: &[String]) -> (Vec<String>, Option<String>) {
    let mangled: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| is_mangled(n))
        .collect();
    let (filtered, note) = if mangled.is_empty() {
        (Vec::new(), None)
    } else {
        match cxxfilt(&mangled) {
            Ok(out) => (out, None),
            Err(why) => (
                mangled.iter().map(ToString::to_string).collect(),
                Some(format!("{} names left mangled: {why}", mangled.len())),
            ),
        }
    };
    let mut filtered = filtered.into_iter();
    let out = names
        .iter()
        .map(|name| {
            if is_mangled(name) {
                let name = filtered.next().unwrap_or_else(|| name.clone());
                without_crate_hashes(&rust_escapes(&name))
            } else {
                rust_escapes(name)
            }
        })
        .collect();
    (out, note)
}

fn is_mangled(name: &str) -> bool {
    (name.starts_with("_R") || name.starts_with("_Z"))
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'$')
}

/// One `c++filt` for all of them: a name per line in, a name per line out.
fn cxxfilt(names: &[&str]) -> Result<Vec<String>, String> {
    let mut child = Command::new("c++filt")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("c++filt (binutils) could not be run ({e})"))?;
    let input = names.join("\n") + "\n";
    let mut stdin = child.stdin.take().ok_or("c++filt has no stdin")?;
    // Written from a thread: c++filt answers line by line, and a long input would fill the
    // output pipe while this end still writes.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("c++filt failed ({e})"))?;
    let _ = writer.join();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    if !out.status.success() || lines.len() != names.len() {
        return Err(format!(
            "c++filt answered {} lines for {} names",
            lines.len(),
            names.len()
        ));
    }
    Ok(lines)
}

/// Rust legacy symbols demangled as C++: `_$LT$alloc..vec..Vec$LT$T$GT$$u20$as$u20$X$GT$`
/// -> `<alloc::vec::Vec<T> as X>`. Names without such escapes are returned as they are.
pub fn rust_escapes(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut escaped = false;
    let mut rest = name;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match after
            .find('$')
            .and_then(|end| Some((end, escape(&after[..end])?)))
        {
            Some((end, c)) => {
                // An identifier that starts with an escape has a `_` before it.
                if out.ends_with('_') && (out.len() == 1 || out.ends_with(":_")) {
                    out.pop();
                }
                out.push(c);
                escaped = true;
                rest = &after[end + 1..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    if escaped {
        out.replace("..", "::")
    } else {
        name.to_string()
    }
}

fn escape(code: &str) -> Option<char> {
    Some(match code {
        "LT" => '<',
        "GT" => '>',
        "C" => ',',
        "RF" => '&',
        "BP" => '*',
        "SP" => '@',
        "LP" => '(',
        "RP" => ')',
        _ => {
            let hex = code.strip_prefix('u')?;
            if hex.is_empty() || hex.len() > 6 {
                return None;
            }
            char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
        }
    })
}

/// Rust v0 names as c++filt writes them carry each crate's disambiguator:
/// `std[e28293b1aa0f68bd]::rt::lang_start` -> `std::rt::lang_start`. The hash differs between
/// builds of the same code, as the legacy `::h...` one does.
pub fn without_crate_hashes(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = String::with_capacity(name.len());
    let mut at = 0;
    while at < name.len() {
        if bytes[at] == b'[' && at > 0 && is_ident(bytes[at - 1]) {
            let hex = bytes[at + 1..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                .count();
            if hex > 0 && bytes.get(at + 1 + hex) == Some(&b']') {
                at += hex + 2;
                continue;
            }
        }
        let c = name[at..].chars().next().unwrap_or('\u{fffd}');
        out.push(c);
        at += c.len_utf8();
    }
    out
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_escapes_are_decoded() {
        assert_eq!(
            rust_escapes(
                "_$LT$alloc..vec..Vec$LT$T$GT$$u20$as$u20$core..iter..FromIterator$LT$T$GT$$GT$::from_iter::h76e34d445deb8ec1"
            ),
            "<alloc::vec::Vec<T> as core::iter::FromIterator<T>>::from_iter::h76e34d445deb8ec1"
        );
        assert_eq!(
            rust_escapes("std::rt::lang_start::_$u7b$$u7b$closure$u7d$$u7d$::h612b7d111904d179"),
            "std::rt::lang_start::{{closure}}::h612b7d111904d179"
        );
        assert_eq!(
            rust_escapes("alloc::raw_vec::RawVec$LT$T$C$A$GT$::with_capacity_in"),
            "alloc::raw_vec::RawVec<T,A>::with_capacity_in"
        );
        // Not Rust: left alone.
        assert_eq!(rust_escapes("printf$x..y"), "printf$x..y");
        assert_eq!(rust_escapes("f(...)"), "f(...)");
    }

    #[test]
    fn crate_disambiguators_are_dropped_and_arrays_kept() {
        assert_eq!(
            without_crate_hashes("<alloc[9a8b]::raw_vec::RawVecInner>::try_allocate_in"),
            "<alloc::raw_vec::RawVecInner>::try_allocate_in"
        );
        assert_eq!(without_crate_hashes("f::<[u8; 16]>"), "f::<[u8; 16]>");
        assert_eq!(without_crate_hashes("a[0]"), "a");
        assert_eq!(without_crate_hashes("x[ABC]"), "x[ABC]");
    }
}
