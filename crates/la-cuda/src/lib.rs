//! # la-cuda: CUDA factories for la-core
//!
//! The book runs every chapter on `cuda-float` too; so do we. Vectors and matrices live
//! in CUDA device memory; `mv`, `rk` and `mm` go through cuBLAS; element-wise math,
//! reductions, copies and swaps are CUDA C kernels ([`KERNELS`]) compiled by NVRTC
//! once per process and device — to CUBIN for the device's own `sm_XY`, so a driver
//! older than NVRTC never has to accept newer PTX — and loaded once per factory.
//!
//! Everything CUDA is opened at run time through [`cudarc`] (dynamic loading): the
//! crate builds with cargo alone on machines without CUDA, and there every entry point
//! returns an [`Error`] naming what is missing — the driver
//! (`libcuda.so`), NVRTC or cuBLAS — instead of cudarc's panic. `CUDARC_CUDA_VERSION`
//! (set to `13040` in the workspace's `.cargo/config.toml`; override it per host) picks
//! the CUDA API generation cudarc binds; 13.4 also finds CUDA 12 libraries.
//!
//! ```
//! use la_core::prelude::*;
//! use la_cuda::{cuda_float, default_setup};
//!
//! let Ok(cuda) = default_setup() else {
//!     return Ok(()); // no GPU here: default_setup says why
//! };
//! let fac = cuda_float(&cuda.context, &cuda.stream)?;   // the book's cuda-float
//! let a = fac.ge(2, 3, Layout::ColumnMajor)?;
//! let x = fac.vctr_from(&[1.0, 2.0, 3.0])?;
//! let mut y = fac.vctr(2)?;
//! mv_into(1.0, &a, &x, 0.0, &mut y)?;                  // cuBLAS sgemv
//! let host = y.transfer(&native_float())?;              // back to main memory
//! assert_eq!(host.to_vec()?, vec![0.0, 0.0]);
//! # Ok::<(), la_core::Error>(())
//! ```
//!
//! ## The book's names and ours
//!
//! | Neanderthal | la-cuda |
//! |---|---|
//! | `(with-default ...)`, `(current-context)` | [`default_setup()`] → [`CudaSetup`] `{ context, stream, device }` |
//! | `(cuda-float ctx hstream)`, `cuda-double` | [`cuda_float`], [`cuda_double`] |
//! | `(device-count)`, `(device id)` | [`device_count()`], [`devices()`], [`setup(ordinal)`](setup) |
//! | `(synchronize!)` | [`synchronize`] |
//! | `(compile! (program src))`, `(function module name)` | [`compile`], [`load_module`] (NVRTC, cached) |
//! | `transfer` to/from the host | `x.transfer(&native_float())`, `transfer_into` |
//! | `release` | `Drop` (stream-ordered frees) |
//!
//! Everything else is la-core's API: the same `mv`, `mm`, `tanh`, ... run on these
//! factories unchanged. `fmap` (a Rust closure) and the sparse products are
//! `Unsupported` on the device. `rand_uniform` and `rand_normal` draw on the host from
//! the caller's seeded generator and copy over, so a seed gives the same network on
//! every backend; `rand_uniform_fast` and `rand_normal_fast` (dropout masks) draw on
//! the device with Philox4x32-10 ([`philox4x32_10`]), keyed by one number from the
//! caller's generator: no host round trip, no allocation.
//!
//! ## Testing without a GPU
//!
//! Tests call [`test_factory`], which prints `SKIP: <reason>` and returns `None`
//! without a GPU; `DLFP_REQUIRE_CUDA=1` turns that into a failure on GPU hosts. The
//! kernels are still compiled on every machine that has NVRTC (`tests/nvrtc_compile.rs`,
//! required in CI with `DLFP_REQUIRE_NVRTC=1`): NVRTC needs no GPU.

mod blas_map;
mod device;
mod engine;
mod launch;
mod nvrtc;
mod probe;

pub use cudarc::driver::{CudaContext, CudaModule, CudaStream};
pub use device::{default_setup, devices, setup, CudaSetup, DeviceEntry};
pub use engine::{
    counts, cuda_double, cuda_float, load_module, synchronize, CudaBuffer, CudaCounts, CudaEngine,
    CudaScalar, KERNELS,
};
pub use la_core::philox4x32_10;
pub use launch::{launch, KernelArg};
pub use nvrtc::{compile, compile_cached, nvrtc_version, supported_archs, KernelSource, Target};
pub use probe::{device_count, require, Library};

use la_core::{Error, Factory};

/// A backend error of this crate (`cuda: <message>`).
pub(crate) fn cuda_err(message: impl Into<String>) -> Error {
    Error::Backend {
        backend: "cuda".into(),
        message: message.into(),
    }
}

/// The message of an error of this crate without its `cuda: ` prefix (for errors that
/// are cached as text and made again).
pub(crate) fn cuda_message(e: Error) -> String {
    match e {
        Error::Backend { backend, message } if backend == "cuda" => message,
        other => other.to_string(),
    }
}

/// A factory on device 0 for tests, shared by the whole process; `None` (after
/// printing `SKIP: <reason>`) when no GPU is usable, unless `DLFP_REQUIRE_CUDA=1`,
/// which turns the skip into a panic (a test failure).
///
/// ```
/// if let Some(f) = la_cuda::test_factory::<f32>() {
///     assert_eq!(f.name(), "cuda-float");
/// }
/// ```
pub fn test_factory<T: CudaScalar>() -> Option<Factory<T>> {
    use std::any::Any;
    use std::sync::OnceLock;
    type Made = std::result::Result<Box<dyn Any + Send + Sync>, String>;
    static F32: OnceLock<std::result::Result<Factory<f32>, String>> = OnceLock::new();
    static F64: OnceLock<std::result::Result<Factory<f64>, String>> = OnceLock::new();
    let made: Made = if T::NAME == "double" {
        F64.get_or_init(|| {
            let s = default_setup().map_err(|e| e.to_string())?;
            cuda_double(&s.context, &s.stream).map_err(|e| e.to_string())
        })
        .clone()
        .map(|f| Box::new(f) as Box<dyn Any + Send + Sync>)
    } else {
        F32.get_or_init(|| {
            let s = default_setup().map_err(|e| e.to_string())?;
            cuda_float(&s.context, &s.stream).map_err(|e| e.to_string())
        })
        .clone()
        .map(|f| Box::new(f) as Box<dyn Any + Send + Sync>)
    };
    match made {
        Ok(f) => (f as Box<dyn Any>)
            .downcast::<Factory<T>>()
            .ok()
            .map(|f| *f),
        Err(reason) => {
            if std::env::var("DLFP_REQUIRE_CUDA").as_deref() == Ok("1") {
                panic!("DLFP_REQUIRE_CUDA=1 but CUDA is unavailable: {reason}");
            }
            println!("SKIP: {reason}");
            None
        }
    }
}
