//! Part II, "Representing layers and connections": a layer is a matrix, its
//! signal a vector, and propagating the signal is `mv`.

use la_core::prelude::*;

fn main() -> Result<()> {
    chapters::heading("Part II", "Representing layers and connections");

    // The input and the first layer's weights (4 neurons, 2 inputs each), row by row.
    let x = dv(&[0.3, 0.9]);
    let w1 = dge(
        4,
        2,
        &[0.3, 0.6, 0.1, 2.0, 0.9, 3.7, 0.0, 1.0],
        Layout::RowMajor,
    )?;
    println!("x =\n{x}\n");
    println!("w1 =\n{w1}\n");

    // (mv! w1 x h1)
    let mut h1 = native_double().vctr(4)?;
    mv_into(1.0, &w1, &x, 0.0, &mut h1)?;
    println!("(mv! w1 x h1) =>\n{h1}\n");

    // The second layer: one neuron with four inputs.
    let w2 = dge(1, 4, &[0.75, 0.15, 0.22, 0.33], Layout::RowMajor)?;
    let y = mv(&w2, &h1)?;
    println!("(mv w2 h1) =>\n{y}\n");

    // The same network in single precision gives the same printout.
    let xf = fv(&[0.3, 0.9]);
    let w1f = fge(
        4,
        2,
        &[0.3, 0.6, 0.1, 2.0, 0.9, 3.7, 0.0, 1.0],
        Layout::RowMajor,
    )?;
    println!("in float: (mv w1 x) =>\n{}", mv(&w1f, &xf)?);
    Ok(())
}
