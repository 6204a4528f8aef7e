//! Convolution on oneDNN: for each geometry, the forward, backward-data and
//! backward-weights primitives are created once, with the memory formats oneDNN
//! chooses (`format_tag_any`: blocked layouts such as `nChw16c` on AVX-512), and
//! reorders between them and the caller's dense `nchw`/`oihw` buffers only where the
//! chosen format differs (Deep Diamond's `connector`). Executions then allocate
//! nothing.

use tensor_core::dnn::Convolution;

use crate::dnnl::{
    conv_backward_data_desc, conv_backward_weights_desc, conv_forward_desc, dims, right_padding,
    Context, ConvGeometry, Memory, Op, Primitive, Result,
};
use crate::ffi::{self, MemoryDesc};

/// A geometry's identity: batch, channels, sizes, kernel, strides, padding, dilation.
pub(crate) type Key = [usize; 13];

pub(crate) fn key(g: &Convolution) -> Key {
    let ([h, w], [kh, kw], [sh, sw]) = (g.in_size(), g.kernel(), g.strides());
    let ([ph, pw], [dh, dw]) = (g.padding(), g.dilation());
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
    ]
}

/// One argument of a primitive: the caller's dense buffer and, when the primitive
/// chose another format, an internal buffer in that format with the reorder between.
struct Slot {
    user: Memory,
    inner: Option<(Memory, Primitive)>,
}

impl Slot {
    /// `chosen` is the primitive's format; `input` says which way the reorder goes.
    fn new(ctx: &Context, user: &MemoryDesc, chosen: &MemoryDesc, input: bool) -> Result<Slot> {
        let inner = if user.same(chosen) {
            None
        } else {
            let reorder = if input {
                Primitive::reorder(ctx, user, chosen)?
            } else {
                Primitive::reorder(ctx, chosen, user)?
            };
            Some((Memory::owned(ctx, chosen)?, reorder))
        };
        Ok(Slot {
            user: Memory::user(ctx, user)?,
            inner,
        })
    }

    /// Lends `buf` as the input and returns the memory the primitive reads (the
    /// reordered copy, when there is one).
    fn input(&mut self, ctx: &Context, buf: &[f32]) -> Result<&Memory> {
        self.user.point_at(buf)?;
        match &self.inner {
            Some((m, r)) => {
                r.execute(ctx, &[(ffi::ARG_SRC, &self.user), (ffi::ARG_DST, m)], None)?;
                Ok(m)
            }
            None => Ok(&self.user),
        }
    }

    /// Lends `buf` as the output; returns the memory the primitive writes.
    fn output(&mut self, buf: &mut [f32]) -> Result<&Memory> {
        self.user.point_at_mut(buf)?;
        Ok(match &self.inner {
            Some((m, _)) => m,
            None => &self.user,
        })
    }

    /// After the primitive ran: copies the internal output into the caller's buffer.
    fn finish(&self, ctx: &Context) -> Result<()> {
        match &self.inner {
            Some((m, r)) => r.execute(ctx, &[(ffi::ARG_SRC, m), (ffi::ARG_DST, &self.user)], None),
            None => Ok(()),
        }
    }
}

/// The three primitives of one geometry and their arguments.
pub(crate) struct ConvPrims {
    fwd: Op,
    bwd_data: Op,
    bwd_weights: Op,
    f_src: Slot,
    f_wei: Slot,
    f_bias: Memory,
    f_dst: Slot,
    d_diff_dst: Slot,
    d_wei: Slot,
    d_diff_src: Slot,
    w_src: Slot,
    w_diff_dst: Slot,
    w_diff_wei: Slot,
    w_diff_bias: Memory,
}

impl std::fmt::Debug for ConvPrims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ConvPrims({})", self.implementation())
    }
}

