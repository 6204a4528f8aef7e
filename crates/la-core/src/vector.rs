//! Dense vectors and their zero-copy views.

use crate::dense::{Dense, DenseMut, Shape};
use crate::engine::{Region, Storage};
use crate::{Check, Factory, Layout, MatrixView, MatrixViewMut, Result, Scalar};

/// An owned dense vector on some factory (the book's `RealBlockVector`).
///
/// ```
/// use la_core::prelude::*;
/// let x = dv(&[1.0, 2.0, 3.0]);
/// assert_eq!(x.dim(), 3);
/// assert_eq!(x.entry(1)?, 2.0);
/// assert_eq!(x.subvector(1, 2)?.to_vec()?, vec![2.0, 3.0]);
/// # Ok::<(), la_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Vector<T: Scalar> {
    factory: Factory<T>,
    storage: Storage<T>,
    dim: usize,
}

/// A read-only view of a vector: a subvector, a matrix row or column, ...
#[derive(Debug, Clone, Copy)]
pub struct VectorView<'a, T: Scalar> {
    factory: &'a Factory<T>,
    storage: &'a Storage<T>,
    offset: usize,
    dim: usize,
    stride: usize,
}

/// A writable view of a vector.
#[derive(Debug)]
pub struct VectorViewMut<'a, T: Scalar> {
    factory: &'a Factory<T>,
    storage: &'a mut Storage<T>,
    offset: usize,
    dim: usize,
    stride: usize,
}

impl<T: Scalar> Vector<T> {
    pub(crate) fn from_parts(factory: Factory<T>, storage: Storage<T>, dim: usize) -> Self {
        Vector {
            factory,
            storage,
            dim,
        }
    }

    pub(crate) fn storage_mut_internal(&mut self) -> &mut Storage<T> {
        &mut self.storage
    }
}

impl<'a, T: Scalar> VectorView<'a, T> {
    pub(crate) fn new(
        factory: &'a Factory<T>,
        storage: &'a Storage<T>,
        offset: usize,
        dim: usize,
        stride: usize,
    ) -> Self {
        VectorView {
            factory,
            storage,
            offset,
            dim,
            stride,
        }
    }

    /// The subvector of `len` elements starting at `start`, keeping the borrow of the
    /// original (the book's `subvector`).
    pub fn into_subvector(self, start: usize, len: usize) -> Result<VectorView<'a, T>> {
        check_sub(self.dim, start, len)?;
        Ok(VectorView {
            offset: self.offset + start * self.stride,
            dim: len,
            ..self
        })
    }

    /// Every `step`-th element, `len` of them from `start`, keeping the borrow.
    pub fn into_strided(self, start: usize, len: usize, step: usize) -> Result<VectorView<'a, T>> {
        check_strided(self.dim, start, len, step)?;
        Ok(VectorView {
            offset: self.offset + start * self.stride,
            dim: len,
            stride: self.stride * step,
            ..self
        })
    }

    /// The contiguous vector viewed as an `m x n` matrix whose element `(0, 0)` is
    /// element `start`, with leading dimension `ld` (the book's `view-ge`, generalised
    /// to an offset and a leading dimension), keeping the borrow.
    pub fn into_ge(
        self,
        start: usize,
        (m, n, ld): (usize, usize, usize),
        layout: Layout,
    ) -> Result<MatrixView<'a, T>> {
        check_ge(self.dim, self.stride, start, (m, n, ld), layout)?;
        Ok(MatrixView::from_raw(
            self.factory,
            self.storage,
            (self.offset + start, m, n, ld.max(1)),
            layout,
        ))
    }
}

impl<'a, T: Scalar> VectorViewMut<'a, T> {
    pub(crate) fn new(
        factory: &'a Factory<T>,
        storage: &'a mut Storage<T>,
        offset: usize,
        dim: usize,
        stride: usize,
    ) -> Self {
        VectorViewMut {
            factory,
            storage,
            offset,
            dim,
            stride,
        }
    }

