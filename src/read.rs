//! Reading the files perfgate is given (reports, configs, harness outputs, attestations) with
//! a bounded amount of memory, whatever is at the path:
//!
//! - only a regular file is read where a file is expected: `/dev/zero`, a FIFO or a directory
//!   is refused by its kind (standard input is read only where a command documents `-`);
//! - at most [`limit`] bytes are read (256 MiB, or `PERFGATE_MAX_INPUT_BYTES`), from a file
//!   or from stdin, and a longer input is refused before more than that is held.
//!
//! The file is opened without blocking (a FIFO would otherwise wait for a writer before its
//! kind could be seen) and its kind is taken from the open descriptor, so a path swapped
//! between a check and the open cannot slip a device through.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// What is read at most from one input unless `PERFGATE_MAX_INPUT_BYTES` says otherwise.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// The environment variable that overrides [`DEFAULT_MAX_INPUT_BYTES`].
pub const MAX_INPUT_VAR: &str = "PERFGATE_MAX_INPUT_BYTES";

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not a regular file (it is {0})")]
    NotRegular(&'static str),
    #[error("{} is larger than the input limit of {} (set {MAX_INPUT_VAR} to raise it)", size.map_or_else(|| "the input".to_string(), |s| format!("{} ({s} bytes)", human(s))), human(*limit))]
    TooLarge { size: Option<u64>, limit: u64 },
    #[error("not UTF-8 text (invalid byte at offset {0})")]
    NotUtf8(usize),
    #[error("{MAX_INPUT_VAR}: `{0}` is not a size in bytes (such as 268435456, 512MiB or 1GiB)")]
    BadLimit(String),
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == io::ErrorKind::NotFound)
    }
}

/// The input size limit: `PERFGATE_MAX_INPUT_BYTES` (bytes, or with a `KiB`/`MiB`/`GiB`
/// or `kB`/`MB`/`GB` suffix), else [`DEFAULT_MAX_INPUT_BYTES`].
pub fn limit() -> Result<u64, ReadError> {
    match std::env::var(MAX_INPUT_VAR) {
        Ok(v) => parse_size(&v).ok_or(ReadError::BadLimit(v)),
        Err(std::env::VarError::NotPresent) => Ok(DEFAULT_MAX_INPUT_BYTES),
        Err(std::env::VarError::NotUnicode(v)) => {
            Err(ReadError::BadLimit(v.to_string_lossy().into_owned()))
        }
    }
}

fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(digits);
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "kB" | "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        _ => return None,
    };
    number.parse::<u64>().ok()?.checked_mul(factor)
}

/// The bytes of the regular file at `path` (symbolic links followed), at most [`limit`].
pub fn bytes(path: &Path) -> Result<Vec<u8>, ReadError> {
    let limit = limit()?;
    let (file, size) = open_regular(path)?;
    if size > limit {
        return Err(ReadError::TooLarge {
            size: Some(size),
            limit,
        });
    }
    bounded(file, limit, size)
}

/// [`bytes`] as UTF-8 text.
pub fn text(path: &Path) -> Result<String, ReadError> {
    String::from_utf8(bytes(path)?).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))
}

/// Standard input, at most [`limit`] bytes.
pub fn stdin() -> Result<Vec<u8>, ReadError> {
    bounded(io::stdin().lock(), limit()?, 0)
}

/// Opens `path` for reading when it is a regular file; its size as the descriptor sees it.
pub fn open_regular(path: &Path) -> Result<(File, u64), ReadError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if !kind.is_file() {
        return Err(ReadError::NotRegular(if kind.is_dir() {
            "a directory"
        } else if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "not a file"
        }));
    }
    Ok((file, meta.len()))
}

/// Everything `reader` gives, refused once it passes `limit` bytes; `hint` presizes the buffer
/// (a regular file's size, which may still grow while it is read). The buffer grows by
/// doubling but never past `limit`, so that reading at most `limit` bytes never reserves
/// twice that (under an address-space limit, that reservation would abort the process).
pub fn bounded(mut reader: impl Read, limit: u64, hint: u64) -> Result<Vec<u8>, ReadError> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let hint = usize::try_from(hint).unwrap_or(usize::MAX);
    let mut out = Vec::with_capacity(hint.min(limit));
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if n > limit - out.len() {
            return Err(ReadError::TooLarge {
                size: None,
                limit: limit as u64,
            });
        }
        if out.capacity() - out.len() < n {
            let want = out
                .capacity()
                .saturating_mul(2)
                .max(out.len() + n)
                .min(limit);
            out.reserve_exact(want - out.len());
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// `bytes` in the largest binary unit that keeps it at least 1 (`256 MiB`, `1.5 GiB`).
fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value.fract() == 0.0 {
        format!("{value} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_and_decimal_suffixes_and_nothing_else() {
        assert_eq!(parse_size("268435456"), Some(DEFAULT_MAX_INPUT_BYTES));
        assert_eq!(parse_size("256MiB"), Some(DEFAULT_MAX_INPUT_BYTES));
        assert_eq!(parse_size("1 GiB"), Some(1 << 30));
        assert_eq!(parse_size("5MB"), Some(5_000_000));
        for bad in [
            "",
            "-1",
            "1.5GiB",
            "12 parsecs",
            "99999999999999999999",
            "99999999999GiB",
        ] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_reader_is_cut_one_byte_past_the_limit() {
        assert_eq!(bounded(&b"12345"[..], 5, 0).unwrap(), b"12345");
        let data = vec![7u8; 300_000];
        let read = bounded(&data[..], 300_000, 0).unwrap();
        assert_eq!(read.len(), 300_000);
        assert!(read.capacity() <= 300_000, "{}", read.capacity());
        let e = bounded(io::repeat(0), 1000, 0).unwrap_err();
        assert!(
            matches!(
                e,
                ReadError::TooLarge {
                    size: None,
                    limit: 1000
                }
            ),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            format!("the input is larger than the input limit of 1000 bytes (set {MAX_INPUT_VAR} to raise it)")
        );
    }

    #[test]
    fn devices_and_directories_are_refused_by_kind() {
        let e = bytes(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "not a regular file (it is a character device)"
        );
        let dir = tempfile::tempdir().unwrap();
        let e = bytes(dir.path()).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file (it is a directory)");
        assert_eq!(human(DEFAULT_MAX_INPUT_BYTES), "256 MiB");
        assert_eq!(human(1536), "1.5 KiB");
    }
}
