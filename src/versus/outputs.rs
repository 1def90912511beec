//! Do A and B produce the same output? Timing two programs that disagree is meaningless, so
//! `versus` checks before (warm-up) and while (every measured run) it times them.

use std::fmt;
use std::io::Read;

use sha2::{Digest, Sha256};

/// The most bytes of one side's stdout compared by `lines`, `json` or `numeric` (read into
/// memory); `hash` and `--compare-cmd` take any size.
pub const COMPARED_MAX: u64 = 16 << 20;

/// What one run printed: its size and SHA-256, and its bytes when asked for and at most
/// [`COMPARED_MAX`].
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    pub len: u64,
    pub sha256: [u8; 32],
    pub bytes: Option<Vec<u8>>,
}

impl Captured {
    pub fn read(from: &mut impl Read, keep: bool) -> std::io::Result<Captured> {
        let mut hasher = Sha256::new();
        let mut len = 0u64;
        let mut bytes = keep.then(Vec::new);
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            hasher.update(&buf[..n]);
            len += n as u64;
            if len > COMPARED_MAX {
                bytes = None;
            }
            if let Some(b) = bytes.as_mut() {
                b.extend_from_slice(&buf[..n]);
            }
        }
        Ok(Captured {
            len,
            sha256: hasher.finalize().into(),
            bytes,
        })
    }

    /// Same output (size and SHA-256).
    pub fn same(&self, other: &Captured) -> bool {
        self.len == other.len && self.sha256 == other.sha256
    }

    pub fn sha256_hex(&self) -> String {
        self.sha256.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Whether `mode` can compare outputs as large as `a` and `b`; if not, why, in one line.
pub fn comparable(mode: &Mode, a: &Captured, b: &Captured) -> Result<(), String> {
    if *mode == Mode::Hash {
        return Ok(());
    }
    match [("A", a), ("B", b)].into_iter().find(|(_, c)| c.len > COMPARED_MAX) {
        None => Ok(()),
        Some((side, c)) => Err(format!(
            "{side}'s stdout is {} bytes; --compare-output {} reads at most {} MiB of each side (use --compare-output hash, which takes any size, or --compare-cmd)",
            c.len,
            mode.name(),
            COMPARED_MAX >> 20
        )),
    }
}

/// [`agree`] on captured outputs: `hash` by size and SHA-256 (naming the first different line
/// when both outputs are small enough to have been kept); the other modes on the bytes,
/// after [`comparable`] said they are kept.
pub fn agree_captured(mode: &Mode, a: &Captured, b: &Captured) -> Result<(), String> {
    match (mode, &a.bytes, &b.bytes) {
        (Mode::Hash, _, _) if a.same(b) => Ok(()),
        (_, Some(x), Some(y)) => agree(mode, x, y),
        (Mode::Hash, _, _) => Err(format!(
            "A's stdout ({} bytes, sha256 {}) differs from B's ({} bytes, sha256 {})",
            a.len,
            &a.sha256_hex()[..16],
            b.len,
            &b.sha256_hex()[..16]
        )),
        _ => comparable(mode, a, b).and(Err("the outputs were not kept".into())),
    }
}

/// How outputs must agree.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Byte-identical stdout.
    Hash,
    /// The same lines, ignoring trailing whitespace and trailing empty lines.
    Lines,
    /// The same JSON value: key order ignored, numbers within the tolerance.
    Json(f64),
    /// The same numbers in the same order (each within the tolerance), the same other text.
    Numeric(f64),
}

impl Mode {
    pub fn parse(name: &str, tolerance: f64) -> Result<Mode, String> {
        match name {
            "hash" => Ok(Mode::Hash),
            "lines" => Ok(Mode::Lines),
            "json" => Ok(Mode::Json(tolerance)),
            "numeric" => Ok(Mode::Numeric(tolerance)),
            other => Err(format!(
                "--compare-output {other}: known modes are hash, lines, json, numeric"
            )),
        }
    }
}

