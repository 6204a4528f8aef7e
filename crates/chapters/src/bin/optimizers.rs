//! Part V, "Weight decay", "Momentum and Nesterov momentum", "Adaptive learning
//! rates", "Dropout" and "Stochastic gradient descent": the regression network trained
//! with mini-batches of 100 and each optimizer, the same seeds, the same 100 epochs.

use la_core::prelude::*;
use nn_train::regression::{regression_data, regression_network};
use nn_train::{
    sgd_train, training_network, Adam, Cost, Dropout, GradientDescent, Momentum, Nesterov,
    Optimizer, RmsProp, Schedule, TrainOptions,
};

fn main() -> nn_train::Result<()> {
    chapters::heading(
        "Part V",
        "Weight decay, momentum, adaptive learning rates, dropout, SGD",
    );
    let fac = native_float();
    let (x, y) = regression_data(&fac, 10_000, 1)?;
    let (xt, yt) = regression_data(&fac, 1_000, 99)?;
    type Run = (&'static str, Optimizer<f32>, f32, Option<Dropout<f32>>);
    let runs: [Run; 7] = [
        (
            "gradient descent",
            GradientDescent::default().into(),
            0.05,
            None,
        ),
        (
            "weight decay 1e-4",
            GradientDescent { weight_decay: 1e-4 }.into(),
            0.05,
            None,
        ),
        ("momentum 0.9", Momentum::default().into(), 0.01, None),
        ("nesterov 0.9", Nesterov::default().into(), 0.01, None),
        ("rmsprop", RmsProp::default().into(), 0.001, None),
        ("adam", Adam::default().into(), 0.005, None),
        (
            "adam + dropout 0.9",
            Adam::default().into(),
            0.005,
            Some(Dropout::Bernoulli { keep: 0.9 }),
        ),
    ];
    println!(
        "{:<20} {:>5} {:>11} {:>9} {:>8}",
        "optimizer", "η", "train cost", "test MAE", "time"
    );
    for (name, opt, lr, dropout) in runs {
        let mut net = regression_network(&fac, 2)?;
        let first = x.submatrix(0, 0, 4, 100)?;
        let start = std::time::Instant::now();
        let mut train = training_network(&mut net, &first, opt)?;
        train.set_dropout(1, dropout)?;
        let opts = TrainOptions {
            schedule: Schedule::Linear {
                final_fraction: 0.01,
            },
            seed: 7,
            ..TrainOptions::new(100, lr)
        };
        let cost = sgd_train(&mut train, &x, &y, Cost::Quadratic, &opts)?;
        drop(train);
        let secs = start.elapsed().as_secs_f64();
        let test = nn_train::mae(&net.infer(&xt)?, &yt)?;
        println!("{name:<20} {lr:>5} {cost:>11.5} {test:>9.4} {secs:>7.2}s");
    }
    println!("\n(mini-batches of 100, reshuffled every epoch; η decays linearly to 1%)");
    Ok(())
}
