//! Writing the files perfgate produces (reports, renders, baselines, attestations, workflow
//! files, hooks) the way a Unix tool does:
//!
//! - a regular file, or a path where nothing is yet, is replaced atomically (a temporary file
//!   in the same directory, then a rename), so a reader never sees half of it;
//! - a FIFO or a device is written in place: renaming over it would swap the device for a
//!   regular file (`--json-out /dev/null` as root would break the machine's /dev/null);
//! - a symbolic link is followed and its target written, atomically when the target is a
//!   regular file; the link itself stays a link;
//! - a new file gets the mode `open(2)` gives: 0666 (0777 for an executable) less the umask;
//!   a replaced file keeps its mode, and its owner and group when perfgate is allowed to set
//!   them.

use std::fs::{Metadata, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Linux gives up after 40 links (ELOOP); so do we.
const MAX_LINKS: usize = 40;

/// What the file is, which decides a new file's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// 0666 less the umask.
    Data,
    /// A script (a git hook): 0777 less the umask.
    Executable,
}

impl FileKind {
    fn new_file_mode(self) -> u32 {
        match self {
            FileKind::Data => 0o666,
            FileKind::Executable => 0o777,
        }
    }
}

/// Writes `bytes` to `path` as described in the module documentation.
pub fn write(path: &Path, bytes: &[u8], kind: FileKind) -> io::Result<()> {
    write_with(path, kind, |w| w.write_all(bytes))
}

/// Like [`write`], with the content produced by `fill` as it goes (a large report is
/// serialized straight into the file, never whole in memory first).
pub fn write_with(
    path: &Path,
    kind: FileKind,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let target = follow_links(path)?;
    match std::fs::metadata(&target) {
        Ok(meta) if meta.is_file() => replace(&target, fill, Some(&meta), kind),
        Ok(meta) if meta.is_dir() => Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a directory",
        )),
        Ok(_) => write_in_place(&target, fill),
        Err(e) if e.kind() == io::ErrorKind::NotFound => replace(&target, fill, None, kind),
        Err(e) => Err(e),
    }
}

/// The path a chain of symbolic links at `path` ends in (`path` itself when it is no link).
/// Unlike `canonicalize`, a dangling link resolves to where its target would be created.
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let to = std::fs::read_link(&current)?;
                // A relative target is relative to the link's directory; `join` keeps an
                // absolute one as it is.
                current = match current.parent() {
                    Some(dir) => dir.join(to),
                    None => to,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::from_raw_os_error(libc::ELOOP))
}

/// Temporary file beside `path`, then rename over it.
fn replace(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    existing: Option<&Metadata>,
    kind: FileKind,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // The mode goes to open(2), which applies the umask, as for any new file. (tempfile's
    // default, 0600, is for secrets; a report is not one.)
    let mut tmp = tempfile::Builder::new()
        .prefix(".perfgate-")
        .suffix(".tmp")
        .permissions(Permissions::from_mode(kind.new_file_mode()))
        .tempfile_in(dir)?;
    if let Some(meta) = existing {
        let file = tmp.as_file();
        let mine = file.metadata()?;
        if (mine.uid(), mine.gid()) != (meta.uid(), meta.gid()) {
            // Allowed for root, or for a group the user is in; otherwise the file becomes the
            // writer's, as with any editor that saves by rename.
            let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
        }
        // After the chown, which clears set-id bits.
        file.set_permissions(Permissions::from_mode(meta.mode() & 0o7777))?;
    }
    let mut out = io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
    fill(&mut out)?;
    out.flush()?;
    drop(out);
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A FIFO or a device: opened for writing as it is (no create, no truncate), like `>`.
fn write_in_place(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let f = OpenOptions::new().write(true).open(path)?;
    let mut out = io::BufWriter::with_capacity(1 << 16, f);
    fill(&mut out)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, FileTypeExt};

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn an_existing_file_keeps_its_mode_and_an_executable_its_bits() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, Permissions::from_mode(0o640)).unwrap();
        write(&p, b"new", FileKind::Data).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(mode(&p), 0o640);
        let hook = dir.path().join("pre-push");
        std::fs::write(&hook, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&hook, Permissions::from_mode(0o750)).unwrap();
        write(&hook, b"#!/bin/sh\ntrue\n", FileKind::Executable).unwrap();
        assert_eq!(mode(&hook), 0o750);
    }

    #[test]
    fn a_link_chain_is_followed_and_a_dangling_link_creates_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let target = sub.join("target.json");
        // A relative link to a link: each is resolved against its own directory.
        symlink("sub/target.json", dir.path().join("first")).unwrap();
        symlink("first", dir.path().join("second")).unwrap();
        write(&dir.path().join("second"), b"1", FileKind::Data).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "1");
        for link in ["first", "second"] {
            let meta = std::fs::symlink_metadata(dir.path().join(link)).unwrap();
            assert!(meta.file_type().is_symlink(), "{link} was replaced");
        }
        write(&dir.path().join("second"), b"2", FileKind::Data).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "2");
        // No temporary file is left anywhere.
        for d in [dir.path(), sub.as_path()] {
            let stray: Vec<_> = std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".perfgate-"))
                .collect();
            assert!(stray.is_empty(), "{stray:?} in {}", d.display());
        }
    }

    #[test]
    fn a_link_loop_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        symlink("b", dir.path().join("a")).unwrap();
        symlink("a", dir.path().join("b")).unwrap();
        let e = write(&dir.path().join("a"), b"x", FileKind::Data).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ELOOP), "{e}");
    }

    #[test]
    fn a_fifo_is_written_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let (tx, rx) = std::sync::mpsc::channel();
        let theirs = fifo.clone();
        // A reader left waiting on a replaced FIFO never returns: wait with a deadline.
        std::thread::spawn(move || tx.send(std::fs::read(theirs).unwrap()));
        write(&fifo, b"through the pipe", FileKind::Data).unwrap();
        let read = rx.recv_timeout(std::time::Duration::from_secs(20));
        assert_eq!(read.expect("the reader got nothing"), b"through the pipe");
        let meta = std::fs::symlink_metadata(&fifo).unwrap();
        assert!(meta.file_type().is_fifo(), "the FIFO was replaced");
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = write(dir.path(), b"x", FileKind::Data).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::IsADirectory);
    }
}
