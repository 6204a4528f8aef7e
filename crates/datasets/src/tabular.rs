//! Features with targets: Boston housing, the book's synthetic regression data, seeded
//! splits and standardisation.

use std::path::Path;

use la_core::rand::seq::SliceRandom;
use la_core::{seeded_rng, Scalar};

use crate::catalog::{self, Verify};
use crate::error::{format_error, invalid, read_maybe_gz, Location, Result};
use crate::host::HostMatrix;

/// Samples: features `x` (`features x n`) and targets `y` (`targets x n`), one column
/// per sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    /// Features, one column per sample.
    pub x: HostMatrix,
    /// Targets, one column per sample.
    pub y: HostMatrix,
}

impl Samples {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.x.cols()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.x.cols() == 0
    }

    /// The samples listed in `cols`, in that order.
    pub fn select(&self, cols: &[usize]) -> Result<Samples> {
        Ok(Samples {
            x: self.x.select(cols)?,
            y: self.y.select(cols)?,
        })
    }

    /// A seeded random split into `(train, test)` with `round(test_fraction * n)` test
    /// samples (see [`split_indices`]).
    pub fn split(&self, test_fraction: f64, seed: u64) -> Result<(Samples, Samples)> {
        let (train, test) = split_indices(self.len(), test_fraction, seed)?;
        Ok((self.select(&train)?, self.select(&test)?))
    }
}

/// A seeded random split of `0..n` into `(train, test)` index lists, `test` holding
/// `round(test_fraction * n)` of them; both are sorted, so the original order is kept.
///
/// ```
/// let (train, test) = datasets::split_indices(10, 0.2, 7).unwrap();
/// assert_eq!((train.len(), test.len()), (8, 2));
/// assert_eq!(datasets::split_indices(10, 0.2, 7).unwrap().1, test); // same seed, same split
/// assert!(datasets::split_indices(10, 1.5, 7).is_err());
/// ```
pub fn split_indices(n: usize, test_fraction: f64, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
    if !(0.0..=1.0).contains(&test_fraction) {
        return Err(invalid(
            "split",
            format!("test fraction {test_fraction} is not in [0, 1]"),
        ));
    }
    let mut perm: Vec<usize> = (0..n).collect();
    perm.shuffle(&mut seeded_rng(seed));
    let n_test = (test_fraction * n as f64).round() as usize;
    let mut test = perm[..n_test].to_vec();
    let mut train = perm[n_test..].to_vec();
    test.sort_unstable();
    train.sort_unstable();
    Ok((train, test))
}

/// Per-feature standardisation `(x - mean) / std`, with the statistics of the data it
/// was fitted on (the training split only, so nothing leaks from the test split).
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    /// Each feature's mean.
    pub mean: Vec<f32>,
    /// Each feature's (population) standard deviation; 1 where it is 0.
    pub std: Vec<f32>,
}

