//! Ctrl-C and SIGTERM while a benchmark runs. The benchmark has its own process group, so the
//! terminal's SIGINT reaches perfgate but not the benchmark; without this handler perfgate would
//! die and leave the benchmark (and its children) running. The handler kills the running
//! group, then dies of the same signal, so the caller sees the usual "killed by SIGINT" status.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Once;

/// Process group of the run in progress; 0 when none.
static RUNNING_GROUP: AtomicI32 = AtomicI32::new(0);
static INSTALL: Once = Once::new();

extern "C" fn on_signal(signal: libc::c_int) {
    let group = RUNNING_GROUP.load(Ordering::SeqCst);
    // SAFETY: killpg, signal and raise are async-signal-safe.
    unsafe {
        if group > 0 {
            libc::killpg(group, libc::SIGKILL);
        }
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

/// Installs the handler for SIGINT, SIGTERM and SIGHUP (once per process).
pub fn install() {
    INSTALL.call_once(|| {
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: installing a handler that only makes async-signal-safe calls.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
                libc::sigemptyset(&mut action.sa_mask);
                action.sa_flags = libc::SA_RESTART;
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
    });
}

/// Marks `group` as the run in progress (0: none).
pub fn set_running(group: libc::pid_t) {
    RUNNING_GROUP.store(group, Ordering::SeqCst);
}
