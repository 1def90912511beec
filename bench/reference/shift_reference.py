#!/usr/bin/env python3
"""Reference values of the Hodges-Lehmann shift and its Moses 95% interval, for
tests/stats_reference.rs, computed independently of perfgate with numpy and scipy.

Run `python3 bench/reference/shift_reference.py` and paste the printed literals into the test.
The shift is the median of every current - baseline difference (numpy's outer subtraction and
median); the interval runs from the k-th smallest to the k-th largest difference, with
k = floor(nm/2 - z_0.975 * sqrt(nm(n+m+1)/12)) (Hollander & Wolfe, sec. 4.3, normal
approximation), z from scipy. Both are in percent of the baseline median.
"""

import math

import numpy as np
import scipy
import scipy.stats

# The sample vectors, exactly as written in the Rust test.
WALL = [0.0512, 0.0498, 0.0505, 0.0501, 0.0493, 0.0509,
        0.0502, 0.0497, 0.0611, 0.0504, 0.0500, 0.0507]
SKEWED = [1.02, 1.05, 1.07, 1.11, 1.19, 1.38, 1.95]
TIES = [3.1, 2.9, 3.1, 3.0, 2.9, 3.1, 3.4, 3.0]
# System time counted in 4 ms clock ticks, 0 in about half the runs: the medians fall on
# different ticks (0.004 and 0.002), so their change (-50%) lies outside the shift's interval.
SYS_BASE = [0.0] * 9 + [0.004] * 10 + [0.008]
SYS_CUR = [0.0] * 10 + [0.004] * 6 + [0.008] * 4

PAIRS = {
    "WALL -> WALL * 1.05 + 0.0001": (WALL, [x * 1.05 + 0.0001 for x in WALL]),
    "SKEWED -> TIES": (SKEWED, TIES),
    "TIES -> SKEWED": (TIES, SKEWED),
    "SYS_BASE -> SYS_CUR": (SYS_BASE, SYS_CUR),
}


def shift_and_interval(base, cur):
    base, cur = np.asarray(base), np.asarray(cur)
    n, m = len(base), len(cur)
    diffs = np.sort(np.subtract.outer(cur, base).ravel())
    z = scipy.stats.norm.ppf(0.975)
    k = math.floor(n * m / 2 - z * math.sqrt(n * m * (n + m + 1) / 12))
    scale = 100 / abs(np.median(base))
    change = (np.median(cur) / np.median(base) - 1) * 100
    return (float(np.median(diffs) * scale), float(diffs[k - 1] * scale),
            float(diffs[-k] * scale), float(change), k)


def main():
    print(f"# numpy {np.__version__}, scipy {scipy.__version__}")
    for name, (base, cur) in PAIRS.items():
        shift, lo, hi, change, k = shift_and_interval(base, cur)
        print(f"# {name}: k = {k}, change of medians {change!r}")
        print(f"shift = {shift!r}, ci = [{lo!r}, {hi!r}]")


if __name__ == "__main__":
    main()
