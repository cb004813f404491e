//! The one safe writer every output path goes through (result folders and single files).
//!
//! Result folders are [`OutputDir`]; single files are [`OutputFile`] (the fitted scenario of
//! `calibrate` and its identification table).
//!
//! Why so much care: a simulation can run for hours, and its output path is typed by a person
//! (or a cluster job template). Writing must never destroy something that is not ours, never
//! leave a half-written result that looks finished, and never lose a complete result to a
//! second run writing to the same place. So:
//!
//! * **What may be replaced.** Only a folder we wrote (a real folder owned by the same user,
//!   empty or holding a result file such as `report.html` or `manifest.json`) or a regular file
//!   owned by the same user. Devices, FIFOs, sockets, symlinks (whose target is elsewhere) and
//!   anything that is an input of the same command are refused before any work.
//! * **Staging.** Files are written under a hidden name beside the final one,
//!   `.NAME.partial-PID-RANDOM`. The random part makes the name unique beyond the PID: in a
//!   container every run is PID 1, and a leftover of a killed run must not block the next one.
//! * **Leftovers.** Each staging folder has a lock file beside it (`….lock`, held with an
//!   advisory lock for the writer's life; a staging file is its own lock). The kernel releases
//!   the lock when the writer dies, however it dies, so a later writer can tell a dead
//!   writer's leftovers (lockable) from a live writer's (locked), and removes the dead ones.
//!   This is immune to PID reuse.
//! * **Concurrent writers.** Swapping the staging folder in takes two renames (the old folder
//!   aside, the new one in). Writers to the same folder do that under one short commit lock
//!   (`.NAME.commit.lock`, removed afterwards), so every writer finishes and the last complete
//!   result wins; nobody fails with "Directory not empty" after an hour of simulation.
//! * **Runtime failures** (disk full, a folder removed under us) carry [`WriteFailed`], so the
//!   command line can give them an exit status of their own, distinct from bad input.

mod locks;

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use locks::{
    entries_with_prefix, remove_dead_staging, same_file, same_owner, unique_suffix, CommitLock,
    HeldLock,
};

/// Files whose presence marks a folder as a result we wrote (a run's or study's report, a
/// shard's manifest); an existing folder holding none of them (and not empty) is not replaced.
pub const RESULT_MARKERS: [&str; 2] = ["report.html", "manifest.json"];

/// A failure while writing results (disk full, permissions changed, a folder removed under
/// us): a runtime I/O failure, not bad input. The message names the file.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WriteFailed(pub String);

/// Wrap `err` as a [`WriteFailed`] with `message`, keeping the cause in the chain.
pub fn write_failed(err: impl Into<anyhow::Error>, message: String) -> anyhow::Error {
    err.into().context(WriteFailed(message))
}

/// An input of the command that no output may overwrite (a scenario or targets file, a
/// partial-result folder). Compared by identity (device and inode) and by resolved path.
#[derive(Debug, Clone)]
pub struct Input {
    path: PathBuf,
    resolved: Option<PathBuf>,
    meta: Option<fs::Metadata>,
}

impl Input {
    /// Remember `path` (already read by the command) as an input.
    pub fn new(path: &Path) -> Input {
        Input {
            path: path.to_path_buf(),
            resolved: fs::canonicalize(path).ok(),
            meta: fs::metadata(path).ok(),
        }
    }

    /// Inputs for every path of `paths`.
    pub fn all(paths: &[PathBuf]) -> Vec<Input> {
        paths.iter().map(|p| Input::new(p)).collect()
    }

    /// Whether `target` (an existing path) is this input, or a folder holding it.
    fn is_inside(&self, target: &Path) -> bool {
        if let (Some(a), Ok(b)) = (&self.meta, fs::metadata(target)) {
            if same_file(a, &b) {
                return true;
            }
        }
        match (&self.resolved, fs::canonicalize(target)) {
            (Some(input), Ok(target)) => input.starts_with(target),
            _ => false,
        }
    }
}

/// A result folder being written: files go to a staging folder until [`OutputDir::commit`].
#[derive(Debug)]
pub struct OutputDir {
    final_dir: PathBuf,
    staging: PathBuf,
    lock: HeldLock,
    cleaned: Vec<PathBuf>,
    committed: bool,
}

impl OutputDir {
    /// Prepare `final_dir` for writing (see [`OutputDir::create_guarded`]) when the command has
    /// no inputs that could lie inside it.
    pub fn create(final_dir: &Path) -> Result<OutputDir> {
        OutputDir::create_guarded(final_dir, &[])
    }

