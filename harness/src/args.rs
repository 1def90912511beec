//! The bench binary's command line, libtest's where libtest has the option, so that
//! `cargo bench -- NAME` works: `cargo bench --bench NAME -- [FILTER...] [OPTIONS]`.

use std::path::PathBuf;
use std::time::Duration;

pub(crate) const USAGE: &str = "\
usage: BENCH [FILTER...] [--exact] [--list] [--output FILE] [--processes N]
             [--warm-up-ms MS] [--measure-ms MS] [--interleave] [--instructions] [--test]

  FILTER           run the benchmarks whose name contains FILTER (any of several)
  --exact          FILTER must equal the name
  --list           print `NAME: benchmark` lines and exit
  --output FILE    write the perfgate report to FILE (`-` for stdout); by default it goes
                   to stdout unless stdout is a terminal
  --processes N    processes per benchmark, one sample each (default 10)
  --warm-up-ms MS  warm-up per process (default 50)
  --measure-ms MS  measuring per process, at least 10 batches (default 100)
  --interleave     one process of each benchmark per round, instead of all of a benchmark's
                   processes in a row (fairer between benchmarks; the table comes at the end)
  --instructions   also count instructions per iteration under valgrind's callgrind
  --test           run each benchmark once (a smoke test; no report)
  --bench          ignored (cargo passes it)";

/// Processes per benchmark: chosen by measurement (README, section perfgate-harness).
pub(crate) const DEFAULT_PROCESSES: usize = 10;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Args {
    pub filters: Vec<String>,
    pub exact: bool,
    pub list: bool,
    pub output: Option<PathBuf>,
    pub processes: usize,
    pub warm_up: Duration,
    pub measure: Duration,
    pub interleave: bool,
    pub instructions: bool,
    pub test: bool,
    pub help: bool,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            filters: Vec::new(),
            exact: false,
            list: false,
            output: None,
            processes: DEFAULT_PROCESSES,
            warm_up: Duration::from_millis(50),
            measure: Duration::from_millis(100),
            interleave: false,
            instructions: false,
            test: false,
            help: false,
        }
    }
}

impl Args {
    /// Parses the arguments after the program name; the error is one line.
    pub fn parse<I: IntoIterator<Item = String>>(argv: I) -> Result<Args, String> {
        let mut args = Args::default();
        let mut it = argv.into_iter();
        while let Some(arg) = it.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &str| {
                inline
                    .clone()
                    .or_else(|| it.next())
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match flag.as_str() {
                "--exact" => args.exact = true,
                "--list" => args.list = true,
                "--instructions" => args.instructions = true,
                "--interleave" => args.interleave = true,
                "--test" => args.test = true,
                "-h" | "--help" => args.help = true,
                // cargo passes --bench; libtest's output options mean nothing here.
                "--bench" | "--nocapture" | "--show-output" | "-q" | "--quiet" => {}
                "--output" | "-o" => args.output = Some(PathBuf::from(value("--output")?)),
                "--processes" => {
                    args.processes = number("--processes", &value("--processes")?)?;
                    if args.processes < 2 {
                        return Err("--processes must be at least 2 (one sample each)".into());
                    }
                }
                "--warm-up-ms" => args.warm_up = millis("--warm-up-ms", &value("--warm-up-ms")?)?,
                "--measure-ms" => args.measure = millis("--measure-ms", &value("--measure-ms")?)?,
                f if f.starts_with('-') => {
                    return Err(format!("unknown option `{f}` (try --help)"));
                }
                _ => args.filters.push(arg),
            }
        }
        Ok(args)
    }

    /// Whether the benchmark `name` is selected by the filters.
    pub fn selects(&self, name: &str) -> bool {
        self.filters.is_empty()
            || self.filters.iter().any(|f| {
                if self.exact {
                    name == f
                } else {
                    name.contains(f.as_str())
                }
            })
    }
}

fn number(flag: &str, text: &str) -> Result<usize, String> {
    text.parse()
        .map_err(|_| format!("{flag}: `{text}` is not a whole number"))
}

fn millis(flag: &str, text: &str) -> Result<Duration, String> {
    Ok(Duration::from_millis(number(flag, text)? as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        Args::parse(args.iter().map(|s| (*s).to_string()))
    }

    #[test]
    fn cargo_bench_arguments_parse_like_libtest() {
        let a = parse(&[
            "--bench",
            "sort",
            "--exact",
            "--processes=4",
            "-o",
            "r.json",
        ])
        .expect("valid");
        assert_eq!(a.filters, ["sort"]);
        assert!(a.exact && !a.list);
        assert_eq!(a.processes, 4);
        assert_eq!(a.output, Some(PathBuf::from("r.json")));
        assert!(a.selects("sort") && !a.selects("sort/10"));
        let b = parse(&["sort", "parse"]).expect("valid");
        assert!(b.selects("sort/10") && b.selects("json/parse") && !b.selects("hash"));
        assert!(parse(&[]).expect("valid").selects("anything"));
    }

    #[test]
    fn bad_arguments_are_one_line_errors() {
        assert_eq!(
            parse(&["--processes", "x"]),
            Err("--processes: `x` is not a whole number".into())
        );
        assert_eq!(
            parse(&["--processes", "1"]),
            Err("--processes must be at least 2 (one sample each)".into())
        );
        assert_eq!(parse(&["--output"]), Err("--output needs a value".into()));
        assert_eq!(
            parse(&["--frobnicate"]),
            Err("unknown option `--frobnicate` (try --help)".into())
        );
    }
}
