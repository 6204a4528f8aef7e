//! A fully connected layer's forward pass and parameter gradients through a
//! [`DnnFactory`] against f64 sums, on both layouts, in submatrices, on both sides of
//! the size where a backend may switch kernels (tensor-opencl: 2^16 multiply-adds).

use la_core::conformance::{assert_within, data, f64s, ts, LAYOUTS};
use la_core::engine::Unary;
use la_core::prelude::*;

use crate::DnnFactory;

/// An `m x n` matrix holding `d` (column-major order) inside a larger buffer of
/// `layout`, at row 1, column 2.
fn inside<T: Scalar>(
    f: &Factory<T>,
    (m, n): (usize, usize),
    d: &[f64],
    layout: Layout,
) -> Matrix<T> {
    let mut big = f.ge(m + 1, n + 2, layout).unwrap();
    big.submatrix_mut(1, 2, m, n)
        .unwrap()
        .set_from(&ts::<T>(d))
        .unwrap();
    big
}

/// An activation's f64 reference.
type Activation = fn(f64) -> f64;

/// The bound for a sum of `k` products: `(k + 4) ε Σ|terms|`, floor `ε`.
fn bound<T: Scalar>(k: usize, magnitude: f64) -> f64 {
    (k as f64 + 4.0) * T::EPSILON.as_f64() * magnitude.max(1.0)
}

