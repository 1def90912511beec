//! `libtest`: not written yet.

use super::{text, Adapter, IngestError, Input, Parsed};

pub struct Libtest;

impl Adapter for Libtest {
    fn name(&self) -> &'static str {
        "libtest"
    }

    fn parse(&self, input: &Input) -> Result<Parsed, IngestError> {
        Err(text::whole(input, self.name(), "not implemented yet"))
    }
}
