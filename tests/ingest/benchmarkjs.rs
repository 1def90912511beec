//! `benchmarkjs` adapter on real outputs in tests/fixtures/benchmarkjs/.
