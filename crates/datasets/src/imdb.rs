//! IMDB's 50,000 labelled movie reviews and the book's bag-of-words encoding.
//!
//! Sources, in the order [`imdb`] looks for them in its folder:
//! `imdb_labelled_50k.csv.gz` / `.csv` (columns `type,review,label,file`, RFC 4180
//! quoting; Kaggle's `imdb_master.csv` with its index column and `unsup` rows also
//! reads), the extracted `aclImdb/` folder, and the original `aclImdb_v1.tar.gz`.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use la_core::sparse::CscMatrix;
use la_core::{AsMatrixMut, Factory, Layout, Matrix, Scalar};
use rayon::prelude::*;

use crate::catalog::{self, Verify};
use crate::error::{
    format_error, gunzip_if_gz, invalid, io_error, read_maybe_gz, Error, Location, Result,
};
use crate::host::{HostMatrix, CHUNK};

/// Which half of the dataset a review belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// The 25,000 training reviews.
    Train,
    /// The 25,000 test reviews.
    Test,
}

/// One labelled review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// Train or test.
    pub split: Split,
    /// The text, as in the original file (with its `<br />` tags).
    pub text: String,
    /// `true` for a positive review (rating 7–10), `false` for negative (1–4).
    pub positive: bool,
    /// The original file name, `<id>_<rating>.txt`.
    pub file: String,
}

/// The labelled reviews, split as published (25,000 each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imdb {
    /// Training reviews.
    pub train: Vec<Review>,
    /// Test reviews.
    pub test: Vec<Review>,
}

const CSV_NAMES: [&str; 2] = ["imdb_labelled_50k.csv.gz", "imdb_labelled_50k.csv"];

/// Loads IMDB from `dir` (see the module docs for the files it looks for). The labelled
/// CSV is checked against its published SHA-256 ([`Verify::from_env`]); the `aclImdb/`
/// folder and tarball forms are not in the catalogue and load unchecked.
pub fn imdb(dir: &Path) -> Result<Imdb> {
    imdb_with(dir, Verify::from_env())
}

/// [`imdb`] with an explicit [`Verify`] (`Verify::Skip` for your own modified CSV).
pub fn imdb_with(dir: &Path, verify: Verify) -> Result<Imdb> {
    for name in CSV_NAMES {
        let p = dir.join(name);
        if p.exists() {
            let bytes = read_maybe_gz(&p, "imdb")?;
            catalog::check("imdb", &p, &bytes, verify)?;
            return parse_csv(&bytes, &p);
        }
    }
    if dir.join("aclImdb").is_dir() {
        return read_acl_dir(&dir.join("aclImdb"));
    }
    let tar = dir.join("aclImdb_v1.tar.gz");
    if tar.exists() {
        return read_acl_tar(&tar);
    }
    Err(Error::Missing {
        path: dir.join(CSV_NAMES[0]),
        dataset: "imdb",
    })
}

fn split_reviews(all: Vec<Review>) -> Imdb {
    let (train, test) = all.into_iter().partition(|r| r.split == Split::Train);
    Imdb { train, test }
}

/// Reads the labelled CSV (gzipped or plain). Rows labelled `unsup` are skipped.
pub fn read_csv(path: &Path) -> Result<Imdb> {
    let bytes = read_maybe_gz(path, "imdb")?;
    parse_csv(&bytes, path)
}

