//! `catch2` adapter on real outputs in tests/fixtures/catch2/.
