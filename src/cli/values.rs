//! Values that several commands take, parsed once, the same way everywhere: a bad value is
//! refused by clap (exit 2, naming the flag) whichever command it was given to.

/// `--seed` when none is given: fixed, so the same samples give the same comparison and run
/// order. (Here, beside the other values the command line takes, so that `cli` needs nothing
/// from `commands`.)
pub const DEFAULT_SEED: u64 = 0x5eed_0f9e_7fa7_e500;

/// `--threshold-pct` (and `PERFGATE_THRESHOLD_PCT`): a worsening in percent, finite and not
/// negative.
pub fn threshold_pct(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(p) if p.is_finite() && p >= 0.0 => Ok(p),
        _ => Err("must be a percentage of 0 or more (e.g. 10)".to_string()),
    }
}

/// `ingest --format` and `run --adapter`: a harness format perfgate reads, or `auto`.
pub fn harness_format() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(std::iter::once("auto").chain(crate::ingest::names()))
}

/// `--fdr`: the false discovery rate held across a comparison's tests, or none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fdr(pub Option<f64>);

impl Default for Fdr {
    fn default() -> Self {
        Fdr(Some(0.05))
    }
}

impl std::fmt::Display for Fdr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(q) => write!(f, "{q}"),
            None => f.write_str("off"),
        }
    }
}

/// A rate strictly between 0 and 1, or `off`.
pub fn fdr(text: &str) -> Result<Fdr, String> {
    if text.trim() == "off" {
        return Ok(Fdr(None));
    }
    match text.trim().parse::<f64>() {
        Ok(q) if q > 0.0 && q < 1.0 => Ok(Fdr(Some(q))),
        _ => Err("must be a rate between 0 and 1 (e.g. 0.05) or `off`".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_and_rates_are_refused_alike() {
        assert_eq!(threshold_pct("7.5"), Ok(7.5));
        assert_eq!(threshold_pct("0"), Ok(0.0));
        for bad in ["-5", "nan", "inf", "ten", ""] {
            assert!(threshold_pct(bad).is_err(), "{bad}");
        }
        assert_eq!(fdr("off"), Ok(Fdr(None)));
        assert_eq!(fdr("0.1"), Ok(Fdr(Some(0.1))));
        for bad in ["0", "1", "-0.1", "nan", "many"] {
            assert!(fdr(bad).is_err(), "{bad}");
        }
        assert_eq!(Fdr::default().to_string(), "0.05");
    }
}
