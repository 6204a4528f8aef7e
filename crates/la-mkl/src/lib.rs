//! # la-mkl: MKL and OpenBLAS factories for la-core
//!
//! The book's native engine is Intel MKL; users with OpenBLAS installed will want that.
//! Both are factories of the same la-core API. They keep data in host memory like
//! la-core's native backend and take GEMM, GEMV and GER from the library; MKL also
//! runs `exp`, `log` and `tanh` on contiguous data through its vector math (VML). The
//! rest (BLAS 1, other vector math) is la-core's native code, which is as fast for
//! these memory-bound operations.
//!
//! ```no_run
//! use la_core::prelude::*;
//! let fac = la_mkl::openblas_float()?;  // or la_mkl::mkl_float()?
//! let a = fac.ge_from(2, 2, &[1.0, 2.0, 3.0, 4.0], Layout::ColumnMajor)?;
//! let c = mm(&a, &a)?;
//! # Ok::<(), la_core::Error>(())
//! ```
//!
//! ## The book's names and ours
//!
//! | Neanderthal | la-mkl |
//! |---|---|
//! | `native-float`, `native-double` (MKL engine) | [`mkl_float()`], [`mkl_double()`] |
//! | (OpenBLAS has no Neanderthal engine) | [`openblas_float()`], [`openblas_double()`] |
//!
//! ## Finding the libraries (at run time, no link step)
//!
//! Both libraries export the same `cblas_*` symbols; they are loaded with `dlopen`, so
//! both factories coexist in one program, la-mkl builds with cargo alone, and a missing
//! library is one clear error naming what to install, never a link error.
//!
//! - **MKL**: `libmkl_rt` from `DLFP_MKL_LIB` (a file), `DLFP_MKL_DIR` or `MKLROOT` (a
//!   prefix), or the loader's path. Offline install: `cargo xtask setup mkl` (Intel's
//!   PyPI wheel `mkl`, `pip install --no-deps --prefix target/mkl`); the xtask sets
//!   `DLFP_MKL_DIR` for the tests. The GNU OpenMP threading layer is used when libgomp
//!   is present, otherwise MKL runs sequentially.
//! - **OpenBLAS**: `libopenblas.so.0` (Debian: `apt-get install libopenblas0` or
//!   `libopenblas-dev`), or `DLFP_OPENBLAS_LIB`.
//! - OpenBLAS 0.3.21 does not recognise some new CPUs (e.g. Zen 5) and falls back to AVX2
//!   kernels at half speed: start the process with `OPENBLAS_CORETYPE=SkylakeX`.
//!   [`openblas_info`] reports the core OpenBLAS picked; `cargo xtask doctor` says so.
//!
//! Which to pick: on the project's machines the native factory is the fastest choice
//! for GEMM (see `docs/benchmarks.md`); MKL is the book's engine and takes a generic
//! path on AMD CPUs; OpenBLAS is a good choice where it is already installed.

mod engine;
mod ffi;

use std::sync::OnceLock;

use la_core::{Error, Factory, Result};

pub use engine::{BlasEngine, BlasScalar};

static MKL: OnceLock<std::result::Result<ffi::Blas, String>> = OnceLock::new();
static OPENBLAS: OnceLock<std::result::Result<ffi::Blas, String>> = OnceLock::new();

fn mkl() -> Result<&'static ffi::Blas> {
    MKL.get_or_init(ffi::load_mkl).as_ref().map_err(|e| Error::Backend {
        backend: "mkl".into(),
        message: format!("Intel MKL (libmkl_rt) not found: run `cargo xtask setup mkl` or set DLFP_MKL_DIR / MKLROOT ({e})"),
    })
}

fn openblas() -> Result<&'static ffi::Blas> {
    OPENBLAS.get_or_init(ffi::load_openblas).as_ref().map_err(|e| Error::Backend {
        backend: "openblas".into(),
        message: format!("OpenBLAS (libopenblas.so.0) not found: apt-get install libopenblas0 or set DLFP_OPENBLAS_LIB ({e})"),
    })
}

macro_rules! factory_fn {
    ($(#[$doc:meta])* $name:ident, $t:ty, $lib:ident, $label:literal) => {
        $(#[$doc])*
        pub fn $name() -> Result<Factory<$t>> {
            static F: OnceLock<Factory<$t>> = OnceLock::new();
            let blas = $lib()?;
            Ok(F.get_or_init(|| Factory::new(BlasEngine::<$t>::new(blas, $label))).clone())
        }
    };
}

factory_fn!(
    /// The MKL `f32` factory (the book's native-float on its MKL engine). Always the same factory.
    mkl_float, f32, mkl, "mkl"
);
factory_fn!(
    /// The MKL `f64` factory (the book's native-double). Always the same factory.
    mkl_double, f64, mkl, "mkl"
);
factory_fn!(
    /// The OpenBLAS `f32` factory. Always the same factory.
    openblas_float, f32, openblas, "openblas"
);
factory_fn!(
    /// The OpenBLAS `f64` factory. Always the same factory.
    openblas_double, f64, openblas, "openblas"
);

/// Where MKL was loaded from and its version string, or why it was not found.
pub fn mkl_info() -> Result<String> {
    mkl().map(|b| format!("{} from {}", b.version, b.path))
}

/// Where OpenBLAS was loaded from, its build configuration and the CPU core it picked.
pub fn openblas_info() -> Result<String> {
    openblas().map(|b| format!("{} from {}", b.version, b.path))
}

/// A factory for tests: `None` (after printing `SKIP: <reason>`) when the library is
/// missing, unless `require` names an environment variable set to `1`, which turns the
/// skip into a panic (a test failure).
pub fn test_factory<T: la_core::Scalar>(
    make: fn() -> Result<Factory<T>>,
    require: &str,
) -> Option<Factory<T>> {
    match make() {
        Ok(f) => Some(f),
        Err(e) => {
            if std::env::var(require).as_deref() == Ok("1") {
                panic!("{require}=1 but {e}");
            }
            println!("SKIP: {e}");
            None
        }
    }
}
