//! The files of a bundle. An attestation names its artifacts relative to its own directory
//! and only inside it: a release directory verifies wherever it is moved, and a crafted
//! attestation cannot make `--verify` hash (and so probe) any other readable file, such as
//! `/etc/shadow` or `/proc/self/environ`. A symbolic link is followed only while its target
//! stays inside the directory, and only regular files are hashed (a device never ends).

use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{artifact, classify, Artifact};
use crate::read::ReadError;

/// Why a path cannot be an artifact of the bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("an absolute path: artifacts are named relative to the attestation's directory")]
    Absolute,
    #[error(
        "a path with `..` or an empty name: artifacts stay inside the attestation's directory"
    )]
    Escapes,
    #[error("outside the attestation's directory {}: write the attestation beside its artifacts (-o DIR)", .0.display())]
    Outside(PathBuf),
    #[error("a symbolic link to {}, outside the attestation's directory", .0.display())]
    LinkLeaves(PathBuf),
    #[error("{0}")]
    Unreadable(String),
}

/// The bundle directory, resolved once (symbolic links and `..` in it are the user's own).
#[derive(Debug, Clone)]
pub struct Bundle {
    dir: PathBuf,
}

impl Bundle {
    pub fn new(dir: &Path) -> io::Result<Bundle> {
        Ok(Bundle {
            dir: dir.canonicalize()?,
        })
    }

    /// `path` (as given on the command line, relative to the current directory) as this
    /// bundle names it: relative to the bundle, inside it. The name keeps a final symbolic
    /// link as given, when it stays inside. The file itself need not exist yet.
    pub fn name_of(&self, path: &Path) -> Result<String, Refusal> {
        let unreadable = |e: io::Error| Refusal::Unreadable(format!("cannot read: {e}"));
        let file_name = path
            .file_name()
            .ok_or_else(|| Refusal::Unreadable("not a file name".into()))?;
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let named = parent.canonicalize().map_err(unreadable)?.join(file_name);
        let rel = named
            .strip_prefix(&self.dir)
            .map_err(|_| Refusal::Outside(self.dir.clone()))?;
        if named.symlink_metadata().is_ok() {
            self.resolve_inside(&named)?;
        }
        Ok(rel.to_string_lossy().into_owned())
    }

    /// The file an attestation's `recorded` path names, checked to be inside the bundle;
    /// `None` when nothing is there.
    pub fn locate(&self, recorded: &str) -> Result<Option<PathBuf>, Refusal> {
        let rel = Path::new(recorded);
        if rel.is_absolute() {
            return Err(Refusal::Absolute);
        }
        if recorded.is_empty() || !rel.components().all(is_plain) {
            return Err(Refusal::Escapes);
        }
        let path = self.dir.join(rel);
        match path.symlink_metadata() {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            _ => self.resolve_inside(&path).map(Some),
        }
    }

    /// `path` with every symbolic link resolved, refused when that leaves the bundle.
    fn resolve_inside(&self, path: &Path) -> Result<PathBuf, Refusal> {
        // A dangling link inside the bundle fails here, and is refused without a hash.
        let real = path
            .canonicalize()
            .map_err(|e| Refusal::Unreadable(format!("cannot read: {e}")))?;
        if !real.starts_with(&self.dir) {
            return Err(Refusal::LinkLeaves(real));
        }
        Ok(real)
    }
}

/// `.` is harmless (`./a.json`); `..`, a root or a prefix is not.
fn is_plain(c: Component<'_>) -> bool {
    matches!(c, Component::Normal(_) | Component::CurDir)
}

/// SHA-256 and length of the regular file at `path`, read in blocks: an artifact may be a
/// multi-gigabyte binary, and it is never held in memory whole.
pub fn hash_file(path: &Path) -> Result<(String, u64), ReadError> {
    let (file, _) = crate::read::open_regular(path)?;
    hash_reader(file).map_err(ReadError::Io)
}

fn hash_reader(mut reader: impl Read) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((crate::digest::hex(&hasher.finalize()), total))
}

/// The entry of the regular file at `path`, named `name`. A JSON document within the input
/// limit is read whole, to recognise a report, comparison or trend; anything else (a binary,
/// a tarball) is hashed in blocks and recorded by its name alone.
pub fn describe(path: &Path, name: &str) -> Result<Artifact, ReadError> {
    let (mut file, size) = crate::read::open_regular(path)?;
    let limit = crate::read::limit()?;
    if size <= limit && starts_like_json(&mut file)? {
        let bytes = crate::read::bounded(file, limit, size)?;
        return Ok(artifact(name, &bytes));
    }
    let (sha256, bytes) = hash_reader(file)?;
    let (kind, status) = classify(name, b"");
    Ok(Artifact {
        path: name.to_string(),
        kind,
        bytes,
        sha256,
        status,
    })
}

/// Whether the first byte after leading whitespace opens a JSON object; rewinds the file.
fn starts_like_json(file: &mut std::fs::File) -> io::Result<bool> {
    use std::io::{Seek, SeekFrom};
    let mut head = [0u8; 512];
    let n = file.read(&mut head)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(head[..n]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn paths_that_leave_the_bundle_are_refused_before_anything_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("rel");
        std::fs::create_dir(&inside).unwrap();
        std::fs::write(inside.join("a.json"), "{}").unwrap();
        std::fs::write(dir.path().join("secret"), "s").unwrap();
        symlink("../secret", inside.join("out")).unwrap();
        symlink("a.json", inside.join("alias")).unwrap();
        let b = Bundle::new(&inside).unwrap();
        assert_eq!(b.locate("/etc/passwd"), Err(Refusal::Absolute));
        assert_eq!(b.locate("../secret"), Err(Refusal::Escapes));
        assert_eq!(b.locate("x/../../secret"), Err(Refusal::Escapes));
        assert_eq!(b.locate(""), Err(Refusal::Escapes));
        let real_secret = dir.path().canonicalize().unwrap().join("secret");
        assert_eq!(b.locate("out"), Err(Refusal::LinkLeaves(real_secret)));
        let a = b.locate("./alias").unwrap();
        assert_eq!(a, Some(inside.canonicalize().unwrap().join("a.json")));
        assert_eq!(b.locate("gone.json"), Ok(None));
        assert_eq!(b.name_of(&inside.join("alias")).unwrap(), "alias");
        assert!(matches!(
            b.name_of(&dir.path().join("secret")),
            Err(Refusal::Outside(_))
        ));
    }

    #[test]
    fn a_file_is_hashed_in_blocks_as_a_whole() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let (hash, len) = hash_reader(&data[..]).unwrap();
        assert_eq!(hash, crate::digest::sha256_hex(&data));
        assert_eq!(len, 200_000);
    }
}
