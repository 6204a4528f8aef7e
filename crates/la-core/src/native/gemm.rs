//! The `gemm` crate call (raw pointers) behind a safe, bounds-checked wrapper.
#![allow(unsafe_code)]

use crate::engine::Region;
use crate::{Error, Result, Scalar};

/// Below this many multiply-adds one thread is faster than waking the pool.
const PARALLEL_MIN: usize = 96 * 96 * 96;

fn check(name: &str, len: usize, r: &Region) -> Result<()> {
    if r.end() > len {
        return Err(Error::Backend {
            backend: "native".into(),
            message: format!("gemm: {name} region {r:?} exceeds a buffer of {len} elements"),
        });
    }
    Ok(())
}

/// `c := alpha a b + beta c`, with `c` not read when `beta == 0`; large products are
/// split across rayon's threads.
pub(crate) fn gemm<T: Scalar>(
    alpha: T,
    a: (&[T], Region),
    b: (&[T], Region),
    beta: T,
    c: (&mut [T], Region),
) -> Result<()> {
    run(true, alpha, a, b, beta, c)
}

/// [`gemm`] on the calling thread only, for kernels that already split their work
/// across threads (tensor-core's convolutions run one image per task). Regions are
/// checked against their slices; an out-of-bounds region is an error.
pub fn gemm_serial<T: Scalar>(
    alpha: T,
    a: (&[T], Region),
    b: (&[T], Region),
    beta: T,
    c: (&mut [T], Region),
) -> Result<()> {
    run(false, alpha, a, b, beta, c)
}

fn run<T: Scalar>(
    parallel: bool,
    alpha: T,
    a: (&[T], Region),
    b: (&[T], Region),
    beta: T,
    c: (&mut [T], Region),
) -> Result<()> {
    let (a, ra) = a;
    let (b, rb) = b;
    let (c, rc) = c;
    let (m, n, k) = (rc.m, rc.n, ra.n);
    if m == 0 || n == 0 || k == 0 {
        return Ok(()); // the caller handles k == 0 (c := beta c)
    }
    if rc.m != ra.m || rc.n != rb.n || ra.n != rb.m {
        return Err(Error::Backend {
            backend: "native".into(),
            message: format!("gemm: regions a {ra:?}, b {rb:?}, c {rc:?} do not chain"),
        });
    }
    check("a", a.len(), &ra)?;
    check("b", b.len(), &rb)?;
    check("c", c.len(), &rc)?;
    let par = if parallel && m * n * k >= PARALLEL_MIN {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    };
    let s = |x: usize| x as isize;
    // SAFETY: the three regions were checked to lie inside their slices (`check`),
    // so every element gemm touches through these pointers and strides is in
    // bounds; `c` is borrowed mutably and `a`, `b` shared, so they cannot alias.
    // gemm computes dst := alpha_g dst + beta_g lhs rhs, hence the swapped scalars.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr().add(rc.offset),
            s(rc.cs),
            s(rc.rs),
            beta != T::zero(),
            a.as_ptr().add(ra.offset),
            s(ra.cs),
            s(ra.rs),
            b.as_ptr().add(rb.offset),
            s(rb.cs),
            s(rb.rs),
            beta,
            alpha,
            false,
            false,
            false,
            par,
        );
    }
    Ok(())
}
