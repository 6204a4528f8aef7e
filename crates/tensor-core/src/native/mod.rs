//! The native DNN implementation for host-memory factories (native, MKL, OpenBLAS):
//! bias + activation and activation derivative × error fused in one vectorised pass
//! each (la-core's element-wise machinery, compiled for AVX-512/AVX2 at run time),
//! column softmax in cache, and the fused training pass of small networks — a
//! portable kernel ([`mlp`]) and, for `f32` on AVX-512, a hand-tiled intrinsics
//! kernel (`mlp_avx512`), which splits large batches over the caller and one helper
//! thread that stays awake between calls (`pair`).

#[doc(hidden)]
pub mod mlp;
#[cfg(target_arch = "x86_64")]
mod mlp_avx512;
mod pair;
mod update;

use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use la_core::engine::{Region, Unary};
use la_core::native::lanes;
use la_core::native::simd::MapKernel;
use la_core::prelude::*;
use la_core::{Dense, DenseMut};
use rayon::prelude::*;

use crate::dnn::composed::softmax_column;
use crate::dnn::{Convolution, Dnn, FusedUpdate, MlpPass, Pooling, Update, Workspace};

/// Element counts above which element-wise work is split across threads (as la-core's).
const PAR_CHEAP: usize = 1 << 18;
const PAR_COSTLY: usize = 1 << 14;

