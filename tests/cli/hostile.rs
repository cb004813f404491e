//! Hostile conditions around a run: signals, unwritable or broken output paths, and scenario
//! names that would collide or escape the output folder.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// Every file under `dir` with its bytes, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Names in `dir` that start with a dot: staging (`.x.partial-N`) or swap (`.x.old-N`) leftovers.
fn hidden_entries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

fn run_quick(out: &Path) {
    Command::cargo_bin("mlm-sim")
        .unwrap()
        .args([
            "run",
            "--quiet",
            "scenarios/numbers-game.toml",
            "--careers",
            "200",
        ])
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

/// Start a long run into `out`, send `signal` after a second, and check the promises: the
/// conventional exit status, a message, no staging folder, earlier results byte-identical.
#[cfg(unix)]
fn interrupted_run_keeps_earlier_results(signal: &str, code: i32, words: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_quick(&out);
    let before = snapshot(&out);
    assert!(before.contains_key("numbers-game/summary.json"));

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("mlm-sim"))
        .args(["run", "--quiet", "scenarios/numbers-game.toml"])
        .args([
            "--careers",
            "1000000000",
            "--max-work",
            "1e15",
            "--threads",
            "2",
        ])
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the long run ended before it was signalled"
    );
    // The staging folder exists while the run works.
    assert!(!hidden_entries(&out).is_empty());
    let sent = Instant::now();
    let status = std::process::Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if sent.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the run did not stop within 30 s of {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(status.code(), Some(code), "stderr: {stderr}");
    assert!(stderr.contains(words), "{stderr}");
    assert!(stderr.contains("untouched"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(hidden_entries(&out), Vec::<String>::new());
    assert_eq!(snapshot(&out), before, "earlier results changed");
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_run_with_130_and_keeps_earlier_results() {
    interrupted_run_keeps_earlier_results("INT", 130, "interrupted by SIGINT");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_run_with_143_and_keeps_earlier_results() {
    interrupted_run_keeps_earlier_results("TERM", 143, "interrupted by SIGTERM");
}

#[test]
fn output_path_that_is_a_file_fails_naming_it_and_leaves_it_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("results.txt");
    fs::write(&file, b"keep me").unwrap();
    let assert = Command::cargo_bin("mlm-sim")
        .unwrap()
        .args([
            "run",
            "--quiet",
            "scenarios/numbers-game.toml",
            "--careers",
            "10",
        ])
        .arg("--out")
        .arg(&file)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr);
    assert!(stderr.contains("results.txt"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(fs::read(&file).unwrap(), b"keep me");
    assert_eq!(hidden_entries(tmp.path()), Vec::<String>::new());
}

#[test]
fn result_folder_that_is_a_file_fails_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("numbers-game"), b"keep me").unwrap();
    let assert = Command::cargo_bin("mlm-sim")
        .unwrap()
        .args([
            "run",
            "--quiet",
            "scenarios/numbers-game.toml",
            "--careers",
            "10",
        ])
        .arg("--out")
        .arg(tmp.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr);
    assert!(
        stderr.contains("numbers-game") && stderr.contains("not a folder"),
        "{stderr}"
    );
    assert_eq!(hidden_entries(tmp.path()), Vec::<String>::new());
}

/// User and group id the read-only test runs the binary as when the test itself runs as root
/// (CI does): root ignores permission bits, so only an unprivileged process meets the refusal.
/// 65534 is `nobody` on Debian-like systems; the id needs no account to exist.
#[cfg(unix)]
const UNPRIVILEGED_ID: u32 = 65534;

/// Write `message` straight to the terminal: the test harness captures `eprintln!` of a test
/// that passes, and a skipped check must not pass unnoticed.
#[cfg(unix)]
fn shout(message: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "\n*** {message} ***\n");
}

#[cfg(unix)]
#[test]
fn read_only_output_folder_fails_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("locked");
    fs::create_dir(&out).unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o555)).unwrap();
    let privileged = fs::write(out.join("probe"), b"").is_ok();
    fs::remove_file(out.join("probe")).ok();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_mlm-sim"));
    let mut scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/numbers-game.toml");
    if privileged {
        // Root (or a process allowed to override permissions): run the binary as an
        // unprivileged user. It cannot be expected to reach the checkout (often under /root),
        // so the binary and the scenario are copied into the temporary folder, opened up to
        // be read and entered by anyone.
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let binary = tmp.path().join("mlm-sim");
        fs::copy(env!("CARGO_BIN_EXE_mlm-sim"), &binary).unwrap();
        fs::set_permissions(&binary, fs::Permissions::from_mode(0o755)).unwrap();
        let copied = tmp.path().join("numbers-game.toml");
        fs::copy(&scenario, &copied).unwrap();
        fs::set_permissions(&copied, fs::Permissions::from_mode(0o644)).unwrap();
        scenario = copied;
        command = std::process::Command::new(&binary);
        command
            .uid(UNPRIVILEGED_ID)
            .gid(UNPRIVILEGED_ID)
            .current_dir(tmp.path());
        // Control: the unprivileged user can run and write into an open folder, so the
        // refusal below comes from the locked folder and from nothing else.
        let open = tmp.path().join("open");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).unwrap();
        let mut control = std::process::Command::new(&binary);
        control
            .uid(UNPRIVILEGED_ID)
            .gid(UNPRIVILEGED_ID)
            .current_dir(tmp.path())
            .args(["run", "--quiet", "--no-charts", "--careers", "10"])
            .arg(&scenario)
            .arg("--out")
            .arg(&open);
        match control.output() {
            Ok(o) if o.status.success() => {}
            Ok(o) => panic!(
                "as uid {UNPRIVILEGED_ID} the binary cannot even write to an open folder: {}",
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => {
                // Switching users is refused (a user namespace without that id, or no
                // CAP_SETUID): the refusal cannot be produced here. Say so loudly.
                fs::set_permissions(&out, fs::Permissions::from_mode(0o755)).unwrap();
                shout(&format!(
                    "SKIPPED read_only_output_folder_fails_naming_it: this process can write \
                     to a read-only folder and cannot run the binary as uid \
                     {UNPRIVILEGED_ID} ({e}), so the refusal was NOT tested"
                ));
                return;
            }
        }
    }
    command
        .args(["run", "--quiet", "--no-charts", "--careers", "10"])
        .arg(&scenario)
        .arg("--out")
        .arg(&out);
    let assert = Command::from_std(command).assert().code(2);
    fs::set_permissions(&out, fs::Permissions::from_mode(0o755)).unwrap();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr);
    assert!(stderr.contains("locked"), "{stderr}");
    assert_eq!(fs::read_dir(&out).unwrap().count(), 0);
}

