//! [`CudnnDnn`]: tensor-core's DNN capability on a la-cuda factory.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::ffi::c_int;
use std::sync::{Mutex, MutexGuard};

use cudarc::driver::{CudaFunction, CudaSlice, DevicePtr};
use la_core::engine::{Region, Storage, Unary};
use la_core::prelude::*;
use la_core::Dense;
use la_cuda::{CudaEngine, CudaScalar};
use tensor_core::dnn::{composed, Convolution, Dnn, PoolAlgo, Pooling, Workspace};

use crate::cudnn::{self, cudnn_err, ConvDesc, ConvPlan, FilterDesc, Handle, Scratch, TensorDesc};
use crate::kernels::{self, PoolShape, KERNELS};

struct Funcs {
    bias_activation: CudaFunction,
    activation_grad: CudaFunction,
    pooling_forward: CudaFunction,
    pooling_backward: CudaFunction,
}

/// A convolution geometry, as the key of its plan.
type ConvKey = [usize; 15];

fn conv_key(g: &Convolution) -> ConvKey {
    let ([h, w], [kh, kw], [sh, sw]) = (g.in_size(), g.kernel(), g.strides());
    let ([ph, pw], [dh, dw]) = (g.padding(), g.dilation());
    let [oh, ow] = g.out_size();
    [
        g.batch(),
        g.in_channels(),
        h,
        w,
        g.out_channels(),
        kh,
        kw,
        sh,
        sw,
        ph,
        pw,
        dh,
        dw,
        oh,
        ow,
    ]
}

/// cuDNN (convolutions in three directions with the algorithms its heuristics pick,
/// softmax) and this crate's NVRTC kernels (bias + activation, activation backward,
/// pooling) on one la-cuda factory. Descriptors and algorithm choices are made once
/// per geometry; cuDNN's device workspace only grows; nothing is allocated per pass
/// once a geometry has been seen. What has no kernel here (the activations other than
/// sigmoid, tanh, relu and elu) runs on tensor-core's composed defaults, on the device.
pub struct CudnnDnn<T: CudaScalar> {
    la: Factory<T>,
    version: usize,
    handle: Mutex<Handle>,
    funcs: Funcs,
    plans: Mutex<HashMap<ConvKey, ConvPlan>>,
    softmax_descs: Mutex<HashMap<[c_int; 4], TensorDesc>>,
    workspace: Mutex<Option<CudaSlice<u8>>>,
}

impl<T: CudaScalar> std::fmt::Debug for CudnnDnn<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CudnnDnn({}, cuDNN {})", self.la.name(), self.version)
    }
}

fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    // A panic while a lock was held leaves descriptors and scratch memory behind,
    // both still valid.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn int(what: &str, v: usize) -> Result<c_int> {
    c_int::try_from(v)
        .map_err(|_| cudnn_err(format!("{what} = {v} exceeds cuDNN's 32-bit dimensions")))
}

fn ints<const N: usize>(what: &str, v: [usize; N]) -> Result<[c_int; N]> {
    let mut out = [0; N];
    for (o, x) in out.iter_mut().zip(v) {
        *o = int(what, x)?;
    }
    Ok(out)
}

/// The kernels' activation code and parameter, or `None` for an activation they lack.
fn act_code<T: Scalar>(op: Option<Unary<T>>) -> Option<(i32, T)> {
    match op {
        None => Some((0, T::zero())),
        Some(Unary::Sigmoid) => Some((1, T::zero())),
        Some(Unary::Tanh) => Some((2, T::zero())),
        Some(Unary::Relu) => Some((3, T::zero())),
        Some(Unary::Elu(a)) => Some((4, a)),
        Some(_) => None,
    }
}

impl<T: CudaScalar> CudnnDnn<T> {
    /// cuDNN on `la`, which must be a la-cuda factory: an error naming what is
    /// missing (cuDNN, NVRTC) or what `la` is otherwise.
    pub fn new(la: &Factory<T>) -> Result<Self> {
        let e = CudaEngine::<T>::of(la).ok_or_else(|| {
            cudnn_err(format!(
                "cuDNN runs on a CUDA factory (la_cuda::cuda_{}), not on {}",
                T::NAME,
                la.name()
            ))
        })?;
        let version = cudnn::version()?;
        e.bind_to_thread()?;
        let handle = Handle::new(e.stream())?;
        let module = la_cuda::load_module(e.context(), KERNELS, T::REAL)?;
        let f = |name: &str| {
            module
                .load_function(name)
                .map_err(|err| cudnn_err(format!("loading kernel {name}: {err:?}")))
        };
        Ok(CudnnDnn {
            la: la.clone(),
            version,
            handle: Mutex::new(handle),
            funcs: Funcs {
                bias_activation: f("bias_activation")?,
                activation_grad: f("activation_grad")?,
                pooling_forward: f("pooling_forward")?,
                pooling_backward: f("pooling_backward")?,
            },
            plans: Mutex::default(),
            softmax_descs: Mutex::default(),
            workspace: Mutex::default(),
        })
    }