/// The fused pass of one thread's samples with explicit SIMD, returning their cost.
pub(crate) type MlpFast<T> = fn(&mut mlp::MlpKernel<'_, '_, '_, T>) -> T;

/// The native DNN implementation for element type `T` on host memory.
#[derive(Debug)]
pub struct NativeDnn<T> {
    fast: Option<MlpFast<T>>,
    _t: PhantomData<T>,
}

/// The shared native implementation for `T` (picked by [`crate::DnnFactory::new`] for
/// host factories).
pub fn native_dnn<T: Scalar>() -> Arc<dyn Dnn<T>> {
    Arc::new(NativeDnn::<T> {
        fast: fast_kernel::<T>(),
        _t: PhantomData,
    })
}

/// The explicit-SIMD fused kernel for `T` on this CPU, if there is one (f32 with
/// AVX-512). Picked by type identity, without unsafe code.
fn fast_kernel<T: Scalar>() -> Option<MlpFast<T>> {
    #[cfg(target_arch = "x86_64")]
    {
        use la_core::native::simd::{simd_level, SimdLevel};
        if simd_level() == SimdLevel::Avx512 {
            let f32_kernel: Option<MlpFast<f32>> = Some(mlp_avx512::run);
            let any: Box<dyn Any> = Box::new(f32_kernel);
            if let Ok(k) = any.downcast::<Option<MlpFast<T>>>() {
                return *k;
            }
        }
    }
    None
}

fn host<T: Scalar>(d: &impl Dense<T>) -> Result<(&[T], Region)> {
    let s = d.storage().host().ok_or_else(|| Error::Backend {
        backend: "native dnn".into(),
        message: format!(
            "received device memory of {}; transfer it first",
            d.factory().name()
        ),
    })?;
    Ok((s, d.region()))
}

fn host_mut<T: Scalar>(d: &mut impl DenseMut<T>) -> Result<(&mut [T], Region)> {
    let r = d.region();
    if d.storage().host().is_none() {
        return Err(Error::Backend {
            backend: "native dnn".into(),
            message: format!(
                "received device memory of {}; transfer it first",
                d.factory().name()
            ),
        });
    }
    let s = d.storage_mut().host_mut().ok_or_else(|| Error::Backend {
        backend: "native dnn".into(),
        message: "received device memory; transfer it first".into(),
    })?;
    Ok((s, r))
}

fn contiguous(r: &Region) -> Result<std::ops::Range<usize>> {
    if r.len() > 1 && r.rs != 1 {
        return Err(Error::Backend {
            backend: "native dnn".into(),
            message: format!("needs a contiguous vector, got stride {}", r.rs),
        });
    }
    Ok(r.offset..r.offset + r.len())
}

/// A contiguous vector's elements.
fn flat<'v, T: Scalar>(v: &'v VectorView<'_, T>) -> Result<&'v [T]> {
    let (s, r) = host(v)?;
    Ok(&s[contiguous(&r)?])
}

/// A contiguous vector's elements, writable.
fn flat_mut<'v, T: Scalar>(v: &'v mut VectorViewMut<'_, T>) -> Result<&'v mut [T]> {
    let (s, r) = host_mut(v)?;
    Ok(&mut s[contiguous(&r)?])
}

/// `out[i] = f(out[i], a[i])`.
struct Combine<F>(F);
impl<T: Scalar, F: Fn(T, T) -> T + Sync> MapKernel<T, 1> for Combine<F> {
    #[inline(always)]
    fn apply(&self, [a]: [&[T]; 1], out: &mut [T]) {
        for (q, p) in out.iter_mut().zip(a) {
            *q = (self.0)(*q, *p);
        }
    }
}

fn par_min<T>(op: &Unary<T>) -> usize {
    match op {
        Unary::Exp | Unary::Log | Unary::Tanh | Unary::Sigmoid | Unary::Elu(_) | Unary::Pow(_) => {
            PAR_COSTLY
        }
        _ => PAR_CHEAP,
    }
}

impl<T: Scalar> Dnn<T> for NativeDnn<T> {
    fn name(&self) -> String {
        "native".into()
    }

    fn bias_activation(
        &self,
        _: &mut Workspace<T>,
        op: Option<Unary<T>>,
        b: &VectorView<'_, T>,
        y: &mut MatrixViewMut<'_, T>,
    ) -> Result<()> {
        let (bh, br) = host(b)?;
        let (yh, yr) = host_mut(y)?;
        // the bias broadcast over the columns: column stride 0
        let broadcast = Region {
            offset: br.offset,
            m: yr.m,
            n: yr.n,
            rs: br.rs,
            cs: 0,
        };
        let ins = [(bh, broadcast)];
        let dst = (yh, yr);
        match op {
            None => lanes::map(ins, dst, PAR_CHEAP, &Combine(|v: T, c: T| v + c)),
            Some(op) => {
                let pm = par_min(&op);
                la_core::__with_unary!(op, |f| lanes::map(ins, dst, pm, &Combine(|v, c| f(v + c))))
            }
        }
        Ok(())
    }

    fn activation_grad(
        &self,
        _: &mut Workspace<T>,
        op: Unary<T>,
        a: &MatrixView<'_, T>,
        d: &mut MatrixViewMut<'_, T>,
    ) -> Result<()> {
        let ins = [host(a)?];
        let dst = host_mut(d)?;
        let (zero, one) = (T::zero(), T::one());
        match op {
            Unary::Sigmoid => lanes::map(ins, dst, PAR_CHEAP, &Combine(|d, a| d * a * (one - a))),
            Unary::Tanh => lanes::map(ins, dst, PAR_CHEAP, &Combine(|d, a| d * (one - a * a))),
            Unary::Relu => lanes::map(
                ins,
                dst,
                PAR_CHEAP,
                &Combine(|d, a| if a > zero { d } else { zero }),
            ),
            Unary::Elu(alpha) => lanes::map(
                ins,
                dst,
                PAR_CHEAP,
                &Combine(|d, a| if a > zero { d } else { d * (a + alpha) }),
            ),
            other => {
                return Err(Error::Unsupported {
                    backend: "native dnn".into(),
                    op: other.name(),
                })
            }
        }
        Ok(())
    }

    fn softmax(&self, ws: &mut Workspace<T>, x: &mut MatrixViewMut<'_, T>) -> Result<()> {
        let (buf, r) = host_mut(x)?;
        if r.is_empty() {
            return Ok(());
        }
        if r.rs == 1 || r.m == 1 {
            let cols = &mut buf[r.offset..];
            let step = r.cs.max(r.m);
            if r.len() >= PAR_COSTLY {
                cols.par_chunks_mut(step)
                    .take(r.n)
                    .for_each(|c| softmax_column(&mut c[..r.m]));
            } else {
                for j in 0..r.n {
                    softmax_column(&mut cols[j * step..j * step + r.m]);
                }
            }
        } else {
            let col = &mut ws.host;
            for j in 0..r.n {
                col.clear();
                col.extend((0..r.m).map(|i| buf[r.index(i, j)]));
                softmax_column(col);
                for (i, v) in col.iter().enumerate() {
                    buf[r.index(i, j)] = *v;
                }
            }
        }
        Ok(())
    }

    fn convolution_forward(
        &self,
        ws: &mut Workspace<T>,
        g: &Convolution,
        x: &VectorView<'_, T>,
        w: &VectorView<'_, T>,
        b: &VectorView<'_, T>,
        y: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        crate::kernels::conv::forward(g, &mut ws.conv, flat(x)?, flat(w)?, flat(b)?, flat_mut(y)?)
    }

    fn convolution_backward_data(
        &self,
        ws: &mut Workspace<T>,
        g: &Convolution,
        dy: &VectorView<'_, T>,
        w: &VectorView<'_, T>,
        dx: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        crate::kernels::conv::backward_data(g, &mut ws.conv, flat(dy)?, flat(w)?, flat_mut(dx)?)
    }

    fn convolution_backward_weights(
        &self,
        ws: &mut Workspace<T>,
        g: &Convolution,
        alpha: T,
        x: &VectorView<'_, T>,
        dy: &VectorView<'_, T>,
        dw: &mut VectorViewMut<'_, T>,
        db: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        let (dw, db) = (flat_mut(dw)?, flat_mut(db)?);
        crate::kernels::conv::backward_weights(g, &mut ws.conv, alpha, flat(x)?, flat(dy)?, dw, db)
    }

    fn pooling_forward(
        &self,
        _: &mut Workspace<T>,
        g: &Pooling,
        x: &VectorView<'_, T>,
        y: &mut VectorViewMut<'_, T>,
        arg: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        crate::kernels::pool::forward(g, flat(x)?, flat_mut(y)?, flat_mut(arg)?);
        Ok(())
    }

    fn pooling_backward(
        &self,
        _: &mut Workspace<T>,
        g: &Pooling,
        dy: &VectorView<'_, T>,
        arg: &VectorView<'_, T>,
        dx: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        crate::kernels::pool::backward(g, flat(dy)?, flat(arg)?, flat_mut(dx)?);
        Ok(())
    }

    fn convolution_workspace_len(&self, g: &Convolution) -> usize {
        crate::kernels::conv::workspace_len(g)
    }

    fn has_fused_mlp(&self) -> bool {
        true
    }

    fn mlp_gradients(&self, pass: MlpPass<'_, '_, '_, T>) -> Result<T> {
        mlp::gradients(pass, self.fast)
    }

    fn update<'a>(
        &self,
        ws: &mut Workspace<T>,
        step: &Update<T>,
        p: &mut VectorViewMut<'a, T>,
        g: &mut VectorViewMut<'a, T>,
        s: &mut [VectorViewMut<'a, T>],
    ) -> Result<()> {
        if std::iter::once(&*p)
            .chain([&*g])
            .chain(s.iter())
            .any(|v| v.dim() > 1 && v.stride() != 1)
        {
            return step.optimizer.step(step.lr, step.t, p, g, s, step.decay);
        }
        let _ = ws;
        let k = FusedUpdate::new(&step.optimizer, step.lr, step.t, step.decay);
        let gv = g.view();
        let (p, g) = (flat_mut(p)?, flat(&gv)?);
        match s {
            [] => update::run(&k, p, g, None, None),
            [a] => update::run(&k, p, g, Some(flat_mut(a)?), None),
            [a, b, ..] => {
                let (a, b) = (flat_mut(a)?, flat_mut(b)?);
                update::run(&k, p, g, Some(a), Some(b))
            }
        }
        Ok(())
    }
}