/// Parses the labelled CSV from decompressed `bytes`; `path` names it in errors.
/// Needs the columns `type`, `review` and `label` (any order, others ignored).
/// Arbitrary bytes give an error, never a panic.
///
/// ```
/// use std::path::Path;
/// let csv = b"type,review,label,file\ntrain,\"Good, \"\"really\"\"\",pos,0_9.txt\n";
/// let imdb = datasets::parse_csv(csv, Path::new("x.csv")).unwrap();
/// assert_eq!(imdb.train[0].text, "Good, \"really\"");
/// let err = datasets::parse_csv(b"type,review,label\ntrain,x\n", Path::new("x.csv"));
/// assert_eq!(err.unwrap_err().to_string(), "x.csv line 2: 2 fields, the header has 3");
/// ```
pub fn parse_csv(bytes: &[u8], path: &Path) -> Result<Imdb> {
    let mut rows = CsvRows {
        bytes,
        pos: 0,
        line: 1,
    };
    let header = match rows.next_record(path)? {
        Some((_, h)) => h,
        None => {
            return Err(format_error(
                path,
                Location::Line(1),
                "empty file, no header",
            ))
        }
    };
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(ty), Some(review), Some(label)) = (col("type"), col("review"), col("label")) else {
        return Err(format_error(
            path,
            Location::Line(1),
            format!("header {header:?} lacks one of the columns type, review, label"),
        ));
    };
    let file = col("file");
    let mut all = Vec::with_capacity(50_000);
    while let Some((line, mut fields)) = rows.next_record(path)? {
        if fields.len() != header.len() {
            return Err(format_error(
                path,
                Location::Line(line),
                format!("{} fields, the header has {}", fields.len(), header.len()),
            ));
        }
        let positive = match fields[label].as_str() {
            "pos" => true,
            "neg" => false,
            "unsup" => continue,
            other => {
                return Err(format_error(
                    path,
                    Location::Line(line),
                    format!("label {other:?} is not pos, neg or unsup"),
                ))
            }
        };
        let split = match fields[ty].as_str() {
            "train" => Split::Train,
            "test" => Split::Test,
            other => {
                return Err(format_error(
                    path,
                    Location::Line(line),
                    format!("type {other:?} is not train or test"),
                ))
            }
        };
        all.push(Review {
            split,
            text: std::mem::take(&mut fields[review]),
            positive,
            file: file
                .map(|f| std::mem::take(&mut fields[f]))
                .unwrap_or_default(),
        });
    }
    Ok(split_reviews(all))
}

/// An RFC 4180 record reader over bytes that tracks line numbers.
struct CsvRows<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
}

impl CsvRows<'_> {
    /// The next record and the line it starts on, or `None` at the end.
    fn next_record(&mut self, path: &Path) -> Result<Option<(u64, Vec<String>)>> {
        let b = self.bytes;
        if self.pos >= b.len() {
            return Ok(None);
        }
        let start_line = self.line;
        let mut fields = Vec::with_capacity(4);
        loop {
            let mut field = Vec::new();
            if b.get(self.pos) == Some(&b'"') {
                self.pos += 1;
                loop {
                    let Some(q) = b[self.pos..].iter().position(|&c| c == b'"') else {
                        return Err(format_error(
                            path,
                            Location::Line(start_line),
                            "quoted field never closed (missing \")",
                        ));
                    };
                    let chunk = &b[self.pos..self.pos + q];
                    self.line += chunk.iter().filter(|&&c| c == b'\n').count() as u64;
                    field.extend_from_slice(chunk);
                    self.pos += q + 1;
                    if b.get(self.pos) == Some(&b'"') {
                        field.push(b'"');
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                match b.get(self.pos) {
                    None | Some(b',') | Some(b'\n') | Some(b'\r') => {}
                    Some(&c) => {
                        return Err(format_error(
                            path,
                            Location::Line(self.line),
                            format!(
                                "unexpected {:?} after a closing quote (byte {})",
                                c as char, self.pos
                            ),
                        ))
                    }
                }
            } else {
                let end = b[self.pos..]
                    .iter()
                    .position(|&c| c == b',' || c == b'\n')
                    .map_or(b.len(), |e| self.pos + e);
                let mut f = &b[self.pos..end];
                if f.last() == Some(&b'\r') {
                    f = &f[..f.len() - 1];
                }
                field.extend_from_slice(f);
                self.pos = end;
            }
            let text = String::from_utf8(field).map_err(|e| {
                format_error(
                    path,
                    Location::Line(self.line),
                    format!("field {} is not UTF-8 ({e})", fields.len() + 1),
                )
            })?;
            fields.push(text);
            if b.get(self.pos) == Some(&b'\r') {
                self.pos += 1;
            }
            match b.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    return Ok(Some((start_line, fields)));
                }
                _ => return Ok(Some((start_line, fields))),
            }
        }
    }
}

