//! The crate's error type.

use std::path::PathBuf;

/// What can go wrong while training, evaluating, saving or loading.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A linear-algebra precondition or backend failure (shapes, factories, ...).
    #[error(transparent)]
    La(#[from] la_core::Error),
    /// Reading or writing a file failed.
    #[error("{op}: {path}: {source}")]
    Io {
        /// The operation (`save`, `load`).
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A parameter file is corrupt or does not match the network.
    #[error("{op}: {path}: {message}")]
    Format {
        /// The operation (`load`).
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// A precondition error in la-core's style: the user's call `op` and the list of
/// what is wrong with its arguments.
pub fn precondition(op: &'static str, problems: Vec<String>) -> Error {
    Error::La(la_core::Error::Precondition { op, problems })
}
