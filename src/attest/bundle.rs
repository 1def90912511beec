//! The files of a bundle. An attestation names its artifacts relative to its own directory
//! and only inside it: a release directory verifies wherever it is moved, and a crafted
//! attestation cannot make `--verify` hash (and so probe) any other readable file, such as
//! `/etc/shadow` or `/proc/self/environ`. A symbolic link is followed only while its target
//! stays inside the directory, and only regular files are hashed (a device never ends).

use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{artifact, classify, Artifact};
use crate::error::{Error, Result};
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

    /// The bundle directory `dir`, created when missing.
    pub fn create(dir: &Path) -> Result<Bundle> {
        create_dir(dir)?;
        Bundle::new(dir).map_err(|source| Error::Io {
            context: format!("cannot resolve {}", dir.display()),
            source,
        })
    }

    /// [`Bundle::name_of`], refused as an input error about `path`.
    pub fn name(&self, path: &Path) -> Result<String> {
        self.name_of(path)
            .map_err(|r| Error::input(path, r.to_string()))
    }

    /// The entries of the files `paths` (as given on the command line), each once, without
    /// the attestation's `own` files, for each of which `skipped` is called: an attestation
    /// cannot record the hash of the document that records it.
    pub fn gather(
        &self,
        paths: &[PathBuf],
        own: &[PathBuf],
        mut skipped: impl FnMut(&Path),
    ) -> Result<Vec<Artifact>> {
        let mut artifacts: Vec<Artifact> = Vec::new();
        for path in paths {
            if own.iter().any(|w| same_file(path, w)) {
                skipped(path);
                continue;
            }
            let name = self.name(path)?;
            if !artifacts.iter().any(|a| a.path == name) {
                artifacts.push(self.entry(path, &name)?);
            }
        }
        Ok(artifacts)
    }

    /// The entry of the artifact given as `path`, named `name` in the bundle.
    fn entry(&self, path: &Path, name: &str) -> Result<Artifact> {
        let cannot = |m: String| Error::input(path, m);
        let file = self
            .locate(name)
            .map_err(|r| cannot(r.to_string()))?
            .ok_or_else(|| cannot("cannot read: No such file or directory".into()))?;
        describe(&file, name).map_err(|e| cannot(format!("cannot read: {e}")))
    }

    /// The SHA-256 now of the file an attestation records as `recorded`: `None` when it is
    /// missing, the reason when it is refused or cannot be read.
    pub fn current_sha256(&self, recorded: &str) -> Result<Option<String>, String> {
        let Some(file) = self.locate(recorded).map_err(|r| r.to_string())? else {
            return Ok(None);
        };
        hash_file(&file)
            .map(|(sha256, _)| Some(sha256))
            .map_err(|e| e.to_string())
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

/// The directory `path` is in: `.` for a bare file name.
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Creates `dir` with its parents, where an attestation or a manifest is to be written.
pub fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `target` relative to the directory `base`, both resolved on disk; `None` when either
/// cannot be resolved.
pub fn relative_to(target: &Path, base: &Path) -> Option<String> {
    let (target, base) = (target.canonicalize().ok()?, base.canonicalize().ok()?);
    let t: Vec<Component> = target.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    rel.extend(&t[common..]);
    Some(rel.to_string_lossy().into_owned())
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

    #[test]
    fn each_file_is_gathered_once_and_the_attestation_itself_never() {
        use crate::attest::ArtifactKind;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("r.json"), r#"{"benchmarks":[{"status":"ok"}]}"#).unwrap();
        std::fs::write(d.join("page.html"), "<p>").unwrap();
        std::fs::write(d.join("attestation.json"), "{}").unwrap();
        let b = Bundle::create(d).unwrap();
        let given = ["r.json", "./r.json", "attestation.json", "page.html"].map(|p| d.join(p));
        let mut skipped = Vec::new();
        let found = b
            .gather(&given, &[d.join("attestation.json")], |p| {
                skipped.push(p.to_path_buf());
            })
            .unwrap();
        let names: Vec<_> = found.iter().map(|a| (a.path.as_str(), a.kind)).collect();
        assert_eq!(
            names,
            [
                ("r.json", ArtifactKind::Report),
                ("page.html", ArtifactKind::Html)
            ]
        );
        assert_eq!(skipped, [d.join("attestation.json")]);
        let err = b.gather(&[d.join("gone.json")], &[], |_| {}).unwrap_err();
        assert!(err
            .to_string()
            .ends_with("gone.json: cannot read: No such file or directory"));
    }

    #[test]
    fn current_hashes_say_missing_and_refused_apart() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "alpha").unwrap();
        let b = Bundle::new(dir.path()).unwrap();
        let alpha = crate::digest::sha256_hex(b"alpha");
        assert_eq!(b.current_sha256("a.txt"), Ok(Some(alpha)));
        assert_eq!(b.current_sha256("b.txt"), Ok(None));
        assert!(b.current_sha256("../a.txt").unwrap_err().contains("`..`"));
    }

    #[test]
    fn a_path_is_made_relative_through_the_common_ancestor() {
        let dir = tempfile::tempdir().unwrap();
        let (cfg, out) = (dir.path().join("proj"), dir.path().join("out/deep"));
        std::fs::create_dir_all(&cfg).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(cfg.join("perfgate.toml"), "").unwrap();
        let toml = cfg.join("perfgate.toml");
        assert_eq!(
            relative_to(&toml, &out).as_deref(),
            Some("../../proj/perfgate.toml")
        );
        assert_eq!(relative_to(&toml, &cfg).as_deref(), Some("perfgate.toml"));
        assert_eq!(relative_to(&dir.path().join("gone"), &cfg), None);
        assert_eq!(parent_dir(Path::new("m.json")), Path::new("."));
        assert_eq!(parent_dir(Path::new("a/m.json")), Path::new("a"));
    }
}
