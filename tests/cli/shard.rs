//! `run --shard K/N` and `merge`: a study split over processes merges into exactly the files
//! of a single run.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use predicates::str::contains;

const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/relationship.toml");
/// 23 cohorts of 10, the last one partial: uneven shards and a trailing partial cohort.
const FLAGS: &[&str] = &["--careers", "225", "--set", "cohort_size=10", "--seed", "7"];

fn mlm() -> Command {
    Command::cargo_bin("mlm-sim").unwrap()
}

/// Every file below `dir`, by relative path, with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

fn single_run(out: &Path) -> PathBuf {
    mlm()
        .args(["run", SCENARIO, "--quiet", "--out"])
        .arg(out)
        .args(FLAGS)
        .assert()
        .success();
    out.join("relationship-recruiting")
}

/// Run shards 1..=n as concurrent processes, each on one thread; return their folders.
fn run_shards(partials: &Path, n: u64) -> Vec<PathBuf> {
    let bin = assert_cmd::cargo::cargo_bin("mlm-sim");
    let children: Vec<_> = (1..=n)
        .map(|k| {
            StdCommand::new(&bin)
                .args(["run", SCENARIO, "--quiet", "--threads", "1", "--out"])
                .arg(partials)
                .args(FLAGS)
                .arg("--shard")
                .arg(format!("{k}/{n}"))
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let mut dirs: Vec<PathBuf> = fs::read_dir(partials)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert_eq!(dirs.len() as u64, n, "{dirs:?}");
    dirs
}

#[test]
fn merged_shards_are_byte_identical_to_a_single_run_for_1_3_and_7_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let single = files(&single_run(&tmp.path().join("single")));
    assert!(single.contains_key(Path::new("summary.json")));
    for n in [1u64, 3, 7] {
        let partials = tmp.path().join(format!("partials-{n}"));
        let dirs = run_shards(&partials, n);
        let merged_out = tmp.path().join(format!("merged-{n}"));
        mlm()
            .arg("merge")
            .args(dirs.iter().rev()) // order of the arguments does not matter
            .arg("--quiet")
            .arg("--out")
            .arg(&merged_out)
            .assert()
            .success();
        let merged = files(&merged_out.join("relationship-recruiting"));
        assert_eq!(
            merged.keys().collect::<Vec<_>>(),
            single.keys().collect::<Vec<_>>(),
            "{n} shards: different files"
        );
        for (name, bytes) in &single {
            assert!(
                merged[name] == *bytes,
                "{n} shards: {} differs",
                name.display()
            );
        }
    }
}

#[test]
fn merge_fails_naming_the_missing_careers_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = run_shards(&tmp.path().join("p"), 3);
    let out = tmp.path().join("out");
    mlm()
        .arg("merge")
        .arg(&dirs[0])
        .arg(&dirs[2])
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(contains("missing"))
        .stderr(contains(dirs[2].display().to_string()));
    assert!(!out.join("relationship-recruiting").exists());
}

#[test]
fn merge_fails_naming_a_folder_from_another_study() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs = run_shards(&tmp.path().join("p"), 2);
    let other = tmp.path().join("other");
    mlm()
        .args(["run", SCENARIO, "--quiet", "--shard", "2/2", "--out"])
        .arg(&other)
        .args(FLAGS)
        .args(["--set", "prospecting.follow_through=0.5"])
        .assert()
        .success();
    let odd = fs::read_dir(&other)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    mlm()
        .arg("merge")
        .arg(&dirs[0])
        .arg(&odd)
        .assert()
        .code(2)
        .stderr(contains("fingerprint"))
        .stderr(contains(odd.display().to_string()));
    mlm()
        .arg("merge")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(contains("manifest.json"));
}

#[test]
fn bad_shard_flags_fail_with_status_2_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    for bad in ["0/3", "4/3", "3", "x/y"] {
        mlm()
            .args(["run", SCENARIO, "--quiet", "--shard", bad, "--out"])
            .arg(tmp.path())
            .assert()
            .code(2)
            .stderr(contains("--shard"));
    }
    mlm()
        .args(["run", SCENARIO, "--quiet", "--shard", "auto", "--out"])
        .arg(tmp.path())
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .assert()
        .code(2)
        .stderr(contains("SLURM_ARRAY_TASK_ID"));
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn shard_auto_reads_a_slurm_array_starting_at_zero() {
    let tmp = tempfile::tempdir().unwrap();
    mlm()
        .args(["run", SCENARIO, "--quiet", "--shard", "auto", "--out"])
        .arg(tmp.path())
        .args(FLAGS)
        .env("SLURM_ARRAY_TASK_ID", "0")
        .env("SLURM_ARRAY_TASK_MIN", "0")
        .env("SLURM_ARRAY_TASK_MAX", "3")
        .env("SLURM_ARRAY_TASK_COUNT", "4")
        .assert()
        .success();
    let manifest: serde_json::Value = serde_json::from_slice(
        &fs::read(
            tmp.path()
                .join("relationship-recruiting.shard-1-of-4/manifest.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["shard"], 1);
    assert_eq!(manifest["careers_start"], 0);
    // 23 cohorts over 4 shards: 5 cohorts (50 careers) in the first.
    assert_eq!(manifest["careers_end"], 50);
}

/// The shell script in docs/cluster.md, as a user would copy it.
fn local_example() -> String {
    let doc = include_str!("../../docs/cluster.md");
    let after = doc.split("<!-- local-example -->").nth(1).unwrap();
    let body = after.split("```sh\n").nth(1).unwrap();
    body.split("```").next().unwrap().to_string()
}

#[test]
fn the_local_example_in_docs_cluster_md_reproduces_a_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("local-shards.sh");
    fs::write(&script, local_example()).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("mlm-sim");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let study = tmp.path().join("study");
    let status = StdCommand::new("sh")
        .arg(&script)
        .env("PATH", path)
        .env("SCENARIO", SCENARIO)
        .env("SHARDS", "3")
        .env("CAREERS", "240")
        .env("OUT", &study)
        .status()
        .unwrap();
    assert!(status.success());
    let single_out = tmp.path().join("single");
    mlm()
        .args(["run", SCENARIO, "--quiet", "--careers", "240", "--out"])
        .arg(&single_out)
        .assert()
        .success();
    assert_eq!(
        files(&study.join("relationship-recruiting")),
        files(&single_out.join("relationship-recruiting"))
    );
}
