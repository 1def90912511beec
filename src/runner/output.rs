//! What a run writes to stdout and stderr, read from pipes while it runs so that perfgate's
//! memory and disk use stay bounded whatever the benchmark prints: of stdout only the
//! `PERFGATE_METRIC` lines are kept (each of bounded length, see [`super::custom`]); of stderr
//! only the last [`STDERR_TAIL_BYTES`], for the reason of a failed run. Nothing is spooled to
//! `$TMPDIR`. (A harness's or `versus`'s stdout is data and goes to a file instead.)
//!
//! The wait for the child's exit is a `poll` on a pidfd and the pipes, on the thread that
//! runs the benchmark: no thread per run, and the child never blocks on a full pipe.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::custom::MetricLines;

/// Bytes of stderr kept, and at most shown (as escaped text) in a failed run's reason.
pub const STDERR_TAIL_BYTES: usize = 2048;

/// Without a pidfd (Linux before 5.3), how often the child is checked for exit.
const FALLBACK_TICK_MS: i32 = 10;

/// The last bytes written, no more than [`STDERR_TAIL_BYTES`].
#[derive(Debug, Default)]
pub struct Tail {
    kept: Vec<u8>,
    /// Bytes written before the kept ones.
    dropped: u64,
}

impl Tail {
    pub fn feed(&mut self, chunk: &[u8]) {
        let keep_from = chunk.len().saturating_sub(STDERR_TAIL_BYTES);
        self.dropped += keep_from as u64;
        self.kept.extend_from_slice(&chunk[keep_from..]);
        let over = self.kept.len().saturating_sub(STDERR_TAIL_BYTES);
        if over > 0 {
            self.kept.drain(..over);
            self.dropped += over as u64;
        }
    }

    /// The tail as one line of text: a partial first line dropped when the start is missing,
    /// trailing whitespace trimmed, control characters and invalid UTF-8 escaped, at most
    /// [`STDERR_TAIL_BYTES`] characters (`…` in front when something is left out).
    pub fn text(&self) -> String {
        let mut bytes: &[u8] = &self.kept;
        while let [rest @ .., last] = bytes {
            if !last.is_ascii_whitespace() {
                break;
            }
            bytes = rest;
        }
        let mut cut = self.dropped > 0;
        if cut {
            if let Some(i) = bytes.iter().position(|&b| b == b'\n') {
                bytes = &bytes[i + 1..];
            }
        }
        let pieces = escaped_pieces(bytes);
        let mut budget = STDERR_TAIL_BYTES;
        let mut first = pieces.len();
        for (i, p) in pieces.iter().enumerate().rev() {
            if p.len() > budget {
                cut = true;
                break;
            }
            budget -= p.len();
            first = i;
        }
        let mut out = String::with_capacity(STDERR_TAIL_BYTES + 3);
        if cut && first < pieces.len() {
            out.push('…');
        }
        for p in &pieces[first..] {
            out.push_str(p);
        }
        out
    }
}

/// `bytes` as text, one piece per character: control characters as `\n`, `\t`, `\r`, `\0`
/// or `\u{..}`, bytes that are not UTF-8 as `\xNN`, so no terminal escape and no line break
/// of the benchmark's reaches perfgate's output.
fn escaped_pieces(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            out.push(match c {
                '\n' => "\\n".to_string(),
                '\t' => "\\t".to_string(),
                '\r' => "\\r".to_string(),
                '\0' => "\\0".to_string(),
                '\\' => "\\\\".to_string(),
                c if c.is_control() => format!("\\u{{{:x}}}", c as u32),
                c => c.to_string(),
            });
        }
        for b in chunk.invalid() {
            out.push(format!("\\x{b:02x}"));
        }
    }
    out
}

/// The read ends perfgate keeps, and what has been read from them.
#[derive(Default)]
pub struct Capture {
    stdout: Option<OwnedFd>,
    stderr: Option<OwnedFd>,
    /// The child's write ends, kept open by perfgate too while the child runs: the child's
    /// exit then closes no pipe, so the wait wakes once, on the pidfd, not first on a hang-up
    /// (a wake-up inside the timed window).
    writers: Option<ChildEnds>,
    pidfd: Option<OwnedFd>,
    pub metric_lines: MetricLines,
    pub stderr_tail: Tail,
}

/// The write ends, for the child; dropped by the parent right after the fork.
pub struct ChildEnds {
    pub stdout: Option<OwnedFd>,
    pub stderr: Option<OwnedFd>,
}

pub(super) fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid array of two ints.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 returned two fresh descriptors that we now own.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

impl Capture {
    /// Pipes for the streams asked for.
    pub fn new(stdout: bool, stderr: bool) -> io::Result<(Capture, ChildEnds)> {
        let mut cap = Capture::default();
        let mut ends = ChildEnds {
            stdout: None,
            stderr: None,
        };
        if stdout {
            let (r, w) = pipe()?;
            cap.stdout = Some(r);
            ends.stdout = Some(w);
        }
        if stderr {
            let (r, w) = pipe()?;
            cap.stderr = Some(r);
            ends.stderr = Some(w);
        }
        Ok((cap, ends))
    }

