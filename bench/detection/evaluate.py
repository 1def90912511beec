"""Scores perfgate's verdicts, and the usual rules, on real noise of this machine, per noise level.

Data: noise/<workload>.json ("quiet": nothing else running) and noise/<workload>-loaded.json
("loaded": a CPU hog and a memory-bandwidth hog switched on and off in seeded phases of some
seconds, so the machine has fast and slow phases; their description and schedule are in each
file's "load"), both from record.py: interleaved runs of four workloads (loop, spawn, io,
python) and of variants doing +2/+3/+5/+10/+20% more work, two rounds minutes apart. Every
table below is given per noise level.

1. Pairs (`perfgate compare`): a baseline sample of n runs and a current sample of n runs,
   each a contiguous window of recorded runs (as a CI job would take them), either
   "minutes apart" (baseline window from one round, current from the other) or "same window"
   (both from the same run indices of one round: what `versus` and `check --interleaved`
   see). Same-vs-same pairs use the two unchanged copies (0a, 0b); an alarm there is a false
   alarm. Each cell's trials go through the real binary in one batch: a generic-JSON file
   per side (`perfgate ingest --format json`), then `perfgate compare --format json --fdr off`
   (each trial tested on its own, exactly as if compared alone). An alarm is a `warning` or
   `critical` (and, in a second row, a `critical` only: what fails a gate). The same draws
   are scored with: the naive rule "current mean > baseline mean x 1.10";
   `value*(1+ratio)+abs` with ratio 5% and abs 0.5 ms; a Bencher-style z-score (the current
   median against the baseline runs, upper boundary 0.99, z > 2.326); a criterion-style rule
   (Welch t-test p < 0.05 and the mean at least 2% worse, criterion's noise threshold); a
   one-sided Mann-Whitney test at 1%. A third setting, "minutes apart, noise-aware", first
   records 20 earlier runs of the unchanged program per trial (windows of n runs from either
   round) in a store, and compares with `--noise-aware`, as `check` does with its history
   (trial i of every column of a row uses the same recorded history).
2. Histories (`perfgate detect --input`, all series of a noise level in one process): series
   of 60, 120, 365 and 1,000 points, generated (seeded) from the recorded noise of the
   unchanged program (0a and 0b, in the order they ran). A point is ONE recorded run: point
   = base x level(t) x run / median, the median being that of the unchanged runs of the same
   round, so a history's noise is the recorded run-to-run noise (quiet: CV 2-5%; loaded: CV
   12-27%) and step sizes are exact. Each point's run is drawn independently (a random run
   of either round), as a CI job lands at a random time in a fast or a slow host phase: the
   points' distribution is the recorded one, phases and their skew included, but the order
   of the recording is not kept. (Consecutive recorded runs are seconds apart and correlated,
   lag-1 correlation up to 0.6 on the quiet io workload; blocks of them would put level
   shifts into the noise that no detector could tell from real steps.) Categories: no
   change; a single step; a staircase of 2-3 steps the same way; a regression then its fix;
   a step on top of slow drift (5-15% over the history); drift alone; spikes alone (1-3
   isolated points x1.3-2). Step sizes 3, 5, 10, 20, 30% (70% of single steps and
   staircases are slowdowns, 30% speed-ups; x(1 - size)). Each series' CV is measured on its
   noise (the level removed) and bucketed: <=5%, 5-12%, 12-27%, >27%.
   Detectors on the same series: perfgate detect (with --detect-args passed through);
   Apache Otava (`otava.analysis.compute_change_points`, its defaults: window 50, p 0.001);
   a plain rank binary segmentation written here (the largest standardised Mann-Whitney
   rank-sum split, a max-statistic permutation test of 199 shuffles at alpha 0.01, segments
   of at least 5, a change of the two sides' medians of at least 2%, recursing into both
   sides of an accepted split; no sharpness rule, no bump search); a Bencher-style z-score
   (a point beyond 3 sigma of the previous 30). A change point counts when within 2 points
   of a true one. Metrics: precision, recall (overall and per step size), F1, false alarms
   per 100 points on the histories without a step (no change, drift, spikes); per noise
   level, CV bucket, category and length; then a line per goal of issue #13, met or not:
   noisy (CV >= 12%, every noisy series of either level) F1 >= 1.3 x Otava's with <= 0.2
   false alarms / 100 points without a step; recall >= 0.9 of the steps >= 20% (all step
   categories) in series of CV <= 15%; per noise level and category, F1 (or, without a step,
   false alarms) no worse than Otava's; on the noisy series an F1 above the rank baseline's
   with false alarms within the baseline's or the 0.2 goal, whichever is larger.
   Beside them the failure cases reported in the issue, regenerated with seeded noise.
3. Speed: perfgate detect and Otava on one series of 10,000 points and on 1,000 series of
   1,000 points built from the same noise, in the same run.
4. `perfgate versus`, live (with `--versus TRIALS`, on its own): real interleaved runs of the
   loop and spawn workloads against themselves and against the +3/+5/+10/+20% variants, 10
   pairs per trial; an alarm is a `warning` or `critical` wall-time verdict.

The binary is $PERFGATE (default target/release/perfgate), so the same evaluation runs against
another build: PERFGATE=/work/main/target/release/perfgate ... Requires numpy, scipy and
apache-otava; run with plain python3 the script creates target/eval-venv and installs them
(pip, PyPI), then runs itself there. From the repository root after `cargo build --release`:

  target/eval-venv/bin/python bench/detection/evaluate.py [TRIALS]      full, 5-20 minutes on
        2 cores (2026-12-01: 4.7 min, and 19.3 min for the previous detector while the
        machine was busy; pairs: TRIALS trials per cell, default 60; histories: 3 series per step size
        of each step category and 6 per category without a step, for every workload and
        length: 1,248 series per noise level)
  ... evaluate.py --quick                   histories (2 per step cell, 4 per no-step cell, up
        to 365 points) and the issue's cases only: about half a minute
  ... evaluate.py --detect-args "--alpha 0.01 --window 30"   extra options for perfgate detect
  ... evaluate.py --write                   also writes results.md (this output, with date,
        command, versions, duration) and results.json (the goal figures, machine-readable)
  ... evaluate.py --reference FILE          "what it is now" for the pairs goal (default
        bench/detection/reference.json: a copy of results.json from the run of 2026-12-01
        with the detector before issue #13; that run itself had no reference)
  ... evaluate.py --versus 20               the live versus table only

Seeded: a rerun on the same data and binary prints the same numbers (timings aside).
"""
import argparse, datetime, io, json, os, shlex, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = "target/eval-venv"


