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

Two noise levels:

  quiet   (default) nothing else started: noise/<workload>.json, "noise_level": "quiet".
  loaded  (--load) a noisy machine: a CPU hog (a spinning loop) and a memory-bandwidth hog
          (read-modify-write streaming through a buffer of --mem-mib MiB, far beyond the 32 MiB
          last-level cache), both bench/detection/hog.c compiled into target/detection/hog,
          run in the background and switched on and off together or alone in phases of
          random length (seeded: --phase-seed, 2-12 s each) with SIGSTOP/SIGCONT, so the host
          has fast and slow phases lasting many runs. Each hog works --cpu-duty / --mem-duty
          percent of every 10 ms (defaults 15 and 25: chosen on short trial recordings so the
          workloads' wall-time CV lands near 12-27% on this 2-core machine, which another
          engineer's builds and tests share; full duty gave 20-140%). Output
          noise/<workload>-loaded.json, "noise_level":
          "loaded", with "load": the hogs' commands, duties and the phase schedule (seconds
          from the start of the recording), and per round "run_started_s" (when each run
          index began, same clock), so every run can be placed in its phase. The quiet files
          are left untouched.

Output: noise/<workload>[-loaded].json = {"workload", "noise_level", "command",
"recorded_utc", "perfgate", "machine", "cores", "runs_per_round", ["load"], "rounds":
[{"started_utc", "order": [...], ["run_started_s": [...]], "samples": {variant: {"wall_time":
[...], "cpu_time": [...]}}}]}, seconds.

The binary is $PERFGATE (default target/release/perfgate, built with `cargo build --release`
when $PERFGATE is not set).

Usage (repository root):
  python3 bench/detection/record.py [RUNS_PER_ROUND] [WORKLOAD ...]          quiet, 200 runs
  python3 bench/detection/record.py --load 100                               loaded (~17 min
                                                                             on 2 cores)
  python3 bench/detection/record.py --load 15 --out /tmp/try loop           trying a load
