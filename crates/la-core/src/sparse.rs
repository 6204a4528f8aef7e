//! Sparse inputs: a compressed-column host matrix and the two products a network's
//! first layer needs when its input is mostly zeros (IMDB's bag-of-words is ~98%
//! zeros): `C := α A B + β C` ([`sparse_mm_into`], the forward pass) and
//! `C := α A Bᵀ + β C` ([`sparse_mm_t_into`], the weight gradient), with `A` and `C`
//! dense and `B` sparse.
//!
//! These run on host memory (the native, MKL and OpenBLAS factories); on a device
//! factory they return [`Error::Unsupported`]. They cost `O(m · nnz(B))` instead of
//! `O(m · k · n)`.

use crate::dense::{Dense, DenseMut};
use crate::engine::Region;
use crate::error::{Check, Error, Result};
use crate::matrix::{AsMatrix, AsMatrixMut};
use crate::scalar::Scalar;

/// A `rows x cols` sparse matrix in compressed sparse columns (CSC), in host memory:
/// column `j`'s nonzeros are `values[col_ptr[j]..col_ptr[j+1]]` at rows
/// `row_idx[col_ptr[j]..col_ptr[j+1]]`.
///
/// ```
/// use la_core::sparse::CscMatrix;
/// // [[1, 0], [0, 0], [2, 3]]
/// let b = CscMatrix::new(3, vec![0, 2, 3], vec![0, 2, 2], vec![1.0f32, 2.0, 3.0]).unwrap();
/// assert_eq!((b.mrows(), b.ncols(), b.nnz()), (3, 2, 3));
/// assert_eq!(b.col(1), (&[2u32][..], &[3.0f32][..]));
/// assert!(CscMatrix::new(3, vec![0, 1], vec![5], vec![1.0f32]).is_err()); // row 5 of 3
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CscMatrix<T> {
    rows: usize,
    col_ptr: Vec<usize>,
    row_idx: Vec<u32>,
    values: Vec<T>,
}

impl<T: Scalar> CscMatrix<T> {
    /// A matrix from its compressed columns; checks that `col_ptr` starts at 0, never
    /// decreases and ends at the number of values, and that every row index is below
    /// `rows`.
    pub fn new(
        rows: usize,
        col_ptr: Vec<usize>,
        row_idx: Vec<u32>,
        values: Vec<T>,
    ) -> Result<Self> {
        let mut c = Check::new("CscMatrix::new");
        c.require(!col_ptr.is_empty() && col_ptr[0] == 0, || {
            "col_ptr must start with 0".into()
        })
        .require(col_ptr.windows(2).all(|w| w[0] <= w[1]), || {
            "col_ptr must not decrease".into()
        })
        .require(
            col_ptr.last() == Some(&row_idx.len()) && row_idx.len() == values.len(),
            || {
                format!(
                    "col_ptr ends at {:?} but there are {} row indices and {} values",
                    col_ptr.last(),
                    row_idx.len(),
                    values.len()
                )
            },
        );
        if let Some(&bad) = row_idx.iter().find(|&&i| i as usize >= rows) {
            c.require(false, || {
                format!("row index {bad} is not below {rows} rows")
            });
        }
        c.finish()?;
        Ok(CscMatrix {
            rows,
            col_ptr,
            row_idx,
            values,
        })
    }

    /// An empty `rows x 0` matrix with room for `cols` columns and `nnz` nonzeros:
    /// [`push_col`](Self::push_col) fills it without allocating within that room.
    ///
    /// The room is a hint: a reservation that cannot be made (more than memory or
    /// `usize` holds) is skipped, never a panic; pushes then allocate as they go.
    pub fn with_capacity(rows: usize, cols: usize, nnz: usize) -> Self {
        let mut col_ptr = Vec::new();
        let _ = col_ptr.try_reserve(cols.saturating_add(1));
        col_ptr.push(0);
        let (mut row_idx, mut values) = (Vec::new(), Vec::new());
        if row_idx.try_reserve(nnz).is_ok() && values.try_reserve(nnz).is_err() {
            row_idx = Vec::new();
        }
        CscMatrix {
            rows,
            col_ptr,
            row_idx,
            values,
        }
    }

    /// Makes room for `nnz` nonzeros in total (no allocation below that afterwards).
    pub fn reserve(&mut self, nnz: usize) {
        self.row_idx.reserve(nnz.saturating_sub(self.row_idx.len()));
        self.values.reserve(nnz.saturating_sub(self.values.len()));
    }

    /// Removes every column (keeps the capacity).
    pub fn clear(&mut self) {
        self.col_ptr.truncate(1);
        self.row_idx.clear();
        self.values.clear();
    }

