//! Integrity of what mlm-sim reads (issue 15): tampered partial results (defect 2), the work
//! estimate with drawn parameters (defect 4), input hygiene (defect 7).

#![cfg(unix)]

use std::fs;
use std::path::Path;

use assert_cmd::Command;

use super::faults::{binary, scenario, snapshot};

/// Defect 2: tampered partial results. `merge` used to panic (a share above 1 reaching a
/// `clamp`) or accept contradictions (money components that do not add up to the net, counters
/// that wrap, a sum of squares that makes the standard error 0). Now each is exit 2 naming the
/// folder and the field, with nothing written; an edit that leaves the checksum stale is caught
/// by the checksum.
#[test]
fn tampered_partials_are_refused_naming_the_folder_and_field_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tmp.path().join("parts");
    for k in ["1/2", "2/2"] {
        Command::new(binary())
            .args([
                "run",
                &scenario("typical"),
                "--careers",
                "400",
                "--shard",
                k,
            ])
            .args(["--quiet", "--out"])
            .arg(&parts)
            .assert()
            .success();
    }
    let p1 = parts.join("typical.shard-1-of-2");
    let p2 = parts.join("typical.shard-2-of-2");
    let pristine: Vec<_> = [&p1, &p2].iter().map(|p| snapshot(p)).collect();
    let restore = || {
        for (dir, files) in [&p1, &p2].iter().zip(&pristine) {
            for (name, bytes) in files {
                fs::write(dir.join(name), bytes).unwrap();
            }
        }
    };
    // Edit tally.json of `dir` with `edit`, then (when `reseal`) recompute the checksum as a
    // careful forger would, so that the consistency checks themselves are exercised.
    let tamper = |dir: &Path, edit: &dyn Fn(&mut serde_json::Value), reseal: bool| {
        let mut tally: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("tally.json")).unwrap()).unwrap();
        edit(&mut tally);
        let bytes = serde_json::to_vec(&tally).unwrap();
        fs::write(dir.join("tally.json"), &bytes).unwrap();
        if reseal {
            let text = fs::read(dir.join("scenario.toml")).unwrap();
            let mut manifest: serde_json::Value =
                serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
            manifest["checksum"] = mlm_sim::shard::checksum(&bytes, &text).into();
            fs::write(
                dir.join("manifest.json"),
                serde_json::to_vec_pretty(&manifest).unwrap(),
            )
            .unwrap();
        }
    };
    let big = |v: &mut serde_json::Value, key: &str, value: serde_json::Value| v[key] = value;
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&str, Edit, bool, bool)> = vec![
        (
            "does not match the checksum",
            Box::new(|t| t["profitable"] = (t["careers"].as_u64().unwrap() + 10).into()),
            false,
            false,
        ),
        (
            "field `profitable`",
            Box::new(|t| t["profitable"] = (t["careers"].as_u64().unwrap() + 10).into()),
            true,
            false,
        ),
        (
            "field `net_cents`",
            Box::new(|t| {
                let c = t["commissions_cents"].as_i64().unwrap();
                t["commissions_cents"] = (c + 10_000_000).into();
            }),
            true,
            false,
        ),
        (
            "field `net_sq_cents`",
            Box::new(move |t| {
                let n = t["careers"].as_i64().unwrap() as i128;
                let net = t["net_cents"].as_i64().unwrap() as i128;
                // The square of the mean times n: a standard error of exactly 0.
                let sq = if net % n == 0 { net * net / n } else { 0 };
                big(t, "net_sq_cents", serde_json::json!(sq as i64));
                if net % n != 0 {
                    big(t, "net_sq_cents", serde_json::json!(-1));
                }
            }),
            true,
            false,
        ),
        (
            "field `downline_size`",
            Box::new(|t| t["downline_size"] = (u64::MAX - 5).into()),
            true,
            true,
        ),
    ];
    for (want, edit, reseal, both) in cases {
        restore();
        tamper(&p1, &*edit, reseal);
        if both {
            tamper(&p2, &*edit, reseal);
        }
        let out = tmp.path().join("merged");
        let assert = Command::new(binary())
            .arg("merge")
            .args([&p1, &p2])
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains(want), "{want}: {stderr}");
        assert!(
            stderr.contains("typical.shard-1-of-2") || stderr.contains("typical.shard-2-of-2"),
            "{want}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{want}: {stderr}");
        assert!(!out.exists(), "{want}: merge wrote {}", out.display());
    }
    restore();
}

