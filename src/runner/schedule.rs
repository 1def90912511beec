//! The order two sides run in when they are measured in the same time window (`versus`,
//! `check --interleaved`): blocks of four, ABBA or BAAB by a seeded coin.

use serde::Serialize;

use crate::stats::SplitMix64;

/// Which side a run was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Side {
    A,
    B,
}

/// One block of four runs, ABBA or BAAB by a coin: each side runs once early and once late,
/// so a linear drift hits both alike.
pub fn block(rng: &mut SplitMix64) -> [Side; 4] {
    if rng.next_u64() & 1 == 0 {
        [Side::A, Side::B, Side::B, Side::A]
    } else {
        [Side::B, Side::A, Side::A, Side::B]
    }
}

/// The run order: `pairs` blocks, each ABBA or BAAB (two pairs per block).
pub fn order(pairs: usize, rng: &mut SplitMix64) -> Vec<Side> {
    let mut out = Vec::with_capacity(pairs * 2);
    while out.len() < pairs * 2 {
        out.extend(block(rng));
    }
    out.truncate(pairs * 2);
    // An odd number of pairs leaves half a block: keep one of each side.
    let a = out.iter().filter(|s| **s == Side::A).count();
    if a != pairs {
        let last = out.len() - 1;
        out[last] = if a < pairs { Side::A } else { Side::B };
    }
    out
}
