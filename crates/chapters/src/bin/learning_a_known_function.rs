//! Part IV, "Inference API", "Training API", "Initializing weights" and "Regression:
//! learning a known function": y = sin x0 + cos x1 + tanh x2 + x3² from 10,000
//! samples with a 4-8-8-1 network, full-batch gradient descent, learning rate 0.05.

use la_core::prelude::*;
use nn_inference::{fully_connected, inference_network, Activation, Init};
use nn_train::regression::{regression_data, regression_network};
use nn_train::{fit, progress_bar, sgd, training_network, Batches, Cost, Optimizer, TrainOptions};

fn main() -> nn_train::Result<()> {
    chapters::heading("Part IV", "Regression: learning a known function");
    let fac = native_float();
    let (x, y) = regression_data(&fac, 10_000, 1)?;
    let (xt, yt) = regression_data(&fac, 1_000, 99)?;

    let mut net = regression_network(&fac, 2)?; // init with the book's N(0, 1/fan-in)
    let start = std::time::Instant::now();
    let mut train = training_network(&mut net, &x, Optimizer::default())?;
    let opts = TrainOptions::new(4000, 0.05);
    fit(
        &mut train,
        Batches::Full,
        &y,
        Cost::Quadratic,
        &opts,
        progress_bar(4000),
    )?;
    let costs = [train.cost(&y, Cost::Quadratic)?];
    drop(train);
    println!(
        "4-8-8-1 (sigmoid, tanh, linear), 4000 epochs: cost {:.4} in {:.2} s (the book: 0.0047)",
        costs[0],
        start.elapsed().as_secs_f64()
    );
    let pred = net.infer(&xt)?;
    println!(
        "on 1,000 new samples: MAE {:.4}, RMSE {:.4}",
        nn_train::mae(&pred, &yt)?,
        nn_train::rmse(&pred, &yt)?
    );
    let p = pred.to_vec()?;
    let t = yt.to_vec()?;
    println!("first five: predicted {}", chapters::two_decimals(&p[..5]));
    println!("            expected  {}", chapters::two_decimals(&t[..5]));

    // the sigmoid-output variant: a sigmoid cannot exceed 1, the targets mostly do
    let mut sig = inference_network(
        &fac,
        4,
        &[
            fully_connected(8, Activation::Sigmoid),
            fully_connected(8, Activation::Tanh),
            fully_connected(1, Activation::Sigmoid),
        ],
    )?;
    sig.init(&mut seeded_rng(2), Init::Book)?;
    let mut train = training_network(&mut sig, &x, Optimizer::default())?;
    let costs = sgd(&mut train, &y, Cost::Quadratic, &[(4000, 0.05)])?;
    drop(train);
    println!(
        "\nwith a sigmoid output: cost {:.4}; predictions {}",
        costs[0],
        chapters::two_decimals(&sig.infer(&xt)?.to_vec()?[..5])
    );
    println!("(saturated at 1.0: the output activation must fit the targets' range)");
    Ok(())
}
