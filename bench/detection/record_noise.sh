#!/usr/bin/env bash
# Records real run-to-run noise of this machine for the detection evaluation: the demo's
# register-only loop (busy.rs) and a process start-up (`true`), each run many times in
# alternation with variants doing +5/+10/+20% more work, into noise/*.json (perfgate reports).
# Usage: bench/detection/record_noise.sh [RUNS]   (from the repository root)
set -euo pipefail
runs=${1:-200}
out=bench/detection/noise
mkdir -p "$out" target/detection
cargo build --release --quiet
rustc -O -o target/detection/busy examples/demo/busy.rs
pg=target/release/perfgate
base=20000000
for round in 1 2; do
  for pct in 0 5 10 20; do
    n=$(( base * (100 + pct) / 100 ))
    "$pg" run --runs "$runs" --warmup 2 --name "busy+$pct" --json-out "$out/busy-$pct-$round.json" -- target/detection/busy "$n" > /dev/null
  done
  "$pg" run --runs "$runs" --warmup 2 --name "true" --json-out "$out/true-$round.json" -- true > /dev/null
done
echo "recorded into $out"
