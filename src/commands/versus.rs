//! `perfgate versus`: not written yet.

use crate::cli::VersusArgs;
use crate::error::{Error, ExitStatus, Result};

pub fn versus(_args: VersusArgs) -> Result<ExitStatus> {
    Err(Error::Usage(
        "perfgate versus is not implemented yet".into(),
    ))
}