    /// cuDNN's version number (`90100` for 9.1.0).
    pub fn cudnn_version(&self) -> usize {
        self.version
    }

    fn engine(&self) -> &CudaEngine<T> {
        CudaEngine::<T>::of(&self.la).expect("checked in new")
    }

    fn ptr(&self, s: &Storage<T>, r: Region) -> Result<u64> {
        self.engine().device_ptr(s, r)
    }

    /// The address of a contiguous tensor's first element (convolution and pooling
    /// take dense `nchw`/`oihw` buffers).
    fn dense(&self, what: &str, v: &impl Dense<T>) -> Result<u64> {
        let r = v.region();
        if r.len() > 1 && !r.is_flat_col() {
            return Err(cudnn_err(format!(
                "{what}: a strided view (region {r:?}); cuDNN here takes contiguous tensors"
            )));
        }
        self.ptr(v.storage(), r)
    }

    /// Runs `f` with the plan of `g` (made on first use) and a device workspace of at
    /// least the bytes the plan needs (grown on first use).
    fn with_plan(
        &self,
        g: &Convolution,
        f: impl FnOnce(&Handle, &ConvPlan, Scratch) -> Result<()>,
    ) -> Result<()> {
        self.engine().bind_to_thread()?;
        let handle = lock(&self.handle);
        let mut plans = lock(&self.plans);
        let key = conv_key(g);
        let plan = match plans.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let dt = cudnn::data_type(T::REAL);
                let [n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow] =
                    ints("convolution", key)?;
                e.insert(ConvPlan::new(
                    &handle,
                    TensorDesc::nchw(dt, [n, c, h, w])?,
                    FilterDesc::oihw(dt, [o, c, kh, kw])?,
                    ConvDesc::new(dt, [ph, pw], [sh, sw], [dh, dw])?,
                    TensorDesc::nchw(dt, [n, o, oh, ow])?,
                    TensorDesc::nchw(dt, [1, o, 1, 1])?,
                )?)
            }
        };
        let mut ws = lock(&self.workspace);
        if ws.as_ref().is_none_or(|b| b.len() < plan.workspace) {
            *ws = None; // free the smaller one first
            let bytes = plan.workspace.max(1);
            *ws = Some(
                self.engine()
                    .stream()
                    .alloc_zeros::<u8>(bytes)
                    .map_err(|e| {
                        cudnn_err(format!(
                            "allocating cuDNN's workspace of {bytes} bytes: {e:?}"
                        ))
                    })?,
            );
        }
        let buf = ws.as_ref().expect("made above");
        let (ptr, _guard) = buf.device_ptr(self.engine().stream());
        f(
            &handle,
            plan,
            Scratch {
                ptr,
                bytes: buf.len(),
            },
        )
    }

    fn pool_shape(g: &Pooling) -> PoolShape {
        let algo = match g.algo() {
            PoolAlgo::Max => 0,
            PoolAlgo::AvgIncludePadding => 1,
            _ => 2,
        };
        let ([h, w], [oh, ow]) = (g.in_size(), g.out_size());
        let ([kh, kw], [sh, sw], [ph, pw]) = (g.kernel(), g.strides(), g.padding());
        (
            algo,
            [
                g.batch() * g.channels(),
                h,
                w,
                oh,
                ow,
                kh,
                kw,
                sh,
                sw,
                ph,
                pw,
            ],
        )
    }
}

impl<T: CudaScalar> Dnn<T> for CudnnDnn<T> {
    fn name(&self) -> String {
        let v = self.version;
        format!("cudnn {}.{}.{}", v / 10000, (v / 100) % 100, v % 100)
    }

    fn bias_activation(
        &self,
        ws: &mut Workspace<T>,
        op: Option<Unary<T>>,
        b: &VectorView<'_, T>,
        y: &mut MatrixViewMut<'_, T>,
    ) -> Result<()> {
        let Some(act) = act_code(op) else {
            return composed::bias_activation(ws, op, b, y);
        };
        let (rb, ry) = (b.region(), y.region());
        if ry.is_empty() {
            return Ok(());
        }
        let bp = self.ptr(b.storage(), rb)?;
        let yp = self.ptr(y.storage(), ry)?;
        kernels::bias_activation(
            self.engine(),
            &self.funcs.bias_activation,
            act,
            (ry.m, ry.n),
            (bp, rb.rs),
            (yp, ry.rs, ry.cs),
        )
    }

