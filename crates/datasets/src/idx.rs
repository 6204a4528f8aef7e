//! The IDX format of MNIST and Fashion-MNIST, gzipped or raw, and the two datasets.
//!
//! IDX: two zero bytes, a type byte (`0x08` = unsigned byte, the only type these
//! datasets use), the number of dimensions, each dimension as a big-endian `u32`, then
//! the data.

use std::path::Path;

use crate::catalog::{self, Verify};
use crate::error::{format_error, read_maybe_gz, Location, Result};
use crate::host::{one_hot, HostMatrix};

/// A parsed IDX file of unsigned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idx {
    /// The dimensions, outermost first (`[60000, 28, 28]` for MNIST's training images).
    pub dims: Vec<usize>,
    /// The values, row-major over `dims`.
    pub data: Vec<u8>,
}

impl Idx {
    /// Parses IDX `bytes` (already decompressed); `path` names the file in errors.
    /// Arbitrary bytes give an error, never a panic.
    ///
    /// ```
    /// use std::path::Path;
    /// let bytes = [0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9];
    /// let idx = datasets::Idx::parse(&bytes, Path::new("labels")).unwrap();
    /// assert_eq!((idx.dims, idx.data), (vec![3], vec![7, 8, 9]));
    /// assert!(datasets::Idx::parse(&bytes[..10], Path::new("labels")).is_err());
    /// ```
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Idx> {
        if bytes.len() < 4 {
            return Err(format_error(
                path,
                Location::File,
                format!(
                    "{} bytes is too short for an IDX header (4 bytes of magic)",
                    bytes.len()
                ),
            ));
        }
        let magic = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        if bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08 || bytes[3] == 0 {
            return Err(format_error(
                path,
                Location::Offset(0),
                format!(
                    "wrong IDX magic {magic:#010x} (expected 0x000008NN: unsigned bytes, NN >= 1 dimensions; MNIST uses 2049 for labels and 2051 for images)"
                ),
            ));
        }
        let nd = bytes[3] as usize;
        let header = 4 + 4 * nd;
        if bytes.len() < header {
            return Err(format_error(
                path,
                Location::Offset(bytes.len() as u64),
                format!("truncated IDX header: {nd} dimensions need {header} bytes"),
            ));
        }
        let dims: Vec<usize> = bytes[4..header]
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
            .collect();
        let expected = dims
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .unwrap_or(usize::MAX);
        let got = bytes.len() - header;
        if got != expected {
            return Err(format_error(
                path,
                Location::Offset(header as u64),
                format!(
                    "dimensions {dims:?} need {expected} data bytes but the file has {got} ({})",
                    if got < expected {
                        "truncated"
                    } else {
                        "trailing bytes"
                    }
                ),
            ));
        }
        Ok(Idx {
            dims,
            data: bytes[header..].to_vec(),
        })
    }

    /// Reads and parses an IDX file, gzipped or raw (by its first bytes).
    pub fn read(path: &Path, dataset: &'static str) -> Result<Idx> {
        let bytes = read_maybe_gz(path, dataset)?;
        Idx::parse(&bytes, path)
    }
}

/// Images and their labels: one split of MNIST or Fashion-MNIST.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledImages {
    /// `pixels x n` (784 x n for 28x28 images), values in `[0, 1]` (byte / 255).
    pub images: HostMatrix,
    /// The class of each image, `0..10`.
    pub labels: Vec<u8>,
}

impl LabelledImages {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// One-hot targets, `10 x n`.
    pub fn one_hot(&self) -> HostMatrix {
        one_hot(&self.labels, 10).expect("labels were checked below 10 on load")
    }

    /// Reads an images file and a labels file (IDX, gzipped or raw) and checks that
    /// they agree: 3-D images, 1-D labels, the same count, labels below 10.
    pub fn read(images: &Path, labels: &Path, dataset: &'static str) -> Result<Self> {
        let img = Idx::read(images, dataset)?;
        let lab = Idx::read(labels, dataset)?;
        Self::from_idx(img, images, lab, labels)
    }

