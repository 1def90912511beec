//! The child's side: [`Bencher`] runs a routine in batches and measures one process's sample.
//!
//! 1. The timer's resolution is measured (the smallest step between two readings, so it
//!    includes the cost of a reading); a batch must last at least 1000 of them and 20 µs, so
//!    that reading the clock twice per batch is below 0.1% of it. Not longer: on a busy
//!    machine a short batch is less often interrupted by the scheduler, and the median of
//!    many batches then leaves the interrupted ones out (README: 1 ms batches were 4x noisier).
//! 2. Warm-up: the routine runs in batches whose size grows until a batch reaches that target,
//!    for at least the warm-up time (caches, branch predictors, CPU frequency settle).
//! 3. Measurement: batches of that size until the measurement time has passed and at least
//!    `min_batches` are done. The process's time per iteration is the median of its batches'.

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::alloc::Counts;

/// How the child runs the routine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Mode {
    /// Warm up, calibrate, measure.
    Measure(Plan),
    /// Run `iterations` iterations once inside [`perfgate_harness_counted`], for callgrind.
    Count { iterations: u64 },
    /// Run one iteration (`--test`: does every benchmark run at all).
    Smoke,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Plan {
    pub warm_up: Duration,
    pub measure: Duration,
    pub min_batches: usize,
    pub max_batches: usize,
}

/// What one process measured: times in seconds per iteration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Measured {
    /// The median of the batches' times per iteration.
    pub time: f64,
    /// The median of the batches' CPU times per iteration (this thread's: time spent
    /// waiting for a core on a busy machine does not count, nor does sleeping).
    pub cpu_time: f64,
    /// The 95th and 99th percentiles of the batches' times per iteration.
    pub batch_p95: f64,
    pub batch_p99: f64,
    pub batches: usize,
    pub batch_iterations: u64,
    /// The timer's measured resolution (s).
    pub resolution: f64,
    /// Per iteration, the median over batches; `None` without [`crate::CountingAlloc`].
    pub allocations: Option<f64>,
    pub allocated_bytes: Option<f64>,
}

/// Handed to each benchmark's closure, which calls [`Bencher::iter`] or
/// [`Bencher::iter_batched`] once with the code to measure.
pub struct Bencher {
    mode: Mode,
    count_allocations: bool,
    result: Option<Measured>,
}

impl Bencher {
    pub(crate) fn new(mode: Mode, count_allocations: bool) -> Self {
        Bencher {
            mode,
            count_allocations,
            result: None,
        }
    }

    pub(crate) fn into_result(self) -> Option<Measured> {
        self.result
    }

    /// Measures `routine`; its result goes through [`black_box`] (and is dropped inside the
    /// timed region, as the routine's own cost).
    pub fn iter<O, R: FnMut() -> O>(&mut self, mut routine: R) {
        let counting = matches!(self.mode, Mode::Count { .. });
        self.drive(&mut |n| {
            let before = Counts::now();
            let time = region(counting, || {
                for _ in 0..n {
                    black_box(routine());
                }
            });
            (time, Counts::now().since(before))
        });
    }

    /// Measures `routine` on inputs made by `setup`, one per iteration, all made before the
    /// batch outside the timed region (and outside the allocation counts). Outputs are kept
    /// until the batch's time is taken, so dropping them is not measured either.
    pub fn iter_batched<I, O, S, R>(&mut self, mut setup: S, mut routine: R)
    where
        S: FnMut() -> I,
        R: FnMut(I) -> O,
    {
        let counting = matches!(self.mode, Mode::Count { .. });
        self.drive(&mut |n| {
            let mut inputs: Vec<I> = (0..n).map(|_| setup()).collect();
            let mut outputs: Vec<O> = Vec::with_capacity(inputs.len());
            let before = Counts::now();
            let time = region(counting, || {
                for input in inputs.drain(..) {
                    outputs.push(black_box(routine(black_box(input))));
                }
            });
            let counts = Counts::now().since(before);
            drop(outputs);
            (time, counts)
        });
    }

    fn drive(&mut self, run: &mut dyn FnMut(u64) -> (Times, Counts)) {
        self.result = Some(match self.mode {
            Mode::Smoke => {
                let (t, _) = run(1);
                single(t.wall.as_secs_f64())
            }
            Mode::Count { iterations } => {
                run(iterations);
                single(0.0)
            }
            Mode::Measure(plan) => measure(plan, self.count_allocations, run),
        });
    }
}

fn single(time: f64) -> Measured {
    Measured {
        time,
        cpu_time: 0.0,
        batch_p95: time,
        batch_p99: time,
        batches: 1,
        batch_iterations: 1,
        resolution: 0.0,
        allocations: None,
        allocated_bytes: None,
    }
}

/// Elapsed and CPU time of a batch.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Times {
    wall: Duration,
    cpu: f64,
}

