//! The cuDNN calls this crate makes, through cudarc's raw bindings (the library is
//! opened at run time): RAII handles and descriptors, statuses turned into errors.
//! Every device address passed in here was checked by la-cuda against its buffer.
#![allow(unsafe_code)]

use std::ffi::{c_int, c_void};
use std::sync::OnceLock;

use cudarc::cudnn::sys::{self, cudnnDataType_t, cudnnStatus_t};
use la_core::{Error, Result};

pub(crate) fn cudnn_err(message: impl Into<String>) -> Error {
    Error::Backend {
        backend: "cudnn".into(),
        message: message.into(),
    }
}

fn check(call: &str, s: cudnnStatus_t) -> Result<()> {
    if s == cudnnStatus_t::CUDNN_STATUS_SUCCESS {
        Ok(())
    } else {
        Err(cudnn_err(format!("{call}: {s:?}")))
    }
}

/// What to install when cuDNN is missing.
pub(crate) const INSTALL: &str = "libcudnn.so (cuDNN 9) was not found: install NVIDIA cuDNN 9 \
     (e.g. `pip install nvidia-cudnn-cu12` and put its lib folder on LD_LIBRARY_PATH)";

/// cuDNN's version (`9.x.y` as `90xyy`-style `major*10000 + minor*100 + patch`), or
/// the error saying how to install it. Probed once.
pub(crate) fn version() -> Result<usize> {
    static VERSION: OnceLock<std::result::Result<usize, String>> = OnceLock::new();
    VERSION
        .get_or_init(|| {
            // SAFETY: only opens the library (libloading); no symbol is called.
            if !unsafe { sys::is_culib_present() } {
                return Err(INSTALL.to_string());
            }
            // SAFETY: cudnnGetVersion takes no arguments and needs no handle.
            Ok(unsafe { sys::cudnnGetVersion() })
        })
        .clone()
        .map_err(cudnn_err)
}

/// The cuDNN element type of `real` (`float` or `double`).
pub(crate) fn data_type(real: &str) -> cudnnDataType_t {
    if real == "double" {
        cudnnDataType_t::CUDNN_DATA_DOUBLE
    } else {
        cudnnDataType_t::CUDNN_DATA_FLOAT
    }
}

/// A cuDNN handle bound to one stream.
pub(crate) struct Handle(sys::cudnnHandle_t);

// SAFETY: a cuDNN handle may be used from any thread, one call at a time; the crate
// keeps it behind a mutex.
unsafe impl Send for Handle {}

impl Handle {
    pub(crate) fn new(stream: &la_cuda::CudaStream) -> Result<Self> {
        version()?;
        let mut h = std::ptr::null_mut();
        // SAFETY: `h` is a live local that cudnnCreate fills.
        check("cudnnCreate", unsafe { sys::cudnnCreate(&mut h) })?;
        let handle = Handle(h);
        // SAFETY: the handle was just created; the stream outlives the handle (the
        // DNN implementation holds the factory, which holds the stream).
        check("cudnnSetStream", unsafe {
            sys::cudnnSetStream(handle.0, stream.cu_stream() as sys::cudaStream_t)
        })?;
        Ok(handle)
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: created by cudnnCreate, destroyed once.
        unsafe { sys::cudnnDestroy(self.0) };
    }
}

/// A 4-D tensor descriptor (`n, c, h, w` with strides).
pub(crate) struct TensorDesc(sys::cudnnTensorDescriptor_t);

// SAFETY: descriptors are plain host structures, used under the DNN's mutex.
unsafe impl Send for TensorDesc {}

impl TensorDesc {
    pub(crate) fn new(dt: cudnnDataType_t, dims: [c_int; 4], strides: [c_int; 4]) -> Result<Self> {
        let mut d = std::ptr::null_mut();
        // SAFETY: `d` is a live local that the call fills.
        check("cudnnCreateTensorDescriptor", unsafe {
            sys::cudnnCreateTensorDescriptor(&mut d)
        })?;
        let desc = TensorDesc(d);
        let [n, c, h, w] = dims;
        let [sn, sc, sh, sw] = strides;
        // SAFETY: the descriptor was just created.
        let r =
            unsafe { sys::cudnnSetTensor4dDescriptorEx(desc.0, dt, n, c, h, w, sn, sc, sh, sw) };
        check(
            &format!("cudnnSetTensor4dDescriptorEx({dims:?}, strides {strides:?})"),
            r,
        )?;
        Ok(desc)
    }

