//! `pytest`: not written yet.

use super::{text, Adapter, IngestError, Input, Parsed};

pub struct PytestBenchmark;

impl Adapter for PytestBenchmark {
    fn name(&self) -> &'static str {
        "pytest"
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        Err(text::whole(input, self.name(), "not implemented yet"))
    }
}