def ensure_venv():
    """Run in target/eval-venv with numpy, scipy and apache-otava, creating it when missing."""
    try:
        import numpy, scipy, otava  # noqa: F401
        return
    except ImportError:
        pass
    py = os.path.join(VENV, "bin", "python")
    if os.path.abspath(sys.executable) == os.path.abspath(py):
        sys.exit(f"{py} lacks numpy, scipy or apache-otava: {py} -m pip install apache-otava numpy scipy")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run([py, "-m", "pip", "install", "-q", "apache-otava", "numpy", "scipy"], check=True)
    os.execv(py, [py] + sys.argv)


if __name__ == "__main__":
    ensure_venv()

import random
from importlib import metadata

import numpy as np
from scipy import stats
from scipy.stats import rankdata
from otava.analysis import compute_change_points as otava_change_points

PG = os.environ.get("PERFGATE", "target/release/perfgate")
NOISE = os.path.join(HERE, "noise")
SIZES = (2, 3, 5, 10, 20)           # the recorded variants (pairs)
NS = (5, 10, 20, 30, 60)
H_SIZES = (3, 5, 10, 20, 30)        # step sizes of the generated histories, percent
LENGTHS = (60, 120, 365, 1000)
STEP_CATS = ("single step", "staircase", "regression then fix", "step on drift")
QUIET_CATS = ("no change", "drift alone", "spikes alone")
CATEGORIES = ("no change",) + STEP_CATS + ("drift alone", "spikes alone")
BUCKETS = ((0.05, "<=5%"), (0.12, "5-12%"), (0.27, "12-27%"), (float("inf"), ">27%"))
TOL = 2

OPTS = None
DETECT_ARGS = []
rng = random.Random(2026)


# ---------------------------------------------------------------- data

def load():
    """{noise level: {workload: recording}}."""
    data = {}
    for name in sorted(os.listdir(NOISE)):
        if name.endswith(".json") and not name.startswith("."):
            d = json.load(open(os.path.join(NOISE, name)))
            data.setdefault(d.get("noise_level", "quiet"), {})[d["workload"]] = d
    return {k: data[k] for k in sorted(data, key=lambda k: (k != "quiet", k))}


def pool(d, rnd, variant, metric="wall_time"):
    return d["rounds"][rnd]["samples"][variant][metric]


def window(xs, n, start):
    return xs[start:start + n]


def unchanged_in_order(d, rnd):
    """The unchanged program's runs (0a and 0b) of one round in the order they ran."""
    r = d["rounds"][rnd]
    idx = {"0a": 0, "0b": 0}
    out = []
    for vs in r["order"]:
        for v in vs:
            if v in idx:
                out.append(r["samples"][v]["wall_time"][idx[v]])
                idx[v] += 1
    return np.array(out)


def cv_of(xs):
    xs = np.asarray(xs, float)
    return float(np.std(xs, ddof=1) / np.mean(xs))


def bucket(cv):
    return next(name for limit, name in BUCKETS if cv <= limit)


# ---------------------------------------------------------------- pairs

HISTORY_RUNS = 20


def run_pg(argv):
    return subprocess.run([PG] + argv, capture_output=True, text=True)


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
        r = run_pg(["ingest", "--format", "json", src, "--suite", "eval", "--record",
                    "--store", store, "--json-out", os.path.join(tmp, "history.report.json")])
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
        r = run_pg(["ingest", "--format", "json", src, "--suite", "eval", "--json-out", paths[side]])
        assert r.returncode == 0, r.stderr
    extra = ["--noise-aware", "--store", store] if store else []
    r = run_pg(["compare", paths["cur"], paths["base"], "--format", "json", "--fdr", "off"] + extra)
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


