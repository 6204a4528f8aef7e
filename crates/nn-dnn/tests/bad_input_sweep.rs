//! The bad-input sweep of nn-dnn: blueprints that cannot be built, inputs of the wrong
//! shape, layout or batch, wrong targets and costs, damaged parameter files and mixed
//! factories (OpenCL when present), under `catch_unwind`. Any panic fails; bad input
//! must be an error.

use la_core::prelude::*;
use la_core::sweep::Sweep;
use nn_dnn::Activation;
use nn_dnn::{
    convo, dense, dropout_keep, gaussian_dropout, load, network, pooling, save, train, Blueprint,
    TrainOptions,
};
use nn_dnn::{Adam, Cost};
use tensor_core::dnn::PoolAlgo;
use tensor_core::{desc, tensor, AsTensor, DataType, Desc, TensorLayout};

fn d(shape: &[usize], layout: TensorLayout) -> Desc {
    desc(shape, DataType::Float, layout).unwrap()
}

fn blueprints() -> Vec<Blueprint<f32>> {
    vec![
        convo(4, [3, 3], Activation::Relu),
        pooling([2, 2], PoolAlgo::Max),
        dropout_keep(0.5),
        dense(3, Activation::Softmax),
    ]
}

#[test]
fn nn_dnn_bad_input_sweep() {
    let f = native_float();
    let mut s = Sweep::new("nn-dnn");
    let input = d(&[4, 1, 8, 8], TensorLayout::Nchw);
    let relu = Activation::Relu;

    // Networks that cannot be built.
    let cases: Vec<(&str, Desc, Vec<Blueprint<f32>>)> = vec![
        ("no layers", input, vec![]),
        (
            "kernel larger than the image",
            input,
            vec![convo(2, [9, 9], relu)],
        ),
        ("zero channels", input, vec![convo(0, [3, 3], relu)]),
        (
            "zero strides",
            input,
            vec![convo(2, [3, 3], relu).strides([0, 1])],
        ),
        (
            "zero dilation",
            input,
            vec![convo(2, [3, 3], relu).dilation([1, 0])],
        ),
        (
            "huge padding",
            input,
            vec![convo(2, [3, 3], relu).padding([usize::MAX, 0])],
        ),
        (
            "pooling padding ≥ window",
            input,
            vec![pooling::<f32>([2, 2], PoolAlgo::Max).padding([2, 2])],
        ),
        (
            "convolution on 2-D input",
            d(&[4, 64], TensorLayout::Nc),
            vec![convo(2, [3, 3], relu)],
        ),
        ("dense of 0", input, vec![dense(0, relu)]),
        ("dropout keep 0", input, vec![dropout_keep(0.0)]),
        ("dropout keep NaN", input, vec![dropout_keep(f32::NAN)]),
        ("dropout keep 1.5", input, vec![dropout_keep(1.5)]),
        ("gaussian sigma -1", input, vec![gaussian_dropout(-1.0)]),
        (
            "hidden softmax",
            input,
            vec![dense(4, Activation::Softmax), dense(2, relu)],
        ),
        (
            "elu with infinite alpha",
            input,
            vec![dense(4, Activation::Elu(f32::INFINITY))],
        ),
        (
            "f64 input on f32",
            desc([4, 1, 8, 8], DataType::Double, TensorLayout::Nchw).unwrap(),
            vec![dense(2, relu)],
        ),
        (
            "huge convolution",
            d(&[1 << 20, 1, 1 << 12, 1 << 12], TensorLayout::Nchw),
            vec![convo(1 << 10, [3, 3], relu)],
        ),
    ];
    for (name, dsc, bp) in &cases {
        s.rejects(format!("network({name})"), || {
            network(&f, *dsc, bp).map(drop)
        });
    }

    // Running a network on wrong inputs and targets.
    let mut net = network(&f, input, &blueprints()).unwrap();
    s.no_panic("set_optimizer(Adam)", || net.set_optimizer(Adam::default()));
    let x = tensor(&f, input).unwrap();
    let y = tensor(&f, d(&[4, 3], TensorLayout::Nc)).unwrap();
    for (name, dx) in [
        (
            "8x1x8x8 (more than the batch)",
            d(&[8, 1, 8, 8], TensorLayout::Nchw),
        ),
        ("4x1x8x7", d(&[4, 1, 8, 7], TensorLayout::Nchw)),
        ("4x2x8x8", d(&[4, 2, 8, 8], TensorLayout::Nchw)),
        ("4x64 (nc)", d(&[4, 64], TensorLayout::Nc)),
    ] {
        let xb = tensor(&f, dx).unwrap();
        s.rejects(format!("forward({name})"), || {
            net.forward(&xb).map(|v| v.desc())
        });
    }
    s.no_panic("forward(2 of 4 samples)", || {
        net.forward(&tensor(&f, d(&[2, 1, 8, 8], TensorLayout::Nchw)).unwrap())
            .map(|v| v.desc())
    });
    s.no_panic("infer(9 samples, batch 4)", || {
        net.infer(&tensor(&f, d(&[9, 1, 8, 8], TensorLayout::Nchw)).unwrap())
            .map(drop)
    });
    for (name, dy) in [
        ("4x2", d(&[4, 2], TensorLayout::Nc)),
        ("3x3", d(&[3, 3], TensorLayout::Nc)),
    ] {
        let yb = tensor(&f, dy).unwrap();
        s.rejects(format!("forward_backward(y {name})"), || {
            net.forward_backward(&x, &yb, Cost::SoftmaxCrossEntropy)
        });
    }
    s.rejects(
        "forward_backward(sigmoid cross-entropy on a softmax output)",
        || net.forward_backward(&x, &y, Cost::SigmoidCrossEntropy),
    );
    let nan = tensor_core::tensor_from(&f, input, &vec![f32::NAN; 256]).unwrap();
    s.no_panic("forward_backward(NaN x)", || {
        net.forward_backward(&nan, &y, Cost::SoftmaxCrossEntropy)
    });
    let mut opts = TrainOptions::new(1, 0.01);
    s.rejects("train(x of 4, y of 8 samples)", || {
        train(
            &mut net,
            &x,
            &tensor(&f, d(&[8, 3], TensorLayout::Nc)).unwrap(),
            Cost::SoftmaxCrossEntropy,
            &opts,
            |_, _| Ok(()),
        )
    });
    // (fewer samples than the batch: one smaller mini-batch, as documented)
    s.no_panic("train(2 samples for batch 4)", || {
        train(
            &mut net,
            &tensor(&f, d(&[2, 1, 8, 8], TensorLayout::Nchw)).unwrap(),
            &tensor(&f, d(&[2, 3], TensorLayout::Nc)).unwrap(),
            Cost::SoftmaxCrossEntropy,
            &opts,
            |_, _| Ok(()),
        )
    });
    opts.learning_rate = f32::NAN;
    s.rejects("train(learning rate NaN)", || {
        train(
            &mut net,
            &x,
            &y,
            Cost::SoftmaxCrossEntropy,
            &opts,
            |_, _| Ok(()),
        )
    });

    // Files.
    let dir = std::env::temp_dir().join(format!("dlfp-nn-dnn-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.safetensors");
    save(&net, &good).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    for (name, b) in [
        ("empty", vec![]),
        ("truncated", bytes[..bytes.len() / 2].to_vec()),
        ("garbage", vec![7u8; 100]),
    ] {
        let p = dir.join(format!("{name}.safetensors"));
        std::fs::write(&p, b).unwrap();
        s.rejects(format!("load({name})"), || load(&mut net, &p));
    }
    let mut other = network(&f, input, &[dense(3, Activation::Softmax)]).unwrap();
    s.rejects("load(another architecture)", || load(&mut other, &good));
    s.rejects("load(missing)", || {
        load(&mut other, dir.join("missing.safetensors"))
    });
    std::fs::remove_dir_all(&dir).ok();

    // Mixed factories.
    if let Some(cl) = la_opencl::test_factory::<f32>() {
        let xcl = tensor(&cl, input).unwrap();
        s.rejects("forward(opencl x on a native network)", || {
            net.forward(&xcl).map(|v| v.desc())
        });
        let ycl = tensor(&cl, d(&[4, 3], TensorLayout::Nc)).unwrap();
        s.rejects("forward_backward(opencl y)", || {
            net.forward_backward(&x, &ycl, Cost::SoftmaxCrossEntropy)
        });
    }
    s.finish();
}
