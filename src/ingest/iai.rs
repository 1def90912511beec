//! `iai`: not written yet.

use super::{text, Adapter, IngestError, Input, Parsed};

pub struct Iai;

impl Adapter for Iai {
    fn name(&self) -> &'static str {
        "iai"
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        Err(text::whole(input, self.name(), "not implemented yet"))
    }
}
