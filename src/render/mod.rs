//! Renderers show a [`Report`](crate::model::Report), a
//! [`Comparison`](crate::gate::Comparison), recorded history, change points or an
//! attestation; they decide nothing.

pub mod attest;
pub mod card;
pub mod detect;
pub mod flame;
pub mod history;
pub mod html;
pub mod human;
pub mod issue;
pub mod junit;
pub mod markdown;
pub mod mermaid;
pub mod profile;
pub mod progress;
pub mod safe;
pub mod scaling;
pub mod style;
pub mod terminal;
pub mod versus;
