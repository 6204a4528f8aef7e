//! Part VI, "Tensors and ND-arrays": descriptors, tensors on a factory, a tensor as a
//! vector (so BLAS and vector math apply), views of a tensor.

use la_core::prelude::*;
use tensor_core::{desc, tensor, AsTensor, AsTensorMut, DataType, TensorLayout};

fn main() -> la_core::Result<()> {
    chapters::heading("Part VI", "Tensors and ND-arrays");
    let fac = native_float();

    // (def t (tensor fac [2 3 4 5] :float :nchw))
    let d = desc([2, 3, 4, 5], DataType::Float, TensorLayout::Nchw)?;
    println!("(desc [2 3 4 5] :float :nchw)\n{d}\n");
    let mut t = tensor(&fac, d)?;
    println!("(tensor fac [2 3 4 5] :float :nchw), zeros:\n{t}");

    // a tensor is a vector: the book fills it with (transfer! (range) t)
    t.set_from(&(0..120).map(|v| v as f32).collect::<Vec<_>>())?;
    let v = t.view_vctr()?;
    println!(
        "(view-vctr t): dim {}, sum {} (0 + 1 + ... + 119)",
        v.dim(),
        sum(&v)?
    );
    scal_inplace(0.5, &mut t.view_vctr_mut()?)?;
    println!(
        "after (scal! 0.5 (view-vctr t)): entry [1 2 3 4] = {}",
        t.entry(&[1, 2, 3, 4])?
    );

    // the same memory as other shapes, with no copy
    let flat = t.view_tz(desc([2, 60], DataType::Float, TensorLayout::Nc)?)?;
    println!("\n(view-tz t [2 60]):\n{flat}");
    let second = t.subtensor(0, 1, 1)?;
    println!(
        "the second sample, channel 0 (a sub-tensor):\n{}",
        second.subtensor(1, 0, 1)?
    );
    let m = t.view_mat()?;
    println!(
        "as a matrix for a dense layer: {}x{} ({:?}), one column per sample",
        m.mrows(),
        m.ncols(),
        m.layout()
    );

    // other layouts put other dimensions innermost
    for layout in [TensorLayout::Nhwc, TensorLayout::Chwn] {
        println!("{}", d.with_layout(layout)?);
    }
    Ok(())
}
