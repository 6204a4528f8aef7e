//! The shapes of convolution and pooling (Deep Diamond's `convo` and `pooling`
//! descriptors): what a primitive needs to know about its input, kernel, strides,
//! padding and dilation, validated once when a layer is built.

use la_core::{Check, Result};

use crate::desc::{desc, DataType, Desc, TensorLayout};

/// The output length of one spatial dimension: `(i − ((k−1)d+1) + 2p)/s + 1`, or
/// `None` when the dilated kernel does not fit in the padded input.
fn out_len(i: usize, k: usize, s: usize, p: usize, d: usize) -> Option<usize> {
    let span = k.checked_sub(1)?.checked_mul(d)?.checked_add(1)?;
    let padded = i.checked_add(p.checked_mul(2)?)?;
    padded.checked_sub(span).map(|r| r / s + 1)
}

/// `[n, c, h, w]` of a 4-D tensor descriptor, or an error naming `op`.
fn nchw(op: &'static str, input: &Desc) -> Result<[usize; 4]> {
    Check::new(op)
        .require(input.rank() == 4, || {
            format!("the input must be 4-D [n c h w], but it is {input}")
        })
        .finish()?;
    let s = input.shape();
    Ok([s[0], s[1], s[2], s[3]])
}

/// A 2-D convolution (cross-correlation, as Deep Diamond and PyTorch compute it: the
/// kernel is not flipped) of an `[n, c, h, w]` input with `[oc, c, kh, kw]` weights
/// (`oihw`), one bias per output channel, giving an `[n, oc, oh, ow]` output.
///
/// ```
/// use tensor_core::{desc, DataType, TensorLayout};
/// use tensor_core::dnn::Convolution;
/// let x = desc([128, 1, 28, 28], DataType::Float, TensorLayout::Nchw)?;
/// let c = Convolution::new(&x, 32, [3, 3], [1, 1], [0, 0], [1, 1])?;
/// assert_eq!(c.output_desc().shape(), &[128, 32, 26, 26]);
/// assert_eq!(c.weights_len(), 32 * 9);
/// # Ok::<(), la_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Convolution {
    /// Images in the batch.
    pub(crate) batch: usize,
    /// Input channels.
    pub(crate) in_channels: usize,
    /// Input `[h, w]`.
    pub(crate) in_size: [usize; 2],
    /// Output channels (filters).
    pub(crate) out_channels: usize,
    /// Kernel `[kh, kw]`.
    pub(crate) kernel: [usize; 2],
    /// Strides `[sh, sw]`.
    pub(crate) strides: [usize; 2],
    /// Zero padding on each side `[ph, pw]`.
    pub(crate) padding: [usize; 2],
    /// Dilation `[dh, dw]` (1: a dense kernel).
    pub(crate) dilation: [usize; 2],
    /// Output `[oh, ow]`.
    pub(crate) out_size: [usize; 2],
    dtype: DataType,
}

impl Convolution {
    /// The convolution of inputs shaped like `input` (4-D, `[n c h w]`) with
    /// `out_channels` filters of `kernel` size; the output size is inferred.
    pub fn new(
        input: &Desc,
        out_channels: usize,
        kernel: [usize; 2],
        strides: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
    ) -> Result<Self> {
        const OP: &str = "convolution";
        let [n, c, h, w] = nchw(OP, input)?;
        let oh = out_len(h, kernel[0], strides[0].max(1), padding[0], dilation[0]);
        let ow = out_len(w, kernel[1], strides[1].max(1), padding[1], dilation[1]);
        Check::new(OP)
            .require(n > 0 && c > 0 && h > 0 && w > 0, || {
                format!("the input {input} has an empty dimension")
            })
            .require(out_channels > 0, || "0 output channels".into())
            .require(kernel.iter().all(|&k| k > 0), || {
                format!("the kernel {kernel:?} has an empty dimension")
            })
            .require(strides.iter().all(|&s| s > 0), || {
                format!("the strides {strides:?} must be at least 1")
            })
            .require(dilation.iter().all(|&d| d > 0), || {
                format!("the dilation {dilation:?} must be at least 1")
            })
            .require(oh.is_some() && ow.is_some(), || {
                format!(
                    "the kernel {kernel:?} (dilation {dilation:?}) does not fit in the input \
                     [{h} {w}] padded by {padding:?}"
                )
            })
            .finish()?;
        let g = Convolution {
            batch: n,
            in_channels: c,
            in_size: [h, w],
            out_channels,
            kernel,
            strides,
            padding,
            dilation,
            out_size: [oh.unwrap_or(0), ow.unwrap_or(0)],
            dtype: input.dtype(),
        };
        // every size the kernels index with must fit in usize (with room to spare)
        let fits = [
            &[c, kernel[0], kernel[1], out_channels][..],
            &[c, kernel[0], kernel[1], g.out_size[0], g.out_size[1], 2],
            &[n, out_channels, g.out_size[0], g.out_size[1], 2],
        ]
        .iter()
        .all(|f| {
            f.iter()
                .try_fold(1usize, |a, &b| a.checked_mul(b))
                .is_some()
        });
        Check::new(OP)
            .require(fits, || {
                format!("{g:?} has buffers with more elements than usize holds")
            })
            .finish()?;
        Ok(g)
    }

