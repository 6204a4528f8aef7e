//! Host data with a shape, and its one-line conversion to a la-core [`Matrix`].

use la_core::{AsMatrixMut, Factory, Layout, Matrix, Scalar};

use crate::error::{invalid, Result};

/// How many columns [`HostMatrix::to_matrix`] and [`MultiHot`](crate::MultiHot)
/// convert at a time (the staging buffer is `rows x CHUNK`).
pub(crate) const CHUNK: usize = 256;

/// A dense `rows x cols` array of `f32` in host memory, column-major: one column per
/// sample, as the book's networks take them.
///
/// ```
/// use datasets::HostMatrix;
/// use la_core::prelude::*;
///
/// let h = HostMatrix::new(2, 3, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
/// let m = h.to_matrix(&native_double()).unwrap(); // any factory, f32 or f64
/// assert_eq!(m.entry(1, 2).unwrap(), 6.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HostMatrix {
    rows: usize,
    cols: usize,
    data: Vec<f32>,
}

impl HostMatrix {
    /// A matrix from column-major `data` (`rows * cols` values).
    pub fn new(rows: usize, cols: usize, data: Vec<f32>) -> Result<Self> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(invalid(
                "HostMatrix::new",
                format!(
                    "{rows}x{cols} needs {} values but {} were given",
                    rows as u128 * cols as u128,
                    data.len()
                ),
            ));
        }
        Ok(HostMatrix { rows, cols, data })
    }

    /// A `rows x cols` matrix of zeros; an error when `rows · cols` does not fit in
    /// `usize` or in memory.
    ///
    /// ```
    /// use datasets::HostMatrix;
    /// assert_eq!(HostMatrix::zeros(2, 3).unwrap().data().len(), 6);
    /// assert!(HostMatrix::zeros(1 << 32, 1 << 32).is_err());
    /// ```
    pub fn zeros(rows: usize, cols: usize) -> Result<Self> {
        let len = rows.checked_mul(cols).ok_or_else(|| {
            invalid(
                "HostMatrix::zeros",
                format!("{rows} x {cols} elements are more than usize holds"),
            )
        })?;
        let mut data = Vec::new();
        data.try_reserve_exact(len).map_err(|e| {
            invalid(
                "HostMatrix::zeros",
                format!("cannot allocate {rows} x {cols} values: {e}"),
            )
        })?;
        data.resize(len, 0.0);
        Ok(HostMatrix { rows, cols, data })
    }

    /// Number of rows (features).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (samples).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The column-major values.
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// The column-major values, writable.
    pub fn data_mut(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// Column `j` (sample `j`).
    ///
    /// # Panics
    /// If `j >= cols()`.
    pub fn col(&self, j: usize) -> &[f32] {
        &self.data[j * self.rows..(j + 1) * self.rows]
    }

    /// Column `j`, writable.
    ///
    /// # Panics
    /// If `j >= cols()`.
    pub fn col_mut(&mut self, j: usize) -> &mut [f32] {
        &mut self.data[j * self.rows..(j + 1) * self.rows]
    }

    /// [`col`](Self::col), or an error naming `j` when it is out of range.
    ///
    /// ```
    /// use datasets::HostMatrix;
    /// let h = HostMatrix::new(2, 1, vec![1.0, 2.0]).unwrap();
    /// assert_eq!(h.try_col(0).unwrap(), &[1.0, 2.0]);
    /// assert!(h.try_col(1).is_err());
    /// ```
    pub fn try_col(&self, j: usize) -> Result<&[f32]> {
        if j >= self.cols {
            return Err(invalid(
                "HostMatrix::try_col",
                format!("column {j} is out of range for {} columns", self.cols),
            ));
        }
        Ok(self.col(j))
    }

    /// The columns listed in `cols`, in that order (a split, a shuffle).
    ///
    /// ```
    /// use datasets::HostMatrix;
    /// let h = HostMatrix::new(1, 3, vec![1.0, 2.0, 3.0]).unwrap();
    /// assert_eq!(h.select(&[2, 0]).unwrap().data(), &[3.0, 1.0]);
    /// ```
    pub fn select(&self, cols: &[usize]) -> Result<HostMatrix> {
        if let Some(&bad) = cols.iter().find(|&&j| j >= self.cols) {
            return Err(invalid(
                "HostMatrix::select",
                format!("column {bad} out of range for {} columns", self.cols),
            ));
        }
        let mut data = Vec::with_capacity(cols.len() * self.rows);
        for &j in cols {
            data.extend_from_slice(self.col(j));
        }
        Ok(HostMatrix {
            rows: self.rows,
            cols: cols.len(),
            data,
        })
    }

    /// Copies the data into a new column-major matrix of `factory` (converting `f32`
    /// to the factory's scalar), a block of columns at a time.
    pub fn to_matrix<T: Scalar>(&self, factory: &Factory<T>) -> Result<Matrix<T>> {
        let mut m = factory.ge(self.rows, self.cols, Layout::ColumnMajor)?;
        let mut stage: Vec<T> = Vec::with_capacity(self.rows * CHUNK.min(self.cols));
        for j0 in (0..self.cols).step_by(CHUNK) {
            let n = CHUNK.min(self.cols - j0);
            stage.clear();
            stage.extend(
                self.data[j0 * self.rows..(j0 + n) * self.rows]
                    .iter()
                    .map(|&v| T::of(v as f64)),
            );
            m.submatrix_mut(0, j0, self.rows, n)?.set_from(&stage)?;
        }
        Ok(m)
    }
}

/// One-hot targets: a `classes x labels.len()` matrix with a 1 in row `labels[j]` of
/// column `j`. A label `>= classes` is an error.
///
/// ```
/// let y = datasets::one_hot(&[2, 0], 3).unwrap();
/// assert_eq!(y.data(), &[0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
/// ```
pub fn one_hot(labels: &[u8], classes: usize) -> Result<HostMatrix> {
    let mut y = HostMatrix::zeros(classes, labels.len())?;
    for (j, &l) in labels.iter().enumerate() {
        if l as usize >= classes {
            return Err(invalid(
                "one_hot",
                format!("label {l} of sample {j} is not below the {classes} classes"),
            ));
        }
        y.col_mut(j)[l as usize] = 1.0;
    }
    Ok(y)
}
