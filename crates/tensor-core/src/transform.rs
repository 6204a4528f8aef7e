//! Reorders between layouts (Deep Diamond's `transformer`, `connector`) and the
//! mini-batch copies built on them (`batcher`, `shuffler`).
//!
//! A reorder is planned once, when it is built: dimensions of extent 1 are dropped,
//! dimensions that are contiguous in both tensors are merged, and the rest becomes a
//! loop of la-core copies — whole matrices (one dimension contiguous in the source,
//! another in the destination: an out-of-place transpose) or strided vectors. Running
//! it allocates nothing and works on every factory.

use la_core::prelude::*;
use la_core::Check;

use crate::desc::{Desc, MAX_RANK};
use crate::tensor::{AsTensor, AsTensorMut};

/// One dimension of a copy: its extent and its stride in the source and destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dim {
    n: usize,
    sx: usize,
    sy: usize,
}

/// The innermost piece each loop iteration copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// Nothing to copy (an empty tensor).
    Empty,
    /// `n` elements, `sx` apart in the source and `sy` apart in the destination.
    Vector { n: usize, sx: usize, sy: usize },
    /// An `m x n` matrix with its (leading dimension, layout) in each tensor.
    Matrix {
        m: usize,
        n: usize,
        x: (usize, Layout),
        y: (usize, Layout),
    },
}

/// A planned copy between two descriptors of the same shape.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plan {
    piece: Piece,
    /// The loops around the piece, outermost first.
    outer: Vec<Dim>,
}

impl Plan {
    fn new(x: &Desc, y: &Desc) -> Plan {
        let mut dims: Vec<Dim> = x
            .shape()
            .iter()
            .zip(x.strides().iter().zip(y.strides()))
            .filter(|(n, _)| **n != 1)
            .map(|(&n, (&sx, &sy))| Dim { n, sx, sy })
            .collect();
        if x.size() == 0 {
            return Plan {
                piece: Piece::Empty,
                outer: vec![],
            };
        }
        // Merge a dimension into another when it is contiguous with it in both.
        let mut merged = true;
        while merged {
            merged = false;
            'outer: for i in 0..dims.len() {
                for j in 0..dims.len() {
                    let (a, b) = (dims[i], dims[j]);
                    if i != j && a.sx == b.sx * b.n && a.sy == b.sy * b.n {
                        dims[j] = Dim {
                            n: a.n * b.n,
                            sx: b.sx,
                            sy: b.sy,
                        };
                        dims.remove(i);
                        merged = true;
                        break 'outer;
                    }
                }
            }
        }
        if dims.is_empty() {
            dims.push(Dim { n: 1, sx: 1, sy: 1 });
        }
        let unit_x = dims.iter().position(|d| d.sx == 1);
        let unit_y = dims.iter().position(|d| d.sy == 1);
        let piece_dims: Option<(usize, usize)> = match (unit_x, unit_y) {
            (Some(a), Some(b)) if a != b => {
                let (da, db) = (dims[a], dims[b]);
                (db.sx >= da.n && da.sy >= db.n).then_some((a, b))
            }
            (Some(a), Some(_)) if dims.len() > 1 => {
                // contiguous along `a` in both: a matrix with the destination's next dimension
                let b = (0..dims.len())
                    .filter(|&k| k != a)
                    .min_by_key(|&k| dims[k].sy)
                    .unwrap_or(a);
                let (da, db) = (dims[a], dims[b]);
                (db.sx >= da.n && db.sy >= da.n).then_some((a, b))
            }
            _ => None,
        };
        let (piece, used): (Piece, Vec<usize>) = match piece_dims {
            Some((a, b)) => {
                let (da, db) = (dims[a], dims[b]);
                let y = if db.sy == 1 {
                    (da.sy, Layout::RowMajor)
                } else {
                    (db.sy, Layout::ColumnMajor)
                };
                (
                    Piece::Matrix {
                        m: da.n,
                        n: db.n,
                        x: (db.sx, Layout::ColumnMajor),
                        y,
                    },
                    vec![a, b],
                )
            }
            None => {
                let k = unit_y
                    .or(unit_x)
                    .unwrap_or_else(|| (0..dims.len()).min_by_key(|&k| dims[k].sy).unwrap_or(0));
                let d = dims[k];
                (
                    Piece::Vector {
                        n: d.n,
                        sx: d.sx,
                        sy: d.sy,
                    },
                    vec![k],
                )
            }
        };
        let mut outer: Vec<Dim> = (0..dims.len())
            .filter(|k| !used.contains(k))
            .map(|k| dims[k])
            .collect();
        // Walk the destination in memory order.
        outer.sort_by_key(|d| std::cmp::Reverse(d.sy));
        Plan { piece, outer }
    }

    /// Runs the copy from `x` (elements from `x0`) to `y` (elements from `y0`).
    fn run<T: Scalar>(
        &self,
        x: &VectorView<'_, T>,
        x0: usize,
        y: &mut VectorViewMut<'_, T>,
        y0: usize,
    ) -> Result<()> {
        let mut idx = [0usize; MAX_RANK];
        let count: usize = self.outer.iter().map(|d| d.n).product();
        for _ in 0..count {
            let (mut ox, mut oy) = (x0, y0);
            for (d, i) in self.outer.iter().zip(&idx) {
                ox += i * d.sx;
                oy += i * d.sy;
            }
            self.piece(x, ox, y, oy)?;
            // next index (odometer, innermost last)
            for k in (0..self.outer.len()).rev() {
                idx[k] += 1;
                if idx[k] < self.outer[k].n {
                    break;
                }
                idx[k] = 0;
            }
        }
        Ok(())
    }

    fn piece<T: Scalar>(
        &self,
        x: &VectorView<'_, T>,
        ox: usize,
        y: &mut VectorViewMut<'_, T>,
        oy: usize,
    ) -> Result<()> {
        match self.piece {
            Piece::Empty => Ok(()),
            Piece::Vector { n, sx, sy } => {
                let xs = x.subvector_strided(ox, n, sx)?;
                copy_into(&xs, &mut y.subvector_strided_mut(oy, n, sy)?)
            }
            Piece::Matrix {
                m,
                n,
                x: (lx, fx),
                y: (ly, fy),
            } => {
                let xs = x.view_ge_at(ox, (m, n, lx), fx)?;
                copy_into(&xs, &mut y.view_ge_at_mut(oy, (m, n, ly), fy)?)
            }
        }
    }
}

