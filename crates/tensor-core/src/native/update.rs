//! The fused optimizer update on host memory: one pass over a parameter, its gradient
//! and its state, split across threads for large parameters.

use la_core::Scalar;

use crate::optimizer::FusedUpdate;

/// Elements below which one thread does the whole update.
const PAR_MIN: usize = 1 << 15;

/// `k` over `p`, `g` and the states that the rule keeps (all of `p`'s length).
pub(crate) fn run<T: Scalar>(
    k: &FusedUpdate<T>,
    p: &mut [T],
    g: &[T],
    s0: Option<&mut [T]>,
    s1: Option<&mut [T]>,
) {
    if p.len() >= PAR_MIN {
        let h = p.len() / 2;
        let (p0, p1) = p.split_at_mut(h);
        let (g0, g1) = g.split_at(h);
        let (a0, a1) = split(s0, h);
        let (b0, b1) = split(s1, h);
        rayon::join(|| run(k, p0, g0, a0, b0), || run(k, p1, g1, a1, b1));
        return;
    }
    let (mut d0, mut d1) = (T::zero(), T::zero());
    match (s0, s1) {
        (None, _) => {
            for (p, g) in p.iter_mut().zip(g) {
                k.apply(p, *g, &mut d0, &mut d1);
            }
        }
        (Some(s0), None) => {
            for ((p, g), s0) in p.iter_mut().zip(g).zip(s0) {
                k.apply(p, *g, s0, &mut d1);
            }
        }
        (Some(s0), Some(s1)) => {
            for (((p, g), s0), s1) in p.iter_mut().zip(g).zip(s0).zip(s1) {
                k.apply(p, *g, s0, s1);
            }
        }
    }
}

fn split<T>(s: Option<&mut [T]>, at: usize) -> (Option<&mut [T]>, Option<&mut [T]>) {
    match s {
        Some(s) => {
            let (a, b) = s.split_at_mut(at);
            (Some(a), Some(b))
        }
        None => (None, None),
    }
}
