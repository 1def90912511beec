//! `hyperfine`: not written yet.

use super::{text, Adapter, IngestError, Input, Parsed};

pub struct Hyperfine;

impl Adapter for Hyperfine {
    fn name(&self) -> &'static str {
        "hyperfine"
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        Err(text::whole(input, self.name(), "not implemented yet"))
    }
}
