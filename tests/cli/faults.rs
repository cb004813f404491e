//! Fault injection through the real binary (issue 15): a full disk at each stage of writing,
//! a signal at each stage, concurrent writers to one `--out`, leftovers of dead writers,
//! outputs that must not be replaced, a closed or full stdout. Each test checks the exit
//! status, the message, that nothing half-written is left, and that an earlier complete
//! result survives.
//!
//! A full disk is a file-size limit (`ulimit -f`, with SIGXFSZ ignored so the write fails
//! with EFBIG instead of killing the process): set between two file sizes, it makes exactly
//! the later stage fail. A signal reaches an exact stage through the binary's `MLM_SIM_PAUSE_AT`
//! pause point, which waits for the signal there.

#![cfg(unix)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// The exit status of a runtime I/O failure (docs/limits.md).
const EXIT_IO_FAILURE: i32 = 74;

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("mlm-sim")
}

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"))
}

fn targets() -> String {
    format!(
        "{}/scenarios/targets/aarp-2018.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Names under `dir` (recursively) that start with a dot: staging leftovers and locks.
fn leftovers(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            out.push(e.path().display().to_string());
        } else if e.file_type().unwrap().is_dir() {
            out.extend(leftovers(&e.path()));
        }
    }
    out
}

/// Every file of a folder, by name.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// `mlm-sim ARGS` with every file limited to `kib` KiB, as if the disk filled up there.
fn with_file_size_limit(kib: u64, args: &[&str]) -> std::process::Output {
    Process::new("bash")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {kib} || exit 99; exec \"$0\" \"$@\""
        ))
        .arg(binary())
        .args(args)
        .output()
        .unwrap()
}

fn run_quick(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run".to_string(),
        scenario("typical"),
        "--careers".into(),
        "2000".into(),
        "--quiet".into(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    Command::new(binary()).args(&args).assert().success();
}

/// Defect 6 (runtime failures exit 2): a disk that fills up while writing tables, charts,
/// careers.csv, a shard's partial result, a merged result or a fitted scenario exits 74 naming
/// the file; the earlier complete result is untouched and no staging folder is left.
#[test]
fn a_full_disk_at_each_stage_of_writing_exits_74_naming_the_file_and_keeps_the_old_result() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out_s = out.display().to_string();
    run_quick(&out, &["--careers-csv"]);
    let before = snapshot(&out.join("typical"));
    let typical = scenario("typical");
    // (stage, KiB limit, arguments, the file named in the message). Sizes at 2000 careers
    // (checked below): tables < 60 KiB < each PNG < 400 KiB < careers.csv at 20000 careers.
    let run = |extra: &[&str]| {
        let mut v = vec!["run", typical.as_str(), "--quiet", "--out", out_s.as_str()];
        v.extend_from_slice(extra);
        v.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let cases: Vec<(&str, u64, Vec<String>, &str)> = vec![
        (
            "tables",
            0,
            run(&["--careers", "2000", "--no-charts"]),
            "summary.json",
        ),
        ("charts", 60, run(&["--careers", "2000"]), ".png"),
        (
            "careers.csv",
            400,
            run(&["--careers", "20000", "--careers-csv", "--no-charts"]),
            "careers.csv",
        ),
    ];
    let largest_table = before
        .iter()
        .filter(|(n, _)| !n.ends_with(".png") && n != "careers.csv")
        .map(|(_, b)| b.len())
        .max()
        .unwrap();
    let smallest_png = before
        .iter()
        .filter(|(n, _)| n.ends_with(".png"))
        .map(|(_, b)| b.len())
        .min()
        .unwrap();
    assert!(largest_table < 60 * 1024 && smallest_png > 60 * 1024);
    for (stage, kib, args, file) in cases {
        let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        let o = with_file_size_limit(kib, &args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(EXIT_IO_FAILURE), "{stage}: {stderr}");
        assert!(
            stderr.contains("cannot write") && stderr.contains(file),
            "{stage}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stage}: {stderr}");
        assert_eq!(snapshot(&out.join("typical")), before, "{stage}");
        assert_eq!(leftovers(tmp.path()), Vec::<String>::new(), "{stage}");
    }

    // A shard's partial result (tally.json is ~200 KiB), then a merge whose charts fail.
    let shard = |k: &'static str| {
        vec![
            "run",
            typical.as_str(),
            "--careers",
            "2000",
            "--shard",
            k,
            "--quiet",
            "--out",
            out_s.as_str(),
        ]
    };
    let o = with_file_size_limit(100, &shard("1/2"));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(EXIT_IO_FAILURE), "shard: {stderr}");
    assert!(stderr.contains("tally.json"), "shard: {stderr}");
    assert!(!out.join("typical.shard-1-of-2").exists());
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new(), "shard");
    for k in ["1/2", "2/2"] {
        Command::new(binary()).args(shard(k)).assert().success();
    }
    let merged = tmp.path().join("merged");
    let merged_s = merged.display().to_string();
    let p1 = out.join("typical.shard-1-of-2").display().to_string();
    let p2 = out.join("typical.shard-2-of-2").display().to_string();
    let o = with_file_size_limit(60, &["merge", &p1, &p2, "--quiet", "--out", &merged_s]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(EXIT_IO_FAILURE), "merge: {stderr}");
    assert!(stderr.contains(".png"), "merge: {stderr}");
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new(), "merge");
    assert!(!merged.join("typical").exists());

    // The fitted scenario of calibrate.
    let fitted = tmp.path().join("fitted.toml");
    let o = with_file_size_limit(
        0,
        &[
            "calibrate",
            &typical,
            "--targets",
            &targets(),
            "--careers",
            "200",
            "--max-evaluations",
            "3",
            "--quiet",
            "--out",
            &fitted.display().to_string(),
        ],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(EXIT_IO_FAILURE),
        "calibrate: {stderr}"
    );
    assert!(stderr.contains("fitted.toml"), "calibrate: {stderr}");
    assert!(!fitted.exists());
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new(), "calibrate");
}

