//! Every harness adapter on real outputs of the real tool (tests/fixtures/<adapter>/, each
//! with a README naming the tool's version and the exact command), plus properties that
//! hold for all of them.

mod fixture;
mod properties;

mod asv;
mod benchmarkjs;
mod catch2;
mod criterion;
mod divan;
mod gbench;
mod gotest;
mod hyperfine;
mod iai;
mod json;
mod libtest;
mod pytest;
