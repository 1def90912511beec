//! Benchmarks of known cost, for perfgate's own tests (tests/cli/harness.rs): a loop of known
//! length and one twice as long, a 2 ms sleep, an allocation of 4096 bytes, and inputs made
//! (and allocated) by `iter_batched`'s setup, which must not be counted.
//!
//! `KNOWN_COST_SLOWER=1` makes `sleep/2ms` sleep 4 ms: the 2x regression the tests expect
//! `perfgate compare` and `check` to call critical. A sleep, not the loop, because a sleep's
//! time does not depend on how busy the machine is, and the tests run on busy machines (the
//! development machine runs a process at one of two speeds about 2x apart, README). `KNOWN_COST_PANIC=1` makes
//! `alloc/4096` panic: a failed benchmark.

use perfgate_harness::{black_box, Harness};

#[global_allocator]
static ALLOC: perfgate_harness::CountingAlloc = perfgate_harness::CountingAlloc;

fn spin(n: u64) -> u64 {
    let mut acc = 0u64;
    for i in 0..n {
        acc = black_box(acc.wrapping_add(i));
    }
    acc
}

fn main() {
    let slower = std::env::var_os("KNOWN_COST_SLOWER").is_some();
    let mut h = Harness::new();
    h.bench_params("spin", "n", [20_000u64, 40_000], |b, &n| {
        b.iter(|| spin(black_box(n)));
    })
    .throughput(|&n| n, "items");
    let nap = std::time::Duration::from_millis(if slower { 4 } else { 2 });
    h.bench("sleep/2ms", move |b| b.iter(|| std::thread::sleep(nap)));
    let panics = std::env::var_os("KNOWN_COST_PANIC").is_some();
    h.bench("alloc/4096", move |b| {
        assert!(!panics, "asked to panic");
        b.iter(|| vec![0u8; black_box(4096)]);
    })
    .tags(["memory"]);
    h.bench("setup/not_counted", |b| {
        b.iter_batched(|| vec![1u64; 1024], |v| v.iter().sum::<u64>());
    })
    .category("setup");
    h.main();
}
