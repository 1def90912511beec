//! `divan` adapter on real outputs in tests/fixtures/divan/.
