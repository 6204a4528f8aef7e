//! Pooling and softmax on oneDNN, on the tensors' own plain layouts (no reorders):
//! primitives made once per geometry. Max pooling keeps oneDNN's workspace (the
//! argmax, one byte or int per output, in oneDNN's own encoding) in the caller's `arg`
//! buffer, which holds one f32 per output: room enough, checked.

use std::ffi::c_int;

use tensor_core::dnn::{PoolAlgo, Pooling};

use crate::dnnl::{
    dims, pool_backward_desc, pool_forward_desc, right_padding, softmax_desc, Context, Memory, Op,
    PoolGeometry, Result,
};
use crate::ffi::{self, MemoryDesc};

/// A pooling geometry's identity.
pub(crate) type PoolKey = [usize; 12];

pub(crate) fn pool_key(g: &Pooling) -> PoolKey {
    let ([h, w], [kh, kw], [sh, sw], [ph, pw]) =
        (g.in_size(), g.kernel(), g.strides(), g.padding());
    let algo = match g.algo() {
        PoolAlgo::Max => 0,
        PoolAlgo::AvgIncludePadding => 1,
        _ => 2,
    };
    [
        g.batch(),
        g.channels(),
        h,
        w,
        kh,
        kw,
        sh,
        sw,
        ph,
        pw,
        algo,
        0,
    ]
}

/// The forward and backward primitives of one pooling geometry.
pub(crate) struct PoolPrims {
    fwd: Op,
    bwd: Op,
    src: Memory,
    dst: Memory,
    ws: Option<(Memory, Memory)>,
    diff_dst: Memory,
    diff_src: Memory,
}

impl PoolPrims {
    /// Creates the primitives for `g`; an error means oneDNN has no implementation (or
    /// its workspace would not fit `arg`), and the caller falls back to native.
    pub(crate) fn new(ctx: &Context, g: &Pooling) -> Result<PoolPrims> {
        let (x, y) = (
            MemoryDesc::dense(g.input_desc().shape())?,
            MemoryDesc::dense(g.output_desc().shape())?,
        );
        let algo = match g.algo() {
            PoolAlgo::Max => ffi::POOLING_MAX,
            PoolAlgo::AvgIncludePadding => ffi::POOLING_AVG_INCLUDE_PADDING,
            _ => ffi::POOLING_AVG_EXCLUDE_PADDING,
        };
        let pad_r = right_padding(
            g.out_size(),
            g.strides(),
            g.kernel(),
            g.padding(),
            g.in_size(),
        );
        let geo = PoolGeometry {
            algo,
            strides: dims(&g.strides()),
            kernel: dims(&g.kernel()),
            pad_l: dims(&g.padding()),
            pad_r,
        };
        let fwd = Op::new(
            ctx,
            "pooling forward",
            &*pool_forward_desc(&x, &y, &geo, true)?,
            None,
        )?;
        let bwd = Op::new(
            ctx,
            "pooling backward",
            &*pool_backward_desc(&x, &y, &geo)?,
            Some(&fwd),
        )?;
        let ws = if g.algo() == PoolAlgo::Max {
            let wmd = fwd.prim.md(ffi::QUERY_WORKSPACE_MD)?;
            let room = g.workspace_len() * std::mem::size_of::<f32>();
            if wmd.size() > room {
                return Err(la_core::Error::Backend {
                    backend: "dnnl".into(),
                    message: format!("pooling workspace of {} bytes exceeds {room}", wmd.size()),
                });
            }
            Some((Memory::user(ctx, &wmd)?, Memory::user(ctx, &wmd)?))
        } else {
            None
        };
        Ok(PoolPrims {
            src: Memory::user(ctx, &x)?,
            dst: Memory::user(ctx, &y)?,
            diff_dst: Memory::user(ctx, &y)?,
            diff_src: Memory::user(ctx, &x)?,
            ws,
            fwd,
            bwd,
        })
    }

    /// The implementations oneDNN picked, forward / backward.
    pub(crate) fn implementation(&self) -> String {
        format!(
            "{} / {}",
            self.fwd.prim.implementation(),
            self.bwd.prim.implementation()
        )
    }

    /// `y := pool(x)`, oneDNN's workspace into `arg` (max pooling).
    pub(crate) fn forward(
        &mut self,
        ctx: &Context,
        x: &[f32],
        y: &mut [f32],
        arg: &mut [f32],
    ) -> Result<()> {
        self.src.point_at(x)?;
        self.dst.point_at_mut(y)?;
        let mut args: [(c_int, &Memory); 3] = [
            (ffi::ARG_SRC, &self.src),
            (ffi::ARG_DST, &self.dst),
            (ffi::ARG_SRC, &self.src),
        ];
        let n = match &mut self.ws {
            Some((w, _)) => {
                w.point_at_mut(arg)?;
                args[2] = (ffi::ARG_WORKSPACE, w);
                3
            }
            None => 2,
        };
        self.fwd.run(ctx, &args[..n])
    }

    /// `dx := ∂pool/∂xᵀ dy`, with `arg` as the forward pass left it.
    pub(crate) fn backward(
        &mut self,
        ctx: &Context,
        dy: &[f32],
        arg: &[f32],
        dx: &mut [f32],
    ) -> Result<()> {
        self.diff_dst.point_at(dy)?;
        self.diff_src.point_at_mut(dx)?;
        let mut args: [(c_int, &Memory); 3] = [
            (ffi::ARG_DIFF_DST, &self.diff_dst),
            (ffi::ARG_DIFF_SRC, &self.diff_src),
            (ffi::ARG_DIFF_DST, &self.diff_dst),
        ];
        let n = match &mut self.ws {
            Some((_, w)) => {
                w.point_at(arg)?;
                args[2] = (ffi::ARG_WORKSPACE, w);
                3
            }
            None => 2,
        };
        self.bwd.run(ctx, &args[..n])
    }
}

/// A softmax over each sample of an `[n, c]` strided matrix, in place.
pub(crate) struct SoftmaxPrim {
    op: Op,
    data: Memory,
}

/// A softmax's identity: samples, classes and the two strides.
pub(crate) type SoftmaxKey = [usize; 4];

impl SoftmaxPrim {
    /// `n` samples of `c` classes, sample `j`'s class `i` at `j * sample_stride + i *
    /// class_stride`.
    pub(crate) fn new(ctx: &Context, k: &SoftmaxKey) -> Result<SoftmaxPrim> {
        let [n, c, sn, sc] = *k;
        let md = MemoryDesc::strided(&[n, c], &[sn, sc])?;
        let op = Op::new(ctx, "softmax", &*softmax_desc(&md, 1)?, None)?;
        Ok(SoftmaxPrim {
            op,
            data: Memory::user(ctx, &md)?,
        })
    }

    /// The elements a buffer needs from the matrix's first one (oneDNN's size).
    pub(crate) fn elements(&self) -> usize {
        self.data.bytes / std::mem::size_of::<f32>()
    }

    /// In place on `buf`, from the matrix's first element (at least
    /// [`elements`](Self::elements) long).
    pub(crate) fn run(&mut self, ctx: &Context, buf: &mut [f32]) -> Result<()> {
        self.data.point_at_mut(buf)?;
        self.op.run(
            ctx,
            &[(ffi::ARG_SRC, &self.data), (ffi::ARG_DST, &self.data)],
        )
    }
}
