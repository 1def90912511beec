//! The noise score: how much a fixed register-only loop's time varies on this machine, with
//! its uncertainty. The loop runs in consecutive blocks (a tenth of the time each); the score
//! is the coefficient of variation (CV) of all its runs, and its 95% interval comes from a
//! block bootstrap (whole blocks resampled, so the interval sees interference that comes in
//! bursts, not only run-to-run jitter). Levels are decided on the interval, not on a point
//! that wobbles around a limit: `quiet` only when the whole interval is below 2%, `noisy`
//! only when it is all above 5%; an interval across a limit names both levels.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::stats::{mean, median, stddev, SplitMix64};

/// Below this CV the machine is quiet.
pub const QUIET_CV: f64 = 0.02;
/// Below this CV it is usable (a 5% CV hides 3-5% regressions in a handful of runs).
pub const USABLE_CV: f64 = 0.05;
/// Blocks the measurement is split into.
pub const BLOCKS: usize = 10;
/// Block bootstrap resamples; seeded with a constant so the same times give the same interval.
const RESAMPLES: usize = 2_000;
const SEED: u64 = 0x0D0C_7012;
/// CVs are shown in percent to two decimals, and compared with the limits as shown.
const SHOWN_DECIMALS: i32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Quiet,
    Usable,
    Noisy,
}

