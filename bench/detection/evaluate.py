"""Scores perfgate's verdicts on real noise of this machine (recorded by record_noise.sh).

compare: pairs of samples drawn from runs of the same program (round 1 vs round 2, recorded
minutes apart) must not alarm; pairs whose current side comes from a variant doing +5/+10/+20%
more work should. Each trial writes two generic-JSON files, ingests them with
`perfgate ingest --format json` and compares with `perfgate compare --format json`; an alarm is
a `warning` or `critical` verdict. The naive rule "current median > baseline median x 1.10" is
scored on the same draws.

detect: histories of 100 points, each point the median of 5 runs drawn from the recorded noise;
no change, one step (+10% or +20% at a random index), or a single spike; scored with a +-2
point tolerance (precision, recall, F1, false alarms per 100 points on histories without a
change), beside a Bencher-style z-score rule (a point beyond 3 sigma of the previous 30).

Usage: python3 bench/detection/evaluate.py [TRIALS]   (from the repository root, after
record_noise.sh). Prints numbers; seeded, so a rerun on the same data gives the same numbers.
"""
import json, os, random, statistics, subprocess, sys, tempfile

PG = "target/release/perfgate"
NOISE = "bench/detection/noise"
trials = int(sys.argv[1]) if len(sys.argv) > 1 else 40
rng = random.Random(42)


def samples(name):
    r = json.load(open(os.path.join(NOISE, name)))
    m = [x for x in r["benchmarks"][0]["metrics"] if x["name"] == "wall_time"][0]
    return m["samples"]


pools = {(pct, rnd): samples(f"busy-{pct}-{rnd}.json") for pct in (0, 5, 10, 20) for rnd in (1, 2)}


def run(args):
    return subprocess.run([PG] + args, capture_output=True, text=True)


def verdict(base, cur, tmp):
    for name, s in (("base", base), ("cur", cur)):
        with open(os.path.join(tmp, name + ".json"), "w") as f:
            json.dump({"loop": {"wall_time": {"unit": "s", "samples": s}}}, f)
        r = run(["ingest", "--format", "json", os.path.join(tmp, name + ".json"),
                 "--suite", "eval", "--json-out", os.path.join(tmp, name + ".report.json")])
        assert r.returncode == 0, r.stderr
    r = run(["compare", os.path.join(tmp, "cur.report.json"), os.path.join(tmp, "base.report.json"),
             "--format", "json"])
    rows = json.loads(r.stdout)["metrics"]
    return [m["status"] for m in rows if m["metric"] == "wall_time"][0]


print(f"== compare on real noise ({trials} trials per cell; alarm = warning or critical)")
print(f"{'n/side':>6} {'same-vs-same':>14} {'+5%':>6} {'+10%':>6} {'+20%':>6} | naive 10%: {'same':>5} {'+5%':>5} {'+10%':>5} {'+20%':>5}")
with tempfile.TemporaryDirectory() as tmp:
    for n in (5, 10, 30):
        perf, naive = {}, {}
        for pct in (0, 5, 10, 20):
            alarms = naive_alarms = 0
            for _ in range(trials):
                base = rng.sample(pools[(0, 1)], n)
                cur = rng.sample(pools[(pct, 2)], n)
                if verdict(base, cur, tmp) in ("warning", "critical"):
                    alarms += 1
                if statistics.median(cur) > statistics.median(base) * 1.10:
                    naive_alarms += 1
            perf[pct], naive[pct] = alarms / trials, naive_alarms / trials
        print(f"{n:>6} {perf[0]:>14.1%} {perf[5]:>6.1%} {perf[10]:>6.1%} {perf[20]:>6.1%} |"
              f"            {naive[0]:>5.1%} {naive[5]:>5.1%} {naive[10]:>5.1%} {naive[20]:>5.1%}")

print("== detect on histories built from real noise (100 points, point = median of 5 runs)")
series, truth = {}, {}
for i in range(trials * 3):
    kind = i % 3
    pts, cps = [], []
    step = rng.randrange(20, 80)
    size = rng.choice((10, 20))
    for k in range(100):
        pool = pools[(size if kind == 1 and k >= step else 0, 1 + (k % 2))]
        pts.append(statistics.median(rng.sample(pool, 5)))
    if kind == 1:
        cps = [step]
    if kind == 2:
        pts[rng.randrange(10, 90)] *= 1.5
    series[f"s{i}"] = pts
    truth[f"s{i}"] = cps
with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    json.dump(series, f)
found = {x["benchmark"]: [c["index"] for c in x["changes"]]
         for x in json.loads(run(["detect", "--input", f.name, "--format", "json"]).stdout)}
os.unlink(f.name)


def zscore(pts):
    out = []
    for k in range(30, len(pts)):
        w = pts[k - 30:k]
        m, s = statistics.mean(w), statistics.stdev(w)
        if s > 0 and abs(pts[k] - m) > 3 * s:
            out.append(k)
    return out


for name, detector in (("perfgate detect", lambda s: found[s]), ("z-score (3 sigma, last 30)", lambda s: zscore(series[s]))):
    tp = fp = fn = 0
    fa_points = fa_count = 0
    for s, cps in truth.items():
        got = detector(s)
        hit = [g for g in got if any(abs(g - c) <= 2 for c in cps)]
        tp += min(len(hit), len(cps))
        fp += len(got) - len(hit)
        fn += len(cps) - min(len(hit), len(cps))
        if not cps:
            fa_points += len(series[s])
            fa_count += len(got)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"{name:>28}: precision {precision:.2f} recall {recall:.2f} F1 {f1:.2f}; "
          f"false alarms per 100 points without a change {100 * fa_count / fa_points:.2f}")
