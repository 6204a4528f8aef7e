//! The DNN primitives composed from la-core operations: what every factory runs until
//! its backend overrides them (a few passes each instead of one fused pass, and
//! softmax through host memory). Scratch memory comes from the caller's
//! [`Workspace`], which only grows.

use la_core::engine::Unary;
use la_core::prelude::*;
use la_core::Dense;

use super::Workspace;

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
    let fresh = ws
        .ones
        .as_ref()
        .is_none_or(|v| v.dim() < n || !v.factory().same(&f));
    let ones = grow(&f, &mut ws.ones, n)?;
    if fresh {
        fill(ones, T::one())?;
    }
    rk_into(T::one(), b, &ones.subvector(0, n)?, y)?;
    match op {
        Some(op) => unary_inplace(op, y),
        None => Ok(()),
    }
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
