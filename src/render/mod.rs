//! Renderers show a [`Report`](crate::model::Report) or a
//! [`Comparison`](crate::gate::Comparison); they decide nothing.

pub mod card;
pub mod html;
pub mod human;
pub mod issue;
pub mod junit;
pub mod markdown;
pub mod mermaid;
pub mod progress;
pub mod safe;
pub mod scaling;
pub mod style;
pub mod terminal;
pub mod versus;
