//! The book's regression task (Part IV, "Learning a known function"): its data and
//! its network, for the chapters, the benchmarks and the tests.

use la_core::prelude::*;
use nn_core::{precondition, Activation, Init, Result};
use nn_inference::{fully_connected, inference_network, InferenceNetwork};

/// The book's regression data: `x` uniform in `[0, 1)⁴` (seeded), one sample per
/// column, and `y = sin x0 + cos x1 + tanh x2 + x3²`.
///
/// ```
/// use la_core::prelude::*;
/// let (x, y) = nn_train::regression::regression_data(&native_double(), 3, 1)?;
/// let s = x.col(0)?.to_vec()?;
/// let want = s[0].sin() + s[1].cos() + s[2].tanh() + s[3] * s[3];
/// assert!((y.entry(0, 0)? - want).abs() < 1e-12);
/// # Ok::<(), nn_train::Error>(())
/// ```
pub fn regression_data<T: Scalar>(
    f: &Factory<T>,
    n: usize,
    seed: u64,
) -> Result<(Matrix<T>, Matrix<T>)> {
    let mut x = f.ge(4, n, Layout::ColumnMajor)?;
    rand_uniform(&mut seeded_rng(seed), &mut x)?;
    let ys: Vec<T> = x
        .to_vec()?
        .chunks(4)
        .map(|s| {
            let v = |i: usize| s[i].as_f64();
            T::of(v(0).sin() + v(1).cos() + v(2).tanh() + v(3) * v(3))
        })
        .collect();
    let y = f.ge_from(1, n, &ys, Layout::ColumnMajor)?;
    Ok((x, y))
}

/// The book's 4-8-8-1 regression network (sigmoid, tanh, linear), initialised.
pub fn regression_network<T: Scalar>(f: &Factory<T>, seed: u64) -> Result<InferenceNetwork<T>> {
    regression_network_with(f, &[8, 8], seed)
}

/// A regression network `4-hidden…-1`: sigmoid on the first hidden layer, tanh on
/// the others (at most three hidden layers), a linear output; initialised with the
/// book's N(0, 1/fan-in). `&[8, 8]` is the book's 4-8-8-1; the benchmarks also train
/// `&[16, 64, 8]`. `f` is a factory or a `DnnFactory` (a DNN backend such as
/// tensor-opencl's).
pub fn regression_network_with<T: Scalar>(
    f: impl Into<tensor_core::DnnFactory<T>>,
    hidden: &[usize],
    seed: u64,
) -> Result<InferenceNetwork<T>> {
    let acts = [Activation::Sigmoid, Activation::Tanh, Activation::Tanh];
    if hidden.len() > acts.len() {
        let problem = format!("{} hidden layers (at most 3)", hidden.len());
        return Err(precondition("regression_network_with", vec![problem]));
    }
    let mut specs: Vec<_> = hidden
        .iter()
        .zip(acts)
        .map(|(&n, a)| fully_connected(n, a))
        .collect();
    specs.push(fully_connected(1, Activation::Linear));
    let mut net = inference_network(f, 4, &specs)?;
    net.init(&mut seeded_rng(seed), Init::Book)?;
    Ok(net)
}
