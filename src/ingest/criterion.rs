//! `criterion`: not written yet.

use super::{text, Adapter, IngestError, Input, Parsed};

pub struct Criterion;

impl Adapter for Criterion {
    fn name(&self) -> &'static str {
        "criterion"
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        Err(text::whole(input, self.name(), "not implemented yet"))
    }
}
