//! General dense matrices (the book's `GE` matrices) and their zero-copy views.

use crate::dense::{Dense, DenseMut, Shape};
use crate::engine::{Region, Storage};
use crate::vector::{VectorView, VectorViewMut};
use crate::{Check, Factory, Result, Scalar, Vector};

/// How a matrix is stored: column by column (the BLAS default) or row by row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Layout {
    /// Columns are contiguous; element `(i, j)` is at `i + j * ld` (the book's `:column`).
    #[default]
    ColumnMajor,
    /// Rows are contiguous; element `(i, j)` is at `i * ld + j` (the book's `:row`).
    RowMajor,
}

impl Layout {
    /// The other layout (what `trans` turns a matrix into).
    pub fn flip(self) -> Layout {
        match self {
            Layout::ColumnMajor => Layout::RowMajor,
            Layout::RowMajor => Layout::ColumnMajor,
        }
    }

    /// The book's keyword: `column` or `row`.
    pub fn name(self) -> &'static str {
        match self {
            Layout::ColumnMajor => "column",
            Layout::RowMajor => "row",
        }
    }
}

/// An owned general dense matrix on some factory (the book's `RealGEMatrix`).
///
/// ```
/// use la_core::prelude::*;
/// let a = dge(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], Layout::RowMajor)?;
/// assert_eq!(a.entry(1, 0)?, 4.0);
/// assert_eq!(a.col(2)?.to_vec()?, vec![3.0, 6.0]);
/// assert_eq!(a.trans().mrows(), 3);
/// # Ok::<(), la_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Matrix<T: Scalar> {
    factory: Factory<T>,
    storage: Storage<T>,
    m: usize,
    n: usize,
    layout: Layout,
}

/// A read-only view of a matrix: a submatrix, a transpose, ...
#[derive(Debug, Clone, Copy)]
pub struct MatrixView<'a, T: Scalar> {
    factory: &'a Factory<T>,
    storage: &'a Storage<T>,
    geo: Geometry,
}

/// A writable view of a matrix.
#[derive(Debug)]
pub struct MatrixViewMut<'a, T: Scalar> {
    factory: &'a Factory<T>,
    storage: &'a mut Storage<T>,
    geo: Geometry,
}

/// Offset, shape, leading dimension and layout of a matrix in its buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Geometry {
    offset: usize,
    m: usize,
    n: usize,
    ld: usize,
    layout: Layout,
}

impl Geometry {
    fn region(&self) -> Region {
        let (rs, cs) = match self.layout {
            Layout::ColumnMajor => (1, self.ld),
            Layout::RowMajor => (self.ld, 1),
        };
        Region {
            offset: self.offset,
            m: self.m,
            n: self.n,
            rs,
            cs,
        }
    }

    fn sub(&self, i: usize, j: usize, k: usize, l: usize) -> Result<Geometry> {
        let (m, n) = (self.m, self.n);
        Check::new("submatrix")
            .require(i.checked_add(k).is_some_and(|e| e <= m), || {
                format!(
                    "rows {i}..{} are out of a {m}x{n} matrix",
                    i.saturating_add(k)
                )
            })
            .require(j.checked_add(l).is_some_and(|e| e <= n), || {
                format!(
                    "columns {j}..{} are out of a {m}x{n} matrix",
                    j.saturating_add(l)
                )
            })
            .finish()?;
        Ok(Geometry {
            offset: self.region().index(i, j),
            m: k,
            n: l,
            ..*self
        })
    }

    fn trans(&self) -> Geometry {
        Geometry {
            m: self.n,
            n: self.m,
            layout: self.layout.flip(),
            ..*self
        }
    }

    /// (offset, dim, stride) of row `i`.
    fn row(&self, i: usize) -> Result<(usize, usize, usize)> {
        Check::new("row")
            .require(i < self.m, || {
                format!("row {i} is out of a {}x{} matrix", self.m, self.n)
            })
            .finish()?;
        let r = self.region();
        Ok((r.index(i, 0), self.n, r.cs))
    }

    /// (offset, dim, stride) of column `j`.
    fn col(&self, j: usize) -> Result<(usize, usize, usize)> {
        Check::new("col")
            .require(j < self.n, || {
                format!("column {j} is out of a {}x{} matrix", self.m, self.n)
            })
            .finish()?;
        let r = self.region();
        Ok((r.index(0, j), self.m, r.rs))
    }

    /// (offset, dim) of the whole matrix as one vector, when it is contiguous.
    fn flat(&self) -> Result<(usize, usize)> {
        let r = self.region();
        let ok = match self.layout {
            Layout::ColumnMajor => r.is_flat_col(),
            Layout::RowMajor => r.is_flat_row(),
        };
        Check::new("view_vctr")
            .require(ok, || {
                format!(
                    "a {}x{} {}-major matrix with ld {} is not contiguous",
                    self.m,
                    self.n,
                    self.layout.name(),
                    self.ld
                )
            })
            .finish()?;
        Ok((self.offset, self.m * self.n))
    }

