//! clap's parsers for the values several commands take. Each hands the value to the plan's
//! newtype ([`crate::plan`]), which parses it once: a bad value is refused by clap (exit 2,
//! naming the flag) the same way whichever command it was given to.

use clap::builder::TypedValueParser;

pub use crate::plan::DEFAULT_SEED;
use crate::plan::{AdapterName, Fdr, ThresholdPct};

/// `--threshold-pct` (and `PERFGATE_THRESHOLD_PCT`).
pub fn threshold_pct(text: &str) -> Result<ThresholdPct, String> {
    ThresholdPct::parse(text)
}

/// `--fdr`.
pub fn fdr(text: &str) -> Result<Fdr, String> {
    Fdr::parse(text)
}

/// `ingest --format` and `run --adapter`: a harness format perfgate reads, or `auto`; clap
/// lists the known ones when the value is not one of them.
pub fn harness_format() -> impl TypedValueParser<Value = AdapterName> {
    clap::builder::PossibleValuesParser::new(std::iter::once("auto").chain(crate::ingest::names()))
        .try_map(|name| AdapterName::parse(&name))
}
