//! Kinds of participant and product value through the real binary (issue 12, H2): a run with
//! kinds writes outcomes by kind and the value-inclusive net, its `summary.json` validates
//! against the shipped schema, and bad kinds input exits 2 with nothing written.

use assert_cmd::Command;

const KINDS: &str = "\n[kinds]\nshares = { buyer = 0.3, dabbler = 0.4, builder = 0.3 }\nduplication = 0.5\n[kinds.dabbler]\nprospecting.contacts_per_month = 4\n";

/// `typical.toml` without its own `[kinds]` table (issue 13 gave it one), so a test can add
/// the kinds it tests.
fn typical() -> String {
    let text = std::fs::read_to_string(format!(
        "{}/scenarios/typical.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    doc.remove("kinds");
    doc.to_string()
}

#[test]
fn a_run_with_kinds_reports_outcomes_by_kind_and_the_value_of_purchases() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kinds.toml");
    std::fs::write(&file, format!("{}{KINDS}", typical())).unwrap();
    let out = dir.path().join("out");
    let assert = Command::cargo_bin("mlm-sim")
        .unwrap()
        .arg("run")
        .arg(&file)
        .args(["--careers", "3000", "--no-charts", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains("Kind buyer"), "{stdout}");
    assert!(stdout.contains("With product value"), "{stdout}");
    let folder = out.join("typical");
    let by_kind = std::fs::read_to_string(folder.join("by_kind.csv")).unwrap();
    assert_eq!(by_kind.lines().count(), 4, "{by_kind}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("summary.json")).unwrap())
            .unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/docs/summary.schema.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&summary));
    let kinds = summary["by_kind"].as_array().unwrap();
    // Buyers: no contacts, so every one of them failed and lost cash.
    assert_eq!(kinds[0]["kind"], "buyer");
    assert_eq!(kinds[0]["failure_rate"], 1.0);
    assert_eq!(kinds[0]["lost_money_share"], 1.0);
    let careers: u64 = kinds.iter().map(|k| k["careers"].as_u64().unwrap()).sum();
    assert_eq!(careers, 3000);
    let v = &summary["with_product_value"];
    assert!(v["net_mean"].as_f64().unwrap() > summary["money"]["net"].as_f64().unwrap());
}

#[test]
fn bad_kinds_input_exits_2_naming_file_key_and_line_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "name = \"x\"\n[kinds]\nshares = { buyer = 0.5, builder = 0.6 }\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let assert = Command::cargo_bin("mlm-sim")
        .unwrap()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    for part in ["bad.toml", "line 3", "kinds.shares", "must add up to 1"] {
        assert!(stderr.contains(part), "expected `{part}` in: {stderr}");
    }
    assert!(!stderr.contains("panicked"));
    assert!(!out.exists());
}
