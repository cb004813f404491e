//! The JSON Schema of `summary.json`, generated from the [`Summary`] types, so the shipped
//! `docs/summary.schema.json` can never drift from what the program writes.
//!
//! The field comments (`///`) become the schema's descriptions, so the units they name reach
//! programs that read the file. To regenerate the shipped copy after changing a type:
//! `UPDATE_SCHEMA=1 cargo test --lib summary::schema`.

use super::Summary;

/// Path of the shipped schema, relative to the project root.
pub const SCHEMA_PATH: &str = "docs/summary.schema.json";

/// The JSON Schema (draft 2020-12) of `summary.json`, pretty-printed with a final newline, as
/// shipped in [`SCHEMA_PATH`].
pub fn summary_schema_json() -> String {
    let schema = schemars::schema_for!(Summary);
    // Serialising a `serde_json::Value`-backed schema cannot fail.
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_schema_matches_the_types() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA_PATH);
        let generated = summary_schema_json();
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).unwrap();
            return;
        }
        let shipped = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            shipped == generated,
            "{SCHEMA_PATH} is out of date with the Summary types; regenerate it with \
             `UPDATE_SCHEMA=1 cargo test --lib summary::schema` and commit the result"
        );
    }

    #[test]
    fn schema_requires_every_headline_field() {
        let schema: serde_json::Value = serde_json::from_str(&summary_schema_json()).unwrap();
        let required = schema["required"].as_array().unwrap();
        for field in [
            "failure_rate",
            "survival",
            "income_disclosure",
            "outcome_bands",
        ] {
            assert!(required.iter().any(|r| r == field), "{field} not required");
        }
    }
}
