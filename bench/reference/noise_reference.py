#!/usr/bin/env python3
"""Reference values of doctor's noise score (src/doctor/noise.rs) for tests/stats_reference.rs,
computed independently of perfgate: the coefficient of variation of all runs with numpy
(std with ddof=1 over the mean), and its 95% block-bootstrap interval from a Python
transcription of the procedure (whole blocks drawn with replacement by SplitMix64's
multiply-shift, the pooled CV of each resample, numpy "linear" percentiles 2.5 and 97.5).

Run `python3 bench/reference/noise_reference.py` and paste the printed literals into the test.
"""

import numpy as np

from stats_reference import SplitMix64

# Four blocks of loop times (s): quiet, quiet, one slow run, a slower block.
BLOCKS = [
    [0.00512, 0.00498, 0.00505, 0.00501],
    [0.00493, 0.00509, 0.00502],
    [0.00497, 0.00611, 0.00504, 0.00500, 0.00507],
    [0.00531, 0.00544, 0.00529],
]
SEED = 42
RESAMPLES = 200


def cv(x):
    x = np.asarray(x)
    return float(np.std(x, ddof=1) / np.mean(x))


def block_bootstrap_cv_ci(blocks, resamples, rng):
    cvs = []
    for _ in range(resamples):
        pooled = []
        for _ in range(len(blocks)):
            pooled.extend(blocks[rng.below(len(blocks))])
        cvs.append(cv(pooled))
    lo, hi = np.percentile(cvs, [2.5, 97.5])
    return float(lo), float(hi)


def main():
    print(f"# numpy {np.__version__}")
    print(f"cv = {cv(sum(BLOCKS, []))!r}")
    lo, hi = block_bootstrap_cv_ci(BLOCKS, RESAMPLES, SplitMix64(SEED))
    print(f"ci = [{lo!r}, {hi!r}]  # {RESAMPLES} resamples, seed {SEED}")


if __name__ == "__main__":
    main()