impl Level {
    /// The level of a CV as it is shown (two decimals in percent): 1.998% shows as 2.00%,
    /// which is not below 2%.
    pub fn of(cv: f64) -> Level {
        let scale = 10f64.powi(SHOWN_DECIMALS);
        let shown = (cv * 100.0 * scale).round() / scale;
        if shown < QUIET_CV * 100.0 {
            Level::Quiet
        } else if shown < USABLE_CV * 100.0 {
            Level::Usable
        } else {
            Level::Noisy
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Quiet => "quiet",
            Level::Usable => "usable",
            Level::Noisy => "noisy",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Noise {
    /// CV of every run of the loop (stddev / mean).
    pub cv: f64,
    /// 95% block-bootstrap interval of `cv`.
    pub cv_ci95: [f64; 2],
    pub median_s: f64,
    pub reps: usize,
    pub blocks: usize,
    /// `quiet`, `usable` or `noisy` when the interval lies within one level; else the levels
    /// it spans, `quiet or usable`, `usable or noisy`, `quiet to noisy`.
    pub verdict: String,
}

impl Noise {
    /// The levels of the interval's ends.
    pub fn levels(&self) -> (Level, Level) {
        (Level::of(self.cv_ci95[0]), Level::of(self.cv_ci95[1]))
    }

    /// `CV 3.10% (95% CI 2.40% .. 4.20%) over 600 runs in 10 blocks of a fixed 5.0 ms loop:
    /// usable (quiet: the whole interval below 2%; noisy: all of it at 5% or above)`.
    pub fn describe(&self) -> String {
        format!(
            "CV {:.2}% (95% CI {:.2}% .. {:.2}%) over {} runs in {} blocks of a fixed {:.1} ms loop: {} (quiet: the whole interval below {}%; noisy: all of it at {}% or above)",
            self.cv * 100.0,
            self.cv_ci95[0] * 100.0,
            self.cv_ci95[1] * 100.0,
            self.reps,
            self.blocks,
            self.median_s * 1e3,
            self.verdict,
            QUIET_CV * 100.0,
            USABLE_CV * 100.0
        )
    }
}

/// Times the loop for `secs` seconds in [`BLOCKS`] blocks of equal time (at least one run each).
pub fn measure(secs: f64) -> Vec<Vec<f64>> {
    let per_block = Duration::from_secs_f64(secs.max(0.05) / BLOCKS as f64);
    (0..BLOCKS)
        .map(|_| {
            let deadline = Instant::now() + per_block;
            let mut times = Vec::new();
            while times.is_empty() || Instant::now() < deadline {
                times.push(time_loop());
            }
            times
        })
        .collect()
}

/// One run of a fixed register-only loop (~5 ms in a release build).
fn time_loop() -> f64 {
    let t = Instant::now();
    let mut x: u64 = std::hint::black_box(1);
    for i in 0..std::hint::black_box(20_000_000u64) {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(i | 1);
    }
    std::hint::black_box(x);
    t.elapsed().as_secs_f64()
}

fn cv(xs: &[f64]) -> f64 {
    let m = mean(xs);
    if m > 0.0 {
        stddev(xs) / m
    } else {
        0.0
    }
}

/// The noise score of timed blocks (each non-empty).
pub fn score(blocks: &[Vec<f64>]) -> Noise {
    let all: Vec<f64> = blocks.concat();
    let estimate = cv(&all);
    let ci = block_bootstrap_cv_ci(blocks, RESAMPLES, &mut SplitMix64::new(SEED));
    // A percentile interval can miss its own estimate when the resampled CVs lie almost all
    // on one side of it; widen it to reach the estimate (only ever more cautious).
    let ci = [ci[0].min(estimate), ci[1].max(estimate)];
    let (lo, hi) = (Level::of(ci[0]), Level::of(ci[1]));
    let verdict = match (lo, hi) {
        (a, b) if a == b => a.as_str().to_string(),
        (Level::Quiet, Level::Noisy) => "quiet to noisy".to_string(),
        (a, b) => format!("{} or {}", a.as_str(), b.as_str()),
    };
    Noise {
        cv: estimate,
        cv_ci95: ci,
        median_s: median(&all),
        reps: all.len(),
        blocks: blocks.len(),
        verdict,
    }
}

/// 95% percentile interval of the pooled CV when whole blocks are resampled with replacement.
pub fn block_bootstrap_cv_ci(
    blocks: &[Vec<f64>],
    resamples: usize,
    rng: &mut SplitMix64,
) -> [f64; 2] {
    let mut cvs = Vec::with_capacity(resamples);
    let mut pooled = Vec::new();
    for _ in 0..resamples {
        pooled.clear();
        for _ in 0..blocks.len() {
            pooled.extend_from_slice(&blocks[rng.below(blocks.len())]);
        }
        cvs.push(cv(&pooled));
    }
    cvs.sort_by(f64::total_cmp);
    [
        crate::stats::percentile_sorted(&cvs, 2.5),
        crate::stats::percentile_sorted(&cvs, 97.5),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(rng: &mut SplitMix64) -> f64 {
        (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Blocks of runs of 5 ms with a uniform jitter of +-`half_width` (CV = half_width / sqrt 3).
    fn blocks(half_width: f64, rng: &mut SplitMix64) -> Vec<Vec<f64>> {
        (0..BLOCKS)
            .map(|_| {
                (0..60)
                    .map(|_| 0.005 * (1.0 + half_width * (2.0 * unit(rng) - 1.0)))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn levels_are_judged_as_shown() {
        // 1.998% shows as 2.00%: not quiet (it was printed as "quiet (quiet < 2%)").
        assert_eq!(Level::of(0.019_98), Level::Usable);
        assert_eq!(Level::of(0.019_94), Level::Quiet);
        assert_eq!(Level::of(0.049_96), Level::Noisy);
        assert_eq!(Level::of(0.049_94), Level::Usable);
    }

    #[test]
    fn a_verdict_needs_the_whole_interval_on_one_side_of_a_limit() {
        let mut rng = SplitMix64::new(5);
        // CV 1% (half-width 1.73%): quiet, with an interval around it.
        let n = score(&blocks(0.0173, &mut rng));
        assert!(n.cv_ci95[0] <= n.cv && n.cv <= n.cv_ci95[1], "{n:?}");
        assert!((n.cv - 0.01).abs() < 0.001, "{n:?}");
        assert_eq!(n.verdict, "quiet");
        assert_eq!((n.reps, n.blocks), (600, 10));
        // CV 8%: noisy.
        assert_eq!(score(&blocks(0.1386, &mut rng)).verdict, "noisy");
        // Quiet blocks but one burst of interference: the interval spans the levels.
        let mut b = blocks(0.0173, &mut rng);
        for t in b[3].iter_mut().take(8) {
            *t *= 1.6;
        }
        let n = score(&b);
        assert_eq!(
            n.levels(),
            (Level::of(n.cv_ci95[0]), Level::of(n.cv_ci95[1]))
        );
        assert!(n.levels().0 < n.levels().1, "{n:?}");
        assert!(
            n.verdict.contains(" or ") || n.verdict.contains(" to "),
            "{n:?}"
        );
    }

    #[test]
    fn the_interval_covers_the_true_cv_about_95_percent_of_the_time() {
        // 200 measurements of a machine whose true CV is 3% (half-width 5.196%): a 95%
        // interval from 10 blocks should contain it in most (block bootstraps of few blocks
        // run a little narrow: at least 85%).
        let mut rng = SplitMix64::new(17);
        let truth = 0.05196 / 3f64.sqrt();
        let covered = (0..200)
            .filter(|_| {
                let b = blocks(0.05196, &mut rng);
                let [lo, hi] = block_bootstrap_cv_ci(&b, 500, &mut rng);
                lo <= truth && truth <= hi
            })
            .count();
        assert!(covered >= 170, "{covered} of 200");
    }

    #[test]
    fn the_description_shows_the_interval_and_the_rule() {
        let n = Noise {
            cv: 0.019_98,
            cv_ci95: [0.016, 0.024],
            median_s: 0.0051,
            reps: 600,
            blocks: 10,
            verdict: "quiet or usable".into(),
        };
        assert_eq!(
            n.describe(),
            "CV 2.00% (95% CI 1.60% .. 2.40%) over 600 runs in 10 blocks of a fixed 5.1 ms loop: quiet or usable (quiet: the whole interval below 2%; noisy: all of it at 5% or above)"
        );
    }
}