    fn index(&self, op: &'static str, i: usize, j: usize) -> Result<Region> {
        Check::new(op)
            .require(i < self.m && j < self.n, || {
                format!("entry ({i}, {j}) is out of a {}x{} matrix", self.m, self.n)
            })
            .finish()?;
        Ok(Region::vector(self.region().index(i, j), 1, 1))
    }
}

impl<T: Scalar> Matrix<T> {
    pub(crate) fn from_parts(
        factory: Factory<T>,
        storage: Storage<T>,
        m: usize,
        n: usize,
        layout: Layout,
    ) -> Self {
        Matrix {
            factory,
            storage,
            m,
            n,
            layout,
        }
    }

    pub(crate) fn storage_mut_internal(&mut self) -> &mut Storage<T> {
        &mut self.storage
    }

    fn geo(&self) -> Geometry {
        let ld = match self.layout {
            Layout::ColumnMajor => self.m,
            Layout::RowMajor => self.n,
        };
        Geometry {
            offset: 0,
            m: self.m,
            n: self.n,
            ld: ld.max(1),
            layout: self.layout,
        }
    }
}

impl<'a, T: Scalar> MatrixView<'a, T> {
    /// A view of `storage` as an `m x n` matrix at `offset` with leading dimension `ld`
    /// (the caller checked that every element lies inside the storage).
    pub(crate) fn from_raw(
        factory: &'a Factory<T>,
        storage: &'a Storage<T>,
        (offset, m, n, ld): (usize, usize, usize, usize),
        layout: Layout,
    ) -> Self {
        MatrixView {
            factory,
            storage,
            geo: Geometry {
                offset,
                m,
                n,
                ld,
                layout,
            },
        }
    }

    /// The transpose, keeping the borrow of the original.
    pub fn into_trans(self) -> MatrixView<'a, T> {
        MatrixView {
            geo: self.geo.trans(),
            ..self
        }
    }

    /// The `k x l` submatrix at `(i, j)`, keeping the borrow of the original.
    pub fn into_submatrix(
        self,
        i: usize,
        j: usize,
        k: usize,
        l: usize,
    ) -> Result<MatrixView<'a, T>> {
        Ok(MatrixView {
            geo: self.geo.sub(i, j, k, l)?,
            ..self
        })
    }

    /// Row `i`, keeping the borrow of the original.
    pub fn into_row(self, i: usize) -> Result<VectorView<'a, T>> {
        let (o, d, s) = self.geo.row(i)?;
        Ok(VectorView::new(self.factory, self.storage, o, d, s))
    }

    /// Column `j`, keeping the borrow of the original.
    pub fn into_col(self, j: usize) -> Result<VectorView<'a, T>> {
        let (o, d, s) = self.geo.col(j)?;
        Ok(VectorView::new(self.factory, self.storage, o, d, s))
    }
}

impl<'a, T: Scalar> MatrixViewMut<'a, T> {
    /// The writable counterpart of [`MatrixView::from_raw`].
    pub(crate) fn from_raw(
        factory: &'a Factory<T>,
        storage: &'a mut Storage<T>,
        (offset, m, n, ld): (usize, usize, usize, usize),
        layout: Layout,
    ) -> Self {
        MatrixViewMut {
            factory,
            storage,
            geo: Geometry {
                offset,
                m,
                n,
                ld,
                layout,
            },
        }
    }

    /// The writable transpose, keeping the borrow of the original.
    pub fn into_trans_mut(self) -> MatrixViewMut<'a, T> {
        MatrixViewMut {
            geo: self.geo.trans(),
            ..self
        }
    }

    /// The writable `k x l` submatrix at `(i, j)`, keeping the borrow.
    pub fn into_submatrix_mut(
        self,
        i: usize,
        j: usize,
        k: usize,
        l: usize,
    ) -> Result<MatrixViewMut<'a, T>> {
        Ok(MatrixViewMut {
            geo: self.geo.sub(i, j, k, l)?,
            ..self
        })
    }

    /// Writable row `i`, keeping the borrow.
    pub fn into_row_mut(self, i: usize) -> Result<VectorViewMut<'a, T>> {
        let (o, d, s) = self.geo.row(i)?;
        Ok(VectorViewMut::new(self.factory, self.storage, o, d, s))
    }

    /// Writable column `j`, keeping the borrow.
    pub fn into_col_mut(self, j: usize) -> Result<VectorViewMut<'a, T>> {
        let (o, d, s) = self.geo.col(j)?;
        Ok(VectorViewMut::new(self.factory, self.storage, o, d, s))
    }

    /// The whole (contiguous) matrix as one writable vector, keeping the borrow.
    pub fn into_view_vctr_mut(self) -> Result<VectorViewMut<'a, T>> {
        let (o, d) = self.geo.flat()?;
        Ok(VectorViewMut::new(self.factory, self.storage, o, d, 1))
    }
}

