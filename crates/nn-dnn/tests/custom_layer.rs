//! A layer of the user's own inside a network (`custom`): a learned gain per feature
//! with a scaled tanh, `y = a · tanh(g ⊙ x)`, written against the public `Layer`
//! trait with la-core operations only. Its gradients are checked against f64 central
//! finite differences inside a CNN, it trains beside built-in layers, saves and loads
//! with them, and the network rejects a user layer that breaks its contract and options
//! a blueprint does not take.

mod common;

use common::{params, set_param, values};
use la_core::prelude::*;
use nn_dnn::{
    convo, custom, dense, dropout, network, pooling, Activation, Blueprint, Cost, Init, Layer,
    Param, ParamValues, Result, TrainOptions,
};
use tensor_core::dnn::PoolAlgo;
use tensor_core::{
    desc, tensor_from, AsTensor, AsTensorMut, DataType, Desc, DnnFactory, TensorLayout, TensorView,
    TensorViewMut,
};

/// `y = a · tanh(g ⊙ x)` with one gain per feature (broadcast over the batch) and a
/// fixed scale `a`.
#[derive(Debug)]
struct ScaledTanhGain<T: Scalar> {
    out: Desc,
    scale: T,
    gain: Vector<T>,
    grad: Vector<T>,
    shape: [usize; 1],
    /// Scratch for the backward pass, `features x batch`.
    z: Matrix<T>,
}

impl<T: Scalar> ScaledTanhGain<T> {
    fn blueprint(scale: f64) -> Blueprint<T> {
        custom("scaled_tanh_gain", move |f: &Factory<T>, below: &Desc| {
            let features: usize = below.shape()[1..].iter().product();
            let mut gain = f.vctr(features)?;
            fill(&mut gain, T::one())?;
            Ok(Box::new(ScaledTanhGain {
                out: *below,
                scale: T::of(scale),
                gain,
                grad: f.vctr(features)?,
                shape: [features],
                z: f.ge(features, below.shape()[0], Layout::ColumnMajor)?,
            }) as Box<dyn Layer<T>>)
        })
    }
}

impl<T: Scalar> Layer<T> for ScaledTanhGain<T> {
    fn kind(&self) -> &'static str {
        "scaled_tanh_gain"
    }

    fn output_desc(&self) -> Desc {
        self.out
    }

    fn forward(
        &mut self,
        _dnn: &DnnFactory<T>,
        x: &TensorView<'_, T>,
        y: &mut TensorViewMut<'_, T>,
        _training: bool,
    ) -> Result<()> {
        // samples as columns: `features x n`
        let xm = x.view_mat()?;
        let mut ym = y.view_mat_mut()?;
        for j in 0..xm.ncols() {
            mul_into(&self.gain, &xm.col(j)?, &mut ym.col_mut(j)?)?;
        }
        let mut yv = y.view_vctr_mut()?;
        tanh_inplace(&mut yv)?;
        scal_inplace(self.scale, &mut yv)?;
        Ok(())
    }

    fn backward(
        &mut self,
        _dnn: &DnnFactory<T>,
        x: &TensorView<'_, T>,
        y: &TensorView<'_, T>,
        dy: &mut TensorViewMut<'_, T>,
        dx: Option<&mut TensorViewMut<'_, T>>,
        _pre_activation: bool,
    ) -> Result<()> {
        let (xm, ym) = (x.view_mat()?, y.view_mat()?);
        let (rows, n) = (xm.mrows(), xm.ncols());
        // dz = dy ⊙ a (1 - tanh²) = dy ⊙ (a - y²/a), in the layer's scratch
        let mut dz = self.z.submatrix_mut(0, 0, rows, n)?;
        copy_into(&ym, &mut dz)?;
        let mut dzv = dz.view_vctr_mut()?;
        sqr_inplace(&mut dzv)?;
        linear_frac_inplace(
            -T::one() / self.scale,
            &mut dzv,
            self.scale,
            T::zero(),
            T::one(),
        )?;
        mul_inplace(&mut dzv, &dy.view_vctr()?)?;
        if let Some(dx) = dx {
            // dx = dz ⊙ g, column by column
            let mut dxm = dx.view_mat_mut()?;
            for j in 0..n {
                mul_into(&self.gain, &dz.col(j)?, &mut dxm.col_mut(j)?)?;
            }
        }
        // ∂C/∂g = Σ_samples dz ⊙ x / n (dy carries the n of the mean cost)
        mul_inplace(&mut dz.view_vctr_mut()?, &xm.view_vctr()?)?;
        fill(&mut self.grad, T::zero())?;
        let inv_n = T::one() / T::of(n as f64);
        for j in 0..n {
            axpy_into(inv_n, &dz.col(j)?, &mut self.grad)?;
        }
        Ok(())
    }

    fn params(&mut self, visit: &mut dyn FnMut(Param<'_, T>) -> Result<()>) -> Result<()> {
        visit(Param {
            value: &mut self.gain,
            grad: &mut self.grad,
            decay: false,
            shape: &self.shape,
            name: "gain",
        })
    }

    fn param_values(&self, visit: &mut ParamValues<'_, T>) -> Result<()> {
        visit(&self.gain, &self.shape, "gain")
    }

    fn param_count(&self) -> usize {
        self.gain.dim()
    }
}