    /// A dense `nchw` tensor.
    pub(crate) fn nchw(dt: cudnnDataType_t, [n, c, h, w]: [c_int; 4]) -> Result<Self> {
        Self::new(dt, [n, c, h, w], [c * h * w, h * w, w, 1])
    }
}

impl Drop for TensorDesc {
    fn drop(&mut self) {
        // SAFETY: created above, destroyed once.
        unsafe { sys::cudnnDestroyTensorDescriptor(self.0) };
    }
}

/// An `oihw` filter descriptor.
pub(crate) struct FilterDesc(sys::cudnnFilterDescriptor_t);

// SAFETY: as for TensorDesc.
unsafe impl Send for FilterDesc {}

impl FilterDesc {
    pub(crate) fn oihw(dt: cudnnDataType_t, [o, i, h, w]: [c_int; 4]) -> Result<Self> {
        let mut d = std::ptr::null_mut();
        // SAFETY: `d` is a live local that the call fills.
        check("cudnnCreateFilterDescriptor", unsafe {
            sys::cudnnCreateFilterDescriptor(&mut d)
        })?;
        let desc = FilterDesc(d);
        // SAFETY: the descriptor was just created.
        check("cudnnSetFilter4dDescriptor", unsafe {
            sys::cudnnSetFilter4dDescriptor(
                desc.0,
                dt,
                sys::cudnnTensorFormat_t::CUDNN_TENSOR_NCHW,
                o,
                i,
                h,
                w,
            )
        })?;
        Ok(desc)
    }
}

impl Drop for FilterDesc {
    fn drop(&mut self) {
        // SAFETY: created above, destroyed once.
        unsafe { sys::cudnnDestroyFilterDescriptor(self.0) };
    }
}

/// A 2-D cross-correlation (what Deep Diamond and oneDNN call convolution).
pub(crate) struct ConvDesc(sys::cudnnConvolutionDescriptor_t);

// SAFETY: as for TensorDesc.
unsafe impl Send for ConvDesc {}

impl ConvDesc {
    pub(crate) fn new(
        dt: cudnnDataType_t,
        pad: [c_int; 2],
        stride: [c_int; 2],
        dilation: [c_int; 2],
    ) -> Result<Self> {
        let mut d = std::ptr::null_mut();
        // SAFETY: `d` is a live local that the call fills.
        check("cudnnCreateConvolutionDescriptor", unsafe {
            sys::cudnnCreateConvolutionDescriptor(&mut d)
        })?;
        let desc = ConvDesc(d);
        // SAFETY: the descriptor was just created.
        check("cudnnSetConvolution2dDescriptor", unsafe {
            sys::cudnnSetConvolution2dDescriptor(
                desc.0,
                pad[0],
                pad[1],
                stride[0],
                stride[1],
                dilation[0],
                dilation[1],
                sys::cudnnConvolutionMode_t::CUDNN_CROSS_CORRELATION,
                dt,
            )
        })?;
        Ok(desc)
    }
}

impl Drop for ConvDesc {
    fn drop(&mut self) {
        // SAFETY: created above, destroyed once.
        unsafe { sys::cudnnDestroyConvolutionDescriptor(self.0) };
    }
}

/// Everything one convolution geometry needs: descriptors, the algorithms cuDNN's
/// heuristics pick for the three directions, and the workspace bytes they need.
pub(crate) struct ConvPlan {
    pub x: TensorDesc,
    pub y: TensorDesc,
    pub bias: TensorDesc,
    pub w: FilterDesc,
    pub conv: ConvDesc,
    pub fwd: sys::cudnnConvolutionFwdAlgo_t,
    pub bwd_data: sys::cudnnConvolutionBwdDataAlgo_t,
    pub bwd_filter: sys::cudnnConvolutionBwdFilterAlgo_t,
    /// The largest workspace of the three, in bytes.
    pub workspace: usize,
}