def pairs_section(level, data, tmp, trials, results):
    summary = {}
    per_n = {}
    print(f"\n## Pairs, {level} noise\n")
    for w, d in data.items():
        for setting in ("minutes apart", "same window", "minutes apart, noise-aware"):
            print(f"\n### {level}, {w}: {setting} ({trials} trials per cell; alarm = warning or critical)\n")
            print("| runs per side | same vs same | " + " | ".join(f"+{s}%" for s in SIZES) + " |")
            print("|--:|--:|" + "--:|" * len(SIZES))
            noise_aware = setting.endswith("noise-aware")
            for n in NS:
                row = []
                # One recorded history per trial, shared by the six columns of the row (recording
                # it is most of the cost: 20 ingests into a store).
                store = None
                if noise_aware:
                    store = record_history([[history_window(d, n) for _ in range(HISTORY_RUNS)]
                                            for _ in range(trials)], tmp)
                for size in (0,) + SIZES:
                    draws = [draw(d, "minutes apart" if noise_aware else setting, n, size)
                             for _ in range(trials)]
                    verdicts = perfgate_verdicts(draws, tmp, store)
                    alarms = {"perfgate compare": [v in ("warning", "critical") for v in verdicts],
                              "perfgate compare, critical only": [v == "critical" for v in verdicts]}
                    if not noise_aware:
                        for name, rule in RULES.items():
                            alarms[name] = [bool(rule(b, c)) for b, c in draws]
                    for name, a in alarms.items():
                        summary.setdefault((setting, name), {}).setdefault(size, []).append(sum(a) / len(a))
                    rate = sum(alarms["perfgate compare"]) / trials
                    per_n.setdefault((setting, size, n), []).append(rate)
                    row.append(rate)
                print(f"| {n} | " + " | ".join(f"{x:.1%}" for x in row) + " |")
    print(f"\n### {level}: all workloads and sample sizes (5-60 per side): false alarms, and the mean detection of +3/+5/+10/+20%\n")
    print("| rule | setting | false alarms (same vs same) | +2% | +3% | +5% | +10% | +20% | mean of +3..+20% |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    out = results.setdefault("pairs", {}).setdefault(level, {})
    for (setting, name), by in sorted(summary.items(), key=lambda kv: (kv[0][0], not kv[0][1].startswith("perfgate"), kv[0][1])):
        mean = {s: float(np.mean(v)) for s, v in by.items()}
        goal = float(np.mean([mean[s] for s in (3, 5, 10, 20)]))
        print(f"| {name} | {setting} | {mean[0]:.1%} | " + " | ".join(f"{mean[s]:.1%}" for s in SIZES) + f" | {goal:.1%} |")
        if name == "perfgate compare":
            out[setting] = {"false_alarms": mean[0], "detection_3_20": goal,
                            "false_alarms_by_n": {str(n): float(np.mean(per_n[(setting, 0, n)])) for n in NS}}
    print(f"\n{level}: perfgate compare's false alarms by runs per side (mean of the workloads): " + "; ".join(
        f"{setting}: " + ", ".join(f"n={n} {out[setting]['false_alarms_by_n'][str(n)]:.1%}" for n in NS)
        for setting in ("minutes apart", "same window")))


# ---------------------------------------------------------------- histories

def noise_for(seqs, n, r):
    """n noise factors (run / median of its round), each a random run of a random round."""
    out = []
    for _ in range(n):
        seq = seqs[r.randrange(len(seqs))]
        out.append(seq[r.randrange(len(seq))])
    return np.array(out)


def positions(r, n, k, margin, gap):
    """k sorted change positions in [margin, n - margin], at least gap apart."""
    for _ in range(1000):
        ps = sorted(r.sample(range(margin, n - margin + 1), k))
        if all(b - a >= gap for a, b in zip(ps, ps[1:])):
            return ps
    raise ValueError((n, k, margin, gap))


def make_history(noise, base, n, cat, size, r):
    """(points, true change points): base x level(t) x noise."""
    level = np.ones(n)
    cps = []
    margin = max(8, n // 12)
    s = (size or 0) / 100
    factor = 1 + s if r.random() < 0.7 else 1 - s
    if cat in ("single step", "step on drift"):
        cps = positions(r, n, 1, margin, 0)
        level[cps[0]:] *= factor
    elif cat == "staircase":
        k = r.choice((2, 3))
        cps = positions(r, n, k, margin, max(10, n // (2 * k + 2)))
        for c in cps:
            level[c:] *= factor
    elif cat == "regression then fix":
        a = r.randint(margin, n - margin - 8)
        b = r.randint(a + 8, min(a + max(8, n // 3), n - margin))
        level[a:b] *= 1 + s
        cps = [a, b]
    if cat in ("step on drift", "drift alone"):
        d = r.uniform(0.05, 0.15) * r.choice((1, -1))
        level *= 1 + d * np.arange(n) / (n - 1)
    pts = base * level * noise
    if cat == "spikes alone":
        for _ in range(r.randint(1, 3)):
            pts[r.randrange(n)] *= r.uniform(1.3, 2.0)
    return [float(x) for x in pts], cps


def build_histories(level, data, reps_step, reps_quiet, lengths, seed):
    """{key: meta} for one noise level: every workload x length x category (x size)."""
    r = random.Random(seed)
    out = {}
    for w, d in data.items():
        seqs = []
        for rnd in range(len(d["rounds"])):
            u = unchanged_in_order(d, rnd)
            seqs.append(list(u / np.median(u)))
        base = float(np.median(np.concatenate([unchanged_in_order(d, k) for k in range(len(d["rounds"]))])))
        for n in lengths:
            for cat in CATEGORIES:
                cells = [(sz, reps_step) for sz in H_SIZES] if cat in STEP_CATS else [(None, reps_quiet)]
                for size, reps in cells:
                    for i in range(reps):
                        noise = noise_for(seqs, n, r)
                        pts, cps = make_history(noise, base, n, cat, size, r)
                        cv = cv_of(noise)
                        key = f"{level}/{w}/{n}/{cat}/{size}/{i}"
                        out[key] = {"pts": pts, "cps": cps, "size": size, "cat": cat, "n": n,
                                    "workload": w, "level": level, "cv": cv, "bucket": bucket(cv)}
    return out


def perfgate_detect(series):
    """{name: [change point indices]} and the whole process's seconds (JSON in and out)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(series, f)
    try:
        t = time.perf_counter()
        r = run_pg(["detect", "--input", f.name, "--format", "json"] + DETECT_ARGS)
        elapsed = time.perf_counter() - t
    finally:
        os.unlink(f.name)
    if r.returncode != 0:
        sys.exit(f"perfgate detect {' '.join(DETECT_ARGS)} exited {r.returncode}: {r.stderr.strip()}")
    found = {s["name"]: [c["index"] for c in s["change_points"]] for s in json.loads(r.stdout)["series"]}
    return found, elapsed


def otava(pts):
    cps, _ = otava_change_points(pts, window_len=50, max_pvalue=0.001)
    return sorted(c.index for c in cps)


def _rank_z(ranks, min_seg):
    """|standardised rank sum of the left part| for every split with min_seg points each side
    (ranks: (..., m))."""
    m = ranks.shape[-1]
    k = np.arange(min_seg, m - min_seg + 1)
    left = np.cumsum(ranks, axis=-1)[..., k - 1]
    return np.abs(left - k * (m + 1) / 2) / np.sqrt(k * (m - k) * (m + 1) / 12)


def rank_binseg(x, alpha=0.01, min_seg=5, min_change_pct=2.0, permutations=199, seed=0):
    """Plain rank binary segmentation (the baseline): best standardised Mann-Whitney split,
    max-statistic permutation test, minimum change of the medians, recursion into both sides."""
    x = np.asarray(x, float)
    gen = np.random.default_rng(seed)
    found = []

    def segment(lo, hi):
        m = hi - lo
        if m < 2 * min_seg:
            return
        ranks = rankdata(x[lo:hi])
        z = _rank_z(ranks, min_seg)
        j = int(np.argmax(z))
        k = j + min_seg
        shuffled = gen.permuted(np.tile(ranks, (permutations, 1)), axis=1)
        exceed = int(np.sum(_rank_z(shuffled, min_seg).max(axis=1) >= z[j] - 1e-9))
        if (1 + exceed) / (1 + permutations) > alpha:
            return
        before, after = np.median(x[lo:lo + k]), np.median(x[lo + k:hi])
        if abs(after / before - 1) * 100 < min_change_pct:
            return
        found.append(lo + k)
        segment(lo, lo + k)
        segment(lo + k, hi)

    segment(0, len(x))
    return sorted(found)


def zscore(pts):
    out = []
    for k in range(30, len(pts)):
        w = pts[k - 30:k]
        m, s = np.mean(w), np.std(w, ddof=1)
        if s > 0 and abs(pts[k] - m) > 3 * s:
            out.append(k)
    return out


def score_one(meta, got):
    cps = meta["cps"]
    hit = [x for x in got if any(abs(x - c) <= TOL for c in cps)]
    found = [c for c in cps if any(abs(x - c) <= TOL for x in got)]
    return {"tp": len(found), "fn": len(cps) - len(found), "fp": len(got) - len(hit), "n_got": len(got)}


def aggregate(rows):
    """rows: (meta, score). Precision, recall, F1, false alarms / 100 points without a step,
    recall per size, and the counts."""
    tp = sum(s["tp"] for _, s in rows)
    fn = sum(s["fn"] for _, s in rows)
    fp = sum(s["fp"] for _, s in rows)
    quiet = [(m, s) for m, s in rows if not m["cps"]]
    fa_pts = sum(m["n"] for m, _ in quiet)
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * p * r / (p + r) if tp else (0.0 if tp + fn else float("nan"))
    fa = 100 * sum(s["n_got"] for _, s in quiet) / fa_pts if fa_pts else float("nan")
    by = {}
    for m, s in rows:
        if m["cps"]:
            a = by.setdefault(m["size"], [0, 0])
            a[0] += s["tp"]
            a[1] += s["tp"] + s["fn"]
    recall = {sz: a[0] / a[1] for sz, a in by.items()}
    return {"precision": p, "recall": r, "f1": f1, "fa100": fa, "recall_by_size": recall,
            "series": len(rows), "steps": tp + fn, "fa_points": fa_pts}


def fmt(x, spec=".2f"):
    return "-" if x is None or x != x else format(x, spec)


def table(title, groups, detectors, scores):
    """groups: [(label, filter)]. One row per group and detector."""
    print(f"\n{title}\n")
    print("| detector | " + "set | series | steps | precision | recall | F1 | false alarms / 100 points without a step | recall "
          + "/".join(f"+{s}" for s in H_SIZES) + "% |")
    print("|---|---|--:|--:|--:|--:|--:|--:|---|")
    for label, keep in groups:
        for name in detectors:
            rows = [(m, s) for m, s in scores[name] if keep(m)]
            if not rows:
                continue
            a = aggregate(rows)
            print(f"| {name} | {label} | {a['series']} | {a['steps']} | {fmt(a['precision'])} | {fmt(a['recall'])} | "
                  f"{fmt(a['f1'])} | {fmt(a['fa100'])} | " + " / ".join(fmt(a["recall_by_size"].get(s)) for s in H_SIZES) + " |")


def category_table(title, detectors, scores, keep):
    print(f"\n{title} (step categories: F1; categories without a step: false alarms / 100 points)\n")
    print("| category | " + " | ".join(detectors) + " |")
    print("|---|" + "--:|" * len(detectors))
    for cat in CATEGORIES:
        cells = []
        for name in detectors:
            a = aggregate([(m, s) for m, s in scores[name] if keep(m) and m["cat"] == cat])
            cells.append(fmt(a["f1"] if cat in STEP_CATS else a["fa100"]))
        print(f"| {cat} | " + " | ".join(cells) + " |")


PG_NAME = "perfgate detect"
OTAVA_NAME = f"Apache Otava {metadata.version('apache-otava')} (defaults)"
BINSEG_NAME = "rank binseg (baseline)"
Z_NAME = "z-score (3 sigma, last 30)"
DETECTORS = (PG_NAME, OTAVA_NAME, BINSEG_NAME, Z_NAME)


def run_detectors(hist):
    """{detector: [(meta, score)]} on the same series, and perfgate's process seconds."""
    found, elapsed = perfgate_detect({k: m["pts"] for k, m in hist.items()})
    got = {PG_NAME: found, OTAVA_NAME: {}, BINSEG_NAME: {}, Z_NAME: {}}
    for i, (k, m) in enumerate(hist.items()):
        got[OTAVA_NAME][k] = otava(m["pts"])
        got[BINSEG_NAME][k] = rank_binseg(m["pts"], seed=i)
        got[Z_NAME][k] = zscore(m["pts"])
    return {name: [(hist[k], score_one(hist[k], g[k])) for k in hist] for name, g in got.items()}, elapsed


def histories_section(data, quick, results):
    reps_step, reps_quiet = (2, 4) if quick else (3, 6)
    lengths = (60, 120, 365) if quick else LENGTHS
    workloads_note = "all workloads"
    print(f"\n## Histories\n\nPer noise level, workload ({workloads_note}), length ({', '.join(map(str, lengths))}) and category: "
          f"{reps_step} series per step size of each step category, {reps_quiet} of each category without a step. "
          f"A point is one recorded run; tolerance +-{TOL} points. perfgate detect options: "
          f"`{' '.join(DETECT_ARGS) or '(defaults)'}`.")
    all_scores = {name: [] for name in DETECTORS}
    for li, (level, lvl_data) in enumerate(data.items()):
        hist = build_histories(level, lvl_data, reps_step, reps_quiet, lengths, seed=100 + li)
        t = time.perf_counter()
        scores, pg_s = run_detectors(hist)
        cvs = [m["cv"] for m in hist.values()]
        print(f"\n### {level} noise: {len(hist)} series, {sum(m['n'] for m in hist.values()):,} points; "
              f"series CV median {np.median(cvs):.1%} (range {min(cvs):.1%}-{max(cvs):.1%}); "
              f"perfgate detect {pg_s:.1f} s for all of them; all detectors {time.perf_counter() - t:.0f} s")
        for name in DETECTORS:
            all_scores[name] += scores[name]
        table(f"#### {level}: all series, by workload", [("all", lambda m: True)] +
              [(w, (lambda w: lambda m: m["workload"] == w)(w)) for w in lvl_data], DETECTORS, scores)
        table(f"#### {level}: by length", [(f"n = {n}", (lambda n: lambda m: m["n"] == n)(n)) for n in lengths],
              DETECTORS, scores)
        category_table(f"#### {level}: by category", DETECTORS, scores, lambda m: True)
    table("### All noise levels, by measured CV of the series", [(f"CV {b}", (lambda b: lambda m: m["bucket"] == b)(b))
                                                             for _, b in BUCKETS], DETECTORS, all_scores)
    category_table("### Noisy series (CV >= 12%), by category", DETECTORS, all_scores, lambda m: m["cv"] >= 0.12)
    goals_histories(data, all_scores, results)


def goals_histories(data, sc, results):
    print("\n### Goals of issue #13 (histories)\n")
    noisy = lambda m: m["cv"] >= 0.12
    a = {name: aggregate([(m, s) for m, s in sc[name] if noisy(m)]) for name in DETECTORS}
    pg, ot, bs = a[PG_NAME], a[OTAVA_NAME], a[BINSEG_NAME]
    ok = pg["f1"] >= 1.3 * ot["f1"] and pg["fa100"] <= 0.2
    if not pg["series"]:
        print("- (no series with CV >= 12%: record the loaded noise, record.py --load)")
    print(f"- {'MET' if ok else 'NOT MET'}: noisy histories (CV >= 12%, {pg['series']} series): F1 {fmt(pg['f1'])} vs Otava "
          f"{fmt(ot['f1'])} (x{fmt(pg['f1'] / ot['f1'] if ot['f1'] else float('nan'))}, goal >= x1.3), false alarms "
          f"{fmt(pg['fa100'])} / 100 points without a step (goal <= 0.2; Otava {fmt(ot['fa100'])}).")
    big = {}
    for name in DETECTORS:
        tp = tot = 0
        for m, s in sc[name]:
            if m["cps"] and m["size"] >= 20 and m["cv"] <= 0.15:
                tp += s["tp"]
                tot += s["tp"] + s["fn"]
        big[name] = tp / tot if tot else float("nan")
    print(f"- {'MET' if big[PG_NAME] >= 0.9 else 'NOT MET'}: recall of steps >= 20% where CV <= 15%: {fmt(big[PG_NAME])} "
          f"(goal >= 0.9; Otava {fmt(big[OTAVA_NAME])}, rank binseg {fmt(big[BINSEG_NAME])}).")
    worse = []
    for level in data:
        for cat in CATEGORIES:
            keep = lambda m: m["level"] == level and m["cat"] == cat
            p = aggregate([(m, s) for m, s in sc[PG_NAME] if keep(m)])
            o = aggregate([(m, s) for m, s in sc[OTAVA_NAME] if keep(m)])
            if cat in STEP_CATS and p["f1"] < o["f1"]:
                worse.append(f"{level} {cat}: F1 {fmt(p['f1'])} vs {fmt(o['f1'])}")
            if cat not in STEP_CATS and p["fa100"] > o["fa100"]:
                worse.append(f"{level} {cat}: false alarms {fmt(p['fa100'])} vs {fmt(o['fa100'])}")
    print(f"- {'MET' if not worse else 'NOT MET'}: no category worse than Otava (per noise level; F1, or false alarms "
          f"where there is no step): " + ("; ".join(worse) if worse else "none worse") + ".")
    by_level = {}
    for level in data:
        keep = lambda m: m["level"] == level
        by_level[level] = {name: aggregate([(m, s) for m, s in sc[name] if keep(m)]) for name in DETECTORS}
    lines = []
    beat = pg["f1"] > bs["f1"] and pg["fa100"] <= max(bs["fa100"], 0.2)
    for level, v in by_level.items():
        lines.append(f"{level}: F1 {fmt(v[PG_NAME]['f1'])} vs {fmt(v[BINSEG_NAME]['f1'])}, false alarms "
                     f"{fmt(v[PG_NAME]['fa100'])} vs {fmt(v[BINSEG_NAME]['fa100'])}")
    print(f"- {'MET' if beat else 'NOT MET'}: beats the plain rank binary segmentation on noisy histories (CV >= 12%): "
          f"F1 {fmt(pg['f1'])} vs {fmt(bs['f1'])}, false alarms {fmt(pg['fa100'])} vs {fmt(bs['fa100'])} / 100 points "
          f"(per noise level, perfgate vs baseline: " + "; ".join(lines) + ").")
    results["histories"] = {
        "noisy_cv12": {name: {k: v for k, v in a[name].items() if k != "recall_by_size"} for name in DETECTORS},
        "recall_ge20_cv_le15": big,
        "by_level": {level: {name: {k: v for k, v in x.items() if k != "recall_by_size"} for name, x in v.items()}
                     for level, v in by_level.items()},
        "categories_worse_than_otava": worse,
    }


def issue_cases(results):
    """The failure cases reported in issue #13, regenerated with seeded noise (20 seeds each)."""
    print("\n### The failure cases of issue #13 (20 seeded series each)\n")
    cases = {}
    for seed in range(20):
        g = np.random.default_rng(seed)
        lv = np.concatenate([np.full(15, 100.0), np.full(56, 88.5), np.full(24, 106.0), np.linspace(101, 110, 270)])
        cases.setdefault("365 points, noise 1%: 100 / 88.5 from 15 / 106 from 71 / slow rise 101->110 over 95-364", []).append(
            (list(lv * (1 + 0.01 * g.standard_normal(365))), [15, 71, 95]))
        sigma = np.sqrt(np.log(1 + 0.12 ** 2))  # lognormal: right-skewed, CV 12%
        lv = np.concatenate([np.full(40, 1.0), np.full(40, 1.25), np.full(40, 1.56)])
        cases.setdefault("120 points, CV 12% right-skewed: 1.0 / 1.25 from 40 / 1.56 from 80", []).append(
            (list(lv * g.lognormal(-sigma ** 2 / 2, sigma, 120)), [40, 80]))
    series = {f"c{ci}-{i}": pts for ci, runs in enumerate(cases.values()) for i, (pts, _) in enumerate(runs)}
    found, _ = perfgate_detect(series)
    print("| case | detector | true change points found (share) | other change points per series |")
    print("|---|---|--:|--:|")
    out = {}
    for ci, (label, runs) in enumerate(cases.items()):
        for name in DETECTORS[:3]:
            tp = tot = other = 0
            for i, (pts, cps) in enumerate(runs):
                got = found[f"c{ci}-{i}"] if name == PG_NAME else otava(pts) if name == OTAVA_NAME else rank_binseg(pts, seed=i)
                meta = {"cps": cps}
                s = score_one(meta, got)
                tp += s["tp"]
                tot += len(cps)
                other += s["fp"]
            print(f"| {label} | {name} | {tp / tot:.2f} | {other / len(runs):.2f} |")
            out.setdefault(label, {})[name] = tp / tot
    print("\n(Case 1's third point, 95, is where the level drops from 106 to 101 and the slow rise begins.)")
    results["issue_cases"] = out


# ---------------------------------------------------------------- speed

def speed_section(data, results):
    print("\n## Speed on the same series (this machine, 2 cores)\n")
    level = next(iter(data))
    d = data[level][sorted(data[level])[0]]
    u = unchanged_in_order(d, 0)
    seqs = [list(u / np.median(u))]
    r = random.Random(5)
    big = make_history(noise_for(seqs, 10_000, r), float(np.median(u)), 10_000, "staircase", 10, r)[0]
    many = {f"s{i}": make_history(noise_for(seqs, 1000, r), float(np.median(u)), 1000, "single step", 10, r)[0]
            for i in range(1000)}
    _, t_one = perfgate_detect({"one": big})
    _, t_many = perfgate_detect(many)
    print(f"Series: {level} noise of `{d['workload']}`, a staircase of 10% steps (10,000 points) and single 10% steps (1,000 x 1,000).\n")
    print(f"perfgate detect (whole process, JSON in and out): 10,000 points {t_one:.3f} s; 1,000 series x 1,000 points {t_many:.2f} s")
    t = time.perf_counter()
    otava(big)
    o_one = time.perf_counter() - t
    t = time.perf_counter()
    done = 0
    for pts in many.values():
        otava(pts)
        done += 1
        if time.perf_counter() - t > 30:
            break
    o_many = (time.perf_counter() - t) / done * len(many)
    note = "" if done == len(many) else f" (extrapolated from {done} series in 30 s)"
    print(f"{OTAVA_NAME.replace(' (defaults)', '')} (in-process, no I/O): 10,000 points {o_one:.2f} s; 1,000 series x 1,000 points {o_many:.0f} s{note}")
    print(f"ratio Otava / perfgate: {o_one / t_one:.0f}x on 10,000 points, {o_many / t_many:.1f}x on 1,000 x 1,000")
    ok1, ok2 = t_one < 0.1, t_many < 10
    print(f"\n- {'MET' if ok1 else 'NOT MET'}: 10,000 points in under 0.1 s ({t_one:.3f} s; Otava {o_one:.2f} s).")
    print(f"- {'MET' if ok2 else 'NOT MET'}: 1,000 series x 1,000 points in under 10 s ({t_many:.2f} s; Otava {o_many:.0f} s).")
    results["speed"] = {"perfgate_10k_s": t_one, "perfgate_1000x1000_s": t_many, "otava_10k_s": o_one, "otava_1000x1000_s": o_many}


def goals_pairs(results, reference):
    print("\n### Goals of issue #13 (pairs without history)\n")
    ref = (reference or {}).get("pairs", {})
    for level, v in results.get("pairs", {}).items():
        ma, sw = v["minutes apart"], v["same window"]
        worst = max(ma["false_alarms_by_n"].values())
        ok = worst <= 0.01
        print(f"- {level}: {'MET' if ok else 'NOT MET'}: false alarms minutes apart <= 1% at every n = 5..60 per side: "
              + ", ".join(f"n={n} {x:.1%}" for n, x in ma["false_alarms_by_n"].items()) + ".")
        r = ref.get(level, {}).get("minutes apart")
        if r:
            ok = ma["detection_3_20"] >= r["detection_3_20"] - 1e-9
            print(f"- {level}: {'MET' if ok else 'NOT MET'}: mean detection of +3/+5/+10/+20% minutes apart at least "
                  f"the reference's: {ma['detection_3_20']:.1%} vs {r['detection_3_20']:.1%}.")
        else:
            print(f"- {level}: no reference for the detection of +3..+20% minutes apart (now {ma['detection_3_20']:.1%}).")
        print(f"- {level}: {'MET' if sw['false_alarms'] == 0 else 'NOT MET'}: same window, 0% false alarms "
              f"({sw['false_alarms']:.1%}).")


def noise_section(data):
    print("## Recorded noise\n")
    print("| noise level | workload | command | runs per round | median (round 1, 2) | CV (round 1, 2) | measured effect of +2/+3/+5/+10/+20% (same window, medians) |")
    print("|---|---|---|--:|---|---|---|")
    for level, ds in data.items():
        for w, d in ds.items():
            med = [np.median(pool(d, r, "0a")) for r in (0, 1)]
            cv = [cv_of(pool(d, r, "0a")) for r in (0, 1)]
            eff = [np.mean([np.median(pool(d, r, str(s))) / np.median(pool(d, r, "0a")) - 1 for r in (0, 1)]) for s in SIZES]
            print(f"| {level} | {w} | `{d['command'][:50].replace(chr(10), '; ')}` | {d['runs_per_round']} | {med[0]*1e3:.2f} / {med[1]*1e3:.2f} ms | "
                  f"{cv[0]:.1%} / {cv[1]:.1%} | " + " / ".join(f"{e:+.1%}" for e in eff) + " |")
    for level, ds in data.items():
        d = next(iter(ds.values()))
        print(f"\n{level}: recorded {d['recorded_utc']} by {d['perfgate']} on {d['machine']}, "
              f"load average at the start {d.get('load_average_at_start', 'not recorded')}.")
        if "load" in d:
            ld = d["load"]
            states = {}
            for ph in ld["phases"]:
                states[ph["state"]] = states.get(ph["state"], 0) + ph["planned_s"]
            print(f"\n{level}: {ld['description']}; duties cpu {ld['cpu_duty_pct']}%, mem {ld['mem_duty_pct']}%; "
                  f"{len(ld['phases'])} phases (seed {ld['phase_seed']}), seconds per state: "
                  + ", ".join(f"{k} {v:.0f}" for k, v in sorted(states.items())) + ".")


def versus_section(trials):
    sys.path.insert(0, HERE)
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
                r = run_pg(["versus", a, b, "--runs", "10", "--warmup", "1", "--seed", str(t),
                            "--compare-cmd", "true", "--format", "json"])
                assert r.returncode == 0, r.stderr
                wall = [m for m in json.loads(r.stdout)["metrics"] if m["metric"] == "wall_time"][0]
                alarms += wall["status"] in ("warning", "critical")
            row.append(alarms / trials)
        print(f"| {w} | " + " | ".join(f"{x:.0%}" for x in row) + " |")


class Tee(io.TextIOBase):
    def __init__(self, stream):
        self.stream, self.buf = stream, io.StringIO()

    def write(self, s):
        self.stream.write(s)
        self.buf.write(s)
        return len(s)

    def flush(self):
        self.stream.flush()


def main():
    global OPTS, DETECT_ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("trials", nargs="?", type=int, default=60, help="pair trials per cell (default 60)")
    ap.add_argument("--quick", action="store_true", help="histories (fewer, up to 365 points) and the issue's cases only")
    ap.add_argument("--detect-args", default="", help="extra options passed through to perfgate detect")
    ap.add_argument("--write", action="store_true", help="write results.md and results.json beside this script")
    ap.add_argument("--reference", default=os.path.join(HERE, "reference.json"),
                    help="results.json of an earlier run: 'what it is now' for the pairs goal")
    ap.add_argument("--versus", type=int, default=0, help="only the live versus table, with this many trials per cell")
    OPTS = ap.parse_args()
    DETECT_ARGS = shlex.split(OPTS.detect_args)
    if OPTS.versus:
        versus_section(OPTS.versus)
        return
    tee = Tee(sys.stdout)
    sys.stdout = tee
    started, t0 = datetime.datetime.now(datetime.timezone.utc), time.perf_counter()
    version = run_pg(["--version"]).stdout.strip()
    print(f"# Detection evaluation: {'quick ' if OPTS.quick else ''}results\n")
    data = load()
    reference = json.load(open(OPTS.reference)) if os.path.exists(OPTS.reference) and not OPTS.quick else None
    results = {"perfgate": version, "detect_args": DETECT_ARGS, "quick": OPTS.quick, "trials": OPTS.trials}
    noise_section(data)
    if not OPTS.quick:
        with tempfile.TemporaryDirectory() as tmp:
            for level, ds in data.items():
                pairs_section(level, ds, tmp, OPTS.trials, results)
        goals_pairs(results, reference)
    histories_section(data, OPTS.quick, results)
    issue_cases(results)
    if not OPTS.quick:
        speed_section(data, results)
    minutes = (time.perf_counter() - t0) / 60
    sys.stdout = tee.stream
    command = "target/eval-venv/bin/python bench/detection/evaluate.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    if "PERFGATE" in os.environ:
        command = f"PERFGATE={os.environ['PERFGATE']} " + command
    header = (f"Produced on {started.date()} on {os.uname().nodename} ({os.cpu_count()} cores) by `{command}` in "
              f"{minutes:.1f} minutes: {version} (`{PG}`), Python {sys.version.split()[0]}, numpy {np.__version__}, "
              f"scipy {metadata.version('scipy')}, apache-otava {metadata.version('apache-otava')}. "
              + ("Quick mode: no pairs, no speed. " if OPTS.quick else f"Pairs: {OPTS.trials} trials per cell. ") +
              f"Timings vary from run to run; everything else is seeded and "
              f"reproduces exactly on the same noise files and binary.\n")
    print(f"\n{header}")
    if OPTS.write:
        text = tee.buf.getvalue()
        title, rest = text.split("\n", 1)
        with open(os.path.join(HERE, "results.md"), "w") as f:
            f.write(f"{title}\n\n{header}{rest}")
        results["produced"] = header.strip()
        with open(os.path.join(HERE, "results.json"), "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
        print(f"wrote {HERE}/results.md and results.json")


if __name__ == "__main__":
    main()
