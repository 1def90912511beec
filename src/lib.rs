//! perfgate: continuous benchmarking as a library. Data flows one way:
//! config -> runner -> samples -> stats -> report -> gate (compare) -> render.
//! The binary (`src/main.rs`) only parses arguments and maps outcomes to exit codes.

pub mod attest;
pub mod ci;
pub mod cli;
pub mod client;
pub mod commands;
pub mod config;
pub mod context;
pub mod digest;
pub mod doctor;
pub mod engine;
pub mod error;
pub mod files;
pub mod gate;
pub mod git;
pub mod ingest;
pub mod model;
pub mod plan;
pub mod profile;
pub mod read;
pub mod render;
pub mod runner;
pub mod server;
pub mod shell;
pub mod stats;
pub mod store;
pub mod strict_json;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tmpdir;
pub mod versus;

#[cfg(test)]
mod layers;

pub use error::{Error, ExitStatus, Result};
