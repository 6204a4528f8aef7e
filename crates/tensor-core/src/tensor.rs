//! Tensors and their zero-copy views (Deep Diamond's `tensor`, `view-tz`, `view-vctr`).

use la_core::prelude::*;
use la_core::{Check, Dense};

use crate::desc::{DataType, Desc};

/// A dense tensor on any la-core [`Factory`] (the book's `(tensor fac [2 3 4 5] :float
/// :nchw)`): a [`Desc`] over a la-core [`Vector`] that holds the elements in memory
/// order. Every BLAS and vector-math operation of la-core applies to it through
/// [`AsTensor::view_vctr`] and [`AsTensor::view_mat`].
///
/// ```
/// use la_core::prelude::*;
/// use tensor_core::{desc, tensor, AsTensor, AsTensorMut, DataType, TensorLayout};
/// let fac = native_float();
/// let mut t = tensor(&fac, desc([2, 3, 2, 2], DataType::Float, TensorLayout::Nchw)?)?;
/// t.set_from(&(0..24).map(|v| v as f32).collect::<Vec<_>>())?;
/// // a tensor is a vector: la-core's vector math applies to it
/// scal_inplace(2.0, &mut t.view_vctr_mut()?)?;
/// assert_eq!(t.entry(&[1, 2, 1, 0])?, 2.0 * 22.0);
/// # Ok::<(), la_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Tensor<T: Scalar> {
    buf: Vector<T>,
    desc: Desc,
}

/// A read-only view of a tensor (a sub-tensor, a reshape, another descriptor over the
/// same memory).
#[derive(Debug, Clone, Copy)]
pub struct TensorView<'a, T: Scalar> {
    buf: VectorView<'a, T>,
    desc: Desc,
}

/// A writable view of a tensor.
#[derive(Debug)]
pub struct TensorViewMut<'a, T: Scalar> {
    buf: VectorViewMut<'a, T>,
    desc: Desc,
}

/// A zero tensor with descriptor `desc` on `factory` (the book's `tensor`). The
/// descriptor's data type must be `T`'s.
pub fn tensor<T: Scalar>(factory: &Factory<T>, desc: Desc) -> Result<Tensor<T>> {
    check_dtype::<T>("tensor", &desc)?;
    Ok(Tensor {
        buf: factory.vctr(desc.span())?,
        desc,
    })
}

/// A tensor with descriptor `desc` holding a copy of `data` in memory order.
///
/// ```
/// use la_core::prelude::*;
/// use tensor_core::{desc, tensor_from, AsTensor, DataType, TensorLayout};
/// let t = tensor_from(&native_double(), desc([2, 2], DataType::Double, TensorLayout::Cn)?, &[1.0, 2.0, 3.0, 4.0])?;
/// assert_eq!(t.entry(&[1, 0])?, 2.0); // cn: n is innermost
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn tensor_from<T: Scalar>(factory: &Factory<T>, desc: Desc, data: &[T]) -> Result<Tensor<T>> {
    let mut t = tensor(factory, desc)?;
    t.set_from(data)?;
    Ok(t)
}

fn check_dtype<T: Scalar>(op: &'static str, desc: &Desc) -> Result<()> {
    Check::new(op)
        .require(desc.dtype() == DataType::of::<T>(), || {
            format!(
                "the descriptor {desc} is :{} but the factory's elements are :{}",
                desc.dtype().name(),
                T::NAME
            )
        })
        .finish()
}

/// Read access shared by [`Tensor`], [`TensorView`] and [`TensorViewMut`].
pub trait AsTensor<T: Scalar> {
    /// The descriptor.
    fn desc(&self) -> Desc;
    /// The memory the descriptor addresses: `desc().span()` elements from the first.
    fn buffer(&self) -> VectorView<'_, T>;

    /// The factory.
    fn factory(&self) -> &Factory<T>;

    /// The shape, in logical order.
    fn shape(&self) -> Vec<usize> {
        self.desc().shape().to_vec()
    }

