//! What `versus` is asked to do, as plain values: the two commands, the runs, how their outputs
//! must agree. The command line becomes this in `commands/versus.rs`.

use super::outputs::Mode;
use crate::error::{Error, Result};
use crate::shell::{program, with_bin};

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// A's and B's commands, run with `sh -c`.
    pub commands: [String; 2],
    /// A's and B's start-up commands, when start-up is timed too.
    pub startup: Option<[String; 2]>,
    /// Measured runs per side (pairs).
    pub pairs: usize,
    /// Warm-up runs per side (at least one is run: it makes the first cross-check).
    pub warmup: usize,
    pub check: Check,
    /// Seed of the run order and of the bootstrap.
    pub seed: u64,
}

/// How A's and B's outputs are checked to agree.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// Compared by perfgate (`--compare-output`).
    Output(Mode),
    /// Compared by this command, given both outputs as files (`--compare-cmd`).
    Command(String),
}

impl Check {
    /// `hash`, `lines`, `json`, `numeric`, or `command`.
    pub fn name(&self) -> &'static str {
        match self {
            Check::Output(mode) => mode.name(),
            Check::Command(_) => "command",
        }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Check::Output(mode) => write!(f, "{mode}"),
            Check::Command(cmd) => write!(f, "--compare-cmd `{cmd}`"),
        }
    }
}

/// The two sides as given.
#[derive(Debug, Clone, Copy)]
pub struct Sides<'a> {
    pub a: &'a str,
    pub b: &'a str,
    /// A command with `{bin}` in it: A and B are then two programs put in its place.
    pub bin_template: Option<&'a str>,
    /// A start-up command with `{bin}` in it, put there each side's program.
    pub startup_template: Option<&'a str>,
}

impl Sides<'_> {
    /// A's and B's commands, and their start-up commands when asked for.
    pub fn commands(&self) -> Result<([String; 2], Option<[String; 2]>)> {
        let commands = match self.bin_template {
            Some(t) => [bin_in(t, self.a)?, bin_in(t, self.b)?],
            None => [self.a.to_string(), self.b.to_string()],
        };
        let startup = match self.startup_template {
            None => None,
            Some(t) => Some([
                bin_in(t, &self.program(self.a)?)?,
                bin_in(t, &self.program(self.b)?)?,
            ]),
        };
        Ok((commands, startup))
    }

    /// With a `{bin}` template a side is its program; else the program is its first word.
    fn program(&self, side: &str) -> Result<String> {
        if self.bin_template.is_some() {
            return Ok(side.to_string());
        }
        program(side).ok_or_else(|| Error::Usage(format!("`{side}` has no program")))
    }
}

fn bin_in(template: &str, bin: &str) -> Result<String> {
    with_bin(template, bin).map_err(Error::Usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sides<'a>(bin: Option<&'a str>, startup: Option<&'a str>) -> Sides<'a> {
        Sides {
            a: "old/app",
            b: "new build/app",
            bin_template: bin,
            startup_template: startup,
        }
    }

    #[test]
    fn templates_put_each_sides_program_in_place() {
        let (commands, startup) = sides(Some("{bin} --work"), Some("{bin} --version"))
            .commands()
            .unwrap();
        assert_eq!(commands, ["old/app --work", "'new build/app' --work"]);
        assert_eq!(
            startup.unwrap(),
            ["old/app --version", "'new build/app' --version"]
        );
        let plain = Sides {
            a: "old/app --work",
            ..sides(None, Some("{bin} -V"))
        };
        let (commands, startup) = Sides {
            b: "'x y' -q",
            ..plain
        }
        .commands()
        .unwrap();
        assert_eq!(commands, ["old/app --work", "'x y' -q"]);
        assert_eq!(startup.unwrap(), ["old/app -V", "'x y' -V"]);
        let err = sides(Some("app --work"), None).commands().unwrap_err();
        assert_eq!(
            err.to_string(),
            "`app --work` has no {bin} to put the program in"
        );
    }

    #[test]
    fn checks_are_named_as_the_json_names_them() {
        assert_eq!(Check::Output(Mode::Lines).name(), "lines");
        assert_eq!(Check::Command("cmp".into()).name(), "command");
        assert_eq!(
            Check::Command("cmp -s".into()).to_string(),
            "--compare-cmd `cmp -s`"
        );
    }
}
