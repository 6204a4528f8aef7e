//! The GPU chapter's claim: the same network prints `0.44 0.44` on every factory.

use chapters::{this_particular_network, two_decimals};
use la_core::prelude::*;

#[test]
fn this_particular_network_on_native_factories() {
    assert_eq!(
        two_decimals(&this_particular_network(&native_double()).unwrap()),
        "0.44 0.44"
    );
    assert_eq!(
        two_decimals(&this_particular_network(&native_float()).unwrap()),
        "0.44 0.44"
    );
    // And the unrounded value against an f64 computation by hand: sigmoid(w2·tanh(w1 x - b1) - b2).
    let h: Vec<f64> = [0.63 - 0.7, 1.83 - 0.2, 3.6 - 1.1, 0.9 - 2.0]
        .iter()
        .map(|v: &f64| v.tanh())
        .collect();
    let z = 0.75 * h[0] + 0.15 * h[1] + 0.22 * h[2] + 0.33 * h[3] - 0.3;
    let want = 1.0 / (1.0 + (-z).exp());
    let got = this_particular_network(&native_double()).unwrap();
    assert!(
        (got[0] - want).abs() < 1e-12 && (got[1] - want).abs() < 1e-12,
        "{got:?} vs {want}"
    );
}

#[test]
fn this_particular_network_on_cuda_float() {
    let Some(gpu) = la_cuda::test_factory::<f32>() else {
        return;
    };
    let y = this_particular_network(&gpu).unwrap();
    assert_eq!(two_decimals(&y), "0.44 0.44");
    let cpu = this_particular_network(&native_float()).unwrap();
    for (a, b) in y.iter().zip(&cpu) {
        assert!((a - b).abs() <= 4.0 * f32::EPSILON, "{y:?} vs {cpu:?}");
    }
}

#[test]
fn this_particular_network_on_opencl_float() {
    let Some(gpu) = la_opencl::test_factory::<f32>() else {
        return;
    };
    let y = this_particular_network(&gpu).unwrap();
    assert_eq!(two_decimals(&y), "0.44 0.44");
    let cpu = this_particular_network(&native_float()).unwrap();
    for (a, b) in y.iter().zip(&cpu) {
        assert!(
            (a - b).abs() <= 4.0 * f32::EPSILON,
            "opencl {a} vs native {b}"
        );
    }
}

#[test]
fn mixing_factories_is_an_error_and_transfer_moves_data() {
    let Some(gpu) = la_opencl::test_factory::<f32>() else {
        return;
    };
    let host = fv(&[1.0, 2.0, 3.0]);
    let device = host.transfer(&gpu).unwrap();
    let err = dot(&host, &device).unwrap_err();
    assert!(
        matches!(err, Error::MixedFactories { op: "dot", .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("native-float") && err.to_string().contains("opencl-float"),
        "{err}"
    );
    let doubled = scal(2.0, &device).unwrap();
    let mut back = native_float().vctr(3).unwrap();
    transfer_into(&doubled, &mut back).unwrap();
    assert_eq!(back.to_vec().unwrap(), vec![2.0, 4.0, 6.0]);
    // Matrices keep their layout across factories.
    let a = fge(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], Layout::RowMajor).unwrap();
    let d = a.transfer(&gpu).unwrap();
    assert_eq!(d.layout(), Layout::RowMajor);
    assert_eq!(
        d.transfer(&native_float()).unwrap().to_vec().unwrap(),
        a.to_vec().unwrap()
    );
}
