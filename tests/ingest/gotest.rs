//! `gotest` adapter on real outputs in tests/fixtures/gotest/.
