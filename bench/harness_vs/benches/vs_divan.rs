use harness_vs::{spin, CASES};
use std::hint::black_box;

fn main() {
    divan::main();
}

mod work {
    use super::*;

    #[divan::bench]
    fn t10ns() -> u64 {
        spin(black_box(CASES[0].1))
    }

    #[divan::bench]
    fn t1us() -> u64 {
        spin(black_box(CASES[1].1))
    }

    #[divan::bench]
    fn t100us() -> u64 {
        spin(black_box(CASES[2].1))
    }

    #[divan::bench]
    fn t10ms() -> u64 {
        spin(black_box(CASES[3].1))
    }
}
