//! What the f64 gradient checks share: random values, and every parameter of a
//! network read and written through the public `Layer::params` visitor.
#![allow(dead_code)] // each test binary uses its part

use la_core::prelude::*;
use nn_dnn::{Network, Param};

/// `n` values uniform in `[-1, 1)` from `seed`.
pub fn values(seed: u64, n: usize) -> Vec<f64> {
    let mut rng = seeded_rng(seed);
    let f = native_double();
    let mut v = f.vctr(n).unwrap();
    rand_uniform_range(&mut rng, -1.0, 1.0, &mut v).unwrap();
    v.to_vec().unwrap()
}

/// Every parameter's flat values (layer by layer).
pub fn params(net: &mut Network<f64>, grads: bool) -> Vec<Vec<f64>> {
    let mut out = vec![];
    for l in net.layers_mut() {
        l.params(&mut |p: Param<'_, f64>| {
            out.push(if grads {
                p.grad.to_vec()?
            } else {
                p.value.to_vec()?
            });
            Ok(())
        })
        .unwrap();
    }
    out
}

pub fn set_param(net: &mut Network<f64>, which: usize, values: &[f64]) {
    let mut k = 0;
    for l in net.layers_mut() {
        l.params(&mut |p: Param<'_, f64>| {
            if k == which {
                p.value.set_from(values)?;
            }
            k += 1;
            Ok(())
        })
        .unwrap();
    }
}
