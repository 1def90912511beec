#!/usr/bin/env bash
# Time and peak memory of `perfgate ingest` on large generic-format files, in several shapes.
#
#   bench/ingest_scale.sh [MB] [SHAPES]     (defaults: 200 "long wide")
#   PERFGATE=path/to/perfgate bench/ingest_scale.sh ...   (another build, e.g. an older one)
#
# Shapes of a file of MB megabytes, {bench: {metric: {value, unit, samples}}}:
#   long   10 benchmarks x 2 metrics, the samples filling the file (~1.1M each at 200 MB)
#   wide   2 metrics per benchmark, 1,000 samples each (~11,000 benchmarks at 200 MB)
#   narrow 2 metrics per benchmark, 20 samples each (~400,000 benchmarks at 200 MB)
# Prints, per shape: the file's size, the wall time, user time and peak RSS of the ingest
# (GNU time -v). Needs python3 and /usr/bin/time. Numbers, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-200}
SHAPES=${2:-long wide}
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time)" >&2; exit 2; }
if [ -z "${PERFGATE:-}" ]; then
  cargo build --release --quiet
  PERFGATE=target/release/perfgate
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

generate() { # shape file
  python3 - "$MB" "$1" "$2" <<'PY'
import random, sys
mb, shape, out = float(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(1)
size = int(mb * 1e6)
per_sample = 9  # "1.234567,"
if shape == "long":
    benches, samples = 10, size // (10 * 2 * per_sample)
else:
    samples = {"wide": 1000, "narrow": 20}[shape]
    benches = max(1, size // (2 * (samples * per_sample + 40)))
with open(out, "w") as f:
    f.write("{")
    for b in range(benches):
        f.write(("," if b else "") + '"bench/%d":{' % b)
        for m in range(2):
            xs = ",".join("%.6f" % (1 + rng.random()) for _ in range(samples))
            f.write(("," if m else "") + '"m%d":{"value":1.5,"unit":"ms","samples":[%s]}' % (m, xs))
        f.write("}")
    f.write("}\n")
print("%s: %d benchmarks x 2 metrics x %d samples" % (shape, benches, samples))
PY
}

for shape in $SHAPES; do
  generate "$shape" "$TMP/in.json"
  printf '%-7s %9s %10s %10s %12s\n' shape "file MB" "wall s" "user s" "peak RSS MB"
  bytes=$(stat -c %s "$TMP/in.json")
  /usr/bin/time -v "$PERFGATE" ingest "$TMP/in.json" --json-out "$TMP/out.json" >/dev/null 2>"$TMP/time.txt" \
    || { cat "$TMP/time.txt" >&2; exit 1; }
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$TMP/time.txt")
  user=$(awk -F': ' '/User time/ {print $2}' "$TMP/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$TMP/time.txt")
  printf '%-7s %9.1f %10.2f %10.2f %12s\n' "$shape" "$(echo "$bytes / 1000000" | bc -l)" "$wall" "$user" "$rss"
  rm -f "$TMP/in.json" "$TMP/out.json"
done
