//! The run context: what every simulating command needs, built once from the shared flags.
//!
//! A worker pool, the cancellation flag that SIGINT and SIGTERM set, progress bars, and the
//! up-front work check live here so that `run`, `merge`, `calibrate` and every study behave
//! alike: the same limit (`--max-work`), the same exit status for the same signal (130 for
//! Ctrl-C, 143 for SIGTERM), and nothing half-written when stopped.
//!
//! Exit statuses (docs/limits.md lists them for users): 0 success (a closed stdout pipe is
//! success, as in ripgrep), 1 failed validation checks, 2 bad input (files, flags, paths that
//! may not be written), 74 a runtime I/O failure while writing results or stdout (disk full;
//! `EX_IOERR` of sysexits.h), 128 + N stopped by signal N.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use mlm_sim::engine::{self, Hooks};
use mlm_sim::export::WriteFailed;
use mlm_sim::model::estimate::{self, WorkEstimate};
use mlm_sim::scenario::Scenario;

use super::flags::SimFlags;

/// Exit status for bad input (scenario files, flags).
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit status of `validate` when a check fails.
pub const EXIT_CHECKS_FAILED: u8 = 1;
/// Exit status for a runtime I/O failure (disk full, stdout full): the input was fine, the
/// machine was not. `EX_IOERR` of sysexits.h.
pub const EXIT_IO_FAILURE: u8 = 74;

/// A repeated signal within this time of the first is the same request (GNU `timeout` sends
/// its signal to the process and to its group, so a program gets it twice); a later one
/// means "stop now, whatever it leaves" and exits at once. Leftover staging folders of such a
/// forced exit are removed by the next writer (see `mlm_sim::export::staging`).
const REPEAT_GRACE: Duration = Duration::from_secs(2);

/// Which signal stopped the run (0 = none yet); set from the signal handler.
static STOP_SIGNAL: AtomicUsize = AtomicUsize::new(0);
/// Set by SIGINT or SIGTERM; the engine checks it between cohorts.
static CANCEL: AtomicBool = AtomicBool::new(false);
/// Set [`REPEAT_GRACE`] after the first signal: a signal then exits at once.
static FORCE_EXIT: AtomicBool = AtomicBool::new(false);
/// Set once a write to stdout met a closed pipe: later output is dropped silently.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Everything a simulating command runs with.
pub struct RunContext {
    /// The worker threads.
    pub pool: rayon::ThreadPool,
    /// Set by SIGINT/SIGTERM; checked by the engine between cohorts.
    pub cancel: &'static AtomicBool,
    /// Print nothing but errors.
    pub quiet: bool,
    /// `--max-work`: the most person-months one scenario may be expected to simulate.
    pub max_work: f64,
}

impl RunContext {
    /// Build the context of `flags`: start the worker pool and route the signals.
    pub fn new(flags: &SimFlags) -> Result<RunContext> {
        Ok(RunContext {
            pool: thread_pool(flags.threads.threads)?,
            cancel: install_signal_handlers()?,
            quiet: flags.quiet,
            max_work: flags.max_work,
        })
    }

    /// Refuse any scenario expected to simulate more than `--max-work` person-months, naming
    /// the keys that drive the estimate and the flag that raises the limit.
    pub fn check_work(&self, scenarios: &[Scenario]) -> Result<()> {
        for s in scenarios {
            // Company world (issue 13): every replicate company's expected person-months.
            if s.company.is_some() {
                mlm_sim::study::company::check_work(std::slice::from_ref(s), self.max_work)?;
                continue;
            }
            let w = estimate::expected_work(s);
            if w.person_months > self.max_work {
                bail!("{}", work_refusal(s, &w, self.max_work));
            }
        }
        Ok(())
    }

