//! Git hooks that run `perfgate check`. An existing hook is never overwritten: it is moved
//! aside and chained (it runs first, with the same arguments and standard input), and
//! `uninstall` puts it back.

use std::path::{Path, PathBuf};

/// Marker that identifies a hook written by perfgate.
pub const MARKER: &str = "# PERFGATE-HOOK v1";

/// Hooks perfgate can install.
pub const SUPPORTED: [&str; 2] = ["pre-push", "pre-commit"];

/// Where an existing hook is kept while perfgate's runs in its place.
pub fn chained_path(hook: &Path) -> PathBuf {
    let mut name = hook.file_name().unwrap_or_default().to_os_string();
    name.push(".perfgate-chained");
    hook.with_file_name(name)
}

/// The hook script. `perfgate` is the binary to call (absolute, recorded at install time;
/// `PERFGATE_BIN` overrides it, and `perfgate` on PATH is the fallback); `check_args` are
/// the arguments of `perfgate check`.
pub fn script(hook_name: &str, perfgate: &Path, check_args: &[String]) -> String {
    let args: Vec<String> = check_args.iter().map(|a| crate::shell::quote(a)).collect();
    let chained = format!("{hook_name}.perfgate-chained");
    format!(
        r#"#!/bin/sh
{MARKER}
# Installed by `perfgate hook install`; `perfgate hook uninstall` removes it (and restores a
# hook that was here before, which meanwhile runs first as {chained}).
set -u
chained="$(dirname "$0")/{chained}"
# The chained hook reads git's standard input itself, as it would without perfgate: nothing
# is buffered here, however much git sends.
if [ -x "$chained" ]; then
  "$chained" "$@" || exit $?
fi
perfgate=${{PERFGATE_BIN:-{bin}}}
if ! [ -x "$perfgate" ]; then
  perfgate=perfgate
fi
echo "perfgate: checking performance before {hook_name} (skip with --no-verify)" >&2
# Tells `check` it runs from this hook, so its advice on a failed gate can say --no-verify.
PERFGATE_HOOK={hook_name}
export PERFGATE_HOOK
exec "$perfgate" check {args} < /dev/null
"#,
        bin = crate::shell::quote(&perfgate.display().to_string()),
        args = args.join(" "),
    )
}

#[derive(Debug, PartialEq, Eq)]
pub enum Installed {
    Fresh,
    /// An earlier perfgate hook was replaced.
    Updated,
    /// A foreign hook was moved aside and chained.
    Chained(PathBuf),
}

/// Installs `content` as `hook`, chaining a foreign hook already there.
pub fn install(hook: &Path, content: &str) -> std::io::Result<Installed> {
    let outcome = match std::fs::read(hook) {
        Ok(existing) if String::from_utf8_lossy(&existing).contains(MARKER) => Installed::Updated,
        Ok(_) => {
            let aside = chained_path(hook);
            if aside.exists() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!(
                        "{} exists already: remove or rename it first",
                        aside.display()
                    ),
                ));
            }
            std::fs::rename(hook, &aside)?;
            Installed::Chained(aside)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Installed::Fresh,
        Err(e) => return Err(e),
    };
    if let Some(dir) = hook.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::files::write(hook, content.as_bytes(), crate::files::FileKind::Executable)?;
    Ok(outcome)
}

#[derive(Debug, PartialEq, Eq)]
pub enum Uninstalled {
    Removed,
    /// perfgate's hook was removed and the earlier hook put back.
    Restored,
    NotInstalled,
    /// The hook there is not perfgate's: left alone.
    Foreign,
}

pub fn uninstall(hook: &Path) -> std::io::Result<Uninstalled> {
    match std::fs::read(hook) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Uninstalled::NotInstalled),
        Err(e) => return Err(e),
        Ok(existing) if !String::from_utf8_lossy(&existing).contains(MARKER) => {
            return Ok(Uninstalled::Foreign)
        }
        Ok(_) => {}
    }
    let aside = chained_path(hook);
    if aside.exists() {
        std::fs::rename(&aside, hook)?;
        Ok(Uninstalled::Restored)
    } else {
        std::fs::remove_file(hook)?;
        Ok(Uninstalled::Removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_foreign_hook_is_chained_and_restored_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let hook = dir.path().join("pre-push");
        let original = "#!/bin/sh\necho mine\n";
        std::fs::write(&hook, original).unwrap();
        let s = script(
            "pre-push",
            Path::new("/opt/perfgate"),
            &["--tag".into(), "smoke".into()],
        );
        let out = install(&hook, &s).unwrap();
        assert_eq!(
            out,
            Installed::Chained(dir.path().join("pre-push.perfgate-chained"))
        );
        assert!(std::fs::read_to_string(&hook).unwrap().contains(MARKER));
        assert_eq!(
            install(&hook, &s).unwrap(),
            Installed::Updated,
            "reinstall keeps the chain"
        );
        assert_eq!(
            std::fs::read_to_string(chained_path(&hook)).unwrap(),
            original
        );
        assert_eq!(uninstall(&hook).unwrap(), Uninstalled::Restored);
        assert_eq!(std::fs::read_to_string(&hook).unwrap(), original);
        assert_eq!(uninstall(&hook).unwrap(), Uninstalled::Foreign);
        std::fs::remove_file(&hook).unwrap();
        assert_eq!(uninstall(&hook).unwrap(), Uninstalled::NotInstalled);
    }

    #[test]
    fn the_script_quotes_what_it_must() {
        let s = script(
            "pre-push",
            Path::new("/a b/perfgate"),
            &["--tag".into(), "it's".into()],
        );
        assert!(
            s.contains("perfgate=${PERFGATE_BIN:-'/a b/perfgate'}"),
            "{s}"
        );
        assert!(s.contains("check --tag 'it'\\''s'"), "{s}");
        assert!(s.starts_with("#!/bin/sh\n"));
    }

    /// Git's standard input reaches the chained hook byte for byte, however long it is (the
    /// script once read it into a shell variable: unbounded, NULs lost, trailing newlines
    /// changed).
    #[test]
    fn the_chained_hook_gets_gits_stdin_unbuffered_and_unchanged() {
        use std::io::Write;
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let hook = dir.path().join("pre-push");
        let copy = dir.path().join("copy");
        std::fs::write(&hook, format!("#!/bin/sh\ncat > '{}'\n", copy.display())).unwrap();
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
        // perfgate itself is `true` here: only the chaining is under test.
        install(&hook, &script("pre-push", Path::new("/bin/true"), &[])).unwrap();
        let mut input: Vec<u8> = b"refs/heads/main abc\0 refs/heads/main def\n".repeat(200_000);
        input.extend_from_slice(b"\n\n\n");
        let mut child = std::process::Command::new("sh")
            .arg(&hook)
            .arg("origin")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = {
            let input = input.clone();
            std::thread::spawn(move || stdin.write_all(&input))
        };
        assert!(child.wait().unwrap().success());
        writer.join().unwrap().unwrap();
        assert_eq!(std::fs::read(&copy).unwrap(), input);
    }
}
