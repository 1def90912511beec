"""Chooses the rule for pairs without history (src/gate/pairs.rs) on the recorded noise.

`perfgate compare` of two reports with no history: same-build pairs recorded minutes apart
were called regressions (issue #13). This script replays the pair draws of evaluate.py
(same seed, same order, so the same windows: n consecutive runs per side, n = 5..60;
"minutes apart": baseline from one round, current from the other; "same window": the same run
indices of one round; same-vs-same from the copies 0a/0b, +3/+5/+10/+20% from the variants)
and scores them:

1. In Python, the candidate rules: today's (the median changed beyond the 5% warning, the
   95% Hodges-Lehmann/Moses interval of the shift excludes zero as shown to 0.1%, and the
   two-sided Mann-Whitney p <= 0.05: `--fdr off`), and today's with one more condition each:
   the interval's lower end clears a multiple of the warning; the change clears a multiple
   of the pooled CV; the interval clears a floor from the within-window drift (half-window
   medians); an interval widened by the lag-1 autocorrelation; a minimum n for noisy
   metrics; and the chosen floor, min(1.6 x warning, 6 x pooled CV).
2. Through real binaries (--today BIN and --rule BIN): the alarm rate (warning or critical
   of `perfgate compare --format json --fdr off`) per workload, n and change, minutes apart
   and same window, with the mean detection of +3/+5/+10/+20%.

Usage (repository root, numpy and scipy installed, binaries built):
  python3 bench/detection/pairs_rule.py [--noise DIR] [--suffix=-loaded] [--today BIN] [--rule BIN]
Without --today/--rule only part 1 runs. Seeded: reruns print the same numbers.
"""
import argparse, json, os, random, subprocess, tempfile

import numpy as np
from scipy import stats

NS = (5, 10, 20, 30, 60)
SIZES = (2, 3, 5, 10, 20)
DETECT = (3, 5, 10, 20)
TRIALS = 300
WARN = 5.0  # the default warning for wall time (%)
SETTINGS = ("minutes apart", "same window")


def load(folder, suffix):
    out = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(suffix + ".json") and (suffix or "-" not in name):
            d = json.load(open(os.path.join(folder, name)))
            out[d["workload"]] = d
    return out


def runs(d, rnd, variant):
    return d["rounds"][rnd]["samples"][variant]["wall_time"]


def replay(data):
    """evaluate.py's pair draws, in its order: per workload the settings minutes apart, same
    window, then noise-aware (drawn like minutes apart, followed by 20 history windows per
    trial, which only advance the generator here)."""
    rng = random.Random(2026)
    draws = {}
    for w, d in data.items():
        total = d["runs_per_round"]
        for setting in SETTINGS + ("noise-aware",):
            for n in NS:
                for size in (0,) + SIZES:
                    variant = "0b" if size == 0 else str(size)
                    cell = []
                    for _ in range(TRIALS):
                        if setting == "same window":
                            r, s = rng.randrange(2), rng.randrange(total - n + 1)
                            cell.append((runs(d, r, "0a")[s:s + n], runs(d, r, variant)[s:s + n]))
                            continue
                        rb = rng.randrange(2)
                        sb = rng.randrange(total - n + 1)
                        sc = rng.randrange(total - n + 1)
                        cell.append((runs(d, rb, "0a")[sb:sb + n], runs(d, 1 - rb, variant)[sc:sc + n]))
                    if setting == "noise-aware":
                        for _ in range(TRIALS * 20):
                            rng.randrange(2), rng.choice(("0a", "0b")), rng.randrange(total - n + 1)
                    else:
                        draws[(w, setting, n, size)] = [(np.array(b), np.array(c)) for b, c in cell]
    return draws


Z = stats.norm.ppf(0.975)


def moses_pct(b, c):
    """(lower, upper) of the 95% Moses interval of the shift, in % of the baseline median:
    the k-th smallest and largest of the n*m differences, k from the normal approximation of
    the Mann-Whitney null (as src/stats/shift.rs); None when k < 1."""
    n, m = len(b), len(c)
    k = int(np.floor(n * m / 2 - Z * np.sqrt(n * m * (n + m + 1) / 12)))
    if k < 1:
        return None
    diffs = np.sort(np.subtract.outer(c, b).ravel())
    scale = 100 / np.median(b)
    return diffs[k - 1] * scale, diffs[-k] * scale


