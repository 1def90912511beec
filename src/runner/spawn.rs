//! Starting a benchmark process with `fork` + `execve`, by hand, for two reasons:
//!
//! - Peak RSS. `wait4` reports the child's `ru_maxrss`, and Linux folds the high-water mark of
//!   the address space the child exec'd *from* into it. With `posix_spawn`/`vfork` (what std and
//!   hyperfine use) that address space is the parent's, so every benchmark "uses" at least the
//!   parent's peak RSS (python shows 13.9 MiB for `sleep`). After a real `fork` the child's
//!   address space only carries the parent's anonymous pages, about 1 MiB here.
//! - Timing. The child is forked *before* the clock starts and waits on a pipe; the clock
//!   starts, the parent releases it, and the measured window is exec + run + exit + reap. The
//!   fork's page-table copy is not billed to the benchmark.
//!
//! Everything the child needs (paths, argv, envp) is prepared before `fork`; between `fork` and
//! `execve` the child only makes async-signal-safe system calls.

use std::collections::BTreeMap;
use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// A process image ready to be forked and exec'd.
pub struct Prepared {
    program: CString,
    argv: Vec<CString>,
    envp: Vec<CString>,
    cwd: CString,
    /// CPU affinity set in the child before exec (`pin = [cores]`).
    affinity: Option<libc::cpu_set_t>,
}

impl Prepared {
    /// Finds the program `args[0]` names (see [`super::program`]) and builds the C strings.
    pub fn new(
        args: &[OsString],
        env: &BTreeMap<String, String>,
        cwd: &Path,
    ) -> Result<Self, String> {
        let mut vars: BTreeMap<OsString, OsString> = std::env::vars_os().collect();
        for (k, v) in env {
            vars.insert(k.into(), v.into());
        }
        // Here, not from the child's chdir, so the error can name the directory.
        match std::fs::metadata(cwd) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(format!(
                    "working directory {}: not a directory",
                    cwd.display()
                ))
            }
            Err(e) => return Err(format!("working directory {}: {e}", cwd.display())),
        }
        let program = super::program::locate(&args[0], env, cwd)?;
        let cstr = |s: &OsStr| {
            CString::new(s.as_bytes()).map_err(|_| format!("{s:?} contains a NUL byte"))
        };
        let envp = vars
            .iter()
            .map(|(k, v)| {
                let mut kv = k.clone();
                kv.push("=");
                kv.push(v);
                cstr(&kv)
            })
            .collect::<Result<_, _>>()?;
        Ok(Prepared {
            program: cstr(program.as_os_str())?,
            argv: args.iter().map(|a| cstr(a)).collect::<Result<_, _>>()?,
            envp,
            cwd: cstr(cwd.as_os_str())?,
            affinity: None,
        })
    }

    /// Pins the process to `cores` (none: inherit perfgate's affinity).
    pub fn pinned(mut self, cores: &[usize]) -> Result<Self, String> {
        if cores.is_empty() {
            return Ok(self);
        }
        // SAFETY: cpu_set_t is plain data; zeroed is the empty set.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        let max = 8 * std::mem::size_of::<libc::cpu_set_t>();
        for &c in cores {
            if c >= max {
                return Err(format!(
                    "pin: core {c} is beyond the {max} this system call takes"
                ));
            }
            // SAFETY: c is below the set's capacity.
            unsafe { libc::CPU_SET(c, &mut set) };
        }
        self.affinity = Some(set);
        Ok(self)
    }
}

/// Where the child's standard streams go.
pub struct Stdio {
    pub stdin: RawFd,
    /// `None` keeps the parent's.
    pub stdout: Option<RawFd>,
    pub stderr: Option<RawFd>,
}

/// A forked child, blocked before `execve` until [`Parked::release`].
pub struct Parked {
    pub pid: libc::pid_t,
    go: OwnedFd,
    exec_error: OwnedFd,
}