/// Runs `body` and returns how long it took; under callgrind ([`Mode::Count`]) runs it inside
/// [`perfgate_harness_counted`] instead, untimed.
#[inline(always)]
fn region<F: FnMut()>(counting: bool, mut body: F) -> Times {
    if counting {
        perfgate_harness_counted(&mut body);
        return Times::default();
    }
    let cpu = thread_cpu_time();
    let start = Instant::now();
    body();
    let wall = start.elapsed();
    Times {
        wall,
        cpu: thread_cpu_time() - cpu,
    }
}

/// This thread's CPU time (s), from `CLOCK_THREAD_CPUTIME_ID`; 0 if it cannot be read.
fn thread_cpu_time() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the valid timespec we pass.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return 0.0;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// The region callgrind counts: `--collect-atstart=no --toggle-collect=perfgate_harness_counted`
/// turns collection on when this function is entered and off when it returns.
#[no_mangle]
#[inline(never)]
pub fn perfgate_harness_counted(body: &mut dyn FnMut()) {
    body();
}

/// The shortest batch, whatever the clock's resolution.
const MIN_BATCH_SECONDS: f64 = 20e-6;

/// The smallest step of the monotonic clock seen over many pairs of readings (s).
pub(crate) fn timer_resolution() -> f64 {
    let mut best = Duration::MAX;
    for _ in 0..1000 {
        let a = Instant::now();
        let mut b = Instant::now();
        while b == a {
            b = Instant::now();
        }
        best = best.min(b - a);
    }
    best.as_secs_f64()
}

/// Warm-up, calibration and measurement of one process (see the module's documentation).
fn measure(
    plan: Plan,
    count_allocations: bool,
    run: &mut dyn FnMut(u64) -> (Times, Counts),
) -> Measured {
    let resolution = timer_resolution();
    let target = Duration::from_secs_f64((resolution * 1000.0).max(MIN_BATCH_SECONDS));
    let mut n: u64 = 1;
    let started = Instant::now();
    loop {
        let (Times { wall: t, .. }, _) = run(n);
        let warm = started.elapsed() >= plan.warm_up;
        if t >= target {
            if warm {
                break;
            }
            continue;
        }
        n = grow(n, t, target);
    }
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut allocs = Vec::new();
    let mut bytes = Vec::new();
    let measuring = Instant::now();
    while times.len() < plan.max_batches
        && (times.len() < plan.min_batches || measuring.elapsed() < plan.measure)
    {
        let (t, counts) = run(n);
        times.push(t.wall.as_secs_f64() / n as f64);
        cpu.push(t.cpu / n as f64);
        allocs.push(counts.allocations as f64 / n as f64);
        bytes.push(counts.bytes as f64 / n as f64);
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    Measured {
        time: crate::stats::percentile(&sorted, 50.0),
        cpu_time: crate::stats::median(&cpu),
        batch_p95: crate::stats::percentile(&sorted, 95.0),
        batch_p99: crate::stats::percentile(&sorted, 99.0),
        batches: times.len(),
        batch_iterations: n,
        resolution,
        allocations: count_allocations.then(|| crate::stats::median(&allocs)),
        allocated_bytes: count_allocations.then(|| crate::stats::median(&bytes)),
    }
}

/// The next batch size when `n` iterations took `took`, short of `target`: aimed 10% past the
/// target, at least doubled, at most ten times larger.
fn grow(n: u64, took: Duration, target: Duration) -> u64 {
    let aim = if took.is_zero() {
        n.saturating_mul(10)
    } else {
        // In whole nanoseconds: ceil(n * target * 1.1 / took).
        let (num, den) = (u128::from(n) * target.as_nanos() * 11, took.as_nanos() * 10);
        u64::try_from(num.div_ceil(den)).unwrap_or(u64::MAX)
    };
    aim.clamp(n.saturating_mul(2), n.saturating_mul(10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_grow_towards_the_target_within_bounds() {
        let ms = Duration::from_millis(1);
        assert_eq!(grow(1, Duration::ZERO, ms), 10);
        // 100 iterations in 0.5 ms: 1.1 ms needs 220.
        assert_eq!(grow(100, Duration::from_micros(500), ms), 220);
        // Never less than double, never more than ten times.
        assert_eq!(grow(100, Duration::from_micros(900), ms), 200);
        assert_eq!(grow(100, Duration::from_nanos(1), ms), 1000);
    }

    #[test]
    fn a_measured_loop_has_batches_of_at_least_the_minimum() {
        let plan = Plan {
            warm_up: Duration::from_millis(5),
            measure: Duration::from_millis(20),
            min_batches: 5,
            max_batches: 1000,
        };
        let mut b = Bencher::new(Mode::Measure(plan), false);
        b.iter(|| (0..100u64).map(black_box).sum::<u64>());
        let m = b.into_result().expect("measured");
        assert!(m.batches >= 5, "{m:?}");
        // A batch reaches the target (times vary, so half of it for the median batch).
        assert!(
            m.time * m.batch_iterations as f64 >= MIN_BATCH_SECONDS / 2.0,
            "{m:?}"
        );
        assert!(m.batch_p95 >= m.time && m.batch_p99 >= m.batch_p95);
        assert_eq!(m.allocations, None);
    }
}
