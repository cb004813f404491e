//! The run context every simulating command shares: `--max-work` everywhere, the same exit
//! status for the same signal everywhere, nothing half-written; plus the command line's
//! generated documentation (completions, man page).

use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// The arguments of every simulating command, on the shipped `typical` scenario; `long`
/// makes each take minutes (so a signal arrives mid-simulation).
fn simulating_commands(long: bool) -> Vec<(&'static str, Vec<String>)> {
    let careers = if long { "100000000" } else { "1000" };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        (
            "run",
            s(&["run", "scenarios/typical.toml", "--careers", careers]),
        ),
        (
            "run --shard",
            s(&[
                "run",
                "scenarios/typical.toml",
                "--shard",
                "1/2",
                "--careers",
                careers,
            ]),
        ),
        (
            "compare",
            s(&[
                "compare",
                "scenarios/typical.toml",
                "scenarios/relationship.toml",
                "--careers",
                careers,
            ]),
        ),
        (
            "sweep",
            s(&[
                "sweep",
                "scenarios/typical.toml",
                "--param",
                "training.quality=0:1:3",
                "--careers",
                careers,
            ]),
        ),
        (
            "sensitivity",
            s(&[
                "sensitivity",
                "scenarios/typical.toml",
                "--careers",
                careers,
            ]),
        ),
        (
            "calibrate",
            s(&[
                "calibrate",
                "scenarios/typical.toml",
                "--targets",
                "scenarios/targets/aarp-2018.toml",
                // The shipped targets free more keys than they pin; --force fits anyway.
                "--force",
                "--careers",
                careers,
            ]),
        ),
    ]
}

#[test]
fn every_simulating_command_accepts_max_work_and_refuses_work_above_it() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, args) in simulating_commands(false) {
        let out = tmp.path().join(name.replace(' ', "-"));
        let fitted = tmp.path().join("fitted.toml");
        let assert = Command::cargo_bin("mlm-sim")
            .unwrap()
            .args(&args)
            .args(["--max-work", "10", "--quiet"])
            .args(output_flag(name, &out, &fitted))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.contains("above the limit of 10 (--max-work)"),
            "{name}: {stderr}"
        );
        assert!(!out.exists(), "{name} wrote {}", out.display());
        assert!(!fitted.exists(), "{name} wrote the fitted scenario");
    }
}

/// `calibrate` writes a file; every other command a folder.
fn output_flag(name: &str, folder: &Path, fitted: &Path) -> Vec<String> {
    let target = if name == "calibrate" { fitted } else { folder };
    vec!["--out".into(), target.display().to_string()]
}

/// Names in `dir` (recursively) that start with a dot: staging leftovers.
fn leftovers(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            out.push(name);
        } else if e.path().is_dir() {
            out.extend(leftovers(&e.path()));
        }
    }
    out
}

/// Start `args` as a long simulation, send `signal` once it is under way, and return the
/// exit code and stderr.
#[cfg(unix)]
fn signalled(args: &[String], extra: &[String], signal: &str) -> (Option<i32>, String) {
    let mut child = Process::new(assert_cmd::cargo::cargo_bin("mlm-sim"))
        .args(args)
        .args(extra)
        .args(["--max-work", "1e18", "--threads", "1", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        child.try_wait().unwrap().is_none(),
        "{args:?} ended before it was signalled"
    );
    let sent = Instant::now();
    let status = Process::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if sent.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{args:?} did not stop within 60 s of SIG{signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn sigterm_stops_every_simulating_command_with_143_and_nothing_half_written() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, args) in simulating_commands(true) {
        let out = tmp.path().join(name.replace(' ', "-"));
        let fitted = tmp.path().join("fitted.toml");
        let (code, stderr) = signalled(&args, &output_flag(name, &out, &fitted), "TERM");
        assert_eq!(code, Some(143), "{name}: {stderr}");
        assert!(
            stderr.contains("interrupted by SIGTERM"),
            "{name}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert_eq!(leftovers(&out), Vec::<String>::new(), "{name}");
        assert_eq!(leftovers(tmp.path()), Vec::<String>::new(), "{name}");
        assert!(!fitted.exists(), "{name} wrote the fitted scenario");
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_studies_with_130() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, args) in simulating_commands(true) {
        if !["compare", "sweep", "sensitivity"].contains(&name) {
            continue; // `run` is covered in hostile.rs
        }
        let out = tmp.path().join(name);
        let (code, stderr) = signalled(&args, &output_flag(name, &out, &out), "INT");
        assert_eq!(code, Some(130), "{name}: {stderr}");
        assert!(stderr.contains("interrupted by SIGINT"), "{name}: {stderr}");
        assert_eq!(leftovers(tmp.path()), Vec::<String>::new(), "{name}");
    }
}

#[test]
fn completions_are_generated_for_the_common_shells() {
    for (shell, marker) in [
        ("bash", "_mlm__sim()"),
        ("zsh", "#compdef mlm-sim"),
        ("fish", "complete -c mlm-sim"),
    ] {
        let assert = Command::cargo_bin("mlm-sim")
            .unwrap()
            .args(["completions", shell])
            .assert()
            .success();
        let text = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
        assert!(text.contains(marker), "{shell}: {text:.200}");
        // Subcommands and their flags are in the script.
        assert!(
            text.contains("sensitivity") && text.contains("--max-work"),
            "{shell}"
        );
    }
    Command::cargo_bin("mlm-sim")
        .unwrap()
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}

#[test]
fn the_man_page_documents_every_command() {
    let assert = Command::cargo_bin("mlm-sim")
        .unwrap()
        .arg("man")
        .assert()
        .success();
    let text = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        text.starts_with(".ie") || text.contains(".TH mlm-sim"),
        "{text:.300}"
    );
    for command in [
        "run",
        "check",
        "merge",
        "calibrate",
        "validate",
        "compare",
        "sweep",
    ] {
        assert!(text.contains(command), "man page lacks {command}");
    }
}