    /// The writable subvector of `len` elements starting at `start`, keeping the borrow.
    pub fn into_subvector_mut(self, start: usize, len: usize) -> Result<VectorViewMut<'a, T>> {
        check_sub(self.dim, start, len)?;
        Ok(VectorViewMut {
            offset: self.offset + start * self.stride,
            dim: len,
            ..self
        })
    }

    /// Writable every-`step`-th element view, keeping the borrow (see [`VectorView::into_strided`]).
    pub fn into_strided_mut(
        self,
        start: usize,
        len: usize,
        step: usize,
    ) -> Result<VectorViewMut<'a, T>> {
        check_strided(self.dim, start, len, step)?;
        Ok(VectorViewMut {
            offset: self.offset + start * self.stride,
            dim: len,
            stride: self.stride * step,
            ..self
        })
    }

    /// The writable matrix view of a contiguous vector (see [`VectorView::into_ge`]).
    pub fn into_ge_mut(
        self,
        start: usize,
        (m, n, ld): (usize, usize, usize),
        layout: Layout,
    ) -> Result<MatrixViewMut<'a, T>> {
        check_ge(self.dim, self.stride, start, (m, n, ld), layout)?;
        Ok(MatrixViewMut::from_raw(
            self.factory,
            self.storage,
            (self.offset + start, m, n, ld.max(1)),
            layout,
        ))
    }
}

fn check_strided(dim: usize, start: usize, len: usize, step: usize) -> Result<()> {
    let last = len.checked_sub(1).map_or(Some(start), |k| {
        k.checked_mul(step).and_then(|e| e.checked_add(start))
    });
    Check::new("subvector_strided")
        .require(step > 0, || "the step is 0".into())
        .require(len == 0 || last.is_some_and(|e| e < dim), || {
            format!("{len} elements {step} apart from {start} are out of a vector of dim {dim}")
        })
        .finish()
}

fn check_ge(
    dim: usize,
    stride: usize,
    start: usize,
    (m, n, ld): (usize, usize, usize),
    layout: Layout,
) -> Result<()> {
    let (inner, outer) = match layout {
        Layout::ColumnMajor => (m, n),
        Layout::RowMajor => (n, m),
    };
    // Index just past the last element, without overflow.
    let end = if m == 0 || n == 0 {
        Some(start)
    } else {
        (outer - 1)
            .checked_mul(ld)
            .and_then(|e| e.checked_add(inner))
            .and_then(|e| e.checked_add(start))
    };
    Check::new("view_ge")
        .require(stride == 1 || dim <= 1, || format!("the vector has stride {stride}; view_ge needs a contiguous vector"))
        .require(outer <= 1 || ld >= inner, || {
            format!("a {} {m}x{n} matrix needs a leading dimension >= {inner}, but it is {ld}", layout.name())
        })
        .require(end.is_some_and(|e| e <= dim), || {
            format!("a {m}x{n} matrix at {start} with leading dimension {ld} does not fit in a vector of dim {dim}")
        })
        .finish()
}

fn check_sub(dim: usize, start: usize, len: usize) -> Result<()> {
    Check::new("subvector")
        .require(start.checked_add(len).is_some_and(|e| e <= dim), || {
            format!(
                "elements {start}..{} are out of a vector of dim {dim}",
                start.saturating_add(len)
            )
        })
        .finish()
}

fn check_index(op: &'static str, dim: usize, i: usize) -> Result<()> {
    Check::new(op)
        .require(i < dim, || {
            format!("index {i} is out of a vector of dim {dim}")
        })
        .finish()
}

/// Read access shared by [`Vector`], [`VectorView`] and [`VectorViewMut`].
pub trait AsVector<T: Scalar>: Dense<T> {
    /// A read-only view of the whole vector.
    fn view(&self) -> VectorView<'_, T>;

    /// The dimension (the book's `dim`).
    fn dim(&self) -> usize {
        self.view().dim
    }

    /// The distance between consecutive elements in the buffer.
    fn stride(&self) -> usize {
        self.view().stride
    }

    /// Element `i` (the book's `entry`). Reading a device vector element by element is slow.
    fn entry(&self, i: usize) -> Result<T> {
        let v = self.view();
        check_index("entry", v.dim, i)?;
        let mut out = [T::zero()];
        let r = Region::vector(v.offset + i * v.stride, 1, 1);
        v.factory.engine().read(v.storage, r, &mut out)?;
        Ok(out[0])
    }