    /// A read-only view of the whole tensor.
    fn view(&self) -> TensorView<'_, T> {
        TensorView {
            buf: self.buffer(),
            desc: self.desc(),
        }
    }

    /// Another descriptor over the same memory (the book's `view-tz`): a reshape, a
    /// reinterpretation with other strides. Every element it addresses must lie in
    /// this tensor's memory and its data type must be `T`'s. Zero-copy.
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use tensor_core::{desc, tensor, AsTensor, DataType, TensorLayout};
    /// let t = tensor(&native_float(), desc([2, 3, 4, 5], DataType::Float, TensorLayout::Nchw)?)?;
    /// let flat = t.view_tz(desc([2, 60], DataType::Float, TensorLayout::Nc)?)?;
    /// assert_eq!(flat.shape(), vec![2, 60]);
    /// # Ok::<(), la_core::Error>(())
    /// ```
    fn view_tz(&self, desc: Desc) -> Result<TensorView<'_, T>> {
        check_view("view_tz", &self.desc(), &desc)?;
        check_dtype::<T>("view_tz", &desc)?;
        Ok(TensorView {
            buf: self.buffer().into_subvector(0, desc.span())?,
            desc,
        })
    }

    /// Elements `start..start + len` of dimension `dim` (a sub-tensor: a mini-batch when
    /// `dim` is 0). Zero-copy.
    fn subtensor(&self, dim: usize, start: usize, len: usize) -> Result<TensorView<'_, T>> {
        let (desc, offset) = sub_desc(&self.desc(), dim, start, len)?;
        Ok(TensorView {
            buf: self.buffer().into_subvector(offset, desc.span())?,
            desc,
        })
    }

    /// The tensor as one la-core vector (the book's `view-vctr`); the tensor must be
    /// dense (no gaps), as every tensor that owns its memory is.
    fn view_vctr(&self) -> Result<VectorView<'_, T>> {
        let d = self.desc();
        check_dense("view_vctr", &d)?;
        self.buffer().into_subvector(0, d.size())
    }

    /// The tensor as a la-core matrix with one column per sample (dimension 0) and one
    /// row per feature (the other dimensions): `[n c h w]` becomes `(c·h·w) x n`,
    /// column-major for sample-outermost layouts (`nc`, `nchw`, `nhwc`), row-major for
    /// sample-innermost ones (`cn`, `chwn`). Zero-copy; this is what a fully connected
    /// layer multiplies. Rows follow the memory order of the feature dimensions.
    fn view_mat(&self) -> Result<MatrixView<'_, T>> {
        let (m, n, ld, layout) = mat_geometry(&self.desc())?;
        self.buffer().into_ge(0, (m, n, ld), layout)
    }

    /// Element at logical index `idx` (one index per dimension).
    fn entry(&self, idx: &[usize]) -> Result<T> {
        let k = element_index("entry", &self.desc(), idx)?;
        self.buffer().entry(k)
    }

    /// The elements in logical (row-major over the shape) order, copied to the host.
    fn to_vec(&self) -> Result<Vec<T>> {
        let d = self.desc();
        let mem = self.buffer().to_vec()?;
        let mut out = Vec::with_capacity(d.size());
        for_each_index(d.shape(), |idx| {
            let k: usize = idx.iter().zip(d.strides()).map(|(i, s)| i * s).sum();
            out.push(mem[k]);
        });
        Ok(out)
    }
}

/// Write access shared by [`Tensor`] and [`TensorViewMut`].
pub trait AsTensorMut<T: Scalar>: AsTensor<T> {
    /// The memory the descriptor addresses, writable.
    fn buffer_mut(&mut self) -> VectorViewMut<'_, T>;

    /// A writable view of the whole tensor.
    fn view_mut(&mut self) -> TensorViewMut<'_, T> {
        let desc = self.desc();
        TensorViewMut {
            buf: self.buffer_mut(),
            desc,
        }
    }

    /// Writable [`AsTensor::view_tz`].
    fn view_tz_mut(&mut self, desc: Desc) -> Result<TensorViewMut<'_, T>> {
        check_view("view_tz", &self.desc(), &desc)?;
        check_dtype::<T>("view_tz", &desc)?;
        Ok(TensorViewMut {
            buf: self.buffer_mut().into_subvector_mut(0, desc.span())?,
            desc,
        })
    }

    /// Writable [`AsTensor::subtensor`].
    fn subtensor_mut(
        &mut self,
        dim: usize,
        start: usize,
        len: usize,
    ) -> Result<TensorViewMut<'_, T>> {
        let (desc, offset) = sub_desc(&self.desc(), dim, start, len)?;
        Ok(TensorViewMut {
            buf: self.buffer_mut().into_subvector_mut(offset, desc.span())?,
            desc,
        })
    }

    /// Writable [`AsTensor::view_vctr`].
    fn view_vctr_mut(&mut self) -> Result<VectorViewMut<'_, T>> {
        let d = self.desc();
        check_dense("view_vctr", &d)?;
        self.buffer_mut().into_subvector_mut(0, d.size())
    }

    /// Writable [`AsTensor::view_mat`].
    fn view_mat_mut(&mut self) -> Result<MatrixViewMut<'_, T>> {
        let (m, n, ld, layout) = mat_geometry(&self.desc())?;
        self.buffer_mut().into_ge_mut(0, (m, n, ld), layout)
    }

    /// Overwrites the elements with `data`, given in memory order (the dense tensor's
    /// buffer order; the book's `transfer!`).
    fn set_from(&mut self, data: &[T]) -> Result<()> {
        let d = self.desc();
        check_dense("set_from", &d)?;
        Check::new("set_from")
            .require(data.len() == d.size(), || {
                format!(
                    "the tensor {d} has {} elements but {} values were given",
                    d.size(),
                    data.len()
                )
            })
            .finish()?;
        self.buffer_mut().set_from(data)
    }

    /// Sets the element at logical index `idx`.
    fn set_entry(&mut self, idx: &[usize], value: T) -> Result<()> {
        let k = element_index("set_entry", &self.desc(), idx)?;
        self.buffer_mut().set_entry(k, value)
    }
}

