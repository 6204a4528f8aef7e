//! `cargo xtask fetch-datasets [NAMES…] [--from DIR]`: puts the datasets under
//! `datasets/<name>/`, verified.
//!
//! Every file is written to a temporary name next to its destination, checked against
//! its SHA-256 (MD5 where only that is published) while it streams, and renamed into
//! place only when it matches: a failed or mismatched transfer never leaves a file
//! under its final name. Files already present and verified are skipped.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use md5::Md5;
use sha2::{Digest, Sha256};

/// A checksum a file must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sum {
    Sha256(&'static str),
    /// Only an MD5 is published (the IMDB tarball).
    Md5(&'static str),
}

/// One file of a dataset.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    /// Path under `datasets/` (and under a mirror).
    pub path: &'static str,
    pub sum: Sum,
    /// Canonical download addresses, tried in order (empty: only in mirrors).
    pub urls: &'static [&'static str],
}

/// One dataset: the files a mirror holds, and the ones a download fetches.
pub(crate) struct Dataset {
    pub name: &'static str,
    /// Copied with `--from DIR`.
    pub mirror: &'static [Spec],
    /// Downloaded otherwise.
    pub download: &'static [Spec],
}

macro_rules! spec {
    ($path:literal, $sha:literal $(, $url:literal)*) => {
        Spec { path: $path, sum: Sum::Sha256($sha), urls: &[$($url),*] }
    };
}

// Checksums: ../shared/datasets/SHA256SUMS and README.md (the published MNIST and
// Fashion-MNIST values; scikit-learn 1.1.3's Boston CSV; the IMDB tarball's MD5 from
// its download page).
const MNIST: &[Spec] = &[
    spec!(
        "mnist/train-images-idx3-ubyte.gz",
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz",
        "https://storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte.gz",
        "http://yann.lecun.com/exdb/mnist/train-images-idx3-ubyte.gz"
    ),
    spec!(
        "mnist/train-labels-idx1-ubyte.gz",
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "https://ossci-datasets.s3.amazonaws.com/mnist/train-labels-idx1-ubyte.gz",
        "https://storage.googleapis.com/cvdf-datasets/mnist/train-labels-idx1-ubyte.gz",
        "http://yann.lecun.com/exdb/mnist/train-labels-idx1-ubyte.gz"
    ),
    spec!(
        "mnist/t10k-images-idx3-ubyte.gz",
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz",
        "https://storage.googleapis.com/cvdf-datasets/mnist/t10k-images-idx3-ubyte.gz",
        "http://yann.lecun.com/exdb/mnist/t10k-images-idx3-ubyte.gz"
    ),
    spec!(
        "mnist/t10k-labels-idx1-ubyte.gz",
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz",
        "https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz",
        "http://yann.lecun.com/exdb/mnist/t10k-labels-idx1-ubyte.gz"
    ),
];

const FASHION: &[Spec] = &[
    spec!("fashion-mnist/train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz",
        "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/train-images-idx3-ubyte.gz"),
    spec!("fashion-mnist/train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-labels-idx1-ubyte.gz",
        "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/train-labels-idx1-ubyte.gz"),
    spec!("fashion-mnist/t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-images-idx3-ubyte.gz",
        "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/t10k-images-idx3-ubyte.gz"),
    spec!("fashion-mnist/t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz",
        "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/t10k-labels-idx1-ubyte.gz"),
];

const IMDB_MIRROR: &[Spec] = &[
    spec!(
        "imdb/imdb_labelled_50k.csv.gz",
        "19c1cdb5169eff1416cefd7ecf5650c1e7f4d9a475403b4740a250224470d99d"
    ),
    spec!(
        "imdb/aclImdb_README.txt",
        "a69bd3b91235c7fa1d6aadab51e257b7fa3f7b68f32b607483a72bd67f95e557"
    ),
];

const IMDB_DOWNLOAD: &[Spec] = &[Spec {
    path: "imdb/aclImdb_v1.tar.gz",
    sum: Sum::Md5("7c2ac02c03563afcf9b574c7e56c153a"),
    urls: &["https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"],
}];

const BOSTON: &[Spec] = &[spec!(
    "boston/boston_house_prices.csv",
    "d98212636026544fc9b9c0f372e5f819872e6fa6fa757ab025efdda22180f2d6",
    "https://raw.githubusercontent.com/scikit-learn/scikit-learn/1.1.3/sklearn/datasets/data/boston_house_prices.csv"
)];

pub(crate) const DATASETS: &[Dataset] = &[
    Dataset {
        name: "mnist",
        mirror: MNIST,
        download: MNIST,
    },
    Dataset {
        name: "fashion-mnist",
        mirror: FASHION,
        download: FASHION,
    },
    Dataset {
        name: "imdb",
        mirror: IMDB_MIRROR,
        download: IMDB_DOWNLOAD,
    },
    Dataset {
        name: "boston",
        mirror: BOSTON,
        download: BOSTON,
    },
];

