//! The dashboard at scale: not written yet.
fn main() {}