The loaded recording prints each round's wall-time CV as it goes; the achieved CVs per round
are in results.md (Recorded noise). The CV depends on what else the machine runs: with the
same duties, rounds of one recording ranged from 8% to 70% here.
"""
import argparse, datetime, json, os, random, signal, subprocess, sys, threading, time

PG = os.environ.get("PERFGATE", "target/release/perfgate")
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

PHASE_STATES = ("off", "cpu", "mem", "cpu+mem")


def measure(argv):
    r = subprocess.run([PG, "run", "--runs", "1", "--warmup", "0", "--name", "x",
                        "--json-out", "-", "--"] + argv, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(argv)}: perfgate exited {r.returncode}: {r.stderr.strip()}")
    metrics = {m["name"]: m["samples"][0] for m in json.loads(r.stdout)["benchmarks"][0]["metrics"]}
    return metrics["wall_time"], metrics["user_time"] + metrics["sys_time"]


class Load:
    """The background hogs and the thread that switches them on and off in seeded phases."""

    def __init__(self, a, t0):
        self.t0 = t0
        self.cmds = {"cpu": [f"{WORK}/hog", "cpu", str(a.cpu_duty)],
                     "mem": [f"{WORK}/hog", "mem", str(a.mem_mib), str(a.mem_duty)]}
        self.procs = {k: subprocess.Popen(c) for k, c in self.cmds.items()}
        for p in self.procs.values():
            os.kill(p.pid, signal.SIGSTOP)
        self.rng = random.Random(a.phase_seed)
        self.schedule = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            state = self.rng.choice(PHASE_STATES)
            length = round(self.rng.uniform(2, 12), 2)
            self.schedule.append({"start_s": round(time.monotonic() - self.t0, 3), "state": state,
                                  "planned_s": length})
            for k, p in self.procs.items():
                os.kill(p.pid, signal.SIGCONT if k in state.split("+") else signal.SIGSTOP)
            self.stop.wait(length)

    def close(self):
        self.stop.set()
        self.thread.join()
        for p in self.procs.values():
            os.kill(p.pid, signal.SIGCONT)
            p.terminate()
            p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="?", type=int, default=None,
                    help="runs per round and variant (default 200 quiet, 100 loaded)")
    ap.add_argument("workloads", nargs="*", help=f"default: {' '.join(WORKLOADS)}")
    ap.add_argument("--load", action="store_true", help="record with the background load (noise level 'loaded')")
    ap.add_argument("--cpu-duty", type=int, default=15, help="CPU hog: percent of each 10 ms spent spinning")
    ap.add_argument("--mem-duty", type=int, default=25, help="memory hog: percent of each 10 ms spent streaming")
    ap.add_argument("--mem-mib", type=int, default=512, help="memory hog's buffer, MiB")
    ap.add_argument("--phase-seed", type=int, default=13)
    ap.add_argument("--out", default=OUT, help=f"output folder (default {OUT})")
    a = ap.parse_args()
    runs = a.runs or (100 if a.load else 200)
    chosen = a.workloads or list(WORKLOADS)
    level = "loaded" if a.load else "quiet"
    os.makedirs(a.out, exist_ok=True)
    if "PERFGATE" not in os.environ:
        subprocess.run(["cargo", "build", "--release", "--quiet"], check=True)
    os.makedirs(WORK, exist_ok=True)
    subprocess.run(["rustc", "-O", "-o", f"{WORK}/busy", "examples/demo/busy.rs"], check=True)
    if a.load:
        subprocess.run(["cc", "-O2", "-o", f"{WORK}/hog", "bench/detection/hog.c"], check=True)
    version = subprocess.run([PG, "--version"], capture_output=True, text=True).stdout.strip()
    rng = random.Random(7)
    data = {w: {"workload": w, "noise_level": level, "command": " ".join(WORKLOADS[w]("0a")),
                "perfgate": version, "machine": os.uname().nodename, "runs_per_round": runs,
                "cores": os.cpu_count(), "load_average_at_start": os.getloadavg(), "rounds": []}
            for w in chosen}
    t0 = time.monotonic()
    load = Load(a, t0) if a.load else None
    try:
        for rnd in (1, 2):
            for w in chosen:
                started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
                samples = {v: {"wall_time": [], "cpu_time": []} for v in VARIANTS}
                order, run_started = [], []
                for _ in range(runs):
                    vs = VARIANTS[:]
                    rng.shuffle(vs)
                    order.append(vs)
                    run_started.append(round(time.monotonic() - t0, 3))
                    for v in vs:
                        wall, cpu = measure(WORKLOADS[w](v))
                        samples[v]["wall_time"].append(wall)
                        samples[v]["cpu_time"].append(cpu)
                entry = {"round": rnd, "started_utc": started, "order": order, "samples": samples}
                if load:
                    entry["run_started_s"] = run_started
                data[w]["rounds"].append(entry)
                s = samples["0a"]["wall_time"]
                mean = sum(s) / len(s)
                cv = (sum((x - mean) ** 2 for x in s) / (len(s) - 1)) ** 0.5 / mean
                print(f"round {rnd} {w}: {runs} runs x {len(VARIANTS)} variants, wall-time CV of 0a {cv:.1%}"
                      f" ({time.monotonic() - t0:.0f} s)", flush=True)
    finally:
        if load:
            load.close()
    stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    for w, d in data.items():
        d["recorded_utc"] = stamp
        if load:
            d["load"] = {
                "description": "a CPU hog (one spinning process) and a memory-bandwidth hog (streaming "
                               f"read-modify-write through {a.mem_mib} MiB), bench/detection/hog.c, each "
                               "switched on/off in seeded phases of 2-12 s (states off, cpu, mem, cpu+mem)",
                "commands": {k: " ".join(c) for k, c in load.cmds.items()},
                "cpu_duty_pct": a.cpu_duty, "mem_duty_pct": a.mem_duty, "mem_mib": a.mem_mib,
                "phase_seed": a.phase_seed, "phases": load.schedule,
            }
        name = f"{w}-loaded.json" if a.load else f"{w}.json"
        tmp = os.path.join(a.out, f".{name}.tmp")
        with open(tmp, "w") as f:
            json.dump(d, f)
        os.replace(tmp, os.path.join(a.out, name))
    print(f"recorded into {a.out}")


if __name__ == "__main__":
    main()
