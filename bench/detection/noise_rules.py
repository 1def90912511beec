"""Chooses the noise-aware threshold rule (src/gate/noise.rs) on the recorded noise.

Simulates `check` minutes apart: per trial, 20 earlier runs of the unchanged program (each
the median of a window of n runs, from either round) give a history; a baseline window and a
current window come from different rounds; an alarm is a change of the medians beyond the
rule's warning AND a two-sided Mann-Whitney p < 0.05 (perfgate's significance). Prints, per
candidate rule, the false-alarm rate on same-vs-same pairs and the detection of +3..+20%,
over the four workloads and n = 5, 10, 20, 30, 60 (150 trials per cell). Seeded.

Usage: target/eval-venv/bin/python bench/detection/noise_rules.py   (repository root)
"""
import json, os, random

import numpy as np
from scipy import stats

NOISE = "bench/detection/noise"
rng = random.Random(1)
data = {}
for f in sorted(os.listdir(NOISE)):
    if f.endswith(".json"):
        d = json.load(open(os.path.join(NOISE, f)))
        if d.get("noise_level", "quiet") == "quiet":  # the rule was chosen on the quiet recordings
            data[d["workload"]] = d


def window(d, rnd, variant, n):
    s = rng.randrange(d["runs_per_round"] - n + 1)
    return d["rounds"][rnd]["samples"][variant]["wall_time"][s:s + n]


def mad_spread(m):
    return 1.4826 * np.median(np.abs(m - np.median(m))) / np.median(m) * 100


def range_pct(m):
    return (m.max() - m.min()) / np.median(m) * 100


RULES = {
    "3 x MAD spread critical, warning half (first version)": lambda m: 1.5 * mad_spread(m),
    "2.5 x sqrt(2) x MAD spread": lambda m: 2.5 * np.sqrt(2) * mad_spread(m),
    "2.5 x sqrt(2) x standard deviation": lambda m: 2.5 * np.sqrt(2) * np.std(m, ddof=1) / np.median(m) * 100,
    "range": range_pct,
    "1.25 x range (chosen)": lambda m: 1.25 * range_pct(m),
    "fixed 5% (the defaults)": lambda m: 5.0,
}
TRIALS = 150
for name, rule in RULES.items():
    false_alarms, caught = [], {3: [], 5: [], 10: [], 20: []}
    for d in data.values():
        for n in (5, 10, 20, 30, 60):
            for size in (0, 3, 5, 10, 20):
                alarms = 0
                for _ in range(TRIALS):
                    history = np.array([np.median(window(d, rng.randrange(2), rng.choice(("0a", "0b")), n))
                                        for _ in range(20)])
                    warn = min(max(rule(history), 1.0), 50.0)
                    rb = rng.randrange(2)
                    base = window(d, rb, "0a", n)
                    cur = window(d, 1 - rb, "0b" if size == 0 else str(size), n)
                    change = (np.median(cur) / np.median(base) - 1) * 100
                    if change > warn and stats.mannwhitneyu(cur, base).pvalue < 0.05:
                        alarms += 1
                (false_alarms if size == 0 else caught[size]).append(alarms / TRIALS)
    mean = np.mean([np.mean(v) for v in caught.values()])
    print(f"{name:55} false alarms {np.mean(false_alarms):.1%}; caught "
          + " ".join(f"+{k}%: {np.mean(v):.0%}" for k, v in caught.items()) + f"; mean {mean:.1%}")
