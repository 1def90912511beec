//! The spool: reports that could not be sent, kept as files until the server has them.
//!
//! One file per report, `<report_id>.json`, written to a temporary file in the directory and
//! renamed into place (a crash leaves the whole file or none). A report is removed only after
//! the server said it has it (200 or 201); a crash between the answer and the removal sends it
//! again, which the server takes as a duplicate. The same report spooled twice is one file.
//! What a check's gate said of a run goes beside it, `<report_id>.judgement`, written first,
//! so that a spooled report is never sent without the judgement it had.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::{Error, Result};
use crate::model::file::read_report;
use crate::model::Report;
use crate::store::Judgement;

/// Where the spool is under the project root, beside the store.
pub const DEFAULT_SPOOL_DIR: &str = ".perfgate/spool";

#[derive(Debug, Clone)]
pub struct Spool {
    dir: PathBuf,
}

impl Spool {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Spool { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Keeps `report`, and what its gate said (creating the directory when needed), and
    /// returns its file.
    pub fn put(&self, report: &Report, judgement: Option<&Judgement>) -> Result<PathBuf> {
        std::fs::create_dir_all(&self.dir).map_err(|source| Error::Write {
            path: self.dir.clone(),
            source,
        })?;
        let path = self.dir.join(format!("{}.json", super::report_id(report)));
        if let Some(j) = judgement {
            crate::model::file::write_json(&judgement_path(&path), j)?;
        }
        crate::model::file::write_json(&path, report)?;
        Ok(path)
    }

    /// The spooled reports, oldest first (by the time each was written, then by name). A
    /// missing directory is an empty spool; files that are not `*.json` (a temporary file
    /// left by a crash) are not reports and are left alone.
    pub fn entries(&self) -> Result<Vec<PathBuf>> {
        let read = match std::fs::read_dir(&self.dir) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(Error::Io {
                    context: format!("cannot read the spool {}", self.dir.display()),
                    source,
                })
            }
        };
        let mut found: Vec<(SystemTime, PathBuf)> = Vec::new();
        for entry in read.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || !name.ends_with(".json") {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_file() {
                found.push((meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), path));
            }
        }
        found.sort();
        Ok(found.into_iter().map(|(_, p)| p).collect())
    }

    /// Reads a spooled report back, checked like any report file, with its judgement.
    pub fn read(&self, path: &Path) -> Result<(Report, Option<Judgement>)> {
        let report = read_report(path)?;
        let sidecar = judgement_path(path);
        let judgement = match std::fs::read_to_string(&sidecar) {
            Ok(text) => Some(
                crate::strict_json::from_str(&text)
                    .and_then(serde_json::from_value)
                    .map_err(|e| Error::input(&sidecar, format!("not a judgement: {e}")))?,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::input(&sidecar, format!("cannot read: {e}"))),
        };
        Ok((report, judgement))
    }

    /// Removes a report the server has, and its judgement.
    pub fn remove(&self, path: &Path) -> Result<()> {
        for file in [path.to_path_buf(), judgement_path(path)] {
            match std::fs::remove_file(&file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::Io {
                        context: format!("cannot remove {} from the spool", file.display()),
                        source: e,
                    })
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Where the judgement of the spooled report `path` is kept.
fn judgement_path(path: &Path) -> PathBuf {
    path.with_extension("judgement")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(seed: u64) -> Report {
        crate::testing::report().suite("proj").seed(seed).build()
    }

    #[test]
    fn a_spooled_report_reads_back_exactly_and_is_named_by_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::new(dir.path().join("spool"));
        assert!(spool.entries().unwrap().is_empty(), "no directory yet");
        let r = report(1);
        let path = spool.put(&r, None).unwrap();
        assert_eq!(
            path.file_name().unwrap().to_string_lossy(),
            format!("{}.json", crate::client::report_id(&r))
        );
        assert_eq!(spool.entries().unwrap(), vec![path.clone()]);
        assert_eq!(spool.read(&path).unwrap(), (r.clone(), None));
        // The same report again is the same one file.
        assert_eq!(spool.put(&r, None).unwrap(), path);
        assert_eq!(spool.entries().unwrap().len(), 1);
        spool.remove(&path).unwrap();
        assert!(spool.entries().unwrap().is_empty());
        spool.remove(&path).unwrap();
    }

    #[test]
    fn entries_are_oldest_first_and_leave_other_files_alone() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::new(dir.path());
        let paths: Vec<PathBuf> = (0..3)
            .map(|s| spool.put(&report(s), None).unwrap())
            .collect();
        // Written in order 0, 1, 2; make the first one the newest.
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&paths[0])
            .unwrap()
            .set_modified(later)
            .unwrap();
        std::fs::write(dir.path().join(".tmp123"), "half").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        let entries = spool.entries().unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[2], paths[0], "{entries:?}");
        assert!(dir.path().join(".tmp123").exists());
    }
}
