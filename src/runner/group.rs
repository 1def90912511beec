//! The processes of a run besides its leader. Each run has its own process group; after the
//! leader exits, whatever is still running in that group (a background child, a server it
//! started) is killed and counted, so no run leaks into the next one's measurement or
//! outlives perfgate.
//!
//! If perfgate itself is killed by SIGKILL, no code of it runs. The leader dies with it
//! (`PR_SET_PDEATHSIG`, set in [`super::spawn`]), and the rest of the group is killed by a
//! guardian: a small process forked once, which blocks reading a pipe whose only write end
//! perfgate holds; when perfgate is gone, the read returns end of file and the guardian kills
//! the group that was running then, which perfgate keeps in a page shared with it.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::OnceLock;

/// After `group`'s leader was reaped: kills what is left of the group, and returns how many
/// processes were still running in it (zombies not counted).
///
/// Once the leader is reaped its pid stays allocated for as long as the group has members, so
/// a group that still exists is this run's; pids are handed out cyclically, so an empty group's
/// number is not in use again in the microseconds between the reap and this call.
pub fn kill_leftovers(group: libc::pid_t) -> u32 {
    // SAFETY: signal 0 only checks whether the group has members.
    if unsafe { libc::killpg(group, 0) } != 0 {
        return 0;
    }
    let running = running_members(group);
    // SAFETY: plain syscall on the run's own group (see above).
    unsafe { libc::killpg(group, libc::SIGKILL) };
    running
}

/// Processes in `group` that are not zombies, from `/proc`.
fn running_members(group: libc::pid_t) -> u32 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut n = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.as_encoded_bytes().iter().all(u8::is_ascii_digit) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid pgrp ...`; comm may contain anything, so split at the last `)`.
        let Some((_, rest)) = stat.rsplit_once(") ") else {
            continue;
        };
        let mut fields = rest.split(' ');
        let state = fields.next().unwrap_or("");
        let pgrp = fields.nth(1).and_then(|p| p.parse::<libc::pid_t>().ok());
        if pgrp == Some(group) && !matches!(state, "Z" | "X" | "x") {
            n += 1;
        }
    }
    n
}

/// The group the guardian kills if perfgate dies; 0 for none.
pub fn guard(group: libc::pid_t) {
    if let Some(slot) = guardian() {
        slot.store(group, Ordering::SeqCst);
    }
}

/// Starts the guardian, once per process; `None` when it could not be started (then only
/// the leader is covered, by its death signal).
pub fn guardian() -> Option<&'static AtomicI32> {
    static GUARDIAN: OnceLock<Option<(&'static AtomicI32, OwnedFd)>> = OnceLock::new();
    GUARDIAN
        .get_or_init(|| start_guardian().ok())
        .as_ref()
        .map(|(slot, _)| *slot)
}

fn start_guardian() -> std::io::Result<(&'static AtomicI32, OwnedFd)> {
    // SAFETY: an anonymous shared mapping of one page, never unmapped: the slot lives as long
    // as the process, and the guardian sees the same page after fork.
    let page = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if page == libc::MAP_FAILED {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: the page is zeroed, aligned and lives forever; an AtomicI32 of 0 is valid.
    let slot: &'static AtomicI32 = unsafe { &*page.cast::<AtomicI32>() };
    let (read, write) = super::output::pipe()?;
    // SAFETY: the child only makes async-signal-safe system calls and never returns.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: in the freshly forked child.
        unsafe { guardian_main(read.as_raw_fd(), slot) }
    }
    drop(read);
    Ok((slot, write))
}

/// The guardian: out of perfgate's process group (a kill of that group must not take it
/// along) and deaf to terminal signals, it holds no descriptor but its pipe (so it keeps no
/// pipe of perfgate's callers open), waits for end of file, kills the group perfgate was
/// running, and exits.
unsafe fn guardian_main(read: RawFd, slot: &AtomicI32) -> ! {
    libc::setpgid(0, 0);
    for s in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
        libc::signal(s, libc::SIG_IGN);
    }
    libc::chdir(c"/".as_ptr());
    close_all_but(read);
    let mut byte = 0u8;
    loop {
        let r = libc::read(read, (&mut byte as *mut u8).cast(), 1);
        if r == 0 || (r < 0 && *libc::__errno_location() != libc::EINTR) {
            break;
        }
    }
    let group = slot.load(Ordering::SeqCst);
    if group > 0 {
        libc::killpg(group, libc::SIGKILL);
    }
    libc::_exit(0)
}

unsafe fn close_all_but(keep: RawFd) {
    let ok = |r: libc::c_long| r == 0;
    let below = keep == 0 || ok(libc::syscall(libc::SYS_close_range, 0, keep - 1, 0));
    let above = ok(libc::syscall(libc::SYS_close_range, keep + 1, u32::MAX, 0));
    if !(below && above) {
        // Before Linux 5.9: one by one, up to the descriptor limit.
        let max = match libc::sysconf(libc::_SC_OPEN_MAX) {
            n if n > 0 => n.min(1 << 20) as RawFd,
            _ => 1024,
        };
        for fd in (0..max).filter(|&fd| fd != keep) {
            libc::close(fd);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_of_a_group_are_counted_and_killed() {
        use std::os::unix::process::CommandExt;
        use std::process::{Command, Stdio};
        // A leader that starts three sleepers and exits at once.
        let mut child = Command::new("sh")
            .args(["-c", "for i in 1 2 3; do sleep 30 & done"])
            .stdout(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let group = child.id() as libc::pid_t;
        assert!(child.wait().unwrap().success());
        assert_eq!(kill_leftovers(group), 3);
        // Killed: at most zombies remain, and the next look finds nothing running.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while running_members(group) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(running_members(group), 0);
    }
}
