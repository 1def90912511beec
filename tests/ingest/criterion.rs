//! `criterion` adapter on real outputs in tests/fixtures/criterion/.
