//! Time-outs: one thread per executor that kills a run's process group when its deadline
//! passes.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

/// One thread that kills a run's process group when its deadline passes. Armed after spawn and
/// disarmed after the child exits; it costs two uncontended lock operations per run.
pub struct Watchdog {
    shared: Arc<(Mutex<WatchState>, Condvar)>,
}

#[derive(Default)]
struct WatchState {
    armed: Option<(libc::pid_t, Instant)>,
    fired: bool,
}

impl Watchdog {
    pub fn start() -> Self {
        let shared = Arc::new((Mutex::new(WatchState::default()), Condvar::new()));
        let theirs = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("perfgate-watchdog".into())
            .spawn(move || watch(&theirs))
            .expect("cannot start the time-out watchdog thread");
        Watchdog { shared }
    }

    pub fn arm(&self, pid: libc::pid_t, deadline: Instant) {
        let (lock, cv) = &*self.shared;
        let mut s = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.armed = Some((pid, deadline));
        s.fired = false;
        cv.notify_one();
    }

    /// Returns whether the deadline fired for the run that just ended.
    pub fn disarm(&self) -> bool {
        let (lock, _) = &*self.shared;
        let mut s = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.armed = None;
        std::mem::take(&mut s.fired)
    }
}

fn watch(shared: &(Mutex<WatchState>, Condvar)) {
    let (lock, cv) = shared;
    let mut s = lock
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    loop {
        match s.armed {
            None => {
                s = cv
                    .wait(s)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            Some((pid, deadline)) => {
                let now = Instant::now();
                if now >= deadline {
                    // SAFETY: plain syscall; the group leader is our unreaped child.
                    unsafe { libc::killpg(pid, libc::SIGKILL) };
                    s.fired = true;
                    s.armed = None;
                } else {
                    s = cv
                        .wait_timeout(s, deadline - now)
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .0;
                }
            }
        }
    }
}
