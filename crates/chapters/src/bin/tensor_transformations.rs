//! Part VI, "Tensor transformations": reorders between layouts (`transformer`),
//! connectors, and the mini-batch copies of training (`batcher`, `shuffler`).

use la_core::prelude::*;
use tensor_core::{
    batcher, connector, desc, shuffler, tensor, tensor_from, transformer, AsTensor, DataType,
    TensorLayout,
};

fn main() -> la_core::Result<()> {
    chapters::heading("Part VI", "Tensor transformations");
    let fac = native_float();
    let nchw = desc([2, 2, 2, 3], DataType::Float, TensorLayout::Nchw)?;
    let x = tensor_from(&fac, nchw, &(0..24).map(|v| v as f32).collect::<Vec<_>>())?;
    println!("x:\n{x}");

    // (def tr (transformer x y)) (tr)
    let mut y = tensor(&fac, nchw.with_layout(TensorLayout::Nhwc)?)?;
    let tr = transformer(&x, &y)?;
    tr.transform(&x, &mut y)?;
    println!("y = x reordered to nhwc: the same tensor ...\n{y}");
    println!("... in another memory order: {:?}", y.vector().to_vec()?);
    println!(
        "x and y agree element by element: {}",
        x.to_vec()? == y.to_vec()?
    );

    // a connector is free when the layouts already agree
    let mut same = connector(&x, nchw)?;
    let mut other = connector(&x, nchw.with_layout(TensorLayout::Chwn)?)?;
    println!(
        "\nconnector to nchw: {}; connector to chwn: {}",
        describe(&same),
        describe(&other)
    );
    println!(
        "through the chwn connector: {:?}",
        other.connect(&x)?.vector_order()?
    );
    let _ = same.connect(&x)?;

    // mini-batches: (batcher x y) copies samples i*batch.. into y
    let data = tensor_from(
        &fac,
        desc([6, 2], DataType::Float, TensorLayout::Nc)?,
        &(0..12).map(|v| v as f32).collect::<Vec<_>>(),
    )?;
    let mut mb = tensor(&fac, desc([2, 2], DataType::Float, TensorLayout::Cn)?)?;
    let b = batcher(&data, &mb, 2)?;
    println!(
        "\nsix samples in mini-batches of {} ({} of them), copied into a cn buffer:",
        b.batch(),
        b.count()
    );
    for i in 0..b.count() {
        b.copy(&data, &mut mb, i)?;
        println!("  batch {i}: {:?}", mb.to_vec()?);
    }
    let s = shuffler(&data, &mb)?;
    s.shuffle(&data, &mut mb, &[5, 0])?;
    println!("(shuffler) samples 5 and 0: {:?}", mb.to_vec()?);
    Ok(())
}

fn describe<T: Scalar>(c: &tensor_core::Connector<T>) -> &'static str {
    match c {
        tensor_core::Connector::View(_) => "a view (no copy)",
        tensor_core::Connector::Reorder(..) => "a reorder",
    }
}

/// The buffer of a view, in memory order.
trait VectorOrder<T: Scalar> {
    fn vector_order(&self) -> la_core::Result<Vec<T>>;
}

impl<T: Scalar, A: AsTensor<T>> VectorOrder<T> for A {
    fn vector_order(&self) -> la_core::Result<Vec<T>> {
        self.buffer().to_vec()
    }
}
