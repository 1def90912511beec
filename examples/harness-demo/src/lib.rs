//! The demo has only its benchmark (benches/demo.rs).
