#!/usr/bin/env bash
# The team server under load, on loopback, over a throwaway PostgreSQL cluster:
#   1. 50 concurrent runners push reports of 500 metrics x 30 samples for LOAD_SECONDS
#      (default 300); afterwards every report the server said it created is counted through
#      the API (bench/server_load.py): no error, none lost, none twice; p50/p99 push latency.
#   1b. One runner alone: a push's own latency.
#   2. The server's peak RSS (VmHWM) under that load.
#   3. One metric's history in a project of HISTORY_RUNS (default 100,000) runs, read through
#      the API: the newest 1,000 points, and all of them page by page.
#   4. The dashboard page of a project of 1,000 benchmarks, loaded in Chromium (--dump-dom),
#      beside Chromium loading an empty page (its own start-up).
#
#   bench/server_scale.sh            # everything (about 15 minutes on 2 cores)
#   LOAD_SECONDS=60 HISTORY_RUNS=10000 bench/server_scale.sh   # a quicker look
#
# Needs PostgreSQL's server binaries (bench/pg_cluster.sh), python3, curl and chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
load_seconds=${LOAD_SECONDS:-300}
history_runs=${HISTORY_RUNS:-100000}
work=$(mktemp -d /tmp/perfgate-server-scale.XXXXXX)
chmod 755 "$work"
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  bench/pg_cluster.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release -q
pg=target/release/perfgate
url=$(bench/pg_cluster.sh start "$work/pg" | tail -n 1)
store="${url%/postgres}/perfgate"
psql -q "$url" -c "CREATE DATABASE perfgate"

write=$($pg token create --store "$store" --project load --scope write --label bench)
$pg token create --store "$store" --project history --scope write >/dev/null
$pg token public --store "$store" --project wide on >/dev/null
# One token per project: the load, the history, the wide dashboard.
history_token=$($pg token create --store "$store" --project history --scope write)
wide_token=$($pg token create --store "$store" --project wide --scope write)

# A real report to copy from: 30 runs of `true`, three metrics (wall, CPU, peak RSS).
$pg run --runs 30 --warmup 1 --suite load --json-out "$work/template.json" -- true >/dev/null

$pg serve --store "$store" --listen 127.0.0.1:0 --workers 16 >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
for _ in $(seq 1 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
server=$(sed -n 's/^listening on //p' "$work/serve.out" | head -n 1)
echo "server: $server (16 workers), store: PostgreSQL $(psql -At "$url" -c 'SHOW server_version')"

echo
echo "== 1. 50 runners x ${load_seconds} s, reports of 500 metrics x 30 samples"
python3 bench/server_load.py --server "$server" --token "$write" --template "$work/template.json" \
  --project load --runners 50 --seconds "$load_seconds" --benchmarks 167 || true
echo
echo "== 1b. one runner alone for 30 s (a push's own latency, no queueing)"
python3 bench/server_load.py --server "$server" --token "$write" --template "$work/template.json" \
  --project load --runners 1 --seconds 30 --benchmarks 167 | grep -E "pushes answered|latency|count:" || true
echo
echo "== 2. server peak RSS: $(awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' /proc/$server_pid/status)"

echo
echo "== 3. one metric's history over ${history_runs} runs"
python3 bench/server_load.py --server "$server" --token "$history_token" --template "$work/template.json" \
  --project history --runners 8 --seconds 3600 --count "$history_runs" --benchmarks 1 --repeat-every 0 \
  | grep -E "pushes answered|count:" || true
hist="$server/api/v1/projects/history/history?benchmark=load/bench-0000&metric=wall_time"
for i in 1 2 3 4 5; do
  curl -s -o "$work/h.json" -w '%{time_total}\n' -H "Authorization: Bearer $history_token" "$hist&limit=1000"
done | sort -n | awk '{t[NR]=$1} END {printf "newest 1,000 points: median of 5 = %.1f ms\n", t[3]*1000}'
start=$(date +%s.%N); pages=0; before=; points=0
while :; do
  curl -s -o "$work/h.json" -H "Authorization: Bearer $history_token" "$hist&limit=1000${before:+&before=$before}"
  n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d), d[-1]["id"] if d else "")' "$work/h.json")
  count=${n% *}; last=${n#* }
  [ "$count" -eq 0 ] && break
  points=$((points + count)); pages=$((pages + 1)); before=$last
  [ "$count" -lt 1000 ] && break
done
end=$(date +%s.%N)
echo "all ${points} points in ${pages} pages: $(echo "($end - $start) * 1000" | bc) ms"

echo
echo "== 4. dashboard of 1,000 benchmarks in Chromium"
python3 bench/server_load.py --server "$server" --token "$wide_token" --template "$work/template.json" \
  --project wide --runners 4 --seconds 3600 --count 30 --benchmarks 1000 --repeat-every 0 | grep -E "count:" || true
chrome=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync)
page="$server/projects/wide/"
for i in 1 2 3; do
  s=$(date +%s.%N); "${chrome[@]}" --user-data-dir="$work/chrome$i" --dump-dom "$page" >"$work/page.html" 2>/dev/null; e=$(date +%s.%N)
  s2=$(date +%s.%N); "${chrome[@]}" --user-data-dir="$work/blank$i" --dump-dom "about:blank" >/dev/null 2>/dev/null; e2=$(date +%s.%N)
  echo "$(echo "$e - $s" | bc) $(echo "$e2 - $s2" | bc)"
done | sort -n | awk '{t[NR]=$1; b[NR]=$2} END {printf "page 1 (the first 20 of 1,000 benchmarks, 30 runs): median of 3 = %.2f s (an empty page: %.2f s)\n", t[2], b[2]}'
python3 -c "import sys; print(\"charts on the page:\", open(sys.argv[1]).read().count(\"<svg\"))" "$work/page.html"
curl -s -o /dev/null -w 'served in %{time_total} s, %{size_download} bytes\n' "$page"
