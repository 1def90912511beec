//! `iai` adapter on real outputs in tests/fixtures/iai/.
