//! The error type of the linear-algebra layer.

/// Everything a linear-algebra call can report.
///
/// Messages name the operation and the offending values, e.g.
/// `mm: a is 4x2 but b is 3x5 (a.ncols must equal b.mrows)`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// One or more preconditions failed; all of them are listed.
    #[error("{op}: {}", .problems.join("; "))]
    Precondition {
        /// The operation, in the book's vocabulary (`mv`, `mm`, `axpy`, ...).
        op: &'static str,
        /// Every failed precondition, in words.
        problems: Vec<String>,
    },
    /// The arguments live on different factories (e.g. native-float and opencl-float).
    #[error("{op}: arguments come from different factories ({first} and {second}); move data with `transfer` first")]
    MixedFactories {
        /// The operation.
        op: &'static str,
        /// The factory of the first argument.
        first: String,
        /// The factory of the offending argument.
        second: String,
    },
    /// The backend does not implement this operation.
    #[error("{op} is not supported by the {backend} backend")]
    Unsupported {
        /// The backend's name (e.g. `native-float`).
        backend: String,
        /// The operation.
        op: &'static str,
    },
    /// The backend (a device, a driver, a native library) reported a failure.
    #[error("{backend}: {message}")]
    Backend {
        /// The backend's name.
        backend: String,
        /// What went wrong, as the backend reported it.
        message: String,
    },
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Collects failed preconditions of one operation and turns them into one [`Error`].
///
/// ```
/// use la_core::Check;
/// let mut c = Check::new("mm");
/// c.require(2 == 3, || "a is 4x2 but b is 3x5".to_string());
/// c.require(1 == 1, || "never reported".to_string());
/// let err = c.finish().unwrap_err();
/// assert_eq!(err.to_string(), "mm: a is 4x2 but b is 3x5");
/// ```
#[derive(Debug)]
pub struct Check {
    op: &'static str,
    problems: Vec<String>,
}

impl Check {
    /// Starts checking the preconditions of `op`.
    pub fn new(op: &'static str) -> Self {
        Check {
            op,
            problems: Vec::new(),
        }
    }

    /// Records `problem()` when `ok` is false.
    pub fn require(&mut self, ok: bool, problem: impl FnOnce() -> String) -> &mut Self {
        if !ok {
            self.problems.push(problem());
        }
        self
    }

    /// `Ok(())` when every precondition held, otherwise an [`Error::Precondition`] listing them all.
    pub fn finish(&mut self) -> Result<()> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Precondition {
                op: self.op,
                problems: std::mem::take(&mut self.problems),
            })
        }
    }
}
