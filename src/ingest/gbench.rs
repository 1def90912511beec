//! `gbench`: not written yet.

use super::{text, Adapter, IngestError, Input, Parsed};

pub struct GoogleBenchmark;

impl Adapter for GoogleBenchmark {
    fn name(&self) -> &'static str {
        "gbench"
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        Err(text::whole(input, self.name(), "not implemented yet"))
    }
}
