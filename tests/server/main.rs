//! `perfgate serve` end to end: the real binary started as a server on a free port over a
//! store in a temporary directory, spoken to over real HTTP (a few lines of std TcpStream).
//! The store location comes from [`common::store_location`], so the same tests can run on
//! PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a test binary: a panic is how a test fails, and what it prints is the diagnosis"
)]

#[path = "../common/mod.rs"]
mod shared;

#[path = "../common/postgres.rs"]
mod postgres;

mod api;
mod auth;
mod common;
mod dashboard;
mod lifecycle;
mod outage;
mod validation;
