//! `perfgate hook install|uninstall`.

use std::path::PathBuf;

use super::{common, print_stdout};
use crate::ci::hook::{self, Installed, Uninstalled};
use crate::cli::{HookCommand, HookInstallArgs, HookUninstallArgs};
use crate::error::{Error, ExitStatus, Result};

pub fn hook(cmd: HookCommand) -> Result<ExitStatus> {
    match cmd {
        HookCommand::Install(a) => install(&a),
        HookCommand::Uninstall(a) => uninstall(&a),
    }
}

fn install(a: &HookInstallArgs) -> Result<ExitStatus> {
    let config = common::optional_config(a.config.as_deref())?.ok_or_else(|| {
        Error::Usage(
            "no perfgate.toml here or in a parent directory: the hook would have nothing to check"
                .into(),
        )
    })?;
    let mut args = vec!["--fail-on-regression".to_string()];
    if !a.all {
        let known: Vec<&str> = config
            .benches
            .iter()
            .flat_map(|b| b.tags.iter().map(String::as_str))
            .collect();
        if let Some(missing) = a.tags.iter().find(|t| !known.contains(&t.as_str())) {
            return Err(Error::Usage(format!(
                "no benchmark in {} has tag `{missing}`: tag the quick ones, pass --tag, or --all",
                config
                    .path
                    .as_deref()
                    .unwrap_or_else(|| std::path::Path::new("perfgate.toml"))
                    .display()
            )));
        }
        for t in &a.tags {
            args.extend(["--tag".to_string(), t.clone()]);
        }
    }
    if let Some(c) = &a.config {
        args.extend([
            "--config".to_string(),
            std::fs::canonicalize(c)
                .unwrap_or_else(|_| c.clone())
                .display()
                .to_string(),
        ]);
    }
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("perfgate"));
    let path = crate::git::hooks_dir()?.join(&a.hook);
    let content = hook::script(&a.hook, &exe, &args);
    let outcome = hook::install(&path, &content).map_err(|source| Error::Write {
        path: path.clone(),
        source,
    })?;
    let how = match outcome {
        Installed::Fresh => "installed".to_string(),
        Installed::Updated => "updated".to_string(),
        Installed::Chained(aside) => format!(
            "installed; your existing hook was kept as {} and runs first",
            aside.display()
        ),
    };
    print_stdout(&format!(
        "{} hook {how}: it runs `perfgate check {}`\nskip it once with `git {} --no-verify`; a blocked {} says how to accept the new numbers\n",
        a.hook,
        args.join(" "),
        git_verb(&a.hook),
        git_verb(&a.hook),
    ))?;
    Ok(ExitStatus::Pass)
}

/// The git command a hook guards.
fn git_verb(hook: &str) -> &'static str {
    if hook == "pre-commit" {
        "commit"
    } else {
        "push"
    }
}

fn uninstall(a: &HookUninstallArgs) -> Result<ExitStatus> {
    let path = crate::git::hooks_dir()?.join(&a.hook);
    let outcome = hook::uninstall(&path).map_err(|source| Error::Write {
        path: path.clone(),
        source,
    })?;
    let text = match outcome {
        Uninstalled::Removed => format!("removed perfgate's {} hook\n", a.hook),
        Uninstalled::Restored => format!(
            "removed perfgate's {} hook and restored the one it chained\n",
            a.hook
        ),
        Uninstalled::NotInstalled => format!("no {} hook installed: nothing to do\n", a.hook),
        Uninstalled::Foreign => {
            return Err(Error::Usage(format!(
                "{} is not perfgate's hook: left alone",
                path.display()
            )));
        }
    };
    print_stdout(&text)?;
    Ok(ExitStatus::Pass)
}
