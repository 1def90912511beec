"""Records real run-to-run noise of this machine for the detection evaluation.

Four workloads, each with variants that do a known fraction more work (+2, +3, +5, +10, +20%)
and two copies of the unchanged program (`0a`, `0b`, for same-vs-same pairs inside one time
window). For every run index the variants run once each in a seeded random order, so drift and
the host's fast/slow phases hit all of them alike; each run is one `perfgate run --runs 1`
(perfgate's own fork/exec/wait4 measurement). Two rounds, several minutes apart (the other
workloads record in between), so pairs across rounds are "recorded minutes apart".

  loop    the demo's register-only loop (examples/demo/busy.rs), ~20 ms
  spawn   a shell starting /bin/true K times: process start-up, ~50 ms
  io      dd writing K x 64 KiB with fsync, then removing the file, ~40-100 ms
  python  python3 starting and summing a range: interpreter start-up plus compute, ~0.1 s

Output: noise/<workload>.json = {"workload", "command", "recorded_utc", "perfgate",
"machine", "runs_per_round", "rounds": [{"started_utc", "order": [...], "samples": {variant:
{"wall_time": [...], "cpu_time": [...]}}}]}, seconds.

Usage: python3 bench/detection/record.py [RUNS_PER_ROUND] [WORKLOAD ...]  (repository root)
"""
import datetime, json, os, random, subprocess, sys

PG = "target/release/perfgate"
OUT = "bench/detection/noise"
WORK = "target/detection"
VARIANTS = ["0a", "0b", "2", "3", "5", "10", "20"]


def pct(v):
    return 0 if v.startswith("0") else int(v)


def scaled(base, v):
    return round(base * (100 + pct(v)) / 100)


WORKLOADS = {
    "loop": lambda v: [f"{WORK}/busy", str(scaled(60_000_000, v))],
    "spawn": lambda v: ["sh", "-c", f"i=0; while [ $i -lt {scaled(50, v)} ]; do /bin/true; i=$((i+1)); done"],
    "io": lambda v: ["sh", "-c", f"dd if=/dev/zero of={WORK}/io.tmp bs=64k count={scaled(200, v)} conv=fsync status=none && rm {WORK}/io.tmp"],
    "python": lambda v: ["python3", "-c", f"s = 0\nfor i in range({scaled(1_500_000, v)}): s += i"],
}


def measure(argv):
    r = subprocess.run([PG, "run", "--runs", "1", "--warmup", "0", "--name", "x",
                        "--json-out", "-", "--"] + argv, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(argv)}: perfgate exited {r.returncode}: {r.stderr.strip()}")
    metrics = {m["name"]: m["samples"][0] for m in json.loads(r.stdout)["benchmarks"][0]["metrics"]}
    return metrics["wall_time"], metrics["user_time"] + metrics["sys_time"]


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    chosen = sys.argv[2:] or list(WORKLOADS)
    os.makedirs(OUT, exist_ok=True)
    subprocess.run(["cargo", "build", "--release", "--quiet"], check=True)
    os.makedirs(WORK, exist_ok=True)
    subprocess.run(["rustc", "-O", "-o", f"{WORK}/busy", "examples/demo/busy.rs"], check=True)
    version = subprocess.run([PG, "--version"], capture_output=True, text=True).stdout.strip()
    rng = random.Random(7)
    data = {w: {"workload": w, "command": " ".join(WORKLOADS[w]("0a")), "perfgate": version,
                "machine": os.uname().nodename, "runs_per_round": runs,
                "cores": os.cpu_count(), "rounds": []} for w in chosen}
    for rnd in (1, 2):
        for w in chosen:
            started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
            samples = {v: {"wall_time": [], "cpu_time": []} for v in VARIANTS}
            order = []
            for _ in range(runs):
                vs = VARIANTS[:]
                rng.shuffle(vs)
                order.append(vs)
                for v in vs:
                    wall, cpu = measure(WORKLOADS[w](v))
                    samples[v]["wall_time"].append(wall)
                    samples[v]["cpu_time"].append(cpu)
            data[w]["rounds"].append({"round": rnd, "started_utc": started, "order": order,
                                      "samples": samples})
            print(f"round {rnd} {w}: {runs} runs x {len(VARIANTS)} variants", flush=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    for w, d in data.items():
        d["recorded_utc"] = stamp
        tmp = os.path.join(OUT, f".{w}.json.tmp")
        with open(tmp, "w") as f:
            json.dump(d, f)
        os.replace(tmp, os.path.join(OUT, f"{w}.json"))
    print(f"recorded into {OUT}")


if __name__ == "__main__":
    main()