impl Standardizer {
    /// The mean and standard deviation of each row of `x` (computed in f64).
    ///
    /// ```
    /// use datasets::{HostMatrix, Standardizer};
    /// let train = HostMatrix::new(1, 2, vec![1.0, 3.0]).unwrap();
    /// let s = Standardizer::fit(&train);
    /// let mut test = HostMatrix::new(1, 1, vec![5.0]).unwrap();
    /// s.apply(&mut test).unwrap();
    /// assert_eq!(test.data(), &[3.0]); // (5 - 2) / 1
    /// ```
    pub fn fit(x: &HostMatrix) -> Standardizer {
        let (m, n) = (x.rows(), x.cols().max(1) as f64);
        let mut sum = vec![0.0f64; m];
        let mut sq = vec![0.0f64; m];
        for j in 0..x.cols() {
            for (i, &v) in x.col(j).iter().enumerate() {
                sum[i] += v as f64;
            }
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        for j in 0..x.cols() {
            for (i, &v) in x.col(j).iter().enumerate() {
                sq[i] += (v as f64 - mean[i]).powi(2);
            }
        }
        Standardizer {
            mean: mean.iter().map(|&v| v as f32).collect(),
            std: sq
                .iter()
                .map(|s| {
                    let sd = (s / n).sqrt();
                    if sd > 0.0 {
                        sd as f32
                    } else {
                        1.0
                    }
                })
                .collect(),
        }
    }

    /// Standardises `x` in place; its rows must match the fitted features.
    pub fn apply(&self, x: &mut HostMatrix) -> Result<()> {
        if x.rows() != self.mean.len() {
            return Err(invalid(
                "Standardizer::apply",
                format!(
                    "x has {} rows but the standardizer was fitted on {} features",
                    x.rows(),
                    self.mean.len()
                ),
            ));
        }
        for j in 0..x.cols() {
            for (i, v) in x.col_mut(j).iter_mut().enumerate() {
                *v = (*v - self.mean[i]) / self.std[i];
            }
        }
        Ok(())
    }
}

/// Boston housing: 506 districts, 13 features and the median value MEDV (in $1000s).
#[derive(Debug, Clone, PartialEq)]
pub struct Boston {
    /// `x`: 13 x 506 features, `y`: 1 x 506 MEDV.
    pub samples: Samples,
    /// The 13 feature names (CRIM … LSTAT).
    pub features: Vec<String>,
}

/// Loads Boston housing from `dir` (`boston_house_prices.csv` as scikit-learn ships it,
/// or `boston.csv` without its first line), checked against the published SHA-256
/// ([`Verify::from_env`]).
pub fn boston(dir: &Path) -> Result<Boston> {
    boston_with(dir, Verify::from_env())
}

/// [`boston`] with an explicit [`Verify`] (`Verify::Skip` for your own modified CSV).
pub fn boston_with(dir: &Path, verify: Verify) -> Result<Boston> {
    let sk = dir.join("boston_house_prices.csv");
    let plain = dir.join("boston.csv");
    let path = if !sk.exists() && plain.exists() {
        plain
    } else {
        sk
    };
    let bytes = read_maybe_gz(&path, "boston")?;
    catalog::check("boston", &path, &bytes, verify)?;
    parse_boston(&bytes, &path)
}

/// Parses the Boston CSV: an optional `506,13,...` count line, a header whose last
/// column is the target, then numeric rows. Arbitrary bytes give an error, never a panic.
///
/// ```
/// use std::path::Path;
/// let csv = "\"A\",\"B\",\"MEDV\"\n1,2,24\n3,4,21.6\n";
/// let b = datasets::parse_boston(csv.as_bytes(), Path::new("b.csv")).unwrap();
/// assert_eq!(b.features, ["A", "B"]);
/// assert_eq!(b.samples.x.data(), &[1.0, 2.0, 3.0, 4.0]);
/// assert_eq!(b.samples.y.data(), &[24.0, 21.6]);
/// let bad = datasets::parse_boston(b"A,MEDV\n1,x\n", Path::new("b.csv")).unwrap_err();
/// assert_eq!(bad.to_string(), "b.csv line 2: field 2 \"x\" is not a finite number");
/// ```
pub fn parse_boston(bytes: &[u8], path: &Path) -> Result<Boston> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format_error(
            path,
            Location::Offset(e.valid_up_to() as u64),
            "not UTF-8 text",
        )
    })?;
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty());
    let mut header = lines.next();
    let mut expected_rows = None;
    if let Some((_, l)) = header {
        let first = l.split(',').next().unwrap_or("").trim();
        if let Ok(count) = first.parse::<usize>() {
            expected_rows = Some(count);
            header = lines.next();
        }
    }
    let Some((hline, header)) = header else {
        return Err(format_error(path, Location::Line(1), "no header line"));
    };
    let names: Vec<String> = header
        .split(',')
        .map(|h| h.trim().trim_matches('"').to_string())
        .collect();
    if names.len() < 2 {
        return Err(format_error(
            path,
            Location::Line(hline),
            format!("header {names:?} needs at least one feature and the target"),
        ));
    }
    let cols = names.len();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    let mut rows = 0;
    for (line, l) in lines {
        let fields: Vec<&str> = l.split(',').collect();
        if fields.len() != cols {
            return Err(format_error(
                path,
                Location::Line(line),
                format!("{} fields, the header has {cols}", fields.len()),
            ));
        }
        for (k, f) in fields.iter().enumerate() {
            let v: f32 = f
                .trim()
                .parse()
                .ok()
                .filter(|v: &f32| v.is_finite())
                .ok_or_else(|| {
                    format_error(
                        path,
                        Location::Line(line),
                        format!("field {} {:?} is not a finite number", k + 1, f),
                    )
                })?;
            if k + 1 == cols {
                y.push(v);
            } else {
                x.push(v);
            }
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(format_error(
            path,
            Location::Line(hline),
            "no data rows after the header",
        ));
    }
    if let Some(n) = expected_rows {
        if n != rows {
            return Err(format_error(
                path,
                Location::Line(1),
                format!("the first line announces {n} rows but the file has {rows}"),
            ));
        }
    }
    Ok(Boston {
        samples: Samples {
            x: HostMatrix::new(cols - 1, rows, x)?,
            y: HostMatrix::new(1, rows, y)?,
        },
        features: names[..cols - 1].to_vec(),
    })
}

/// The book's regression data ("Learning a known function"): `x` uniform in
/// `[0, 1)^4`, `y = sin x0 + cos x1 + tanh x2 + x3²`, seeded.
///
/// ```
/// let s = datasets::regression(100, 42);
/// let x = s.x.col(7);
/// let y = x[0].sin() + x[1].cos() + x[2].tanh() + x[3] * x[3];
/// assert!((s.y.col(7)[0] - y).abs() < 1e-6);
/// ```
pub fn regression(n: usize, seed: u64) -> Samples {
    let mut x = vec![0.0f32; 4 * n];
    f32::fill_uniform(&mut seeded_rng(seed), 0.0, 1.0, &mut x);
    let y = x
        .chunks_exact(4)
        .map(|s| {
            let s: Vec<f64> = s.iter().map(|&v| v as f64).collect();
            (s[0].sin() + s[1].cos() + s[2].tanh() + s[3] * s[3]) as f32
        })
        .collect();
    Samples {
        x: HostMatrix::new(4, n, x).expect("shape matches"),
        y: HostMatrix::new(1, n, y).expect("shape matches"),
    }
}

/// The folder that holds the datasets: `$DLFP_DATASETS` if set, else the workspace's
/// `datasets/` folder (where `cargo xtask fetch-datasets` puts them).
pub fn root_dir() -> std::path::PathBuf {
    match std::env::var_os("DLFP_DATASETS") {
        Some(d) => d.into(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets"),
    }
}

/// The folder of one dataset (`"mnist"`, `"fashion-mnist"`, `"imdb"`, `"boston"`)
/// under [`root_dir`].
pub fn dir(name: &str) -> std::path::PathBuf {
    root_dir().join(name)
}
