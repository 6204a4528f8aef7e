//! Kernel launches and cuBLAS calls: the FFI boundary of the engine. Everything here
//! takes device addresses the engine has checked against their buffers.
#![allow(unsafe_code)]

use std::ffi::c_int;
use std::sync::Arc;

use cudarc::cublas::sys::{cublasHandle_t, cublasOperation_t};
use cudarc::cublas::{result as cublas, CudaBlas};
use cudarc::driver::{CudaFunction, CudaStream, DeviceRepr, LaunchConfig, PushKernelArg};
use la_core::Result;

/// One kernel argument, in the kernel's parameter order.
#[derive(Debug, Clone, Copy)]
pub enum KernelArg<T> {
    /// An `int`.
    I32(i32),
    /// An `unsigned long long` (sizes, offsets, strides).
    U64(u64),
    /// A `REAL` value.
    Val(T),
    /// A device address (`REAL*`), from [`CudaEngine::device_ptr`](crate::CudaEngine::device_ptr).
    Ptr(u64),
}

/// Launches `f` on `stream` over `grid` blocks of `block` threads.
///
/// # Safety
/// `args` must match the kernel's parameters in number, order and type, and every
/// [`KernelArg::Ptr`] must address device memory of the stream's context that stays
/// allocated until the kernel has run and that the kernel, with these arguments,
/// never indexes outside of.
pub unsafe fn launch<T: DeviceRepr>(
    stream: &Arc<CudaStream>,
    f: &CudaFunction,
    grid: u32,
    block: u32,
    args: &[KernelArg<T>],
) -> Result<()> {
    let mut b = stream.launch_builder(f);
    for a in args {
        match a {
            KernelArg::I32(v) => b.arg(v),
            KernelArg::U64(v) | KernelArg::Ptr(v) => b.arg(v),
            KernelArg::Val(v) => b.arg(v),
        };
    }
    let cfg = LaunchConfig {
        grid_dim: (grid.max(1), 1, 1),
        block_dim: (block, 1, 1),
        shared_mem_bytes: 0,
    };
    // SAFETY: the caller guarantees the arguments match the kernel and its addresses.
    unsafe { b.launch(cfg) }
        .map(|_| ())
        .map_err(|e| crate::cuda_err(format!("launching a kernel: {e:?}")))
}

/// A BLAS operand: a device address and its leading dimension or increment.
/// (The module is private: this type and [`Cublas`] cannot be named outside the
/// crate, so no one else can hand cuBLAS an unchecked address.)
#[derive(Debug, Clone, Copy)]
pub struct Operand {
    /// The address of the first element.
    pub ptr: u64,
    /// The leading dimension of a matrix, the increment of a vector.
    pub ld: c_int,
}

/// Whether cuBLAS reads an operand as stored or transposed.
fn op(transposed: bool) -> cublasOperation_t {
    if transposed {
        cublasOperation_t::CUBLAS_OP_T
    } else {
        cublasOperation_t::CUBLAS_OP_N
    }
}

/// cuBLAS for one element type (column-major calls; the engine maps row-major
/// regions onto them). Sealed: the module is private.
pub trait Cublas: Sized + Copy {
    /// `c := alpha op(a) op(b) + beta c`.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    fn gemm(
        blas: &CudaBlas,
        ta: bool,
        tb: bool,
        dims: [c_int; 3],
        alpha: Self,
        a: Operand,
        b: Operand,
        beta: Self,
        c: Operand,
    ) -> Result<()>;
    /// `y := alpha op(a) x + beta y` (`dims` are the stored `a`'s rows and columns).
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    fn gemv(
        blas: &CudaBlas,
        ta: bool,
        dims: [c_int; 2],
        alpha: Self,
        a: Operand,
        x: Operand,
        beta: Self,
        y: Operand,
    ) -> Result<()>;
    /// `a := alpha x yᵀ + a`.
    #[doc(hidden)]
    fn ger(
        blas: &CudaBlas,
        dims: [c_int; 2],
        alpha: Self,
        x: Operand,
        y: Operand,
        a: Operand,
    ) -> Result<()>;
}

fn status(call: &str, r: std::result::Result<(), cublas::CublasError>) -> Result<()> {
    r.map_err(|e| crate::cuda_err(format!("{call}: {e:?}")))
}

fn handle(blas: &CudaBlas) -> cublasHandle_t {
    *blas.handle()
}

macro_rules! cublas_impl {
    ($t:ty, $gemm:ident, $gemv:ident, $ger:ident) => {
        impl Cublas for $t {
            fn gemm(
                blas: &CudaBlas,
                ta: bool,
                tb: bool,
                [m, n, k]: [c_int; 3],
                alpha: Self,
                a: Operand,
                b: Operand,
                beta: Self,
                c: Operand,
            ) -> Result<()> {
                // SAFETY: the engine checked each operand's region against its buffer
                // (dimensions and leading dimensions included); alpha and beta are
                // host values (cuBLAS's default pointer mode).
                let r = unsafe {
                    cublas::$gemm(
                        handle(blas),
                        op(ta),
                        op(tb),
                        m,
                        n,
                        k,
                        &alpha,
                        a.ptr as *const $t,
                        a.ld,
                        b.ptr as *const $t,
                        b.ld,
                        &beta,
                        c.ptr as *mut $t,
                        c.ld,
                    )
                };
                status(stringify!($gemm), r)
            }

            fn gemv(
                blas: &CudaBlas,
                ta: bool,
                [m, n]: [c_int; 2],
                alpha: Self,
                a: Operand,
                x: Operand,
                beta: Self,
                y: Operand,
            ) -> Result<()> {
                // SAFETY: as for gemm; x and y carry their increments in `ld`.
                let r = unsafe {
                    cublas::$gemv(
                        handle(blas),
                        op(ta),
                        m,
                        n,
                        &alpha,
                        a.ptr as *const $t,
                        a.ld,
                        x.ptr as *const $t,
                        x.ld,
                        &beta,
                        y.ptr as *mut $t,
                        y.ld,
                    )
                };
                status(stringify!($gemv), r)
            }

            fn ger(
                blas: &CudaBlas,
                [m, n]: [c_int; 2],
                alpha: Self,
                x: Operand,
                y: Operand,
                a: Operand,
            ) -> Result<()> {
                // SAFETY: as for gemm.
                let r = unsafe {
                    cudarc::cublas::sys::$ger(
                        handle(blas),
                        m,
                        n,
                        &alpha,
                        x.ptr as *const $t,
                        x.ld,
                        y.ptr as *const $t,
                        y.ld,
                        a.ptr as *mut $t,
                        a.ld,
                    )
                    .result()
                };
                status(stringify!($ger), r)
            }
        }
    };
}

cublas_impl!(f32, sgemm, sgemv, cublasSger_v2);
cublas_impl!(f64, dgemm, dgemv, cublasDger_v2);

/// [`launch`] for this crate's engine, whose every call passes a kernel of
/// [`KERNELS`](crate::KERNELS) its parameters in order and only addresses that
/// `engine::buffer` has checked against the region the kernel indexes (or the
/// engine's own scratch buffers, sized for the launch).
pub(crate) fn launch_checked<T: DeviceRepr>(
    stream: &Arc<CudaStream>,
    f: &CudaFunction,
    grid: u32,
    block: u32,
    args: &[KernelArg<T>],
) -> Result<()> {
    // SAFETY: this crate's callers uphold `launch`'s contract as stated above.
    unsafe { launch(stream, f, grid, block, args) }
}
