//! Integration with git and CI systems.

pub mod github;
pub mod hook;
pub mod workflow;