    /// The input descriptor (`nchw`).
    pub fn input_desc(&self) -> Desc {
        let [h, w] = self.in_size;
        desc4([self.batch, self.in_channels, h, w], self.dtype)
    }

    /// Images in the batch.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The same convolution on a batch of `n` images (`1 ≤ n`).
    pub fn with_batch(&self, n: usize) -> Result<Self> {
        Convolution::new(
            &with_batch(&self.input_desc(), n)?,
            self.out_channels,
            self.kernel,
            self.strides,
            self.padding,
            self.dilation,
        )
    }

    /// Input channels.
    pub fn in_channels(&self) -> usize {
        self.in_channels
    }

    /// Input `[h, w]`.
    pub fn in_size(&self) -> [usize; 2] {
        self.in_size
    }

    /// Output channels (filters).
    pub fn out_channels(&self) -> usize {
        self.out_channels
    }

    /// Kernel `[kh, kw]`.
    pub fn kernel(&self) -> [usize; 2] {
        self.kernel
    }

    /// Strides `[sh, sw]`.
    pub fn strides(&self) -> [usize; 2] {
        self.strides
    }

    /// Zero padding on each side `[ph, pw]`.
    pub fn padding(&self) -> [usize; 2] {
        self.padding
    }

    /// Dilation `[dh, dw]`.
    pub fn dilation(&self) -> [usize; 2] {
        self.dilation
    }

    /// Output `[oh, ow]`.
    pub fn out_size(&self) -> [usize; 2] {
        self.out_size
    }

    /// The output descriptor (`nchw`).
    pub fn output_desc(&self) -> Desc {
        let [h, w] = self.out_size;
        desc4([self.batch, self.out_channels, h, w], self.dtype)
    }

    /// The weights descriptor `[oc, c, kh, kw]` (`oihw`).
    pub fn weights_desc(&self) -> Desc {
        let [kh, kw] = self.kernel;
        desc(
            [self.out_channels, self.in_channels, kh, kw],
            self.dtype,
            TensorLayout::Oihw,
        )
        .expect("a convolution's weights are 4-D")
    }

    /// Elements of the input.
    pub fn input_len(&self) -> usize {
        self.batch * self.in_channels * self.in_size[0] * self.in_size[1]
    }

    /// Elements of the output.
    pub fn output_len(&self) -> usize {
        self.batch * self.out_channels * self.out_size[0] * self.out_size[1]
    }

    /// Elements of the weights, `oc · c · kh · kw`.
    pub fn weights_len(&self) -> usize {
        self.out_channels * self.patch_len()
    }

    /// Inputs one output element reads, `c · kh · kw` (the fan-in).
    pub fn patch_len(&self) -> usize {
        self.in_channels * self.kernel[0] * self.kernel[1]
    }

    /// Elements of one image's unfolded patches (`oh · ow` rows of [`patch_len`]).
    ///
    /// [`patch_len`]: Convolution::patch_len
    pub fn col_len(&self) -> usize {
        self.out_size[0] * self.out_size[1] * self.patch_len()
    }
}

/// How pooling combines a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PoolAlgo {
    /// The window's maximum (the first one, in row-major order, on ties).
    Max,
    /// The mean over the whole window, padding counted as zeros.
    AvgIncludePadding,
    /// The mean over the window's elements inside the input.
    AvgExcludePadding,
}

impl PoolAlgo {
    /// The book's keyword (`max`, `avg-include-padding`, `avg-exclude-padding`).
    pub fn name(self) -> &'static str {
        match self {
            PoolAlgo::Max => "max",
            PoolAlgo::AvgIncludePadding => "avg-include-padding",
            PoolAlgo::AvgExcludePadding => "avg-exclude-padding",
        }
    }
}

/// 2-D pooling of an `[n, c, h, w]` input to `[n, c, oh, ow]`, every channel on its own.
///
/// ```
/// use tensor_core::{desc, DataType, TensorLayout};
/// use tensor_core::dnn::{PoolAlgo, Pooling};
/// let x = desc([128, 32, 26, 26], DataType::Float, TensorLayout::Nchw)?;
/// let p = Pooling::new(&x, PoolAlgo::Max, [2, 2], [2, 2], [0, 0])?;
/// assert_eq!(p.output_desc().shape(), &[128, 32, 13, 13]);
/// # Ok::<(), la_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pooling {
    /// Images in the batch.
    pub(crate) batch: usize,
    /// Channels.
    pub(crate) channels: usize,
    /// Input `[h, w]`.
    pub(crate) in_size: [usize; 2],
    /// Max or average.
    pub(crate) algo: PoolAlgo,
    /// Window `[kh, kw]`.
    pub(crate) kernel: [usize; 2],
    /// Strides `[sh, sw]`.
    pub(crate) strides: [usize; 2],
    /// Padding on each side `[ph, pw]` (each smaller than the window).
    pub(crate) padding: [usize; 2],
    /// Output `[oh, ow]`.
    pub(crate) out_size: [usize; 2],
    dtype: DataType,
}

