"""Scores perfgate's verdicts, and the usual rules, on real noise of this machine.

Data: noise/<workload>.json from record.py (interleaved runs of each workload and of variants
doing +2/+3/+5/+10/+20% more work, two rounds minutes apart).

1. Pairs (`perfgate compare`): a baseline sample of n runs and a current sample of n runs,
   each a contiguous window of recorded runs (as a CI job would take them), either
   "minutes apart" (baseline window from one round, current from the other) or "same window"
   (both from the same run indices of one round: what `versus` and `check --interleaved`
   see). Same-vs-same pairs use the two unchanged copies (0a, 0b); an alarm there is a false
   alarm. Each cell's trials go through the real binary in one batch: a generic-JSON file
   per side (`perfgate ingest --format json`), then `perfgate compare --format json --fdr off`
   (each trial tested on its own, exactly as if compared alone). An alarm is a `warning` or
   `critical` (and, in a second row, a `critical` only: what fails a gate). The same draws are scored with: the naive rule "current mean > baseline mean x
   1.10"; `value*(1+ratio)+abs` with ratio 5% and abs 0.5 ms; a Bencher-style z-score (the
   current median against the baseline runs, upper boundary 0.99, z > 2.326); a
   criterion-style rule (Welch t-test p < 0.05 and the mean at least 2% worse, criterion's
   noise threshold); a one-sided Mann-Whitney test at 1%. A third setting, "minutes apart,
   noise-aware", first records 20 earlier runs of the unchanged program per trial (windows
   of n runs from either round) in a store, and compares with `--noise-aware`, as `check`
   does with its history.
2. Histories (`perfgate detect --input`): 100 points, each the median of 5 consecutive runs
   from a random window of a random round; no change, one step (+2..+20% at a random point),
   a regression and its fix (two steps), a single spike (x1.3-2), slow drift (+10% over the
   history). Scored with a +-2 point tolerance: precision, recall (per step size), F1, false
   alarms per 100 points on histories without a step (spikes and drift included). Beside it
   Apache Otava 0.8.0 (`otava.analysis.compute_change_points`, its defaults: window 50,
   p 0.001) and a Bencher-style z-score (a point beyond 3 sigma of the previous 30).
3. Speed: perfgate detect and Otava on one series of 10,000 points and on 1,000 series of
   1,000 points built from the same noise.
4. `perfgate versus`, live (with `--versus TRIALS`): real interleaved runs of the loop and
   spawn workloads against themselves and against the +3/+5/+10/+20% variants, 10 pairs per
   trial; an alarm is a `warning` or `critical` wall-time verdict.

Requires numpy, scipy and apache-otava:  python3 -m venv target/eval-venv &&
target/eval-venv/bin/pip install apache-otava; then, from the repository root after
`cargo build --release`:  target/eval-venv/bin/python bench/detection/evaluate.py [TRIALS]
Seeded: a rerun on the same data prints the same numbers (timings aside).
"""
import json, os, random, shlex, subprocess, sys, tempfile, time

import numpy as np
from scipy import stats

try:
    from otava.analysis import compute_change_points as otava_change_points
except ImportError:  # pragma: no cover - said loudly in the output
    otava_change_points = None

PG = "target/release/perfgate"
NOISE = "bench/detection/noise"
args = [a for a in sys.argv[1:] if not a.startswith("--")]
TRIALS = int(args[0]) if args else 300
VERSUS = int(sys.argv[sys.argv.index("--versus") + 1]) if "--versus" in sys.argv else 0
SIZES = (2, 3, 5, 10, 20)
NS = (5, 10, 20, 30, 60)
rng = random.Random(2026)


def load():
    data = {}
    for name in sorted(os.listdir(NOISE)):
        if name.endswith(".json") and not name.startswith("."):
            d = json.load(open(os.path.join(NOISE, name)))
            data[d["workload"]] = d
    return data


def pool(d, rnd, variant, metric="wall_time"):
    return d["rounds"][rnd]["samples"][variant][metric]


def window(xs, n, start):
    return xs[start:start + n]


HISTORY_RUNS = 20


