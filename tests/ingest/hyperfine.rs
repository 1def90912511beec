//! `hyperfine` adapter on real outputs in tests/fixtures/hyperfine/.