/// The user's layer between a convolution and dense layers: every gradient entry
/// of every parameter (the user layer's gains included, and the convolution's,
/// whose error passes through the user layer's `dx`) against f64 central differences.
#[test]
fn a_user_layer_is_gradient_checked_inside_a_cnn() {
    let f = native_double();
    let xd = desc([3, 1, 5, 5], DataType::Double, TensorLayout::Nchw).unwrap();
    let mut net = network(
        &f,
        xd,
        &[
            convo(2, [2, 2], Activation::Tanh),
            ScaledTanhGain::blueprint(1.7),
            dense(3, Activation::Softmax),
        ],
    )
    .unwrap();
    net.init(&mut seeded_rng(5), Init::Glorot).unwrap();
    // gains away from 1, so that a wrong `g` in dx or in the gradient shows
    let gains: Vec<f64> = values(9, 32).iter().map(|v| 1.0 + 0.5 * v).collect();
    set_param(&mut net, 2, &gains);
    let x = tensor_from(&f, xd, &values(3, xd.size())).unwrap();
    let yd = net.output_desc();
    let mut yv = vec![0.0; yd.size()];
    for s in 0..3 {
        yv[s * 3 + s] = 1.0;
    }
    let y = tensor_from(&f, yd, &yv).unwrap();
    let cost = Cost::SoftmaxCrossEntropy;
    net.forward_backward(&x, &y, cost).unwrap();
    let (grads, base) = (params(&mut net, true), params(&mut net, false));
    assert_eq!(grads.len(), 5, "convo weight/bias, gain, dense weight/bias");
    let h = 1e-6;
    for (p, (g, v)) in grads.iter().zip(&base).enumerate() {
        for i in 0..v.len() {
            let mut w = v.clone();
            w[i] = v[i] + h;
            set_param(&mut net, p, &w);
            let cp = net.forward_backward(&x, &y, cost).unwrap();
            w[i] = v[i] - h;
            set_param(&mut net, p, &w);
            let cm = net.forward_backward(&x, &y, cost).unwrap();
            set_param(&mut net, p, v);
            let fd = (cp - cm) / (2.0 * h);
            assert!(
                (fd - g[i]).abs() <= 1e-7 * (1.0 + fd.abs()),
                "parameter {p} entry {i}: finite difference {fd} vs backward {}",
                g[i]
            );
        }
    }
}

