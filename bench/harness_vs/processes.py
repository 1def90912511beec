"""How many processes perfgate-harness needs: reads a report written with many processes
(`cargo bench --bench vs_perfgate -- --processes 30 --output many.json`) and prints, per
benchmark and for the first n processes, the 95% interval of the median (the binomial
order-statistic interval perfgate uses) as a fraction of the median, and the smallest
two-sided Mann-Whitney p-value n samples against n can reach with perfgate's test (the normal
approximation with continuity correction, scipy's method="asymptotic"), which is reached
when every sample of one side is below every sample of the other.

usage: python3 bench/harness_vs/processes.py many.json
"""
import json
import math
import sys


def median_ci(xs):
    s = sorted(xs)
    n = len(s)
    # Largest k with P(Binomial(n, 1/2) <= k - 1) <= 0.025; [min, max] when none.
    k, tail = 0, 0.0
    for i in range(n // 2):
        tail += math.comb(n, i) / 2**n
        if tail > 0.025:
            break
        k = i + 1
    return (s[0], s[-1]) if k == 0 else (s[k - 1], s[n - k])


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def min_p(n):
    z = (n * n / 2 - 0.5) / math.sqrt(n * n * (2 * n + 1) / 12)
    return math.erfc(z / math.sqrt(2))


report = json.load(open(sys.argv[1]))
sizes = [4, 5, 6, 8, 10, 15, 20, 30]
print("n:                  " + "".join(f"{n:>8}" for n in sizes))
print("min MW p (n vs n):  " + "".join(f"{min_p(n):8.1e}" for n in sizes))
for b in report["benchmarks"]:
    for m in b["metrics"]:
        if m["name"] not in ("wall_time", "cpu_time"):
            continue
        xs = m["samples"]
        cells = []
        for n in sizes:
            if n > len(xs):
                cells.append(f"{'-':>8}")
                continue
            lo, hi = median_ci(xs[:n])
            cells.append(f"{100 * (hi - lo) / 2 / median(xs[:n]):7.1f}%")
        print(f"{b['name'] + ' ' + m['name']:<20}" + "".join(cells))