/// Forks a child in its own process group, with its streams and cwd set, waiting to exec.
pub fn fork_parked(p: &Prepared, stdio: &Stdio) -> io::Result<Parked> {
    let (go_read, go_write) = super::output::pipe()?;
    let (err_read, err_write) = super::output::pipe()?;
    // SAFETY: getpid has no failure mode.
    let parent = unsafe { libc::getpid() };
    let mut argv: Vec<*const libc::c_char> = p.argv.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let mut envp: Vec<*const libc::c_char> = p.envp.iter().map(|e| e.as_ptr()).collect();
    envp.push(std::ptr::null());
    // SAFETY: fork is called with everything prepared; the child runs only async-signal-safe
    // calls (see `child`) and never returns into Rust code.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: in the freshly forked child; pointers stay valid (copied address space).
        unsafe {
            child(
                p,
                stdio,
                parent,
                go_read.as_raw_fd(),
                err_write.as_raw_fd(),
                &argv,
                &envp,
            );
        }
    }
    // Also set the group from the parent, so a kill never races the child's own setpgid.
    // SAFETY: plain syscall on our child.
    unsafe { libc::setpgid(pid, pid) };
    drop(go_read);
    drop(err_write);
    Ok(Parked {
        pid,
        go: go_write,
        exec_error: err_read,
    })
}

/// The child between fork and exec. Never returns.
unsafe fn child(
    p: &Prepared,
    stdio: &Stdio,
    parent: libc::pid_t,
    go: RawFd,
    err: RawFd,
    argv: &[*const libc::c_char],
    envp: &[*const libc::c_char],
) -> ! {
    let fail = |errno: i32| -> ! {
        let bytes = errno.to_ne_bytes();
        libc::write(err, bytes.as_ptr().cast(), bytes.len());
        libc::_exit(127)
    };
    let errno = || *libc::__errno_location();
    libc::setpgid(0, 0);
    // Die with perfgate, even by SIGKILL (see `super::group` for the rest of the group); if
    // it is already gone, so is the reason to run.
    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    if libc::getppid() != parent {
        libc::_exit(126);
    }
    // Rust ignores SIGPIPE and an ignored disposition survives exec: restore the default so
    // pipelines in benchmarks behave as in a shell. Unblock everything too.
    libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    let mut empty: libc::sigset_t = std::mem::zeroed();
    libc::sigemptyset(&mut empty);
    libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
    if libc::dup2(stdio.stdin, 0) < 0 {
        fail(errno());
    }
    if let Some(fd) = stdio.stdout {
        if libc::dup2(fd, 1) < 0 {
            fail(errno());
        }
    }
    if let Some(fd) = stdio.stderr {
        if libc::dup2(fd, 2) < 0 {
            fail(errno());
        }
    }
    if libc::chdir(p.cwd.as_ptr()) != 0 {
        fail(errno());
    }
    if let Some(set) = &p.affinity {
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), set) != 0 {
            fail(errno());
        }
    }
    // Park until the parent has started its clock (or gave up: EOF).
    let mut byte = 0u8;
    loop {
        let r = libc::read(go, (&mut byte as *mut u8).cast(), 1);
        if r == 1 {
            break;
        }
        if r == 0 || errno() != libc::EINTR {
            libc::_exit(126);
        }
    }
    libc::execve(p.program.as_ptr(), argv.as_ptr(), envp.as_ptr());
    fail(errno())
}

impl Parked {
    /// Lets the child exec. Call right after starting the clock.
    pub fn release(&self) {
        let byte = 1u8;
        // SAFETY: writing one byte from a valid buffer to our pipe.
        unsafe { libc::write(self.go.as_raw_fd(), (&byte as *const u8).cast(), 1) };
    }

    /// After the child was reaped: the errno of a failed chdir/dup2/execve, if any.
    pub fn exec_error(&self) -> Option<io::Error> {
        let mut buf = [0u8; 4];
        // SAFETY: reading into a valid 4-byte buffer; the write end is closed by now.
        let n = unsafe { libc::read(self.exec_error.as_raw_fd(), buf.as_mut_ptr().cast(), 4) };
        (n == 4).then(|| io::Error::from_raw_os_error(i32::from_ne_bytes(buf)))
    }
}
