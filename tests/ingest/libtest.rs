//! `libtest` adapter on real outputs in tests/fixtures/libtest/.
