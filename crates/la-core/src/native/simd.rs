//! Run-time CPU-feature dispatch for the native kernels.
//!
//! Kernels are plain Rust loops written to auto-vectorise. `map` and `reduce` run
//! a kernel inside a function compiled with AVX-512 (x86-64-v4) or AVX2+FMA
//! (x86-64-v3) enabled, chosen once from `is_x86_feature_detected!`; LLVM then
//! emits 512- or 256-bit code for the inlined loop. This module and `gemm.rs` are the
//! only places the native backend uses `unsafe`.
#![allow(unsafe_code)]

use std::sync::OnceLock;

/// The instruction-set level the native kernels run at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimdLevel {
    /// AVX-512 F/BW/CD/DQ/VL with FMA (x86-64-v4).
    Avx512,
    /// AVX2 with FMA (x86-64-v3).
    Avx2,
    /// The compile-time baseline (SSE2 on x86-64, or another architecture).
    Baseline,
}

/// The level detected on this CPU (once). `DLFP_SIMD=avx2|baseline` lowers it,
/// e.g. to compare code paths.
pub fn simd_level() -> SimdLevel {
    static LEVEL: OnceLock<SimdLevel> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        let detected = detect();
        match std::env::var("DLFP_SIMD").as_deref() {
            Ok("baseline") => SimdLevel::Baseline,
            Ok("avx2") if detected != SimdLevel::Baseline => SimdLevel::Avx2,
            _ => detected,
        }
    })
}

