//! `catch2`: not written yet.

use super::{text, Adapter, IngestError, Input, Parsed};

pub struct Catch2;

impl Adapter for Catch2 {
    fn name(&self) -> &'static str {
        "catch2"
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        Err(text::whole(input, self.name(), "not implemented yet"))
    }
}