    /// The elements copied to a host `Vec` (the book's `(transfer! x (double-array n))`).
    fn to_vec(&self) -> Result<Vec<T>> {
        let v = self.view();
        let mut out = vec![T::zero(); v.dim];
        v.factory.engine().read(v.storage, v.region(), &mut out)?;
        Ok(out)
    }

    /// The subvector of `len` elements starting at `start` (a view, no copy).
    fn subvector(&self, start: usize, len: usize) -> Result<VectorView<'_, T>> {
        self.view().into_subvector(start, len)
    }

    /// Every `step`-th element, `len` of them from `start` (a view, no copy).
    ///
    /// ```
    /// use la_core::prelude::*;
    /// let x = dv(&[0.0, 1.0, 2.0, 3.0, 4.0]);
    /// assert_eq!(x.subvector_strided(1, 2, 2)?.to_vec()?, vec![1.0, 3.0]);
    /// # Ok::<(), la_core::Error>(())
    /// ```
    fn subvector_strided(
        &self,
        start: usize,
        len: usize,
        step: usize,
    ) -> Result<VectorView<'_, T>> {
        self.view().into_strided(start, len, step)
    }

    /// The contiguous vector viewed as an `m x n` matrix in `layout` (the book's
    /// `view-ge`; `m · n` must equal the dimension). A view, no copy.
    ///
    /// ```
    /// use la_core::prelude::*;
    /// let x = dv(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    /// let a = x.view_ge(2, 3, Layout::ColumnMajor)?;
    /// assert_eq!(a.entry(1, 2)?, 6.0);
    /// # Ok::<(), la_core::Error>(())
    /// ```
    fn view_ge(&self, m: usize, n: usize, layout: Layout) -> Result<MatrixView<'_, T>> {
        let dim = self.dim();
        Check::new("view_ge")
            .require(m.checked_mul(n) == Some(dim), || {
                format!("{m}x{n} is not the vector's dim {dim}")
            })
            .finish()?;
        let ld = match layout {
            Layout::ColumnMajor => m,
            Layout::RowMajor => n,
        };
        self.view().into_ge(0, (m, n, ld), layout)
    }

    /// The contiguous vector viewed as an `m x n` matrix at element `start` with
    /// leading dimension `ld` (a submatrix of a larger matrix laid over the vector).
    /// Every element must lie inside the vector.
    fn view_ge_at(
        &self,
        start: usize,
        (m, n, ld): (usize, usize, usize),
        layout: Layout,
    ) -> Result<MatrixView<'_, T>> {
        self.view().into_ge(start, (m, n, ld), layout)
    }

    /// A copy of the vector on another factory (the book's `transfer`).
    fn transfer(&self, factory: &Factory<T>) -> Result<Vector<T>> {
        factory.vctr_from(&self.to_vec()?)
    }
}

/// Write access shared by [`Vector`] and [`VectorViewMut`].
pub trait AsVectorMut<T: Scalar>: AsVector<T> + DenseMut<T> {
    /// A writable view of the whole vector.
    fn view_mut(&mut self) -> VectorViewMut<'_, T>;

    /// Sets element `i` (the book's `entry!`).
    fn set_entry(&mut self, i: usize, value: T) -> Result<()> {
        let v = self.view_mut();
        check_index("set_entry", v.dim, i)?;
        let r = Region::vector(v.offset + i * v.stride, 1, 1);
        v.factory.engine().write(v.storage, r, &[value])
    }

    /// Overwrites the elements with `data` (the book's `(transfer! data x)`).
    fn set_from(&mut self, data: &[T]) -> Result<()> {
        let v = self.view_mut();
        Check::new("set_from")
            .require(data.len() == v.dim, || {
                format!("x has dim {} but {} values were given", v.dim, data.len())
            })
            .finish()?;
        let r = v.region();
        v.factory.engine().write(v.storage, r, data)
    }

