//! `benchmarkjs`: not written yet.

use super::{text, Adapter, IngestError, Input, Parsed};

pub struct BenchmarkJs;

impl Adapter for BenchmarkJs {
    fn name(&self) -> &'static str {
        "benchmarkjs"
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        Err(text::whole(input, self.name(), "not implemented yet"))
    }
}