/// A reorder from one descriptor to another of the same shape (the book's
/// `(transformer x y)`): planned once, run many times with [`Transformer::transform`].
///
/// ```
/// use la_core::prelude::*;
/// use tensor_core::{desc, tensor, tensor_from, transformer, AsTensor, DataType, TensorLayout};
/// let fac = native_float();
/// let nchw = desc([1, 2, 2, 2], DataType::Float, TensorLayout::Nchw)?;
/// let x = tensor_from(&fac, nchw, &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])?;
/// let mut y = tensor(&fac, nchw.with_layout(TensorLayout::Nhwc)?)?;
/// let tr = transformer(&x, &y)?;
/// tr.transform(&x, &mut y)?;
/// assert_eq!(y.vector().to_vec()?, vec![0.0, 4.0, 1.0, 5.0, 2.0, 6.0, 3.0, 7.0]);
/// assert_eq!(y.to_vec()?, x.to_vec()?); // same tensor, other layout
/// # Ok::<(), la_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transformer {
    x: Desc,
    y: Desc,
    plan: Plan,
}

/// Builds a [`Transformer`] from `x`'s descriptor to `y`'s (same shape and data type).
pub fn transformer<T: Scalar>(x: &impl AsTensor<T>, y: &impl AsTensor<T>) -> Result<Transformer> {
    x.factory().require_same("transformer", y.factory())?;
    Transformer::new(&x.desc(), &y.desc())
}

impl Transformer {
    /// A reorder between two descriptors of the same shape and data type.
    pub fn new(x: &Desc, y: &Desc) -> Result<Transformer> {
        Check::new("transformer")
            .require(x.shape() == y.shape(), || {
                format!("x is {x} but y is {y}: the shapes differ")
            })
            .require(x.dtype() == y.dtype(), || {
                format!("x is {x} but y is {y}: the data types differ")
            })
            .finish()?;
        Ok(Transformer {
            x: *x,
            y: *y,
            plan: Plan::new(x, y),
        })
    }