/// Parses `<id>_<rating>.txt` into `(id, rating)`.
fn parse_name(name: &str) -> Option<(u32, u32)> {
    let stem = name.strip_suffix(".txt")?;
    let (id, rating) = stem.split_once('_')?;
    Some((id.parse().ok()?, rating.parse().ok()?))
}

/// The `(split, positive)` of a path ending in `{train,test}/{pos,neg}/<file>`.
fn classify(path: &Path) -> Option<(Split, bool, String)> {
    let mut comps = path.components().rev();
    let file = comps.next()?.as_os_str().to_str()?.to_string();
    let label = comps.next()?.as_os_str().to_str()?;
    let split = comps.next()?.as_os_str().to_str()?;
    let split = match split {
        "train" => Split::Train,
        "test" => Split::Test,
        _ => return None,
    };
    let positive = match label {
        "pos" => true,
        "neg" => false,
        _ => return None,
    };
    parse_name(&file)?;
    Some((split, positive, file))
}

/// Sorts as the CSV is ordered: train before test, ascending id, positive first.
fn sort_reviews(all: &mut [Review]) {
    all.sort_by_key(|r| {
        let id = parse_name(&r.file).map_or(u32::MAX, |(id, _)| id);
        (r.split == Split::Test, id, !r.positive)
    });
}

fn review_from(
    path: &Path,
    bytes: Vec<u8>,
    split: Split,
    positive: bool,
    file: String,
) -> Result<Review> {
    let text = String::from_utf8(bytes)
        .map_err(|e| format_error(path, Location::File, format!("not UTF-8 ({e})")))?;
    Ok(Review {
        split,
        text,
        positive,
        file,
    })
}

/// Reads the extracted `aclImdb/` folder: `{train,test}/{pos,neg}/<id>_<rating>.txt`
/// (the `unsup` reviews are not read).
pub fn read_acl_dir(root: &Path) -> Result<Imdb> {
    let mut paths: Vec<(PathBuf, Split, bool, String)> = Vec::new();
    for split in ["train", "test"] {
        for label in ["pos", "neg"] {
            let dir = root.join(split).join(label);
            let entries = std::fs::read_dir(&dir).map_err(io_error(&dir))?;
            for entry in entries {
                let entry = entry.map_err(io_error(&dir))?;
                let p = entry.path();
                if let Some((s, pos, file)) = classify(&p) {
                    paths.push((p, s, pos, file));
                }
            }
        }
    }
    let mut all = paths
        .into_par_iter()
        .map(|(p, s, pos, file)| {
            let bytes = std::fs::read(&p).map_err(io_error(&p))?;
            review_from(&p, bytes, s, pos, file)
        })
        .collect::<Result<Vec<_>>>()?;
    sort_reviews(&mut all);
    Ok(split_reviews(all))
}

/// Reads the original `aclImdb_v1.tar.gz` without extracting it.
pub fn read_acl_tar(path: &Path) -> Result<Imdb> {
    let bytes = std::fs::read(path).map_err(io_error(path))?;
    let bytes = gunzip_if_gz(path, bytes)?;
    let mut archive = tar::Archive::new(&bytes[..]);
    let mut all = Vec::with_capacity(50_000);
    let corrupt = |e: std::io::Error| {
        format_error(path, Location::File, format!("corrupt tar archive ({e})"))
    };
    for entry in archive.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        let name = entry.path().map_err(corrupt)?.into_owned();
        if let Some((split, positive, file)) = classify(&name) {
            let mut buf = Vec::with_capacity(entry.size() as usize);
            entry.read_to_end(&mut buf).map_err(corrupt)?;
            all.push(review_from(&path.join(&name), buf, split, positive, file)?);
        }
    }
    sort_reviews(&mut all);
    Ok(split_reviews(all))
}