    /// Appends a column with nonzeros `values` at rows `rows`.
    pub fn push_col(&mut self, rows: &[u32], values: &[T]) -> Result<()> {
        let mut c = Check::new("CscMatrix::push_col");
        c.require(rows.len() == values.len(), || {
            format!("{} row indices but {} values", rows.len(), values.len())
        });
        if let Some(&bad) = rows.iter().find(|&&i| i as usize >= self.rows) {
            c.require(false, || {
                format!("row index {bad} is not below {} rows", self.rows)
            });
        }
        c.finish()?;
        self.append(rows, values);
        Ok(())
    }

    /// Appends column `j` of `src` (a matrix with as many rows): the mini-batch
    /// gather, with no per-element checks (`src` is valid by construction).
    pub fn push_col_from(&mut self, src: &CscMatrix<T>, j: usize) -> Result<()> {
        Check::new("CscMatrix::push_col_from")
            .require(src.rows == self.rows && j < src.ncols(), || {
                format!(
                    "column {j} of a {}x{} matrix into one with {} rows",
                    src.rows,
                    src.ncols(),
                    self.rows
                )
            })
            .finish()?;
        let (rows, values) = src.col(j);
        self.append(rows, values);
        Ok(())
    }

    /// Appends a column already known to be valid.
    fn append(&mut self, rows: &[u32], values: &[T]) {
        self.row_idx.extend_from_slice(rows);
        self.values.extend_from_slice(values);
        self.col_ptr.push(self.row_idx.len());
    }

    /// Number of rows.
    pub fn mrows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.col_ptr.len() - 1
    }

    /// Number of stored nonzeros.
    pub fn nnz(&self) -> usize {
        self.row_idx.len()
    }

    /// Column `j`: its row indices and values.
    ///
    /// # Panics
    /// If `j >= ncols()`.
    pub fn col(&self, j: usize) -> (&[u32], &[T]) {
        let r = self.col_ptr[j]..self.col_ptr[j + 1];
        (&self.row_idx[r.clone()], &self.values[r])
    }

    /// [`col`](Self::col), or an error naming `j` when it is out of range.
    ///
    /// ```
    /// use la_core::sparse::CscMatrix;
    /// let m = CscMatrix::<f32>::with_capacity(3, 1, 0);
    /// assert!(m.try_col(0).is_err()); // no columns pushed yet
    /// ```
    pub fn try_col(&self, j: usize) -> crate::Result<(&[u32], &[T])> {
        crate::Check::new("CscMatrix::try_col")
            .require(j < self.ncols(), || {
                format!("column {j} is out of range for {} columns", self.ncols())
            })
            .finish()?;
        Ok(self.col(j))
    }
}

/// `c := β c` over a region (`β = 0` writes zeros, so NaNs in `c` do not survive).
fn scale<T: Scalar>(beta: T, c: &mut [T], rc: Region) {
    for j in 0..rc.n {
        for i in 0..rc.m {
            let x = &mut c[rc.index(i, j)];
            *x = if beta == T::zero() {
                T::zero()
            } else {
                beta * *x
            };
        }
    }
}

/// `c[:, jc] += v * a[:, ja]` for regions `rc`, `ra` of equal row count.
#[inline]
fn axpy_col<T: Scalar>(v: T, a: &[T], ra: Region, ja: usize, c: &mut [T], rc: Region, jc: usize) {
    let m = ra.m;
    if m == 0 {
        return;
    }
    if ra.rs == 1 && rc.rs == 1 {
        let (ao, co) = (ra.index(0, ja), rc.index(0, jc));
        for (y, &x) in c[co..co + m].iter_mut().zip(&a[ao..ao + m]) {
            *y = *y + v * x;
        }
    } else {
        for i in 0..m {
            let y = &mut c[rc.index(i, jc)];
            *y = *y + v * a[ra.index(i, ja)];
        }
    }
}

/// Checks the factories and returns what the products need, or `Unsupported` for
/// device memory.
fn run<T: Scalar>(
    op: &'static str,
    a: &impl AsMatrix<T>,
    c: &mut impl AsMatrixMut<T>,
    shapes_ok: bool,
    describe: impl FnOnce() -> String,
    body: impl FnOnce(&[T], Region, &mut [T], Region),
) -> Result<()> {
    let a = a.view();
    let mut c = c.view_mut();
    a.factory().require_same(op, c.factory())?;
    Check::new(op).require(shapes_ok, describe).finish()?;
    let (ra, rc) = (a.region(), c.region());
    let unsupported = |f: &crate::Factory<T>| Error::Unsupported {
        backend: f.name(),
        op,
    };
    let Some(ah) = a.storage().host() else {
        return Err(unsupported(a.factory()));
    };
    let factory = c.factory().clone();
    let Some(ch) = c.storage_mut().host_mut() else {
        return Err(unsupported(&factory));
    };
    body(ah, ra, ch, rc);
    Ok(())
}

