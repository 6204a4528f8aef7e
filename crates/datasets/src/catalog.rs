//! The catalogue of the book's dataset files and the SHA-256 of their contents, checked
//! by the dataset loaders ([`crate::mnist`], [`crate::fashion_mnist`], [`crate::imdb`],
//! [`crate::boston`]) unless the caller opts out with [`Verify::Skip`].
//!
//! The sums are of the *decompressed* contents, so a file verifies whether it is stored
//! gzipped (as published) or raw (as a user may have unpacked it). They were taken from
//! the published files (`../shared/datasets/SHA256SUMS`, the MNIST and Fashion-MNIST
//! download pages, scikit-learn 1.1.3's Boston CSV).

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Whether a dataset loader checks the files against the catalogue's SHA-256 sums.
///
/// The check costs one SHA-256 pass over the decompressed bytes: on this project's
/// 2-core machine MNIST loads in 280 ms checked against 245 ms unchecked, IMDB in
/// 344 against 306 ms (`cargo run --release -p datasets --example verify_cost`). Skip
/// it for files you changed on purpose; the parsers still reject malformed contents.
///
/// ```
/// use datasets::Verify;
/// // Loaders use `Verify::from_env()`: checksums unless DLFP_DATASETS_VERIFY=0.
/// assert_eq!(Verify::default(), Verify::from_env());
/// let dir = std::path::Path::new("my-own-mnist");
/// let err = datasets::mnist_with(dir, Verify::Skip).unwrap_err(); // not there
/// assert!(err.to_string().contains("fetch-datasets mnist"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verify {
    /// Compare each catalogued file's contents with its published SHA-256.
    Checksums,
    /// Load the files as they are (your own, modified copies).
    Skip,
}

impl Verify {
    /// `Skip` when the environment variable `DLFP_DATASETS_VERIFY` is `0`, `false`
    /// or `no`; `Checksums` otherwise.
    pub fn from_env() -> Verify {
        match std::env::var("DLFP_DATASETS_VERIFY").as_deref() {
            Ok("0" | "false" | "no") => Verify::Skip,
            _ => Verify::Checksums,
        }
    }
}

impl Default for Verify {
    /// [`Verify::from_env`].
    fn default() -> Self {
        Verify::from_env()
    }
}

/// (dataset, file name without `.gz`, SHA-256 of the decompressed contents).
const SUMS: &[(&str, &str, &str)] = &[
    (
        "mnist",
        "train-images-idx3-ubyte",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    (
        "mnist",
        "train-labels-idx1-ubyte",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    (
        "mnist",
        "t10k-images-idx3-ubyte",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    (
        "mnist",
        "t10k-labels-idx1-ubyte",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
    (
        "fashion-mnist",
        "train-images-idx3-ubyte",
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ),
    (
        "fashion-mnist",
        "train-labels-idx1-ubyte",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ),
    (
        "fashion-mnist",
        "t10k-images-idx3-ubyte",
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    ),
    (
        "fashion-mnist",
        "t10k-labels-idx1-ubyte",
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    ),
    (
        "imdb",
        "imdb_labelled_50k.csv",
        "598a2baeb303ecb3b2ab60ea6464b6a9f32c48b0738ca1b768bffc4a1e1cac84",
    ),
    (
        "boston",
        "boston_house_prices.csv",
        "d98212636026544fc9b9c0f372e5f819872e6fa6fa757ab025efdda22180f2d6",
    ),
    (
        "boston",
        "boston.csv",
        "fd6aae7c42ed5998b4157a6149aa35d47c60fc0664c5bcfea5f3df4f423376cc",
    ),
];

/// The catalogued SHA-256 of `dataset`'s file `path` (by its name, `.gz` or not).
pub(crate) fn expected_sum(dataset: &str, path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    let name = name.strip_suffix(".gz").unwrap_or(name);
    SUMS.iter()
        .find(|(d, n, _)| *d == dataset && *n == name)
        .map(|(_, _, sum)| *sum)
}

/// Lower-case hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks the decompressed `contents` of `path` against the catalogue when `verify`
/// asks for it. Files the catalogue does not list pass.
pub(crate) fn check(
    dataset: &'static str,
    path: &Path,
    contents: &[u8],
    verify: Verify,
) -> Result<()> {
    if verify == Verify::Skip {
        return Ok(());
    }
    let Some(expected) = expected_sum(dataset, path) else {
        return Ok(());
    };
    let actual = sha256_hex(contents);
    if actual == expected {
        Ok(())
    } else {
        Err(Error::Checksum {
            path: path.to_path_buf(),
            dataset,
            expected,
            actual,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_with_or_without_gz() {
        let gz = expected_sum("mnist", Path::new("d/train-images-idx3-ubyte.gz"));
        let raw = expected_sum("mnist", Path::new("d/train-images-idx3-ubyte"));
        assert_eq!(gz, raw);
        assert!(gz.is_some());
        // The same name in another dataset has another sum; unknown names have none.
        assert_ne!(
            expected_sum("fashion-mnist", Path::new("train-images-idx3-ubyte")),
            gz
        );
        assert_eq!(expected_sum("mnist", Path::new("mine.idx")), None);
    }

    #[test]
    fn sha256_of_a_known_string() {
        // FIPS 180-2 example "abc".
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn skip_and_uncatalogued_files_pass() {
        let p = Path::new("boston.csv");
        assert!(check("boston", p, b"x", Verify::Skip).is_ok());
        assert!(check("boston", Path::new("other.csv"), b"x", Verify::Checksums).is_ok());
        let e = check("boston", p, b"x", Verify::Checksums).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("boston.csv") && msg.contains("fetch-datasets boston"),
            "{msg}"
        );
    }
}
