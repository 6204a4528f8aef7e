//! [`DnnlDnn`]: tensor-core's DNN capability with oneDNN's convolutions (and, with
//! [`DnnlOps`], its pooling and softmax); everything else (bias + activation,
//! activation backward, the fused small-network pass) is the native implementation's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use la_core::engine::Unary;
use la_core::prelude::*;
use la_core::{Dense, DenseMut};
use tensor_core::dnn::{Convolution, Dnn, MlpPass, Pooling, Workspace};

use crate::conv::{key, ConvPrims, Key};
use crate::dnnl::Context;
use crate::pool::{pool_key, PoolKey, PoolPrims, SoftmaxKey, SoftmaxPrim};

/// Which operations run on oneDNN (the others on the native kernels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnnlOps {
    /// Convolution forward, backward data, backward weights.
    pub convolution: bool,
    /// Max and average pooling, forward and backward.
    pub pooling: bool,
    /// The column softmax of a classifier's output.
    pub softmax: bool,
}

impl Default for DnnlOps {
    /// What is faster on oneDNN on this project's 2-core AVX-512 machine
    /// (`cargo run --release -p dlfp-benches --example cnn_step`, docs/benchmarks.md):
    /// the convolutions; pooling and softmax stay native.
    fn default() -> Self {
        DnnlOps {
            convolution: true,
            pooling: false,
            softmax: false,
        }
    }
}

impl DnnlOps {
    /// Every operation oneDNN has.
    pub fn all() -> Self {
        DnnlOps {
            convolution: true,
            pooling: true,
            softmax: true,
        }
    }
}

/// What oneDNN holds: its engine and stream, and each geometry's primitives (`None`:
/// oneDNN has no implementation for it; the native kernels run).
struct State {
    convs: HashMap<Key, Option<ConvPrims>>,
    pools: HashMap<PoolKey, Option<PoolPrims>>,
    softmaxes: HashMap<SoftmaxKey, Option<SoftmaxPrim>>,
    // dropped last: the primitives above belong to this engine
    ctx: Context,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} convolution, {} pooling, {} softmax geometries",
            self.convs.len(),
            self.pools.len(),
            self.softmaxes.len()
        )
    }
}

/// oneDNN as a tensor-core DNN implementation for `f32` on host memory.
#[derive(Debug)]
pub struct DnnlDnn {
    state: Mutex<State>,
    ops: DnnlOps,
    native: Arc<dyn Dnn<f32>>,
}

impl DnnlDnn {
    /// A CPU engine and stream, with [`DnnlOps::default`]; an error when oneDNN
    /// cannot be loaded (it names the package to install).
    pub fn new() -> Result<DnnlDnn> {
        DnnlDnn::with_ops(DnnlOps::default())
    }

    /// [`DnnlDnn::new`] with a choice of operations on oneDNN.
    pub fn with_ops(ops: DnnlOps) -> Result<DnnlDnn> {
        Ok(DnnlDnn {
            state: Mutex::new(State {
                convs: HashMap::new(),
                pools: HashMap::new(),
                softmaxes: HashMap::new(),
                ctx: Context::cpu()?,
            }),
            ops,
            native: tensor_core::native::native_dnn::<f32>(),
        })
    }

    /// The implementations oneDNN chose for pooling `g` (forward / backward),
    /// creating its primitives if needed; `None` when oneDNN has none.
    pub fn pooling_implementation(&self, g: &Pooling) -> Option<String> {
        let mut st = self.state();
        let State { pools, ctx, .. } = &mut *st;
        pools
            .entry(pool_key(g))
            .or_insert_with(|| PoolPrims::new(ctx, g).ok())
            .as_ref()
            .map(PoolPrims::implementation)
    }

    /// The operations this implementation runs on oneDNN.
    pub fn ops(&self) -> DnnlOps {
        self.ops
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The implementations oneDNN chose for convolution `g` (forward / backward data /
    /// backward weights, e.g. `jit:avx512_core / …`), creating its primitives if
    /// needed; `None` when oneDNN has none and the native kernels run instead.
    pub fn convolution_implementation(&self, g: &Convolution) -> Option<String> {
        let mut st = self.state();
        let State { convs, ctx, .. } = &mut *st;
        prims(convs, ctx, g).map(|p| p.implementation())
    }
}

/// The primitives of `g`, created on first use; `None` when oneDNN refuses it.
fn prims<'a>(
    convs: &'a mut HashMap<Key, Option<ConvPrims>>,
    ctx: &Context,
    g: &Convolution,
) -> Option<&'a mut ConvPrims> {
    convs
        .entry(key(g))
        .or_insert_with(|| ConvPrims::new(ctx, g).ok())
        .as_mut()
}

