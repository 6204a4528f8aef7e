//! Shared helpers for the chapter examples (one binary per chapter in `src/bin`).
//!
//! | book chapter | binary |
//! |---|---|
//! | Part II — Representing layers and connections | `representing_layers` |
//! | Part II — Bias and activation function | `bias_and_activation` |
//! | Part II — GPU computing with CUDA and OpenCL | `gpu_computing` |

use la_core::prelude::*;

/// Prints a chapter heading the way every example starts.
pub fn heading(part: &str, chapter: &str) {
    println!("=== {part} — {chapter} ===\n");
}

/// The two-layer network of Part II (2 inputs, 4 tanh neurons, 1 sigmoid output) run
/// on a batch of two identical samples, written once against any factory: the GPU
/// chapter's point is that this code does not change between CPU and GPU. Returns the
/// two outputs, which the book prints as `0.44 0.44`.
pub fn this_particular_network<T: Scalar>(f: &Factory<T>) -> Result<Vec<T>> {
    let t = |v: &[f64]| v.iter().map(|x| T::of(*x)).collect::<Vec<T>>();
    let w1 = f.ge_from(
        4,
        2,
        &t(&[0.3, 0.6, 0.1, 2.0, 0.9, 3.7, 0.0, 1.0]),
        Layout::RowMajor,
    )?;
    let bias1 = f.vctr_from(&t(&[0.7, 0.2, 1.1, 2.0]))?;
    let w2 = f.ge_from(1, 4, &t(&[0.75, 0.15, 0.22, 0.33]), Layout::RowMajor)?;
    let bias2 = f.vctr_from(&t(&[0.3]))?;
    // Two samples as the columns of x.
    let x = f.ge_from(2, 2, &t(&[0.3, 0.9, 0.3, 0.9]), Layout::ColumnMajor)?;
    let ones = f.vctr_from(&t(&[1.0, 1.0]))?;

    let mut h = f.ge(4, 2, Layout::ColumnMajor)?;
    mm_into(T::one(), &w1, &x, T::zero(), &mut h)?;
    rk_into(-T::one(), &bias1, &ones, &mut h)?; // subtract the bias from every column
    tanh_inplace(&mut h)?;
    let mut y = f.ge(1, 2, Layout::ColumnMajor)?;
    mm_into(T::one(), &w2, &h, T::zero(), &mut y)?;
    rk_into(-T::one(), &bias2, &ones, &mut y)?;
    sigmoid_inplace(&mut y)?;
    y.to_vec()
}

/// Formats numbers the way the book prints them: two decimals, space-separated.
pub fn two_decimals<T: Scalar>(v: &[T]) -> String {
    v.iter()
        .map(|x| format!("{x:.2}"))
        .collect::<Vec<_>>()
        .join(" ")
}
