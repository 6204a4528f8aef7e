//! Part VII, "The convolution operation": Deep Diamond's convolution example — a
//! batch of two 4x4 single-channel images, one 3x3 filter, bias 0.5 — forward, the
//! two backward passes, and max and average pooling of the same images.

use la_core::prelude::*;
use tensor_core::dnn::{Convolution, PoolAlgo, Pooling};
use tensor_core::{desc, tensor, tensor_from, AsTensor, DataType, DnnFactory, TensorLayout};

fn main() -> la_core::Result<()> {
    chapters::heading("Part VII", "The convolution operation");
    let fac = native_float();
    let dnn = DnnFactory::new(&fac);
    let xd = desc([2, 1, 4, 4], DataType::Float, TensorLayout::Nchw)?;
    let x = tensor_from(
        &fac,
        xd,
        &[
            0.0, 43.0, 3.0, 30.0, 0.0, 98.0, 0.0, 0.0, 7.0, 38.0, 0.0, 0.0, 19.0, 20.0, 175.0,
            50.0, 0.0, 0.0, 7.0, 19.0, 43.0, 98.0, 38.0, 20.0, 3.0, 0.0, 0.0, 175.0, 30.0, 0.0,
            0.0, 50.0,
        ],
    )?;
    println!("input {x}");
    // (convolution fact [2 1 4 4] [1 1 3 3] [1] :linear)
    let g = Convolution::new(&xd, 1, [3, 3], [1, 1], [0, 0], [1, 1])?;
    let w = fac.vctr_from(&[-2.0, 0.0, 1.0, 0.0, 1.0, 0.0, -1.0, -2.0, 0.0])?;
    let b = fac.vctr_from(&[0.5])?;
    println!("filter [1 1 3 3]: {:?}, bias 0.5", w.to_vec()?);
    let mut y = tensor(&fac, g.output_desc())?;
    dnn.convolution_forward(&g, &x, &w, &b, &mut y)?;
    println!("\nconvolution output {:?}", y.to_vec()?);
    println!("(Deep Diamond: [18.5 -93.5 -20.5 -565.5 102.5 57.5 -77.5 -175.5])");

    let dy = tensor_from(
        &fac,
        g.output_desc(),
        &[0.2, 0.3, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0],
    )?;
    let mut dx = tensor(&fac, xd)?;
    dnn.convolution_backward_data(&g, &dy, &w, &mut dx)?;
    let (mut dw, mut db) = (fac.vctr(9)?, fac.vctr(1)?);
    dnn.convolution_backward_weights(&g, 1.0, &x, &dy, &mut dw, &mut db)?;
    println!("\nbackward, output error {:?}", dy.to_vec()?);
    println!("  input error   {:?}", dx.to_vec()?);
    println!("  filter error  {:?}", dw.to_vec()?);
    println!("  bias error    {:?}", db.to_vec()?);

    for algo in [PoolAlgo::Max, PoolAlgo::AvgIncludePadding] {
        let p = Pooling::new(&xd, algo, [2, 2], [2, 2], [0, 0])?;
        let mut py = tensor(&fac, p.output_desc())?;
        let mut arg = fac.vctr(p.workspace_len())?;
        dnn.pooling_forward(&p, &x, &mut py, &mut arg)?;
        println!("\n{} pooling 2x2: {:?}", algo.name(), py.to_vec()?);
    }
    println!("(Deep Diamond: max [98 30 38 175 98 38 30 175], avg [35.25 8.25 21 56.25 ...])");
    Ok(())
}
