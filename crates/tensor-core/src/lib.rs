//! # tensor-core: tensors and the DNN primitive layer of dlfp
//!
//! Part VI of *Deep Learning for Programmers* ("Tensors and ND-arrays", "Tensor
//! transformations", "Tensor-based neural networks") on any la-core factory: tensor
//! descriptors with the book's layouts, tensors that *are* la-core vectors (so every
//! BLAS and vector-math operation applies), zero-copy views, reorders between layouts,
//! mini-batch copies, and the DNN primitive capability ([`dnn`]) that the network
//! crates build on — with defaults composed from la-core operations, so every factory
//! runs every network, and a fast native implementation for host memory.
//!
//! ```
//! use la_core::prelude::*;
//! use tensor_core::{desc, tensor, transformer, AsTensor, AsTensorMut, DataType, TensorLayout};
//!
//! let fac = native_float();
//! let x_desc = desc([2, 3, 4, 5], DataType::Float, TensorLayout::Nchw)?;
//! let mut x = tensor(&fac, x_desc)?;
//! x.set_from(&(0..120).map(|v| v as f32).collect::<Vec<_>>())?;
//! let mut y = tensor(&fac, x_desc.with_layout(TensorLayout::Nhwc)?)?;
//! transformer(&x, &y)?.transform(&x, &mut y)?;
//! assert_eq!(y.entry(&[1, 2, 3, 4])?, x.entry(&[1, 2, 3, 4])?);
//! assert_eq!(y.entry(&[1, 2, 3, 4])?, 119.0);
//! # Ok::<(), la_core::Error>(())
//! ```
//!
//! ## The book's names and ours
//!
//! | Deep Diamond (Clojure) | tensor-core (Rust) |
//! |---|---|
//! | `(desc [2 3 4 5] :float :nchw)` | [`desc([2, 3, 4, 5], DataType::Float, TensorLayout::Nchw)`](desc) → [`Desc`] |
//! | `:x :nc :cn :nchw :nhwc :chwn :oihw :hwio :ncdhw :ndhwc`, explicit strides | [`TensorLayout`], [`Desc::with_strides`] |
//! | `(tensor fac desc)`, `(tensor fac [2 3] :float :nc)` | [`tensor(&fac, desc)`](tensor), [`tensor_from`] |
//! | `shape`, `data-type`, `layout`, `strides` | [`Desc::shape`], [`Desc::dtype`], [`Desc::layout`], [`Desc::strides`] |
//! | `view-tz` | [`AsTensor::view_tz`] (reshape, other strides), [`AsTensor::subtensor`] (a slice of one dimension) |
//! | `view-vctr` (a tensor *is* a vector) | [`AsTensor::view_vctr`]; [`AsTensor::view_mat`] (samples as columns) |
//! | `(transformer x y)`, `(tr)` | [`transformer(&x, &y)`](transformer), [`Transformer::transform`] |
//! | `connector` | [`connector`] → [`Connector::connect`] (a view, or a reorder) |
//! | `(batcher x y)`, `(shuffler x y)` | [`batcher(&x, &y, batch)`](batcher) → [`Batcher::copy`]; [`shuffler`] → [`Shuffler::shuffle`] |
//! | the factory's DNN engine (`dnn-factory`, `native`) | [`DnnFactory`] (a la-core factory with its [`Dnn`] implementation) |
//! | `activation`, `sigmoid`, `relu`, `softmax` blueprints | [`DnnFactory::bias_activation`], [`DnnFactory::activation_grad`], [`DnnFactory::softmax`] |
//! | `convolution` / `convo` (`:strides`, `:padding`, `:dilation`), weights `oihw` | [`dnn::Convolution`], [`DnnFactory::convolution_forward`], [`DnnFactory::convolution_backward_data`], [`DnnFactory::convolution_backward_weights`] |
//! | `pooling` (`:max`, `:avg`, `:avg-include-padding`) with its workspace | [`dnn::Pooling`], [`dnn::PoolAlgo`], [`DnnFactory::pooling_forward`], [`DnnFactory::pooling_backward`] |
//! | `with-release` | `Drop` |
//!
//! ## Backends
//!
//! Tensors work on every la-core factory (their memory is a la-core [`la_core::Vector`]).
//! The DNN capability is the [`Dnn`] trait: [`DnnFactory::new`] picks the native
//! kernels ([`native::NativeDnn`]) for host-memory factories and the composed defaults
//! ([`dnn::composed`], la-core operations only) for the others (OpenCL today);
//! tensor-dnnl and tensor-cudnn will plug their primitives in with [`DnnFactory::with`].
//! The conformance suite (`tensor_core::conformance`, feature `conformance`) runs on
//! native, MKL, OpenBLAS and OpenCL.
//!
//! Inside the crate the arrows run one way: [`dnn`] is the abstraction (the [`Dnn`]
//! trait, [`DnnFactory`], the composed defaults, the fused small-network pass's
//! arguments in [`dnn::mlp`]) and imports no implementation; [`native`] implements it;
//! both run the host convolution and pooling kernels of a private `kernels` module,
//! which needs only the geometry; [`DnnFactory::new`], which picks an implementation,
//! lives above both.
#![warn(missing_docs)]
#![deny(unsafe_code)]

mod desc;
mod display;
pub mod dnn;
mod geometry;
mod kernels;
pub mod native;
pub mod optimizer;
mod select;
mod tensor;
mod transform;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use desc::{desc, DataType, Desc, TensorLayout, MAX_RANK};
pub use dnn::{Dnn, DnnFactory};
pub use tensor::{tensor, tensor_from, AsTensor, AsTensorMut, Tensor, TensorView, TensorViewMut};
pub use transform::{
    batcher, connector, shuffler, transformer, Batcher, Connector, Shuffler, Transformer,
};
