//! Part II, "Fully connected inference layers": a layer as a value holding weights,
//! bias, activation and its output; the book prints `[0.48 0.84 0.92 0.25]`.

use la_core::prelude::*;
use nn_inference::{fully_connected, inference_network, Activation};

fn main() -> nn_inference::Result<()> {
    chapters::heading("Part II", "Fully connected inference layers");
    let fac = native_double();
    let mut layer = inference_network(&fac, 2, &[fully_connected(4, Activation::Sigmoid)])?;
    let w = dge(
        4,
        2,
        &[0.3, 0.6, 0.1, 2.0, 0.9, 3.7, 0.0, 1.0],
        Layout::RowMajor,
    )?;
    copy_into(&w, &mut layer.layers_mut()[0].weights_mut()?)?;
    layer.layers_mut()[0]
        .bias_mut()
        .set_from(&[-0.7, -0.2, -1.1, -2.0])?;
    println!("weights =\n{}\n", layer.layers()[0].weights()?);
    println!("bias =\n{}\n", layer.layers()[0].bias());
    let x = dge(2, 1, &[0.3, 0.9], Layout::ColumnMajor)?;
    let y = layer.infer(&x)?;
    println!("(layer x) =>\n{}", y.col(0)?);
    Ok(())
}