def record_history(histories, tmp):
    """A fresh store in which trial i has the runs histories[i] (one window of runs each)."""
    store = os.path.join(tmp, "history.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(store + suffix):
            os.unlink(store + suffix)
    for h in range(HISTORY_RUNS):
        src = os.path.join(tmp, "history.json")
        with open(src, "w") as f:
            json.dump({f"t{i}": {"wall_time": {"unit": "s", "samples": w[h]}} for i, w in enumerate(histories)}, f)
        r = subprocess.run([PG, "ingest", "--format", "json", src, "--suite", "eval", "--record",
                            "--store", store, "--json-out", os.path.join(tmp, "history.report.json")],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    return store


def perfgate_verdicts(pairs, tmp, store=None):
    """`perfgate compare` verdicts of many (baseline, current) pairs, one batch; with `store`,
    noise-aware thresholds from the history recorded there."""
    paths = {}
    for side, k in (("base", 0), ("cur", 1)):
        doc = {f"t{i}": {"wall_time": {"unit": "s", "samples": p[k]}} for i, p in enumerate(pairs)}
        src = os.path.join(tmp, side + ".json")
        with open(src, "w") as f:
            json.dump(doc, f)
        paths[side] = os.path.join(tmp, side + ".report.json")
        r = subprocess.run([PG, "ingest", "--format", "json", src, "--suite", "eval",
                            "--json-out", paths[side]], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    extra = ["--noise-aware", "--store", store] if store else []
    r = subprocess.run([PG, "compare", paths["cur"], paths["base"], "--format", "json",
                        "--fdr", "off"] + extra, capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr
    status = {m["benchmark"]: m["status"] for m in json.loads(r.stdout)["metrics"]}
    return [status[f"t{i}"] for i in range(len(pairs))]


RULES = {
    "naive 10%": lambda b, c: np.mean(c) > np.mean(b) * 1.10,
    "ratio 5% + 0.5 ms": lambda b, c: np.mean(c) > np.mean(b) * 1.05 + 0.0005,
    "z-score 0.99": lambda b, c: np.std(b, ddof=1) > 0 and (np.median(c) - np.mean(b)) / np.std(b, ddof=1) > 2.326,
    "criterion-style": lambda b, c: stats.ttest_ind(c, b, equal_var=False).pvalue < 0.05 and np.mean(c) > np.mean(b) * 1.02,
    "Mann-Whitney 1%": lambda b, c: stats.mannwhitneyu(c, b, alternative="greater").pvalue < 0.01,
}


def draw(d, setting, n, size):
    runs = d["runs_per_round"]
    variant = "0b" if size == 0 else str(size)
    if setting == "minutes apart":
        rb = rng.randrange(2)
        base = window(pool(d, rb, "0a"), n, rng.randrange(runs - n + 1))
        cur = window(pool(d, 1 - rb, variant), n, rng.randrange(runs - n + 1))
    else:
        r, s = rng.randrange(2), rng.randrange(runs - n + 1)
        base, cur = window(pool(d, r, "0a"), n, s), window(pool(d, r, variant), n, s)
    return base, cur


def history_window(d, n):
    """One earlier run of the unchanged program on this machine: n contiguous runs from
    either round."""
    r = rng.randrange(2)
    return window(pool(d, r, rng.choice(("0a", "0b"))), n, rng.randrange(d["runs_per_round"] - n + 1))


def pairs_section(data, tmp):
    summary = {}
    for w, d in data.items():
        for setting in ("minutes apart", "same window", "minutes apart, noise-aware"):
            print(f"\n### {w}: {setting} ({TRIALS} trials per cell; alarm = warning or critical)\n")
            print("| runs per side | same vs same | " + " | ".join(f"+{s}%" for s in SIZES) + " |")
            print("|--:|--:|" + "--:|" * len(SIZES))
            for n in NS:
                row = []
                for size in (0,) + SIZES:
                    noise_aware = setting.endswith("noise-aware")
                    draws = [draw(d, "minutes apart" if noise_aware else setting, n, size)
                             for _ in range(TRIALS)]
                    store = None
                    if noise_aware:
                        store = record_history([[history_window(d, n) for _ in range(HISTORY_RUNS)]
                                                for _ in range(TRIALS)], tmp)
                    verdicts = perfgate_verdicts(draws, tmp, store)
                    alarms = {"perfgate compare": [v in ("warning", "critical") for v in verdicts],
                              "perfgate compare, critical only": [v == "critical" for v in verdicts]}
                    if not noise_aware:
                        for name, rule in RULES.items():
                            alarms[name] = [bool(rule(b, c)) for b, c in draws]
                    for name, a in alarms.items():
                        summary.setdefault((setting, name), {}).setdefault(size, []).append(sum(a) / len(a))
                    row.append(sum(alarms["perfgate compare"]) / TRIALS)
                print(f"| {n} | " + " | ".join(f"{x:.1%}" for x in row) + " |")
    print("\n### All workloads and sample sizes (5-60 per side): false alarms, and the mean detection of +3/+5/+10/+20%\n")
    print("| rule | setting | false alarms (same vs same) | +2% | +3% | +5% | +10% | +20% | mean of +3..+20% |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    for (setting, name), by in sorted(summary.items(), key=lambda kv: (kv[0][0], not kv[0][1].startswith("perfgate"), kv[0][1])):
        mean = {s: float(np.mean(v)) for s, v in by.items()}
        goal = np.mean([mean[s] for s in (3, 5, 10, 20)])
        print(f"| {name} | {setting} | {mean[0]:.1%} | " + " | ".join(f"{mean[s]:.1%}" for s in SIZES) + f" | {goal:.1%} |")


def history(d, kind):
    """(points, true change point indices) of one generated history."""
    runs = d["runs_per_round"]
    levels = ["0a"] * 100
    cps = []
    if kind == "step":
        size, at = rng.choice(SIZES), rng.randrange(20, 81)
        levels[at:] = [str(size)] * (100 - at)
        cps = [at]
    elif kind == "regression and fix":
        size = rng.choice((5, 10, 20))
        a = rng.randrange(15, 60)
        b = rng.randrange(a + 15, 86)
        levels[a:b] = [str(size)] * (b - a)
        cps = [a, b]
    pts = []
    for level in levels:
        variant = rng.choice(("0a", "0b")) if level == "0a" else level
        r, s = rng.randrange(2), rng.randrange(runs - 5 + 1)
        pts.append(float(np.median(window(pool(d, r, variant), 5, s))))
    if kind == "spike":
        pts[rng.randrange(5, 95)] *= rng.uniform(1.3, 2.0)
    if kind == "drift":
        pts = [p * (1 + 0.10 * k / 99) for k, p in enumerate(pts)]
    size = None if kind in ("no change", "spike", "drift") else levels[cps[0]]
    return pts, cps, size


def perfgate_detect(series):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(series, f)
    try:
        t = time.perf_counter()
        r = subprocess.run([PG, "detect", "--input", f.name, "--format", "json"], capture_output=True, text=True)
        elapsed = time.perf_counter() - t
    finally:
        os.unlink(f.name)
    assert r.returncode == 0, r.stderr
    found = {s["name"]: [c["index"] for c in s["change_points"]] for s in json.loads(r.stdout)["series"]}
    return found, elapsed


def otava(pts):
    cps, _ = otava_change_points(pts, window_len=50, max_pvalue=0.001)
    return [c.index for c in cps]


def zscore(pts):
    out = []
    for k in range(30, len(pts)):
        w = pts[k - 30:k]
        m, s = np.mean(w), np.std(w, ddof=1)
        if s > 0 and abs(pts[k] - m) > 3 * s:
            out.append(k)
    return out


def score(truth, got):
    tp = fp = fn = 0
    fa = fa_points = 0
    by_size = {}
    for key, (pts, cps, size) in truth.items():
        g = got[key]
        hit = [x for x in g if any(abs(x - c) <= 2 for c in cps)]
        found = sum(1 for c in cps if any(abs(x - c) <= 2 for x in g))
        tp += found
        fn += len(cps) - found
        fp += len(g) - len(hit)
        if size is not None:
            by_size.setdefault(size, []).append(found / len(cps))
        else:
            fa += len(g)
            fa_points += len(pts)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    recall = {s: float(np.mean(v)) for s, v in by_size.items()}
    return p, r, f1, 100 * fa / fa_points, recall


def histories_section(data):
    kinds = ("no change", "step", "step", "regression and fix", "spike", "drift")
    per = max(TRIALS // 10, 10)
    print(f"\n### Histories ({per} per kind and workload; kinds: no change, one step (twice as many), a regression and its fix, a spike, drift)\n")
    print("| detector | workload | precision | recall | F1 | false alarms / 100 points without a step | recall +2/+3/+5/+10/+20% |")
    print("|---|---|--:|--:|--:|--:|---|")
    totals = {}
    for w, d in data.items():
        truth = {}
        for kind in kinds:
            for i in range(per):
                truth[f"{kind}-{i}-{len(truth)}"] = history(d, kind)
        found, _ = perfgate_detect({k: v[0] for k, v in truth.items()})
        detectors = {"perfgate detect": found, "z-score (3 sigma, last 30)": {k: zscore(v[0]) for k, v in truth.items()}}
        if otava_change_points:
            detectors["Apache Otava 0.8.0 (defaults)"] = {k: otava(v[0]) for k, v in truth.items()}
        for name, got in detectors.items():
            p, r, f1, fa, recall = score(truth, got)
            totals.setdefault(name, []).append((p, r, f1, fa))
            sizes = " / ".join(f"{recall.get(str(s), float('nan')):.2f}" for s in SIZES)
            print(f"| {name} | {w} | {p:.2f} | {r:.2f} | {f1:.2f} | {fa:.2f} | {sizes} |")
    for name, rows in totals.items():
        m = np.mean(rows, axis=0)
        print(f"| {name} | mean | {m[0]:.2f} | {m[1]:.2f} | {m[2]:.2f} | {m[3]:.2f} | |")


def speed_section(data):
    print("\n### Speed on the same series (this machine, 2 cores)\n")
    d = data[sorted(data)[0]]
    big = []
    for _ in range(100):
        big += history(d, rng.choice(("no change", "step")))[0]
    many = {f"s{i}": (history(d, "step")[0] * 10) for i in range(1000)}
    found, t_one = perfgate_detect({"one": big})
    _, t_many = perfgate_detect(many)
    print(f"perfgate detect (whole process, JSON in and out): 10,000 points {t_one:.3f} s; 1,000 series x 1,000 points {t_many:.2f} s")
    if not otava_change_points:
        print("Apache Otava: not installed (pip install apache-otava)")
        return
    t = time.perf_counter()
    otava(big)
    o_one = time.perf_counter() - t
    t = time.perf_counter()
    done = 0
    for pts in many.values():
        otava(pts)
        done += 1
        if time.perf_counter() - t > 60:
            break
    o_many = (time.perf_counter() - t) / done * len(many)
    note = "" if done == len(many) else f" (extrapolated from {done} series in 60 s)"
    print(f"Apache Otava 0.8.0 (in-process, no I/O): 10,000 points {o_one:.2f} s; 1,000 series x 1,000 points {o_many:.0f} s{note}")
    print(f"ratio Otava / perfgate: {o_one / t_one:.0f}x on 10,000 points, {o_many / t_many:.0f}x on 1,000 x 1,000")


def noise_section(data):
    print("## Recorded noise\n")
    print("| workload | command | runs per round | median (round 1, 2) | CV (round 1, 2) | measured effect of +2/+3/+5/+10/+20% (same window, medians) |")
    print("|---|---|--:|---|---|---|")
    for w, d in data.items():
        med = [np.median(pool(d, r, "0a")) for r in (0, 1)]
        cv = [np.std(pool(d, r, "0a"), ddof=1) / np.mean(pool(d, r, "0a")) for r in (0, 1)]
        eff = [np.mean([np.median(pool(d, r, str(s))) / np.median(pool(d, r, "0a")) - 1 for r in (0, 1)]) for s in SIZES]
        print(f"| {w} | `{d['command'][:50].replace(chr(10), '; ')}` | {d['runs_per_round']} | {med[0]*1e3:.2f} / {med[1]*1e3:.2f} ms | "
              f"{cv[0]:.1%} / {cv[1]:.1%} | " + " / ".join(f"{e:+.1%}" for e in eff) + " |")


def versus_section(trials):
    sys.path.insert(0, os.path.dirname(__file__))
    import record
    print(f"\n### perfgate versus, live ({trials} trials per cell, 10 pairs each, wall time)\n")
    print("| workload | same vs same | +3% | +5% | +10% | +20% |")
    print("|---|--:|--:|--:|--:|--:|")
    for w in ("loop", "spawn"):
        row = []
        for variant in ("0b", "3", "5", "10", "20"):
            alarms = 0
            for t in range(trials):
                a = " ".join(shlex.quote(x) for x in record.WORKLOADS[w]("0a"))
                b = " ".join(shlex.quote(x) for x in record.WORKLOADS[w](variant))
                # The variants print different results by design: outputs are not cross-checked.
                r = subprocess.run([PG, "versus", a, b, "--runs", "10", "--warmup", "1", "--seed", str(t),
                                    "--compare-cmd", "true",
                                    "--format", "json"], capture_output=True, text=True)
                assert r.returncode == 0, r.stderr
                wall = [m for m in json.loads(r.stdout)["metrics"] if m["metric"] == "wall_time"][0]
                alarms += wall["status"] in ("warning", "critical")
            row.append(alarms / trials)
        print(f"| {w} | " + " | ".join(f"{x:.0%}" for x in row) + " |")


def main():
    data = load()
    if VERSUS:
        versus_section(VERSUS)
        return
    noise_section(data)
    with tempfile.TemporaryDirectory() as tmp:
        pairs_section(data, tmp)
    histories_section(data)
    speed_section(data)


if __name__ == "__main__":
    main()