/// The user's layer trains with built-in ones (`train`, Adam, dropout before it) on a
/// task that needs its gains: the target is a weighted sum the gains can match, and
/// the network's summary, saving and loading treat it like any layer.
#[test]
fn a_user_layer_trains_saves_and_loads_inside_a_network() {
    let f = native_float();
    let xd = desc([16, 4], DataType::Float, TensorLayout::Nc).unwrap();
    let layers = [
        ScaledTanhGain::blueprint(2.0),
        dropout(),
        dense(1, Activation::Linear),
    ];
    let mut net = network(&f, xd, &layers).unwrap();
    net.init(&mut seeded_rng(2), Init::Glorot).unwrap();
    net.set_optimizer(nn_dnn::Adam::default()).unwrap();
    let n = 64;
    let xs: Vec<f32> = values(11, n * 4).iter().map(|v| *v as f32).collect();
    let ys: Vec<f32> = xs
        .chunks(4)
        .map(|s| 2.0 * (0.5 * s[0]).tanh() - 2.0 * (1.5 * s[2]).tanh())
        .collect();
    let x = tensor_from(
        &f,
        desc([n, 4], DataType::Float, TensorLayout::Nc).unwrap(),
        &xs,
    )
    .unwrap();
    let y = tensor_from(
        &f,
        desc([n, 1], DataType::Float, TensorLayout::Nc).unwrap(),
        &ys,
    )
    .unwrap();
    let costs = nn_dnn::train(
        &mut net,
        &x,
        &y,
        Cost::Quadratic,
        &TrainOptions::new(150, 0.01),
        |_, _| Ok(()),
    )
    .unwrap();
    assert!(
        costs[149] < 0.2 * costs[0],
        "the cost went from {} to {}",
        costs[0],
        costs[149]
    );
    let summary = net.to_string();
    assert!(summary.contains("scaled_tanh_gain"), "{summary}");
    assert_eq!(net.param_count(), 4 + 4 + 1);

    let path =
        std::env::temp_dir().join(format!("nn_dnn_custom_{}.safetensors", std::process::id()));
    nn_dnn::save(&net, &path).unwrap();
    let mut copy = network(&f, xd, &layers).unwrap();
    nn_dnn::load(&mut copy, &path).unwrap();
    std::fs::remove_file(&path).ok();
    let xb = x.subtensor(0, 0, 16).unwrap();
    let want = net.forward(&xb).unwrap().to_vec().unwrap();
    assert_eq!(copy.forward(&xb).unwrap().to_vec().unwrap(), want);
}

/// A user layer whose output drops the batch dimension, or changes the element type,
/// is refused when the network is built, naming the layer.
#[test]
fn a_user_layer_that_breaks_the_batch_is_refused() {
    let f = native_float();
    let xd = desc([8, 6], DataType::Float, TensorLayout::Nc).unwrap();
    let flat = custom("flattener", |f: &Factory<f32>, below: &Desc| {
        let out = desc([below.size()], DataType::Float, TensorLayout::X)?;
        Ok(Box::new(ScaledTanhGain {
            out,
            scale: 1.0,
            gain: f.vctr(1)?,
            grad: f.vctr(1)?,
            shape: [1],
            z: f.ge(1, 1, Layout::ColumnMajor)?,
        }) as Box<dyn Layer<f32>>)
    });
    let e = network(&f, xd, &[dense(3, Activation::Tanh), flat])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("layer 1 (flattener)") && e.contains("dimension 0 must stay the batch, 8"),
        "{e}"
    );
    let failing = custom("failing", |_: &Factory<f32>, _: &Desc| {
        Err(nn_dnn::Error::from(la_core::Error::Precondition {
            op: "failing",
            problems: vec!["always".into()],
        }))
    });
    let e = network(&f, xd, &[failing]).unwrap_err().to_string();
    assert!(e.contains("always"), "{e}");
}

/// An option its layer does not take is an error from `network`, naming the layer
/// and the option (it used to be ignored).
#[test]
fn options_a_layer_does_not_take_are_errors() {
    let f = native_float();
    let xd = desc([2, 1, 6, 6], DataType::Float, TensorLayout::Nchw).unwrap();
    let cases: Vec<(Blueprint<f32>, &str)> = vec![
        (
            dense(3, Activation::Relu).strides([2, 2]),
            "layer 1 (dense) takes no strides",
        ),
        (
            dense(3, Activation::Relu).padding([1, 1]),
            "layer 1 (dense) takes no padding",
        ),
        (
            dropout().dilation([2, 2]),
            "layer 1 (dropout) takes no dilation",
        ),
        (
            pooling([2, 2], PoolAlgo::Max).dilation([2, 2]),
            "layer 1 (pooling) takes no dilation",
        ),
        (
            ScaledTanhGain::blueprint(1.0).strides([2, 2]),
            "layer 1 (scaled_tanh_gain) takes no strides",
        ),
    ];
    for (bp, want) in cases {
        let e = network(&f, xd, &[convo(2, [3, 3], Activation::Relu), bp])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(want) && e.starts_with("network"),
            "{e} (want {want})"
        );
    }
    // the options a layer does take still build
    network(
        &f,
        xd,
        &[
            convo(2, [3, 3], Activation::Relu)
                .strides([1, 1])
                .padding([1, 1])
                .dilation([1, 1]),
            pooling([2, 2], PoolAlgo::Max)
                .strides([2, 2])
                .padding([0, 0]),
        ],
    )
    .unwrap();
}
