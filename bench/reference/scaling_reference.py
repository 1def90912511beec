#!/usr/bin/env python3
"""Reference values for tests/scaling_reference.rs, computed independently of perfgate.

Run `python3 bench/reference/scaling_reference.py` and paste the printed literals into the test.

- exponent and r_squared come from numpy: `numpy.polyfit(np.log(n), np.log(y), 1)` and the R^2
  of that line, 1 - SS_res / SS_tot, with the residuals from `numpy.polyval`.
- exact_exponent and exact_r_squared are the same quantities computed in exact rational
  arithmetic (fractions.Fraction) from the double logarithms, rounded once at the end: the
  slope Sxz / Sxx and R^2 = Sxz^2 / (Sxx * Szz). They show how far numpy's own rounding goes,
  which matters where R^2 is small and 1 - SS_res / SS_tot cancels.
- coefficient, residual and the class come from a numpy transcription of the method documented
  in src/stats/scaling.rs: for each model f in 1, ln n, n, n ln n, n^2 (the log models only when
  every n > 1), ln a = mean(ln y - ln f(n)) and residual = RMS of (ln y - ln f(n) - ln a); the
  simplest model whose residual is within 0.01 of the smallest wins.
"""

import math
from fractions import Fraction

import numpy as np

SIMPLER_TOLERANCE = 0.01
CLASSES = ["Constant", "Logarithmic", "Linear", "Linearithmic", "Quadratic"]

# The datasets, exactly as written in the Rust test.
DATASETS = {
    # Seconds; about 2 ns per element with a few percent of noise.
    "LINEAR_NOISY": (
        [1000, 3000, 10000, 30000, 100000, 300000, 1000000],
        [2.03e-6, 5.87e-6, 2.11e-5, 5.79e-5, 2.04e-4, 6.15e-4, 1.97e-3],
    ),
    # Seconds; about 1e-6 * n^2.
    "QUADRATIC": (
        [16, 32, 64, 128, 256, 512],
        [0.000263, 0.00101, 0.00418, 0.0163, 0.0671, 0.262],
    ),
    # Seconds; about 1e-8 * n ln n.
    "NLOGN": (
        [100, 1000, 10000, 100000],
        [4.6e-6, 6.93e-5, 9.18e-4, 1.153e-2],
    ),
    # Microseconds; three samples at each size, about 0.525 * ln n.
    "REPEATED_LOG": (
        [10, 10, 10, 100, 100, 100, 1000, 1000, 1000, 10000, 10000, 10000],
        [1.21, 1.19, 1.25, 2.42, 2.37, 2.45, 3.61, 3.70, 3.55, 4.83, 4.90, 4.79],
    ),
    # Seconds; flat with noise, sizes from 1 (the log models are not defined there).
    "FLAT_FROM_ONE": (
        [1, 2, 4, 8, 16],
        [0.0501, 0.0497, 0.0505, 0.0499, 0.0502],
    ),
    # Seconds; 10 us of set-up plus 1 ns per element.
    "WITH_SETUP": (
        [1000, 3000, 10000, 30000, 100000, 300000, 1000000],
        [1.1e-5, 1.3e-5, 2.0e-5, 4.0e-5, 1.1e-4, 3.1e-4, 1.01e-3],
    ),
}


def ln_model(cls, n):
    ln_n = np.log(n)
    if cls == "Constant":
        return np.zeros_like(ln_n)
    if cls == "Logarithmic":
        return np.log(ln_n)
    if cls == "Linear":
        return ln_n
    if cls == "Linearithmic":
        return ln_n + np.log(ln_n)
    return 2.0 * ln_n


def exact_line(ns, ys):
    """Slope and R^2 of the least-squares line of ln y on ln n, exact from the double logs."""
    x = [Fraction(math.log(v)) for v in ns]
    z = [Fraction(math.log(v)) for v in ys]
    k = len(x)
    x_mean, z_mean = sum(x) / k, sum(z) / k
    sxx = sum((a - x_mean) ** 2 for a in x)
    szz = sum((b - z_mean) ** 2 for b in z)
    sxz = sum((a - x_mean) * (b - z_mean) for a, b in zip(x, z))
    return float(sxz / sxx), float(sxz * sxz / (sxx * szz))


def main():
    print(f"// numpy {np.__version__}")
    for name, (ns, ys) in DATASETS.items():
        n = np.array(ns, dtype=np.float64)
        y = np.array(ys, dtype=np.float64)
        x, z = np.log(n), np.log(y)
        slope, intercept = np.polyfit(x, z, 1)
        ss_res = float(np.sum((z - np.polyval([slope, intercept], x)) ** 2))
        ss_tot = float(np.sum((z - np.mean(z)) ** 2))
        r2 = 1.0 - ss_res / ss_tot

        fits = []
        for cls in CLASSES:
            if cls in ("Logarithmic", "Linearithmic") and np.any(n <= 1.0):
                continue
            gap = z - ln_model(cls, n)
            ln_a = float(np.mean(gap))
            resid = float(np.sqrt(np.mean((gap - ln_a) ** 2)))
            fits.append((cls, ln_a, resid))
        best = min(r for _, _, r in fits)
        cls, ln_a, resid = next(f for f in fits if f[2] <= best + SIMPLER_TOLERANCE)

        print(f"// {name}: residuals " + ", ".join(f"{c} {r:.4f}" for c, _, r in fits))
        print(f"const {name}_REF: Reference = Reference {{")
        print(f"    exponent: {float(slope)!r},")
        print(f"    r_squared: {r2!r},")
        exact_slope, exact_r2 = exact_line(ns, ys)
        print(f"    exact_exponent: {exact_slope!r},")
        print(f"    exact_r_squared: {exact_r2!r},")
        print(f"    complexity: Complexity::{cls},")
        print(f"    coefficient: {float(np.exp(ln_a))!r},")
        print(f"    residual: {resid!r},")
        print("};")


if __name__ == "__main__":
    main()
