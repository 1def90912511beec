//! `perfgate detect`: not written yet.

use crate::cli::DetectArgs;
use crate::error::{Error, ExitStatus, Result};

pub fn detect(_args: DetectArgs) -> Result<ExitStatus> {
    Err(Error::Usage(
        "perfgate detect is not implemented yet".into(),
    ))
}