impl ConvPlan {
    /// Asks cuDNN's heuristics (no trial runs) for each direction's best algorithm.
    pub(crate) fn new(
        h: &Handle,
        x: TensorDesc,
        w: FilterDesc,
        conv: ConvDesc,
        y: TensorDesc,
        bias: TensorDesc,
    ) -> Result<Self> {
        let mut n = 0;
        // SAFETY: the perf structs are C structs of enums, a float and a size_t, for
        // which all-zero is a valid value; cuDNN overwrites the first `n`.
        let mut fwd: [sys::cudnnConvolutionFwdAlgoPerf_t; 1] = unsafe { std::mem::zeroed() };
        // SAFETY: live handle and descriptors; `fwd` holds the 1 requested result.
        check("cudnnGetConvolutionForwardAlgorithm_v7", unsafe {
            sys::cudnnGetConvolutionForwardAlgorithm_v7(
                h.0,
                x.0,
                w.0,
                conv.0,
                y.0,
                1,
                &mut n,
                fwd.as_mut_ptr(),
            )
        })?;
        // SAFETY: as above.
        let mut bd: [sys::cudnnConvolutionBwdDataAlgoPerf_t; 1] = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        check("cudnnGetConvolutionBackwardDataAlgorithm_v7", unsafe {
            sys::cudnnGetConvolutionBackwardDataAlgorithm_v7(
                h.0,
                w.0,
                y.0,
                conv.0,
                x.0,
                1,
                &mut n,
                bd.as_mut_ptr(),
            )
        })?;
        // SAFETY: as above.
        let mut bf: [sys::cudnnConvolutionBwdFilterAlgoPerf_t; 1] = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        check("cudnnGetConvolutionBackwardFilterAlgorithm_v7", unsafe {
            sys::cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                h.0,
                x.0,
                y.0,
                conv.0,
                w.0,
                1,
                &mut n,
                bf.as_mut_ptr(),
            )
        })?;
        let (fwd, bwd_data, bwd_filter) = (fwd[0].algo, bd[0].algo, bf[0].algo);
        let (mut a, mut b, mut c) = (0usize, 0usize, 0usize);
        // SAFETY: live handle and descriptors; the sizes are live locals.
        unsafe {
            check(
                "cudnnGetConvolutionForwardWorkspaceSize",
                sys::cudnnGetConvolutionForwardWorkspaceSize(
                    h.0, x.0, w.0, conv.0, y.0, fwd, &mut a,
                ),
            )?;
            check(
                "cudnnGetConvolutionBackwardDataWorkspaceSize",
                sys::cudnnGetConvolutionBackwardDataWorkspaceSize(
                    h.0, w.0, y.0, conv.0, x.0, bwd_data, &mut b,
                ),
            )?;
            check(
                "cudnnGetConvolutionBackwardFilterWorkspaceSize",
                sys::cudnnGetConvolutionBackwardFilterWorkspaceSize(
                    h.0, x.0, y.0, conv.0, w.0, bwd_filter, &mut c,
                ),
            )?;
        }
        Ok(ConvPlan {
            x,
            y,
            bias,
            w,
            conv,
            fwd,
            bwd_data,
            bwd_filter,
            workspace: a.max(b).max(c),
        })
    }
}

/// Device memory for cuDNN: an address and a size in bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scratch {
    pub ptr: u64,
    pub bytes: usize,
}

fn p(a: u64) -> *const c_void {
    a as *const c_void
}

fn pm(a: u64) -> *mut c_void {
    a as *mut c_void
}

