// A workload for the demo suite and the tests: `busy ITERATIONS [MIB]` runs a register-only
// loop (a linear congruential recurrence) and prints the result so the compiler cannot drop
// the work; twice the iterations take twice the time. With MIB, it first fills (and so makes
// resident) that many MiB of memory, for checking peak-RSS measurement.
use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000_000);
    let mib: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(0);
    let memory = vec![1u8; mib << 20];
    let mut x: u64 = black_box(memory.iter().step_by(4096).map(|&b| u64::from(b)).sum());
    for i in 0..iterations {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(i | 1);
    }
    println!("{x}");
}