/// Read access shared by [`Matrix`], [`MatrixView`] and [`MatrixViewMut`].
pub trait AsMatrix<T: Scalar>: Dense<T> {
    /// A read-only view of the whole matrix.
    fn view(&self) -> MatrixView<'_, T>;

    /// Number of rows (the book's `mrows`).
    fn mrows(&self) -> usize {
        self.view().geo.m
    }

    /// Number of columns (the book's `ncols`).
    fn ncols(&self) -> usize {
        self.view().geo.n
    }

    /// The storage layout.
    fn layout(&self) -> Layout {
        self.view().geo.layout
    }

    /// The leading dimension: distance between columns (column-major) or rows (row-major).
    fn ld(&self) -> usize {
        self.view().geo.ld
    }

    /// Element `(i, j)` (the book's `entry`). Element-by-element device reads are slow.
    fn entry(&self, i: usize, j: usize) -> Result<T> {
        let v = self.view();
        let r = v.geo.index("entry", i, j)?;
        let mut out = [T::zero()];
        v.factory.engine().read(v.storage, r, &mut out)?;
        Ok(out[0])
    }

    /// The elements copied to a host `Vec` in column-major order.
    fn to_vec(&self) -> Result<Vec<T>> {
        let v = self.view();
        let mut out = vec![T::zero(); v.geo.m * v.geo.n];
        v.factory
            .engine()
            .read(v.storage, v.geo.region(), &mut out)?;
        Ok(out)
    }

    /// The elements copied to a host `Vec` of rows, for printing and tests.
    fn to_rows(&self) -> Result<Vec<Vec<T>>> {
        let (m, n) = (self.mrows(), self.ncols());
        let flat = self.to_vec()?;
        Ok((0..m)
            .map(|i| (0..n).map(|j| flat[i + j * m]).collect())
            .collect())
    }

    /// The transpose (a view: no data moves; the book's `trans`).
    fn trans(&self) -> MatrixView<'_, T> {
        self.view().into_trans()
    }

    /// The `k x l` submatrix whose top-left element is `(i, j)` (a view).
    fn submatrix(&self, i: usize, j: usize, k: usize, l: usize) -> Result<MatrixView<'_, T>> {
        self.view().into_submatrix(i, j, k, l)
    }

    /// Row `i` as a vector view (the book's `row`).
    fn row(&self, i: usize) -> Result<VectorView<'_, T>> {
        self.view().into_row(i)
    }

    /// Column `j` as a vector view (the book's `col`).
    fn col(&self, j: usize) -> Result<VectorView<'_, T>> {
        self.view().into_col(j)
    }

    /// The rows, in order, as vector views (the book's `rows`).
    fn rows(&self) -> Box<dyn Iterator<Item = VectorView<'_, T>> + '_> {
        let v = self.view();
        Box::new((0..v.geo.m).filter_map(move |i| v.into_row(i).ok()))
    }

    /// The columns, in order, as vector views (the book's `cols`).
    fn cols(&self) -> Box<dyn Iterator<Item = VectorView<'_, T>> + '_> {
        let v = self.view();
        Box::new((0..v.geo.n).filter_map(move |j| v.into_col(j).ok()))
    }

    /// The whole matrix as one vector (the book's `view-vctr`); it must be contiguous.
    fn view_vctr(&self) -> Result<VectorView<'_, T>> {
        let v = self.view();
        let (o, d) = v.geo.flat()?;
        Ok(VectorView::new(v.factory, v.storage, o, d, 1))
    }

    /// A copy of the matrix on another factory, same layout (the book's `transfer`).
    fn transfer(&self, factory: &Factory<T>) -> Result<Matrix<T>> {
        let mut out = factory.ge(self.mrows(), self.ncols(), self.layout())?;
        out.set_from(&self.to_vec()?)?;
        Ok(out)
    }
}

/// Write access shared by [`Matrix`] and [`MatrixViewMut`].
pub trait AsMatrixMut<T: Scalar>: AsMatrix<T> + DenseMut<T> {
    /// A writable view of the whole matrix.
    fn view_mut(&mut self) -> MatrixViewMut<'_, T>;

    /// Sets element `(i, j)` (the book's `entry!`).
    fn set_entry(&mut self, i: usize, j: usize, value: T) -> Result<()> {
        let v = self.view_mut();
        let r = v.geo.index("set_entry", i, j)?;
        v.factory.engine().write(v.storage, r, &[value])
    }