/// `fully_connected` with no activation, tanh and relu, and
/// `fully_connected_backward_weights`, at 7x5x9 and 40x50x40 (`m x k x n`), then the
/// shape errors.
pub fn fully_connected_on<T: Scalar>(dnn: &DnnFactory<T>) {
    let f = dnn.la();
    for (m, k, n) in [(7, 5, 9), (40, 50, 40)] {
        let wd = f64s(&ts::<T>(&data(m * k, 71)));
        let xd = f64s(&ts::<T>(&data(k * n, 72)));
        let bd = f64s(&ts::<T>(&data(m, 73)));
        let dd = f64s(&ts::<T>(&data(m * n, 74)));
        let b = f.vctr_from(&ts::<T>(&bd)).unwrap();
        let (w_at, x_at) = (
            |i: usize, p: usize| wd[i + p * m],
            |p: usize, j: usize| xd[p + j * k],
        );
        for layout in LAYOUTS {
            let other = if layout == Layout::ColumnMajor {
                Layout::RowMajor
            } else {
                Layout::ColumnMajor
            };
            let wbig = inside(f, (m, k), &wd, layout);
            let w = wbig.submatrix(1, 2, m, k).unwrap();
            let xbig = inside(f, (k, n), &xd, other);
            let x = xbig.submatrix(1, 2, k, n).unwrap();
            let acts: [(Option<Unary<T>>, Activation); 3] = [
                (None, |v| v),
                (Some(Unary::Tanh), f64::tanh),
                (Some(Unary::Relu), |v| v.max(0.0)),
            ];
            for (op, fwd) in acts {
                let name = op.map_or("identity", |o| o.name());
                let what = format!("fully_connected {name} {m}x{k}x{n} {layout:?}");
                let mut ybig = f.ge(m + 2, n + 1, layout).unwrap();
                let mut y = ybig.submatrix_mut(1, 1, m, n).unwrap();
                dnn.fully_connected(op, &w, &x, &b, &mut y)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                let (mut want, mut tol) = (vec![0.0; m * n], vec![0.0; m * n]);
                for j in 0..n {
                    for i in 0..m {
                        let z: f64 = (0..k).map(|p| w_at(i, p) * x_at(p, j)).sum::<f64>() + bd[i];
                        let mag: f64 = (0..k).map(|p| (w_at(i, p) * x_at(p, j)).abs()).sum::<f64>()
                            + bd[i].abs();
                        want[i + j * m] = fwd(z);
                        tol[i + j * m] = bound::<T>(k, mag);
                    }
                }
                assert_within(&what, &y.to_vec().unwrap(), &want, &tol);
            }
            // Gradients: dw := α d xᵀ, db := α d 1.
            let what = format!("fully_connected_backward_weights {m}x{k}x{n} {layout:?}");
            let dbig = inside(f, (m, n), &dd, layout);
            let d = dbig.submatrix(1, 2, m, n).unwrap();
            let mut dwbig = f.ge(m + 2, k + 1, other).unwrap();
            let mut dw = dwbig.submatrix_mut(1, 1, m, k).unwrap();
            let mut db = f.vctr(m).unwrap();
            let alpha = 0.25;
            dnn.fully_connected_backward_weights(T::of(alpha), &d, &x, &mut dw, &mut db)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            let d_at = |i: usize, p: usize| dd[i + p * m];
            let (mut want, mut tol) = (vec![0.0; m * k], vec![0.0; m * k]);
            for j in 0..k {
                for i in 0..m {
                    let s: f64 = (0..n).map(|p| d_at(i, p) * x_at(j, p)).sum();
                    let mag: f64 = (0..n).map(|p| (d_at(i, p) * x_at(j, p)).abs()).sum();
                    want[i + j * m] = alpha * s;
                    tol[i + j * m] = bound::<T>(n, alpha * mag);
                }
            }
            assert_within(&what, &dw.to_vec().unwrap(), &want, &tol);
            let want: Vec<f64> = (0..m)
                .map(|i| alpha * (0..n).map(|p| d_at(i, p)).sum::<f64>())
                .collect();
            let tol: Vec<f64> = (0..m)
                .map(|i| bound::<T>(n, alpha * (0..n).map(|p| d_at(i, p).abs()).sum::<f64>()))
                .collect();
            assert_within(&format!("{what}: db"), &db.to_vec().unwrap(), &want, &tol);
        }
    }
    // Shape errors name both shapes.
    let w = f.ge(3, 4, Layout::ColumnMajor).unwrap();
    let x = f.ge(4, 2, Layout::ColumnMajor).unwrap();
    let b = f.vctr(3).unwrap();
    let mut y = f.ge(3, 2, Layout::ColumnMajor).unwrap();
    let bad_x = f.ge(5, 2, Layout::ColumnMajor).unwrap();
    let err = dnn
        .fully_connected(None, &w, &bad_x, &b, &mut y)
        .unwrap_err();
    assert!(
        err.to_string().contains("w is 3x4 but x has 5 rows"),
        "{err}"
    );
    let err = dnn
        .fully_connected(None, &w, &x, &f.vctr(2).unwrap(), &mut y)
        .unwrap_err();
    assert!(err.to_string().contains("the bias has 2 entries"), "{err}");
    let mut bad_y = f.ge(3, 3, Layout::ColumnMajor).unwrap();
    let err = dnn
        .fully_connected(None, &w, &x, &b, &mut bad_y)
        .unwrap_err();
    assert!(err.to_string().contains("y is 3x3 but w x is 3x2"), "{err}");
    let (mut dw, mut db) = (f.ge(3, 4, Layout::ColumnMajor).unwrap(), f.vctr(3).unwrap());
    let err = dnn
        .fully_connected_backward_weights(
            T::one(),
            &y,
            &bad_x.submatrix(0, 0, 5, 1).unwrap(),
            &mut dw,
            &mut db,
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("d has 2 columns but x has 1"),
        "{err}"
    );
    let mut bad_dw = f.ge(3, 5, Layout::ColumnMajor).unwrap();
    let err = dnn
        .fully_connected_backward_weights(T::one(), &y, &x, &mut bad_dw, &mut db)
        .unwrap_err();
    assert!(
        err.to_string().contains("dw is 3x5 but d xᵀ is 3x4"),
        "{err}"
    );
    let mut bad_db = f.vctr(4).unwrap();
    let err = dnn
        .fully_connected_backward_weights(T::one(), &y, &x, &mut dw, &mut bad_db)
        .unwrap_err();
    assert!(err.to_string().contains("db has 4 entries"), "{err}");
}
