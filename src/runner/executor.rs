//! The process seam. [`ProcessExecutor`] starts a real child in its own process group, times
//! it with the monotonic clock, and reaps it with `wait4` for its CPU times and peak RSS.
//! [`MockExecutor`] answers from a function, so whole-pipeline tests are exact and instant.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::custom::MetricLines;
use super::gpu::GpuSampler;
use super::output::Capture;
use super::watchdog::Watchdog;
use super::{group, interrupt, spawn};
use crate::config::{BenchSpec, Exec};

pub struct RunRequest<'a> {
    pub exec: &'a Exec,
    pub env: &'a BTreeMap<String, String>,
    pub cwd: &'a Path,
    pub timeout: Option<Duration>,
    /// Where the command's stdout goes when its output is data (a harness's results),
    /// whatever `show_output` says; `None`: /dev/null, or the terminal with `show_output`.
    pub capture_stdout: Option<&'a File>,
    /// Without `capture_stdout` or `show_output`: read stdout for `PERFGATE_METRIC` lines
    /// ([`RunMeasurement::metric_lines`]) instead of sending it to /dev/null.
    pub scan_metrics: bool,
    /// CPU affinity (`pin`); empty: inherited.
    pub pin: &'a [usize],
    /// Sample the GPU memory of the process tree while it runs (`device = "cuda"`).
    pub sample_gpu: bool,
    /// A cleanup command: after an interruption it still runs (for at most
    /// [`super::interrupt::CLEANUP_BOUND`]), where every other run is refused.
    pub cleanup: bool,
    /// A setup command: what it leaves running in the background (a server the benchmark
    /// talks to) is the point of it, so it is not killed after the run; the cleanup stops it.
    pub keeps_background: bool,
}

