//! # tensor-dnnl: oneDNN (DNNL) as a DNN backend of tensor-core
//!
//! The book's "DNNL: Tensor operations on CPU" and "Convolutional layers on the CPU
//! with DNNL": Deep Diamond's default CPU engine is oneDNN. Here it is one more
//! [`tensor_core::DnnFactory`], so every nn-dnn network and chapter runs on it
//! unchanged: [`dnnl_float`] wraps a host la-core factory (native, MKL, OpenBLAS;
//! tensors stay la-core vectors, so BLAS and vector math still apply to them) with
//! [`DnnlDnn`], whose convolutions — forward, backward data, backward weights — are
//! oneDNN primitives created once per geometry with the memory formats oneDNN picks
//! (`format_tag_any`), reordered from and to the tensors' `nchw`/`oihw` only where
//! they differ. Pooling (with oneDNN's workspace) and softmax are oneDNN primitives
//! too, chosen with [`DnnlOps`]; by default they stay on the native kernels, which are
//! faster for them on this CPU (docs/benchmarks.md), as do bias + activation,
//! activation backward and the fused small-network pass, which have no oneDNN
//! primitive here. A geometry oneDNN has no implementation for falls back to the
//! native kernels too.
//!
//! oneDNN 2.x (Debian's `libdnnl2`, `apt-get install libdnnl2`) is opened at run time,
//! so the crate builds with cargo alone and [`dnnl_float`] returns an error naming the
//! package when it is missing; `DLFP_DNNL_LIB` points at another `libdnnl.so.2`.
//! Only f32: oneDNN's CPU primitives have no f64.
//!
//! ```
//! use la_core::prelude::*;
//! use tensor_core::dnn::Convolution;
//! use tensor_core::{desc, tensor, tensor_from, AsTensor, DataType, TensorLayout};
//!
//! let f = native_float();
//! let Ok(dnnl) = tensor_dnnl::dnnl_float(&f) else {
//!     return Ok(()); // no oneDNN on this machine
//! };
//! assert!(dnnl.dnn_name().starts_with("dnnl 2."));
//! // four 3x3 filters of 0.5 over an image of ones: 9 · 0.5 plus each filter's bias
//! let input = desc([8, 1, 12, 12], DataType::Float, TensorLayout::Nchw)?;
//! let g = Convolution::new(&input, 4, [3, 3], [1, 1], [0, 0], [1, 1])?;
//! let x = tensor_from(&f, input, &vec![1.0; input.size()])?;
//! let w = f.vctr_from(&vec![0.5; g.weights_len()])?;
//! let b = f.vctr_from(&[0.0, 1.0, 2.0, 3.0])?;
//! let mut y = tensor(&f, g.output_desc())?;
//! dnnl.convolution_forward(&g, &x, &w, &b, &mut y)?;
//! let out = y.to_vec()?;
//! assert_eq!(out[0], 4.5); // sample 0, channel 0
//! assert_eq!(out[3 * 100], 7.5); // channel 3 (10x10 outputs per channel)
//! # Ok::<(), la_core::Error>(())
//! ```
//!
//! Give the returned `DnnFactory` wherever a network takes a factory (nn-dnn's
//! `network(dnnl, input, &[convo(..), ..])`): its convolutions then run on oneDNN.
//!
//! oneDNN's OpenMP threads wait passively (`OMP_WAIT_POLICY=PASSIVE`, set when the
//! library is opened unless you set it): spinning, they slowed the native kernels that
//! run between the convolutions 2.5-fold on 2 cores.
//!
//! ## The book's names and ours
//!
//! | Deep Diamond (Clojure) | tensor-dnnl (Rust) |
//! |---|---|
//! | `(dnnl-factory)` | [`dnnl_float(&native_float())`](dnnl_float) → `DnnFactory<f32>` |
//! | `(convo ...)` on the DNNL engine | nn-dnn's [`convo`](https://docs.rs/nn-dnn) on that factory: oneDNN's convolution primitives |
//! | DNNL primitive descriptors with `:any` formats, reorders | made once per geometry inside [`DnnlDnn`]; [`DnnlDnn::convolution_implementation`] and [`DnnlDnn::pooling_implementation`] name oneDNN's choice |
//! | `(pooling ...)`, `(softmax ...)` on DNNL | [`DnnlOps::all()`] with [`DnnlDnn::with_ops`] |
//! | `with-release` | `Drop` |
#![warn(missing_docs)]

mod conv;
mod dnn;
mod dnnl;
mod ffi;
mod pool;

use std::sync::Arc;

use la_core::prelude::*;
use tensor_core::DnnFactory;

pub use dnn::{DnnlDnn, DnnlOps};

/// oneDNN's version `(major, minor, patch)`, or the error that says how to install it.
pub fn version() -> Result<(i32, i32, i32)> {
    dnnl::version()
}

/// `la` (a host factory: native, MKL, OpenBLAS) with oneDNN's convolutions: the
/// book's DNNL factory. An error when oneDNN cannot be loaded, or when `la` keeps
/// its memory on a device.
pub fn dnnl_float(la: &Factory<f32>) -> Result<DnnFactory<f32>> {
    if !la.is_host() {
        return Err(Error::Backend {
            backend: "dnnl".into(),
            message: format!(
                "dnnl_float: {} keeps its memory on a device; oneDNN here runs on host memory (use native_float)",
                la.name()
            ),
        });
    }
    Ok(DnnFactory::with(la, Arc::new(DnnlDnn::new()?)))
}

/// The faster DNN implementation for `f32` on this machine's CPU: oneDNN's
/// convolutions ([`dnnl_float`]) when oneDNN loads, the native kernels otherwise.
/// On the 2-core AVX-512 machine this project measures on, oneDNN's training step of
/// the peer CNN is 16% faster (14.4 against 17.1 ms) and of the Fashion-MNIST chapter's
/// 5% (55 against 58 ms), because its blocked-format convolutions beat the native
/// im2col + GEMM on the larger layers (`cargo run --release -p dlfp-benches --example
/// cnn_step`); the CNN chapters use this.
///
/// ```
/// let f = tensor_dnnl::fastest_float(&la_core::native_float());
/// assert!(f.dnn_name() == "native" || f.dnn_name().starts_with("dnnl"));
/// ```
pub fn fastest_float(la: &Factory<f32>) -> DnnFactory<f32> {
    dnnl_float(la).unwrap_or_else(|_| DnnFactory::new(la))
}

/// For tests: [`dnnl_float`] on `native_float()`, `None` (after printing `SKIP`) when
/// oneDNN is missing, unless `DLFP_REQUIRE_DNNL=1` makes that a failure.
pub fn test_factory() -> Option<DnnFactory<f32>> {
    match dnnl_float(&native_float()) {
        Ok(f) => Some(f),
        Err(e) if std::env::var("DLFP_REQUIRE_DNNL").as_deref() == Ok("1") => {
            panic!("DLFP_REQUIRE_DNNL=1 but oneDNN is unavailable: {e}")
        }
        Err(e) => {
            println!("SKIP: {e}");
            None
        }
    }
}
