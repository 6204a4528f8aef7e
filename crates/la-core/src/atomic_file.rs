//! Atomic file writes: a file is either its old bytes or its new bytes, never a torn
//! mix, whatever happens during the write (a full disk, a crash, a killed process).
//! Every file dlfp's libraries write (models, checkpoints, vocabularies, reports)
//! goes through [`write_atomic`].
//!
//! The bytes go to a temporary file in the target's folder, which is flushed and
//! `fsync`ed, then renamed over the target (an atomic replacement on POSIX file
//! systems), and the folder is `fsync`ed so the rename itself survives a power loss.
//! On any error the target is untouched and the temporary file is removed.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("dlfp-atomic-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("model.bin");
//! la_core::atomic_file::write_atomic(&path, b"first")?;
//! // a write that fails half-way leaves the old file as it was
//! let failed = la_core::atomic_file::write_atomic_with(&path, |w| {
//!     w.write_all(b"sec")?;
//!     Err(std::io::Error::other("disk full"))
//! });
//! assert!(failed.unwrap_err().to_string().contains("disk full"));
//! assert_eq!(std::fs::read(&path)?, b"first");
//! assert_eq!(std::fs::read_dir(&dir)?.count(), 1); // no temporary file left
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Replaces the file at `path` with `bytes`, atomically (see the [module](self) docs).
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Replaces the file at `path` with what `write` writes, atomically: when `write` or
/// anything after it fails, the old file (if any) keeps its bytes and the temporary
/// file is removed. The error carries the cause as the system reports it (e.g. "No
/// space left on device"); callers add the path.
pub fn write_atomic_with(
    path: impl AsRef<Path>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let path = path.as_ref();
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path names no file (it ends in `..` or is a root)",
        )
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(temporary_name(name));
    let result = write_and_rename(&tmp, path, write).and_then(|()| sync_dir(&dir));
    if result.is_err() {
        // Gone already when the rename happened; otherwise it holds a partial write.
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// `.{name}.tmp-{pid}-{n}`: hidden, unique within this process and among processes.
fn temporary_name(name: &std::ffi::OsStr) -> std::ffi::OsString {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let mut tmp = std::ffi::OsString::from(".");
    tmp.push(name);
    tmp.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    tmp
}

fn write_and_rename(
    tmp: &Path,
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let file = OpenOptions::new().write(true).create_new(true).open(tmp)?;
    let mut w = BufWriter::new(file);
    write(&mut w)?;
    let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.sync_all()?;
    drop(file);
    fs::rename(tmp, path)
}

/// `fsync`s the folder so the rename is durable. File systems that cannot sync a
/// folder (they answer "invalid argument" or "unsupported") are not an error: the
/// rename is atomic there all the same.
fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir).and_then(|d| d.sync_all()) {
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
            ) || e.raw_os_error() == Some(22) =>
        {
            Ok(())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "dlfp-atomic-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A writer fault after `n` bytes, as a full disk gives it.
    fn fails_after(n: usize, bytes: &[u8]) -> impl FnOnce(&mut dyn Write) -> io::Result<()> + '_ {
        move |w| {
            w.write_all(&bytes[..n])?;
            w.flush()?;
            Err(io::Error::from_raw_os_error(28))
        }
    }

    #[test]
    fn a_fault_at_every_byte_leaves_the_old_file_byte_identical() {
        let dir = scratch("fault");
        let path = dir.join("net.safetensors");
        let old: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        write_atomic(&path, &old).unwrap();
        let new = vec![7u8; 20_000];
        for n in [0, 1, 4095, 4096, 8193, 19_999] {
            let e = write_atomic_with(&path, fails_after(n, &new)).unwrap_err();
            assert_eq!(e.raw_os_error(), Some(28));
            assert!(e.to_string().contains("No space left on device"), "{e}");
            assert_eq!(fs::read(&path).unwrap(), old, "after a fault at byte {n}");
            let names: Vec<_> = fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(names, ["net.safetensors"], "a temporary file was left");
        }
        write_atomic(&path, &new).unwrap();
        assert_eq!(fs::read(&path).unwrap(), new);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_new_file_that_fails_leaves_nothing() {
        let dir = scratch("new");
        let path = dir.join("vocabulary.txt");
        assert!(write_atomic_with(&path, fails_after(3, b"abcdef")).is_err());
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_folder_or_no_file_name_is_an_error() {
        let dir = scratch("missing");
        let e = write_atomic(dir.join("no/such/folder/x"), b"1").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        let e = write_atomic(Path::new("/"), b"1").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_relative_path_writes_in_the_current_folder() {
        let name = format!("dlfp-atomic-relative-{}.txt", std::process::id());
        write_atomic(&name, b"here").unwrap();
        assert_eq!(fs::read(&name).unwrap(), b"here");
        fs::remove_file(&name).unwrap();
    }
}