#[cfg(target_arch = "x86_64")]
fn detect() -> SimdLevel {
    use std::arch::is_x86_feature_detected as has;
    if has!("avx512f")
        && has!("avx512bw")
        && has!("avx512cd")
        && has!("avx512dq")
        && has!("avx512vl")
        && has!("avx2")
        && has!("fma")
    {
        SimdLevel::Avx512
    } else if has!("avx2") && has!("fma") {
        SimdLevel::Avx2
    } else {
        SimdLevel::Baseline
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> SimdLevel {
    SimdLevel::Baseline
}

/// A loop body that writes `out` from `ins` (and `out`'s current values).
///
/// Implementations mark `apply` `#[inline(always)]`: that is what makes the loop
/// compile inside each `#[target_feature]` trampoline below. (A closure called from
/// three trampolines is not inlined by LLVM and silently runs at baseline speed.)
#[doc(hidden)]
pub trait MapKernel<T, const N: usize>: Sync {
    fn apply(&self, ins: [&[T]; N], out: &mut [T]);
}

/// A loop body that folds `ins` into an accumulator; `apply` is `#[inline(always)]`.
#[doc(hidden)]
pub trait ReduceKernel<T, const N: usize>: Sync {
    type Acc;
    fn apply(&self, ins: [&[T]; N]) -> Self::Acc;
}

/// A whole computation (not a loop over slices) to compile with the best instruction
/// set; `run` is `#[inline(always)]`.
#[doc(hidden)]
pub trait RunKernel {
    type Out;
    fn run(&mut self) -> Self::Out;
}

macro_rules! trampolines {
    ($($name:ident, $features:literal);*) => {$(
        mod $name {
            use super::{MapKernel, ReduceKernel, RunKernel};
            #[target_feature(enable = $features)]
            pub(super) fn run<K: RunKernel>(k: &mut K) -> K::Out {
                k.run()
            }
            #[target_feature(enable = $features)]
            pub(super) fn map<T, K: MapKernel<T, N>, const N: usize>(k: &K, ins: [&[T]; N], out: &mut [T]) {
                k.apply(ins, out)
            }
            #[target_feature(enable = $features)]
            pub(super) fn reduce<T, K: ReduceKernel<T, N>, const N: usize>(k: &K, ins: [&[T]; N]) -> K::Acc {
                k.apply(ins)
            }
        }
    )*};
}

#[cfg(target_arch = "x86_64")]
trampolines!(
    v4, "avx512f,avx512bw,avx512cd,avx512dq,avx512vl,avx2,avx,fma,bmi1,bmi2,lzcnt,popcnt";
    v3, "avx2,avx,fma,bmi1,bmi2,lzcnt,popcnt"
);

/// Runs a map kernel compiled for the best instruction set this CPU has.
#[inline(always)]
pub(crate) fn map<T, K: MapKernel<T, N>, const N: usize>(k: &K, ins: [&[T]; N], out: &mut [T]) {
    #[cfg(target_arch = "x86_64")]
    match simd_level() {
        // SAFETY: `simd_level` returns Avx512 only when every feature `v4` enables was detected.
        SimdLevel::Avx512 => unsafe { v4::map(k, ins, out) },
        // SAFETY: `simd_level` returns Avx2 only when AVX2 and FMA were detected.
        SimdLevel::Avx2 => unsafe { v3::map(k, ins, out) },
        SimdLevel::Baseline => k.apply(ins, out),
    }
    #[cfg(not(target_arch = "x86_64"))]
    k.apply(ins, out)
}

/// Runs a reduce kernel compiled for the best instruction set this CPU has.
#[inline(always)]
pub(crate) fn reduce<T, K: ReduceKernel<T, N>, const N: usize>(k: &K, ins: [&[T]; N]) -> K::Acc {
    #[cfg(target_arch = "x86_64")]
    match simd_level() {
        // SAFETY: as in `map`.
        SimdLevel::Avx512 => unsafe { v4::reduce(k, ins) },
        // SAFETY: as in `map`.
        SimdLevel::Avx2 => unsafe { v3::reduce(k, ins) },
        SimdLevel::Baseline => k.apply(ins),
    }
    #[cfg(not(target_arch = "x86_64"))]
    k.apply(ins)
}

/// Runs a kernel compiled for the best instruction set this CPU has.
#[inline(always)]
#[doc(hidden)]
pub fn run<K: RunKernel>(k: &mut K) -> K::Out {
    #[cfg(target_arch = "x86_64")]
    match simd_level() {
        // SAFETY: as in `map`.
        SimdLevel::Avx512 => unsafe { v4::run(k) },
        // SAFETY: as in `map`.
        SimdLevel::Avx2 => unsafe { v3::run(k) },
        SimdLevel::Baseline => k.run(),
    }
    #[cfg(not(target_arch = "x86_64"))]
    k.run()
}

const PEAK_ITERS: usize = 20_000_000;

/// 12 independent chains of 16-lane FMAs in registers: enough to cover the FMA
/// latency on both ports. Returns a value so that the work is not optimised away.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn fma_chains_avx512(iters: usize, a: f32, b: f32) -> f32 {
    use std::arch::x86_64::*;
    let (va, vb) = (_mm512_set1_ps(a), _mm512_set1_ps(b));
    let mut acc = [_mm512_set1_ps(1.0); 12];
    for _ in 0..iters {
        for v in acc.iter_mut() {
            *v = _mm512_fmadd_ps(*v, va, vb);
        }
    }
    acc.iter().map(|v| _mm512_reduce_add_ps(*v)).sum()
}

/// Measures this CPU's f32 fused-multiply-add throughput on one thread, in GFLOP/s
/// with AVX-512 (12 independent 16-lane chains): the denominator of "ratio to peak"
/// in `cargo xtask bench`. Returns 0 on CPUs without AVX-512.
pub fn measure_peak_gflops_f32() -> f64 {
    #[cfg(target_arch = "x86_64")]
    if simd_level() == SimdLevel::Avx512 {
        let secs = (0..3)
            .map(|_| {
                let t = std::time::Instant::now();
                let (a, b) = (
                    std::hint::black_box(0.999_999_9),
                    std::hint::black_box(1e-7),
                );
                // SAFETY: `simd_level` returned Avx512, so AVX-512F is present.
                std::hint::black_box(unsafe { fma_chains_avx512(PEAK_ITERS, a, b) });
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        return (PEAK_ITERS * 12 * 16 * 2) as f64 / secs / 1e9;
    }
    0.0
}

/// Asks the CPU to bring the cache line holding `s[i]` into L1 ahead of a read (a hint:
/// no effect on results; a no-op off x86-64). `i` may lie past the end of `s`:
/// a prefetch of any address never faults, and the pointer is never dereferenced.
#[inline(always)]
pub fn prefetch<T>(s: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        let p = s.as_ptr().wrapping_add(i).cast::<i8>();
        // SAFETY: PREFETCHT0 is in SSE, part of the x86-64 baseline; a prefetch does not
        // access memory architecturally, so it cannot fault on any address.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (s, i);
}
