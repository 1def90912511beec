//! `perfgate doctor`: not written yet.

use crate::cli::DoctorArgs;
use crate::error::{Error, ExitStatus, Result};

pub fn doctor(_args: DoctorArgs) -> Result<ExitStatus> {
    Err(Error::Usage(
        "perfgate doctor is not implemented yet".into(),
    ))
}
