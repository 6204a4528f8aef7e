//! # tensor-cudnn: cuDNN as a DNN backend of tensor-core
//!
//! The book's "cuDNN: Tensor operations on GPU" and "CNN on the GPU with cuDNN": Deep
//! Diamond's GPU engine is cuDNN. Here it is one more [`tensor_core::DnnFactory`], so
//! every nn-dnn network and chapter runs on it unchanged: [`cudnn_float`] wraps a
//! la-cuda factory (tensors stay la-cuda vectors, so cuBLAS and the vector math still
//! apply to them) with [`CudnnDnn`]:
//!
//! | DNN primitive | on |
//! |---|---|
//! | convolution forward (+ bias), backward data, backward weights (+ bias) | cuDNN (`cudnnConvolution*`, algorithms from cuDNN's heuristics, once per geometry) |
//! | softmax of each column | cuDNN (`cudnnSoftmaxForward`, accurate mode) |
//! | bias + activation, activation backward (sigmoid, tanh, relu, elu) | this crate's CUDA C kernels ([`KERNELS`]), one fused pass each |
//! | max and average pooling with tensor-core's source positions | this crate's kernels: cuDNN's pooling backward needs `x` and `y`, which tensor-core's interface does not pass |
//! | other activations, the fused small-network pass | tensor-core's composed defaults (la-core operations on the device) |
//!
//! cuDNN (`libcudnn.so.9`) and CUDA are opened at run time through cudarc: the crate
//! builds with cargo alone, and without them [`cudnn_float`] returns an error naming
//! what is missing. The kernels are compiled by NVRTC (to CUBIN for the device) once
//! per process; `tests/nvrtc_compile.rs` compiles them on any machine with NVRTC.
//!
//! ```
//! use la_core::prelude::*;
//! use tensor_core::{desc, dnn::Convolution, DataType, TensorLayout};
//!
//! let Some(la) = la_cuda::test_factory::<f32>() else {
//!     return Ok(()); // no GPU here
//! };
//! let Ok(dnn) = tensor_cudnn::cudnn_float(&la) else {
//!     return Ok(()); // a GPU but no cuDNN
//! };
//! assert!(dnn.dnn_name().starts_with("cudnn "));
//! # Ok::<(), la_core::Error>(())
//! ```
//!
//! ## The book's names and ours
//!
//! | Deep Diamond (Clojure) | tensor-cudnn (Rust) |
//! |---|---|
//! | `(cudnn-factory)` | [`cudnn_float(&cuda_float)`](cudnn_float), [`cudnn_double`] → `DnnFactory` |
//! | `(convo ...)`, `(pooling ...)` on the cuDNN engine | nn-dnn's `convo`, `pooling` on that factory |
//! | cuDNN tensor descriptors from `desc` | made once per geometry inside [`CudnnDnn`] (dense `nchw`, filters `oihw`) |
//! | `with-release` | `Drop` |

mod cudnn;
mod dnn;
mod kernels;

use std::sync::Arc;

use la_core::{Factory, Result};
use tensor_core::DnnFactory;

pub use dnn::CudnnDnn;
pub use kernels::KERNELS;

/// cuDNN's version as `major * 10000 + minor * 100 + patch`, or the error that says
/// how to install it.
///
/// ```
/// match tensor_cudnn::version() {
///     Ok(v) => assert!(v >= 80000),
///     Err(e) => assert!(e.to_string().contains("libcudnn")),
/// }
/// ```
pub fn version() -> Result<usize> {
    cudnn::version()
}

/// `la` (a la-cuda `f32` factory) with cuDNN: the book's cuDNN factory. An error when
/// cuDNN cannot be loaded, or when `la` is not a CUDA factory.
pub fn cudnn_float(la: &Factory<f32>) -> Result<DnnFactory<f32>> {
    Ok(DnnFactory::with(la, Arc::new(CudnnDnn::new(la)?)))
}

/// [`cudnn_float`] for `f64`.
pub fn cudnn_double(la: &Factory<f64>) -> Result<DnnFactory<f64>> {
    Ok(DnnFactory::with(la, Arc::new(CudnnDnn::new(la)?)))
}

/// For tests: [`cudnn_float`] or [`cudnn_double`] on [`la_cuda::test_factory`];
/// `None` (after printing `SKIP`) without a GPU or cuDNN, unless `DLFP_REQUIRE_CUDA=1`
/// makes that a failure.
pub fn test_factory<T: la_cuda::CudaScalar>() -> Option<DnnFactory<T>> {
    let la = la_cuda::test_factory::<T>()?;
    match CudnnDnn::new(&la) {
        Ok(d) => Some(DnnFactory::with(&la, Arc::new(d))),
        Err(e) if std::env::var("DLFP_REQUIRE_CUDA").as_deref() == Ok("1") => {
            panic!("DLFP_REQUIRE_CUDA=1 but cuDNN is unavailable: {e}")
        }
        Err(e) => {
            println!("SKIP: {e}");
            None
        }
    }
}