/// How a review is split into words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Tokenizer {
    /// The book's: split on whitespace, words as they are (`"Great!"` and `"great"`
    /// differ, `<br` is a word).
    #[default]
    Plain,
    /// Lower case, `<br />` removed, punctuation stripped (apostrophes inside words
    /// kept: `"don't"`).
    Clean,
}

impl Tokenizer {
    /// Calls `f` with each word of `text`. `scratch` is a reusable buffer.
    ///
    /// ```
    /// use datasets::Tokenizer;
    /// let mut words = vec![];
    /// let text = "Great film!<br /><br />I DON'T regret it.";
    /// Tokenizer::Clean.for_each(text, &mut String::new(), |w| words.push(w.to_string()));
    /// assert_eq!(words, ["great", "film", "i", "don't", "regret", "it"]);
    /// words.clear();
    /// Tokenizer::Plain.for_each("Great film!", &mut String::new(), |w| words.push(w.to_string()));
    /// assert_eq!(words, ["Great", "film!"]);
    /// ```
    pub fn for_each(&self, text: &str, scratch: &mut String, mut f: impl FnMut(&str)) {
        match self {
            Tokenizer::Plain => text.split_ascii_whitespace().for_each(f),
            Tokenizer::Clean => {
                scratch.clear();
                let mut rest = text;
                while let Some(c) = rest.chars().next() {
                    if rest.starts_with("<br />") {
                        scratch.push(' ');
                        rest = &rest[6..];
                        continue;
                    }
                    if c.is_alphanumeric() || c == '\'' {
                        scratch.extend(c.to_lowercase());
                    } else {
                        scratch.push(' ');
                    }
                    rest = &rest[c.len_utf8()..];
                }
                for w in scratch.split(' ') {
                    let w = w.trim_matches('\'');
                    if !w.is_empty() {
                        f(w);
                    }
                }
            }
        }
    }
}

/// The book's vocabulary: the most frequent words, each with an index (`word_map`).
/// Index 0 is the most frequent word; ties go alphabetically, so it is deterministic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    words: Vec<String>,
    map: HashMap<String, u32>,
    tokenizer: Tokenizer,
}

