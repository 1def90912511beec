//! `asv` adapter on real outputs in tests/fixtures/asv/.
