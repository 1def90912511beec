#!/usr/bin/env bash
# perfgate-harness against criterion 0.8.2 and divan 0.1.21 on the same four functions (about
# 10 ns, 1 us, 100 us and 10 ms; bench/harness_vs/src/lib.rs), in the same run: each harness
# with its defaults, ROUNDS times in turn (criterion, divan, perfgate-harness, criterion, ...),
# so that a slow minute of the machine falls on all three. Prints, per function and round,
# each harness's estimate of the time per iteration (criterion: its typical estimate, the
# slope, or the mean without one, from its estimates.json; divan: its median; perfgate-harness:
# the median of its per-process medians), the ratio to criterion's, the 95% interval's half-width where the
# harness gives one, and each harness's wall time for the whole run.
#
# usage: bench/harness_vs.sh [ROUNDS]   (default 2; release builds; CPU heavy: run it on an
# otherwise idle machine). All three run pinned to one CPU (`taskset -c $PIN_CPU`, default the
# last one): on the 2-core development machine one CPU ran at half the other's speed while other
# work shared its core, and a process mostly stays where it starts, so unpinned the one-process
# harnesses measured one CPU and perfgate-harness's processes a mixture of both. The outputs stay in bench/harness_vs/out/. divan's estimates are read
# with perfgate's own adapter (target/debug/perfgate, built if missing).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-2}"
crate="$root/bench/harness_vs"
out="$crate/out"
perfgate="${PERFGATE:-$root/target/debug/perfgate}"
[ -x "$perfgate" ] || (cd "$root" && cargo build --quiet)
rm -rf "$out" && mkdir -p "$out"
cd "$crate"
echo "== building (release)" >&2
cargo bench --quiet --no-run 2>/dev/null
echo "== $(uptime)" >&2

pin="${PIN_CPU:-$(($(nproc) - 1))}"
echo "== pinned to CPU $pin" >&2
now() { date +%s.%N; }
for r in $(seq 1 "$rounds"); do
  rm -rf target/criterion
  t0=$(now)
  taskset -c "$pin" cargo bench --quiet --bench vs_criterion -- --noplot > "$out/criterion-$r.txt" 2>/dev/null
  t1=$(now)
  taskset -c "$pin" cargo bench --quiet --bench vs_divan > "$out/divan-$r.txt" 2>/dev/null
  t2=$(now)
  taskset -c "$pin" cargo bench --quiet --bench vs_perfgate -- --output "$out/perfgate-$r.json" 2>"$out/perfgate-$r.txt"
  t3=$(now)
  "$perfgate" ingest --format divan "$out/divan-$r.txt" --json-out "$out/divan-$r.json" >/dev/null
  cp -r target/criterion "$out/criterion-$r"
  awk -v r="$r" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN { print r, b - a, c - b, d - c }' >> "$out/wall.txt"
  echo "== round $r done: $(uptime)" >&2
done

python3 "$crate/summarize.py" "$out" "$rounds"