impl ConvPrims {
    /// Creates the primitives for `g` (an error when oneDNN has no implementation for
    /// it; the caller then uses the native kernels).
    pub(crate) fn new(ctx: &Context, g: &Convolution) -> Result<ConvPrims> {
        let (x, w, y) = (
            g.input_desc().shape().to_vec(),
            g.weights_desc().shape().to_vec(),
            g.output_desc().shape().to_vec(),
        );
        let oc = [g.out_channels()];
        let (user_x, user_w, user_y, user_b) = (
            MemoryDesc::dense(&x)?,
            MemoryDesc::dense(&w)?,
            MemoryDesc::dense(&y)?,
            MemoryDesc::dense(&oc)?,
        );
        let (any_x, any_w, any_y) = (
            MemoryDesc::any(&x)?,
            MemoryDesc::any(&w)?,
            MemoryDesc::any(&y)?,
        );
        let dil: Vec<usize> = g.dilation().iter().map(|d| d - 1).collect();
        let extent = [0, 1].map(|i| (g.kernel()[i] - 1) * g.dilation()[i] + 1);
        let pad_r = right_padding(g.out_size(), g.strides(), extent, g.padding(), g.in_size());
        let geo = ConvGeometry {
            strides: dims(&g.strides()),
            dilates: dims(&dil),
            pad_l: dims(&g.padding()),
            pad_r,
        };
        let fd = conv_forward_desc(&any_x, &any_w, &user_b, &any_y, &geo)?;
        let fwd = Op::new(ctx, "convolution forward", &*fd, None)?;
        let bd = conv_backward_data_desc(&any_x, &any_w, &any_y, &geo)?;
        let bwd_data = Op::new(ctx, "convolution backward data", &*bd, Some(&fwd))?;
        let bw = conv_backward_weights_desc(&any_x, &any_w, &user_b, &any_y, &geo)?;
        let bwd_weights = Op::new(ctx, "convolution backward weights", &*bw, Some(&fwd))?;
        let (fp, dp, wp) = (&fwd.prim, &bwd_data.prim, &bwd_weights.prim);
        Ok(ConvPrims {
            f_src: Slot::new(ctx, &user_x, &fp.md(ffi::QUERY_SRC_MD)?, true)?,
            f_wei: Slot::new(ctx, &user_w, &fp.md(ffi::QUERY_WEIGHTS_MD)?, true)?,
            f_bias: Memory::user(ctx, &user_b)?,
            f_dst: Slot::new(ctx, &user_y, &fp.md(ffi::QUERY_DST_MD)?, false)?,
            d_diff_dst: Slot::new(ctx, &user_y, &dp.md(ffi::QUERY_DIFF_DST_MD)?, true)?,
            d_wei: Slot::new(ctx, &user_w, &dp.md(ffi::QUERY_WEIGHTS_MD)?, true)?,
            d_diff_src: Slot::new(ctx, &user_x, &dp.md(ffi::QUERY_DIFF_SRC_MD)?, false)?,
            w_src: Slot::new(ctx, &user_x, &wp.md(ffi::QUERY_SRC_MD)?, true)?,
            w_diff_dst: Slot::new(ctx, &user_y, &wp.md(ffi::QUERY_DIFF_DST_MD)?, true)?,
            w_diff_wei: Slot::new(ctx, &user_w, &wp.md(ffi::QUERY_DIFF_WEIGHTS_MD)?, false)?,
            w_diff_bias: Memory::user(ctx, &user_b)?,
            fwd,
            bwd_data,
            bwd_weights,
        })
    }

    /// The implementations oneDNN picked, forward / backward data / backward weights.
    pub(crate) fn implementation(&self) -> String {
        format!(
            "{} / {} / {}",
            self.fwd.prim.implementation(),
            self.bwd_data.prim.implementation(),
            self.bwd_weights.prim.implementation()
        )
    }

    /// `y := conv(x, w) + b`.
    pub(crate) fn forward(
        &mut self,
        ctx: &Context,
        x: &[f32],
        w: &[f32],
        b: &[f32],
        y: &mut [f32],
    ) -> Result<()> {
        self.f_bias.point_at(b)?;
        let src = self.f_src.input(ctx, x)?;
        let wei = self.f_wei.input(ctx, w)?;
        let dst = self.f_dst.output(y)?;
        self.fwd.run(
            ctx,
            &[
                (ffi::ARG_SRC, src),
                (ffi::ARG_WEIGHTS, wei),
                (ffi::ARG_BIAS, &self.f_bias),
                (ffi::ARG_DST, dst),
            ],
        )?;
        self.f_dst.finish(ctx)
    }

    /// `dx := ∂conv/∂xᵀ dy`.
    pub(crate) fn backward_data(
        &mut self,
        ctx: &Context,
        dy: &[f32],
        w: &[f32],
        dx: &mut [f32],
    ) -> Result<()> {
        let ddst = self.d_diff_dst.input(ctx, dy)?;
        let wei = self.d_wei.input(ctx, w)?;
        let dsrc = self.d_diff_src.output(dx)?;
        self.bwd_data.run(
            ctx,
            &[
                (ffi::ARG_DIFF_DST, ddst),
                (ffi::ARG_WEIGHTS, wei),
                (ffi::ARG_DIFF_SRC, dsrc),
            ],
        )?;
        self.d_diff_src.finish(ctx)
    }

    /// `dw := Σ ∂conv/∂w`, `db := Σ dy` over the batch (unscaled).
    pub(crate) fn backward_weights(
        &mut self,
        ctx: &Context,
        x: &[f32],
        dy: &[f32],
        dw: &mut [f32],
        db: &mut [f32],
    ) -> Result<()> {
        self.w_diff_bias.point_at_mut(db)?;
        let src = self.w_src.input(ctx, x)?;
        let ddst = self.w_diff_dst.input(ctx, dy)?;
        let dwei = self.w_diff_wei.output(dw)?;
        self.bwd_weights.run(
            ctx,
            &[
                (ffi::ARG_SRC, src),
                (ffi::ARG_DIFF_DST, ddst),
                (ffi::ARG_DIFF_WEIGHTS, dwei),
                (ffi::ARG_DIFF_BIAS, &self.w_diff_bias),
            ],
        )?;
        self.w_diff_wei.finish(ctx)
    }
}
