//! Printing close to the book's REPL output.

use std::fmt::{self, Formatter};

use crate::{AsMatrix, AsVector, Scalar};

/// Entries shown at each end before the middle is elided.
const EDGE: usize = 5;

fn indices(n: usize) -> Vec<Option<usize>> {
    if n <= 2 * EDGE + 1 {
        (0..n).map(Some).collect()
    } else {
        (0..EDGE)
            .map(Some)
            .chain(std::iter::once(None))
            .chain((n - EDGE..n).map(Some))
            .collect()
    }
}

fn entry<T: Scalar>(x: T, f: &Formatter<'_>) -> String {
    let p = f.precision().unwrap_or(2);
    let a = x.abs().as_f64();
    if a == 0.0 || (1e-3..1e5).contains(&a) || !a.is_finite() {
        format!("{:>7.*}", p, x)
    } else {
        format!("{:>7.*e}", p, x)
    }
}

pub(crate) fn fmt_vector<T: Scalar, V: AsVector<T>>(x: &V, f: &mut Formatter<'_>) -> fmt::Result {
    let v = x.view();
    writeln!(
        f,
        "#Vector[{}, n:{}, stride:{}]",
        T::NAME,
        v.dim(),
        v.stride()
    )?;
    let data = match v.to_vec() {
        Ok(d) => d,
        Err(e) => return write!(f, "<{e}>"),
    };
    write!(f, "[")?;
    for i in indices(data.len()) {
        match i {
            Some(i) => write!(f, " {}", entry(data[i], f))?,
            None => write!(f, "     ⋯ ")?,
        }
    }
    write!(f, " ]")
}

pub(crate) fn fmt_matrix<T: Scalar, M: AsMatrix<T>>(a: &M, f: &mut Formatter<'_>) -> fmt::Result {
    let (m, n) = (a.mrows(), a.ncols());
    writeln!(
        f,
        "#GEMatrix[{}, mxn:{m}x{n}, layout:{}]",
        T::NAME,
        a.layout().name()
    )?;
    let rows = match a.to_rows() {
        Ok(r) => r,
        Err(e) => return write!(f, "<{e}>"),
    };
    let cols = indices(n);
    let (corner, mark) = match a.layout() {
        crate::Layout::ColumnMajor => ("▥", "↓"),
        crate::Layout::RowMajor => ("▤", "→"),
    };
    write!(f, "   {corner}   ")?;
    for c in &cols {
        write!(f, " {:>7}", if c.is_some() { mark } else { " " })?;
    }
    writeln!(f, "   ┓")?;
    for i in indices(m) {
        match i {
            Some(i) => {
                write!(
                    f,
                    "   {}   ",
                    if a.layout() == crate::Layout::RowMajor {
                        "→"
                    } else {
                        " "
                    }
                )?;
                for c in &cols {
                    match c {
                        Some(j) => write!(f, " {}", entry(rows[i][*j], f))?,
                        None => write!(f, "     ⋯  ")?,
                    }
                }
                writeln!(f)?;
            }
            None => writeln!(f, "       {:>7}", "⋮")?,
        }
    }
    write!(f, "   ┗{}┛", " ".repeat(4 + 8 * cols.len()))
}
