//! A [`Vocabulary`] on disk, so that a saved IMDB model encodes new text exactly as it
//! was trained: a header line `dlfp-vocabulary 1 tokenizer=<plain|clean> words=<n>`,
//! then one word per line, most frequent first (UTF-8, `\n` line ends).

use std::path::Path;

use crate::error::{format_error, io_error, Location, Result};
use crate::imdb::{Tokenizer, Vocabulary};

const MAGIC: &str = "dlfp-vocabulary 1";

impl Vocabulary {
    /// Writes the vocabulary to `path` (see the module docs for the format).
    ///
    /// ```
    /// use datasets::{Tokenizer, Vocabulary};
    /// let v = Vocabulary::build(&["a b b", "c b a"], 2, Tokenizer::Clean)?;
    /// let path = std::env::temp_dir().join("datasets_doc_vocab.txt");
    /// v.save(&path)?;
    /// assert_eq!(Vocabulary::load(&path)?, v);
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), datasets::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let tokenizer = match self.tokenizer() {
            Tokenizer::Plain => "plain",
            Tokenizer::Clean => "clean",
        };
        let mut text = format!("{MAGIC} tokenizer={tokenizer} words={}\n", self.len());
        for w in self.words() {
            text.push_str(w);
            text.push('\n');
        }
        la_core::atomic_file::write_atomic(path, text.as_bytes()).map_err(io_error(path))
    }

    /// Reads a vocabulary written by [`Vocabulary::save`]. A file that is not one
    /// (wrong header, unknown tokenizer, a word count that differs from the lines, an
    /// empty or repeated word, invalid UTF-8) is an [`Error::Format`](crate::Error::Format) naming the line.
    pub fn load(path: impl AsRef<Path>) -> Result<Vocabulary> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(io_error(path))?;
        let bad = |line: u64, m: String| format_error(path, Location::Line(line), m);
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            format_error(path, Location::Offset(e.valid_up_to() as u64), "not UTF-8")
        })?;
        let mut lines = text.split('\n');
        let header = lines.next().unwrap_or_default();
        let fields: Vec<&str> = header.split(' ').collect();
        let (tokenizer, count) = match fields.as_slice() {
            [m, v, t, n] if format!("{m} {v}") == MAGIC => {
                let tokenizer = match t.strip_prefix("tokenizer=") {
                    Some("plain") => Tokenizer::Plain,
                    Some("clean") => Tokenizer::Clean,
                    _ => return Err(bad(1, format!("unknown tokenizer field {t:?} (plain or clean)"))),
                };
                let count: usize = n
                    .strip_prefix("words=")
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| bad(1, format!("bad word count field {n:?}")))?;
                (tokenizer, count)
            }
            _ => {
                return Err(bad(
                    1,
                    format!("not a vocabulary file: the header is {:?}, expected \"{MAGIC} tokenizer=… words=…\"", header.chars().take(60).collect::<String>()),
                ))
            }
        };
        let mut words: Vec<String> = lines.map(str::to_string).collect();
        // the file ends with a line break: the last split is empty
        if words.last().is_some_and(String::is_empty) {
            words.pop();
        }
        if words.len() != count {
            return Err(bad(
                1,
                format!(
                    "the header says {count} words but the file has {}",
                    words.len()
                ),
            ));
        }
        Vocabulary::from_words("Vocabulary::load", words, tokenizer).map_err(|m| {
            let line = m
                .strip_prefix("word ")
                .and_then(|r| r.split(' ').next())
                .and_then(|n| n.parse::<u64>().ok())
                .map_or(1, |n| n + 1);
            bad(line, m)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.txt");
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn round_trips_and_encodes_the_same() {
        let texts = ["Great film, great cast!", "A dull film.<br />Dull."];
        let v = Vocabulary::build(&texts, 5, Tokenizer::Clean).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.txt");
        v.save(&p).unwrap();
        let w = Vocabulary::load(&p).unwrap();
        assert_eq!(w, v);
        assert_eq!(w.encode(&texts), v.encode(&texts));
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(
            text.starts_with("dlfp-vocabulary 1 tokenizer=clean words=5\n"),
            "{text}"
        );
    }

    #[test]
    fn damaged_files_are_errors_naming_the_line() {
        for (text, want) in [
            ("", "not a vocabulary file"),
            ("hello\nworld\n", "not a vocabulary file"),
            (
                "dlfp-vocabulary 1 tokenizer=fancy words=1\na\n",
                "unknown tokenizer",
            ),
            (
                "dlfp-vocabulary 1 tokenizer=plain words=x\na\n",
                "bad word count",
            ),
            (
                "dlfp-vocabulary 1 tokenizer=plain words=3\na\nb\n",
                "says 3 words but the file has 2",
            ),
            ("dlfp-vocabulary 1 tokenizer=plain words=0\n", "0 words"),
            (
                "dlfp-vocabulary 1 tokenizer=plain words=3\na\nb\na\n",
                " line 4: word 3 (\"a\") repeats word 1",
            ),
            (
                "dlfp-vocabulary 1 tokenizer=plain words=2\na\n\n",
                " line 3: word 2 (\"\") is empty",
            ),
        ] {
            let (_d, p) = write(text);
            let e = Vocabulary::load(&p).unwrap_err();
            assert!(matches!(e, Error::Format { .. }), "{text:?}: {e:?}");
            assert!(e.to_string().contains(want), "{text:?}: {e}");
        }
        let (_d, p) = write("");
        std::fs::write(&p, b"dlfp-vocabulary 1 tokenizer=plain words=1\n\xff\n").unwrap();
        assert!(Vocabulary::load(&p)
            .unwrap_err()
            .to_string()
            .contains("not UTF-8"));
        let missing = Vocabulary::load("/nonexistent/v.txt").unwrap_err();
        assert!(matches!(missing, Error::Io { .. }), "{missing:?}");
    }
}