    /// A progress bar on stderr counting `total` `unit`s ("careers", "companies"), hidden
    /// when quiet or when stderr is not a terminal.
    pub fn progress_bar(&self, total: u64, label: &str, unit: &str) -> ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() {
            return ProgressBar::hidden();
        }
        let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(&format!(
            "{{prefix}} [{{bar:40}}] {{human_pos}}/{{human_len}} {unit} ({{per_sec}}, {{eta}} left)"
        )) {
            pb.set_style(style.progress_chars("=> "));
        }
        pb.set_prefix(label.to_string());
        pb
    }

    /// Run `work` on the pool with engine hooks that advance a progress bar of `total` careers
    /// and see the signal-backed cancel flag.
    pub fn simulate<T: Send>(
        &self,
        total: u64,
        label: &str,
        work: impl FnOnce(&Hooks<'_>) -> T + Send,
    ) -> T {
        self.simulate_counting(total, "careers", label, work)
    }

    /// [`Self::simulate`] with a progress bar counting `total` `unit`s (e.g. "companies" for a
    /// study of company scenarios, whose work comes in whole companies).
    pub fn simulate_counting<T: Send>(
        &self,
        total: u64,
        unit: &str,
        label: &str,
        work: impl FnOnce(&Hooks<'_>) -> T + Send,
    ) -> T {
        let pb = self.progress_bar(total, label, unit);
        let progress = |n: u64| pb.inc(n);
        let hooks = Hooks {
            progress: &progress,
            cancel: self.cancel,
        };
        let out = self.pool.install(|| work(&hooks));
        pb.finish_and_clear();
        out
    }

    /// Fail with the signal's exit status when a signal arrived (for the moment between the
    /// last simulated cohort and committing results).
    pub fn stop_if_signalled(&self, what: &str, kept: &[PathBuf]) -> Result<()> {
        if self.cancel.load(Ordering::SeqCst) {
            return Err(interrupted(what, kept));
        }
        Ok(())
    }
}

/// A rayon pool with `threads` workers (all cores when `None`).
fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        if n == 0 || n > 4096 {
            bail!("--threads must be between 1 and 4096, got {n}");
        }
        b = b.num_threads(n);
    }
    b.build().context("cannot start worker threads")
}

/// The message for a scenario whose expected work is above `--max-work`.
fn work_refusal(s: &Scenario, w: &WorkEstimate, max_work: f64) -> String {
    let levels: Vec<String> = w
        .people_per_level
        .iter()
        .enumerate()
        .map(|(l, n)| format!("level {l}: {}", approx(*n)))
        .collect();
    format!(
        "scenario {} (\"{}\") is expected to simulate about {} person-months, above the limit of {} \
         (--max-work). Each distributor recruits about {} people (R), and the downline is \
         simulated {} level(s) deep, so one followed career is about {} people ({}) and {} \
         person-months; times {} careers. The work grows with `careers`, `months`, \
         `downline.depth` (as R^depth), `prospecting.contacts_per_month`, \
         `prospecting.follow_through`, `prospecting.join_probability` and `training.*` (through \
         R; with `time.hours_per_month` set, hours over `prospecting.hours_per_contact` replace \
         the contact count, and `warm.conversion_multiplier` counts). Lower one of them, or raise the limit with --max-work {} if you mean it \
         (see \"Limits and work estimate\" in docs/model.md).",
        s.file,
        s.name,
        approx(w.person_months),
        approx(max_work),
        approx(w.recruits_per_person),
        // The levels actually simulated (at least the paid levels + 1, issue 12).
        mlm_sim::model::simulated_depth(s),
        approx(w.people_per_career()),
        levels.join(", "),
        approx(w.person_months_per_career),
        mlm_sim::fmt::thousands(s.careers as f64, 0),
        if w.person_months.is_finite() {
            format!("{:.0e}", (w.person_months * 1.5).max(1.0))
        } else {
            "<N>".to_string()
        },
    )
}

/// A large number readably: grouped digits below a million, scientific notation above.
pub fn approx(x: f64) -> String {
    if !x.is_finite() {
        "more than 10^308".to_string()
    } else if x < 1e6 {
        mlm_sim::fmt::thousands(x, if x < 10.0 { 1 } else { 0 })
    } else {
        format!("{x:.1e}")
    }
}

