//! MNIST (dense 784-512-10, Adam, global mini-batches of 128) trained data-parallel:
//!
//! ```text
//! cargo build --release -p nn-dist --example mnist_dist
//! mpirun -np 2 target/release/examples/mnist_dist [--epochs N]
//! ```
//!
//! (as root add `--allow-run-as-root`; on a small machine `--oversubscribe` and
//! `-x OMPI_MCA_mpi_yield_when_idle=1`). Run directly, it is one rank: the same
//! training in one process. Rank 0 prints each epoch, the test accuracy and the time,
//! with the share spent in all-reduces.

use std::time::Instant;

use la_core::prelude::*;
use nn_dist::{DataParallel, Mpi, Ranks};
use nn_dnn::{categorical_accuracy, Adam, Cost};
use nn_dnn::{dense, network, Epoch, TrainOptions};
use nn_dnn::{Activation, Init};
use tensor_core::{desc, tensor_from, AsTensor, DataType, TensorLayout};

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let epochs = std::env::args()
        .skip_while(|a| a != "--epochs")
        .nth(1)
        .map(|v| v.parse::<usize>())
        .transpose()?
        .unwrap_or(2);
    let mut mpi = Mpi::init()?;
    let (rank, size) = (mpi.rank(), mpi.size());
    let data = datasets::mnist(&datasets::dir("mnist"))?;
    let f = native_float();
    let nc = |n, w| desc([n, w], DataType::Float, TensorLayout::Nc);
    let (n, m) = (data.train.len(), data.test.len());
    // Host matrices are column-major `features x n`: the same bytes as an `n x features` nc tensor.
    let x = tensor_from(&f, nc(n, 784)?, data.train.images.data())?;
    let y = tensor_from(&f, nc(n, 10)?, data.train.one_hot().data())?;
    let global = 128;
    let mut net = network(
        &f,
        nc(global / size, 784)?,
        &[dense(512, Activation::Relu), dense(10, Activation::Softmax)],
    )?;
    net.init(&mut seeded_rng(1), Init::He)?;
    net.set_optimizer(Adam::default())?;
    let mut dp = DataParallel::new(&mut net, &mut mpi)?;
    let start = Instant::now();
    let opts = TrainOptions::new(epochs, 0.001f32);
    dp.train(
        &mut net,
        &x,
        &y,
        Cost::SoftmaxCrossEntropy,
        &opts,
        |e: &Epoch<f32>, _| {
            if rank == 0 {
                println!(
                    "epoch {:2}  cost {:.4}  ({:.1} s)",
                    e.epoch,
                    e.cost,
                    start.elapsed().as_secs_f64()
                );
            }
            Ok(())
        },
    )?;
    let secs = start.elapsed().as_secs_f64();
    let comm = dp.comm_seconds();
    if rank == 0 {
        let xt = tensor_from(&f, nc(m, 784)?, data.test.images.data())?;
        let pred = net.infer(&xt)?;
        let yt = tensor_from(&f, nc(m, 10)?, data.test.one_hot().data())?;
        let acc = categorical_accuracy(&pred.view_mat()?, &yt.view_mat()?)?;
        println!(
            "mnist-dist  784-512-10  ranks {size}  epochs {epochs}  test accuracy {acc:.4}  \
             train {secs:.1} s  (all-reduce {comm:.1} s, {:.0}%)",
            100.0 * comm / secs
        );
    }
    Ok(())
}
