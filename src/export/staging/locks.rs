//! The locks behind the safe writer: a lock file per staging folder (held for the writer's
//! life, so a dead writer's leftovers are recognisable whatever its PID), the commit lock that
//! serialises swaps into one folder, and the clean-up of dead writers' leftovers.

use std::collections::hash_map::RandomState;
use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// A staging folder without a lock file (from an older mlm-sim, or a cleaner that died) is
/// only removed once it is this old, in case its writer is between creating it and locking.
const UNLOCKED_LEFTOVER_AGE: Duration = Duration::from_secs(60);

/// A lock file we created and hold an exclusive advisory lock on.
#[derive(Debug)]
pub(super) struct HeldLock {
    path: PathBuf,
    pub(super) file: File,
    released: bool,
}

impl HeldLock {
    /// Create `path` (which must not exist) and lock it. `None` when the name was taken or a
    /// cleaner removed the file between our creating and locking it: try another name.
    pub(super) fn create_new(path: &Path) -> io::Result<Option<HeldLock>> {
        let file = match OpenOptions::new().write(true).create_new(true).open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(None),
            Err(e) => return Err(e),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Ok(None),
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
        // A cleaner may have taken the file for a dead writer's before we locked it.
        if !still_names(path, &file) {
            return Ok(None);
        }
        Ok(Some(HeldLock {
            path: path.to_path_buf(),
            file,
            released: false,
        }))
    }

    /// Remove the lock file (the lock itself goes with the handle).
    pub(super) fn release(&mut self) {
        if !self.released {
            let _ = fs::remove_file(&self.path);
            self.released = true;
        }
    }
}

/// The lock that serialises the swap of writers to one folder; the file is removed on drop.
pub(super) struct CommitLock {
    path: PathBuf,
    _file: File,
}

impl CommitLock {
    /// Wait for the lock (held by others only for two renames and a clean-up).
    pub(super) fn acquire(path: &Path) -> io::Result<CommitLock> {
        loop {
            let file = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)?;
            file.lock()?;
            // The previous holder removes the file on release: lock the file the name holds.
            if still_names(path, &file) {
                return Ok(CommitLock {
                    path: path.to_path_buf(),
                    _file: file,
                });
            }
        }
    }
}

impl Drop for CommitLock {
    fn drop(&mut self) {
        // Removed while still held, so a waiter that locked this file sees it is gone.
        let _ = fs::remove_file(&self.path);
    }
}

/// Whether `path` still names the open `file`.
pub(super) fn still_names(path: &Path, file: &File) -> bool {
    match (fs::metadata(path), file.metadata()) {
        (Ok(a), Ok(b)) => same_file(&a, &b),
        _ => false,
    }
}

#[cfg(unix)]
pub(super) fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
pub(super) fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    a.len() == b.len() && a.modified().ok() == b.modified().ok() && a.file_type() == b.file_type()
}

#[cfg(unix)]
pub(super) fn same_owner(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.uid() == b.uid()
}

#[cfg(not(unix))]
pub(super) fn same_owner(_: &fs::Metadata, _: &fs::Metadata) -> bool {
    true
}

/// `PID-RANDOM`: unique beyond the PID (two containers both run as PID 1).
pub(super) fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(t) = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    format!("{}-{:016x}", std::process::id(), h.finish())
}

/// Paths in `dir` whose name starts with `prefix`.
pub(super) fn entries_with_prefix(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// Remove the staging leftovers of dead writers of `name` in `parent` and return them: a
/// lock file nobody holds (and its staging folder), a staging file nobody holds, and an
/// old-style or lock-less staging folder older than [`UNLOCKED_LEFTOVER_AGE`].
pub(super) fn remove_dead_staging(parent: &Path, name: &str) -> Vec<PathBuf> {
    let mut cleaned = Vec::new();
    let candidates = entries_with_prefix(parent, &format!(".{name}.partial-"));
    for path in &candidates {
        let Ok(meta) = fs::symlink_metadata(path) else {
            continue;
        };
        if meta.is_file() {
            // A lock file (of a staging folder) or a staging file: dead when lockable.
            let Ok(file) = OpenOptions::new().write(true).open(path) else {
                continue;
            };
            if file.try_lock().is_err() || !still_names(path, &file) {
                continue;
            }
            if let Some(dir) = path
                .to_str()
                .and_then(|p| p.strip_suffix(".lock"))
                .map(PathBuf::from)
            {
                if fs::remove_dir_all(&dir).is_ok() {
                    cleaned.push(dir);
                }
            } else {
                cleaned.push(path.clone());
            }
            let _ = fs::remove_file(path);
        } else if meta.is_dir() {
            let lock = PathBuf::from(format!("{}.lock", path.display()));
            let old_enough = meta
                .modified()
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|age| age >= UNLOCKED_LEFTOVER_AGE);
            if !lock.exists()
                && (old_enough || is_old_style(path))
                && fs::remove_dir_all(path).is_ok()
            {
                cleaned.push(path.clone());
            }
        }
    }
    cleaned
}

/// `.NAME.partial-PID` (mlm-sim before staging names had a random part): never live once
/// this version runs, whatever its age.
fn is_old_style(path: &Path) -> bool {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .and_then(|n| n.rsplit_once("partial-").map(|(_, pid)| pid.to_string()))
        .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}
