//! `gbench` adapter on real outputs in tests/fixtures/gbench/.
