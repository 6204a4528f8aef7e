//! Part III, "The forward pass", "Activation and its derivative" and "The backward
//! pass": Part II's network, its activations' derivatives, the gradients of one
//! sample's quadratic cost, and the step that lowers it.

use la_core::prelude::*;
use nn_inference::Activation;
use nn_train::{training_network, Cost, Optimizer};

fn main() -> nn_train::Result<()> {
    chapters::heading(
        "Part III",
        "The forward pass, activation and its derivative, the backward pass",
    );
    let fac = native_double();
    let mut net = chapters::book_network(&fac)?;
    let x = dge(2, 1, &[0.3, 0.9], Layout::ColumnMajor)?;
    println!(
        "forward pass: a = {}",
        chapters::two_decimals(&net.infer(&x)?.to_vec()?)
    );

    // the derivative, computed from the activation's output a = f(z)
    let z = dge(1, 3, &[-1.0, 0.0, 2.0], Layout::ColumnMajor)?;
    for act in [Activation::Sigmoid, Activation::Tanh, Activation::Relu] {
        let mut a = copy(&z)?;
        act.forward_inplace(&mut a)?;
        let mut d = dge(1, 3, &[1.0, 1.0, 1.0], Layout::ColumnMajor)?;
        act.backward_inplace(&a, &mut d)?;
        println!(
            "{:>7}: z = [-1 0 2]  f(z) = [{}]  f'(z) = [{}]",
            act.name(),
            chapters::two_decimals(&a.to_vec()?),
            chapters::two_decimals(&d.to_vec()?)
        );
    }

    // the backward pass for one sample with target 0.8
    let y = dge(1, 1, &[0.8], Layout::ColumnMajor)?;
    let mut train = training_network(&mut net, &x, Optimizer::default())?;
    let before = train.forward_backward(&y, Cost::Quadratic)?;
    let (gw, gb) = train.gradients(1).expect("layer 1");
    println!("\ncost (a - y)²/2 = {before:.4}");
    println!(
        "output layer: ∂C/∂w = [{}]  ∂C/∂b = [{}]",
        chapters::two_decimals(&gw.to_vec()?),
        chapters::two_decimals(&gb.to_vec()?)
    );
    let (gw, _) = train.gradients(0).expect("layer 0");
    println!("hidden layer: ∂C/∂W =\n{gw}");
    train.step(&y, Cost::Quadratic, 0.5)?;
    let after = train.cost(&y, Cost::Quadratic)?;
    println!("after one step with learning rate 0.5: cost {before:.4} -> {after:.4}");
    drop(train);
    println!("a = {}", chapters::two_decimals(&net.infer(&x)?.to_vec()?));
    Ok(())
}
