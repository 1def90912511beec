//! A pushed run: the report alone, or `{"report": REPORT, "judgement": JUDGEMENT}` when a
//! `check` pushes what its gate said. The judgement is kept with the run, so that a run that
//! failed its gate is not counted as noise when the server's history widens thresholds, the
//! same as in a local store. The report is checked exactly as a report file is.

use serde_json::Value;

use super::http::Response;
use crate::gate::Verdict;
use crate::store::Judgement;

/// What a push body holds.
#[derive(Debug)]
pub struct Pushed {
    /// The report's JSON text (the body itself, or its `report` member).
    pub report_text: String,
    pub judgement: Option<Judgement>,
}

/// The parts of a push body; a 400 naming the field when the envelope is not right.
pub fn split(text: &str) -> Result<Pushed, Response> {
    // An envelope's first member is `report` (a report's is never: perfgate writes
    // `schema_version` first, and a report has no `report` field). Looking at the first key
    // only spares a large report a second parse. Anything else goes to the report parser,
    // whose message says what is wrong.
    let is_envelope = text
        .trim_start()
        .strip_prefix('{')
        .is_some_and(|rest| rest.trim_start().starts_with("\"report\""));
    if !is_envelope {
        return Ok(Pushed {
            report_text: text.to_string(),
            judgement: None,
        });
    }
    let mut value: Value = crate::strict_json::from_str(text)
        .map_err(|e| Response::error(400, &format!("not valid JSON: {e}")))?;
    let Some(object) = value.as_object_mut() else {
        return Err(Response::error(400, "the body is not a JSON object"));
    };
    if let Some(other) = object
        .keys()
        .find(|k| !matches!(k.as_str(), "report" | "judgement"))
    {
        return Err(Response::error(
            400,
            &format!("`{other}`: a push holds `report` and, optionally, `judgement`"),
        ));
    }
    let report = object.remove("report").unwrap_or_default();
    let judgement = match object.remove("judgement") {
        None | Some(Value::Null) => None,
        Some(j) => Some(judgement_of(j).map_err(|why| Response::error(400, &why))?),
    };
    Ok(Pushed {
        report_text: report.to_string(),
        judgement,
    })
}

fn judgement_of(value: Value) -> Result<Judgement, String> {
    let judgement: Judgement =
        serde_json::from_value(value).map_err(|e| format!("judgement: {e}"))?;
    if !matches!(judgement.gate.as_str(), "pass" | "warn" | "fail") {
        return Err(format!(
            "judgement.gate: `{}` is not pass, warn or fail",
            judgement.gate
        ));
    }
    for (i, v) in judgement.verdicts.iter().enumerate() {
        let known = serde_json::from_value::<Verdict>(Value::String(v.verdict.clone())).is_ok();
        if !known {
            return Err(format!(
                "judgement.verdicts[{i}].verdict: `{}` is not a verdict",
                v.verdict
            ));
        }
        if v.benchmark.is_empty() || v.metric.is_empty() {
            return Err(format!(
                "judgement.verdicts[{i}]: the benchmark and metric names must not be empty"
            ));
        }
    }
    Ok(judgement)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_report_is_a_push_without_judgement() {
        let p = split(r#"{"schema_version": 1, "report": {}}"#).unwrap();
        assert!(p.judgement.is_none());
        assert_eq!(p.report_text, r#"{"schema_version": 1, "report": {}}"#);
        let p = split(r#" { "report" : {"suite": "s"}}"#).unwrap();
        assert_eq!(p.report_text, r#"{"suite":"s"}"#);
    }

    #[test]
    fn an_envelope_gives_its_report_and_judgement() {
        let p = split(
            r#"{"report": {"suite": "s"}, "judgement": {"gate": "fail",
                "verdicts": [{"benchmark": "b", "metric": "wall_time", "verdict": "critical"}]}}"#,
        )
        .unwrap();
        assert_eq!(p.report_text, r#"{"suite":"s"}"#);
        let j = p.judgement.unwrap();
        assert_eq!(j.gate, "fail");
        assert_eq!(j.verdicts[0].verdict, "critical");
    }

    #[test]
    fn a_bad_envelope_is_refused_naming_the_field() {
        let error = |body: &str| {
            let r = split(body).unwrap_err();
            assert_eq!(r.status, 400);
            String::from_utf8(r.body).unwrap()
        };
        assert!(
            error(r#"{"report": {}, "judgement": {"gate": "maybe", "verdicts": []}}"#)
                .contains("judgement.gate: `maybe`")
        );
        assert!(error(
            r#"{"report": {}, "judgement": {"gate": "pass", "verdicts": [{"benchmark": "b", "metric": "m", "verdict": "slow"}]}}"#
        )
        .contains("judgement.verdicts[0].verdict: `slow`"));
        assert!(error(r#"{"report": {}, "extra": 1}"#).contains("`extra`"));
        assert!(error(r#"{"report": {}, "judgement": {"gate": "pass"}}"#).contains("judgement:"));
    }
}