/// Defect 4: a distribution whose mean hides the work behind the clamp to its key's range
/// (`join_probability = { normal = [0, 1e9] }`: mean 0, but half the people join with
/// certainty) used to be estimated at a few hundred person-months and then simulated
/// millions; now the estimate sees the drawn values and the run is refused up front.
#[test]
fn a_clamped_distribution_cannot_evade_the_work_limit() {
    let tmp = tempfile::tempdir().unwrap();
    for set in [
        "prospecting.join_probability={ normal = [0, 1e9] }",
        "prospecting.contacts_per_month={ normal = [10, 1e308] }",
    ] {
        let out = tmp.path().join("out");
        let assert = Command::new(binary())
            .args(["run", &scenario("typical"), "--careers", "100", "--quiet"])
            .args(["--set", set, "--set", "downline.depth=6", "--out"])
            .arg(&out)
            .timeout(std::time::Duration::from_secs(30))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains("above the limit"), "{set}: {stderr}");
        assert!(!out.exists(), "{set}");
    }
}

/// Run `mlm-sim check` on `text` (written to a file) with `args`; return the exit code and
/// stderr.
fn check_text(dir: &Path, text: &str, args: &[&str]) -> (Option<i32>, String) {
    let file = dir.join("s.toml");
    fs::write(&file, text).unwrap();
    let o = Command::new(binary())
        .arg("check")
        .arg(&file)
        .args(args)
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Defect 7: limits count characters (as their messages say), control characters are refused
/// in names (tab, newline) and notes (escape), notes have a length limit, and `--set` notes
/// follow the same rules as the file.
#[test]
fn names_and_notes_are_checked_in_characters_and_refuse_control_characters() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // 6,000 two-byte characters: 12,000 bytes, within the 10,000-character limit.
    let long_name = "é".repeat(6_000);
    let (code, stderr) = check_text(dir, &format!("name = \"{long_name}\"\n"), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stderr) = check_text(dir, &format!("name = \"{}\"\n", "é".repeat(10_001)), &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("10000 characters"), "{stderr}");
    for bad in ["a\\tb", "a\\nb", "a\\u001b[2Jb"] {
        let (code, stderr) = check_text(dir, &format!("name = \"{bad}\"\n"), &[]);
        assert_eq!(code, Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("control characters"), "{bad}: {stderr}");
    }
    // A description may span lines.
    let (code, stderr) = check_text(dir, "name = \"x\"\ndescription = \"a\\nb\\tc\"\n", &[]);
    assert_eq!(code, Some(0), "{stderr}");
    // Notes: escape, length, unknown key; in the file and through --set alike.
    let note_cases = [
        ("\"FTC \\u001b[31m report\"", "control characters"),
        (
            &format!("\"{}\"", "x".repeat(2_001)),
            "at most 2000 characters",
        ),
    ];
    for (note, want) in note_cases {
        let (code, stderr) = check_text(
            dir,
            &format!("name = \"x\"\n[sources]\n\"economics.starter_kit\" = {note}\n"),
            &[],
        );
        assert_eq!(code, Some(2), "{want}: {stderr}");
        assert!(stderr.contains(want), "file: {want}: {stderr}");
        let set = format!("sources.economics.starter_kit={note}");
        let (code, stderr) = check_text(dir, "name = \"x\"\n", &["--set", &set]);
        assert_eq!(code, Some(2), "--set {want}: {stderr}");
        assert!(stderr.contains(want), "--set: {want}: {stderr}");
    }
    let (code, stderr) = check_text(dir, "name = \"x\"\n", &["--set", "sources.x=\"y\""]);
    assert_eq!(code, Some(2), "{stderr}");
    let (code, stderr2) = check_text(dir, "name = \"x\"\n[sources]\nx = \"y\"\n", &[]);
    assert_eq!(code, Some(2), "{stderr2}");
}