fn check_dense(op: &'static str, d: &Desc) -> Result<()> {
    Check::new(op)
        .require(d.is_dense(), || {
            format!("the tensor {d} has gaps between its elements")
        })
        .finish()
}

fn check_view(op: &'static str, from: &Desc, to: &Desc) -> Result<()> {
    Check::new(op)
        .require(to.span() <= from.span(), || {
            format!(
                "the descriptor {to} reaches {} elements but the tensor {from} holds {}",
                to.span(),
                from.span()
            )
        })
        .finish()
}

fn sub_desc(d: &Desc, dim: usize, start: usize, len: usize) -> Result<(Desc, usize)> {
    let rank = d.rank();
    let extent = d.shape().get(dim).copied().unwrap_or(0);
    Check::new("subtensor")
        .require(dim < rank, || format!("dimension {dim} is out of the tensor {d}"))
        .require(dim >= rank || start.checked_add(len).is_some_and(|e| e <= extent), || {
            format!(
                "elements {start}..{} of dimension {dim} are out of the tensor {d} (extent {extent})",
                start.saturating_add(len)
            )
        })
        .finish()?;
    let sub = d.with_extent(dim, len);
    let offset = if len == 0 {
        0
    } else {
        start * d.strides()[dim]
    };
    Ok((sub, offset))
}

fn element_index(op: &'static str, d: &Desc, idx: &[usize]) -> Result<usize> {
    Check::new(op)
        .require(
            idx.len() == d.rank() && idx.iter().zip(d.shape()).all(|(i, n)| i < n),
            || format!("the index {idx:?} is out of the tensor {d}"),
        )
        .finish()?;
    Ok(idx.iter().zip(d.strides()).map(|(i, s)| i * s).sum())
}

/// (rows, columns, leading dimension, layout) of the samples-as-columns matrix view.
fn mat_geometry(d: &Desc) -> Result<(usize, usize, usize, Layout)> {
    let n = d.shape()[0];
    let s0 = d.strides()[0];
    let mut buf = [(0usize, 0usize); crate::desc::MAX_RANK];
    let k = crate::desc::sorted_dims(&d.shape()[1..], &d.strides()[1..], &mut buf);
    let feats = &buf[..k];
    let m: usize = feats.iter().map(|f| f.1).product();
    // the feature dimensions must form one dense block with inner stride `inner`
    let inner = feats.first().map_or(1, |f| f.0);
    let mut expect = inner;
    let mut dense = true;
    for (s, e) in feats {
        dense &= *s == expect;
        expect = s * e;
    }
    let geometry = if dense && inner == 1 && (n <= 1 || s0 >= m) {
        Some((m, n, s0.max(m), Layout::ColumnMajor))
    } else if dense && (s0 == 1 || n <= 1) && (m <= 1 || inner >= n) {
        Some((m, n, inner.max(n), Layout::RowMajor))
    } else {
        None
    };
    let g = geometry.ok_or_else(|| la_core::Error::Precondition {
        op: "view_mat",
        problems: vec![format!(
            "the tensor {d} is not a samples-by-features matrix (its feature dimensions are not one dense block)"
        )],
    })?;
    Ok(g)
}