/// `y := conv(x, w) + b`.
pub(crate) fn convolution_forward<T: la_core::Scalar>(
    h: &Handle,
    plan: &ConvPlan,
    [x, w, b, y]: [u64; 4],
    ws: Scratch,
) -> Result<()> {
    let (one, zero) = (T::one(), T::zero());
    let (one, zero) = (
        &one as *const T as *const c_void,
        &zero as *const T as *const c_void,
    );
    // SAFETY: live handle, plan descriptors matching the checked buffers' sizes;
    // `ws` holds at least plan.workspace bytes; alpha and beta are host scalars of T.
    unsafe {
        check(
            "cudnnConvolutionForward",
            sys::cudnnConvolutionForward(
                h.0,
                one,
                plan.x.0,
                p(x),
                plan.w.0,
                p(w),
                plan.conv.0,
                plan.fwd,
                pm(ws.ptr),
                ws.bytes,
                zero,
                plan.y.0,
                pm(y),
            ),
        )?;
        check(
            "cudnnAddTensor",
            sys::cudnnAddTensor(h.0, one, plan.bias.0, p(b), one, plan.y.0, pm(y)),
        )
    }
}

/// `dx := ∂conv/∂xᵀ dy`.
pub(crate) fn convolution_backward_data<T: la_core::Scalar>(
    h: &Handle,
    plan: &ConvPlan,
    [dy, w, dx]: [u64; 3],
    ws: Scratch,
) -> Result<()> {
    let (one, zero) = (T::one(), T::zero());
    let (one, zero) = (
        &one as *const T as *const c_void,
        &zero as *const T as *const c_void,
    );
    // SAFETY: as in convolution_forward.
    unsafe {
        check(
            "cudnnConvolutionBackwardData",
            sys::cudnnConvolutionBackwardData(
                h.0,
                one,
                plan.w.0,
                p(w),
                plan.y.0,
                p(dy),
                plan.conv.0,
                plan.bwd_data,
                pm(ws.ptr),
                ws.bytes,
                zero,
                plan.x.0,
                pm(dx),
            ),
        )
    }
}

/// `dw := alpha Σ ∂conv/∂w`, `db := alpha Σ dy`.
pub(crate) fn convolution_backward_weights<T: la_core::Scalar>(
    h: &Handle,
    plan: &ConvPlan,
    alpha: T,
    [x, dy, dw, db]: [u64; 4],
    ws: Scratch,
) -> Result<()> {
    let zero = T::zero();
    let (alpha, zero) = (
        &alpha as *const T as *const c_void,
        &zero as *const T as *const c_void,
    );
    // SAFETY: as in convolution_forward.
    unsafe {
        check(
            "cudnnConvolutionBackwardFilter",
            sys::cudnnConvolutionBackwardFilter(
                h.0,
                alpha,
                plan.x.0,
                p(x),
                plan.y.0,
                p(dy),
                plan.conv.0,
                plan.bwd_filter,
                pm(ws.ptr),
                ws.bytes,
                zero,
                plan.w.0,
                pm(dw),
            ),
        )?;
        check(
            "cudnnConvolutionBackwardBias",
            sys::cudnnConvolutionBackwardBias(
                h.0,
                alpha,
                plan.y.0,
                p(dy),
                zero,
                plan.bias.0,
                pm(db),
            ),
        )
    }
}

/// Softmax over the channels of every sample, in place (shifted by the maximum:
/// `CUDNN_SOFTMAX_ACCURATE`).
pub(crate) fn softmax<T: la_core::Scalar>(h: &Handle, desc: &TensorDesc, x: u64) -> Result<()> {
    let (one, zero) = (T::one(), T::zero());
    let (one, zero) = (
        &one as *const T as *const c_void,
        &zero as *const T as *const c_void,
    );
    // SAFETY: live handle; `desc` describes the checked region at `x`; cuDNN's
    // softmax may run in place.
    unsafe {
        check(
            "cudnnSoftmaxForward",
            sys::cudnnSoftmaxForward(
                h.0,
                sys::cudnnSoftmaxAlgorithm_t::CUDNN_SOFTMAX_ACCURATE,
                sys::cudnnSoftmaxMode_t::CUDNN_SOFTMAX_MODE_CHANNEL,
                one,
                desc.0,
                p(x),
                zero,
                desc.0,
                pm(x),
            ),
        )
    }
}
