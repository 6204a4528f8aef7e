//! The optimizer update ([`DnnFactory::update`]) against an f64 reference of each rule.

use la_core::conformance::{data, f64s, ts};
use la_core::prelude::*;

use crate::dnn::Update;
use crate::optimizer::{Adam, GradientDescent, Momentum, Nesterov, Optimizer, RmsProp};
use crate::DnnFactory;

/// One step of `opt` on `p` in f64, written from the optimizers' formulas (not from
/// the code under test): `g' = g + λp` when `decay`.
fn reference_step(
    opt: &Optimizer<f64>,
    (lr, t, decay): (f64, usize, bool),
    p: &mut [f64],
    g: &[f64],
    s: &mut [Vec<f64>; 2],
) {
    let [s0, s1] = s;
    let wd = if decay { opt.weight_decay() } else { 0.0 };
    for k in 0..p.len() {
        let g = g[k] + wd * p[k];
        match opt {
            Optimizer::Momentum(o) => {
                s0[k] = o.mu * s0[k] - lr * g;
                p[k] += s0[k];
            }
            Optimizer::Nesterov(o) => {
                s0[k] = o.mu * s0[k] - lr * g;
                p[k] += o.mu * s0[k] - lr * g;
            }
            Optimizer::Adam(o) => {
                s0[k] = o.beta1 * s0[k] + (1.0 - o.beta1) * g;
                s1[k] = o.beta2 * s1[k] + (1.0 - o.beta2) * g * g;
                let m = s0[k] / (1.0 - o.beta1.powi(t as i32));
                let v = s1[k] / (1.0 - o.beta2.powi(t as i32));
                p[k] -= lr * m / (v.sqrt() + o.epsilon);
            }
            Optimizer::RmsProp(o) => {
                s0[k] = o.rho * s0[k] + (1.0 - o.rho) * g * g;
                p[k] -= lr * g / (s0[k].sqrt() + o.epsilon);
            }
            _ => p[k] -= lr * g,
        }
    }
}

/// The five optimizers with weight decay, in `T` and in f64.
fn optimizers<T: Scalar>() -> Vec<(Optimizer<T>, Optimizer<f64>)> {
    let both = |a: fn(f64) -> Optimizer<f64>| {
        let o64 = a(0.01);
        let o = match o64 {
            Optimizer::GradientDescent(_) => GradientDescent {
                weight_decay: T::of(0.01),
            }
            .into(),
            Optimizer::Momentum(o) => Momentum {
                mu: T::of(o.mu),
                weight_decay: T::of(0.01),
            }
            .into(),
            Optimizer::Nesterov(o) => Nesterov {
                mu: T::of(o.mu),
                weight_decay: T::of(0.01),
            }
            .into(),
            Optimizer::Adam(o) => Adam {
                beta1: T::of(o.beta1),
                beta2: T::of(o.beta2),
                epsilon: T::of(o.epsilon),
                weight_decay: T::of(0.01),
            }
            .into(),
            _ => RmsProp {
                rho: T::of(0.8),
                epsilon: T::of(1e-8),
                weight_decay: T::of(0.01),
            }
            .into(),
        };
        (o, o64)
    };
    vec![
        both(|wd| GradientDescent { weight_decay: wd }.into()),
        both(|wd| {
            Momentum {
                mu: 0.9,
                weight_decay: wd,
            }
            .into()
        }),
        both(|wd| {
            Nesterov {
                mu: 0.8,
                weight_decay: wd,
            }
            .into()
        }),
        both(|wd| {
            Adam {
                beta1: 0.9,
                beta2: 0.99,
                epsilon: 1e-8,
                weight_decay: wd,
            }
            .into()
        }),
        both(|wd| {
            RmsProp {
                rho: 0.8,
                epsilon: 1e-8,
                weight_decay: wd,
            }
            .into()
        }),
    ]
}