    /// The writable subvector of `len` elements starting at `start`.
    fn subvector_mut(&mut self, start: usize, len: usize) -> Result<VectorViewMut<'_, T>> {
        self.view_mut().into_subvector_mut(start, len)
    }

    /// Writable [`AsVector::subvector_strided`].
    fn subvector_strided_mut(
        &mut self,
        start: usize,
        len: usize,
        step: usize,
    ) -> Result<VectorViewMut<'_, T>> {
        self.view_mut().into_strided_mut(start, len, step)
    }

    /// Writable [`AsVector::view_ge`].
    fn view_ge_mut(&mut self, m: usize, n: usize, layout: Layout) -> Result<MatrixViewMut<'_, T>> {
        let dim = self.dim();
        Check::new("view_ge")
            .require(m.checked_mul(n) == Some(dim), || {
                format!("{m}x{n} is not the vector's dim {dim}")
            })
            .finish()?;
        let ld = match layout {
            Layout::ColumnMajor => m,
            Layout::RowMajor => n,
        };
        self.view_mut().into_ge_mut(0, (m, n, ld), layout)
    }

    /// Writable [`AsVector::view_ge_at`].
    fn view_ge_at_mut(
        &mut self,
        start: usize,
        (m, n, ld): (usize, usize, usize),
        layout: Layout,
    ) -> Result<MatrixViewMut<'_, T>> {
        self.view_mut().into_ge_mut(start, (m, n, ld), layout)
    }
}

macro_rules! vector_dense {
    ($ty:ty, $($lt:lifetime)?) => {
        impl<$($lt,)? T: Scalar> Dense<T> for $ty {
            type Owned = Vector<T>;
            fn factory(&self) -> &Factory<T> {
                &self.factory
            }
            fn storage(&self) -> &Storage<T> {
                &self.storage
            }
            fn region(&self) -> Region {
                let v = self.view();
                Region::vector(v.offset, v.dim, v.stride)
            }
            fn shape(&self) -> Shape {
                Shape::Vector(self.dim())
            }
            fn zeros_like(&self) -> Result<Vector<T>> {
                self.factory.vctr(self.dim())
            }
        }
        impl<$($lt,)? T: Scalar> std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                crate::display::fmt_vector(self, f)
            }
        }
    };
}

vector_dense!(Vector<T>,);
vector_dense!(VectorView<'a, T>, 'a);
vector_dense!(VectorViewMut<'a, T>, 'a);

impl<T: Scalar> DenseMut<T> for Vector<T> {
    fn storage_mut(&mut self) -> &mut Storage<T> {
        &mut self.storage
    }
}

impl<T: Scalar> DenseMut<T> for VectorViewMut<'_, T> {
    fn storage_mut(&mut self) -> &mut Storage<T> {
        self.storage
    }
}

impl<T: Scalar> AsVector<T> for Vector<T> {
    fn view(&self) -> VectorView<'_, T> {
        VectorView::new(&self.factory, &self.storage, 0, self.dim, 1)
    }
}

impl<T: Scalar> AsVector<T> for VectorView<'_, T> {
    fn view(&self) -> VectorView<'_, T> {
        *self
    }
}

impl<T: Scalar> AsVector<T> for VectorViewMut<'_, T> {
    fn view(&self) -> VectorView<'_, T> {
        VectorView::new(
            self.factory,
            self.storage,
            self.offset,
            self.dim,
            self.stride,
        )
    }
}

impl<T: Scalar> AsVectorMut<T> for Vector<T> {
    fn view_mut(&mut self) -> VectorViewMut<'_, T> {
        VectorViewMut::new(&self.factory, &mut self.storage, 0, self.dim, 1)
    }
}

impl<T: Scalar> AsVectorMut<T> for VectorViewMut<'_, T> {
    fn view_mut(&mut self) -> VectorViewMut<'_, T> {
        VectorViewMut::new(
            self.factory,
            self.storage,
            self.offset,
            self.dim,
            self.stride,
        )
    }
}

impl<T: Scalar> Vector<T> {
    pub(crate) fn into_storage(self) -> Storage<T> {
        self.storage
    }
}

impl<T: Scalar> Vector<T> {
    /// Wraps host data (only for host factories; used by `fv`/`dv`).
    pub(crate) fn from_host(factory: Factory<T>, data: Vec<T>, dim: usize) -> Self {
        Vector::from_parts(factory, Storage::Host(data), dim)
    }
}
