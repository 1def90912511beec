//! Canonical JSON, and the seal (`manifest_sha256`) computed over it.
//!
//! Canonical form: UTF-8; no whitespace outside strings; object members sorted by key, bytewise;
//! arrays in their order; strings escaped as `serde_json` writes them (`"`, `\` and control
//! characters only, everything else literal); numbers as `serde_json` writes them (integers in
//! decimal). The same value always gives the same bytes, whatever the key order on disk.

use serde_json::Value;

use crate::digest::sha256_hex;

/// The top-level field that holds the seal of an attestation or a replay manifest.
pub const SEAL_FIELD: &str = "manifest_sha256";

/// `value` in canonical form.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(v, out);
            }
            out.push(']');
        }
        // Scalars: serde_json's compact form is already canonical.
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The seal of a document: SHA-256 (lowercase hex) of the canonical JSON of `doc` with its
/// top-level [`SEAL_FIELD`] member removed. Every other member, known or not, is covered.
pub fn seal(doc: &Value) -> String {
    let mut unsealed = doc.clone();
    if let Value::Object(map) = &mut unsealed {
        map.remove(SEAL_FIELD);
    }
    sha256_hex(canonical_json(&unsealed).as_bytes())
}

/// The seal of a serializable document (see [`seal`]).
pub fn seal_of<T: serde::Serialize>(doc: &T) -> String {
    seal(&serde_json::to_value(doc).expect("attestation documents always serialize"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_depth_and_whitespace_dropped() {
        let v: Value =
            serde_json::from_str(r#"{ "b": [ {"z": 1, "a": "x\ny"} ], "a": null, "B": true }"#)
                .unwrap();
        assert_eq!(
            canonical_json(&v),
            r#"{"B":true,"a":null,"b":[{"a":"x\ny","z":1}]}"#
        );
    }

    #[test]
    fn the_seal_ignores_its_own_field_and_key_order_but_nothing_else() {
        let a = json!({"x": 1, "y": "two", "manifest_sha256": "anything"});
        let b = json!({"y": "two", "x": 1});
        assert_eq!(seal(&a), seal(&b));
        assert_eq!(seal(&b), sha256_hex(br#"{"x":1,"y":"two"}"#));
        let c = json!({"y": "two", "x": 2});
        assert_ne!(seal(&b), seal(&c));
        let extra = json!({"y": "two", "x": 1, "note": "added"});
        assert_ne!(seal(&b), seal(&extra));
    }
}
