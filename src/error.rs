//! Library errors. Each says which file, line or field is wrong; `main` adds nothing but the
//! exit code.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A config file that does not parse or validate, with the position when known.
    #[error("{}{}: {message}", path.display(), position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
    Config {
        path: PathBuf,
        position: Option<(usize, usize)>,
        message: String,
    },
    /// An input file (a report, a baseline) that cannot be used.
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },
    /// A bad combination of command-line arguments.
    #[error("{0}")]
    Usage(String),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A request to the team server (`push`, `check --server`) that did not succeed.
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    /// Ctrl-C (or SIGTERM, SIGHUP) stopped the benchmarks: nothing was written or recorded.
    #[error("{0}")]
    Interrupted(Interruption),
}

impl Error {
    /// The exit code this error ends perfgate with.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Interrupted(i) => match i.signal {
                libc::SIGTERM => ExitStatus::Terminated,
                libc::SIGHUP => ExitStatus::HungUp,
                _ => ExitStatus::Interrupted,
            },
            _ => ExitStatus::BadInput,
        }
    }

    pub fn input(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Why a history store cannot do what was asked. Defined here, not in `store`, so that
/// this module depends on nothing above it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file cannot be used as a perfgate store: not SQLite, another program's database, a
    /// store written by a newer perfgate. The file is left exactly as it was.
    #[error("{}: {message}", path.display())]
    Unusable { path: PathBuf, message: String },
    /// A database operation failed (disk full, I/O error, lock not obtained in time).
    #[error("{}: {message}", path.display())]
    Database { path: PathBuf, message: String },
    /// A run id that is not in the store.
    #[error("{}: no recorded run with id {id}", path.display())]
    NoSuchRun { path: PathBuf, id: i64 },
    /// The database server cannot be reached: down, refusing connections, or the connection
    /// was lost. Worth retrying later; the server answers 503. `location` is the store's URL
    /// without its password.
    #[error("{location}: the database is unavailable: {message}")]
    Unavailable { location: String, message: String },
    /// A token could not be made (no randomness).
    #[error("{0}")]
    Token(String),
}

/// Why a request to the team server did not succeed. Defined here, like [`StoreError`], so
/// that this module depends on nothing above it. No variant ever holds the token.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached, or kept answering with a transient failure (5xx,
    /// 408, 429), through every attempt.
    #[error("{url}: the server is unavailable after {attempts} attempt(s): {message}")]
    Unavailable {
        url: String,
        attempts: u32,
        message: String,
    },
    /// The server refused the request (a 4xx other than 408 and 429): its status and its
    /// one-line error. Sending it again would not help.
    #[error("{url}: the server refused it ({status}): {message}")]
    Refused {
        url: String,
        status: u16,
        message: String,
    },
    /// An answer that is not what the API promises (not JSON, a field missing).
    #[error("{url}: unexpected answer from the server: {message}")]
    BadAnswer { url: String, message: String },
    /// A server URL that cannot be used.
    #[error("--server {url}: {message}")]
    BadUrl { url: String, message: String },
}

/// `SIGINT`, `SIGTERM`, `SIGHUP`, or `signal N`.
pub fn signal_name(signal: i32) -> String {
    match signal {
        libc::SIGINT => "SIGINT".into(),
        libc::SIGTERM => "SIGTERM".into(),
        libc::SIGHUP => "SIGHUP".into(),
        s => format!("signal {s}"),
    }
}

/// What an interruption stopped: the one line perfgate prints, and the exit code.
#[derive(Debug, Clone, PartialEq)]
pub struct Interruption {
    pub signal: i32,
    /// The benchmark that was running when it came.
    pub bench: Option<String>,
    /// What of it was stopped, and how its cleanup went.
    pub during: Option<String>,
}

impl Interruption {
    /// The shell's convention: 128 + the signal (130 for Ctrl-C, 143 for SIGTERM).
    pub fn exit_code(&self) -> i32 {
        128 + self.signal
    }
}

impl std::fmt::Display for Interruption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "interrupted by {}", signal_name(self.signal))?;
        if let Some(bench) = &self.bench {
            write!(f, " during benchmark `{bench}`")?;
        }
        if let Some(during) = &self.during {
            write!(f, ": {during}")?;
        }
        write!(f, "; no report was written and nothing was recorded")
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The documented exit codes: the API of a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything passed (warnings included in soft mode).
    Pass = 0,
    /// The gate failed: a `critical` metric under `--fail-on-regression`.
    GateFailed = 1,
    /// Usage, config or input error.
    BadInput = 2,
    /// A benchmark failed to run (non-zero exit, time-out, could not start).
    BenchmarkFailed = 3,
    /// `bisect-step` only: this commit cannot be judged (its build or its run failed), so
    /// `git bisect run` skips it.
    BisectSkip = 125,
    /// Interrupted by SIGHUP (the terminal went away): 128 + 1, the shell's convention.
    HungUp = 129,
    /// Interrupted by Ctrl-C (SIGINT): 128 + 2.
    Interrupted = 130,
    /// Interrupted by SIGTERM: 128 + 15.
    Terminated = 143,
}

impl ExitStatus {
    pub fn code(self) -> i32 {
        self as i32
    }
}
