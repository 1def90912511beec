//! `perfgate token create|public`: the server's tokens and public projects, written straight
//! into its store. A created token is printed once (stdout, one line); only its hash is kept.

use super::{common, print_stderr, print_stdout};
use crate::cli::{OnOff, TokenCommand, TokenScopeArg};
use crate::error::{Error, ExitStatus, Result};
use crate::store::TokenScope;

pub fn token(cmd: TokenCommand) -> Result<ExitStatus> {
    match cmd {
        TokenCommand::Create(a) => {
            check_project(&a.project)?;
            let scope = match a.scope {
                TokenScopeArg::Read => TokenScope::Read,
                TokenScopeArg::Write => TokenScope::Write,
            };
            let mut store = common::open_store(&a.store)?;
            let token = store.create_token(&a.project, scope, &a.label)?;
            print_stdout(&format!("{token}\n"))?;
            print_stderr(&format!(
                "perfgate: created a {} token for project `{}`: it is shown only this once\n",
                if scope == TokenScope::Write {
                    "write"
                } else {
                    "read"
                },
                a.project
            ));
        }
        TokenCommand::Public(a) => {
            check_project(&a.project)?;
            let public = a.state == OnOff::On;
            common::open_store(&a.store)?.set_project_public(&a.project, public)?;
            print_stdout(&format!(
                "project `{}`: reads {}\n",
                a.project,
                if public { "are public" } else { "need a token" }
            ))?;
        }
    }
    Ok(ExitStatus::Pass)
}

fn check_project(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::Usage("--project: the name is empty".into()));
    }
    Ok(())
}
