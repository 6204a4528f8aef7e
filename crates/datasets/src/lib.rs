//! The datasets of *Deep Learning for Programmers*, loaded into host arrays with a
//! one-line conversion to a [`la_core::Matrix`] on any factory.
//!
//! | dataset | loader | what comes out |
//! |---|---|---|
//! | MNIST, Fashion-MNIST (IDX, gzipped or raw) | [`mnist`], [`fashion_mnist`] | 784 x n images in `[0, 1]`, labels, [`LabelledImages::one_hot`] |
//! | IMDB, 50,000 labelled reviews (CSV, `aclImdb/`, `aclImdb_v1.tar.gz`) | [`imdb`] | [`Review`]s; [`Vocabulary`] and the multi-hot [`MultiHot`] encoding |
//! | Boston housing (CSV) | [`boston`] | 13 x 506 features, 1 x 506 MEDV; [`Samples::split`], [`Standardizer`] |
//! | the regression chapter's function | [`regression`] | 4 x n uniform inputs, `sin x0 + cos x1 + tanh x2 + x3²` |
//!
//! Files live in `datasets/<name>/` at the workspace root (or under `$DLFP_DATASETS`):
//! `cargo xtask fetch-datasets` downloads them and checks their SHA-256, or copies
//! them from a mirror with `--from DIR`. A missing file's error names that command.
//!
//! ## The book's names
//!
//! | book (Clojure) | here |
//! |---|---|
//! | reading the IDX files into `(fge 784 60000)` | [`mnist`]`(&dir("mnist"))?.train.images.to_matrix(&factory)` |
//! | one-hot labels (`enc/one-hot`) | [`one_hot`], [`LabelledImages::one_hot`] |
//! | word frequencies, `(take 10000 ...)` | [`Vocabulary::build`]`(texts, 10000, Tokenizer::Plain)` |
//! | `word-map` | [`Vocabulary::word_map`] |
//! | the multi-hot review encoding (`pmap` over reviews) | [`Vocabulary::encode`] (rayon), [`MultiHot::to_matrix`] |
//! | `decode-review` | [`Vocabulary::decode_review`] |
//! | splitting into words (`string/split`) | [`Tokenizer::Plain`]; [`Tokenizer::Clean`] lower-cases and strips `<br />` and punctuation |
//!
//! ## Errors
//!
//! The dataset loaders check each catalogued file's decompressed contents against its
//! published SHA-256 ([`Verify`]): a changed pixel, label, letter or row that the
//! parsers cannot see is [`Error::Checksum`], naming the file and the fetch command.
//! Opt out with the `*_with(dir, Verify::Skip)` loaders or `DLFP_DATASETS_VERIFY=0`.
//!
//! Nothing here panics on bad input: a missing file is [`Error::Missing`] (naming the
//! `cargo xtask fetch-datasets` command), a truncated gzip stream, a wrong IDX magic or
//! dimension, an image/label count mismatch or a malformed CSV row is
//! [`Error::Format`] naming the file and the line or byte offset.
//!
//! ```no_run
//! use la_core::prelude::*;
//!
//! let mnist = datasets::mnist(&datasets::dir("mnist"))?;
//! let fac = native_float();
//! let x = mnist.train.images.to_matrix(&fac)?; // 784 x 60000
//! let y = mnist.train.one_hot().to_matrix(&fac)?; // 10 x 60000
//! # Ok::<(), datasets::Error>(())
//! ```

#![forbid(unsafe_code)]

mod catalog;
mod error;
mod host;
mod idx;
mod imdb;
mod tabular;
mod vocabulary_file;

pub use catalog::Verify;
pub use error::{read_maybe_gz, Error, Location, Result};
pub use host::{one_hot, HostMatrix};
pub use idx::{
    fashion_mnist, fashion_mnist_with, mnist, mnist_with, Idx, ImageDataset, LabelledImages,
    FASHION_CLASSES,
};
pub use imdb::{
    imdb, imdb_with, parse_csv, read_acl_dir, read_acl_tar, read_csv, sentiment_labels, texts,
    Imdb, MultiHot, Review, Split, Tokenizer, Vocabulary,
};
pub use tabular::{
    boston, boston_with, dir, parse_boston, regression, root_dir, split_indices, Boston, Samples,
    Standardizer,
};
