//! `pytest` adapter on real outputs in tests/fixtures/pytest/.