/// The run was stopped by a signal; carries what a user needs to know.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoppedBySignal {
    /// The signal number (SIGINT = 2, SIGTERM = 15).
    pub signal: i32,
    /// What was and was not written.
    pub message: String,
}

impl StoppedBySignal {
    /// The conventional exit status: 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM).
    pub fn exit_code(&self) -> u8 {
        (128 + self.signal).clamp(0, 255) as u8
    }
}

/// Route SIGINT (Ctrl-C) and SIGTERM to the cancel flag, once per process, so the engine stops
/// between cohorts and output staging folders are removed as the run unwinds. A repeat of the
/// signal within [`REPEAT_GRACE`] is the same request; a later one exits at once (128 +
/// signal), in case something hangs.
pub fn install_signal_handlers() -> Result<&'static AtomicBool> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    static INSTALLED: std::sync::OnceLock<std::result::Result<(), String>> =
        std::sync::OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            for sig in [SIGINT, SIGTERM] {
                // Order matters: the shutdown check must see the flag before this signal sets it.
                signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, &FORCE_EXIT)
                    .and_then(|_| {
                        signal_hook::flag::register_usize(sig, &STOP_SIGNAL, sig as usize)
                    })
                    .and_then(|_| signal_hook::flag::register(sig, &CANCEL))
                    .map_err(|e| format!("cannot install the handler for signal {sig}: {e}"))?;
            }
            // Arms the forced exit a grace period after the first signal. A thread, not the
            // handler, keeps the time: a signal handler may only touch atomics.
            std::thread::Builder::new()
                .name("signal-grace".into())
                .spawn(|| {
                    while !CANCEL.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    std::thread::sleep(REPEAT_GRACE);
                    FORCE_EXIT.store(true, Ordering::SeqCst);
                })
                .map_err(|e| format!("cannot start the signal thread: {e}"))?;
            Ok(())
        })
        .clone()
        .map_err(anyhow::Error::msg)?;
    Ok(&CANCEL)
}

/// Fail with the signal's exit status when a signal arrived, for commands without a
/// [`RunContext`] (`merge`).
pub fn stop_if_cancelled(cancel: &AtomicBool, what: &str, kept: &[PathBuf]) -> Result<()> {
    if cancel.load(Ordering::SeqCst) {
        return Err(interrupted(what, kept));
    }
    Ok(())
}

/// Tell the user (unless quiet) which staging leftovers of dead writers were removed.
pub fn report_cleaned(cleaned: &[PathBuf], quiet: bool) {
    if quiet {
        return;
    }
    for path in cleaned {
        eprint_safe(&format!(
            "note: removed {}, left behind by an mlm-sim run that was killed\n",
            display_path(path)
        ));
    }
}

