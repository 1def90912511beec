use criterion::{criterion_group, criterion_main, Criterion};
use harness_vs::{spin, CASES};
use std::hint::black_box;

fn work(c: &mut Criterion) {
    for (name, k) in CASES {
        c.bench_function(&format!("work/{name}"), |b| b.iter(|| spin(black_box(k))));
    }
}

criterion_group!(benches, work);
criterion_main!(benches);