    /// After the fork, before the clock starts: keeps the write ends the child has copies
    /// of, and opens a pidfd of the child (our child, not reaped, so it is that process).
    pub fn watch(&mut self, pid: libc::pid_t, ends: ChildEnds) {
        self.writers = Some(ends);
        // SAFETY: plain syscall.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        // SAFETY: a non-negative return is a fresh descriptor that we now own.
        self.pidfd = (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as RawFd) });
    }

    /// Reads the pipes until `pid` (see [`Capture::watch`]) has exited.
    pub fn wait_exit(&mut self, pid: libc::pid_t, buf: &mut [u8]) {
        let timeout = if self.pidfd.is_some() {
            -1
        } else {
            FALLBACK_TICK_MS
        };
        loop {
            let mut fds = [pollfd(-1); 3];
            for (slot, fd) in fds.iter_mut().zip(self.fds()) {
                *slot = pollfd(fd);
            }
            // SAFETY: fds is a valid array of three pollfd; negative fds are ignored.
            let r = unsafe { libc::poll(fds.as_mut_ptr(), 3, timeout) };
            if r < 0 {
                if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                // Cannot poll: read nothing more until the child is gone.
                wait_exited_no_reap(pid);
                break;
            }
            for p in &fds[1..] {
                if p.fd >= 0 && p.revents != 0 {
                    self.read_once(p.fd, buf);
                }
            }
            let exited = if self.pidfd.is_some() {
                fds[0].revents != 0
            } else {
                has_exited(pid)
            };
            if exited {
                break;
            }
        }
        self.writers = None;
        self.pidfd = None;
    }

    /// After the run and whatever it left were killed: what is still in the pipes, without
    /// waiting for a writer that escaped the process group.
    pub fn finish(&mut self, buf: &mut [u8]) {
        loop {
            let [_, out, err] = self.fds();
            let mut fds = [pollfd(out), pollfd(err)];
            // SAFETY: fds is a valid array of two pollfd; negative fds are ignored.
            let r = unsafe { libc::poll(fds.as_mut_ptr(), 2, 0) };
            if r <= 0 {
                break;
            }
            for p in &fds {
                if p.fd >= 0 && p.revents != 0 {
                    self.read_once(p.fd, buf);
                }
            }
        }
        self.stdout = None;
        self.stderr = None;
        self.metric_lines.finish();
    }

    /// The pidfd, stdout and stderr, -1 for those not open (poll ignores them).
    fn fds(&self) -> [RawFd; 3] {
        [&self.pidfd, &self.stdout, &self.stderr]
            .map(|f| f.as_ref().map_or(-1, std::os::fd::AsRawFd::as_raw_fd))
    }

    /// One read from `fd` (poll said it would not block); closes it at end of file.
    fn read_once(&mut self, fd: RawFd, buf: &mut [u8]) {
        // SAFETY: reading into a valid buffer of its length.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        let is_stdout = self.stdout.as_ref().is_some_and(|f| f.as_raw_fd() == fd);
        if n > 0 {
            let chunk = &buf[..n as usize];
            if is_stdout {
                self.metric_lines.feed(chunk);
            } else {
                self.stderr_tail.feed(chunk);
            }
        } else if n == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            if is_stdout {
                self.stdout = None;
            } else {
                self.stderr = None;
            }
        }
    }
}

fn pollfd(fd: RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

fn has_exited(pid: libc::pid_t) -> bool {
    // SAFETY: siginfo_t is plain data; waitid only writes into it.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer; WNOWAIT leaves the child waitable.
    let r = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    // SAFETY: waitid filled `info`; si_pid is 0 while the child runs.
    r != 0 || unsafe { info.si_pid() } != 0
}

/// Blocks until `pid` has exited, leaving it unreaped: while it is a zombie its pid (= its
/// process group id) cannot be reused, so a late kill of the group cannot hit a stranger.
fn wait_exited_no_reap(pid: libc::pid_t) {
    loop {
        // SAFETY: siginfo_t is plain data; waitid only writes into it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: valid pointer; WNOWAIT leaves the child waitable for wait4.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_keeps_the_last_bytes_as_escaped_text() {
        let mut t = Tail::default();
        t.feed(b"first line\n");
        t.feed(b"\x1b[31mred\x1b[0m \xff\xfe and \0 nul\n\n");
        assert_eq!(
            t.text(),
            "first line\\n\\u{1b}[31mred\\u{1b}[0m \\xff\\xfe and \\0 nul"
        );
        let mut t = Tail::default();
        for _ in 0..1000 {
            t.feed(b"0123456789 noise that goes on\n");
        }
        t.feed(b"the error\n");
        let text = t.text();
        assert!(text.starts_with('…'), "{text}");
        assert!(text.ends_with("noise that goes on\\nthe error"), "{text}");
        assert!(text.chars().count() <= STDERR_TAIL_BYTES + 1);
        // The start is cut, and the only line break is the last byte: the text stays.
        let mut t = Tail::default();
        t.feed(&vec![b'x'; 3 * STDERR_TAIL_BYTES]);
        t.feed(b"end\n");
        assert!(t.text().ends_with("xxxend"), "{}", t.text());
        // NULs without a line break: each one is shown escaped, within the budget.
        let mut t = Tail::default();
        t.feed(&vec![0u8; 10 * STDERR_TAIL_BYTES]);
        let text = t.text();
        assert!(!text.contains('\0'));
        assert_eq!(text.matches("\\0").count(), STDERR_TAIL_BYTES / 2);
        assert!(text.starts_with('…'));
    }
}