    fn activation_grad(
        &self,
        ws: &mut Workspace<T>,
        op: Unary<T>,
        a: &MatrixView<'_, T>,
        d: &mut MatrixViewMut<'_, T>,
    ) -> Result<()> {
        let act = match act_code(Some(op)) {
            Some(act) if act.0 != 0 => act,
            _ => return composed::activation_grad(ws, op, a, d),
        };
        let (ra, rd) = (a.region(), d.region());
        if rd.is_empty() {
            return Ok(());
        }
        let ap = self.ptr(a.storage(), ra)?;
        let dp = self.ptr(d.storage(), rd)?;
        kernels::activation_grad(
            self.engine(),
            &self.funcs.activation_grad,
            act,
            (rd.m, rd.n),
            (ap, ra.rs, ra.cs),
            (dp, rd.rs, rd.cs),
        )
    }

    fn softmax(&self, _ws: &mut Workspace<T>, x: &mut MatrixViewMut<'_, T>) -> Result<()> {
        let r = x.region();
        if r.is_empty() {
            return Ok(());
        }
        // Each column is a sample (cuDNN's n) of r.m channels (its c).
        let key = ints("softmax", [r.n, r.m, r.cs.max(1), r.rs.max(1)])?;
        let p = self.ptr(x.storage(), r)?;
        let mut descs = lock(&self.softmax_descs);
        let desc = match descs.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let [n, c, sn, sc] = key;
                let dt = cudnn::data_type(T::REAL);
                e.insert(TensorDesc::new(dt, [n, c, 1, 1], [sn, sc, 1, 1])?)
            }
        };
        self.engine().bind_to_thread()?;
        let handle = lock(&self.handle);
        self.engine().count_launch();
        cudnn::softmax::<T>(&handle, desc, p)
    }

    fn convolution_forward(
        &self,
        _ws: &mut Workspace<T>,
        g: &Convolution,
        x: &VectorView<'_, T>,
        w: &VectorView<'_, T>,
        b: &VectorView<'_, T>,
        y: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        let ptrs = [
            self.dense("convolution_forward: x", x)?,
            self.dense("convolution_forward: w", w)?,
            self.dense("convolution_forward: b", b)?,
            self.dense("convolution_forward: y", y)?,
        ];
        self.engine().count_launch();
        self.with_plan(g, |h, plan, scratch| {
            cudnn::convolution_forward::<T>(h, plan, ptrs, scratch)
        })
    }

    fn convolution_backward_data(
        &self,
        _ws: &mut Workspace<T>,
        g: &Convolution,
        dy: &VectorView<'_, T>,
        w: &VectorView<'_, T>,
        dx: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        let ptrs = [
            self.dense("convolution_backward_data: dy", dy)?,
            self.dense("convolution_backward_data: w", w)?,
            self.dense("convolution_backward_data: dx", dx)?,
        ];
        self.engine().count_launch();
        self.with_plan(g, |h, plan, scratch| {
            cudnn::convolution_backward_data::<T>(h, plan, ptrs, scratch)
        })
    }

    fn convolution_backward_weights(
        &self,
        _ws: &mut Workspace<T>,
        g: &Convolution,
        alpha: T,
        x: &VectorView<'_, T>,
        dy: &VectorView<'_, T>,
        dw: &mut VectorViewMut<'_, T>,
        db: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        let ptrs = [
            self.dense("convolution_backward_weights: x", x)?,
            self.dense("convolution_backward_weights: dy", dy)?,
            self.dense("convolution_backward_weights: dw", dw)?,
            self.dense("convolution_backward_weights: db", db)?,
        ];
        self.engine().count_launch();
        self.with_plan(g, |h, plan, scratch| {
            cudnn::convolution_backward_weights::<T>(h, plan, alpha, ptrs, scratch)
        })
    }

    fn pooling_forward(
        &self,
        _ws: &mut Workspace<T>,
        g: &Pooling,
        x: &VectorView<'_, T>,
        y: &mut VectorViewMut<'_, T>,
        arg: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        let ptrs = [
            self.dense("pooling_forward: x", x)?,
            self.dense("pooling_forward: y", y)?,
            self.dense("pooling_forward: arg", arg)?,
        ];
        kernels::pooling_forward(
            self.engine(),
            &self.funcs.pooling_forward,
            &Self::pool_shape(g),
            ptrs,
        )
    }

    fn pooling_backward(
        &self,
        _ws: &mut Workspace<T>,
        g: &Pooling,
        dy: &VectorView<'_, T>,
        arg: &VectorView<'_, T>,
        dx: &mut VectorViewMut<'_, T>,
    ) -> Result<()> {
        let ptrs = [
            self.dense("pooling_backward: dy", dy)?,
            self.dense("pooling_backward: arg", arg)?,
            self.dense("pooling_backward: dx", dx)?,
        ];
        kernels::pooling_backward(
            self.engine(),
            &self.funcs.pooling_backward,
            &Self::pool_shape(g),
            ptrs,
        )
    }
}
