//! # la-core: the linear-algebra layer of dlfp
//!
//! Vectors, general dense matrices, BLAS levels 1–3, element-wise vector math and
//! random numbers, on interchangeable backends chosen at run time — the Rust
//! counterpart of Neanderthal's `core`, `native`, `vect-math` and `random`
//! namespaces used in Part II of *Deep Learning for Programmers*. The pure-Rust
//! [`native`] backend is the default: it builds with cargo alone and is fast
//! (AVX-512 GEMM through the `gemm` crate, own threaded GEMV and vectorised
//! `exp`/`log`/`tanh`/`sigmoid`).
//!
//! ```
//! use la_core::prelude::*;
//!
//! // "Representing layers and connections": one layer as a matrix-vector product.
//! let x = dv(&[0.3, 0.9]);
//! let w1 = dge(4, 2, &[0.3, 0.6, 0.1, 2.0, 0.9, 3.7, 0.0, 1.0], Layout::RowMajor)?;
//! let mut h1 = native_double().vctr(4)?;
//! mv_into(1.0, &w1, &x, 0.0, &mut h1)?;
//! let rounded: Vec<f64> = h1.to_vec()?.iter().map(|v| (v * 100.0).round() / 100.0).collect();
//! assert_eq!(rounded, vec![0.63, 1.83, 3.6, 0.9]);
//! # Ok::<(), la_core::Error>(())
//! ```
//!
//! ## The book's names and ours
//!
//! | Neanderthal (Clojure) | la-core (Rust) |
//! |---|---|
//! | `native-float`, `native-double` | [`native_float()`], [`native_double()`] (a [`Factory`]) |
//! | `(fv 1 2)`, `(dv 1 2)` | [`fv(&[1.0, 2.0])`](fv), [`dv`] |
//! | `(fge 2 3 [..] {:layout :row})`, `dge` | [`fge(2, 3, &[..], Layout::RowMajor)`](fge), [`dge`] |
//! | `(vctr fac n)`, `(ge fac m n)` | [`Factory::vctr`], [`Factory::vctr_from`], [`Factory::ge`], [`Factory::ge_from`] |
//! | `dim`, `mrows`, `ncols`, `entry`, `entry!` | [`AsVector::dim`], [`AsMatrix::mrows`], [`AsMatrix::ncols`], `entry`, `set_entry` |
//! | `subvector`, `submatrix`, `row`, `col`, `rows`, `cols`, `trans`, `view-vctr` | the same names on [`AsVector`] / [`AsMatrix`] (views, no copy; `_mut` variants write) |
//! | `dot`, `nrm2`, `asum`, `sum`, `iamax`, `amax` | [`dot`], [`nrm2`], [`asum`], [`sum`], [`iamax`], [`amax`] |
//! | `scal!`, `axpy!`, `axpby!`, `copy!`, `swp!` | [`scal_inplace`], [`axpy_into`], [`axpby_into`], [`copy_into`], [`swap`] |
//! | `scal`, `axpy`, `copy` (allocating) | [`scal`], [`axpy`], [`axpby`], [`copy`] |
//! | `mv`, `mv!` | [`mv`], [`mv_into`]`(alpha, a, x, beta, y)` |
//! | `rk`, `rk!` | [`rk`], [`rk_into`] |
//! | `mm`, `mm!` | [`mm`], [`mm_into`]`(alpha, a, b, beta, c)` |
//! | `(tanh x)`, `(tanh! x y)`, `(tanh! x)` | [`tanh`], [`tanh_into`], [`tanh_inplace`] — likewise `sqr`, `inv`, `abs`, `sqrt`, `exp`, `log`, `sigmoid`, `relu`, `elu`, `round`, `step`, `pow`, `linear_frac`, `mul`, `div`, `fmax`, `fmin`, `add`, `sub` |
//! | `fmap!` | [`fmap_inplace`], [`fmap`] |
//! | `rand-uniform!`, `rand-normal!` | [`rand_uniform`], [`rand_normal`] with an explicit [`seeded_rng`] |
//! | `transfer`, `transfer!` | `x.transfer(&factory)`, [`transfer_into`], `x.to_vec()`, `x.set_from(&data)` |
//! | `with-release` | `Drop` (memory is freed when a value goes out of scope) |
//! | (not in the book) gathering shuffled samples into a mini-batch | [`gather_cols_into`]`(x, cols, y)` (one launch on a device) |
//! | (not in the book) a sparse first-layer input | [`sparse::CscMatrix`], [`sparse::sparse_mm_into`], [`sparse::sparse_mm_t_into`] |
//!
//! Destructive Clojure functions `f!` become `f_into` (write into a `&mut`
//! destination) or `f_inplace` (overwrite the operand). Every fallible call returns
//! [`Result`]; an [`Error`] lists every failed precondition and names the operation
//! and shapes (`mm: a is 4x2 but b is 3x5 ...`). Mixing factories is an error,
//! never a silent copy.
//!
//! ## Backends
//!
//! A [`Factory`] wraps an [`engine::Engine`]. Backend crates implement that trait and
//! run the shared `conformance` suite (module `la_core::conformance`, feature
//! `conformance`) on themselves.
#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod atomic_file;
pub mod blas;
mod dense;
mod display;
pub mod engine;
mod error;
mod factory;
pub mod math;
mod matrix;
pub mod native;
mod philox;
pub mod random;
pub mod reference;
mod scalar;
pub mod sparse;
mod vector;

