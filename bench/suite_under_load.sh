#!/usr/bin/env bash
# Runs the whole test suite N times (default 20) while another build loads the machine, and
# prints how many runs passed. The load is a second copy of this repository rebuilt in a loop
# (`cargo build --release` after touching src/lib.rs, in its own target directory), which keeps
# both cores busy the way a CI neighbour or a developer's build does.
#
#   bench/suite_under_load.sh [N]
#
# Failing runs keep their output in $OUT (default /tmp/perfgate-suite-under-load/).
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
out=${OUT:-/tmp/perfgate-suite-under-load}
rm -rf "$out" && mkdir -p "$out/copy"
git ls-files -z | xargs -0 -I{} cp --parents {} "$out/copy/"
(
  cd "$out/copy"
  while :; do
    touch src/lib.rs
    CARGO_TARGET_DIR="$out/load-target" cargo build --release -q >/dev/null 2>&1
  done
) &
load=$!
trap 'kill $load 2>/dev/null; pkill -P $load 2>/dev/null' EXIT
cargo test --no-run -q >/dev/null 2>&1
passed=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if cargo test -q >"$out/run-$i.log" 2>&1; then
    passed=$((passed + 1))
    status=pass
    rm "$out/run-$i.log"
  else
    status="FAIL (see $out/run-$i.log)"
  fi
  echo "run $i: $status in $(( $(date +%s) - start )) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo "$passed passed, $((runs - passed)) failed"
