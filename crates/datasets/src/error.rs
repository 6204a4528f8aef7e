//! Typed errors: every one names the file and, where it applies, the line or byte offset.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a file a problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Location {
    /// The file as a whole (its size, its gzip stream).
    File,
    /// A byte offset into the (decompressed) contents.
    Offset(u64),
    /// A 1-based line number of a text file.
    Line(u64),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File => Ok(()),
            Location::Offset(o) => write!(f, " at byte {o}"),
            Location::Line(l) => write!(f, " line {l}"),
        }
    }
}

/// What can go wrong loading a dataset.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A dataset file is not there; the message names the command that fetches it.
    #[error("{path}: not found; run `cargo xtask fetch-datasets {dataset}` (or set DLFP_DATASETS to the folder that holds `{dataset}/`)")]
    Missing {
        /// The file looked for.
        path: PathBuf,
        /// The dataset's name for `cargo xtask fetch-datasets`.
        dataset: &'static str,
    },
    /// Reading the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The contents are not what the format says: truncated gzip, wrong IDX magic or
    /// dimensions, count mismatches, malformed CSV rows.
    #[error("{path}{location}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// Where in it.
        location: Location,
        /// What is wrong, with the offending values.
        message: String,
    },
    /// A catalogued dataset file's contents differ from the published file (a changed
    /// pixel, label, letter or row); see [`crate::Verify`].
    #[error("{path}: the contents differ from the published {dataset} file (SHA-256 {actual}, expected {expected}); restore it with `cargo xtask fetch-datasets {dataset}`, or, if you changed it on purpose, load it with `Verify::Skip` (or DLFP_DATASETS_VERIFY=0)")]
    Checksum {
        /// The file.
        path: PathBuf,
        /// The dataset's name for `cargo xtask fetch-datasets`.
        dataset: &'static str,
        /// The catalogue's SHA-256 of the decompressed contents.
        expected: &'static str,
        /// The SHA-256 of what was read.
        actual: String,
    },
    /// An argument out of range (a split fraction, a vocabulary size, a column index).
    #[error("{op}: {message}")]
    Invalid {
        /// The operation.
        op: &'static str,
        /// What is wrong, with the offending values.
        message: String,
    },
    /// Creating the matrix on a factory failed.
    #[error(transparent)]
    La(#[from] la_core::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn format_error(path: &Path, location: Location, message: impl Into<String>) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        location,
        message: message.into(),
    }
}

/// Wraps an I/O error on `path` (for `map_err`).
pub(crate) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub(crate) fn invalid(op: &'static str, message: impl Into<String>) -> Error {
    Error::Invalid {
        op,
        message: message.into(),
    }
}

/// Reads a whole file, decompressing it when it starts with the gzip magic. A missing
/// file is [`Error::Missing`] naming `dataset`; a truncated or corrupt gzip stream is
/// [`Error::Format`].
pub fn read_maybe_gz(path: &Path, dataset: &'static str) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::Missing {
                path: path.to_path_buf(),
                dataset,
            }
        } else {
            io_error(path)(source)
        }
    })?;
    gunzip_if_gz(path, raw)
}

/// Decompresses `raw` when it starts with the gzip magic `1f 8b`, else returns it.
pub(crate) fn gunzip_if_gz(path: &Path, raw: Vec<u8>) -> Result<Vec<u8>> {
    use std::io::Read;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok(raw);
    }
    let mut out = Vec::with_capacity(raw.len() * 3);
    let mut dec = flate2::read::MultiGzDecoder::new(&raw[..]);
    dec.read_to_end(&mut out).map_err(|e| {
        format_error(
            path,
            Location::Offset(out.len() as u64),
            format!(
                "truncated or corrupt gzip stream ({e}) after {} decompressed bytes",
                out.len()
            ),
        )
    })?;
    Ok(out)
}