def lag1(x):
    x = x - x.mean()
    ss = (x * x).sum()
    return (x[:-1] * x[1:]).sum() / ss if ss > 0 else 0.0


def features(draws):
    """Per cell, arrays of what the rules look at."""
    out = {}
    for key, cell in draws.items():
        rows = []
        for b, c in cell:
            iv = moses_pct(b, c) or (np.nan, np.nan)
            cvs = [np.std(x, ddof=1) / np.mean(x) * 100 for x in (b, c)]
            h = len(b) // 2
            drift = [abs(np.median(x[:h]) - np.median(x[h:])) / np.median(x) * 100 for x in (b, c)]
            p = stats.mannwhitneyu(c, b, alternative="two-sided", method="asymptotic").pvalue
            rows.append((
                (np.median(c) / np.median(b) - 1) * 100, iv[0], iv[1], p,
                np.sqrt((cvs[0] ** 2 + cvs[1] ** 2) / 2), np.sqrt(np.mean(np.square(drift))),
                (lag1(b) + lag1(c)) / 2, len(b),
            ))
        a = np.array(rows)
        out[key] = dict(zip(("change", "lo", "hi", "p", "cv", "drift", "r1", "n"), a.T))
    return out


def today(f):
    shown_lo = np.round(f["lo"] * 10) / 10
    return (f["change"] > WARN) & (shown_lo > 0) & (f["p"] <= 0.05)


def widened(f):
    """The interval's lower end moved away from the change by the AR(1) variance factor."""
    r = np.clip(f["r1"], 0, 0.9)
    return f["change"] - (f["change"] - f["lo"]) * np.sqrt((1 + r) / (1 - r)) > 0


CANDIDATES = {
    "today (interval clears 0)": today,
    **{f"interval clears {a} x warning": (lambda a: lambda f: today(f) & (f["lo"] > a * WARN))(a)
       for a in (0.5, 1.0, 1.4, 1.5, 1.6, 1.8)},
    **{f"change > {k} x pooled CV": (lambda k: lambda f: today(f) & (f["change"] > k * f["cv"]))(k)
       for k in (1.5, 2.5)},
    "interval clears 2 x half-window drift": lambda f: today(f) & (f["lo"] > 2 * f["drift"]),
    "interval widened by lag-1 autocorrelation": lambda f: today(f) & widened(f),
    "n < 20 and CV > 3%: not called": lambda f: today(f) & ~((f["n"] < 20) & (f["cv"] > 3)),
    "interval clears min(1.6 x warning, 4 x CV)": lambda f: today(f) & (f["lo"] > np.minimum(1.6 * WARN, 4 * f["cv"])),
    "interval clears min(1.5 x warning, 6 x CV)": lambda f: today(f) & (f["lo"] > np.minimum(1.5 * WARN, 6 * f["cv"])),
    "chosen: interval clears min(1.6 x warning, 6 x CV)": lambda f: today(f) & (f["lo"] > np.minimum(1.6 * WARN, 6 * f["cv"])),
}


def rates(alarm, workloads):
    """alarm[(w, setting, n, size)] -> fraction; summary per setting."""
    out = {}
    for setting in SETTINGS:
        fa = [alarm[(w, setting, n, 0)] for w in workloads for n in NS]
        det = [alarm[(w, setting, n, s)] for w in workloads for n in NS for s in DETECT]
        per = {w: (max(alarm[(w, setting, n, 0)] for n in NS),
                   np.mean([alarm[(w, setting, n, s)] for n in NS for s in DETECT])) for w in workloads}
        out[setting] = (max(fa), np.mean(fa), np.mean(det), per)
    return out