    /// Prepare `final_dir` for writing. Fails at once (before any simulation) when the parent
    /// cannot be created or written, when `final_dir` exists and is anything but a result
    /// folder of ours, or when it holds one of `inputs`. Removes staging leftovers of dead
    /// writers to the same folder (listed by [`OutputDir::cleaned`]).
    pub fn create_guarded(final_dir: &Path, inputs: &[Input]) -> Result<OutputDir> {
        let (parent, name) = split(final_dir);
        fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create the output folder {}", parent.display()))?;
        let cleaned = remove_dead_staging(&parent, &name);
        let (lock, staging) = loop {
            let suffix = unique_suffix();
            let lock_path = parent.join(format!(".{name}.partial-{suffix}.lock"));
            let Some(lock) = HeldLock::create_new(&lock_path).with_context(|| {
                format!("cannot write to the output folder {}", parent.display())
            })?
            else {
                continue;
            };
            let staging = parent.join(format!(".{name}.partial-{suffix}"));
            match fs::create_dir(&staging) {
                Ok(()) => break (lock, staging),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("cannot write to the output folder {}", parent.display())
                    })
                }
            }
        };
        let out = OutputDir {
            final_dir: final_dir.to_path_buf(),
            staging,
            lock,
            cleaned,
            committed: false,
        };
        // Checked with the staging folder in place: it tells us which user we write as.
        check_replaceable_dir(final_dir, &out.staging, inputs)?;
        Ok(out)
    }

    /// The folder results will be in once committed.
    pub fn final_path(&self) -> &Path {
        &self.final_dir
    }

    /// The staging folder (for writers that stream into a file).
    pub fn staging_path(&self) -> &Path {
        &self.staging
    }

    /// Staging leftovers of dead writers that were removed while preparing this folder.
    pub fn cleaned(&self) -> &[PathBuf] {
        &self.cleaned
    }

    /// Write one complete file into the staging folder.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        fs::write(self.staging.join(name), bytes).map_err(|e| {
            write_failed(
                e,
                format!(
                    "cannot write {} (disk full or no permission?)",
                    self.final_dir.join(name).display()
                ),
            )
        })
    }

    /// Swap the staging folder in for the final folder, under the commit lock of the folder
    /// (see the module documentation), and return the final folder.
    pub fn commit(mut self) -> Result<PathBuf> {
        let (parent, name) = split(&self.final_dir);
        let fail = |e: io::Error, what: &str| {
            write_failed(e, format!("{what} {}", self.final_dir.display()))
        };
        let commit_lock = CommitLock::acquire(&parent.join(format!(".{name}.commit.lock")))
            .map_err(|e| fail(e, "cannot lock"))?;
        // Under the commit lock, an `.old` folder is a leftover of a writer killed mid-swap.
        for stale in entries_with_prefix(&parent, &format!(".{name}.old-")) {
            if fs::remove_dir_all(&stale).is_ok() {
                self.cleaned.push(stale);
            }
        }
        let old = parent.join(format!(".{name}.old-{}", unique_suffix()));
        let had_old = fs::symlink_metadata(&self.final_dir).is_ok();
        if had_old {
            // The folder may have changed since `create`: check again right before replacing.
            check_replaceable_dir(&self.final_dir, &self.staging, &[])?;
            fs::rename(&self.final_dir, &old)
                .map_err(|e| fail(e, "cannot replace the old results in"))?;
        }
        if let Err(e) = fs::rename(&self.staging, &self.final_dir) {
            if had_old {
                let _ = fs::rename(&old, &self.final_dir);
            }
            return Err(fail(e, "cannot move results into"));
        }
        self.committed = true;
        if had_old {
            let _ = fs::remove_dir_all(&old);
        }
        drop(commit_lock);
        self.lock.release();
        Ok(self.final_dir.clone())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
            self.lock.release();
        }
    }
}

/// A single output file (the fitted scenario of `calibrate`): checked before any work,
/// written to a locked staging file beside it and renamed into place.
#[derive(Debug)]
pub struct OutputFile {
    path: PathBuf,
    inputs: Vec<Input>,
    cleaned: Vec<PathBuf>,
}