    /// The source descriptor.
    pub fn input(&self) -> Desc {
        self.x
    }

    /// The destination descriptor.
    pub fn output(&self) -> Desc {
        self.y
    }

    /// Copies `x` into `y` in `y`'s layout (the book's `(tr)`); the tensors must have
    /// the descriptors the transformer was built for. Allocates nothing.
    pub fn transform<T: Scalar>(
        &self,
        x: &impl AsTensor<T>,
        y: &mut impl AsTensorMut<T>,
    ) -> Result<()> {
        const OP: &str = "transform";
        x.factory().require_same(OP, y.factory())?;
        let (dx, dy) = (x.desc(), y.desc());
        Check::new(OP)
            .require(dx == self.x, || {
                format!("x is {dx} but the transformer was built for {}", self.x)
            })
            .require(dy == self.y, || {
                format!("y is {dy} but the transformer was built for {}", self.y)
            })
            .finish()?;
        self.plan.run(&x.buffer(), 0, &mut y.buffer_mut(), 0)
    }
}

/// How data gets from one descriptor to another (Deep Diamond's `connector`): a view
/// when the layouts agree, a reorder into an owned tensor otherwise.
#[derive(Debug)]
pub enum Connector<T: Scalar> {
    /// The layouts agree: the input itself is the output.
    View(Desc),
    /// A reorder into a tensor of the destination descriptor.
    Reorder(Box<(Transformer, crate::Tensor<T>)>),
}

/// A connector from `x`'s descriptor to `to` (same shape): nothing to do when the
/// strides agree, otherwise a planned reorder into a tensor allocated once here.
///
/// ```
/// use la_core::prelude::*;
/// use tensor_core::{connector, desc, tensor, AsTensor, Connector, DataType, TensorLayout};
/// let fac = native_float();
/// let x = tensor(&fac, desc([2, 3], DataType::Float, TensorLayout::Nc)?)?;
/// assert!(matches!(connector(&x, x.desc())?, Connector::View(_)));
/// let mut c = connector(&x, x.desc().with_layout(TensorLayout::Cn)?)?;
/// assert_eq!(c.connect(&x)?.desc().layout(), TensorLayout::Cn);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn connector<T: Scalar>(x: &impl AsTensor<T>, to: Desc) -> Result<Connector<T>> {
    let from = x.desc();
    if from.shape() == to.shape() && from.strides() == to.strides() && from.dtype() == to.dtype() {
        return Ok(Connector::View(from));
    }
    let tr = Transformer::new(&from, &to)?;
    Ok(Connector::Reorder(Box::new((
        tr,
        crate::tensor(x.factory(), to)?,
    ))))
}

impl<T: Scalar> Connector<T> {
    /// `x` in the destination layout: `x` itself (a view) or the reordered copy.
    pub fn connect<'a>(&'a mut self, x: &'a impl AsTensor<T>) -> Result<crate::TensorView<'a, T>> {
        match self {
            Connector::View(d) => x.view_tz(*d),
            Connector::Reorder(r) => {
                let (tr, out) = &mut **r;
                tr.transform(x, out)?;
                Ok(out.view())
            }
        }
    }
}

/// Copies mini-batches of samples (dimension 0) from one tensor into another (the
/// book's `batcher`), reordering when the layouts differ. Built once; allocates nothing
/// per call.
///
/// ```
/// use la_core::prelude::*;
/// use tensor_core::{batcher, desc, tensor, tensor_from, AsTensor, DataType, TensorLayout};
/// let fac = native_double();
/// let x = tensor_from(&fac, desc([4, 2], DataType::Double, TensorLayout::Nc)?, &[0., 1., 2., 3., 4., 5., 6., 7.])?;
/// let mut y = tensor(&fac, desc([2, 2], DataType::Double, TensorLayout::Cn)?)?;
/// let b = batcher(&x, &y, 2)?;
/// assert_eq!(b.count(), 2);
/// b.copy(&x, &mut y, 1)?; // samples 2 and 3
/// assert_eq!(y.to_vec()?, vec![4., 5., 6., 7.]);
/// # Ok::<(), la_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Batcher {
    x: Desc,
    y: Desc,
    batch: usize,
    plan: Plan,
}

