#!/usr/bin/env bash
# Measures perfgate's per-run overhead and accuracy side by side with hyperfine -N, in one run.
#
#   bench/overhead.sh [ROUNDS] [RUNS_EMPTY] [RUNS_50MS]
#
# For each round (the tools alternate, so drift of this shared machine hits both alike):
#  - `true` (an empty command), RUNS_EMPTY measured runs: the median each tool reports (what
#    measuring adds to every sample) and the tool's own wall-clock time divided by the runs
#    (what a run costs in total, bookkeeping included);
#  - `sleep 0.05`, RUNS_50MS runs: the median each tool reports.
# Prints the medians over rounds and the ratios perfgate / hyperfine. Needs hyperfine and
# python3 (for JSON). Not a test: numbers on a noisy machine are for reading, not asserting.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
RUNS_EMPTY=${2:-1000}
RUNS_50MS=${3:-40}
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release --quiet
PG=target/release/perfgate
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

now() { date +%s%N; }
for r in $(seq 1 "$ROUNDS"); do
  t0=$(now); hyperfine -N --style none --warmup 10 --runs "$RUNS_EMPTY" --export-json "$TMP/h_true_$r.json" true >/dev/null 2>&1; t1=$(now)
  echo $(( (t1 - t0) )) > "$TMP/h_true_$r.ns"
  t0=$(now); "$PG" run --warmup 10 --runs "$RUNS_EMPTY" --json-out "$TMP/p_true_$r.json" -- true >/dev/null; t1=$(now)
  echo $(( (t1 - t0) )) > "$TMP/p_true_$r.ns"
  hyperfine -N --style none --warmup 2 --runs "$RUNS_50MS" --export-json "$TMP/h_sleep_$r.json" 'sleep 0.05' >/dev/null 2>&1
  "$PG" run --warmup 2 --runs "$RUNS_50MS" --json-out "$TMP/p_sleep_$r.json" -- sleep 0.05 >/dev/null
  echo "round $r/$ROUNDS done" >&2
done

python3 - "$TMP" "$ROUNDS" "$RUNS_EMPTY" <<'PY'
import json, statistics, sys
tmp, rounds, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def hyperfine(path):
    return statistics.median(json.load(open(path))["results"][0]["times"])
def perfgate(path):
    r = json.load(open(path))
    wall = next(m for m in r["benchmarks"][0]["metrics"] if m["name"] == "wall_time")
    return wall["summary"]["median"]
rows = {"h_true": [], "p_true": [], "h_tot": [], "p_tot": [], "h_sleep": [], "p_sleep": []}
for i in range(1, rounds + 1):
    rows["h_true"].append(hyperfine(f"{tmp}/h_true_{i}.json"))
    rows["p_true"].append(perfgate(f"{tmp}/p_true_{i}.json"))
    rows["h_tot"].append(int(open(f"{tmp}/h_true_{i}.ns").read()) / 1e9 / (runs + 10))
    rows["p_tot"].append(int(open(f"{tmp}/p_true_{i}.ns").read()) / 1e9 / (runs + 10))
    rows["h_sleep"].append(hyperfine(f"{tmp}/h_sleep_{i}.json"))
    rows["p_sleep"].append(perfgate(f"{tmp}/p_sleep_{i}.json"))
med = {k: statistics.median(v) for k, v in rows.items()}
us = lambda s: f"{s * 1e6:8.1f} us"
ms = lambda s: f"{s * 1e3:8.3f} ms"
print(f"{rounds} interleaved rounds; medians over rounds")
print(f"{'':34}{'perfgate':>12}{'hyperfine -N':>14}{'ratio':>8}")
print(f"{'true: reported median':34}{us(med['p_true']):>12}{us(med['h_true']):>14}{med['p_true'] / med['h_true']:8.3f}")
print(f"{'true: tool wall time per run':34}{us(med['p_tot']):>12}{us(med['h_tot']):>14}{med['p_tot'] / med['h_tot']:8.3f}")
print(f"{'sleep 0.05: reported median':34}{ms(med['p_sleep']):>12}{ms(med['h_sleep']):>14}{med['p_sleep'] / med['h_sleep']:8.4f}")
print("per round (perfgate/hyperfine, true median):", " ".join(f"{p / h:.3f}" for p, h in zip(rows["p_true"], rows["h_true"])))
print("per round (perfgate/hyperfine, sleep median):", " ".join(f"{p / h:.4f}" for p, h in zip(rows["p_sleep"], rows["h_sleep"])))
PY