fn not_host(what: &str) -> Error {
    Error::Backend {
        backend: "dnnl".into(),
        message: format!("{what}: received device memory; oneDNN here runs on host memory"),
    }
}

/// A contiguous host vector's elements.
fn flat<'v>(v: &'v VectorView<'_, f32>) -> Result<&'v [f32]> {
    let r = v.region();
    let s = v.storage().host().ok_or_else(|| not_host("dnnl"))?;
    contiguous(&r).map(|range| &s[range])
}

fn flat_mut<'v>(v: &'v mut VectorViewMut<'_, f32>) -> Result<&'v mut [f32]> {
    let r = v.region();
    let s = v.storage_mut().host_mut().ok_or_else(|| not_host("dnnl"))?;
    contiguous(&r).map(move |range| &mut s[range])
}

fn contiguous(r: &la_core::engine::Region) -> Result<std::ops::Range<usize>> {
    if r.len() > 1 && r.rs != 1 {
        return Err(Error::Backend {
            backend: "dnnl".into(),
            message: format!("needs a contiguous vector, got stride {}", r.rs),
        });
    }
    Ok(r.offset..r.offset + r.len())
}

impl Dnn<f32> for DnnlDnn {
    fn name(&self) -> String {
        match crate::version() {
            Ok((a, b, c)) => format!("dnnl {a}.{b}.{c}"),
            Err(_) => "dnnl".into(),
        }
    }

    fn bias_activation(
        &self,
        ws: &mut Workspace<f32>,
        op: Option<Unary<f32>>,
        b: &VectorView<'_, f32>,
        y: &mut MatrixViewMut<'_, f32>,
    ) -> Result<()> {
        self.native.bias_activation(ws, op, b, y)
    }

    fn activation_grad(
        &self,
        ws: &mut Workspace<f32>,
        op: Unary<f32>,
        a: &MatrixView<'_, f32>,
        d: &mut MatrixViewMut<'_, f32>,
    ) -> Result<()> {
        self.native.activation_grad(ws, op, a, d)
    }

    fn softmax(&self, ws: &mut Workspace<f32>, x: &mut MatrixViewMut<'_, f32>) -> Result<()> {
        if !self.ops.softmax || x.mrows() == 0 || x.ncols() == 0 {
            return self.native.softmax(ws, x);
        }
        let r = x.region();
        let k: SoftmaxKey = [r.n, r.m, r.cs, r.rs];
        let mut st = self.state();
        let State { softmaxes, ctx, .. } = &mut *st;
        let prim = softmaxes
            .entry(k)
            .or_insert_with(|| SoftmaxPrim::new(ctx, &k).ok());
        // oneDNN sizes a strided matrix as its largest stride times its dimension,
        // which may reach past the storage of a view at its end: then native
        let room = x
            .storage()
            .host()
            .map_or(0, |b| b.len().saturating_sub(r.offset));
        match prim {
            Some(p) if p.elements() <= room => {
                let buf = x
                    .storage_mut()
                    .host_mut()
                    .ok_or_else(|| not_host("softmax"))?;
                p.run(ctx, &mut buf[r.offset..])
            }
            _ => {
                drop(st);
                self.native.softmax(ws, x)
            }
        }
    }

    fn convolution_forward(
        &self,
        ws: &mut Workspace<f32>,
        g: &Convolution,
        x: &VectorView<'_, f32>,
        w: &VectorView<'_, f32>,
        b: &VectorView<'_, f32>,
        y: &mut VectorViewMut<'_, f32>,
    ) -> Result<()> {
        if !self.ops.convolution {
            return self.native.convolution_forward(ws, g, x, w, b, y);
        }
        let mut st = self.state();
        let State { convs, ctx, .. } = &mut *st;
        match prims(convs, ctx, g) {
            Some(p) => p.forward(ctx, flat(x)?, flat(w)?, flat(b)?, flat_mut(y)?),
            None => self.native.convolution_forward(ws, g, x, w, b, y),
        }
    }