/// A [`Batcher`] from `x` into `y` for mini-batches of `batch` samples: `y` holds
/// `batch` samples of `x`'s other dimensions.
pub fn batcher<T: Scalar>(
    x: &impl AsTensor<T>,
    y: &impl AsTensor<T>,
    batch: usize,
) -> Result<Batcher> {
    x.factory().require_same("batcher", y.factory())?;
    let (dx, dy) = (x.desc(), y.desc());
    Check::new("batcher")
        .require(batch > 0, || "the mini-batch size is 0".into())
        .require(dx.dtype() == dy.dtype(), || {
            format!("x is {dx} but y is {dy}: the data types differ")
        })
        .require(
            dx.shape()[1..] == dy.shape()[1..] && dx.rank() == dy.rank(),
            || format!("x is {dx} but y is {dy}: the samples' shapes differ"),
        )
        .require(dy.shape()[0] == batch, || {
            format!("y is {dy} but the mini-batch has {batch} samples")
        })
        .require(dx.shape()[0] >= batch, || {
            format!("x is {dx}: fewer samples than one mini-batch of {batch}")
        })
        .finish()?;
    let sub = dx.with_extent(0, batch);
    Ok(Batcher {
        x: dx,
        y: dy,
        batch,
        plan: Plan::new(&sub, &dy),
    })
}

impl Batcher {
    /// Samples per mini-batch.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The number of whole mini-batches in `x`.
    pub fn count(&self) -> usize {
        self.x.shape()[0] / self.batch
    }

    /// Copies mini-batch `i` (samples `i·batch..(i+1)·batch`) of `x` into `y`.
    pub fn copy<T: Scalar>(
        &self,
        x: &impl AsTensor<T>,
        y: &mut impl AsTensorMut<T>,
        i: usize,
    ) -> Result<()> {
        const OP: &str = "batcher";
        x.factory().require_same(OP, y.factory())?;
        let (dx, dy) = (x.desc(), y.desc());
        Check::new(OP)
            .require(dx == self.x && dy == self.y, || {
                format!(
                    "x is {dx} and y is {dy} but the batcher was built for {} and {}",
                    self.x, self.y
                )
            })
            .require(i < self.count(), || {
                format!(
                    "mini-batch {i} is out of the {} whole mini-batches of x",
                    self.count()
                )
            })
            .finish()?;
        let x0 = i * self.batch * dx.strides()[0];
        self.plan.run(&x.buffer(), x0, &mut y.buffer_mut(), 0)
    }
}

/// Copies a chosen selection of samples (dimension 0) from one tensor into another
/// (the book's `shuffler`): sample `indices[k]` of `x` becomes sample `k` of `y`.
#[derive(Debug, Clone)]
pub struct Shuffler {
    x: Desc,
    y: Desc,
    plan: Plan,
}

/// A [`Shuffler`] from `x` into `y` (same sample shape and data type).
///
/// ```
/// use la_core::prelude::*;
/// use tensor_core::{desc, shuffler, tensor, tensor_from, AsTensor, DataType, TensorLayout};
/// let fac = native_float();
/// let x = tensor_from(&fac, desc([3, 2], DataType::Float, TensorLayout::Nc)?, &[0., 1., 2., 3., 4., 5.])?;
/// let mut y = tensor(&fac, desc([2, 2], DataType::Float, TensorLayout::Nc)?)?;
/// shuffler(&x, &y)?.shuffle(&x, &mut y, &[2, 0])?;
/// assert_eq!(y.to_vec()?, vec![4., 5., 0., 1.]);
/// # Ok::<(), la_core::Error>(())
/// ```
pub fn shuffler<T: Scalar>(x: &impl AsTensor<T>, y: &impl AsTensor<T>) -> Result<Shuffler> {
    x.factory().require_same("shuffler", y.factory())?;
    let (dx, dy) = (x.desc(), y.desc());
    Check::new("shuffler")
        .require(dx.dtype() == dy.dtype(), || {
            format!("x is {dx} but y is {dy}: the data types differ")
        })
        .require(
            dx.shape()[1..] == dy.shape()[1..] && dx.rank() == dy.rank(),
            || format!("x is {dx} but y is {dy}: the samples' shapes differ"),
        )
        .finish()?;
    Ok(Shuffler {
        x: dx,
        y: dy,
        plan: Plan::new(&dx.with_extent(0, 1), &dy.with_extent(0, 1)),
    })
}

