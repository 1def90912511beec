use harness_vs::{spin, CASES};
use perfgate_harness::{black_box, Harness};

fn main() {
    let mut h = Harness::new();
    for (name, k) in CASES {
        h.bench(&format!("work/{name}"), move |b| b.iter(|| spin(black_box(k))));
    }
    h.main();
}