impl OutputFile {
    /// Check that `path` may be written: absent, or a regular file of ours that is none of
    /// `inputs`. Creates its parent folder and removes staging leftovers of dead writers.
    pub fn prepare(path: &Path, inputs: &[Input]) -> Result<OutputFile> {
        let (parent, name) = split(path);
        fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create the folder {}", parent.display()))?;
        let cleaned = remove_dead_staging(&parent, &name);
        let out = OutputFile {
            path: path.to_path_buf(),
            inputs: inputs.to_vec(),
            cleaned,
        };
        // A probe staging file tells us which user we write as and that the folder is writable.
        let staging = out.new_staging()?;
        let checked = check_replaceable_file(&out.path, &staging.path, &out.inputs);
        staging.discard();
        checked?;
        Ok(out)
    }

    /// Staging leftovers of dead writers that were removed while preparing.
    pub fn cleaned(&self) -> &[PathBuf] {
        &self.cleaned
    }

    /// Write `bytes` to the file in one atomic step (checking the path again first: it may
    /// have changed during a long computation).
    pub fn commit(self, bytes: &[u8]) -> Result<PathBuf> {
        let mut staging = self.new_staging()?;
        if let Err(e) = check_replaceable_file(&self.path, &staging.path, &self.inputs) {
            staging.discard();
            return Err(e);
        }
        let shown = self.path.display().to_string();
        let written = staging
            .file
            .write_all(bytes)
            .and_then(|()| staging.file.sync_all())
            .and_then(|()| fs::rename(&staging.path, &self.path));
        if let Err(e) = written {
            staging.discard();
            return Err(write_failed(
                e,
                format!("cannot write {shown} (disk full or no permission?)"),
            ));
        }
        Ok(self.path)
    }

    fn new_staging(&self) -> Result<StagingFile> {
        let (parent, name) = split(&self.path);
        loop {
            let path = parent.join(format!(".{name}.partial-{}", unique_suffix()));
            match HeldLock::create_new(&path) {
                Ok(Some(lock)) => {
                    return Ok(StagingFile {
                        file: lock.file.try_clone().map_err(|e| {
                            write_failed(e, format!("cannot write {}", path.display()))
                        })?,
                        path,
                        _lock: lock,
                    })
                }
                Ok(None) => continue,
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("cannot write to the folder {}", parent.display())
                    })
                }
            }
        }
    }
}

/// A staging file that is its own lock.
struct StagingFile {
    path: PathBuf,
    file: File,
    _lock: HeldLock,
}

impl StagingFile {
    fn discard(self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// What kind of thing `meta` describes, for messages.
fn kind_of(meta: &fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a folder"
    } else if t.is_file() {
        "a file"
    } else {
        "not a regular file or folder"
    }
}

/// Refuse to replace `dir` unless it is absent or a result folder of ours holding no input.
/// `ours` is something we just created (its owner is the user we write as).
fn check_replaceable_dir(dir: &Path, ours: &Path, inputs: &[Input]) -> Result<()> {
    let shown = dir.display();
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot inspect {shown}")),
    };
    if !meta.is_dir() {
        bail!(
            "refusing to write results to {shown}: it is {}, not a folder, and only a result \
             folder written by mlm-sim is replaced; choose another --out",
            kind_of(&meta)
        );
    }
    if let Some(input) = inputs.iter().find(|i| i.is_inside(dir)) {
        bail!(
            "refusing to write results to {shown}: it holds {}, an input of this command, which \
             the new results would replace; choose another --out",
            input.path.display()
        );
    }
    if let Ok(ours) = fs::symlink_metadata(ours) {
        if !same_owner(&meta, &ours) {
            bail!("refusing to replace {shown}: it belongs to another user; choose another --out");
        }
    }
    let mut entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        // Another writer to the same folder is swapping its result in at this instant (old
        // folder moved aside, new one not yet in place): there is nothing of the user's to
        // protect, and the commit re-checks under the commit lock.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {shown}")),
    };
    let empty = entries.next().is_none();
    let marked = RESULT_MARKERS
        .iter()
        .any(|m| fs::symlink_metadata(dir.join(m)).is_ok_and(|m| m.is_file()));
    // Gone since it was listed: a concurrent writer moved it aside mid-swap (see above).
    if !empty && !marked && fs::symlink_metadata(dir).is_ok() {
        bail!(
            "refusing to replace {shown}: it exists and is not a result folder written by \
             mlm-sim (it holds no {}), so replacing it could destroy your files; choose another \
             --out or remove it",
            RESULT_MARKERS.join(" or ")
        );
    }
    Ok(())
}

