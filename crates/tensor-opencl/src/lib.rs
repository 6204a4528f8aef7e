//! # tensor-opencl: OpenCL as a DNN backend of tensor-core
//!
//! The book trains its networks on the GPU through OpenCL by running the same
//! Neanderthal code on an OpenCL factory. tensor-core's composed defaults do exactly
//! that, one la-core operation (one kernel launch) at a time: an Adam update is eight
//! launches per parameter, a bias + sigmoid two, its backward pass three. On a device
//! where a launch costs microseconds and the layers are small, the launches are the
//! training time. [`opencl_dnn`] wraps a la-opencl factory with [`OpenClDnn`], whose
//! fused kernels do each of these in one launch:
//!
//! | DNN primitive | on |
//! |---|---|
//! | a fully connected layer of at most 2^16 multiply-adds: `y := f(W x + b)`; `∂W`, `∂b` together | `fc_forward`; `fc_backward_weights` (larger layers: la-opencl's GEMM, then `bias_activation`) |
//! | bias + activation (none, sigmoid, tanh, relu, elu) | this crate's `bias_activation` kernel |
//! | activation backward (sigmoid, tanh, relu, elu) | `activation_grad` |
//! | the optimizer's update of a parameter (gradient descent, momentum, Nesterov, Adam, RMSprop; [`tensor_core::optimizer::FusedUpdate`]) | `optimizer_update` |
//! | softmax, convolution, pooling, other activations | tensor-core's composed defaults (la-core operations on the device) |
//!
//! Tensors stay la-opencl buffers, so CLBlast, la-opencl's small-product kernels and
//! the vector math still apply to them. Give the returned `DnnFactory` wherever a
//! factory is taken (nn-inference's `inference_network`, nn-dnn's `network`): the
//! network's passes and its optimizer then run on these kernels.
//!
//! ```
//! use la_core::engine::Unary;
//! use la_core::prelude::*;
//!
//! let Some(la) = la_opencl::test_factory::<f32>() else { return Ok(()) }; // no OpenCL
//! let dnn = tensor_opencl::opencl_dnn(&la)?;
//! assert_eq!(dnn.dnn_name(), "opencl");
//! // one fully connected layer, y = relu(W x + b), in one kernel launch
//! let w = la.ge_from(2, 3, &[1.0, 0.0, 0.0, 1.0, 1.0, -1.0], Layout::ColumnMajor)?;
//! let x = la.ge_from(3, 2, &[1.0, 2.0, 3.0, -1.0, 0.0, 1.0], Layout::ColumnMajor)?;
//! let b = la.vctr_from(&[0.5, -0.5])?;
//! let mut y = la.ge(2, 2, Layout::ColumnMajor)?;
//! dnn.fully_connected(Some(Unary::Relu), &w, &x, &b, &mut y)?;
//! assert_eq!(y.to_vec()?, vec![4.5, 0.0, 0.5, 0.0]);
//! # Ok::<(), la_core::Error>(())
//! ```
//!
//! A whole network trained on these kernels: nn-train's `tests/tensor_opencl.rs`.
//!
//! ## The book's names and ours
//!
//! | the book (Neanderthal / Deep Diamond) | tensor-opencl |
//! |---|---|
//! | `fully-connected` forward and backward on the GPU | one `fc_forward` / `fc_backward_weights` launch |
//! | the same network code on `(opencl-float ctx queue)` | [`opencl_dnn(&opencl_float)`](opencl_dnn) → `DnnFactory` (la-core calls keep the plain factory) |
//! | `sigmoid!`, `tanh!`, `relu!`, `elu!` after the bias, and their derivatives | one `bias_activation` / `activation_grad` launch |
//! | `adam`, `sgd` updates in the training loop | one `optimizer_update` launch per parameter |
//! | `with-release` | `Drop` |

mod dnn;

use std::sync::Arc;

use la_core::{Factory, Result};
use la_opencl::ClScalar;
use tensor_core::DnnFactory;

pub use dnn::OpenClDnn;

/// `la` (a la-opencl `f32` or `f64` factory) with this crate's kernels, as a
/// `DnnFactory`. An error when `la` is not an OpenCL factory, or when the kernels do
/// not build (the message carries the compiler's log).
///
/// ```
/// use la_core::prelude::*;
/// let err = tensor_opencl::opencl_dnn(&native_float()).unwrap_err().to_string();
/// assert!(err.contains("not on native-float"), "{err}");
/// ```
pub fn opencl_dnn<T: ClScalar>(la: &Factory<T>) -> Result<DnnFactory<T>> {
    Ok(DnnFactory::with(la, Arc::new(OpenClDnn::new(la)?)))
}

/// For tests: [`opencl_dnn`] on [`la_opencl::test_factory`]; `None` (after printing
/// `SKIP`) without OpenCL, unless `DLFP_REQUIRE_OPENCL=1` makes that a failure.
pub fn test_factory<T: ClScalar>() -> Option<DnnFactory<T>> {
    let la = la_opencl::test_factory::<T>()?;
    match opencl_dnn(&la) {
        Ok(d) => Some(d),
        Err(e) if std::env::var("DLFP_REQUIRE_OPENCL").as_deref() == Ok("1") => {
            panic!("DLFP_REQUIRE_OPENCL=1 but tensor-opencl's kernels are unavailable: {e}")
        }
        Err(e) => {
            println!("SKIP: {e}");
            None
        }
    }
}
