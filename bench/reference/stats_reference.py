#!/usr/bin/env python3
"""Reference values for tests/stats_reference.rs, computed independently of perfgate.

Run `python3 bench/reference/stats_reference.py` and paste the printed literals into the test.
Descriptive statistics come from numpy/scipy; the bootstrap intervals come from a separate
Python transcription of perfgate's procedure (SplitMix64 with explicit mod 2**64 arithmetic,
Lemire multiply-shift index mapping, numpy statistics and numpy "linear" percentiles), plus
scipy.stats.bootstrap for an approximate, RNG-independent cross-check.
"""

import numpy as np
import scipy
import scipy.stats

MASK = (1 << 64) - 1

# The sample vectors, exactly as written in the Rust test.
SAMPLES = {
    # 12 wall times (s) around 50 ms with one slow run.
    "WALL": [0.0512, 0.0498, 0.0505, 0.0501, 0.0493, 0.0509,
             0.0502, 0.0497, 0.0611, 0.0504, 0.0500, 0.0507],
    # 7 right-skewed values (ms).
    "SKEWED": [1.02, 1.05, 1.07, 1.11, 1.19, 1.38, 1.95],
    # Even length with ties.
    "TIES": [3.1, 2.9, 3.1, 3.0, 2.9, 3.1, 3.4, 3.0],
    "PAIR": [0.25, 0.75],
    "SINGLE": [0.042],
}


class SplitMix64:
    """Steele, Lea & Flood (2014), transcribed from prng.di.unimi.it/splitmix64.c."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        # Lemire's multiply-shift on the top 32 bits.
        return ((self.next_u64() >> 32) * n) >> 32


def tukey_counts(x):
    q1, q3 = np.percentile(x, [25, 75])
    iqr = q3 - q1
    severe = sum(1 for v in x if v < q1 - 3 * iqr or v > q3 + 3 * iqr)
    mild = sum(1 for v in x if (v < q1 - 1.5 * iqr or v > q3 + 1.5 * iqr)) - severe
    return mild, severe


def percentile_bootstrap(x, stat, level, resamples, rng):
    x = np.asarray(x)
    n = len(x)
    est = np.empty(resamples)
    for r in range(resamples):
        idx = [rng.below(n) for _ in range(n)]
        est[r] = stat(x[idx])
    alpha = (1.0 - level) / 2.0
    return np.percentile(est, [alpha * 100.0, (1.0 - alpha) * 100.0])


def formula_sample(n=200):
    """Deterministic right-skewed sample: only + - * / on doubles, so Rust reproduces it."""
    out = []
    for i in range(n):
        u = ((i * 7919) % 1000 + 0.5) / 1000.0
        out.append(0.05 + 0.004 * u * u * u)
    return out


def main():
    print(f"# numpy {np.__version__}, scipy {scipy.__version__}")
    for name, x in SAMPLES.items():
        a = np.array(x, dtype=np.float64)
        print(f"\n# {name} (n={len(a)})")
        print(f"np.mean(x)                         = {float(np.mean(a))!r}")
        sd = np.std(a, ddof=1) if len(a) > 1 else float("nan")
        print(f"np.std(x, ddof=1)                  = {float(sd)!r}")
        print(f"np.median(x)                       = {float(np.median(a))!r}")
        print(f"np.percentile(x, 95)               = {float(np.percentile(a, 95))!r}")
        print(f"np.percentile(x, 99)               = {float(np.percentile(a, 99))!r}")
        mad = scipy.stats.median_abs_deviation(a, scale=1.0)
        print(f"median_abs_deviation(x, scale=1.0) = {float(mad)!r}")
        if len(a) >= 4:
            print(f"tukey (mild, severe)               = {tukey_counts(a)!r}")

    seed = 20240601
    wall = SAMPLES["WALL"]
    print(f"\n# Python SplitMix64 bootstrap of WALL, 2000 resamples, level 0.95, seed {seed}")
    ci = percentile_bootstrap(wall, np.mean, 0.95, 2000, SplitMix64(seed))
    print(f"mean   = [{float(ci[0])!r}, {float(ci[1])!r}]")
    ci = percentile_bootstrap(wall, np.median, 0.95, 2000, SplitMix64(seed))
    print(f"median = [{float(ci[0])!r}, {float(ci[1])!r}]")

    big = np.array(formula_sample())
    print("\n# scipy.stats.bootstrap((x,), stat, method='percentile', n_resamples=10000,")
    print("#     confidence_level=0.95, rng=np.random.default_rng(12345)) on formula_sample()")
    for stat in (np.mean, np.median):
        res = scipy.stats.bootstrap((big,), stat, method="percentile", n_resamples=10000,
                                    confidence_level=0.95, rng=np.random.default_rng(12345))
        lo, hi = res.confidence_interval
        print(f"{stat.__name__:6} = [{float(lo)!r}, {float(hi)!r}]")
        ours = percentile_bootstrap(big, stat, 0.95, 10000, SplitMix64(7))
        print(f"         (SplitMix64 seed 7 transcription: [{float(ours[0])!r}, {float(ours[1])!r}])")


if __name__ == "__main__":
    main()