    fn convolution_backward_data(
        &self,
        ws: &mut Workspace<f32>,
        g: &Convolution,
        dy: &VectorView<'_, f32>,
        w: &VectorView<'_, f32>,
        dx: &mut VectorViewMut<'_, f32>,
    ) -> Result<()> {
        if !self.ops.convolution {
            return self.native.convolution_backward_data(ws, g, dy, w, dx);
        }
        let mut st = self.state();
        let State { convs, ctx, .. } = &mut *st;
        match prims(convs, ctx, g) {
            Some(p) => p.backward_data(ctx, flat(dy)?, flat(w)?, flat_mut(dx)?),
            None => self.native.convolution_backward_data(ws, g, dy, w, dx),
        }
    }

    fn convolution_backward_weights(
        &self,
        ws: &mut Workspace<f32>,
        g: &Convolution,
        alpha: f32,
        x: &VectorView<'_, f32>,
        dy: &VectorView<'_, f32>,
        dw: &mut VectorViewMut<'_, f32>,
        db: &mut VectorViewMut<'_, f32>,
    ) -> Result<()> {
        if !self.ops.convolution {
            return self
                .native
                .convolution_backward_weights(ws, g, alpha, x, dy, dw, db);
        }
        {
            let mut st = self.state();
            let State { convs, ctx, .. } = &mut *st;
            match prims(convs, ctx, g) {
                Some(p) => {
                    p.backward_weights(ctx, flat(x)?, flat(dy)?, flat_mut(dw)?, flat_mut(db)?)?
                }
                None => {
                    return self
                        .native
                        .convolution_backward_weights(ws, g, alpha, x, dy, dw, db)
                }
            }
        }
        if alpha != 1.0 {
            scal_inplace(alpha, dw)?;
            scal_inplace(alpha, db)?;
        }
        Ok(())
    }

    fn pooling_forward(
        &self,
        ws: &mut Workspace<f32>,
        g: &Pooling,
        x: &VectorView<'_, f32>,
        y: &mut VectorViewMut<'_, f32>,
        arg: &mut VectorViewMut<'_, f32>,
    ) -> Result<()> {
        if !self.ops.pooling {
            return self.native.pooling_forward(ws, g, x, y, arg);
        }
        let mut st = self.state();
        let State { pools, ctx, .. } = &mut *st;
        match pools
            .entry(pool_key(g))
            .or_insert_with(|| PoolPrims::new(ctx, g).ok())
        {
            Some(p) => p.forward(ctx, flat(x)?, flat_mut(y)?, flat_mut(arg)?),
            None => {
                drop(st);
                self.native.pooling_forward(ws, g, x, y, arg)
            }
        }
    }

    /// With [`DnnlOps::pooling`], `arg` holds oneDNN's workspace from the forward
    /// pass of this implementation (not the native positions).
    fn pooling_backward(
        &self,
        ws: &mut Workspace<f32>,
        g: &Pooling,
        dy: &VectorView<'_, f32>,
        arg: &VectorView<'_, f32>,
        dx: &mut VectorViewMut<'_, f32>,
    ) -> Result<()> {
        if !self.ops.pooling {
            return self.native.pooling_backward(ws, g, dy, arg, dx);
        }
        let mut st = self.state();
        let State { pools, ctx, .. } = &mut *st;
        match pools
            .entry(pool_key(g))
            .or_insert_with(|| PoolPrims::new(ctx, g).ok())
        {
            Some(p) => p.backward(ctx, flat(dy)?, flat(arg)?, flat_mut(dx)?),
            None => {
                drop(st);
                self.native.pooling_backward(ws, g, dy, arg, dx)
            }
        }
    }

    fn convolution_workspace_len(&self, g: &Convolution) -> usize {
        // the native fallback's, for geometries oneDNN refuses
        self.native.convolution_workspace_len(g)
    }

    fn has_fused_mlp(&self) -> bool {
        self.native.has_fused_mlp()
    }

    fn mlp_gradients(&self, pass: MlpPass<'_, '_, '_, f32>) -> Result<f32> {
        self.native.mlp_gradients(pass)
    }
}
