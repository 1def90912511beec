//! perfgate's temporary directories: `$TMPDIR/perfgate-<pid>-<random>`, removed when dropped
//! (also after Ctrl-C or SIGTERM, whose handler lets the command unwind). A perfgate that was
//! SIGKILLed cannot remove its own, so the first one a process creates sweeps the directories
//! of perfgates that are gone: named so, owned by this user, and whose pid no longer exists.

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Once;

const PREFIX: &str = "perfgate-";

/// A fresh temporary directory of this process.
pub fn create() -> io::Result<tempfile::TempDir> {
    static SWEPT: Once = Once::new();
    let base = std::env::temp_dir();
    SWEPT.call_once(|| {
        sweep(&base);
    });
    tempfile::Builder::new()
        .prefix(&format!("{PREFIX}{}-", std::process::id()))
        .tempdir_in(&base)
}

/// Removes the stale directories of other perfgates in `base`; returns how many.
pub fn sweep(base: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(base) else {
        return 0;
    };
    // SAFETY: geteuid has no failure mode.
    let uid = unsafe { libc::geteuid() };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(owner_pid) else {
            continue;
        };
        let ours = entry
            .path()
            .symlink_metadata()
            .is_ok_and(|m| m.is_dir() && m.uid() == uid);
        if ours && !alive(pid) && std::fs::remove_dir_all(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The pid in `perfgate-<pid>-<anything>`.
fn owner_pid(name: &str) -> Option<libc::pid_t> {
    let (pid, rest) = name.strip_prefix(PREFIX)?.split_once('-')?;
    if rest.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok().filter(|p| *p > 0)
}

/// Whether a process `pid` exists (one of another user counts: it is not ours to judge).
fn alive(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_names_have_an_owner() {
        assert_eq!(owner_pid("perfgate-123-abc"), Some(123));
        assert_eq!(owner_pid("perfgate-123-"), None);
        assert_eq!(owner_pid("perfgate-12x-abc"), None);
        assert_eq!(owner_pid("perfgate--abc"), None);
        assert_eq!(owner_pid("perfgate-0-abc"), None);
        assert_eq!(owner_pid("other-123-abc"), None);
    }

    #[test]
    fn the_sweep_removes_only_directories_of_processes_that_are_gone() {
        let base = tempfile::tempdir().unwrap();
        let b = base.path();
        // pid_max is at most 2^22, so this pid never exists.
        let gone = b.join("perfgate-999999999-x1");
        let live = b.join(format!("perfgate-{}-x2", std::process::id()));
        let foreign = b.join("not-perfgate-999999999-x3");
        let file = b.join("perfgate-999999999-file");
        for d in [&gone, &live, &foreign] {
            std::fs::create_dir(d).unwrap();
            std::fs::write(d.join("inside"), "x").unwrap();
        }
        std::fs::write(&file, "x").unwrap();
        assert_eq!(sweep(b), 1);
        assert!(!gone.exists());
        assert!(live.join("inside").exists());
        assert!(foreign.join("inside").exists());
        assert!(file.exists());
    }
}
