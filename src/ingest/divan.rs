//! `divan`: not written yet.

use super::{text, Adapter, IngestError, Input, Parsed};

pub struct Divan;

impl Adapter for Divan {
    fn name(&self) -> &'static str {
        "divan"
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        Err(text::whole(input, self.name(), "not implemented yet"))
    }
}
