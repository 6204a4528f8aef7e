//! The DNN primitives composed from la-core operations: what every factory runs until
//! its backend overrides them (a few passes each instead of one fused pass, and
//! softmax through host memory). Scratch memory comes from the caller's
//! [`Workspace`], which only grows.

use la_core::engine::Unary;
use la_core::prelude::*;
use la_core::Dense;

use super::{Convolution, Pooling, Workspace};
use la_core::DenseMut;

/// A scratch vector of at least `len` elements from `slot` (grown when too small).
fn grow<'w, T: Scalar>(
    f: &Factory<T>,
    slot: &'w mut Option<Vector<T>>,
    len: usize,
) -> Result<&'w mut Vector<T>> {
    if slot
        .as_ref()
        .is_none_or(|v| v.dim() < len || !v.factory().same(f))
    {
        *slot = Some(f.vctr(len)?);
    }
    Ok(slot.as_mut().expect("set above"))
}

/// A column of `n` ones from the workspace (filled when the slot is made or grown).
fn ones<'w, T: Scalar>(
    ws: &'w mut Workspace<T>,
    f: &Factory<T>,
    n: usize,
) -> Result<VectorView<'w, T>> {
    let fresh = ws
        .ones
        .as_ref()
        .is_none_or(|v| v.dim() < n || !v.factory().same(f));
    let ones = grow(f, &mut ws.ones, n)?;
    if fresh {
        fill(ones, T::one())?;
    }
    ones.subvector(0, n)
}

/// `y := f(y + b 1ᵀ)`: a rank-1 update with a column of ones, then the activation.
pub fn bias_activation<T: Scalar>(
    ws: &mut Workspace<T>,
    op: Option<Unary<T>>,
    b: &VectorView<'_, T>,
    y: &mut MatrixViewMut<'_, T>,
) -> Result<()> {
    let n = y.ncols();
    if y.mrows() == 0 || n == 0 {
        return Ok(());
    }
    let f = y.factory().clone();
    rk_into(T::one(), b, &ones(ws, &f, n)?, y)?;
    match op {
        Some(op) => unary_inplace(op, y),
        None => Ok(()),
    }
}

/// `dw := alpha d xᵀ` (one GEMM) and `db := alpha d 1` (one GEMV with a column of ones).
pub fn fully_connected_backward_weights<T: Scalar>(
    ws: &mut Workspace<T>,
    alpha: T,
    d: &MatrixView<'_, T>,
    x: &MatrixView<'_, T>,
    dw: &mut MatrixViewMut<'_, T>,
    db: &mut VectorViewMut<'_, T>,
) -> Result<()> {
    mm_into(alpha, d, &x.trans(), T::zero(), dw)?;
    let f = d.factory().clone();
    mv_into(alpha, d, &ones(ws, &f, d.ncols())?, T::zero(), db)
}

/// `d := d ⊙ f'(a)` with one or two temporaries of `d`'s shape.
pub fn activation_grad<T: Scalar>(
    ws: &mut Workspace<T>,
    op: Unary<T>,
    a: &MatrixView<'_, T>,
    d: &mut MatrixViewMut<'_, T>,
) -> Result<()> {
    let (m, n) = (d.mrows(), d.ncols());
    if m == 0 || n == 0 {
        return Ok(());
    }
    let f = d.factory().clone();
    let [s0, s1] = &mut ws.tmp;
    let g = (m, n, m);
    let mut t = grow(&f, s0, m * n)?.view_ge_at_mut(0, g, Layout::ColumnMajor)?;
    let (one, zero) = (T::one(), T::zero());
    match op {
        Unary::Sigmoid => {
            // a (1 - a)
            linear_frac_into(-one, a, one, zero, one, &mut t)?;
            mul_inplace(&mut t, a)?;
        }
        Unary::Tanh => {
            // 1 - a²
            sqr_into(a, &mut t)?;
            linear_frac_inplace(-one, &mut t, one, zero, one)?;
        }
        Unary::Relu => step_into(a, &mut t)?,
        Unary::Elu(alpha) => {
            // s = step(a); g = (a + α - 1)(1 - s) + 1
            let mut s = grow(&f, s1, m * n)?.view_ge_at_mut(0, g, Layout::ColumnMajor)?;
            step_into(a, &mut s)?;
            linear_frac_into(one, a, alpha - one, zero, one, &mut t)?;
            mul_inplace(&mut s, &t)?;
            sub_inplace(&mut t, &s)?;
            linear_frac_inplace(one, &mut t, one, zero, one)?;
        }
        other => {
            return Err(Error::Unsupported {
                backend: f.name(),
                op: other.name(),
            })
        }
    }
    mul_inplace(d, &t)
}

/// Softmax of each column through host memory: one read, the columns on the host, one
/// write (a device backend overrides this with a kernel).
pub fn softmax<T: Scalar>(ws: &mut Workspace<T>, x: &mut MatrixViewMut<'_, T>) -> Result<()> {
    let (m, r) = (x.mrows(), x.region());
    if r.is_empty() {
        return Ok(());
    }
    ws.host.resize(r.len(), T::zero());
    let f = x.factory().clone();
    f.engine().read(x.storage(), r, &mut ws.host)?;
    for col in ws.host.chunks_mut(m) {
        softmax_column(col);
    }
    f.engine().write(x.storage_mut(), r, &ws.host)
}

