//! Part II, "Sharing memory": the layers of a network write into two buffers they
//! share, so a network allocates once for a given batch size.

use la_core::prelude::*;
use nn_inference::{fully_connected, inference_network, Activation, Init};

fn main() -> nn_inference::Result<()> {
    chapters::heading("Part II", "Sharing memory");
    let fac = native_double();
    let mut net = inference_network(
        &fac,
        4,
        &[
            fully_connected(8, Activation::Relu),
            fully_connected(8, Activation::Tanh),
            fully_connected(2, Activation::Sigmoid),
        ],
    )?;
    net.init(&mut seeded_rng(7), Init::Glorot)?;
    let x = dge(
        4,
        3,
        &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2],
        Layout::ColumnMajor,
    )?;
    let first = net.infer(&x)?.to_vec()?;
    let second = net.infer(&x)?; // the same buffers, no new allocation
    println!("three layers, two shared 8x3 buffers; output =\n{second}");
    assert_eq!(second.to_vec()?, first);
    println!("\nrepeated inference reuses the buffers and gives the same result");
    Ok(())
}
