//! # la-opencl: OpenCL factories for la-core
//!
//! The book runs the same network code on a GPU through OpenCL; so do we. Vectors and
//! matrices live in OpenCL buffers; `mv`, `rk` and `mm` go through CLBlast; element-wise
//! math, reductions, copies and swaps are OpenCL C kernels compiled once per factory,
//! with the element type set by `-D REAL=float|double` as the book does. On machines
//! without a GPU, PoCL runs all of it on the CPU, so the whole la-core conformance suite
//! runs for real.
//!
//! Both the OpenCL loader (`libOpenCL.so.1`) and CLBlast (`libclblast.so.1`) are opened
//! at run time, as la-mkl opens MKL: the crate builds with cargo alone, and on a machine
//! without them [`default_setup`] or the factory returns an [`Error`](la_core::Error)
//! saying what to install (Debian: `ocl-icd-libopencl1 pocl-opencl-icd libclblast1`).
//! `DLFP_OPENCL_LIB` and `DLFP_CLBLAST_LIB` name the libraries' paths when they live
//! where the dynamic loader does not look.
//!
//! ```no_run
//! use la_core::prelude::*;
//! use la_opencl::{default_setup, opencl_float};
//!
//! let cl = default_setup()?;                       // the book's with-default
//! let fac = opencl_float(&cl.context, &cl.queue)?; // the book's opencl-float
//! let x = fac.vctr_from(&[1.0, 2.0, 3.0])?;
//! assert_eq!(asum(&x)?, 6.0);
//! let host = x.transfer(&native_float())?;          // back to main memory
//! # Ok::<(), la_core::Error>(())
//! ```
//!
//! ## The book's names and ours
//!
//! | Neanderthal | la-opencl |
//! |---|---|
//! | `(with-default ...)` | [`default_setup()`] → [`ClSetup`] `{ context, queue, device }` |
//! | `(opencl-float ctx queue)`, `opencl-double` | [`opencl_float`], [`opencl_double`] |
//! | `(platforms)`, `(devices p)` | [`devices()`] (every platform's devices, enumerated once) |
//! | `(context devs)`, `(command-queue ctx dev)` | [`setup(platform, device)`](setup) → [`Context`], [`Queue`] |
//! | `(finish!)` | [`Queue::finish`] |
//! | `transfer` to/from the host | `x.transfer(&native_float())`, `transfer_into` |
//! | `release` | `Drop` |
//!
//! Everything else is la-core's API: the same `mv`, `mm`, `tanh`, ... run on these
//! factories unchanged. `fmap` (a Rust closure) is `Unsupported` on the device.
//!
//! ## Launch costs
//!
//! Each kernel is built once per factory (on its first call) and re-armed with new
//! arguments afterwards; reductions reuse one partial-results buffer; products of at
//! most 2^16 multiply-adds run our own kernels instead of CLBlast (whose per-call set-up
//! costs 25–55 µs on PoCL). A read back to the host polls its event instead of
//! sleeping in a blocking call. [`counts`] tells how many launches and host transfers
//! a factory has queued: a warm training step of the 4-16-16-1 network with Adam makes
//! 72 launches, one read (the cost) and no writes on tensor-core's composed DNN
//! defaults (nn-train's `tests/opencl_launch_counts.rs`), and 18 with tensor-opencl's fused kernels.
//!
//! ## Your own kernels
//!
//! [`ClProgram`] builds OpenCL C for a factory's device (with `REAL` defined as the
//! element type) and launches its kernels on the factory's queue; [`ClEngine::mem`]
//! gives the buffer behind a vector or matrix, checked against its region. This is
//! how tensor-opencl runs its fused DNN kernels.
//!
//! ## Robustness
//!
//! The loader is probed once; devices are enumerated once per process behind a lock
//! (PoCL 3.1 fails concurrent first callers); factories always get an explicit device.
//! No loader, no platform or no CLBlast → an [`Error`](la_core::Error), never a panic
//! or a link error. Kernel build errors carry the compiler log. A factory may be shared
//! by threads: kernel launches and reductions are serialised inside it.

mod cl;
mod device;
mod engine;
mod ffi;
mod program;

pub use cl::{Context, Mem, Queue};
pub use device::{default_setup, devices, setup, ClSetup, DeviceEntry};
pub use engine::{counts, opencl_double, opencl_float, ClBuffer, ClCounts, ClEngine, ClScalar};
pub use program::{ClArg, ClProgram};

use la_core::Factory;

/// The libraries to try for a run-time dependency: the path in `env` alone when it is
/// set (a library in an unusual place, or a test that hides one), else `names`.
fn library_names(env: &str, names: &[&str]) -> Vec<String> {
    match std::env::var(env) {
        Ok(path) if !path.is_empty() => vec![path],
        _ => names.iter().map(|n| n.to_string()).collect(),
    }
}

/// A factory on the default device for tests, shared by the whole process; `None`
/// (after printing `SKIP: <reason>`) when OpenCL is unavailable, unless
/// `DLFP_REQUIRE_OPENCL=1`, which turns the skip into a panic (a test failure).
pub fn test_factory<T: ClScalar>() -> Option<Factory<T>> {
    use std::any::Any;
    use std::sync::OnceLock;
    static F32: OnceLock<std::result::Result<Factory<f32>, String>> = OnceLock::new();
    static F64: OnceLock<std::result::Result<Factory<f64>, String>> = OnceLock::new();
    let make = |double: bool| -> std::result::Result<Box<dyn Any>, String> {
        if double {
            F64.get_or_init(|| {
                let cl = default_setup().map_err(|e| e.to_string())?;
                opencl_double(&cl.context, &cl.queue).map_err(|e| e.to_string())
            })
            .clone()
            .map(|f| Box::new(f) as Box<dyn Any>)
        } else {
            F32.get_or_init(|| {
                let cl = default_setup().map_err(|e| e.to_string())?;
                opencl_float(&cl.context, &cl.queue).map_err(|e| e.to_string())
            })
            .clone()
            .map(|f| Box::new(f) as Box<dyn Any>)
        }
    };
    match make(T::NAME == "double") {
        Ok(f) => f.downcast::<Factory<T>>().ok().map(|f| *f),
        Err(reason) => {
            if std::env::var("DLFP_REQUIRE_OPENCL").as_deref() == Ok("1") {
                panic!("DLFP_REQUIRE_OPENCL=1 but OpenCL is unavailable: {reason}");
            }
            println!("SKIP: {reason}");
            None
        }
    }
}
