//! `perfgate attest` and `perfgate replay`: not written yet.

use crate::cli::{AttestArgs, ReplayArgs};
use crate::error::{Error, ExitStatus, Result};

pub fn attest(_args: AttestArgs) -> Result<ExitStatus> {
    Err(Error::Usage("perfgate attest is not implemented yet".into()))
}

pub fn replay(_args: ReplayArgs) -> Result<ExitStatus> {
    Err(Error::Usage("perfgate replay is not implemented yet".into()))
}