/// What happened to one file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    AlreadyThere,
    Fetched,
}

/// Hashes while bytes pass through.
enum Hasher {
    Sha256(Sha256),
    Md5(Md5),
}

impl Hasher {
    fn new(sum: Sum) -> Self {
        match sum {
            Sum::Sha256(_) => Hasher::Sha256(Sha256::new()),
            Sum::Md5(_) => Hasher::Md5(Md5::new()),
        }
    }
    fn update(&mut self, b: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(b),
            Hasher::Md5(h) => h.update(b),
        }
    }
    fn hex(self) -> String {
        let bytes: Vec<u8> = match self {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Md5(h) => h.finalize().to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn expected(sum: Sum) -> (&'static str, &'static str) {
    match sum {
        Sum::Sha256(s) => ("SHA-256", s),
        Sum::Md5(s) => ("MD5", s),
    }
}

/// Copies `src` into `out` in blocks, hashing, with a progress bar; returns the hex digest.
fn stream(
    src: impl Read,
    out: &mut File,
    len: Option<u64>,
    label: &str,
    sum: Sum,
) -> Result<String, String> {
    let bar = match len {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::new_spinner(),
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:40} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(label.to_string());
    let digest = hash_copy(src, out, sum, label, |n| bar.inc(n))?;
    bar.finish_and_clear();
    Ok(digest)
}

/// Copies `src` into `out` in blocks, hashing what passes through; `progress` gets each
/// block's size. Returns the hex digest.
fn hash_copy(
    mut src: impl Read,
    mut out: impl Write,
    sum: Sum,
    label: &str,
    mut progress: impl FnMut(u64),
) -> Result<String, String> {
    let mut hasher = Hasher::new(sum);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = src
            .read(&mut buf)
            .map_err(|e| format!("{label}: read failed: {e}"))?;
        if n == 0 {
            return Ok(hasher.hex());
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])
            .map_err(|e| format!("{label}: write failed: {e}"))?;
        progress(n as u64);
    }
}

/// The digest of an existing file.
fn digest(path: &Path, sum: Sum) -> Result<String, String> {
    let f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    hash_copy(f, std::io::sink(), sum, &path.display().to_string(), |_| {})
}

