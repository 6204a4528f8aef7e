//! Part II, "Bias and activation function": subtract the bias (a threshold) with
//! `axpy!`, then apply an activation: step, ReLU, tanh, sigmoid.

use la_core::prelude::*;

/// `w1 x - bias1`: the first layer's weighted input before activation.
fn layer1() -> Result<Vector<f64>> {
    let x = dv(&[0.3, 0.9]);
    let w1 = dge(
        4,
        2,
        &[0.3, 0.6, 0.1, 2.0, 0.9, 3.7, 0.0, 1.0],
        Layout::RowMajor,
    )?;
    let bias1 = dv(&[0.7, 0.2, 1.1, 2.0]);
    let mut h1 = native_double().vctr(4)?;
    mv_into(1.0, &w1, &x, 0.0, &mut h1)?;
    axpy_into(-1.0, &bias1, &mut h1)?;
    Ok(h1)
}

fn main() -> Result<()> {
    chapters::heading("Part II", "Bias and activation function");

    let h1 = layer1()?;
    println!("(axpy! -1.0 bias1 (mv! w1 x h1)) =>\n{h1}\n");
    println!("step =>\n{}\n", step(&h1)?);
    println!("relu =>\n{}\n", relu(&h1)?);
    println!("tanh =>\n{}\n", tanh(&h1)?);
    println!("sigmoid =>\n{}\n", sigmoid(&h1)?);

    // The whole two-layer network: tanh in the hidden layer, sigmoid at the output.
    let mut h1 = layer1()?;
    tanh_inplace(&mut h1)?;
    let w2 = dge(1, 4, &[0.75, 0.15, 0.22, 0.33], Layout::RowMajor)?;
    let bias2 = dv(&[0.3]);
    let mut y = native_double().vctr(1)?;
    mv_into(1.0, &w2, &h1, 0.0, &mut y)?;
    axpy_into(-1.0, &bias2, &mut y)?;
    sigmoid_inplace(&mut y)?;
    println!("the two-layer network's output =>\n{y}");
    Ok(())
}