    /// Overwrites the elements with `data`, given in column-major order.
    fn set_from(&mut self, data: &[T]) -> Result<()> {
        let v = self.view_mut();
        let (m, n) = (v.geo.m, v.geo.n);
        Check::new("set_from")
            .require(data.len() == m * n, || {
                format!("a is {m}x{n} but {} values were given", data.len())
            })
            .finish()?;
        let r = v.geo.region();
        v.factory.engine().write(v.storage, r, data)
    }

    /// The writable transpose.
    fn trans_mut(&mut self) -> MatrixViewMut<'_, T> {
        self.view_mut().into_trans_mut()
    }

    /// The writable `k x l` submatrix at `(i, j)`.
    fn submatrix_mut(
        &mut self,
        i: usize,
        j: usize,
        k: usize,
        l: usize,
    ) -> Result<MatrixViewMut<'_, T>> {
        self.view_mut().into_submatrix_mut(i, j, k, l)
    }

    /// Writable row `i`.
    fn row_mut(&mut self, i: usize) -> Result<VectorViewMut<'_, T>> {
        self.view_mut().into_row_mut(i)
    }

    /// Writable column `j`.
    fn col_mut(&mut self, j: usize) -> Result<VectorViewMut<'_, T>> {
        self.view_mut().into_col_mut(j)
    }

    /// The whole (contiguous) matrix as one writable vector.
    fn view_vctr_mut(&mut self) -> Result<VectorViewMut<'_, T>> {
        self.view_mut().into_view_vctr_mut()
    }
}

macro_rules! matrix_dense {
    ($ty:ty, $($lt:lifetime)?) => {
        impl<$($lt,)? T: Scalar> Dense<T> for $ty {
            type Owned = Matrix<T>;
            fn factory(&self) -> &Factory<T> {
                &self.factory
            }
            fn storage(&self) -> &Storage<T> {
                &self.storage
            }
            fn region(&self) -> Region {
                self.view().geo.region()
            }
            fn shape(&self) -> Shape {
                Shape::Matrix(self.mrows(), self.ncols())
            }
            fn zeros_like(&self) -> Result<Matrix<T>> {
                self.factory.ge(self.mrows(), self.ncols(), self.layout())
            }
        }
        impl<$($lt,)? T: Scalar> std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                crate::display::fmt_matrix(self, f)
            }
        }
    };
}

matrix_dense!(Matrix<T>,);
matrix_dense!(MatrixView<'a, T>, 'a);
matrix_dense!(MatrixViewMut<'a, T>, 'a);

impl<T: Scalar> DenseMut<T> for Matrix<T> {
    fn storage_mut(&mut self) -> &mut Storage<T> {
        &mut self.storage
    }
}

impl<T: Scalar> DenseMut<T> for MatrixViewMut<'_, T> {
    fn storage_mut(&mut self) -> &mut Storage<T> {
        self.storage
    }
}

impl<T: Scalar> AsMatrix<T> for Matrix<T> {
    fn view(&self) -> MatrixView<'_, T> {
        MatrixView {
            factory: &self.factory,
            storage: &self.storage,
            geo: self.geo(),
        }
    }
}

impl<T: Scalar> AsMatrix<T> for MatrixView<'_, T> {
    fn view(&self) -> MatrixView<'_, T> {
        *self
    }
}

impl<T: Scalar> AsMatrix<T> for MatrixViewMut<'_, T> {
    fn view(&self) -> MatrixView<'_, T> {
        MatrixView {
            factory: self.factory,
            storage: self.storage,
            geo: self.geo,
        }
    }
}

impl<T: Scalar> AsMatrixMut<T> for Matrix<T> {
    fn view_mut(&mut self) -> MatrixViewMut<'_, T> {
        let geo = self.geo();
        MatrixViewMut {
            factory: &self.factory,
            storage: &mut self.storage,
            geo,
        }
    }
}

impl<T: Scalar> AsMatrixMut<T> for MatrixViewMut<'_, T> {
    fn view_mut(&mut self) -> MatrixViewMut<'_, T> {
        MatrixViewMut {
            factory: self.factory,
            storage: self.storage,
            geo: self.geo,
        }
    }
}

impl<T: Scalar> From<Vector<T>> for Matrix<T> {
    /// A vector of dimension `n` as an `n x 1` column-major matrix (no copy).
    fn from(v: Vector<T>) -> Self {
        use crate::AsVector;
        let n = v.dim();
        let factory = v.factory().clone();
        let storage = v.into_storage();
        Matrix::from_parts(factory, storage, n, 1, Layout::ColumnMajor)
    }
}