/// Defect 3: a full stdout is an I/O error with a message (exit 74), after the results were
/// committed.
#[test]
fn a_full_stdout_exits_74_with_a_message_and_the_results_are_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = Process::new(binary())
        .args([
            "run",
            &scenario("typical"),
            "--careers",
            "200",
            "--no-charts",
        ])
        .arg("--out")
        .arg(&out)
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(EXIT_IO_FAILURE), "{stderr}");
    assert!(stderr.contains("standard output"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.join("typical/summary.json").exists());
}

/// Defect 3: a closed stdout (`| head -1`) is not an error: exit 0, no panic, and a
/// multi-scenario run goes on simulating and writing every scenario's results.
#[test]
fn a_closed_stdout_exits_0_and_every_scenario_is_still_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let commands: Vec<Vec<String>> = vec![
        vec![
            "check".into(),
            scenario("typical"),
            scenario("relationship"),
        ],
        vec![
            "run".into(),
            scenario("typical"),
            scenario("relationship"),
            "--careers".into(),
            "300".into(),
            "--no-charts".into(),
            "--out".into(),
            out.display().to_string(),
        ],
    ];
    for args in commands {
        let mut child = Process::new(binary())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone before the first line
        let o = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
    for slug in ["typical", "relationship-recruiting"] {
        assert!(out.join(slug).join("summary.json").exists(), "{slug}");
    }
}

/// Defect 1: `calibrate --out` never replaces a FIFO, a device, a symlink, a folder or one of
/// its own inputs (the targets file, the scenario); it says so before any work, exit 2.
#[test]
fn calibrate_out_refuses_devices_fifos_symlinks_folders_and_its_own_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario_file = tmp.path().join("s.toml");
    let targets_file = tmp.path().join("t.toml");
    fs::copy(scenario("typical"), &scenario_file).unwrap();
    fs::copy(targets(), &targets_file).unwrap();
    let fifo = tmp.path().join("fifo");
    assert!(Process::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let link = tmp.path().join("link.toml");
    std::os::unix::fs::symlink(&targets_file, &link).unwrap();
    let targets_before = fs::read(&targets_file).unwrap();
    let scenario_before = fs::read(&scenario_file).unwrap();
    for (out, why) in [
        (fifo.clone(), "a FIFO"),
        (PathBuf::from("/dev/full"), "a device"),
        (link.clone(), "a symbolic link"),
        (tmp.path().to_path_buf(), "a folder"),
        (targets_file.clone(), "an input of this command"),
        (scenario_file.clone(), "an input of this command"),
    ] {
        let assert = Command::new(binary())
            .arg("calibrate")
            .arg(&scenario_file)
            .arg("--targets")
            .arg(&targets_file)
            .args(["--careers", "100000000", "--quiet", "--out"])
            .arg(&out)
            .timeout(Duration::from_secs(30))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.contains("refusing") && stderr.contains(why),
            "{}: {stderr}",
            out.display()
        );
    }
    assert_eq!(fs::read(&targets_file).unwrap(), targets_before);
    assert_eq!(fs::read(&scenario_file).unwrap(), scenario_before);
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
}

use std::os::unix::fs::FileTypeExt;

