//! The company world through the real binary: a company scenario is detected and writes its
//! files; bad company input exits 2 naming file, key and line, and writes nothing.

use std::path::Path;

use assert_cmd::Command;

const SMALL: &str = "name = \"tiny company\"\nkind = \"company\"\n[company]\nfounders = 5\nyears = 2\nreplicates = 3\n[market]\nsize = 5000\n[prospecting]\ncontacts_per_month = 10\njoin_probability = 0.05\n[economics]\nmonthly_purchase = 50\ncommission_rates = [0.1]\n[attrition]\nlife_events_per_month = 0.05\n";

fn write(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("company.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(file: &Path, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("mlm-sim")
        .unwrap()
        .arg("run")
        .arg(file)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .assert()
}

#[test]
fn a_company_scenario_writes_the_company_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), SMALL);
    let out = dir.path().join("out");
    run(&file, &out, &[]).success();
    let folder = out.join("tiny-company");
    for name in [
        "company_over_time.csv",
        "company_cohorts.csv",
        "company_ranks.csv",
        "company_disclosure.csv",
        "company_concentration.csv",
        "company_replicates.csv",
        "company_end_reasons.csv",
        "summary.txt",
        "report.html",
        "company-over-time.png",
        "company-cohorts.svg",
        "company-lorenz.svg",
        "company-quit-reasons.svg",
    ] {
        assert!(folder.join(name).is_file(), "{name} missing");
    }
    let over_time = std::fs::read_to_string(folder.join("company_over_time.csv")).unwrap();
    assert_eq!(over_time.lines().count(), 1 + 24);
}

#[test]
fn same_seed_same_files_at_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), SMALL);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run(&file, &a, &["--threads", "1"]).success();
    run(&file, &b, &["--threads", "2"]).success();
    for entry in std::fs::read_dir(a.join("tiny-company")).unwrap() {
        let name = entry.unwrap().file_name();
        let x = std::fs::read(a.join("tiny-company").join(&name)).unwrap();
        let y = std::fs::read(b.join("tiny-company").join(&name)).unwrap();
        assert_eq!(x, y, "{name:?} differs");
    }
}

/// Each bad input: exit 2, the file, key and (where it has one) line named, nothing written.
#[test]
fn bad_company_input_exits_2_naming_file_key_and_line() {
    let cases: [(&str, &str, &[&str]); 7] = [
        (
            "size = 5000",
            "size = 3",
            &["company.toml", "market.size", "line 8", "founders"],
        ),
        (
            "years = 2",
            "years = 51",
            &["company.toml", "company.years", "line 5", "1 to 50"],
        ),
        (
            "[economics]",
            "[plan]\nrank_group_volume = [500, 100]\nrank_override = [0.01, 0.02]\n[economics]",
            &[
                "company.toml",
                "plan.rank_group_volume",
                "line 13",
                "strictly higher",
            ],
        ),
        (
            "[economics]",
            "[plan]\nrank_group_volume = [100, 500]\nrank_override = [0.02]\n[economics]",
            &["company.toml", "plan.rank_override", "one rate per rank"],
        ),
        (
            "kind = \"company\"",
            "kind = \"companie\"",
            &["company.toml", "`kind`", "line 2", "\"company\""],
        ),
        (
            "years = 2",
            "years = 2\nmax_participants = 900000000",
            &["company.toml", "company.max_participants", "memory"],
        ),
        (
            "[company]",
            "months = 24\n[company]",
            &["company.toml", "`months`", "company.years"],
        ),
    ];
    for (from, to, expect) in cases {
        let dir = tempfile::tempdir().unwrap();
        let text = SMALL.replace(from, to);
        let text = if to.contains("900000000") {
            text.replace("size = 5000", "size = 900000000")
        } else {
            text
        };
        let file = write(dir.path(), &text);
        let out = dir.path().join("out");
        let assert = run(&file, &out, &[]).code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{stderr}");
        for part in expect {
            assert!(stderr.contains(part), "expected `{part}` in: {stderr}");
        }
        assert!(!out.exists(), "output written for bad input: {stderr}");
    }
}

#[test]
fn company_keys_in_a_careers_scenario_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "name = \"x\"\n[market]\nsize = 1000\n");
    let out = dir.path().join("out");
    let assert = run(&file, &out, &[]).code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("market.size") && stderr.contains("kind = \\\"company\\\"")
            || stderr.contains("kind = \"company\""),
        "{stderr}"
    );
    assert!(!out.exists());
}