impl Shuffler {
    /// Copies sample `indices[k]` of `x` into sample `k` of `y`, for every `k`
    /// (`indices` may be shorter than `y`'s samples; the rest of `y` is left alone).
    pub fn shuffle<T: Scalar>(
        &self,
        x: &impl AsTensor<T>,
        y: &mut impl AsTensorMut<T>,
        indices: &[usize],
    ) -> Result<()> {
        const OP: &str = "shuffle";
        x.factory().require_same(OP, y.factory())?;
        let (dx, dy) = (x.desc(), y.desc());
        let (nx, ny) = (dx.shape()[0], dy.shape()[0]);
        let bad = indices.iter().find(|&&i| i >= nx);
        Check::new(OP)
            .require(dx == self.x && dy == self.y, || {
                format!(
                    "x is {dx} and y is {dy} but the shuffler was built for {} and {}",
                    self.x, self.y
                )
            })
            .require(indices.len() <= ny, || {
                format!("{} indices but y holds {ny} samples", indices.len())
            })
            .require(bad.is_none(), || {
                format!(
                    "index {} is out of x's {nx} samples",
                    bad.copied().unwrap_or(0)
                )
            })
            .finish()?;
        let (xb, mut yb) = (x.buffer(), y.buffer_mut());
        let (sx0, sy0) = (dx.strides()[0], dy.strides()[0]);
        if let Piece::Vector { n, sx: 1, sy: 1 } = self.plan.piece {
            if self.plan.outer.is_empty() && sx0 >= n && sy0 >= n && !indices.is_empty() {
                // Each sample is one contiguous run in both: gather them as the columns
                // of two matrices, one engine call (one launch on a device).
                let xm = xb.view_ge_at(0, (n, nx, sx0), Layout::ColumnMajor)?;
                let mut ym = yb.view_ge_at_mut(0, (n, indices.len(), sy0), Layout::ColumnMajor)?;
                return gather_cols_into(&xm, indices, &mut ym);
            }
        }
        for (k, &i) in indices.iter().enumerate() {
            self.plan.run(&xb, i * sx0, &mut yb, k * sy0)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{desc, DataType, TensorLayout};

    #[test]
    fn plans_collapse_to_the_fewest_copies() {
        let d = |s: &[usize], l| desc(s, DataType::Float, l).unwrap();
        // same layout: one flat vector copy
        let p = Plan::new(
            &d(&[8, 3, 5, 5], TensorLayout::Nchw),
            &d(&[8, 3, 5, 5], TensorLayout::Nchw),
        );
        assert_eq!(
            p.piece,
            Piece::Vector {
                n: 600,
                sx: 1,
                sy: 1
            }
        );
        assert!(p.outer.is_empty());
        // nchw -> nhwc: one transpose (c x hw) per sample
        let p = Plan::new(
            &d(&[8, 3, 5, 5], TensorLayout::Nchw),
            &d(&[8, 3, 5, 5], TensorLayout::Nhwc),
        );
        assert_eq!(
            p.piece,
            Piece::Matrix {
                m: 25,
                n: 3,
                x: (25, Layout::ColumnMajor),
                y: (3, Layout::RowMajor)
            }
        );
        assert_eq!(p.outer.len(), 1);
        // channel 1: nchw and nhwc are the same memory
        let p = Plan::new(
            &d(&[8, 1, 5, 5], TensorLayout::Nchw),
            &d(&[8, 1, 5, 5], TensorLayout::Nhwc),
        );
        assert_eq!(
            p.piece,
            Piece::Vector {
                n: 200,
                sx: 1,
                sy: 1
            }
        );
    }
}
