//! Run-time CPU-feature dispatch for the native kernels.
//!
//! Kernels are plain Rust loops written to auto-vectorise. [`dispatch`] runs a
//! kernel inside a function compiled with AVX-512 (x86-64-v4) or AVX2+FMA
//! (x86-64-v3) enabled, chosen once from `is_x86_feature_detected!`; LLVM then
//! emits 512- or 256-bit code for the inlined loop. This module and `gemm.rs`
//! are the only places the native backend uses `unsafe`.
#![allow(unsafe_code)]

use std::sync::OnceLock;

/// The instruction-set level the native kernels run at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// Runs `f` compiled for the best instruction set this CPU has.
#[inline(always)]
pub(crate) fn dispatch<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    match simd_level() {
        // SAFETY: `simd_level` returns Avx512 only when every feature `v4` enables was detected.
        SimdLevel::Avx512 => unsafe { v4(f) },
        // SAFETY: `simd_level` returns Avx2 only when AVX2 and FMA were detected.
        SimdLevel::Avx2 => unsafe { v3(f) },
        SimdLevel::Baseline => f(),
    }
    #[cfg(not(target_arch = "x86_64"))]
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(
    enable = "avx512f,avx512bw,avx512cd,avx512dq,avx512vl,avx2,avx,fma,bmi1,bmi2,lzcnt,popcnt"
)]
fn v4<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,avx,fma,bmi1,bmi2,lzcnt,popcnt")]
fn v3<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Measures this CPU's f32 fused-multiply-add throughput on one thread, in GFLOP/s:
/// the denominator of "ratio to peak" in `cargo xtask bench`.
pub fn measure_peak_gflops_f32() -> f64 {
    const CHAINS: usize = 16;
    const LANES: usize = 16;
    let iters = 2_000_000usize;
    let run = || {
        let mut acc = [[1.0f32; LANES]; CHAINS];
        let a = std::hint::black_box([0.999_999_9f32; LANES]);
        let b = std::hint::black_box([1e-7f32; LANES]);
        let t = std::time::Instant::now();
        for _ in 0..iters {
            for row in acc.iter_mut() {
                for l in 0..LANES {
                    row[l] = row[l].mul_add(a[l], b[l]);
                }
            }
        }
        std::hint::black_box(&acc);
        t.elapsed().as_secs_f64()
    };
    let lanes = match simd_level() {
        SimdLevel::Baseline => return 0.0,
        _ => LANES,
    };
    let secs = (0..3).map(|_| dispatch(run)).fold(f64::INFINITY, f64::min);
    (iters * CHAINS * lanes * 2) as f64 / secs / 1e9
}
