//! Printing tensors as the book's REPL shows them: the descriptor, then the elements
//! in logical order, one row per innermost line, long dimensions elided with `⋯`.

use std::fmt;

use la_core::{AsVector, Scalar};

use crate::tensor::{AsTensor, Tensor, TensorView, TensorViewMut};

/// Elements shown at each end of a long dimension.
const EDGE: usize = 3;

fn shown(n: usize) -> Vec<Option<usize>> {
    if n <= 2 * EDGE + 1 {
        (0..n).map(Some).collect()
    } else {
        (0..EDGE)
            .map(Some)
            .chain([None])
            .chain((n - EDGE..n).map(Some))
            .collect()
    }
}

fn write_tensor<T: Scalar>(t: &impl AsTensor<T>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let d = t.desc();
    writeln!(f, "#Tensor[{}]", d)?;
    let Ok(mem) = t.buffer().to_vec() else {
        return write!(f, "   (the elements could not be read)");
    };
    let shape = d.shape();
    let rank = shape.len();
    let (rows, cols) = (
        shown(if rank >= 2 { shape[rank - 2] } else { 1 }),
        shown(shape[rank - 1]),
    );
    let mut idx = vec![0; rank];
    let blocks: Vec<Vec<Option<usize>>> = shape[..rank.saturating_sub(2)]
        .iter()
        .map(|&n| shown(n))
        .collect();
    let mut pick = vec![0; blocks.len()];
    loop {
        let mut elided = false;
        for (k, p) in pick.iter().enumerate() {
            match blocks[k][*p] {
                Some(i) => idx[k] = i,
                None => elided = true,
            }
        }
        if elided {
            writeln!(f, "   ⋮")?;
        } else {
            for r in &rows {
                write!(f, "   [")?;
                match r {
                    None => write!(f, " ⋮")?,
                    Some(i) => {
                        if rank >= 2 {
                            idx[rank - 2] = *i;
                        }
                        for c in &cols {
                            match c {
                                None => write!(f, "      ⋯")?,
                                Some(j) => {
                                    idx[rank - 1] = *j;
                                    let k: usize =
                                        idx.iter().zip(d.strides()).map(|(i, s)| i * s).sum();
                                    write!(f, " {:8.2}", mem[k])?
                                }
                            }
                        }
                    }
                }
                writeln!(f, " ]")?;
            }
        }
        // next block
        let mut k = blocks.len();
        loop {
            if k == 0 {
                return Ok(());
            }
            k -= 1;
            pick[k] += 1;
            if pick[k] < blocks[k].len() {
                break;
            }
            pick[k] = 0;
        }
        if k + 1 < blocks.len() || !blocks.is_empty() {
            writeln!(f)?;
        }
    }
}

impl<T: Scalar> fmt::Display for Tensor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_tensor(self, f)
    }
}

impl<T: Scalar> fmt::Display for TensorView<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_tensor(self, f)
    }
}

impl<T: Scalar> fmt::Display for TensorViewMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_tensor(self, f)
    }
}