/// A write that fails part-way (here: into /dev/full, "no space left on device") names the
/// file, and dropping the unfinished output leaves nothing behind.
#[cfg(target_os = "linux")]
#[test]
fn full_disk_write_fails_naming_the_file_and_leaves_nothing() {
    use mlm_sim::export::OutputDir;
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("res");
    {
        let out = OutputDir::create(&target).unwrap();
        std::os::unix::fs::symlink("/dev/full", out.staging_path().join("summary.json")).unwrap();
        let err = out.write("summary.json", b"{}").unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("res/summary.json"), "{msg}");
        assert!(msg.contains("No space left"), "{msg}");
    }
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn scenarios_with_the_same_slug_do_not_overwrite_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a.toml");
    let b = tmp.path().join("b.toml");
    // Different names, one slug; the careers count tells the results apart.
    fs::write(&a, "name = \"Same name!\"\ncareers = 20\n").unwrap();
    fs::write(&b, "name = \"same  NAME\"\ncareers = 30\n").unwrap();
    let out = tmp.path().join("out");
    Command::cargo_bin("mlm-sim")
        .unwrap()
        .args(["run", "--quiet"])
        .arg(&a)
        .arg(&b)
        .arg(&a)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let careers = |slug: &str| -> u64 {
        let text = fs::read_to_string(out.join(slug).join("summary.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["careers"].as_u64().unwrap()
    };
    assert_eq!(careers("same-name"), 20);
    assert_eq!(careers("same-name-2"), 30);
    assert_eq!(careers("same-name-3"), 20);
    assert_eq!(fs::read_dir(&out).unwrap().count(), 3);
}

#[test]
fn hostile_scenario_names_stay_inside_the_output_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for (i, name) in [
        "../../escape",
        "/etc/passwd",
        ".hidden",
        "CON",
        "\u{202e}txt.exe",
        "名前",
    ]
    .iter()
    .enumerate()
    {
        let file = tmp.path().join(format!("s{i}.toml"));
        // Written raw (no escapes), as a user would paste it.
        fs::write(&file, format!("name = \"{name}\"\ncareers = 5\n")).unwrap();
        Command::cargo_bin("mlm-sim")
            .unwrap()
            .args(["run", "--quiet"])
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
    }
    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for n in &names {
        assert!(
            n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "unsafe folder name {n:?}"
        );
        assert!(!n.starts_with('-'));
    }
    // Nothing was written outside `out` (the temporary folder holds only the scenario files).
    let outside: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "out" && !n.ends_with(".toml"))
        .collect();
    assert_eq!(outside, Vec::<String>::new());
    assert!(names.contains(&"con-scenario".to_string()), "{names:?}");
}