#[cfg(feature = "conformance")]
pub mod alloc_count;
#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "conformance")]
pub mod sweep;

pub use blas::*;
pub use dense::{Dense, DenseMut, Shape};
pub use error::{Check, Error, Result};
pub use factory::Factory;
pub use math::*;
pub use matrix::{AsMatrix, AsMatrixMut, Layout, Matrix, MatrixView, MatrixViewMut};
pub use native::{native_double, native_float};
pub use philox::philox4x32_10;
pub use random::{
    rand_normal, rand_normal_fast, rand_uniform, rand_uniform_fast, rand_uniform_range, seeded_rng,
};
pub use scalar::Scalar;
pub use vector::{AsVector, AsVectorMut, Vector, VectorView, VectorViewMut};

/// Re-export of `rand`, so that generators and `SeedableRng` match the version la-core uses.
pub use rand;

/// Everything a chapter example needs: `use la_core::prelude::*;`.
pub mod prelude {
    pub use crate::blas::*;
    pub use crate::math::*;
    pub use crate::{
        dge, dv, fge, fv, native_double, native_float, rand_normal, rand_uniform,
        rand_uniform_range, seeded_rng, AsMatrix, AsMatrixMut, AsVector, AsVectorMut, Dense,
        DenseMut, Error, Factory, Layout, Matrix, MatrixView, MatrixViewMut, Result, Scalar,
        Vector, VectorView, VectorViewMut,
    };
}

fn host_vector<T: Scalar>(f: Factory<T>, data: &[T]) -> Vector<T> {
    let dim = data.len();
    Vector::from_host(f, data.to_vec(), dim)
}

/// A native-float vector holding `data` (the book's `(fv 1 2 3)`).
pub fn fv(data: &[f32]) -> Vector<f32> {
    host_vector(native_float(), data)
}

/// A native-double vector holding `data` (the book's `(dv 1 2 3)`).
pub fn dv(data: &[f64]) -> Vector<f64> {
    host_vector(native_double(), data)
}

/// A native-float `m x n` matrix with `data` listed in `layout` order (the book's `fge`).
pub fn fge(m: usize, n: usize, data: &[f32], layout: Layout) -> Result<Matrix<f32>> {
    native_float().ge_from(m, n, data, layout)
}

/// A native-double `m x n` matrix with `data` listed in `layout` order (the book's `dge`).
pub fn dge(m: usize, n: usize, data: &[f64], layout: Layout) -> Result<Matrix<f64>> {
    native_double().ge_from(m, n, data, layout)
}