/// Three steps of every optimizer, with and without weight decay, on a parameter of
/// 37 elements (and on an empty one) through `dnn`, against a reference step in f64:
/// within `64 ε (1 + |p|)`. Then the errors: a negative or NaN learning rate, the
/// wrong number of state buffers, mismatched lengths.
pub fn optimizer_updates_on<T: Scalar>(dnn: &DnnFactory<T>) {
    let f = dnn.la();
    let n = 37;
    let p0 = f64s(&ts::<T>(&data(n, 61)));
    let grads: Vec<Vec<f64>> = (0..3).map(|k| f64s(&ts::<T>(&data(n, 62 + k)))).collect();
    let lr = 0.05;
    let tol = 64.0 * T::epsilon().as_f64();
    for (opt, opt64) in optimizers::<T>() {
        for decay in [false, true] {
            let mut p = f.vctr_from(&ts::<T>(&p0)).unwrap();
            let mut s: Vec<Vector<T>> = (0..opt.state_buffers())
                .map(|_| f.vctr(n).unwrap())
                .collect();
            let (mut rp, mut rs) = (p0.clone(), [vec![0.0; n], vec![0.0; n]]);
            for (i, g64) in grads.iter().enumerate() {
                let t = i + 1;
                let mut g = f.vctr_from(&ts::<T>(g64)).unwrap();
                let step = Update {
                    optimizer: opt,
                    lr: T::of(lr),
                    t,
                    decay,
                };
                dnn.update(&step, &mut p, &mut g, &mut s)
                    .unwrap_or_else(|e| panic!("{opt:?} step {t}: {e}"));
                reference_step(&opt64, (lr, t, decay), &mut rp, g64, &mut rs);
            }
            let got = f64s(&p.to_vec().unwrap());
            for (k, (a, b)) in got.iter().zip(&rp).enumerate() {
                assert!(
                    (a - b).abs() <= tol * (1.0 + b.abs()),
                    "{} on {opt:?}, decay {decay}: p[{k}] = {a}, f64 reference {b}",
                    dnn.dnn_name(),
                );
            }
        }
    }
    // An empty parameter is a no-op.
    let (mut e, mut ge) = (f.vctr(0).unwrap(), f.vctr(0).unwrap());
    let adam = Update {
        optimizer: Adam::default().into(),
        lr: T::of(lr),
        t: 1,
        decay: true,
    };
    let mut es = [f.vctr(0).unwrap(), f.vctr(0).unwrap()];
    dnn.update(&adam, &mut e, &mut ge, &mut es).unwrap();
    // Errors name the problem.
    let mut p = f.vctr_from(&ts::<T>(&p0)).unwrap();
    let mut g = f.vctr_from(&ts::<T>(&grads[0])).unwrap();
    let mut s2 = [f.vctr(n).unwrap(), f.vctr(n).unwrap()];
    let before = p.to_vec().unwrap();
    for bad in [-1.0, f64::NAN] {
        let step = Update {
            lr: T::of(bad),
            ..adam
        };
        let err = dnn.update(&step, &mut p, &mut g, &mut s2).unwrap_err();
        assert!(err.to_string().contains("learning rate"), "{err}");
    }
    let err = dnn
        .update(&adam, &mut p, &mut g, &mut s2[..1])
        .unwrap_err()
        .to_string();
    assert!(err.contains("1 state buffers were given"), "{err}");
    let mut short = f.vctr(n - 1).unwrap();
    let err = dnn
        .update(&adam, &mut p, &mut short, &mut s2)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the gradient has 36 elements, the parameter 37"),
        "{err}"
    );
    let mut s_short = [f.vctr(n).unwrap(), f.vctr(n - 1).unwrap()];
    let err = dnn
        .update(&adam, &mut p, &mut g, &mut s_short)
        .unwrap_err()
        .to_string();
    assert!(err.contains("a state buffer has 36 elements"), "{err}");
    assert_eq!(p.to_vec().unwrap(), before, "a failed update changed p");
}
