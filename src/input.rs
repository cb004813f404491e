//! Bounded reads of input files: every file mlm-sim reads (scenarios, targets, a shard's
//! manifest, tally and scenario copy) goes through [`read_capped`].
//!
//! Why: `fs::read_to_string` reads until the end, and some paths have none. `/dev/zero` would
//! fill the memory, a FIFO nobody writes to blocks forever, and a 50 MB "scenario" is a
//! mistake, not a scenario. So only regular files are read, and at most a cap per kind of
//! file; both refusals name the file and the limit (docs/limits.md lists the caps).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// Largest scenario or targets file (the shipped ones are under 10 KiB).
pub const MAX_SCENARIO_BYTES: u64 = 1024 * 1024;

/// Largest `manifest.json` of a partial result.
pub const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

/// Largest `tally.json` of a partial result: its size grows with `cohort_size` (one counter
/// per possible failure count, at most 1,000,001 of 20 digits) and `months`.
pub const MAX_TALLY_BYTES: u64 = 64 * 1024 * 1024;

/// Read the regular file at `path`, refusing anything else (a FIFO, a device, a folder) and
/// anything larger than `cap` bytes. `what` names the file in messages ("scenario").
pub fn read_capped(path: &Path, cap: u64, what: &str) -> Result<Vec<u8>> {
    let shown = path.display();
    // Opening a FIFO blocks until a writer comes, so look at the type first.
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read the file {shown} ({what})"))?;
    if !meta.is_file() {
        bail!(
            "cannot read the {what} {shown}: it is not a regular file (a folder, device or \
             FIFO); give the path of a file"
        );
    }
    if meta.len() > cap {
        bail!(
            "the {what} {shown} is {} bytes, more than the {cap} bytes allowed (docs/limits.md)",
            meta.len()
        );
    }
    let file =
        File::open(path).with_context(|| format!("cannot read the file {shown} ({what})"))?;
    let mut bytes = Vec::new();
    // The file may grow after the check: read one byte past the cap to notice.
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read the file {shown} ({what})"))?;
    if bytes.len() as u64 > cap {
        bail!("the {what} {shown} is more than the {cap} bytes allowed (docs/limits.md)");
    }
    Ok(bytes)
}

/// [`read_capped`] as UTF-8 text.
pub fn read_text_capped(path: &Path, cap: u64, what: &str) -> Result<String> {
    let bytes = read_capped(path, cap, what)?;
    String::from_utf8(bytes)
        .map_err(|e| anyhow::anyhow!("the {what} {} is not UTF-8 text: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_folders_and_large_files_are_refused_and_small_files_read() {
        let tmp = tempfile::tempdir().unwrap();
        let small = tmp.path().join("s.toml");
        std::fs::write(&small, b"name = \"x\"\n").unwrap();
        assert_eq!(
            read_text_capped(&small, 100, "scenario").unwrap(),
            "name = \"x\"\n"
        );
        let err = read_capped(&small, 4, "scenario").unwrap_err().to_string();
        assert!(err.contains("more than the 4 bytes"), "{err}");
        let err = read_capped(tmp.path(), 100, "scenario")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a regular file"), "{err}");
        #[cfg(unix)]
        {
            let err = read_capped(Path::new("/dev/zero"), 100, "scenario")
                .unwrap_err()
                .to_string();
            assert!(err.contains("not a regular file"), "{err}");
        }
    }
}
