//! Change-point detection at scale: one series of 10,000 points, and 1,000 series of 1,000
//! points (a whole store), with skewed noise and a few steps. Prints times.
//! Run: `cargo bench --bench detect_scale`.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark program: it prints its numbers, and stops at the first broken step"
)]

use std::time::Instant;

use perfgate::stats::changepoint::{detect, DetectOptions};
use perfgate::stats::SplitMix64;

fn series(rng: &mut SplitMix64, n: usize, steps: &[usize]) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let level = 10.0 * (1.0 + 0.1 * steps.iter().filter(|&&s| i >= s).count() as f64);
            let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            level * (1.0 + 0.1 * u * u)
        })
        .collect()
}

fn main() {
    let mut rng = SplitMix64::new(3);
    let opts = DetectOptions::default();
    let long = series(&mut rng, 10_000, &[2_500, 6_000]);
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..5 {
        let t = Instant::now();
        found = detect(&long, &opts).len();
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "10,000 points, 2 steps: median of 5 = {:.3} s ({found} change points found)",
        times[2]
    );
    let store: Vec<Vec<f64>> = (0..1000)
        .map(|i| series(&mut rng, 1000, if i % 10 == 0 { &[500] } else { &[] }))
        .collect();
    let t = Instant::now();
    let total: usize = store.iter().map(|s| detect(s, &opts).len()).sum();
    println!(
        "1,000 series x 1,000 points: {:.2} s ({total} change points; 100 series have a step)",
        t.elapsed().as_secs_f64()
    );
}