impl Mode {
    /// The name `--compare-output` takes.
    pub fn name(&self) -> &'static str {
        match self {
            Mode::Hash => "hash",
            Mode::Lines => "lines",
            Mode::Json(_) => "json",
            Mode::Numeric(_) => "numeric",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mode::Hash => write!(f, "stdout compared byte for byte"),
            Mode::Lines => write!(f, "stdout compared line by line"),
            Mode::Json(t) => write!(f, "stdout compared as JSON (numbers within {t})"),
            Mode::Numeric(t) => write!(f, "stdout compared number by number (within {t})"),
        }
    }
}

/// Within `tol`, absolutely or relatively, whichever is looser.
fn close(a: f64, b: f64, tol: f64) -> bool {
    a == b || (a - b).abs() <= tol || (a - b).abs() <= tol * a.abs().max(b.abs())
}

/// `Ok` or the first difference, in one line.
pub fn agree(mode: &Mode, a: &[u8], b: &[u8]) -> Result<(), String> {
    match mode {
        Mode::Hash => {
            if a == b {
                return Ok(());
            }
            lines_diff(
                &String::from_utf8_lossy(a),
                &String::from_utf8_lossy(b),
                false,
            )
        }
        Mode::Lines => lines_diff(
            &String::from_utf8_lossy(a),
            &String::from_utf8_lossy(b),
            true,
        ),
        Mode::Json(tol) => {
            let parse = |x: &[u8], side: &str| {
                serde_json::from_slice::<serde_json::Value>(x)
                    .map_err(|e| format!("{side}'s output is not JSON: {e}"))
            };
            json_diff(&parse(a, "A")?, &parse(b, "B")?, "$", *tol)
        }
        Mode::Numeric(tol) => {
            let (ta, tb) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
            let (na, sa) = numbers(&ta);
            let (nb, sb) = numbers(&tb);
            if sa != sb {
                return lines_diff(&sa, &sb, true).map_err(|e| format!("{e} (numbers aside)"));
            }
            if na.len() != nb.len() {
                return Err(format!("A prints {} numbers, B {}", na.len(), nb.len()));
            }
            match na.iter().zip(&nb).position(|(x, y)| !close(*x, *y, *tol)) {
                None => Ok(()),
                Some(i) => Err(format!(
                    "number {} differs beyond {tol}: A {} vs B {}",
                    i + 1,
                    na[i],
                    nb[i]
                )),
            }
        }
    }
}

fn lines_diff(a: &str, b: &str, loose: bool) -> Result<(), String> {
    let norm = |s: &str| -> Vec<String> {
        let mut v: Vec<String> = s
            .lines()
            .map(|l| {
                if loose {
                    l.trim_end().to_string()
                } else {
                    l.to_string()
                }
            })
            .collect();
        if loose {
            while v.last().is_some_and(std::string::String::is_empty) {
                v.pop();
            }
        }
        v
    };
    let (la, lb) = (norm(a), norm(b));
    for i in 0..la.len().max(lb.len()) {
        let (x, y) = (la.get(i), lb.get(i));
        if x != y {
            let show =
                |l: Option<&String>| l.map_or("<end of output>".to_string(), |l| format!("{l:?}"));
            return Err(format!("line {}: A {} vs B {}", i + 1, show(x), show(y)));
        }
    }
    if la == lb && (loose || a == b) {
        Ok(())
    } else {
        Err("the outputs differ in line endings or trailing bytes".into())
    }
}

fn json_diff(
    a: &serde_json::Value,
    b: &serde_json::Value,
    path: &str,
    tol: f64,
) -> Result<(), String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            if close(x, y, tol) {
                Ok(())
            } else {
                Err(format!("{path}: A {x} vs B {y}"))
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Err(format!("{path}: A has {} items, B {}", x.len(), y.len()));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .try_for_each(|(i, (p, q))| json_diff(p, q, &format!("{path}[{i}]"), tol))
        }
        (Value::Object(x), Value::Object(y)) => {
            if let Some(k) = x.keys().find(|k| !y.contains_key(*k)) {
                return Err(format!("{path}.{k}: only in A"));
            }
            if let Some(k) = y.keys().find(|k| !x.contains_key(*k)) {
                return Err(format!("{path}.{k}: only in B"));
            }
            x.iter()
                .try_for_each(|(k, v)| json_diff(v, &y[k], &format!("{path}.{k}"), tol))
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: A {a} vs B {b}")),
    }
}

