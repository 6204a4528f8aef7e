//! Launches of this crate's own CUDA kernels ([`KERNELS`]) on a la-cuda factory's
//! stream. Every address comes from [`la_cuda::CudaEngine::device_ptr`], which checked
//! the region the kernel indexes.
#![allow(unsafe_code)]

use cudarc::driver::CudaFunction;
use la_core::Result;
use la_cuda::{CudaEngine, CudaScalar, KernelArg, KernelSource};

/// The kernels cuDNN has no single call for: bias + activation, activation backward,
/// and pooling with tensor-core's source positions.
pub const KERNELS: KernelSource = KernelSource {
    name: "tensor-cudnn/kernels.cu",
    text: include_str!("kernels.cu"),
};

/// Threads per block.
const THREADS: u32 = 256;

/// Blocks to cover `len` work items (a grid-stride loop covers the rest).
fn blocks(len: usize) -> u32 {
    len.div_ceil(THREADS as usize).clamp(1, 4096) as u32
}

/// `y(i, j) := f(y(i, j) + b(i))`: `act` is the kernel's activation code.
pub(crate) fn bias_activation<T: CudaScalar>(
    e: &CudaEngine<T>,
    f: &CudaFunction,
    (act, alpha): (i32, T),
    (m, n): (usize, usize),
    (b, bs): (u64, usize),
    (y, rs, cs): (u64, usize, usize),
) -> Result<()> {
    use KernelArg::*;
    let args = [
        I32(act),
        Val(alpha),
        U64(m as u64),
        U64(n as u64),
        Ptr(b),
        U64(bs as u64),
        Ptr(y),
        U64(rs as u64),
        U64(cs as u64),
    ];
    e.count_launch();
    // SAFETY: the arguments follow bias_activation's parameters; `b` holds m elements
    // `bs` apart and `y` an m x n region with strides rs, cs (checked by the caller).
    unsafe { la_cuda::launch(e.stream(), f, blocks(m * n), THREADS, &args) }
}

/// `d := d ⊙ f'(z)` from `a = f(z)`.
pub(crate) fn activation_grad<T: CudaScalar>(
    e: &CudaEngine<T>,
    f: &CudaFunction,
    (act, alpha): (i32, T),
    (m, n): (usize, usize),
    (a, ars, acs): (u64, usize, usize),
    (d, drs, dcs): (u64, usize, usize),
) -> Result<()> {
    use KernelArg::*;
    let args = [
        I32(act),
        Val(alpha),
        U64(m as u64),
        U64(n as u64),
        Ptr(a),
        U64(ars as u64),
        U64(acs as u64),
        Ptr(d),
        U64(drs as u64),
        U64(dcs as u64),
    ];
    e.count_launch();
    // SAFETY: the arguments follow activation_grad's parameters; both regions are
    // m x n with the given strides (checked by the caller).
    unsafe { la_cuda::launch(e.stream(), f, blocks(m * n), THREADS, &args) }
}

/// The pooling geometry as the kernels take it: `algo, planes, h, w, oh, ow, kh, kw,
/// sh, sw, ph, pw`.
pub(crate) type PoolShape = (i32, [usize; 11]);

fn pool_args<T>(shape: &PoolShape, ptrs: [u64; 3]) -> [KernelArg<T>; 15] {
    use KernelArg::*;
    let (algo, s) = shape;
    [
        I32(*algo),
        U64(s[0] as u64),
        U64(s[1] as u64),
        U64(s[2] as u64),
        U64(s[3] as u64),
        U64(s[4] as u64),
        U64(s[5] as u64),
        U64(s[6] as u64),
        U64(s[7] as u64),
        U64(s[8] as u64),
        U64(s[9] as u64),
        U64(s[10] as u64),
        Ptr(ptrs[0]),
        Ptr(ptrs[1]),
        Ptr(ptrs[2]),
    ]
}

/// `y := pool(x)`, `arg := source positions` (max pooling), one thread per output.
pub(crate) fn pooling_forward<T: CudaScalar>(
    e: &CudaEngine<T>,
    f: &CudaFunction,
    shape: &PoolShape,
    [x, y, arg]: [u64; 3],
) -> Result<()> {
    let s = shape.1;
    let outputs = s[0] * s[3] * s[4];
    e.count_launch();
    // SAFETY: the arguments follow pooling_forward's parameters; x holds planes·h·w,
    // y and arg planes·oh·ow contiguous elements (checked by the caller).
    unsafe {
        la_cuda::launch(
            e.stream(),
            f,
            blocks(outputs),
            THREADS,
            &pool_args::<T>(shape, [x, y, arg]),
        )
    }
}

/// `dx := poolᵀ dy`, one thread per plane.
pub(crate) fn pooling_backward<T: CudaScalar>(
    e: &CudaEngine<T>,
    f: &CudaFunction,
    shape: &PoolShape,
    [dy, arg, dx]: [u64; 3],
) -> Result<()> {
    e.count_launch();
    // SAFETY: as in pooling_forward, with dx holding planes·h·w elements.
    unsafe {
        la_cuda::launch(
            e.stream(),
            f,
            blocks(shape.1[0]),
            THREADS,
            &pool_args::<T>(shape, [dy, arg, dx]),
        )
    }
}