/// Defect 7: every input file is read with a size cap and only when it is a regular file:
/// `/dev/zero`, a FIFO nobody writes to, an oversized scenario and an oversized tally.json are
/// refused at once (exit 2), never read forever.
#[test]
fn inputs_that_never_end_or_are_too_large_are_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("fifo.toml");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let huge = tmp.path().join("huge.toml");
    fs::write(&huge, format!("name = \"x\"\n#{}\n", "x".repeat(2 << 20))).unwrap();
    for (path, want) in [
        (Path::new("/dev/zero"), "not a regular file"),
        (fifo.as_path(), "not a regular file"),
        (huge.as_path(), "bytes allowed"),
    ] {
        let assert = Command::new(binary())
            .arg("check")
            .arg(path)
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains(want), "{}: {stderr}", path.display());
    }
    // A partial whose tally.json is a FIFO.
    let parts = tmp.path().join("parts");
    Command::new(binary())
        .args([
            "run",
            &scenario("typical"),
            "--careers",
            "100",
            "--shard",
            "1/1",
        ])
        .args(["--quiet", "--out"])
        .arg(&parts)
        .assert()
        .success();
    let part = parts.join("typical.shard-1-of-1");
    fs::remove_file(part.join("tally.json")).unwrap();
    assert!(std::process::Command::new("mkfifo")
        .arg(part.join("tally.json"))
        .status()
        .unwrap()
        .success());
    let assert = Command::new(binary())
        .arg("merge")
        .arg(&part)
        .arg("--out")
        .arg(tmp.path().join("merged"))
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("not a regular file"), "{stderr}");
}

/// Defect 7: two comparisons whose folder names agree in the first 120 characters used to
/// write the same folder (the second replaced the first); a cut name now ends in a hash of
/// the whole name.
#[test]
fn long_comparisons_that_differ_late_get_different_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |file: &str, name: &str| {
        let path = tmp.path().join(file);
        fs::write(&path, format!("name = \"{name}\"\ncareers = 50\n")).unwrap();
        path
    };
    let long = "a".repeat(60);
    let a = write("a.toml", &long);
    let b = write("b.toml", &format!("{long}b"));
    let c = write("c.toml", &format!("{long}c"));
    let d = write("d.toml", "different ending");
    let out = tmp.path().join("out");
    for pair in [[&a, &b, &c], [&a, &b, &d]] {
        Command::new(binary())
            .arg("compare")
            .args(pair)
            .args(["--quiet", "--no-charts", "--out"])
            .arg(&out)
            .assert()
            .success();
    }
    let folders: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(folders.len(), 2, "{folders:?}");
    assert!(folders.iter().all(|f| f.len() <= 120), "{folders:?}");
}

/// Defect 7: money near the limit where amounts are clamped ($10^13; the sketch sees $10^10
/// and more) is no longer silent: the terminal summary warns. 50 years of $10^7 a month in
/// purchases and expenses is $1.2 x 10^10 per career.
#[test]
fn money_near_the_clamping_limit_is_warned_about_and_ordinary_money_is_not() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.toml");
    fs::write(&file, "name = \"x\"\n").unwrap();
    let run = |sets: &[&str]| {
        let mut c = Command::new(binary());
        c.arg("run")
            .arg(&file)
            .args(["--careers", "20", "--months", "600", "--no-charts", "--out"])
            .arg(tmp.path().join("out"));
        for s in sets {
            c.args(["--set", s]);
        }
        let o = c.assert().success();
        String::from_utf8_lossy(&o.get_output().stdout).into_owned()
    };
    let text = run(&[
        "economics.monthly_purchase=1e7",
        "economics.monthly_expenses=1e7",
    ]);
    assert!(
        text.contains("Warning") && text.contains("20 careers have money amounts of $10^10"),
        "{text}"
    );
    let json = |file: &Path| -> serde_json::Value {
        serde_json::from_slice(&fs::read(file).unwrap()).unwrap()
    };
    let summary = tmp.path().join("out/x/summary.json");
    assert_eq!(json(&summary)["money_at_limit"], 20);
    let text = run(&["economics.monthly_purchase=100"]);
    assert!(!text.contains("Warning"), "{text}");
    assert!(json(&summary).get("money_at_limit").is_none());
}
