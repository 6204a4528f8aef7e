//! Part VII, "Convolutional layers on the CPU" (and "… with DNNL"): the Fashion-MNIST
//! network built from an input descriptor, every layer's shape inferred and printed,
//! one inference, and the time of a training step at batch 128 on the native kernels
//! and on oneDNN (when installed) — the same network code on both factories.

use la_core::prelude::*;
use nn_dnn::network;
use nn_inference::Init;
use nn_train::{Adam, Cost};
use tensor_core::{desc, tensor_from, AsTensor, DataType, DnnFactory, TensorLayout};

fn main() -> std::result::Result<(), nn_train::Error> {
    chapters::heading("Part VII", "Convolutional layers on the CPU");
    let fac = native_float();
    // (network (desc [128 1 28 28] :float :nchw)
    //          [(convo [32] [3 3] :relu) (convo [64] [3 3] :relu) (pooling [2 2] :max)
    //           (dropout) (dense [128] :relu) (dropout) (dense [10] :softmax)])
    let input = desc([128, 1, 28, 28], DataType::Float, TensorLayout::Nchw)?;
    let blueprints = chapters::cnn::CnnConfig::deep_diamond().blueprints();
    let mut v = fac.vctr(input.size())?;
    rand_uniform(&mut seeded_rng(2), &mut v)?;
    let x = tensor_from(&fac, input, &v.to_vec()?)?;
    let labels: Vec<f32> = (0..1280)
        .map(|i| if i % 10 == (i / 10) % 10 { 1.0 } else { 0.0 })
        .collect();
    let y = tensor_from(
        &fac,
        desc([128, 10], DataType::Float, TensorLayout::Nc)?,
        &labels,
    )?;
    let mut factories = vec![DnnFactory::new(&fac)];
    match tensor_dnnl::dnnl_float(&fac) {
        Ok(d) => factories.push(d),
        Err(e) => println!("(DNNL: SKIP: {e})\n"),
    }
    for (k, dnn) in factories.into_iter().enumerate() {
        let name = dnn.dnn_name();
        let mut net = network(dnn, input, &blueprints)?;
        net.init(&mut seeded_rng(1), Init::He)?;
        net.set_optimizer(Adam::default())?;
        if k == 0 {
            println!("{net}\n");
            let out = net.forward(&x)?;
            let first: Vec<f32> = out.subtensor(0, 0, 1)?.to_vec()?;
            println!(
                "(net x): {} — the first image's class probabilities sum to {:.4}",
                out.desc(),
                first.iter().sum::<f32>()
            );
        }
        for _ in 0..3 {
            net.train_step(&x, &y, Cost::SoftmaxCrossEntropy, 0.001)?;
        }
        let steps = 10;
        let t = std::time::Instant::now();
        let mut cost = 0.0;
        for _ in 0..steps {
            cost = net.train_step(&x, &y, Cost::SoftmaxCrossEntropy, 0.001)?;
        }
        println!(
            "{name}: training step, batch 128: {:.1} ms (cost {cost:.4} after {} steps)",
            t.elapsed().as_secs_f64() / steps as f64 * 1e3,
            steps + 3
        );
    }
    Ok(())
}
