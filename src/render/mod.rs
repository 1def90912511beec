//! Renderers show a [`Report`](crate::model::Report) or a
//! [`Comparison`](crate::gate::Comparison); they decide nothing.

pub mod html;
pub mod human;
pub mod markdown;
pub mod progress;
pub mod style;
pub mod terminal;
