//! `summary.json` of a real run validates against the shipped `docs/summary.schema.json`.

use assert_cmd::Command;

fn shipped_schema() -> serde_json::Value {
    let path = format!("{}/docs/summary.schema.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn run_writes_a_summary_that_validates_against_the_shipped_schema() {
    let out = tempfile::tempdir().unwrap();
    let scenario = format!("{}/scenarios/typical.toml", env!("CARGO_MANIFEST_DIR"));
    Command::cargo_bin("mlm-sim")
        .unwrap()
        .args([
            "run",
            &scenario,
            "--careers",
            "2000",
            "--no-charts",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .success();
    let path = out.path().join("typical/summary.json");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&shipped_schema()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&summary)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "summary.json does not match the schema: {errors:#?}"
    );
}

#[test]
fn the_schema_rejects_a_summary_missing_a_field() {
    let validator = jsonschema::validator_for(&shipped_schema()).unwrap();
    let mut summary = serde_json::json!({ "failure_rate": 0.5 });
    assert!(!validator.is_valid(&summary));
    summary["failure_rate"] = serde_json::json!("half");
    assert!(!validator.is_valid(&summary));
}
