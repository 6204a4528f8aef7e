//! A whole network trained on oneDNN's DNN factory (`tensor_dnnl::dnnl_float`) against
//! the same run on native. Prints `SKIP` without oneDNN (`DLFP_REQUIRE_DNNL=1` fails
//! instead).

use la_core::prelude::*;
use nn_dnn::{convo, dense, network, pooling, train, Activation, Adam, Cost, Init, TrainOptions};
use tensor_core::dnn::PoolAlgo;
use tensor_core::{desc, tensor_from, AsTensor, DataType, DnnFactory, TensorLayout};

fn values(seed: u64, n: usize) -> Vec<f32> {
    let f = native_float();
    let mut v = f.vctr(n).unwrap();
    rand_uniform(&mut seeded_rng(seed), &mut v).unwrap();
    v.to_vec().unwrap().iter().map(|x| 2.0 * x - 1.0).collect()
}

/// Relative to the larger values' scale: f32 sums of up to a few thousand products.
fn close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}");
    let scale = want.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 2e-5 * scale * (1.0 + (want.len() as f32).log10()),
            "{what}[{i}]: dnnl {g} vs native {w} (scale {scale})"
        );
    }
}

#[test]
fn a_cnn_trains_on_dnnl_as_on_native() {
    let Some(dnnl) = tensor_dnnl::test_factory() else {
        return;
    };
    let fac = native_float();
    let input = desc([16, 1, 10, 10], DataType::Float, TensorLayout::Nchw).unwrap();
    let layers = [
        convo(4, [3, 3], Activation::Relu),
        convo(6, [3, 3], Activation::Relu).padding([1, 1]),
        pooling([2, 2], PoolAlgo::Max),
        dense(3, Activation::Softmax),
    ];
    let n = 48;
    let xs = values(7, n * 100);
    let labels: Vec<f32> = (0..n * 3)
        .map(|i| if i % 3 == (i / 3) % 3 { 1.0 } else { 0.0 })
        .collect();
    let x = tensor_from(
        &fac,
        desc([n, 1, 10, 10], DataType::Float, TensorLayout::Nchw).unwrap(),
        &xs,
    )
    .unwrap();
    let y = tensor_from(
        &fac,
        desc([n, 3], DataType::Float, TensorLayout::Nc).unwrap(),
        &labels,
    )
    .unwrap();
    let mut costs = vec![];
    for dnn in [dnnl, DnnFactory::new(&fac)] {
        let mut net = network(dnn, input, &layers).unwrap();
        net.init(&mut seeded_rng(3), Init::He).unwrap();
        net.set_optimizer(Adam::default()).unwrap();
        let c = train(
            &mut net,
            &x,
            &y,
            Cost::SoftmaxCrossEntropy,
            &TrainOptions::new(8, 0.01),
            |_, _| Ok(()),
        )
        .unwrap();
        costs.push((
            c,
            net.forward(&x.subtensor(0, 0, 16).unwrap())
                .unwrap()
                .to_vec()
                .unwrap(),
        ));
    }
    let ((c_dnnl, out_dnnl), (c_native, out_native)) = (&costs[0], &costs[1]);
    assert!(c_dnnl[7] < c_dnnl[0], "{c_dnnl:?}");
    for (a, b) in c_dnnl.iter().zip(c_native) {
        assert!(
            (a - b).abs() <= 1e-3 * b.abs().max(1.0),
            "{c_dnnl:?} vs {c_native:?}"
        );
    }
    close("outputs after training", out_dnnl, out_native);
}
