//! `cargo bench -p harness-demo -- --output report.json`, or through perfgate:
//! `perfgate run --adapter perfgate -- cargo bench -q -p harness-demo --bench demo`.

use perfgate_harness::{black_box, Harness};

#[global_allocator]
static ALLOC: perfgate_harness::CountingAlloc = perfgate_harness::CountingAlloc;

fn main() {
    let mut h = Harness::new();
    h.bench("sum/1000", |b| {
        b.iter(|| {
            (0..black_box(1000u64))
                .map(|i| i.rotate_left(7) ^ i)
                .sum::<u64>()
        })
    })
    .category("arith")
    .tags(["smoke"])
    .throughput(1000, "items");
    h.bench_params("sort", "n", [100u32, 1000, 10_000], |b, &n| {
        b.iter_batched(
            || {
                (0..n)
                    .map(|i| i.wrapping_mul(2_654_435_761))
                    .collect::<Vec<u32>>()
            },
            |mut v| {
                v.sort_unstable();
                v
            },
        );
    })
    .category("sort")
    .throughput(|&n| u64::from(n), "items");
    h.bench("format/small", |b| {
        b.iter(|| format!("{}-{}", black_box(42), "x"))
    });
    h.main();
}