/// A result folder is only replaced when it is one: a folder of someone's files, or the
/// folder holding the run's own scenario, is refused before any work (exit 2).
#[test]
fn run_refuses_to_replace_a_folder_it_did_not_write_or_one_holding_its_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mine = out.join("typical");
    fs::create_dir_all(&mine).unwrap();
    fs::write(mine.join("notes.txt"), b"mine").unwrap();
    let assert = Command::new(binary())
        .args([
            "run",
            &scenario("typical"),
            "--careers",
            "100000000",
            "--quiet",
        ])
        .arg("--out")
        .arg(&out)
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("not a result folder"), "{stderr}");
    assert_eq!(fs::read(mine.join("notes.txt")).unwrap(), b"mine");

    // A result folder that holds the scenario being run.
    fs::remove_file(mine.join("notes.txt")).unwrap();
    fs::write(mine.join("report.html"), b"old").unwrap();
    let inside = mine.join("typical.toml");
    fs::copy(scenario("typical"), &inside).unwrap();
    let assert = Command::new(binary())
        .arg("run")
        .arg(&inside)
        .args(["--careers", "100000000", "--quiet", "--out"])
        .arg(&out)
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("an input of this command"), "{stderr}");
    assert!(inside.exists());
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
}

/// Defect 6: writers to one `--out` at once all finish (exit 0, no "Directory not empty"),
/// the folder holds one complete result (the last committed), and nothing is left behind.
#[test]
fn concurrent_writers_to_one_out_all_finish_and_the_folder_holds_one_complete_result() {
    let tmp = tempfile::tempdir().unwrap();
    let shared = tmp.path().join("shared");
    let seeds = ["1", "2", "3", "4", "5", "6"];
    let children: Vec<_> = seeds
        .iter()
        .map(|seed| {
            Process::new(binary())
                .args([
                    "run",
                    &scenario("typical"),
                    "--careers",
                    "300",
                    "--no-charts",
                ])
                .args(["--quiet", "--threads", "1", "--seed", seed, "--out"])
                .arg(&shared)
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (seed, child) in seeds.iter().zip(children) {
        let o = child.wait_with_output().unwrap();
        assert!(
            o.status.success(),
            "seed {seed}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
    // The folder is exactly one writer's complete result, never a mix.
    let got = snapshot(&shared.join("typical"));
    let matches = seeds
        .iter()
        .filter(|seed| {
            let alone = tmp.path().join(format!("alone-{seed}"));
            Command::new(binary())
                .args([
                    "run",
                    &scenario("typical"),
                    "--careers",
                    "300",
                    "--no-charts",
                ])
                .args(["--quiet", "--seed", seed, "--out"])
                .arg(&alone)
                .assert()
                .success();
            snapshot(&alone.join("typical")) == got
        })
        .count();
    assert_eq!(matches, 1);
}

/// Defect 6: leftovers of dead writers (an old-style `.NAME.partial-PID` as a container's PID 1
/// leaves, an unlocked staging folder, an `.old` folder, a commit lock) never block a later
/// run; they are removed and reported.
#[test]
fn leftovers_of_dead_writers_with_the_same_pid_are_removed_and_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_quick(&out, &["--no-charts"]);
    for leftover in [
        ".typical.partial-1",
        ".typical.partial-1-00000000deadbeef",
        ".typical.old-1",
    ] {
        fs::create_dir(out.join(leftover)).unwrap();
        fs::write(out.join(leftover).join("summary.json"), b"half").unwrap();
    }
    fs::write(out.join(".typical.partial-1-00000000deadbeef.lock"), b"").unwrap();
    fs::write(out.join(".typical.commit.lock"), b"").unwrap();
    let assert = Command::new(binary())
        .args([
            "run",
            &scenario("typical"),
            "--careers",
            "200",
            "--no-charts",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("note: removed") && stderr.contains(".typical.partial-1"),
        "{stderr}"
    );
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
    assert!(out.join("typical/summary.json").exists());

    // A run killed outright (SIGKILL: no clean-up possible) leaves its staging folder; the
    // next run removes it.
    let mut child = Process::new(binary())
        .args([
            "run",
            &scenario("typical"),
            "--careers",
            "100000000",
            "--quiet",
        ])
        .args(["--max-work", "1e18", "--threads", "1", "--out"])
        .arg(&out)
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!leftovers(&out).is_empty(), "the killed run left nothing?");
    run_quick(&out, &["--no-charts"]);
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
}

/// Start `args` with the pause point at `stage`, wait until the binary says it is there, send
/// `signals` (back to back, as GNU `timeout` does), and return the exit code and stderr.
fn signalled_at(stage: &str, args: &[String], signals: &[&str]) -> (Option<i32>, String) {
    let mut child = Process::new(binary())
        .args(args)
        .env("MLM_SIM_PAUSE_AT", stage)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut text = String::new();
    let started = Instant::now();
    loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            panic!("{stage}: ended before the pause point: {text}");
        }
        text.push_str(&line);
        if line.contains("paused at") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{stage}: {text}"
        );
    }
    for signal in signals {
        let sent = Process::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    text.push_str(&rest);
    let status = child.wait().unwrap();
    (status.code(), text)
}

/// Defect 5: a signal at every stage of writing (careers.csv, charts, merge, the commit), and
/// a doubled SIGINT during chart writing, stops with 130/143, names the signal, leaves no
/// staging folder and keeps the earlier result.
#[test]
fn a_signal_at_each_stage_of_writing_stops_cleanly_and_keeps_the_old_result() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out_s = out.display().to_string();
    run_quick(&out, &[]);
    for k in ["1/2", "2/2"] {
        Command::new(binary())
            .args([
                "run",
                &scenario("typical"),
                "--careers",
                "1000",
                "--shard",
                k,
            ])
            .args(["--quiet", "--out", &out_s])
            .assert()
            .success();
    }
    let before = snapshot(&out.join("typical"));
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let typical = scenario("typical");
    let p1 = out.join("typical.shard-1-of-2").display().to_string();
    let p2 = out.join("typical.shard-2-of-2").display().to_string();
    let merged = tmp.path().join("merged");
    let merged_s = merged.display().to_string();
    let cases = [
        (
            "careers-csv",
            s(&[
                "run",
                &typical,
                "--careers",
                "300000",
                "--careers-csv",
                "--no-charts",
            ]),
            vec!["TERM"],
        ),
        (
            "charts",
            s(&["run", &typical, "--careers", "2000"]),
            vec!["INT", "INT"],
        ),
        (
            "commit",
            s(&["run", &typical, "--careers", "2000"]),
            vec!["TERM"],
        ),
        (
            "charts",
            s(&[
                "compare",
                &typical,
                &scenario("relationship"),
                "--careers",
                "500",
            ]),
            vec!["INT", "INT"],
        ),
        (
            "merge",
            s(&["merge", &p1, &p2, "--out", &merged_s]),
            vec!["TERM"],
        ),
        (
            "charts",
            s(&["merge", &p1, &p2, "--out", &merged_s]),
            vec!["INT", "INT"],
        ),
    ];
    for (stage, mut args, signals) in cases {
        if args[0] != "merge" {
            args.extend(s(&["--out", &out_s]));
        }
        args.push("--quiet".into());
        let (code, stderr) = signalled_at(stage, &args, &signals);
        let (want, name) = if signals[0] == "INT" {
            (130, "interrupted by SIGINT")
        } else {
            (143, "interrupted by SIGTERM")
        };
        let what = format!("{} at {stage}", args[0]);
        assert_eq!(code, Some(want), "{what}: {stderr}");
        assert!(stderr.contains(name), "{what}: {stderr}");
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert_eq!(leftovers(tmp.path()), Vec::<String>::new(), "{what}");
        assert_eq!(snapshot(&out.join("typical")), before, "{what}");
        assert!(!merged.join("typical").exists(), "{what}");
    }
}