/// Softmax of one contiguous column (shifted by its maximum, so `exp` never overflows).
#[inline(always)]
pub(crate) fn softmax_column<T: Scalar>(c: &mut [T]) {
    let max = c.iter().fold(T::neg_infinity(), |m, &v| m.max(v));
    let mut sum = T::zero();
    for v in c.iter_mut() {
        *v = (*v - max).k_exp();
        sum = sum + *v;
    }
    let inv = T::one() / sum;
    for v in c.iter_mut() {
        *v = *v * inv;
    }
}

/// Copies a device (or host) vector's elements into `out` (`out.len() == v.dim()`).
fn read_into<T: Scalar>(v: &VectorView<'_, T>, out: &mut [T]) -> Result<()> {
    v.factory().engine().read(v.storage(), v.region(), out)
}

/// Copies `data` into a vector (`data.len() == v.dim()`).
fn write_from<T: Scalar>(v: &mut VectorViewMut<'_, T>, data: &[T]) -> Result<()> {
    let f = v.factory().clone();
    let r = v.region();
    f.engine().write(v.storage_mut(), r, data)
}

/// Splits the grown host scratch into slices of the given lengths.
fn host_parts<'w, T: Scalar, const N: usize>(
    host: &'w mut Vec<T>,
    lens: [usize; N],
) -> [&'w mut [T]; N] {
    let total: usize = lens.iter().sum();
    if host.len() < total {
        host.resize(total, T::zero());
    }
    let mut rest: &'w mut [T] = &mut host[..total];
    lens.map(|len| {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(len);
        rest = tail;
        head
    })
}

/// Convolution forward through host memory: the operands are copied to the
/// workspace, the native kernel runs, the output is copied back. Correct on every
/// factory, and as slow as its transfers: a device backend overrides it.
pub fn convolution_forward<T: Scalar>(
    ws: &mut Workspace<T>,
    g: &Convolution,
    x: &VectorView<'_, T>,
    w: &VectorView<'_, T>,
    b: &VectorView<'_, T>,
    y: &mut VectorViewMut<'_, T>,
) -> Result<()> {
    let [xh, wh, bh, yh] = host_parts(&mut ws.host, [x.dim(), w.dim(), b.dim(), y.dim()]);
    read_into(x, xh)?;
    read_into(w, wh)?;
    read_into(b, bh)?;
    crate::kernels::conv::forward(g, &mut ws.conv, xh, wh, bh, yh)?;
    write_from(y, yh)
}

/// Convolution backward-data through host memory (see [`convolution_forward`]).
pub fn convolution_backward_data<T: Scalar>(
    ws: &mut Workspace<T>,
    g: &Convolution,
    dy: &VectorView<'_, T>,
    w: &VectorView<'_, T>,
    dx: &mut VectorViewMut<'_, T>,
) -> Result<()> {
    let [dyh, wh, dxh] = host_parts(&mut ws.host, [dy.dim(), w.dim(), dx.dim()]);
    read_into(dy, dyh)?;
    read_into(w, wh)?;
    crate::kernels::conv::backward_data(g, &mut ws.conv, dyh, wh, dxh)?;
    write_from(dx, dxh)
}

/// Convolution backward-weights through host memory (see [`convolution_forward`]).
#[allow(clippy::too_many_arguments)]
pub fn convolution_backward_weights<T: Scalar>(
    ws: &mut Workspace<T>,
    g: &Convolution,
    alpha: T,
    x: &VectorView<'_, T>,
    dy: &VectorView<'_, T>,
    dw: &mut VectorViewMut<'_, T>,
    db: &mut VectorViewMut<'_, T>,
) -> Result<()> {
    let [xh, dyh, dwh, dbh] = host_parts(&mut ws.host, [x.dim(), dy.dim(), dw.dim(), db.dim()]);
    read_into(x, xh)?;
    read_into(dy, dyh)?;
    crate::kernels::conv::backward_weights(g, &mut ws.conv, alpha, xh, dyh, dwh, dbh)?;
    write_from(dw, dwh)?;
    write_from(db, dbh)
}

/// Pooling forward through host memory (see [`convolution_forward`]).
pub fn pooling_forward<T: Scalar>(
    ws: &mut Workspace<T>,
    g: &Pooling,
    x: &VectorView<'_, T>,
    y: &mut VectorViewMut<'_, T>,
    arg: &mut VectorViewMut<'_, T>,
) -> Result<()> {
    let [xh, yh, ah] = host_parts(&mut ws.host, [x.dim(), y.dim(), arg.dim()]);
    read_into(x, xh)?;
    crate::kernels::pool::forward(g, xh, yh, ah);
    write_from(y, yh)?;
    write_from(arg, ah)
}

/// Pooling backward through host memory (see [`convolution_forward`]).
pub fn pooling_backward<T: Scalar>(
    ws: &mut Workspace<T>,
    g: &Pooling,
    dy: &VectorView<'_, T>,
    arg: &VectorView<'_, T>,
    dx: &mut VectorViewMut<'_, T>,
) -> Result<()> {
    let [dyh, ah, dxh] = host_parts(&mut ws.host, [dy.dim(), arg.dim(), dx.dim()]);
    read_into(dy, dyh)?;
    read_into(arg, ah)?;
    crate::kernels::pool::backward(g, dyh, ah, dxh);
    write_from(dx, dxh)
}