/// Max pooling records each output's position in its input plane as an element value;
/// `f32` holds integers exactly up to 2²⁴.
const MAX_PLANE: usize = 1 << 24;

impl Pooling {
    /// Pooling of inputs shaped like `input` (4-D, `[n c h w]`); the output size is
    /// inferred.
    pub fn new(
        input: &Desc,
        algo: PoolAlgo,
        kernel: [usize; 2],
        strides: [usize; 2],
        padding: [usize; 2],
    ) -> Result<Self> {
        const OP: &str = "pooling";
        let [n, c, h, w] = nchw(OP, input)?;
        let oh = out_len(h, kernel[0], strides[0].max(1), padding[0], 1);
        let ow = out_len(w, kernel[1], strides[1].max(1), padding[1], 1);
        Check::new(OP)
            .require(n > 0 && c > 0 && h > 0 && w > 0, || {
                format!("the input {input} has an empty dimension")
            })
            .require(kernel.iter().all(|&k| k > 0), || {
                format!("the window {kernel:?} has an empty dimension")
            })
            .require(strides.iter().all(|&s| s > 0), || {
                format!("the strides {strides:?} must be at least 1")
            })
            .require(padding[0] < kernel[0] && padding[1] < kernel[1], || {
                format!("the padding {padding:?} must be smaller than the window {kernel:?}")
            })
            .require(oh.is_some() && ow.is_some(), || {
                format!("the window {kernel:?} does not fit in the input [{h} {w}] padded by {padding:?}")
            })
            .require(h.saturating_mul(w) <= MAX_PLANE, || {
                format!("an input plane of {h}x{w} is larger than pooling supports ({MAX_PLANE} elements)")
            })
            .finish()?;
        Ok(Pooling {
            batch: n,
            channels: c,
            in_size: [h, w],
            algo,
            kernel,
            strides,
            padding,
            out_size: [oh.unwrap_or(0), ow.unwrap_or(0)],
            dtype: input.dtype(),
        })
    }

    /// The input descriptor (`nchw`).
    pub fn input_desc(&self) -> Desc {
        let [h, w] = self.in_size;
        desc4([self.batch, self.channels, h, w], self.dtype)
    }

    /// Images in the batch.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The same pooling on a batch of `n` images (`1 ≤ n`).
    pub fn with_batch(&self, n: usize) -> Result<Self> {
        Pooling::new(
            &with_batch(&self.input_desc(), n)?,
            self.algo,
            self.kernel,
            self.strides,
            self.padding,
        )
    }

    /// Channels.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Input `[h, w]`.
    pub fn in_size(&self) -> [usize; 2] {
        self.in_size
    }

    /// Max or average.
    pub fn algo(&self) -> PoolAlgo {
        self.algo
    }

    /// Window `[kh, kw]`.
    pub fn kernel(&self) -> [usize; 2] {
        self.kernel
    }

    /// Strides `[sh, sw]`.
    pub fn strides(&self) -> [usize; 2] {
        self.strides
    }

    /// Padding on each side `[ph, pw]`.
    pub fn padding(&self) -> [usize; 2] {
        self.padding
    }

    /// Output `[oh, ow]`.
    pub fn out_size(&self) -> [usize; 2] {
        self.out_size
    }

    /// The output descriptor (`nchw`).
    pub fn output_desc(&self) -> Desc {
        let [h, w] = self.out_size;
        desc4([self.batch, self.channels, h, w], self.dtype)
    }

    /// Elements of the input.
    pub fn input_len(&self) -> usize {
        self.batch * self.channels * self.in_size[0] * self.in_size[1]
    }

    /// Elements of the output.
    pub fn output_len(&self) -> usize {
        self.batch * self.channels * self.out_size[0] * self.out_size[1]
    }

    /// Elements of the workspace the forward pass leaves for the backward pass: one per
    /// output for max pooling (the argmax), none for average pooling.
    pub fn workspace_len(&self) -> usize {
        match self.algo {
            PoolAlgo::Max => self.output_len(),
            _ => 0,
        }
    }
}

fn with_batch(d: &Desc, n: usize) -> Result<Desc> {
    let s = d.shape();
    desc([n, s[1], s[2], s[3]], d.dtype(), TensorLayout::Nchw)
}

fn desc4(shape: [usize; 4], dtype: DataType) -> Desc {
    desc(shape, dtype, TensorLayout::Nchw).expect("a 4-D shape that was already a descriptor")
}
