//! Factories: the backend as a value chosen at run time (the book's `native-float`).

use std::fmt;
use std::sync::Arc;

use crate::engine::{Engine, Region, Storage};
use crate::{Check, Error, Layout, Matrix, Result, Scalar, Vector};

/// Creates vectors and matrices on one backend, for one element type.
///
/// Cloning is cheap (a reference count). Two factories are the *same* when they
/// share an engine: [`native_float`](crate::native_float) always returns the same one.
/// Operations on data from different factories fail with
/// [`Error::MixedFactories`](crate::Error::MixedFactories); use `transfer` to move data.
///
/// ```
/// use la_core::prelude::*;
/// let fac = native_double();
/// let x = fac.vctr_from(&[1.0, 2.0, 3.0])?;
/// let a = fac.ge_from(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], Layout::RowMajor)?;
/// assert_eq!(mv(&a, &x)?.to_vec()?, vec![14.0, 32.0]);
/// # Ok::<(), la_core::Error>(())
/// ```
pub struct Factory<T: Scalar> {
    engine: Arc<dyn Engine<T>>,
}

impl<T: Scalar> Clone for Factory<T> {
    fn clone(&self) -> Self {
        Factory {
            engine: Arc::clone(&self.engine),
        }
    }
}

impl<T: Scalar> Factory<T> {
    /// Wraps a backend engine (for backend crates).
    pub fn new(engine: impl Engine<T> + 'static) -> Self {
        Factory {
            engine: Arc::new(engine),
        }
    }

    /// The engine (for backend crates and the public layer).
    pub fn engine(&self) -> &dyn Engine<T> {
        &*self.engine
    }

    /// The factory's name, e.g. `native-float`.
    pub fn name(&self) -> String {
        self.engine.name()
    }

    /// Whether the factory's memory is host memory (native, MKL, OpenBLAS), so that
    /// host kernels (tensor-core's native DNN primitives) can run on its data.
    ///
    /// ```
    /// assert!(la_core::native_float().is_host());
    /// ```
    pub fn is_host(&self) -> bool {
        self.engine.is_host()
    }

    /// Whether both factories share an engine (data may be mixed freely).
    pub fn same(&self, other: &Factory<T>) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.engine), Arc::as_ptr(&other.engine))
    }

    /// `Ok` when `other` is the same factory, else [`Error::MixedFactories`] naming
    /// `op` and both factories (the check every operation on two objects makes).
    ///
    /// ```
    /// use la_core::prelude::*;
    /// let f = native_float();
    /// assert!(f.require_same("demo", &native_float()).is_ok());
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn require_same(&self, op: &'static str, other: &Factory<T>) -> Result<()> {
        if self.same(other) {
            Ok(())
        } else {
            Err(Error::MixedFactories {
                op,
                first: self.name(),
                second: other.name(),
            })
        }
    }

    /// Storage for `len` elements, refused up front when its size in bytes cannot exist
    /// (over `isize::MAX`, Rust's limit for one allocation), so no backend ever sees
    /// an overflowing byte count.
    fn alloc(&self, op: &'static str, len: usize) -> Result<Storage<T>> {
        let bytes = len
            .checked_mul(std::mem::size_of::<T>())
            .filter(|&b| b <= isize::MAX as usize);
        Check::new(op)
            .require(bytes.is_some(), || {
                format!(
                    "{len} elements of {} bytes are more than one allocation can hold",
                    std::mem::size_of::<T>()
                )
            })
            .finish()?;
        self.engine.alloc(len)
    }

    /// A zero vector of dimension `dim` (the book's `(vctr fac dim)`).
    pub fn vctr(&self, dim: usize) -> Result<Vector<T>> {
        let storage = self.alloc("vctr", dim)?;
        Ok(Vector::from_parts(self.clone(), storage, dim))
    }

    /// A vector holding a copy of `data` (the book's `(vctr fac [1 2 3])`).
    pub fn vctr_from(&self, data: &[T]) -> Result<Vector<T>> {
        let mut v = self.vctr(data.len())?;
        self.engine.write(
            v.storage_mut_internal(),
            Region::vector(0, data.len(), 1),
            data,
        )?;
        Ok(v)
    }

    /// A zero `m x n` general matrix in the given layout (the book's `(ge fac m n)`).
    pub fn ge(&self, m: usize, n: usize, layout: Layout) -> Result<Matrix<T>> {
        let len = m.checked_mul(n);
        Check::new("ge")
            .require(len.is_some(), || format!("{m}x{n} elements overflow usize"))
            .finish()?;
        let storage = self.alloc("ge", m * n)?;
        Ok(Matrix::from_parts(self.clone(), storage, m, n, layout))
    }

    /// An `m x n` matrix whose elements are `data`, listed in `layout` order
    /// (the book's `(ge fac m n [..] {:layout :row})`).
    pub fn ge_from(&self, m: usize, n: usize, data: &[T], layout: Layout) -> Result<Matrix<T>> {
        Check::new("ge")
            .require(m.checked_mul(n) == Some(data.len()), || {
                format!(
                    "{m}x{n} needs {} elements but {} were given",
                    m.saturating_mul(n),
                    data.len()
                )
            })
            .finish()?;
        let mut a = self.ge(m, n, layout)?;
        // Writing the flat buffer in storage order is exactly `layout` order.
        let flat = Region::vector(0, m * n, 1);
        self.engine.write(a.storage_mut_internal(), flat, data)?;
        Ok(a)
    }
}

impl<T: Scalar> fmt::Debug for Factory<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Factory({})", self.name())
    }
}

impl<T: Scalar> fmt::Display for Factory<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl<T: Scalar> PartialEq for Factory<T> {
    fn eq(&self, other: &Self) -> bool {
        self.same(other)
    }
}
