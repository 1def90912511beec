"""The table of bench/harness_vs.sh, from the outputs it keeps: `python3 summarize.py OUT ROUNDS`."""
import glob, json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def criterion(r):
    """criterion's typical estimate (the slope; the mean without one) and its 95% interval."""
    res = {}
    for path in glob.glob(f"{out}/criterion-{r}/work_*/new/estimates.json"):
        name = path.split("/")[-3].removeprefix("work_")
        e = json.load(open(path))
        typical = e.get("slope") or e["mean"]
        ci = typical["confidence_interval"]
        center = typical["point_estimate"] * 1e-9
        res[name] = (center, (ci["upper_bound"] - ci["lower_bound"]) * 1e-9 / 2 / center)
    return res
def times(path, metric):
    r = json.load(open(path))
    res = {}
    for b in r["benchmarks"]:
        name = b["name"].split("/")[-1].split("::")[-1]
        for m in b["metrics"]:
            if m["name"] == metric:
                s = m["summary"]
                center = s["median"]
                lo, hi = s["ci95_median"] if len(m["samples"]) > 1 else s["ci95_mean"]
                res[name] = (center, (hi - lo) / 2 / center if center else 0.0)
    return res
def fmt(s):
    for unit, f in (("ns", 1e9), ("us", 1e6), ("ms", 1e3)):
        if s * f < 1000:
            return f"{s * f:8.3f} {unit}"
    return f"{s:8.3f} s"
walls = [l.split() for l in open(f"{out}/wall.txt")]
print(f"{'function':8} {'round':>5}  {'criterion':>11} {'±95%':>6}  {'divan':>11} {'ratio':>6}  {'perfgate-h':>11} {'ratio':>6} {'±95%':>6}")
for name in ("t10ns", "t1us", "t100us", "t10ms"):
    for r in range(1, rounds + 1):
        c = criterion(r)[name]
        d = times(f"{out}/divan-{r}.json", "time")[name]
        p = times(f"{out}/perfgate-{r}.json", "wall_time")[name]
        print(f"{name:8} {r:>5}  {fmt(c[0])} {100*c[1]:5.1f}%  {fmt(d[0])} {d[0]/c[0]:6.3f}  {fmt(p[0])} {p[0]/c[0]:6.3f} {100*p[1]:5.1f}%")
print()
print("wall time of the whole run (4 functions), s:")
print(f"{'round':>5} {'criterion':>10} {'divan':>8} {'perfgate-h':>10}")
for w in walls:
    print(f"{w[0]:>5} {float(w[1]):10.1f} {float(w[2]):8.1f} {float(w[3]):10.1f}")