/// Calls `f` with every index of `shape` in row-major order.
pub(crate) fn for_each_index(shape: &[usize], mut f: impl FnMut(&[usize])) {
    if shape.contains(&0) {
        return;
    }
    let mut idx = vec![0; shape.len()];
    loop {
        f(&idx);
        let mut k = shape.len();
        loop {
            if k == 0 {
                return;
            }
            k -= 1;
            idx[k] += 1;
            if idx[k] < shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
}

impl<T: Scalar> Tensor<T> {
    /// The tensor's vector (its memory, in memory order).
    pub fn vector(&self) -> &Vector<T> {
        &self.buf
    }

    /// A zero tensor with the same descriptor on the same factory.
    pub fn zeros_like(&self) -> Result<Tensor<T>> {
        tensor(self.buf.factory(), self.desc)
    }

    /// A copy on another factory (the book's `transfer`).
    pub fn transfer(&self, factory: &Factory<T>) -> Result<Tensor<T>> {
        Ok(Tensor {
            buf: self.buf.transfer(factory)?,
            desc: self.desc,
        })
    }
}

impl<T: Scalar> AsTensor<T> for Tensor<T> {
    fn desc(&self) -> Desc {
        self.desc
    }
    fn buffer(&self) -> VectorView<'_, T> {
        self.buf.view()
    }
    fn factory(&self) -> &Factory<T> {
        self.buf.factory()
    }
}

impl<T: Scalar> AsTensorMut<T> for Tensor<T> {
    fn buffer_mut(&mut self) -> VectorViewMut<'_, T> {
        self.buf.view_mut()
    }
}

impl<T: Scalar> AsTensor<T> for TensorView<'_, T> {
    fn desc(&self) -> Desc {
        self.desc
    }
    fn buffer(&self) -> VectorView<'_, T> {
        self.buf
    }
    fn factory(&self) -> &Factory<T> {
        self.buf.factory()
    }
}

impl<T: Scalar> AsTensor<T> for TensorViewMut<'_, T> {
    fn desc(&self) -> Desc {
        self.desc
    }
    fn buffer(&self) -> VectorView<'_, T> {
        self.buf.view()
    }
    fn factory(&self) -> &Factory<T> {
        self.buf.factory()
    }
}

impl<T: Scalar> AsTensorMut<T> for TensorViewMut<'_, T> {
    fn buffer_mut(&mut self) -> VectorViewMut<'_, T> {
        self.buf.view_mut()
    }
}

impl<'a, T: Scalar> TensorView<'a, T> {
    /// The view's descriptor and memory, keeping the borrow (for reorders and layers).
    pub fn into_parts(self) -> (Desc, VectorView<'a, T>) {
        (self.desc, self.buf)
    }

    /// A batch in the book's Part IV–V layout — a `features x n` column-major matrix,
    /// one sample per column — as the `[n, features]` tensor it is in memory, without
    /// a copy. The matrix must be column-major with no gaps between columns.
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use tensor_core::{AsTensor, TensorView};
    /// let x = native_float().ge_from(3, 2, &[1., 2., 3., 4., 5., 6.], Layout::ColumnMajor)?;
    /// let t = TensorView::of_samples(&x)?;
    /// assert_eq!(t.desc().shape(), &[2, 3]);
    /// assert_eq!(t.entry(&[1, 0])?, 4.0); // sample 1, feature 0
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn of_samples(m: &'a impl AsMatrix<T>) -> Result<Self> {
        let (features, n) = (m.mrows(), m.ncols());
        Check::new("TensorView::of_samples")
            .require(m.layout() == Layout::ColumnMajor, || {
                format!(
                    "the {features}x{n} matrix is {:?}; samples as columns need column-major",
                    m.layout()
                )
            })
            .require(features > 0 && n > 0, || {
                format!("the matrix is {features}x{n}")
            })
            .finish()?;
        let desc = crate::desc::desc(
            [n, features],
            DataType::of::<T>(),
            crate::desc::TensorLayout::Nc,
        )?;
        Ok(TensorView {
            buf: m.view_vctr()?,
            desc,
        })
    }

    /// The inverse of [`of_samples`](Self::of_samples): the view's `n` samples as the
    /// columns of a `features x n` matrix, keeping the borrow (no copy; the tensor's
    /// features must be one dense block per sample, as in a layer's output).
    ///
    /// ```
    /// use la_core::prelude::*;
    /// use tensor_core::{desc, tensor_from, AsTensor, DataType, TensorLayout};
    /// let fac = native_float();
    /// let t = tensor_from(&fac, desc([2, 3], DataType::Float, TensorLayout::Nc)?,
    ///                     &[1., 2., 3., 4., 5., 6.])?;
    /// let m = t.view().into_columns()?;
    /// assert_eq!((m.mrows(), m.ncols()), (3, 2));
    /// assert_eq!(m.entry(0, 1)?, 4.0); // feature 0 of sample 1
    /// # Ok::<(), la_core::Error>(())
    /// ```
    pub fn into_columns(self) -> Result<MatrixView<'a, T>> {
        let (m, n, ld, layout) = mat_geometry(&self.desc)?;
        Check::new("TensorView::into_columns")
            .require(layout == Layout::ColumnMajor, || {
                format!(
                    "the tensor {} does not hold its samples as columns",
                    self.desc
                )
            })
            .finish()?;
        self.buf.into_ge(0, (m, n, ld), layout)
    }
}