impl Vocabulary {
    /// Counts word frequencies over `texts` (in parallel) and keeps the `size` most
    /// frequent words (the book: 10,000).
    ///
    /// ```
    /// use datasets::{Tokenizer, Vocabulary};
    /// let v = Vocabulary::build(&["a b b", "c b a"], 2, Tokenizer::Plain).unwrap();
    /// assert_eq!(v.words(), ["b", "a"]);
    /// assert_eq!(v.word_map()["a"], 1);
    /// ```
    pub fn build(texts: &[&str], size: usize, tokenizer: Tokenizer) -> Result<Vocabulary> {
        if size == 0 || size > u32::MAX as usize {
            return Err(invalid(
                "Vocabulary::build",
                format!("size {size} must be in 1..=u32::MAX"),
            ));
        }
        let counts = texts
            .par_iter()
            .fold(
                || (HashMap::<String, u64>::new(), String::new()),
                |(mut m, mut scratch), t| {
                    tokenizer.for_each(t, &mut scratch, |w| match m.get_mut(w) {
                        Some(c) => *c += 1,
                        None => {
                            m.insert(w.to_string(), 1);
                        }
                    });
                    (m, scratch)
                },
            )
            .map(|(m, _)| m)
            .reduce(HashMap::new, |a, b| {
                let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
                for (w, c) in small {
                    *big.entry(w).or_insert(0) += c;
                }
                big
            });
        let mut freq: Vec<(String, u64)> = counts.into_iter().collect();
        freq.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        freq.truncate(size);
        let words: Vec<String> = freq.into_iter().map(|(w, _)| w).collect();
        let map = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i as u32))
            .collect();
        Ok(Vocabulary {
            words,
            map,
            tokenizer,
        })
    }

    /// A vocabulary of `words` (index = position) encoding with `tokenizer`; `op`
    /// names the caller in the error for an empty list, an empty word or a repeat.
    pub(crate) fn from_words(
        op: &'static str,
        words: Vec<String>,
        tokenizer: Tokenizer,
    ) -> std::result::Result<Vocabulary, String> {
        if words.is_empty() || words.len() > u32::MAX as usize {
            return Err(format!(
                "{op}: {} words; a vocabulary has 1..=u32::MAX",
                words.len()
            ));
        }
        let mut map = HashMap::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            if w.is_empty() || w.contains(['\n', '\r']) {
                return Err(format!(
                    "word {} ({w:?}) is empty or holds a line break",
                    i + 1
                ));
            }
            if let Some(j) = map.insert(w.clone(), i as u32) {
                return Err(format!("word {} ({w:?}) repeats word {}", i + 1, j + 1));
            }
        }
        Ok(Vocabulary {
            words,
            map,
            tokenizer,
        })
    }

    /// The words, most frequent first (index = position).
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The book's `word-map`: word → index.
    pub fn word_map(&self) -> &HashMap<String, u32> {
        &self.map
    }

    /// Number of words (the encoding's rows).
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether the vocabulary is empty (never, once built).
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The tokenizer the vocabulary was built with (and encodes with).
    pub fn tokenizer(&self) -> Tokenizer {
        self.tokenizer
    }

    /// The word indices of one text, sorted and without repeats (words outside the
    /// vocabulary are dropped).
    pub fn indices(&self, text: &str, scratch: &mut String) -> Vec<u32> {
        let mut idx = Vec::new();
        self.tokenizer.for_each(text, scratch, |w| {
            if let Some(&i) = self.map.get(w) {
                idx.push(i);
            }
        });
        idx.sort_unstable();
        idx.dedup();
        idx
    }

    /// The book's multi-hot encoding of `texts`: column `j` has a 1 in row `i` when
    /// word `i` occurs in text `j`. Encoded in parallel, stored sparse.
    ///
    /// ```
    /// use datasets::{Tokenizer, Vocabulary};
    /// let v = Vocabulary::build(&["a b b", "c b a"], 2, Tokenizer::Plain).unwrap();
    /// let x = v.encode(&["b", "a c a"]);
    /// assert_eq!((x.rows(), x.cols()), (2, 2));
    /// assert_eq!(x.to_dense().data(), &[1.0, 0.0, 0.0, 1.0]);
    /// assert_eq!(v.decode_review(x.indices(1)), "a");
    /// ```
    pub fn encode(&self, texts: &[&str]) -> MultiHot {
        let cols: Vec<Vec<u32>> = texts
            .par_iter()
            .map_init(String::new, |scratch, t| self.indices(t, scratch))
            .collect();
        let mut col_ptr = Vec::with_capacity(cols.len() + 1);
        col_ptr.push(0);
        let mut indices = Vec::with_capacity(cols.iter().map(Vec::len).sum());
        for c in &cols {
            indices.extend_from_slice(c);
            col_ptr.push(indices.len());
        }
        MultiHot {
            rows: self.words.len(),
            col_ptr,
            indices,
        }
    }

    /// The book's `decode-review`: the words at `indices`, space-separated (the
    /// multi-hot encoding keeps which words occur, not their order or count).
    pub fn decode_review(&self, indices: &[u32]) -> String {
        indices
            .iter()
            .map(|&i| self.words.get(i as usize).map_or("?", String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Multi-hot columns stored sparse (compressed columns, every stored value is 1): a
/// 10000 x 25000 IMDB split is ~98% zeros, 1 GB dense as f32 but ~12 MB here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiHot {
    rows: usize,
    col_ptr: Vec<usize>,
    indices: Vec<u32>,
}

impl MultiHot {
    /// Number of rows (the vocabulary's size).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (reviews).
    pub fn cols(&self) -> usize {
        self.col_ptr.len() - 1
    }

    /// The sorted row indices of the ones in column `j`.
    ///
    /// # Panics
    /// If `j >= cols()`.
    pub fn indices(&self, j: usize) -> &[u32] {
        &self.indices[self.col_ptr[j]..self.col_ptr[j + 1]]
    }

    /// [`indices`](Self::indices), or an error naming `j` when it is out of range.
    pub fn try_indices(&self, j: usize) -> Result<&[u32]> {
        if j >= self.cols() {
            return Err(invalid(
                "MultiHot::try_indices",
                format!("column {j} is out of range for {} columns", self.cols()),
            ));
        }
        Ok(self.indices(j))
    }

    /// The number of ones.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// The fraction of entries that are ones.
    pub fn density(&self) -> f64 {
        self.nnz() as f64 / (self.rows as f64 * self.cols().max(1) as f64)
    }

    /// The columns listed in `cols`, in that order.
    pub fn select(&self, cols: &[usize]) -> Result<MultiHot> {
        if let Some(&bad) = cols.iter().find(|&&j| j >= self.cols()) {
            return Err(invalid(
                "MultiHot::select",
                format!("column {bad} out of range for {} columns", self.cols()),
            ));
        }
        let mut col_ptr = Vec::with_capacity(cols.len() + 1);
        col_ptr.push(0);
        let mut indices = Vec::new();
        for &j in cols {
            indices.extend_from_slice(self.indices(j));
            col_ptr.push(indices.len());
        }
        Ok(MultiHot {
            rows: self.rows,
            col_ptr,
            indices,
        })
    }

    fn fill_dense<T: Scalar>(&self, j0: usize, n: usize, out: &mut [T]) {
        out.iter_mut().for_each(|v| *v = T::zero());
        for k in 0..n {
            for &i in self.indices(j0 + k) {
                out[k * self.rows + i as usize] = T::one();
            }
        }
    }

    /// As a la-core sparse matrix (values 1), for a network's sparse first layer
    /// (`nn_train::training_network_sparse`).
    pub fn to_csc<T: Scalar>(&self) -> CscMatrix<T> {
        CscMatrix::new(
            self.rows,
            self.col_ptr.clone(),
            self.indices.clone(),
            vec![T::one(); self.indices.len()],
        )
        .expect("a MultiHot is a valid CSC matrix")
    }

    /// The dense `rows x cols` host matrix.
    pub fn to_dense(&self) -> HostMatrix {
        let mut data = vec![0.0f32; self.rows * self.cols()];
        self.fill_dense(0, self.cols(), &mut data);
        HostMatrix::new(self.rows, self.cols(), data).expect("shape matches")
    }

    /// The dense column-major matrix on `factory`, written a block of columns at a
    /// time (only the factory's copy is ever whole: one copy of IMDB's 1 GB).
    pub fn to_matrix<T: Scalar>(&self, factory: &Factory<T>) -> Result<Matrix<T>> {
        let mut m = factory.ge(self.rows, self.cols(), Layout::ColumnMajor)?;
        let mut stage = vec![T::zero(); self.rows * CHUNK.min(self.cols())];
        for j0 in (0..self.cols()).step_by(CHUNK) {
            let n = CHUNK.min(self.cols() - j0);
            let block = &mut stage[..self.rows * n];
            self.fill_dense(j0, n, block);
            m.submatrix_mut(0, j0, self.rows, n)?.set_from(block)?;
        }
        Ok(m)
    }
}

/// The labels as a `1 x n` target matrix: 1 for positive, 0 for negative.
pub fn sentiment_labels(reviews: &[Review]) -> HostMatrix {
    let data = reviews
        .iter()
        .map(|r| if r.positive { 1.0 } else { 0.0 })
        .collect();
    HostMatrix::new(1, reviews.len(), data).expect("shape matches")
}

/// The review texts, for [`Vocabulary::build`] and [`Vocabulary::encode`].
pub fn texts(reviews: &[Review]) -> Vec<&str> {
    reviews.iter().map(|r| r.text.as_str()).collect()
}