impl<'a> RunRequest<'a> {
    /// A plain run of `command`, one of `spec`'s commands: its environment, directory,
    /// time-out and pinning; stdout to /dev/null.
    pub fn of(spec: &'a BenchSpec, command: &'a Exec) -> Self {
        RunRequest {
            exec: command,
            env: &spec.env,
            cwd: &spec.cwd,
            timeout: spec.timeout,
            capture_stdout: None,
            scan_metrics: false,
            pin: &spec.settings.pin,
            sample_gpu: false,
            cleanup: false,
            keeps_background: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum RunOutcome {
    Exited(i32),
    Signaled(i32),
    TimedOut(Duration),
    CouldNotStart(String),
    /// perfgate was interrupted (this signal): the run was killed, or never started.
    Interrupted(i32),
}

impl RunOutcome {
    pub fn success(&self) -> bool {
        *self == RunOutcome::Exited(0)
    }

    pub fn describe(&self) -> String {
        match self {
            RunOutcome::Exited(c) => format!("exited with status {c}"),
            RunOutcome::Signaled(s) => format!("killed by signal {s}"),
            RunOutcome::TimedOut(t) => format!(
                "timed out after {} (process group killed)",
                humantime::format_duration(*t)
            ),
            RunOutcome::CouldNotStart(e) => format!("could not start: {e}"),
            RunOutcome::Interrupted(_) => "stopped (process group killed)".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunMeasurement {
    pub outcome: RunOutcome,
    /// Seconds from just before spawn to just after the child was reaped.
    pub wall_time: f64,
    pub user_time: f64,
    pub sys_time: f64,
    pub peak_rss_bytes: u64,
    /// The end of stderr as one line of escaped text, when the run failed.
    pub stderr_tail: String,
    /// The `PERFGATE_METRIC` lines of stdout, with `scan_metrics`.
    pub metric_lines: MetricLines,
    /// Processes still running in the run's process group after it exited by itself
    /// (background children it left behind); perfgate killed them.
    pub leftovers: u32,
    /// GPU use of the process tree, when asked for; `samples == 0 && failed == 0` with an
    /// error: no GPU sampler could be opened.
    pub gpu: Option<super::gpu::GpuPeak>,
}

pub trait Executor {
    fn run(&mut self, req: &RunRequest<'_>) -> RunMeasurement;
    /// Whether benchmarks write to the terminal (`--show-output`): stdout is then not
    /// captured for custom metrics.
    fn shows_output(&self) -> bool {
        false
    }
    /// The signal that interrupted perfgate (Ctrl-C: SIGINT), once one arrived: from then on
    /// runs end [`RunOutcome::Interrupted`], except cleanups.
    fn interrupted(&self) -> Option<i32> {
        None
    }
}

/// Runs real processes (see [`super::spawn`] for how they are started and why). stdout goes
/// to /dev/null unless `show_output`, `capture_stdout` or `scan_metrics`; stderr is read as
/// it comes and only its tail is kept (see [`super::output`]).
pub struct ProcessExecutor {
    dev_null: File,
    /// What the pipes are read into.
    buf: Vec<u8>,
    show_output: bool,
    watchdog: Option<Watchdog>,
    /// The last command prepared: a benchmark repeats the same request, and resolving PATH
    /// and building the environment again for every run is wasted work.
    prepared: Option<(PreparedKey, spawn::Prepared)>,
    /// Ctrl-C and SIGTERM handling, for as long as this executor lives.
    _handlers: interrupt::Handlers,
}

/// What a prepared process image depends on: command, environment, directory, affinity.
type PreparedKey = (Exec, BTreeMap<String, String>, PathBuf, Vec<usize>);

impl ProcessExecutor {
    pub fn new(show_output: bool) -> std::io::Result<Self> {
        // Started now, not at the first run: forking it takes a moment that must not be timed.
        group::guardian();
        Ok(ProcessExecutor {
            buf: vec![0; 64 * 1024],
            dev_null: std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/null")?,
            show_output,
            watchdog: None,
            prepared: None,
            _handlers: interrupt::install(),
        })
    }

    fn park(&mut self, req: &RunRequest<'_>) -> Result<(spawn::Parked, Capture), String> {
        let cached = matches!(&self.prepared, Some(((e, env, cwd, pin), _)) if e == req.exec && env == req.env && cwd == req.cwd && pin == req.pin);
        if !cached {
            let args = super::program::argv(req.exec);
            let prepared = spawn::Prepared::new(&args, req.env, req.cwd)?.pinned(req.pin)?;
            self.prepared = Some((
                (
                    req.exec.clone(),
                    req.env.clone(),
                    req.cwd.to_path_buf(),
                    req.pin.to_vec(),
                ),
                prepared,
            ));
        }
        let prepared = &self.prepared.as_ref().expect("prepared above").1;
        let captured = req.capture_stdout.map(std::os::fd::AsRawFd::as_raw_fd);
        let scan = req.scan_metrics && captured.is_none() && !self.show_output;
        let (capture, ends) = Capture::new(scan, !self.show_output)
            .map_err(|e| format!("cannot create a pipe: {e}"))?;
        let fd =
            |end: &Option<std::os::fd::OwnedFd>| end.as_ref().map(std::os::fd::AsRawFd::as_raw_fd);
        let stdio = if self.show_output {
            spawn::Stdio {
                stdin: self.dev_null.as_raw_fd(),
                stdout: captured,
                stderr: None,
            }
        } else {
            spawn::Stdio {
                stdin: self.dev_null.as_raw_fd(),
                stdout: Some(
                    captured
                        .or(fd(&ends.stdout))
                        .unwrap_or(self.dev_null.as_raw_fd()),
                ),
                stderr: fd(&ends.stderr),
            }
        };
        let parked =
            spawn::fork_parked(prepared, &stdio).map_err(|e| format!("fork failed: {e}"))?;
        let mut capture = capture;
        capture.watch(parked.pid, ends);
        Ok((parked, capture))
    }
}

impl Executor for ProcessExecutor {
    fn shows_output(&self) -> bool {
        self.show_output
    }

    fn interrupted(&self) -> Option<i32> {
        interrupt::received()
    }

    fn run(&mut self, req: &RunRequest<'_>) -> RunMeasurement {
        let timeout = bounded_timeout(req);
        // Opened before the fork: loading NVML takes milliseconds that must not be timed.
        let sampler = req.sample_gpu.then(super::gpu::open_sampler);
        if timeout.is_some() && self.watchdog.is_none() {
            self.watchdog = Some(Watchdog::start());
        }
        let (parked, mut capture) = match self.park(req) {
            Ok(p) => p,
            Err(e) => return not_started(RunOutcome::CouldNotStart(e)),
        };
        interrupt::set_running(parked.pid, req.cleanup);
        group::guard(parked.pid);
        if let Some(signal) = interrupt::received().filter(|_| !req.cleanup) {
            return never_run(parked.pid, signal);
        }
        let ended = self.watch(&parked, &mut capture, timeout, sampler);
        let leftovers = if req.keeps_background {
            0
        } else {
            group::kill_leftovers(parked.pid)
        };
        interrupt::set_running(0, false);
        group::guard(0);
        capture.finish(&mut self.buf);
        if let Some(e) = parked.exec_error() {
            return not_started(RunOutcome::CouldNotStart(e.to_string()));
        }
        ended.measurement(req, timeout, leftovers, &mut capture)
    }
}

impl ProcessExecutor {
    /// Lets the parked child run and waits for it to exit, under the time-out and with the
    /// GPU sampled when asked: how it ended. The child is reaped here.
    fn watch(
        &mut self,
        parked: &spawn::Parked,
        capture: &mut Capture,
        timeout: Option<Duration>,
        sampler: Option<Result<Box<dyn GpuSampler>, String>>,
    ) -> Ended {
        let pid = parked.pid;
        let armed = timeout.zip(self.watchdog.as_ref());
        let start = Instant::now();
        parked.release();
        let gpu = GpuWatch::start(sampler, pid);
        if let Some((timeout, dog)) = armed {
            dog.arm(pid, start + timeout);
        }
        // Returns with the child exited but not reaped: while it is a zombie its pid (= its
        // process group id) cannot be reused, so a late kill from the watchdog cannot hit a
        // stranger.
        capture.wait_exit(pid, &mut self.buf);
        let timed_out = armed.is_some_and(|(_, dog)| dog.disarm());
        let (status, usage) = wait4(pid);
        let wall_time = start.elapsed().as_secs_f64();
        Ended {
            status,
            usage,
            wall_time,
            timed_out,
            gpu: gpu.stop(),
        }
    }
}

/// The time-out of a run: its own, but at most [`interrupt::CLEANUP_BOUND`] for a cleanup
/// after an interruption.
fn bounded_timeout(req: &RunRequest<'_>) -> Option<Duration> {
    match (req.cleanup, interrupt::received()) {
        (true, Some(_)) => Some(req.timeout.map_or(interrupt::CLEANUP_BOUND, |t| {
            t.min(interrupt::CLEANUP_BOUND)
        })),
        _ => req.timeout,
    }
}

/// A run that ended as `outcome` without its command having run.
fn not_started(outcome: RunOutcome) -> RunMeasurement {
    RunMeasurement {
        outcome,
        wall_time: 0.0,
        user_time: 0.0,
        sys_time: 0.0,
        peak_rss_bytes: 0,
        stderr_tail: String::new(),
        metric_lines: MetricLines::default(),
        leftovers: 0,
        gpu: None,
    }
}

/// Interrupted before this run began: the parked child `pid` is killed before it runs its
/// command.
fn never_run(pid: libc::pid_t, signal: i32) -> RunMeasurement {
    // SAFETY: plain syscall; the group leader is our unreaped child.
    unsafe { libc::killpg(pid, libc::SIGKILL) };
    wait4(pid);
    interrupt::set_running(0, false);
    group::guard(0);
    not_started(RunOutcome::Interrupted(signal))
}

/// The GPU sampling of one run: a tracker while it runs, or why there is none.
enum GpuWatch {
    Off,
    Tracking(super::gpu::PeakTracker),
    Unavailable(String),
}

impl GpuWatch {
    fn start(sampler: Option<Result<Box<dyn GpuSampler>, String>>, pid: libc::pid_t) -> Self {
        match sampler {
            None => GpuWatch::Off,
            Some(Ok(s)) => GpuWatch::Tracking(super::gpu::PeakTracker::start(
                s,
                pid as u32,
                super::gpu::DEFAULT_INTERVAL,
            )),
            Some(Err(e)) => GpuWatch::Unavailable(e),
        }
    }

    fn stop(self) -> Option<super::gpu::GpuPeak> {
        match self {
            GpuWatch::Off => None,
            GpuWatch::Tracking(t) => Some(t.stop()),
            GpuWatch::Unavailable(e) => Some(super::gpu::GpuPeak {
                errors: vec![e],
                ..Default::default()
            }),
        }
    }
}

/// How a reaped run ended, before it is read as a measurement.
struct Ended {
    /// The `wait4` status.
    status: i32,
    usage: libc::rusage,
    wall_time: f64,
    timed_out: bool,
    gpu: Option<super::gpu::GpuPeak>,
}

impl Ended {
    /// The measurement of the run of `req` under `timeout`, which left `leftovers` behind.
    fn measurement(
        self,
        req: &RunRequest<'_>,
        timeout: Option<Duration>,
        leftovers: u32,
        capture: &mut Capture,
    ) -> RunMeasurement {
        let exit = std::process::ExitStatus::from_raw(self.status);
        let interrupted = interrupt::received();
        let outcome = if let Some(signal) = interrupted.filter(|_| !req.cleanup) {
            RunOutcome::Interrupted(signal)
        } else if self.timed_out {
            RunOutcome::TimedOut(timeout.unwrap_or_default())
        } else if let Some(code) = exit.code() {
            RunOutcome::Exited(code)
        } else {
            RunOutcome::Signaled(exit.signal().unwrap_or(0))
        };
        let stderr_tail = if outcome.success() {
            String::new()
        } else {
            capture.stderr_tail.text()
        };
        RunMeasurement {
            outcome,
            wall_time: self.wall_time,
            user_time: timeval_secs(self.usage.ru_utime),
            sys_time: timeval_secs(self.usage.ru_stime),
            // Linux reports ru_maxrss in KiB.
            peak_rss_bytes: (self.usage.ru_maxrss.max(0) as u64) * 1024,
            stderr_tail,
            metric_lines: std::mem::take(&mut capture.metric_lines),
            // What perfgate killed itself (time-out, interruption) is no finding.
            leftovers: if self.timed_out || interrupted.is_some() {
                0
            } else {
                leftovers
            },
            gpu: self.gpu,
        }
    }
}

fn timeval_secs(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 * 1e-6
}

fn wait4(pid: libc::pid_t) -> (i32, libc::rusage) {
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to locals; pid is our own child.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return (status, usage);
        }
    }
}

/// Passes runs on to another executor and adds up the processes they left behind.
pub struct Counting<'a> {
    inner: &'a mut dyn Executor,
    pub leftovers: u64,
}

impl<'a> Counting<'a> {
    pub fn new(inner: &'a mut dyn Executor) -> Self {
        Counting {
            inner,
            leftovers: 0,
        }
    }
}

impl Executor for Counting<'_> {
    fn run(&mut self, req: &RunRequest<'_>) -> RunMeasurement {
        let m = self.inner.run(req);
        self.leftovers += u64::from(m.leftovers);
        m
    }

    fn shows_output(&self) -> bool {
        self.inner.shows_output()
    }

    fn interrupted(&self) -> Option<i32> {
        self.inner.interrupted()
    }
}

/// Answers runs from a function of the request: deterministic tests of everything above the
/// process seam. An answer [`RunOutcome::Interrupted`] stands for a Ctrl-C during that run.
pub struct MockExecutor<F: FnMut(&RunRequest<'_>) -> RunMeasurement> {
    respond: F,
    pub calls: usize,
    interrupted: Option<i32>,
}

impl<F: FnMut(&RunRequest<'_>) -> RunMeasurement> MockExecutor<F> {
    pub fn new(respond: F) -> Self {
        MockExecutor {
            respond,
            calls: 0,
            interrupted: None,
        }
    }
}

impl<F: FnMut(&RunRequest<'_>) -> RunMeasurement> Executor for MockExecutor<F> {
    fn run(&mut self, req: &RunRequest<'_>) -> RunMeasurement {
        self.calls += 1;
        let m = (self.respond)(req);
        if let RunOutcome::Interrupted(signal) = m.outcome {
            self.interrupted.get_or_insert(signal);
        }
        m
    }

    fn interrupted(&self) -> Option<i32> {
        self.interrupted
    }
}

/// The measurement a mock returns for `sleep SECONDS` (wall time exactly that, like
/// hyperfine's mock), `false` (exit 1), and anything else (1 ms).
pub fn mock_measurement(req: &RunRequest<'_>) -> RunMeasurement {
    let words: Vec<&str> = match req.exec {
        Exec::Argv(a) => a.iter().map(String::as_str).collect(),
        Exec::Shell(s) => s.split_whitespace().collect(),
    };
    let (outcome, wall) = match words.as_slice() {
        ["sleep", secs] => (RunOutcome::Exited(0), secs.parse().unwrap_or(0.0)),
        ["false", ..] => (RunOutcome::Exited(1), 0.001),
        _ => (RunOutcome::Exited(0), 0.001),
    };
    RunMeasurement {
        metric_lines: MetricLines::default(),
        leftovers: 0,
        stderr_tail: if outcome.success() {
            String::new()
        } else {
            "mock failure".into()
        },
        outcome,
        wall_time: wall,
        user_time: wall / 2.0,
        sys_time: wall / 4.0,
        peak_rss_bytes: 1 << 20,
        gpu: None,
    }
}