    fn from_idx(img: Idx, images: &Path, lab: Idx, labels: &Path) -> Result<Self> {
        if img.dims.len() != 3 {
            return Err(format_error(
                images,
                Location::Offset(3),
                format!(
                    "images need 3 dimensions (count, rows, cols), the file has {:?}",
                    img.dims
                ),
            ));
        }
        if lab.dims.len() != 1 {
            return Err(format_error(
                labels,
                Location::Offset(3),
                format!("labels need 1 dimension, the file has {:?}", lab.dims),
            ));
        }
        if img.dims[0] != lab.dims[0] {
            return Err(format_error(
                labels,
                Location::Offset(4),
                format!(
                    "{} labels for {} images in {}",
                    lab.dims[0],
                    img.dims[0],
                    images.display()
                ),
            ));
        }
        if let Some(i) = lab.data.iter().position(|&l| l >= 10) {
            return Err(format_error(
                labels,
                Location::Offset(8 + i as u64),
                format!("label {} of image {i} is not a class 0..=9", lab.data[i]),
            ));
        }
        let pixels = img.dims[1] * img.dims[2];
        let data = img.data.iter().map(|&b| b as f32 / 255.0).collect();
        Ok(LabelledImages {
            images: HostMatrix::new(pixels, img.dims[0], data)?,
            labels: lab.data,
        })
    }
}

/// MNIST or Fashion-MNIST: the 60,000 training and 10,000 test images.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageDataset {
    /// The training split.
    pub train: LabelledImages,
    /// The test split.
    pub test: LabelledImages,
}

/// Finds `name.gz`, else `name` (raw), in `dir`; reports the `.gz` name when neither is there.
fn idx_file(dir: &Path, name: &str) -> std::path::PathBuf {
    let gz = dir.join(format!("{name}.gz"));
    let raw = dir.join(name);
    if !gz.exists() && raw.exists() {
        raw
    } else {
        gz
    }
}

/// Reads a catalogued IDX file and checks its contents against the catalogue.
fn read_catalogued(path: &Path, dataset: &'static str, verify: Verify) -> Result<Idx> {
    let bytes = read_maybe_gz(path, dataset)?;
    catalog::check(dataset, path, &bytes, verify)?;
    Idx::parse(&bytes, path)
}

fn load_images(dir: &Path, dataset: &'static str, verify: Verify) -> Result<ImageDataset> {
    let split = |prefix: &str| {
        let images = idx_file(dir, &format!("{prefix}-images-idx3-ubyte"));
        let labels = idx_file(dir, &format!("{prefix}-labels-idx1-ubyte"));
        let img = read_catalogued(&images, dataset, verify)?;
        let lab = read_catalogued(&labels, dataset, verify)?;
        LabelledImages::from_idx(img, &images, lab, &labels)
    };
    let (train, test) = rayon::join(|| split("train"), || split("t10k"));
    Ok(ImageDataset {
        train: train?,
        test: test?,
    })
}

/// Loads MNIST from `dir` (the folder with `train-images-idx3-ubyte.gz` etc., gzipped or
/// raw): `datasets::mnist(&datasets::dir("mnist"))`. The contents are checked against
/// the published SHA-256 sums ([`Verify::from_env`]); a changed file is
/// [`crate::Error::Checksum`].
pub fn mnist(dir: &Path) -> Result<ImageDataset> {
    mnist_with(dir, Verify::from_env())
}

/// [`mnist`] with an explicit [`Verify`] (`Verify::Skip` for your own modified files).
pub fn mnist_with(dir: &Path, verify: Verify) -> Result<ImageDataset> {
    load_images(dir, "mnist", verify)
}

/// Loads Fashion-MNIST from `dir` (same file names as MNIST), checked like [`mnist`].
pub fn fashion_mnist(dir: &Path) -> Result<ImageDataset> {
    fashion_mnist_with(dir, Verify::from_env())
}

/// [`fashion_mnist`] with an explicit [`Verify`].
pub fn fashion_mnist_with(dir: &Path, verify: Verify) -> Result<ImageDataset> {
    load_images(dir, "fashion-mnist", verify)
}

/// Fashion-MNIST's class names, by label.
pub const FASHION_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];
