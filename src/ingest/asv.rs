//! `asv`: not written yet.

use super::{text, Adapter, IngestError, Input, Parsed};

pub struct Asv;

impl Adapter for Asv {
    fn name(&self) -> &'static str {
        "asv"
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        Err(text::whole(input, self.name(), "not implemented yet"))
    }
}