/// Defect 5: `run --careers-csv` stops promptly on SIGINT mid-simulation (it used to finish
/// the whole simulation first), and `calibrate` stops on a doubled SIGINT without writing.
#[test]
fn careers_csv_and_calibrate_stop_promptly_on_a_signal_mid_simulation() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let fitted = tmp.path().join("fitted.toml");
    let long = [
        vec![
            "run".to_string(),
            scenario("typical"),
            "--careers-csv".into(),
            "--no-charts".into(),
            "--out".into(),
            out.display().to_string(),
        ],
        vec![
            "calibrate".to_string(),
            scenario("typical"),
            "--targets".into(),
            targets(),
            "--out".into(),
            fitted.display().to_string(),
        ],
    ];
    for args in long {
        let mut child = Process::new(binary())
            .args(&args)
            .args([
                "--careers",
                "100000000",
                "--max-work",
                "1e18",
                "--threads",
                "1",
            ])
            .arg("--quiet")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(800));
        assert!(child.try_wait().unwrap().is_none(), "{args:?} ended early");
        let sent = Instant::now();
        for _ in 0..2 {
            Process::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap();
        }
        let o = child.wait_with_output().unwrap();
        let took = sent.elapsed();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(130), "{args:?}: {stderr}");
        assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
        assert!(took < Duration::from_secs(10), "{args:?} took {took:?}");
        assert_eq!(leftovers(tmp.path()), Vec::<String>::new(), "{args:?}");
        assert!(!out.exists() || fs::read_dir(&out).unwrap().count() == 0);
        assert!(!fitted.exists());
    }
}

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
