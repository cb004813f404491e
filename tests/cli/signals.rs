//! Fault injection, signals (issue 15, defect 5): a signal at each stage of writing, through
//! the binary's `MLM_SIM_PAUSE_AT` pause point, and promptly mid-simulation.

#![cfg(unix)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;

use super::faults::{binary, leftovers, run_quick, scenario, snapshot, targets};

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
                // typical.toml's work estimate (an upper bound) grew with issue 13's refit.
                "--max-work",
                "1e15",
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
            "--force".into(),
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