/// Fault injection for the test suite: when the environment variable `MLM_SIM_PAUSE_AT` names
/// `stage`, say so on stderr and wait (at most a minute) for a signal, once per process, so a
/// test can deliver a signal exactly at that stage. Stages: `careers-csv`, `charts`, `merge`,
/// `commit`. Harmless when unset.
pub fn pause_point(stage: &str) {
    static PAUSED: AtomicBool = AtomicBool::new(false);
    if std::env::var_os("MLM_SIM_PAUSE_AT").is_none_or(|v| v != stage)
        || PAUSED.swap(true, Ordering::SeqCst)
    {
        return;
    }
    eprint_safe(&format!("mlm-sim: paused at {stage} (MLM_SIM_PAUSE_AT)\n"));
    let started = std::time::Instant::now();
    while !CANCEL.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The signal that stopped the run, and its name.
fn stop_signal() -> (i32, &'static str) {
    match STOP_SIGNAL.load(Ordering::SeqCst) as i32 {
        signal_hook::consts::SIGTERM => (signal_hook::consts::SIGTERM, "SIGTERM"),
        _ => (signal_hook::consts::SIGINT, "SIGINT (Ctrl-C)"),
    }
}

/// The error of a command stopped by a signal while doing `what` ("simulating \"Typical\""):
/// names the signal, says nothing of it was written, and lists the complete results `kept`.
pub fn interrupted(what: &str, kept: &[PathBuf]) -> anyhow::Error {
    let (signal, name) = stop_signal();
    let mut message = format!(
        "interrupted by {name} while {what}: its results were not written and any earlier \
         results in its folder are untouched"
    );
    if !kept.is_empty() {
        let paths: Vec<String> = kept.iter().map(|p| display_path(p)).collect();
        message.push_str(&format!(
            "; complete results of this run are in {}",
            paths.join(", ")
        ));
    }
    StoppedBySignal { signal, message }.into()
}

/// Turn an [`engine::Interrupted`] into a [`StoppedBySignal`] for `what`; other errors pass
/// through.
pub fn explain_interruption(err: anyhow::Error, what: &str, kept: &[PathBuf]) -> anyhow::Error {
    if err.downcast_ref::<engine::Interrupted>().is_none() {
        return err;
    }
    interrupted(what, kept)
}

/// A path as shown to the user.
pub fn display_path(p: &Path) -> String {
    p.display().to_string()
}

/// The exit status for `err`, after printing what the user needs: 128 + signal for a run
/// stopped by a signal, 1 for failed validation checks, 0 for a closed output pipe (as
/// ripgrep does), [`EXIT_IO_FAILURE`] for a runtime failure to write results or stdout,
/// [`EXIT_BAD_INPUT`] for everything else.
pub fn exit_code_for(err: &anyhow::Error) -> u8 {
    if let Some(stopped) = err.downcast_ref::<StoppedBySignal>() {
        eprint_safe(&format!("{stopped}\n"));
        return stopped.exit_code();
    }
    if err.downcast_ref::<engine::Interrupted>().is_some() {
        // Every command stops only through the signal handlers, so the signal is known.
        let (signal, name) = stop_signal();
        eprint_safe(&format!(
            "interrupted by {name}: no results were written; earlier results are untouched\n"
        ));
        return (128 + signal) as u8;
    }
    if let Some(failed) = err.downcast_ref::<mlm_sim::validate::ChecksFailed>() {
        eprint_safe(&format!("validation failed: {failed}\n"));
        return EXIT_CHECKS_FAILED;
    }
    if let Some(io) = err.downcast_ref::<std::io::Error>() {
        if io.kind() == std::io::ErrorKind::BrokenPipe {
            return 0;
        }
    }
    eprint_safe(&format!("error: {err:#}\n"));
    if err.downcast_ref::<WriteFailed>().is_some() {
        return EXIT_IO_FAILURE;
    }
    EXIT_BAD_INPUT
}

/// Write `text` to stderr, ignoring failure (`2>/dev/full`): there is nowhere left to report
/// it, and `eprintln!` would panic.
pub fn eprint_safe(text: &str) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// Write `text` to stdout. A closed pipe (`| head`) is not an error: the text is dropped, the
/// command goes on writing its results, and the exit status stays 0 (as ripgrep). Any other
/// failure (`> /dev/full`) is a [`WriteFailed`] naming standard output.
pub fn print_out(text: &str) -> Result<()> {
    use std::io::Write as _;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(mlm_sim::export::staging::write_failed(
            e,
            "cannot write to standard output (disk full?)".to_string(),
        )),
    }
}

/// Write `files` into the staging folder `out`, one by one, stopping with
/// [`engine::Interrupted`] as soon as a signal arrives: drawing and writing the charts of a
/// large study takes long enough that Ctrl-C must not wait for it. The `charts` pause point
/// sits before the first chart file.
pub fn write_staged<'a>(
    out: &mlm_sim::export::OutputDir,
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    cancel: &AtomicBool,
) -> Result<()> {
    for (name, bytes) in files {
        if name.ends_with(".png") || name.ends_with(".svg") {
            pause_point("charts");
        }
        if cancel.load(Ordering::SeqCst) {
            return Err(engine::Interrupted.into());
        }
        out.write(name, bytes)?;
    }
    Ok(())
}
