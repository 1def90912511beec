#!/usr/bin/env bash
# What profiling costs: each profiler's slowdown of one run of a real program, the wall time
# of `perfgate profile` on two builds, and the size of what it keeps (raw profiler output,
# folded stacks, flame graphs, the report's `profiles` entry). The program is the tests'
# (tests/cli/profile.rs): `hot` loops 3x longer in the candidate, the buffer is 4x larger.
# Usage: bench/profile_overhead.sh [N]   (N: the loop length, default 20000000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000000}
cargo build --release -q
pg=$PWD/target/release/perfgate
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

for side in base cand; do
  if [ "$side" = base ]; then factor=1; memory=1; else factor=3; memory=4; fi
  mkdir -p "$side"
  cat > "$side.rs" <<RS
use std::hint::black_box;
#[inline(never)]
fn hot(n: u64) -> u64 { let mut s = 0u64; for i in 0..n { s = s.wrapping_mul(31).wrapping_add(black_box(i) ^ 7); } s }
#[inline(never)]
fn steady(n: u64) -> u64 { let mut s = 1u64; for i in 0..n { s = s.wrapping_add(black_box(i).rotate_left(3)); } s }
#[inline(never)]
fn make_buffer(kib: usize) -> Vec<u8> { vec![1u8; kib * 1024] }
fn main() {
    let n: u64 = std::env::args().nth(1).unwrap().parse().unwrap();
    let buffer = black_box(make_buffer(4096 * $memory));
    println!("{}", hot(n * $factor) ^ steady(n) ^ u64::from(buffer[buffer.len() - 1]));
}
RS
  rustc -g -C opt-level=2 --crate-name app -o "$side/app" "$side.rs"
done
printf 'suite = "prof"\n[[bench]]\nname = "work"\ncommand = ["{bin}", "%s"]\n' "$n" > perfgate.toml

# The median wall time of RUNS runs of a command, by perfgate run.
median() {
  local runs=$1; shift
  "$pg" run --runs "$runs" --warmup 1 --json-out m.json -- "$@" >/dev/null 2>&1
  python3 -c 'import json;r=json.load(open("m.json"));b=r["benchmarks"][0];print([m["summary"]["median"] for m in b["metrics"] if m["name"]=="wall_time"][0])'
}

echo "== one run of the candidate (n=$n), median wall time and slowdown"
native=$(median 10 ./cand/app "$n")
printf '%-44s %8.3f s\n' "native" "$native"
report() { printf '%-44s %8.3f s  %6.1fx\n' "$1" "$2" "$(python3 -c "print($2/$native)")"; }
if perf record -q -e cpu-clock:u -o /dev/null -- true 2>/dev/null; then
  t=$(median 10 perf record -q --no-buildid --no-buildid-cache --no-bpf-event -e cpu-clock:u -F 999 --call-graph dwarf,16384 -o "$dir/p.data" -- ./cand/app "$n")
  report "perf record (cpu-clock:u, 999 Hz, dwarf)" "$t"
  printf '%-44s %8s\n' "  perf.data of one run" "$(du -h p.data | cut -f1)"
fi
t=$(median 3 valgrind -q --tool=callgrind --separate-callers=40 --callgrind-out-file="$dir/cg.out" ./cand/app "$n")
report "callgrind (--separate-callers=40)" "$t"
printf '%-44s %8s\n' "  callgrind.out" "$(du -h cg.out | cut -f1)"
if command -v heaptrack >/dev/null; then
  t=$(median 3 heaptrack -o "$dir/ht" ./cand/app "$n")
  report "heaptrack" "$t"
fi
t=$(median 3 valgrind -q --tool=massif --massif-out-file="$dir/massif.out" ./cand/app "$n")
report "massif" "$t"

echo "== perfgate profile work --baseline-bin base/app --candidate-bin cand/app"
for profiler in perf callgrind; do
  rm -rf .perfgate
  start=$(date +%s.%N)
  if ! "$pg" profile work --baseline-bin base/app --candidate-bin cand/app --profiler "$profiler" \
      --kind cpu --kind memory --json-out profiles.json > summary.txt 2> err.txt; then
    echo "$profiler: $(cat err.txt)"; continue
  fi
  end=$(date +%s.%N)
  printf '%-44s %8.1f s\n' "--profiler $profiler (cpu and memory)" "$(python3 -c "print($end-$start)")"
  sed -n 's/^  grew most.*//;/^    /{p;q}' summary.txt | sed 's/^/  first grown cpu function: /'
  for kind in cpu memory; do
    for f in baseline.folded candidate.folded baseline.svg candidate.svg diff.svg; do
      printf '  %-42s %8s\n' "$kind/$f" "$(du -h ".perfgate/profiles/work/$kind/$f" | cut -f1)"
    done
  done
  printf '  %-42s %8s\n' "profiles.json (the report's entries)" "$(du -h profiles.json | cut -f1)"
done
