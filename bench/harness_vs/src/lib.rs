//! The functions all three harnesses measure: a dependent chain of `k` rotate-xor steps
//! through `black_box` (about 0.75 ns each on the 2-core development machine), at four sizes
//! from about 10 ns to about 10 ms. The chain cannot be vectorised or folded.

use std::hint::black_box;

/// (name, steps): about 10 ns, 1 µs, 100 µs and 10 ms.
pub const CASES: [(&str, u64); 4] = [
    ("t10ns", 13),
    ("t1us", 1300),
    ("t100us", 130_000),
    ("t10ms", 13_000_000),
];

pub fn spin(k: u64) -> u64 {
    let mut acc = 0u64;
    for i in 0..k {
        acc = black_box(acc.rotate_left(5) ^ i);
    }
    acc
}