/// Fetches one file into `dest_root/spec.path`: from `mirror/spec.path` when a mirror
/// is given, else from the spec's URLs in order. Verified files already there are
/// skipped; the file appears under its final name only once verified.
pub(crate) fn fetch_file(
    spec: &Spec,
    dest_root: &Path,
    mirror: Option<&Path>,
) -> Result<Outcome, String> {
    let dest = dest_root.join(spec.path);
    let (kind, want) = expected(spec.sum);
    if dest.exists() {
        let got = digest(&dest, spec.sum)?;
        if got == want {
            return Ok(Outcome::AlreadyThere);
        }
        println!(
            "{}: {kind} {got} is not {want}; fetching it again",
            dest.display()
        );
    }
    let dir = dest.parent().expect("spec paths have a folder");
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tmp = PathBuf::from(format!("{}.part-{}", dest.display(), std::process::id()));
    let result = transfer(spec, mirror, &tmp).and_then(|got| {
        if got == want {
            // durable before it replaces anything: flushed to disk, renamed, and the
            // folder synced (an atomic replacement; the old file survives a crash)
            File::open(&tmp)
                .and_then(|f| f.sync_all())
                .and_then(|()| std::fs::rename(&tmp, &dest))
                .and_then(|()| File::open(dir).and_then(|d| d.sync_all()))
                .map_err(|e| format!("{}: {e}", dest.display()))
        } else {
            Err(format!(
                "{}: {kind} mismatch: got {got}, expected {want}",
                spec.path
            ))
        }
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|()| Outcome::Fetched)
}

/// Streams the file into `tmp` from the mirror or the first URL that answers.
fn transfer(spec: &Spec, mirror: Option<&Path>, tmp: &Path) -> Result<String, String> {
    let mut out = File::create(tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    if let Some(m) = mirror {
        let src = m.join(spec.path);
        let f = File::open(&src).map_err(|e| format!("{}: {e}", src.display()))?;
        let len = f.metadata().ok().map(|m| m.len());
        return stream(f, &mut out, len, spec.path, spec.sum);
    }
    if spec.urls.is_empty() {
        return Err(format!(
            "{}: no download address; copy it from a mirror with --from DIR",
            spec.path
        ));
    }
    let mut errors = vec![];
    for url in spec.urls {
        match ureq::get(url).call() {
            Ok(resp) => {
                let len = resp.header("Content-Length").and_then(|l| l.parse().ok());
                out.set_len(0)
                    .map_err(|e| format!("{}: {e}", tmp.display()))?;
                match stream(resp.into_reader(), &mut out, len, spec.path, spec.sum) {
                    Ok(d) => return Ok(d),
                    Err(e) => errors.push(format!("{url}: {e}")),
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    Err(format!(
        "{}: every address failed:\n  {}",
        spec.path,
        errors.join("\n  ")
    ))
}

/// The command: `args` are dataset names and `--from DIR`.
pub(crate) fn run(args: &[String], dest_root: &Path) -> Result<(), String> {
    let mut names = vec![];
    let mut mirror = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--from" => {
                let d = it.next().ok_or("--from needs a folder")?;
                mirror = Some(PathBuf::from(d));
            }
            n => names.push(n.to_string()),
        }
    }
    let known: Vec<&str> = DATASETS.iter().map(|d| d.name).collect();
    if let Some(bad) = names.iter().find(|n| !known.contains(&n.as_str())) {
        return Err(format!(
            "unknown dataset `{bad}` (known: {})",
            known.join(", ")
        ));
    }
    let mut failed = vec![];
    for d in DATASETS
        .iter()
        .filter(|d| names.is_empty() || names.iter().any(|n| n == d.name))
    {
        let files = if mirror.is_some() {
            d.mirror
        } else {
            d.download
        };
        for spec in files {
            match fetch_file(spec, dest_root, mirror.as_deref()) {
                Ok(Outcome::AlreadyThere) => println!("{:48} verified, skipped", spec.path),
                Ok(Outcome::Fetched) => println!("{:48} fetched and verified", spec.path),
                Err(e) => {
                    eprintln!("{e}");
                    failed.push(spec.path);
                }
            }
        }
    }
    if failed.is_empty() {
        println!("datasets are in {}", dest_root.display());
        Ok(())
    } else {
        Err(format!(
            "fetch-datasets: {} file(s) failed: {}",
            failed.len(),
            failed.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(bytes: &[u8]) -> &'static str {
        let hex: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Box::leak(hex.into_boxed_str())
    }

    #[test]
    fn copies_verifies_skips_and_never_leaves_a_bad_file() {
        let mirror = tempfile::tempdir().unwrap();
        let dest = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(mirror.path().join("toy")).unwrap();
        std::fs::write(mirror.path().join("toy/a.bin"), b"good bytes").unwrap();
        let good = Spec {
            path: "toy/a.bin",
            sum: Sum::Sha256(sha(b"good bytes")),
            urls: &[],
        };
        let out = dest.path().join("toy/a.bin");

        assert_eq!(
            fetch_file(&good, dest.path(), Some(mirror.path())),
            Ok(Outcome::Fetched)
        );
        assert_eq!(std::fs::read(&out).unwrap(), b"good bytes");
        assert_eq!(
            fetch_file(&good, dest.path(), Some(mirror.path())),
            Ok(Outcome::AlreadyThere)
        );

        // A corrupted local copy is fetched again.
        std::fs::write(&out, b"rotten").unwrap();
        assert_eq!(
            fetch_file(&good, dest.path(), Some(mirror.path())),
            Ok(Outcome::Fetched)
        );
        assert_eq!(std::fs::read(&out).unwrap(), b"good bytes");

        // A mismatched source: an error naming both sums, and nothing left behind.
        let bad = Spec {
            path: "toy/b.bin",
            sum: Sum::Sha256(sha(b"other")),
            urls: &[],
        };
        std::fs::write(mirror.path().join("toy/b.bin"), b"tampered").unwrap();
        let e = fetch_file(&bad, dest.path(), Some(mirror.path())).unwrap_err();
        assert!(
            e.contains("SHA-256 mismatch") && e.contains(sha(b"tampered")),
            "{e}"
        );
        let left: Vec<_> = std::fs::read_dir(dest.path().join("toy"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, [std::ffi::OsString::from("a.bin")]);

        // A file only mirrors have, without a mirror: a clear error.
        let e = fetch_file(&bad, dest.path(), None).unwrap_err();
        assert!(e.contains("--from DIR"), "{e}");
    }

    #[test]
    fn catalog_matches_the_mirrors_sha256sums() {
        let sums = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasets/SHA256SUMS");
        let Ok(text) = std::fs::read_to_string(&sums) else {
            println!("SKIP: {} not found", sums.display());
            return;
        };
        let mut checked = 0;
        for d in DATASETS {
            for spec in d.mirror {
                let Sum::Sha256(want) = spec.sum else {
                    continue;
                };
                let line = text
                    .lines()
                    .find(|l| l.ends_with(&format!("  {}", spec.path)))
                    .unwrap_or_else(|| panic!("{} not in SHA256SUMS", spec.path));
                assert!(line.starts_with(want), "{}: {line}", spec.path);
                checked += 1;
            }
        }
        assert_eq!(checked, 11);
    }

    #[test]
    fn unknown_names_are_an_error() {
        let dest = tempfile::tempdir().unwrap();
        let e = run(&["cifar".into()], dest.path()).unwrap_err();
        assert!(
            e.contains("unknown dataset `cifar`")
                && e.contains("mnist, fashion-mnist, imdb, boston"),
            "{e}"
        );
    }
}
