//! `gotest`: not written yet.

use super::{text, Adapter, IngestError, Input, Parsed};

pub struct GoTest;

impl Adapter for GoTest {
    fn name(&self) -> &'static str {
        "gotest"
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        Err(text::whole(input, self.name(), "not implemented yet"))
    }
}