/// `--shard` splits replicates and `merge` gives the single run's files, byte for byte.
#[test]
fn shards_merge_to_the_single_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), SMALL);
    let single = dir.path().join("single");
    run(&file, &single, &[]).success();
    let parts = dir.path().join("parts");
    for k in ["1/2", "2/2"] {
        run(&file, &parts, &["--shard", k]).success();
    }
    let merged = dir.path().join("merged");
    Command::cargo_bin("mlm-sim")
        .unwrap()
        .arg("merge")
        .arg(parts.join("tiny-company.shard-1-of-2"))
        .arg(parts.join("tiny-company.shard-2-of-2"))
        .arg("--out")
        .arg(&merged)
        .arg("--quiet")
        .assert()
        .success();
    let a = single.join("tiny-company");
    let b = merged.join("tiny-company");
    let mut names = 0;
    for entry in std::fs::read_dir(&a).unwrap() {
        let name = entry.unwrap().file_name();
        let x = std::fs::read(a.join(&name)).unwrap();
        let y = std::fs::read(b.join(&name)).unwrap_or_default();
        assert_eq!(x, y, "{name:?} differs");
        names += 1;
    }
    assert!(names >= 8);
    // A missing shard is refused.
    let assert = Command::cargo_bin("mlm-sim")
        .unwrap()
        .arg("merge")
        .arg(parts.join("tiny-company.shard-2-of-2"))
        .arg("--out")
        .arg(dir.path().join("bad"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("missing"), "{stderr}");
}

#[test]
fn careers_csv_writes_one_row_per_participant() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), SMALL);
    let out = dir.path().join("out");
    run(&file, &out, &["--careers-csv", "--no-charts"]).success();
    let folder = out.join("tiny-company");
    let rows = std::fs::read_to_string(folder.join("participants.csv")).unwrap();
    let replicates = std::fs::read_to_string(folder.join("company_replicates.csv")).unwrap();
    let participants: usize = replicates
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(rows.lines().count(), 1 + participants);
    assert!(rows.starts_with("replicate,id,sponsor,"));
}

#[test]
fn precision_is_refused_for_a_company_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), SMALL);
    let out = dir.path().join("out");
    let assert = run(&file, &out, &["--precision", "0.01"]).code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("--precision") && stderr.contains("company"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn end_reasons_cover_everyone_and_every_quitter() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), SMALL);
    let out = dir.path().join("out");
    run(&file, &out, &["--no-charts"]).success();
    let folder = out.join("tiny-company");
    let csv = std::fs::read_to_string(folder.join("company_end_reasons.csv")).unwrap();
    let (mut of_all, mut of_quitters) = (0.0, 0.0);
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 7, "{line}");
        of_all += cells[1].parse::<f64>().unwrap();
        if !cells[4].is_empty() {
            of_quitters += cells[4].parse::<f64>().unwrap();
        }
    }
    // Each company's shares sum to one, so do their means (up to the printed 6 decimals).
    assert!(
        (of_all - 1.0).abs() < 1e-5,
        "shares of everyone sum to {of_all}"
    );
    assert!(
        (of_quitters - 1.0).abs() < 1e-5,
        "shares of quitters sum to {of_quitters}"
    );
    let summary = std::fs::read_to_string(folder.join("summary.txt")).unwrap();
    assert!(summary.contains("How careers ended"));
}

#[test]
fn the_summarys_survey_bands_are_those_of_participants_csv() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), SMALL);
    let out = dir.path().join("out");
    run(&file, &out, &["--careers-csv", "--no-charts"]).success();
    let folder = out.join("tiny-company");
    let rows = std::fs::read_to_string(folder.join("participants.csv")).unwrap();
    let header: Vec<&str> = rows.lines().next().unwrap().split(',').collect();
    let net_col = header.iter().position(|h| *h == "net").unwrap();
    // Per replicate: [lost, broke even, profited] with the default band of $100.
    let mut counts = std::collections::BTreeMap::<u64, [f64; 3]>::new();
    for line in rows.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let r: u64 = cells[0].parse().unwrap();
        let net: f64 = cells[net_col].parse().unwrap();
        let i = if net < -100.0 {
            0
        } else if net <= 100.0 {
            1
        } else {
            2
        };
        counts.entry(r).or_default()[i] += 1.0;
    }
    let mean = |i: usize| {
        counts
            .values()
            .map(|c| c[i] / c.iter().sum::<f64>())
            .sum::<f64>()
            / counts.len() as f64
    };
    let summary = std::fs::read_to_string(folder.join("summary.txt")).unwrap();
    for (label, i) in [("lost money", 0), ("profited", 2)] {
        let want = format!("{label} {:.1}% (", 100.0 * mean(i));
        assert!(summary.contains(&want), "{want:?} not in\n{summary}");
    }
    let want = format!("broke even (within ±$100) {:.1}% (", 100.0 * mean(1));
    assert!(summary.contains(&want), "{want:?} not in\n{summary}");
}