/// The numbers of a text, in order, and the text with each number replaced by `#`.
fn numbers(s: &str) -> (Vec<f64>, String) {
    let mut nums = Vec::new();
    let mut rest = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let starts = b[i].is_ascii_digit()
            || (b[i] == b'-' || b[i] == b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit);
        if starts {
            let mut j = i + 1;
            while j < b.len()
                && (b[j].is_ascii_digit()
                    || b[j] == b'.'
                    || b[j] == b'e'
                    || b[j] == b'E'
                    || ((b[j] == b'-' || b[j] == b'+') && matches!(b[j - 1], b'e' | b'E')))
            {
                j += 1;
            }
            if let Ok(v) = s[i..j].parse::<f64>() {
                nums.push(v);
                rest.push('#');
                i = j;
                continue;
            }
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        rest.push(ch);
        i += ch.len_utf8();
    }
    (nums, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_outputs_are_hashed_and_only_small_ones_kept() {
        let big = vec![b'x'; COMPARED_MAX as usize + 1];
        let a = Captured::read(&mut &big[..], true).unwrap();
        assert_eq!(a.len, COMPARED_MAX + 1);
        assert_eq!(a.bytes, None);
        assert_eq!(a.sha256_hex(), crate::digest::sha256_hex(&big));
        let mut other = big.clone();
        *other.last_mut().unwrap() = b'y';
        let b = Captured::read(&mut &other[..], true).unwrap();
        assert!(agree_captured(&Mode::Hash, &a, &a.clone()).is_ok());
        let diff = agree_captured(&Mode::Hash, &a, &b).unwrap_err();
        assert!(diff.contains(&a.sha256_hex()[..16]), "{diff}");
        let refused = comparable(&Mode::Lines, &a, &b).unwrap_err();
        assert!(
            refused.starts_with("A's stdout is 16777217 bytes"),
            "{refused}"
        );
        assert!(agree_captured(&Mode::Lines, &a, &b).is_err());
        let small = Captured::read(&mut &b"1\n2\n"[..], true).unwrap();
        assert_eq!(small.bytes.as_deref(), Some(&b"1\n2\n"[..]));
        let other = Captured::read(&mut &b"1\n3\n"[..], false).unwrap();
        assert_eq!(other.bytes, None);
        assert!(!small.same(&other));
    }

    #[test]
    fn each_mode_accepts_what_it_should_and_names_the_first_difference() {
        assert!(agree(&Mode::Hash, b"a\nb\n", b"a\nb\n").is_ok());
        assert_eq!(
            agree(&Mode::Hash, b"a\nb\n", b"a\nc\n").unwrap_err(),
            "line 2: A \"b\" vs B \"c\""
        );
        assert!(agree(&Mode::Lines, b"a  \nb\n\n", b"a\nb").is_ok());
        assert!(agree(
            &Mode::Json(0.0),
            br#"{"a":1,"b":[1,2]}"#,
            br#"{"b":[1,2],"a":1}"#
        )
        .is_ok());
        assert_eq!(
            agree(
                &Mode::Json(0.0),
                br#"{"a":{"b":[1,2]}}"#,
                br#"{"a":{"b":[1,3]}}"#
            )
            .unwrap_err(),
            "$.a.b[1]: A 2 vs B 3"
        );
        assert!(agree(&Mode::Numeric(0.01), b"sum = 1.000\n", b"sum = 1.004\n").is_ok());
        assert!(agree(&Mode::Numeric(0.01), b"sum = 1.0\n", b"sum = 1.1\n")
            .unwrap_err()
            .contains("number 1 differs"));
        assert!(agree(&Mode::Numeric(0.01), b"sum = 1.0\n", b"total = 1.0\n").is_err());
    }
}