/// Refuse to replace `path` unless it is absent or a regular file of ours that is no input.
fn check_replaceable_file(path: &Path, ours: &Path, inputs: &[Input]) -> Result<()> {
    let shown = path.display();
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot inspect {shown}")),
    };
    if !meta.is_file() {
        bail!(
            "refusing to write {shown}: it is {}, and only a regular file is replaced; choose \
             another --out",
            kind_of(&meta)
        );
    }
    if let Some(input) = inputs.iter().find(|i| i.is_inside(path)) {
        bail!(
            "refusing to write {shown}: it is {}, an input of this command; choose another --out",
            input.path.display()
        );
    }
    if let Ok(ours) = fs::symlink_metadata(ours) {
        if !same_owner(&meta, &ours) {
            bail!("refusing to replace {shown}: it belongs to another user; choose another --out");
        }
    }
    Ok(())
}

/// The parent folder of `path` ("." when none) and its last component.
fn split(path: &Path) -> (PathBuf, String) {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "result".into());
    (parent, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_output_leaves_nothing_and_commit_replaces_whole_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("res");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("report.html"), b"old").unwrap();
        fs::write(target.join("stale.txt"), b"old").unwrap();
        {
            let out = OutputDir::create(&target).unwrap();
            out.write("a.txt", b"new").unwrap();
            // dropped without commit
        }
        assert!(target.join("stale.txt").exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
        let out = OutputDir::create(&target).unwrap();
        out.write("a.txt", b"new").unwrap();
        out.commit().unwrap();
        assert!(!target.join("stale.txt").exists());
        assert_eq!(fs::read(target.join("a.txt")).unwrap(), b"new");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_folder_that_is_not_a_result_is_never_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("thesis");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("chapter1.tex"), b"years of work").unwrap();
        let err = OutputDir::create(&target).unwrap_err().to_string();
        assert!(err.contains("not a result folder"), "{err}");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_folder_holding_an_input_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("res");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("report.html"), b"old").unwrap();
        fs::write(target.join("s.toml"), b"x").unwrap();
        let inputs = Input::all(&[target.join("s.toml")]);
        let err = OutputDir::create_guarded(&target, &inputs)
            .unwrap_err()
            .to_string();
        assert!(err.contains("an input of this command"), "{err}");
    }

    #[test]
    fn leftovers_of_dead_writers_are_removed_and_live_ones_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("res");
        // A dead writer: its lock file exists but nobody holds it.
        let dead = tmp.path().join(".res.partial-1-00");
        fs::create_dir(&dead).unwrap();
        fs::write(tmp.path().join(".res.partial-1-00.lock"), b"").unwrap();
        // An old-style leftover with a PID only.
        fs::create_dir(tmp.path().join(".res.partial-1")).unwrap();
        // A live writer (this process).
        let live = OutputDir::create(&target).unwrap();
        let out = OutputDir::create(&target).unwrap();
        assert_eq!(out.cleaned().len(), 0, "already cleaned by the first");
        assert_eq!(live.cleaned().len(), 2, "{:?}", live.cleaned());
        assert!(!dead.exists());
        assert!(live.staging_path().exists() && out.staging_path().exists());
        out.write("report.html", b"b").unwrap();
        live.write("report.html", b"a").unwrap();
        out.commit().unwrap();
        live.commit().unwrap();
        assert_eq!(fs::read(target.join("report.html")).unwrap(), b"a");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn output_file_refuses_inputs_folders_and_symlinks_and_writes_atomically() {
        let tmp = tempfile::tempdir().unwrap();
        let input = tmp.path().join("targets.toml");
        fs::write(&input, b"targets").unwrap();
        let inputs = Input::all(std::slice::from_ref(&input));
        let err = OutputFile::prepare(&input, &inputs)
            .unwrap_err()
            .to_string();
        assert!(err.contains("an input of this command"), "{err}");
        let err = OutputFile::prepare(tmp.path(), &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("a folder"), "{err}");
        #[cfg(unix)]
        {
            let link = tmp.path().join("link.toml");
            std::os::unix::fs::symlink(&input, &link).unwrap();
            let err = OutputFile::prepare(&link, &[]).unwrap_err().to_string();
            assert!(err.contains("symbolic link"), "{err}");
        }
        let out = tmp.path().join("fitted.toml");
        OutputFile::prepare(&out, &inputs)
            .unwrap()
            .commit(b"fitted")
            .unwrap();
        assert_eq!(fs::read(&out).unwrap(), b"fitted");
        assert_eq!(fs::read(&input).unwrap(), b"targets");
        let names: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }
}
