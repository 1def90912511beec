//! Integration with git and CI systems.

pub mod hook;
