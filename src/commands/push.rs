//! `perfgate push REPORT... --server URL`: send reports to the team server, each to the
//! project named by its suite; `--spool` also sends the reports that could not be sent
//! before. A report the server cannot take now (unreachable after the retries) is spooled;
//! nothing is lost, and nothing is recorded twice (the server keeps a report once by its id).

use std::path::{Path, PathBuf};

use super::{print_stderr, print_stdout};
use crate::cli::{PushArgs, ServerArgs};
use crate::client::{self, Backoff, Client, Pushed, Spool};
use crate::error::{ClientError, Error, ExitStatus, Result};
use crate::model::file::read_report;
use crate::model::Report;
use crate::store::Judgement;

/// The server and the spool a command uses.
pub(crate) struct Target {
    pub client: Client,
    pub spool: Spool,
}

impl Target {
    /// From `--server`/`PERFGATE_SERVER`, `PERFGATE_TOKEN`, `--retries` and `--spool-dir`
    /// (default: under `root`, else the project root found from the current directory).
    pub fn new(args: &ServerArgs, root: Option<&Path>) -> Result<Target> {
        let url = args.server.as_deref().ok_or_else(|| {
            Error::Usage("no server: pass --server URL or set PERFGATE_SERVER".into())
        })?;
        let token = std::env::var(client::TOKEN_ENV).ok();
        let client = Client::new(url, token, Backoff::with_retries(args.retries))?;
        let spool = Spool::new(match &args.spool_dir {
            Some(d) => d.clone(),
            None => root
                .map_or_else(project_root, Path::to_path_buf)
                .join(client::DEFAULT_SPOOL_DIR),
        });
        Ok(Target { client, spool })
    }

    /// Sends `report`, saying on stderr when an attempt fails and another follows.
    pub fn send(&self, report: &Report, judgement: Option<&Judgement>) -> Result<Pushed> {
        let json = client::to_json(report)?;
        self.client
            .push(&report.suite, &json, judgement, &|attempt, attempts, why, wait| {
                print_stderr(&format!(
                    "perfgate: {}: attempt {attempt} of {attempts} failed ({why}); trying again in {:.1} s\n",
                    self.client.url(),
                    wait.as_secs_f64()
                ));
            })
    }
}

/// The directory of perfgate.toml found from the current directory, else the git work tree's
/// top, else the current directory (where `.perfgate/` goes, as for the store).
fn project_root() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if let Some(dir) = crate::config::discover(&cwd).and_then(|p| p.parent().map(Path::to_path_buf))
    {
        return dir;
    }
    crate::git::toplevel(&cwd).unwrap_or(cwd)
}

/// What became of the reports of one push.
#[derive(Default)]
struct Tally {
    spooled: usize,
    refused: usize,
}

pub fn push(args: PushArgs) -> Result<ExitStatus> {
    // Every file is read and checked first: a bad one stops the push before anything is sent.
    let reports = args
        .reports
        .iter()
        .map(|p| read_report(p))
        .collect::<Result<Vec<_>>>()?;
    let target = Target::new(&args.server, None)?;
    let mut tally = Tally::default();
    let mut server_down = false;
    if args.spool {
        server_down = send_spool(&target, &mut tally)?;
    }
    for (path, report) in args.reports.iter().zip(&reports) {
        if server_down {
            spool(
                &target,
                path,
                report,
                "the server was unavailable for the reports before it",
                &mut tally,
            )?;
            continue;
        }
        match target.send(report, None) {
            Ok(pushed) => print_stdout(&pushed_line(path, &pushed))?,
            Err(e) if client::is_unavailable(&e) => {
                server_down = true;
                spool(&target, path, report, &e.to_string(), &mut tally)?;
            }
            Err(e) => refused(path, &e, &mut tally),
        }
    }
    Ok(status(&tally, &target))
}

/// Sends the spooled reports oldest first, removing each one the server has. Returns true
/// when the server could not be reached (the rest stay spooled).
fn send_spool(target: &Target, tally: &mut Tally) -> Result<bool> {
    let entries = target.spool.entries()?;
    for (i, path) in entries.iter().enumerate() {
        let (report, judgement) = match target.spool.read(path) {
            Ok(r) => r,
            Err(e) => {
                print_stderr(&format!(
                    "perfgate: error: {e} (left in the spool; remove it if it cannot be repaired)\n"
                ));
                tally.refused += 1;
                continue;
            }
        };
        match target.send(&report, judgement.as_ref()) {
            Ok(pushed) => {
                print_stdout(&pushed_line(path, &pushed))?;
                target.spool.remove(path)?;
            }
            Err(e) if client::is_unavailable(&e) => {
                let left = entries.len() - i;
                print_stderr(&format!(
                    "perfgate: {e}; {left} report(s) stay in the spool {}\n",
                    target.spool.dir().display()
                ));
                tally.spooled += left;
                return Ok(true);
            }
            Err(e) => {
                refused(path, &e, tally);
                print_stderr(&format!(
                    "perfgate: {} stays in the spool\n",
                    path.display()
                ));
            }
        }
    }
    Ok(false)
}

fn pushed_line(path: &Path, p: &Pushed) -> String {
    let what = if p.created {
        "created"
    } else {
        "duplicate: the server had it already"
    };
    format!(
        "{}: run {} ({what}), report {}\n",
        path.display(),
        p.run_id,
        p.report_id
    )
}

fn spool(
    target: &Target,
    path: &Path,
    report: &Report,
    why: &str,
    tally: &mut Tally,
) -> Result<()> {
    let kept = target.spool.put(report, None)?;
    print_stderr(&format!(
        "perfgate: {}: not sent ({why}); spooled as {}\n",
        path.display(),
        kept.display()
    ));
    tally.spooled += 1;
    Ok(())
}

fn refused(path: &Path, e: &Error, tally: &mut Tally) {
    let why = match e {
        Error::Client(ClientError::Refused {
            status, message, ..
        }) => format!("the server refused it ({status}): {message}"),
        other => other.to_string(),
    };
    print_stderr(&format!("perfgate: error: {}: {why}\n", path.display()));
    tally.refused += 1;
}

/// 0 when every report landed; 2 when one was refused or is left in the spool.
fn status(tally: &Tally, target: &Target) -> ExitStatus {
    if tally.spooled > 0 {
        print_stderr(&format!(
            "perfgate: {} report(s) in the spool {}: run `perfgate push --spool` when the server is back\n",
            tally.spooled,
            target.spool.dir().display()
        ));
    }
    if tally.spooled + tally.refused > 0 {
        ExitStatus::BadInput
    } else {
        ExitStatus::Pass
    }
}