def print_candidates(feats, workloads):
    print("## Candidate rules (Python, on the replayed draws)\n")
    print("Worst cell = the highest same-vs-same alarm rate over workloads and n = 5..60; "
          "detection = mean over workloads, n and +3/+5/+10/+20%; per workload: worst false alarms / mean detection.\n")
    print("| rule | minutes apart: worst cell | mean false alarms | detection | same window: worst cell | detection | per workload, minutes apart |")
    print("|---|--:|--:|--:|--:|--:|---|")
    for name, rule in CANDIDATES.items():
        alarm = {k: float(np.mean(rule(f))) for k, f in feats.items()}
        r = rates(alarm, workloads)
        ma, sw = r["minutes apart"], r["same window"]
        per = "; ".join(f"{w} {v[0]:.1%} / {v[1]:.0%}" for w, v in ma[3].items())
        print(f"| {name} | {ma[0]:.1%} | {ma[1]:.2%} | {ma[2]:.1%} | {sw[0]:.1%} | {sw[2]:.1%} | {per} |")


def binary_alarms(binary, draws, tmp):
    """Alarm rate per cell through `binary compare --format json --fdr off`."""
    out = {}
    for key, cell in draws.items():
        paths = []
        for side in (0, 1):
            doc = {f"t{i}": {"wall_time": {"unit": "s", "samples": [float(v) for v in pair[side]]}}
                   for i, pair in enumerate(cell)}
            src, rep = os.path.join(tmp, f"{side}.json"), os.path.join(tmp, f"{side}.report.json")
            with open(src, "w") as fh:
                json.dump(doc, fh)
            r = subprocess.run([binary, "ingest", "--format", "json", src, "--suite", "pairs", "--json-out", rep],
                               capture_output=True, text=True)
            assert r.returncode == 0, r.stderr
            paths.append(rep)
        r = subprocess.run([binary, "compare", paths[1], paths[0], "--format", "json", "--fdr", "off"],
                           capture_output=True, text=True)
        assert r.returncode in (0, 1), r.stderr
        status = [m["status"] for m in json.loads(r.stdout)["metrics"]]
        out[key] = sum(s in ("warning", "critical") for s in status) / len(cell)
    return out


def print_tables(before, after, workloads):
    for w in workloads:
        for setting in SETTINGS:
            print(f"\n### {w}, {setting}: today -> this rule ({TRIALS} trials per cell; alarm = warning or critical)\n")
            print("| runs per side | same vs same | +3% | +5% | +10% | +20% | mean of +3..+20% |")
            print("|--:|--:|--:|--:|--:|--:|--:|")
            for n in NS:
                cells = [f"{before[(w, setting, n, s)]:.1%} -> {after[(w, setting, n, s)]:.1%}" for s in (0,) + DETECT]
                mb = np.mean([before[(w, setting, n, s)] for s in DETECT])
                ma = np.mean([after[(w, setting, n, s)] for s in DETECT])
                print(f"| {n} | " + " | ".join(cells) + f" | {mb:.1%} -> {ma:.1%} |")
    print("\n### All workloads and n = 5..60\n")
    print("| setting | rule | worst false-alarm cell | mean false alarms | +3% | +5% | +10% | +20% | mean of +3..+20% |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    for setting in SETTINGS:
        for name, alarm in (("today", before), ("this rule", after)):
            fa = [alarm[(w, setting, n, 0)] for w in workloads for n in NS]
            by = [np.mean([alarm[(w, setting, n, s)] for w in workloads for n in NS]) for s in DETECT]
            print(f"| {setting} | {name} | {max(fa):.1%} | {np.mean(fa):.2%} | " + " | ".join(f"{x:.1%}" for x in by)
                  + f" | {np.mean(by):.1%} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--noise", default="bench/detection/noise")
    ap.add_argument("--suffix", default="", help="'-loaded' for noise/*-loaded.json")
    ap.add_argument("--today", help="a perfgate binary without the rule")
    ap.add_argument("--rule", help="a perfgate binary with it")
    args = ap.parse_args()
    data = load(args.noise, args.suffix)
    workloads = list(data)
    draws = replay(data)
    print_candidates(features(draws), workloads)
    if args.today and args.rule:
        with tempfile.TemporaryDirectory() as tmp:
            before = binary_alarms(args.today, draws, tmp)
            after = binary_alarms(args.rule, draws, tmp)
        print_tables(before, after, workloads)


if __name__ == "__main__":
    main()