/// `c := α a b + β c` with `b` sparse (a layer's forward pass on sparse input:
/// `a` = weights `m x k`, `b` = inputs `k x n`, `c` = `m x n`).
///
/// ```
/// use la_core::prelude::*;
/// use la_core::sparse::{sparse_mm_into, CscMatrix};
/// let a = fge(2, 3, &[1., 2., 3., 4., 5., 6.], Layout::RowMajor)?;
/// let b = CscMatrix::new(3, vec![0, 2, 3], vec![0, 2, 1], vec![1.0, 1.0, 2.0])?; // [[1,0],[0,2],[1,0]]
/// let mut c = native_float().ge(2, 2, Layout::ColumnMajor)?;
/// sparse_mm_into(1.0, &a, &b, 0.0, &mut c)?;
/// assert_eq!(c.to_rows()?, vec![vec![4.0, 4.0], vec![10.0, 10.0]]);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn sparse_mm_into<T: Scalar>(
    alpha: T,
    a: &impl AsMatrix<T>,
    b: &CscMatrix<T>,
    beta: T,
    c: &mut impl AsMatrixMut<T>,
) -> Result<()> {
    sparse_product("sparse_mm", alpha, a, b, beta, c, false)
}

/// `c := α a bᵀ + β c` with `b` sparse (a layer's weight gradient on sparse input:
/// `a` = errors `m x n`, `b` = inputs `k x n`, `c` = `m x k`).
///
/// ```
/// use la_core::prelude::*;
/// use la_core::sparse::{sparse_mm_t_into, CscMatrix};
/// let a = fge(1, 2, &[1., 10.], Layout::RowMajor)?;
/// let b = CscMatrix::new(3, vec![0, 2, 3], vec![0, 2, 1], vec![1.0, 1.0, 2.0])?; // [[1,0],[0,2],[1,0]]
/// let mut c = native_float().ge(1, 3, Layout::ColumnMajor)?;
/// sparse_mm_t_into(1.0, &a, &b, 0.0, &mut c)?;
/// assert_eq!(c.to_vec()?, vec![1.0, 20.0, 1.0]);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn sparse_mm_t_into<T: Scalar>(
    alpha: T,
    a: &impl AsMatrix<T>,
    b: &CscMatrix<T>,
    beta: T,
    c: &mut impl AsMatrixMut<T>,
) -> Result<()> {
    sparse_product("sparse_mm_t", alpha, a, b, beta, c, true)
}

/// `c := α a op(b) + β c`: `op(b) = b` (`a` is `m x k`, `c` is `m x n`) or `bᵀ`
/// (`a` is `m x n`, `c` is `m x k`), for `b` sparse `k x n`. Either way each nonzero
/// `b[i, j]` adds one column of `a` to one column of `c`.
fn sparse_product<T: Scalar>(
    op: &'static str,
    alpha: T,
    a: &impl AsMatrix<T>,
    b: &CscMatrix<T>,
    beta: T,
    c: &mut impl AsMatrixMut<T>,
    trans_b: bool,
) -> Result<()> {
    let (m, ak, (k, n)) = (a.mrows(), a.ncols(), (b.mrows(), b.ncols()));
    let (cm, cn) = (c.mrows(), c.ncols());
    let (a_cols, c_cols, need) = if trans_b {
        (n, k, "a: m x n, b: k x n, c: m x k")
    } else {
        (k, n, "a: m x k, b: k x n, c: m x n")
    };
    let ok = ak == a_cols && cm == m && cn == c_cols;
    let shapes = || format!("a is {m}x{ak}, b is {k}x{n} (sparse), c is {cm}x{cn}; need {need}");
    run(op, a, c, ok, shapes, |ah, ra, ch, rc| {
        // B's columns `j0..j1`: each nonzero adds a column of A to one of C (C's column
        // `j - j0` for `A B`, where `ch`/`rc` then hold only those columns).
        let columns = |ch: &mut [T], rc: Region, j0: usize, j1: usize| {
            for j in j0..j1 {
                let (rows, vals) = b.col(j);
                for (&i, &v) in rows.iter().zip(vals) {
                    let (ja, jc) = if trans_b {
                        (j, i as usize)
                    } else {
                        (i as usize, j - j0)
                    };
                    axpy_col(alpha * v, ah, ra, ja, ch, rc, jc);
                }
            }
        };
        scale(beta, ch, rc);
        // `A B` writes C's column j from B's column j only: two threads take half the
        // columns each when C is contiguous and the work is worth a wake-up.
        let split = !trans_b && rc.is_flat_col() && n >= 2 && b.nnz() * m >= 1 << 16;
        if split && rayon::current_num_threads() >= 2 {
            let mid = n / 2;
            let (c1, c2) = ch[rc.offset..rc.offset + m * n].split_at_mut(m * mid);
            let half = |n| Region {
                offset: 0,
                m,
                n,
                rs: 1,
                cs: m,
            };
            rayon::join(
                || columns(c1, half(mid), 0, mid),
                || columns(c2, half(n - mid), mid, n),
            );
        } else {
            columns(ch, rc, 0, n);
        }
    })
}
