#!/usr/bin/env python3
"""Load on `perfgate serve`: concurrent runners pushing reports, then a count of what landed.

    bench/server_load.py --server URL --token TOKEN --template REPORT.json \
        [--runners 50] [--seconds 300] [--benchmarks 167]

Each runner (a thread with its own HTTP connection) pushes, as fast as the server answers,
reports made from REPORT.json (a real `perfgate run --json-out` file): its benchmark is copied
under --benchmarks names (3 metrics x 30 samples each: 500 metrics with the default), and each
push gets its own timestamp and seed, so every report is a new one. One push in ten is sent a
second time: the server must answer 200 `created: false` and store it once.

At the end it lists the project's runs through the API and checks that the runs stored since the
start are exactly the reports the server said it created, with no id twice. Prints push latency
(p50, p90, p99, max), throughput, errors, and the result of the count. Standard library only.
"""

import argparse
import copy
import http.client
import json
import statistics
import threading
import time
import urllib.parse


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


class Runner(threading.Thread):
    def __init__(self, index, args, base, deadline, results):
        super().__init__(daemon=True)
        self.index = index
        self.args = args
        self.base = base
        self.deadline = deadline
        self.results = results

    def quota_reached(self):
        # `--count`: stop once that many reports were sent (the list append is atomic).
        if self.args.count is None:
            return False
        with self.results["lock"]:
            if self.results["sent"] >= self.args.count:
                return True
            self.results["sent"] += 1
            return False

    def connect(self):
        u = urllib.parse.urlsplit(self.args.server)
        return http.client.HTTPConnection(u.hostname, u.port or 80, timeout=60)

    def push(self, conn, body):
        path = f"/api/v1/projects/{urllib.parse.quote(self.base['suite'], safe='')}/reports"
        headers = {
            "Authorization": f"Bearer {self.args.token}",
            "Content-Type": "application/json",
        }
        start = time.perf_counter()
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        return time.perf_counter() - start, response.status, payload

    def run(self):
        conn = self.connect()
        n = 0
        while time.time() < self.deadline and not self.quota_reached():
            report = copy.copy(self.base)
            report["timestamp_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            report["seed"] = self.index * 1_000_000_000 + n
            body = json.dumps(report).encode()
            repeats = 2 if args_repeat(self.args, n) else 1
            for attempt in range(repeats):
                try:
                    latency, status, payload = self.push(conn, body)
                except (OSError, http.client.HTTPException) as e:
                    self.results["errors"].append(f"runner {self.index}: {e}")
                    conn.close()
                    conn = self.connect()
                    continue
                if status in (200, 201):
                    answer = json.loads(payload)
                    self.results["latencies"].append(latency)
                    if attempt == 0:
                        self.results["created"].append(answer["run_id"])
                        if status != 201 or not answer.get("created"):
                            self.results["errors"].append(f"new report not created: {payload[:200]!r}")
                    elif status != 200 or answer.get("created"):
                        self.results["errors"].append(f"repeat created again: {payload[:200]!r}")
                else:
                    self.results["errors"].append(f"HTTP {status}: {payload[:200]!r}")
            n += 1
        conn.close()


def args_repeat(args, n):
    return args.repeat_every > 0 and n % args.repeat_every == 0


def build_base(template, benchmarks):
    with open(template) as f:
        report = json.load(f)
    bench = report["benchmarks"][0]
    report["benchmarks"] = []
    for i in range(benchmarks):
        b = copy.deepcopy(bench)
        b["name"] = f"load/bench-{i:04}"
        report["benchmarks"].append(b)
    return report


def count_runs(args, project):
    u = urllib.parse.urlsplit(args.server)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=60)
    ids = []
    before = None
    while True:
        query = {"limit": "1000"}
        if before is not None:
            query["before"] = str(before)
        path = f"/api/v1/projects/{urllib.parse.quote(project, safe='')}/runs?" + urllib.parse.urlencode(query)
        conn.request("GET", path, headers={"Authorization": f"Bearer {args.token}"})
        response = conn.getresponse()
        runs = json.loads(response.read())["runs"]
        ids.extend(r["id"] for r in runs)
        if len(runs) < 1000:
            return ids
        before = runs[-1]["id"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--template", required=True)
    p.add_argument("--runners", type=int, default=50)
    p.add_argument("--seconds", type=float, default=300)
    p.add_argument("--benchmarks", type=int, default=167)
    p.add_argument("--count", type=int, help="stop after this many reports (with --seconds as a bound)")
    p.add_argument("--project", help="the project (suite) to push to; default: the template's")
    p.add_argument("--repeat-every", type=int, default=10, help="send every Nth report twice")
    args = p.parse_args()

    base = build_base(args.template, args.benchmarks)
    if args.project:
        base["suite"] = args.project
    metrics = sum(len(b["metrics"]) for b in base["benchmarks"])
    samples = len(base["benchmarks"][0]["metrics"][0]["samples"])
    size = len(json.dumps(base))
    print(f"report: {metrics} metrics x {samples} samples, {size / 1e6:.2f} MB of JSON")
    results = {"latencies": [], "created": [], "errors": [], "sent": 0, "lock": threading.Lock()}
    before = set(count_runs(args, base["suite"]))
    deadline = time.time() + args.seconds
    runners = [Runner(i, args, base, deadline, results) for i in range(args.runners)]
    started = time.time()
    for r in runners:
        r.start()
    for r in runners:
        r.join()
    elapsed = time.time() - started

    lat = sorted(results["latencies"])
    ms = [x * 1000 for x in lat]
    print(f"runners: {args.runners}, duration: {elapsed:.0f} s, pushes answered: {len(lat)} "
          f"({len(lat) / elapsed:.1f}/s)")
    if ms:
        print(f"push latency ms: p50 {percentile(ms, 0.5):.1f}  p90 {percentile(ms, 0.9):.1f}  "
              f"p99 {percentile(ms, 0.99):.1f}  max {ms[-1]:.1f}  mean {statistics.mean(ms):.1f}")
    print(f"errors: {len(results['errors'])}")
    for e in results["errors"][:10]:
        print(f"  {e}")
    created = results["created"]
    stored = count_runs(args, base["suite"])
    new = [i for i in stored if i not in before]
    print(f"reports created: {len(created)} (distinct run ids {len(set(created))}); "
          f"runs stored since the start: {len(new)} (distinct {len(set(new))})")
    ok = (not results["errors"] and len(set(created)) == len(created)
          and sorted(set(new)) == sorted(created) and len(new) == len(set(new)))
    print("count: OK, every report stored once" if ok else "count: MISMATCH")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
