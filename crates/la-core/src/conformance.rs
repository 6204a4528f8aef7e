//! The backend conformance suite: tests written once against `&Factory<T>`.
//!
//! Every backend crate instantiates it on itself with [`conformance_tests!`](crate::conformance_tests)
//! (feature `conformance`). Each check compares the backend with the
//! [`reference`](mod@crate::reference) under an explicit bound and panics with a
//! message naming the operation and the element on failure.
//!
//! ```ignore
//! la_core::conformance_tests!(opencl_f32, f32, la_opencl::test_factory_f32());
//! ```

use crate::engine::{Binary, Unary};
use crate::reference::{self, dot_bound, RefMatrix};
use crate::{
    blas, math, AsMatrix, AsMatrixMut, AsVector, AsVectorMut, Error, Factory, Layout, Matrix,
    Scalar, Vector,
};

/// Instantiates the whole suite as `#[test]`s in module `$name` for element type `$t`.
/// `$factory` evaluates to `Option<Factory<$t>>`; `None` prints `SKIP` and passes
/// (backends decide, e.g. from `DLFP_REQUIRE_OPENCL`, whether a missing device is fatal).
#[macro_export]
macro_rules! conformance_tests {
    ($name:ident, $t:ty, $factory:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn factory() -> Option<$crate::Factory<$t>> {
                let f: Option<$crate::Factory<$t>> = $factory;
                if f.is_none() {
                    println!("SKIP: {}: no factory available", stringify!($name));
                }
                f
            }
            $crate::conformance_tests!(@tests $t;
                constructors_and_views, blas1, blas1_strided, blas2, blas3, vector_math,
                binary_math, random, random_fast, gather_cols, errors, book_values, nan_rules, bad_input_sweep);
        }
    };
    (@tests $t:ty; $($test:ident),*) => {$(
        #[test]
        fn $test() {
            if let Some(f) = factory() {
                $crate::conformance::$test::<$t>(&f);
            }
        }
    )*};
}

fn t<T: Scalar>(v: f64) -> T {
    T::of(v)
}

/// The NaN rules every backend follows: `amax` of anything holding a NaN is NaN, and
/// `iamax` returns the first NaN's index.
pub fn nan_rules<T: Scalar>(f: &Factory<T>) {
    let x = f.vctr_from(&ts::<T>(&[1.0, f64::NAN, -5.0, 2.0])).unwrap();
    assert!(
        crate::amax(&x).unwrap().is_nan(),
        "{}: amax ignored the NaN",
        f.name()
    );
    assert_eq!(crate::iamax(&x).unwrap(), 1, "{}: iamax", f.name());
    let y = f
        .vctr_from(&ts::<T>(&[1.0, -5.0, 2.0, f64::NAN, f64::NAN]))
        .unwrap();
    assert_eq!(crate::iamax(&y).unwrap(), 3, "{}: iamax", f.name());
    assert!(crate::amax(&y).unwrap().is_nan(), "{}: amax", f.name());
    // a long vector, so device reductions combine partial results
    let mut long = ts::<T>(&data(5000, 3));
    long[4321] = T::nan();
    let z = f.vctr_from(&long).unwrap();
    assert!(
        crate::amax(&z).unwrap().is_nan(),
        "{}: amax (long)",
        f.name()
    );
    assert_eq!(
        crate::iamax(&z).unwrap(),
        4321,
        "{}: iamax (long)",
        f.name()
    );
}

/// `f64` values converted to `T` (test data written once for both precisions; also
/// used by the nn crates' conformance suites).
pub fn ts<T: Scalar>(v: &[f64]) -> Vec<T> {
    v.iter().map(|x| T::of(*x)).collect()
}

/// `T` values widened to `f64` (for comparing against f64 references).
pub fn f64s<T: Scalar>(v: &[T]) -> Vec<f64> {
    v.iter().map(|x| x.as_f64()).collect()
}

/// Deterministic test data in `[-1, 1)` (`n` values from `seed`).
pub fn data(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

/// An `m x n` reference matrix of test data.
fn rand_matrix(m: usize, n: usize, seed: u64) -> RefMatrix {
    RefMatrix {
        m,
        n,
        data: data(m * n, seed),
    }
}

/// Asserts `|actual[i] - expected[i]| <= bound[i]` for all `i`.
pub fn assert_within<T: Scalar>(what: &str, actual: &[T], expected: &[f64], bound: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    for (i, ((a, e), b)) in actual.iter().zip(expected).zip(bound).enumerate() {
        let a = a.as_f64();
        let ok = (a - e).abs() <= *b || (a.is_nan() && e.is_nan()) || a == *e;
        assert!(ok, "{what}: element {i} is {a}, expected {e} within {b}");
    }
}

/// Asserts closeness within `ulps` units of the type's precision, relative to `expected`,
/// with an absolute floor of `ulps · ε` (for results near zero).
pub fn assert_ulps<T: Scalar>(what: &str, actual: &[T], expected: &[f64], ulps: f64) {
    let eps = T::EPSILON.as_f64();
    let bound: Vec<f64> = expected
        .iter()
        .map(|e| ulps * eps * e.abs().max(1.0))
        .collect();
    assert_within(what, actual, expected, &bound);
}

/// A matrix on `f` holding the reference matrix `r` in `layout`.
pub fn matrix<T: Scalar>(f: &Factory<T>, r: &RefMatrix, layout: Layout) -> Matrix<T> {
    let mut a = f.ge(r.m, r.n, layout).unwrap();
    a.set_from(&ts::<T>(&r.data)).unwrap();
    a
}

fn refm<T: Scalar>(a: &impl AsMatrix<T>) -> RefMatrix {
    RefMatrix {
        m: a.mrows(),
        n: a.ncols(),
        data: f64s(&a.to_vec().unwrap()),
    }
}

/// Both layouts.
pub const LAYOUTS: [Layout; 2] = [Layout::ColumnMajor, Layout::RowMajor];

/// Constructors, entries, views (subvector, submatrix, row, col, trans, rows, cols,
/// view_vctr) and transfers.
pub fn constructors_and_views<T: Scalar>(f: &Factory<T>) {
    let x = f.vctr_from(&ts::<T>(&[1.0, 2.0, 3.0, 4.0, 5.0])).unwrap();
    assert_eq!(x.dim(), 5);
    assert_eq!(x.entry(3).unwrap(), t(4.0));
    assert_eq!(
        f64s(&x.subvector(1, 3).unwrap().to_vec().unwrap()),
        vec![2.0, 3.0, 4.0]
    );
    assert_eq!(f.vctr(3).unwrap().to_vec().unwrap(), ts::<T>(&[0.0; 3]));

    let vals: Vec<f64> = (1..=6).map(f64::from).collect();
    for layout in LAYOUTS {
        // 2x3, listed in layout order.
        let mut a = f.ge_from(2, 3, &ts::<T>(&vals), layout).unwrap();
        let at = |i: usize, j: usize| match layout {
            Layout::ColumnMajor => vals[i + 2 * j],
            Layout::RowMajor => vals[3 * i + j],
        };
        for i in 0..2 {
            for j in 0..3 {
                assert_eq!(
                    a.entry(i, j).unwrap(),
                    t(at(i, j)),
                    "{layout:?} entry ({i},{j})"
                );
                assert_eq!(
                    a.trans().entry(j, i).unwrap(),
                    t(at(i, j)),
                    "{layout:?} trans"
                );
            }
            let row = f64s(&a.row(i).unwrap().to_vec().unwrap());
            assert_eq!(
                row,
                (0..3).map(|j| at(i, j)).collect::<Vec<_>>(),
                "{layout:?} row {i}"
            );
        }
        for j in 0..3 {
            let col = f64s(&a.col(j).unwrap().to_vec().unwrap());
            assert_eq!(col, vec![at(0, j), at(1, j)], "{layout:?} col {j}");
        }
        assert_eq!(a.rows().count(), 2);
        let cols: Vec<Vec<T>> = a.cols().map(|c| c.to_vec().unwrap()).collect();
        assert_eq!(cols.len(), 3);
        assert_eq!(f64s(&cols[2]), vec![at(0, 2), at(1, 2)]);
        let sub = a.submatrix(0, 1, 2, 2).unwrap();
        assert_eq!(
            f64s(&sub.to_vec().unwrap()),
            vec![at(0, 1), at(1, 1), at(0, 2), at(1, 2)]
        );
        assert!(sub.view_vctr().is_err() || layout == Layout::ColumnMajor);
        assert_eq!(a.view_vctr().unwrap().dim(), 6);

        a.set_entry(1, 2, t(-1.0)).unwrap();
        assert_eq!(a.entry(1, 2).unwrap(), t(-1.0));
        a.submatrix_mut(0, 0, 2, 1)
            .unwrap()
            .set_from(&ts::<T>(&[7.0, 8.0]))
            .unwrap();
        assert_eq!(f64s(&a.col(0).unwrap().to_vec().unwrap()), vec![7.0, 8.0]);
        a.row_mut(0).unwrap().set_entry(1, t(9.0)).unwrap();
        assert_eq!(a.entry(0, 1).unwrap(), t(9.0));

        // Round trip through the native factory of the same type and back.
        let host = crate::native::native_for::<T>();
        let b = a.transfer(&host).unwrap().transfer(f).unwrap();
        assert_eq!(b.layout(), layout);
        assert_eq!(b.to_vec().unwrap(), a.to_vec().unwrap());
    }
    let y = x.transfer(&crate::native::native_for::<T>()).unwrap();
    assert_eq!(y.to_vec().unwrap(), x.to_vec().unwrap());
}

/// BLAS 1 on contiguous vectors and matrices against the reference.
pub fn blas1<T: Scalar>(f: &Factory<T>) {
    for n in [0usize, 1, 7, 64, 1000, 70_001] {
        let xd = data(n, 1);
        let yd = data(n, 2);
        let x = f.vctr_from(&ts::<T>(&xd)).unwrap();
        let y = f.vctr_from(&ts::<T>(&yd)).unwrap();
        let (d, bd) = reference::dot(&xd, &yd);
        let what = format!("dot n={n}");
        assert_within(
            &what,
            &[blas::dot(&x, &y).unwrap()],
            &[d],
            &[dot_bound::<T>(n, bd)],
        );
        let asum: f64 = xd.iter().map(|v| v.abs()).sum();
        let sum: f64 = xd.iter().sum();
        let nrm2 = xd.iter().map(|v| v * v).sum::<f64>().sqrt();
        let amax = xd.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert_within(
            "asum",
            &[blas::asum(&x).unwrap()],
            &[asum],
            &[dot_bound::<T>(n, asum)],
        );
        assert_within(
            "sum",
            &[blas::sum(&x).unwrap()],
            &[sum],
            &[dot_bound::<T>(n, asum)],
        );
        assert_within(
            "nrm2",
            &[blas::nrm2(&x).unwrap()],
            &[nrm2],
            &[dot_bound::<T>(n, nrm2) * 2.0],
        );
        assert_eq!(
            blas::amax(&x).unwrap().as_f64(),
            f64s(&ts::<T>(&[amax]))[0],
            "amax n={n}"
        );
        if n > 0 {
            let xs = ts::<T>(&xd);
            let best = xs.iter().fold(T::zero(), |m, v| m.max(v.abs()));
            let i = xs.iter().position(|v| v.abs() == best).unwrap();
            assert_eq!(blas::iamax(&x).unwrap(), i, "iamax n={n}");
        }
        let (alpha, beta) = (0.75, -1.5);
        let exp_axpby: Vec<f64> = xd
            .iter()
            .zip(&yd)
            .map(|(a, b)| alpha * a + beta * b)
            .collect();
        let bound: Vec<f64> = exp_axpby
            .iter()
            .map(|v| 4.0 * T::EPSILON.as_f64() * (v.abs() + 2.0))
            .collect();
        let r = blas::axpby(t(alpha), &x, t(beta), &y).unwrap();
        assert_within("axpby", &r.to_vec().unwrap(), &exp_axpby, &bound);
        let exp_axpy: Vec<f64> = xd.iter().zip(&yd).map(|(a, b)| alpha * a + b).collect();
        let r = blas::axpy(t(alpha), &x, &y).unwrap();
        assert_within("axpy", &r.to_vec().unwrap(), &exp_axpy, &bound);
        let r = blas::scal(t(alpha), &x).unwrap();
        let exp: Vec<f64> = xd.iter().map(|v| alpha * v).collect();
        assert_within("scal", &r.to_vec().unwrap(), &exp, &bound);
        let mut c = blas::copy(&x).unwrap();
        assert_eq!(c.to_vec().unwrap(), x.to_vec().unwrap());
        let mut y2 = blas::copy(&y).unwrap();
        blas::swap(&mut c, &mut y2).unwrap();
        assert_eq!(c.to_vec().unwrap(), y.to_vec().unwrap());
        assert_eq!(y2.to_vec().unwrap(), x.to_vec().unwrap());
        blas::scal_inplace(t(2.0), &mut c).unwrap();
        let exp: Vec<f64> = f64s(&y.to_vec().unwrap()).iter().map(|v| 2.0 * v).collect();
        assert_within("scal!", &c.to_vec().unwrap(), &exp, &vec![0.0; n]);
    }
    // axpby with beta = 0 must not read y (NaN there is ignored).
    let x = f.vctr_from(&ts::<T>(&[1.0, 2.0])).unwrap();
    let mut y = f.vctr_from(&[T::nan(), T::nan()]).unwrap();
    blas::axpby_into(t(2.0), &x, T::zero(), &mut y).unwrap();
    assert_eq!(f64s(&y.to_vec().unwrap()), vec![2.0, 4.0]);
}

/// BLAS 1 on strided views and on matrices of both layouts.
pub fn blas1_strided<T: Scalar>(f: &Factory<T>) {
    for (m, n) in [(3usize, 4usize), (17, 9), (64, 33)] {
        for la in LAYOUTS {
            for lb in LAYOUTS {
                let ra = rand_matrix(m, n, 5);
                let rb = rand_matrix(m, n, 6);
                let a = matrix(f, &ra, la);
                let mut b = matrix(f, &rb, lb);
                let (d, bd) = reference::dot(&ra.data, &rb.data);
                let what = format!("dot {m}x{n} {la:?} {lb:?}");
                assert_within(
                    &what,
                    &[blas::dot(&a, &b).unwrap()],
                    &[d],
                    &[dot_bound::<T>(m * n, bd)],
                );
                // Rows of a: strided vectors when a is column-major.
                let i = m / 2;
                let row = a.row(i).unwrap();
                let col = b.col(n - 1).unwrap();
                assert_eq!(row.dim(), n);
                let exp_row: Vec<f64> = (0..n).map(|j| ra.get(i, j)).collect();
                assert_eq!(f64s(&row.to_vec().unwrap()), f64s(&ts::<T>(&exp_row)));
                let s = blas::sum(&row).unwrap();
                let abs: f64 = exp_row.iter().map(|v| v.abs()).sum();
                assert_within(
                    "sum of a row",
                    &[s],
                    &[exp_row.iter().sum()],
                    &[dot_bound::<T>(n, abs)],
                );
                assert_eq!(col.dim(), m);
                // axpy into a submatrix of b (strided in both directions).
                let (k, l) = (m - 1, n - 2);
                let asub = a.submatrix(1, 0, k, l).unwrap();
                let mut bsub = b.submatrix_mut(0, 2, k, l).unwrap();
                blas::axpy_into(t(2.0), &asub, &mut bsub).unwrap();
                let exp =
                    RefMatrix::from_fn(k, l, |i, j| 2.0 * ra.get(i + 1, j) + rb.get(i, j + 2));
                let bound = vec![8.0 * T::EPSILON.as_f64(); k * l];
                assert_within(
                    "axpy! submatrix",
                    &bsub.to_vec().unwrap(),
                    &exp.data,
                    &bound,
                );
                // Untouched elements stay.
                assert_eq!(b.entry(m - 1, n - 1).unwrap(), t(rb.get(m - 1, n - 1)));
                // copy between layouts through a transpose view.
                let mut c = f.ge(n, m, la.flip()).unwrap();
                blas::copy_into(&a.trans(), &mut c).unwrap();
                assert_eq!(refm(&c), refm(&a.trans()));
            }
        }
    }
}

/// `mv` / `mv!` and `rk` / `rk!` with both layouts, transposes, submatrices and strided vectors.
pub fn blas2<T: Scalar>(f: &Factory<T>) {
    for (m, n) in [
        (1usize, 1usize),
        (4, 2),
        (33, 65),
        (130, 17),
        (300, 400),
        (600, 500),
    ] {
        for layout in LAYOUTS {
            let ra = rand_matrix(m + 2, n + 3, 11);
            let big = matrix(f, &ra, layout);
            let a = big.submatrix(1, 2, m, n).unwrap();
            let ar = RefMatrix::from_fn(m, n, |i, j| ra.get(i + 1, j + 2));
            let xd = data(2 * n + m, 12);
            let xbig = f.vctr_from(&ts::<T>(&xd)).unwrap();
            // x: every other element of xbig is not expressible as a subvector; use a matrix row.
            let xm = matrix(
                f,
                &RefMatrix::from_fn(2, n, |i, j| xd[i * n + j]),
                Layout::ColumnMajor,
            );
            let x = xm.row(1).unwrap(); // stride 2
            let xr: Vec<f64> = (0..n).map(|j| xd[n + j]).collect();
            let yd = data(m, 13);
            for (alpha, beta) in [(1.0, 0.0), (0.5, 2.0), (-1.0, 1.0)] {
                let mut y = f.vctr_from(&ts::<T>(&yd)).unwrap();
                blas::mv_into(t(alpha), &a, &x, t(beta), &mut y).unwrap();
                let (e, b) = reference::gemv(alpha, &ar, &xr, beta, &yd);
                let bound: Vec<f64> = b.iter().map(|v| dot_bound::<T>(n + 1, *v)).collect();
                let what = format!("mv! {m}x{n} {layout:?} alpha={alpha} beta={beta}");
                assert_within(&what, &y.to_vec().unwrap(), &e, &bound);
            }
            // The transpose, and y as a strided row of a matrix.
            let xt = xbig.subvector(0, m).unwrap();
            let mut ym = f.ge(3, n, Layout::ColumnMajor).unwrap();
            let mut yrow = ym.row_mut(2).unwrap();
            blas::mv_into(T::one(), &a.trans(), &xt, T::zero(), &mut yrow).unwrap();
            let (e, b) = reference::gemv(1.0, &ar.t(), &xd[..m], 0.0, &vec![0.0; n]);
            let bound: Vec<f64> = b.iter().map(|v| dot_bound::<T>(m, *v)).collect();
            assert_within("mv! trans", &yrow.to_vec().unwrap(), &e, &bound);
            assert_eq!(
                ym.row(0).unwrap().to_vec().unwrap(),
                vec![T::zero(); n],
                "mv! wrote outside y"
            );
            // Allocating mv.
            let y = blas::mv(&a, &x).unwrap();
            let (e, b) = reference::gemv(1.0, &ar, &xr, 0.0, &vec![0.0; m]);
            let bound: Vec<f64> = b.iter().map(|v| dot_bound::<T>(n, *v)).collect();
            assert_within("mv", &y.to_vec().unwrap(), &e, &bound);
            // rk!
            let mut c = matrix(f, &ar, layout);
            let yd2 = data(n, 14);
            let yv = f.vctr_from(&ts::<T>(&yd2)).unwrap();
            blas::rk_into(t(0.5), &xt, &yv, &mut c).unwrap();
            let e = reference::ger(0.5, &xd[..m], &yd2, &ar);
            let bound = vec![4.0 * T::EPSILON.as_f64(); m * n];
            assert_within("rk!", &c.to_vec().unwrap(), &e.data, &bound);
            let r = blas::rk(t(0.5), &xt, &yv).unwrap();
            let e = reference::ger(0.5, &xd[..m], &yd2, &RefMatrix::from_fn(m, n, |_, _| 0.0));
            assert_within("rk", &r.to_vec().unwrap(), &e.data, &bound);
        }
    }
    // A one-column view whose column is strided (the transpose of a 1x2 block of a
    // column-major matrix): found by proptest, the column is not contiguous.
    let p = f
        .ge_from(
            2,
            3,
            &ts::<T>(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
            Layout::ColumnMajor,
        )
        .unwrap();
    let a = p.submatrix(0, 0, 1, 2).unwrap().into_trans();
    let x = f.vctr_from(&ts::<T>(&[2.0])).unwrap();
    let y = blas::mv(&a, &x).unwrap();
    assert_eq!(
        f64s(&y.to_vec().unwrap()),
        vec![2.0, 6.0],
        "mv with a strided single column"
    );
    // beta = 0 ignores NaN in y.
    let a = f
        .ge_from(2, 2, &ts::<T>(&[1.0, 2.0, 3.0, 4.0]), Layout::ColumnMajor)
        .unwrap();
    let x = f.vctr_from(&ts::<T>(&[1.0, 1.0])).unwrap();
    let mut y = f.vctr_from(&[T::nan(), T::nan()]).unwrap();
    blas::mv_into(T::one(), &a, &x, T::zero(), &mut y).unwrap();
    assert_eq!(f64s(&y.to_vec().unwrap()), vec![4.0, 6.0]);
}

/// `mm` / `mm!` over all layout combinations, transposes, submatrices, alpha and beta.
pub fn blas3<T: Scalar>(f: &Factory<T>) {
    for (m, k, n) in [
        (1usize, 1usize, 1usize),
        (2, 3, 4),
        (17, 31, 9),
        (64, 64, 64),
        (150, 70, 200),
    ] {
        let ra = rand_matrix(m, k, 21);
        let rb = rand_matrix(k, n, 22);
        let rc = rand_matrix(m, n, 23);
        for la in LAYOUTS {
            for lb in LAYOUTS {
                for lc in LAYOUTS {
                    let a = matrix(f, &ra, la);
                    let b = matrix(f, &rb, lb);
                    for (alpha, beta) in [(1.0, 0.0), (-0.5, 1.5)] {
                        let mut c = matrix(f, &rc, lc);
                        blas::mm_into(t(alpha), &a, &b, t(beta), &mut c).unwrap();
                        let (e, bd) = reference::gemm(alpha, &ra, &rb, beta, &rc);
                        let bound: Vec<f64> =
                            bd.data.iter().map(|v| dot_bound::<T>(k + 1, *v)).collect();
                        let what = format!(
                            "mm! {m}x{k}x{n} {la:?} {lb:?} {lc:?} alpha={alpha} beta={beta}"
                        );
                        assert_within(&what, &c.to_vec().unwrap(), &e.data, &bound);
                    }
                }
            }
        }
        // Transposed operands and a submatrix destination: c[1.., 2..] := bᵀ aᵀ.
        let a = matrix(f, &ra, Layout::ColumnMajor);
        let b = matrix(f, &rb, Layout::RowMajor);
        let mut big = f.ge(n + 3, m + 2, Layout::ColumnMajor).unwrap();
        let mut csub = big.submatrix_mut(1, 2, n, m).unwrap();
        blas::mm_into(T::one(), &b.trans(), &a.trans(), T::zero(), &mut csub).unwrap();
        let (e, bd) = reference::gemm(
            1.0,
            &rb.t(),
            &ra.t(),
            0.0,
            &RefMatrix::from_fn(n, m, |_, _| 0.0),
        );
        let bound: Vec<f64> = bd.data.iter().map(|v| dot_bound::<T>(k, *v)).collect();
        assert_within(
            "mm! transposed into submatrix",
            &csub.to_vec().unwrap(),
            &e.data,
            &bound,
        );
        assert_eq!(
            blas::asum(&big.row(0).unwrap()).unwrap(),
            T::zero(),
            "mm! wrote outside c"
        );
        let c = blas::mm(&a, &b).unwrap();
        let (e, bd) = reference::gemm(1.0, &ra, &rb, 0.0, &rc);
        let bound: Vec<f64> = bd.data.iter().map(|v| dot_bound::<T>(k, *v)).collect();
        assert_within("mm", &c.to_vec().unwrap(), &e.data, &bound);
    }
    // k = 0: c := beta c; beta = 0 ignores NaN in c.
    let a = f.ge(2, 0, Layout::ColumnMajor).unwrap();
    let b = f.ge(0, 2, Layout::ColumnMajor).unwrap();
    let mut c = f
        .ge_from(2, 2, &ts::<T>(&[1.0, 2.0, 3.0, 4.0]), Layout::ColumnMajor)
        .unwrap();
    blas::mm_into(T::one(), &a, &b, t(2.0), &mut c).unwrap();
    assert_eq!(f64s(&c.to_vec().unwrap()), vec![2.0, 4.0, 6.0, 8.0]);
    let a = f
        .ge_from(2, 1, &ts::<T>(&[1.0, 2.0]), Layout::ColumnMajor)
        .unwrap();
    let b = f
        .ge_from(1, 2, &ts::<T>(&[3.0, 4.0]), Layout::ColumnMajor)
        .unwrap();
    let mut c = f
        .ge_from(2, 2, &[T::nan(); 4], Layout::ColumnMajor)
        .unwrap();
    blas::mm_into(T::one(), &a, &b, T::zero(), &mut c).unwrap();
    assert_eq!(f64s(&c.to_vec().unwrap()), vec![3.0, 6.0, 4.0, 8.0]);
}

/// Every unary vector-math operation, on vectors, matrices and submatrices, in all
/// three forms, against the f64 reference within a few ulps.
pub fn vector_math<T: Scalar>(f: &Factory<T>) {
    let ops: Vec<(Unary<T>, f64, f64, f64)> = vec![
        // (op, lower, upper, ulps)
        (Unary::Sqr, -3.0, 3.0, 2.0),
        (Unary::Inv, 0.1, 4.0, 2.0),
        (Unary::Abs, -3.0, 3.0, 0.0),
        (Unary::Sqrt, 0.0, 9.0, 2.0),
        (Unary::Exp, -80.0, 80.0, 4.0),
        (Unary::Log, 1e-30, 1e30, 4.0),
        (Unary::Tanh, -12.0, 12.0, 4.0),
        (Unary::Sigmoid, -30.0, 30.0, 4.0),
        (Unary::Relu, -3.0, 3.0, 0.0),
        (Unary::Elu(t(0.8)), -5.0, 5.0, 8.0),
        (
            Unary::LinearFrac {
                a: t(2.0),
                b: t(1.0),
                c: t(0.5),
                d: t(3.0),
            },
            -1.0,
            1.0,
            4.0,
        ),
        (Unary::Pow(t(2.5)), 0.0, 3.0, 8.0),
        (Unary::Round, -4.0, 4.0, 0.0),
        (Unary::Step, -2.0, 2.0, 0.0),
        (Unary::Scale(t(-1.5)), -3.0, 3.0, 1.0),
    ];
    for (op, lo, hi, ulps) in ops {
        let geometric = matches!(op, Unary::Log);
        for (m, n) in [(1usize, 1usize), (7, 3), (100, 301)] {
            let raw = data(m * n, 31);
            let vals: Vec<f64> = raw
                .iter()
                .map(|u| {
                    let w = (u + 1.0) / 2.0;
                    if geometric {
                        (lo.ln() + w * (hi.ln() - lo.ln())).exp()
                    } else {
                        lo + w * (hi - lo)
                    }
                })
                .map(|v| T::of(v).as_f64())
                .collect();
            let r64 = reference::unary_f64(op);
            let expected: Vec<f64> = vals.iter().map(|v| reference::unary(r64, *v)).collect();
            let what = format!("{} {m}x{n}", op.name());
            for layout in LAYOUTS {
                let a = matrix(
                    f,
                    &RefMatrix {
                        m,
                        n,
                        data: vals.clone(),
                    },
                    layout,
                );
                let y = math::unary(op, &a).unwrap();
                assert_ulps(&what, &y.to_vec().unwrap(), &expected, ulps);
                let mut z = blas::copy(&a).unwrap();
                math::unary_inplace(op, &mut z).unwrap();
                assert_ulps(
                    &format!("{what} in place"),
                    &z.to_vec().unwrap(),
                    &expected,
                    ulps,
                );
                let mut w = f.ge(m, n, layout.flip()).unwrap();
                math::unary_into(op, &a, &mut w).unwrap();
                assert_ulps(
                    &format!("{what} into other layout"),
                    &w.to_vec().unwrap(),
                    &expected,
                    ulps,
                );
            }
            // A strided vector view (a matrix row).
            let a = matrix(
                f,
                &RefMatrix {
                    m,
                    n,
                    data: vals.clone(),
                },
                Layout::ColumnMajor,
            );
            let row = a.row(m - 1).unwrap();
            let exp_row: Vec<f64> = (0..n).map(|j| expected[m - 1 + j * m]).collect();
            let y: Vector<T> = math::unary(op, &row).unwrap();
            assert_ulps(&format!("{what} row"), &y.to_vec().unwrap(), &exp_row, ulps);
        }
    }
    // Special values.
    let x = f
        .vctr_from(&[T::nan(), T::infinity(), T::neg_infinity(), T::zero()])
        .unwrap();
    let e = f64s(&math::exp(&x).unwrap().to_vec().unwrap());
    assert!(
        e[0].is_nan() && e[1] == f64::INFINITY && e[2] == 0.0 && e[3] == 1.0,
        "exp specials {e:?}"
    );
    let th = f64s(&math::tanh(&x).unwrap().to_vec().unwrap());
    assert!(
        th[0].is_nan() && th[1] == 1.0 && th[2] == -1.0 && th[3] == 0.0,
        "tanh specials {th:?}"
    );
    let lg = f64s(&math::log(&x).unwrap().to_vec().unwrap());
    assert!(
        lg[0].is_nan() && lg[1] == f64::INFINITY && lg[2].is_nan() && lg[3] == f64::NEG_INFINITY,
        "log specials {lg:?}"
    );
    // fmap (host factories) and fill.
    let mut y = f.vctr_from(&ts::<T>(&[1.0, 2.0])).unwrap();
    match math::fmap_inplace(&mut y, |v| v * v + T::one()) {
        Ok(()) => assert_eq!(f64s(&y.to_vec().unwrap()), vec![2.0, 5.0]),
        Err(Error::Unsupported { op, .. }) => assert_eq!(op, "fmap"),
        Err(e) => panic!("fmap: {e}"),
    }
    math::fill(&mut y, t(3.0)).unwrap();
    assert_eq!(f64s(&y.to_vec().unwrap()), vec![3.0, 3.0]);
}

/// Binary element-wise operations in all three forms.
pub fn binary_math<T: Scalar>(f: &Factory<T>) {
    for op in [
        Binary::Mul,
        Binary::Div,
        Binary::Fmax,
        Binary::Fmin,
        Binary::Add,
        Binary::Sub,
    ] {
        for (m, n) in [(1usize, 1usize), (5, 4), (300, 300)] {
            let xd: Vec<f64> = ts::<T>(&data(m * n, 41))
                .iter()
                .map(|v| v.as_f64())
                .collect();
            let shifted: Vec<f64> = data(m * n, 42).iter().map(|v| v + 2.0).collect();
            let yd: Vec<f64> = ts::<T>(&shifted).iter().map(|v| v.as_f64()).collect();
            let e: Vec<f64> = xd
                .iter()
                .zip(&yd)
                .map(|(a, b)| reference::binary(op, *a, *b))
                .collect();
            let x = matrix(
                f,
                &RefMatrix {
                    m,
                    n,
                    data: xd.clone(),
                },
                Layout::ColumnMajor,
            );
            let y = matrix(
                f,
                &RefMatrix {
                    m,
                    n,
                    data: yd.clone(),
                },
                Layout::RowMajor,
            );
            let what = format!("{} {m}x{n}", op.name());
            assert_ulps(
                &what,
                &math::binary(op, &x, &y).unwrap().to_vec().unwrap(),
                &e,
                1.0,
            );
            let mut z = f.ge(m, n, Layout::RowMajor).unwrap();
            math::binary_into(op, &x, &y, &mut z).unwrap();
            assert_ulps(&what, &z.to_vec().unwrap(), &e, 1.0);
            let mut w = blas::copy(&x).unwrap();
            math::binary_inplace(op, &mut w, &y).unwrap();
            assert_ulps(&what, &w.to_vec().unwrap(), &e, 1.0);
        }
    }
}

/// Seeded random numbers: bounds, moments, reproducibility.
pub fn random<T: Scalar>(f: &Factory<T>) {
    let n = 100_000;
    let mut x = f.vctr(n).unwrap();
    crate::rand_uniform_range(&mut crate::seeded_rng(7), t(-2.0), t(3.0), &mut x).unwrap();
    let v = f64s(&x.to_vec().unwrap());
    assert!(
        v.iter().all(|x| (-2.0..3.0).contains(x)),
        "rand_uniform out of bounds"
    );
    let mean = v.iter().sum::<f64>() / n as f64;
    assert!((mean - 0.5).abs() < 0.03, "uniform mean {mean}");
    let mut y = f.vctr(n).unwrap();
    crate::rand_uniform_range(&mut crate::seeded_rng(7), t(-2.0), t(3.0), &mut y).unwrap();
    assert_eq!(
        x.to_vec().unwrap(),
        y.to_vec().unwrap(),
        "same seed, same numbers"
    );
    let mut a = f.ge(300, 300, Layout::RowMajor).unwrap();
    crate::rand_normal(
        &mut crate::seeded_rng(8),
        t(1.0),
        t(2.0),
        &mut a.submatrix_mut(0, 0, 300, 300).unwrap(),
    )
    .unwrap();
    let v = f64s(&a.to_vec().unwrap());
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
    assert!(
        (mean - 1.0).abs() < 0.03 && (sd - 2.0).abs() < 0.03,
        "normal mean {mean} sd {sd}"
    );
    assert!(crate::rand_normal(&mut crate::seeded_rng(1), t(0.0), t(-1.0), &mut a).is_err());
    assert!(crate::rand_uniform_range(&mut crate::seeded_rng(1), t(1.0), t(1.0), &mut a).is_err());
}

/// `gather_cols_into`: the selected columns in order (repeats allowed), from and into
/// submatrices of either layout, nothing written outside `y`; the same indices twice,
/// then others, then fewer (device engines cache the uploaded indices); and the errors.
pub fn gather_cols<T: Scalar>(f: &Factory<T>) {
    let rx = rand_matrix(6, 9, 41);
    for lx in LAYOUTS {
        for ly in LAYOUTS {
            let big = matrix(f, &rx, lx);
            let x = big.submatrix(1, 1, 4, 8).unwrap();
            let mut ybig = f.ge(6, 7, ly).unwrap();
            for cols in [
                &[7usize, 0, 3, 3, 5][..],
                &[7, 0, 3, 3, 5],
                &[2, 1, 0, 6, 4],
                &[5, 5],
            ] {
                math::fill(&mut ybig, t(-9.0)).unwrap();
                let mut y = ybig.submatrix_mut(2, 1, 4, cols.len()).unwrap();
                blas::gather_cols_into(&x, cols, &mut y).unwrap();
                let got = f64s(&ybig.to_vec().unwrap());
                let expect = RefMatrix::from_fn(6, 7, |i, j| {
                    let inside = (2..6).contains(&i) && (1..=cols.len()).contains(&j);
                    if inside {
                        T::of(rx.get(i - 1, cols[j - 1] + 1)).as_f64()
                    } else {
                        -9.0
                    }
                });
                assert_eq!(
                    got,
                    expect.data,
                    "{}: gather_cols {cols:?} {lx:?} -> {ly:?}",
                    f.name()
                );
            }
        }
    }
    let x = f.ge(3, 4, Layout::ColumnMajor).unwrap();
    let mut y = f.ge(3, 2, Layout::ColumnMajor).unwrap();
    let err = blas::gather_cols_into(&x, &[1, 4], &mut y)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cols[1] = 4 but x has 4 columns"), "{err}");
    let err = blas::gather_cols_into(&x, &[1], &mut y)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("1 column indices for a y of 2 columns"),
        "{err}"
    );
    let mut z = f.ge(2, 2, Layout::ColumnMajor).unwrap();
    let err = blas::gather_cols_into(&x, &[0, 1], &mut z)
        .unwrap_err()
        .to_string();
    assert!(err.contains("x is 3x4 but y is 2x2"), "{err}");
    let mut empty = f.ge(3, 0, Layout::ColumnMajor).unwrap();
    blas::gather_cols_into(&x, &[], &mut empty).unwrap();
}

/// `rand_uniform_fast` / `rand_normal_fast`: bounds, moments, the same numbers for the
/// same seed; on host engines exactly `rand_uniform`'s numbers, on device engines
/// Philox4x32-10's ([`crate::philox4x32_10`]) under the key drawn from the seed.
pub fn random_fast<T: Scalar>(f: &Factory<T>) {
    use rand::RngCore;
    let n = 100_000;
    let (lo, hi) = (t::<T>(-1.0), t::<T>(2.0));
    let mut x = f.vctr(n).unwrap();
    crate::rand_uniform_fast(&mut crate::seeded_rng(3), lo, hi, &mut x).unwrap();
    let v = x.to_vec().unwrap();
    assert!(v.iter().all(|u| (lo..hi).contains(u)), "out of [-1, 2)");
    let mean = f64s(&v).iter().sum::<f64>() / n as f64;
    assert!((mean - 0.5).abs() < 0.02, "uniform mean {mean}");
    let mut y = f.vctr(n).unwrap();
    crate::rand_uniform_fast(&mut crate::seeded_rng(3), lo, hi, &mut y).unwrap();
    assert_eq!(v, y.to_vec().unwrap(), "same seed, same numbers");
    if f.is_host() {
        crate::rand_uniform_range(&mut crate::seeded_rng(3), lo, hi, &mut y).unwrap();
        assert_eq!(
            v,
            y.to_vec().unwrap(),
            "host engines: rand_uniform's numbers"
        );
    } else {
        let key = crate::seeded_rng(3).next_u64();
        for (k, got) in v.iter().take(64).enumerate() {
            let w = crate::philox4x32_10([k as u32, 0, 0, 0], [key as u32, (key >> 32) as u32]);
            let unit = if T::NAME == "float" {
                f64::from(w[0] >> 8) * 2f64.powi(-24)
            } else {
                (f64::from(w[0] >> 5) * 67_108_864.0 + f64::from(w[1] >> 6)) * 2f64.powi(-53)
            };
            let want = -1.0 + 3.0 * unit;
            assert!(
                (got.as_f64() - want).abs() <= 4.0 * T::EPSILON.as_f64() * 2.0,
                "element {k}: {got} but Philox gives {want}"
            );
        }
    }
    crate::rand_normal_fast(&mut crate::seeded_rng(4), t(1.0), t(2.0), &mut y).unwrap();
    let v = f64s(&y.to_vec().unwrap());
    let mean = v.iter().sum::<f64>() / n as f64;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    assert!(
        (mean - 1.0).abs() < 0.03 && (sd - 2.0).abs() < 0.03,
        "normal mean {mean} sd {sd}"
    );
    // a strided view: only its elements change
    let mut a = f.ge(4, 6, Layout::ColumnMajor).unwrap();
    let mut sub = a.submatrix_mut(1, 1, 2, 3).unwrap();
    crate::rand_uniform_fast(&mut crate::seeded_rng(5), t(1.0), t(2.0), &mut sub).unwrap();
    let all = f64s(&a.to_vec().unwrap());
    for j in 0..6 {
        for i in 0..4 {
            let inside = (1..3).contains(&i) && (1..4).contains(&j);
            let e = all[i + 4 * j];
            assert!(
                if inside {
                    (1.0..2.0).contains(&e)
                } else {
                    e == 0.0
                },
                "({i}, {j}) = {e}"
            );
        }
    }
    assert!(crate::rand_uniform_fast(&mut crate::seeded_rng(1), t(1.0), t(1.0), &mut y).is_err());
    assert!(crate::rand_normal_fast(&mut crate::seeded_rng(1), t(0.0), t(-1.0), &mut y).is_err());
}

/// Precondition failures are errors that list every problem and name the operation.
pub fn errors<T: Scalar>(f: &Factory<T>) {
    let a = f.ge(4, 2, Layout::ColumnMajor).unwrap();
    let b = f.ge(3, 5, Layout::ColumnMajor).unwrap();
    let mut c = f.ge(2, 2, Layout::ColumnMajor).unwrap();
    let e = blas::mm_into(T::one(), &a, &b, T::zero(), &mut c).unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("mm: a is 4x2 but b is 3x5"), "{msg}");
    assert!(
        msg.contains("c is 2x2 but a·b is 4x5"),
        "all problems listed: {msg}"
    );
    let x = f.vctr(3).unwrap();
    let mut y = f.vctr(5).unwrap();
    let msg = blas::mv_into(T::one(), &a, &x, T::zero(), &mut y)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("x has dim 3") && msg.contains("y has dim 5"),
        "{msg}"
    );
    assert!(blas::dot(&x, &y)
        .unwrap_err()
        .to_string()
        .starts_with("dot: x is a vector of dim 3"));
    assert!(
        x.entry(3).is_err() && a.entry(4, 0).is_err() && a.row(4).is_err() && a.col(2).is_err()
    );
    assert!(x.subvector(2, 2).is_err() && a.submatrix(1, 1, 4, 1).is_err());
    assert!(f.ge_from(2, 2, &[T::one(); 3], Layout::RowMajor).is_err());
    assert!(blas::iamax(&f.vctr(0).unwrap()).is_err());
    assert!(
        blas::axpy_into(T::one(), &a, &mut y).is_err(),
        "matrix vs vector"
    );
    // Mixing with another factory is an error, never a silent copy.
    let other = Factory::new(crate::native::NativeEngine::<T>::default());
    if !other.same(f) {
        let z = other.vctr(3).unwrap();
        let e = blas::dot(&x, &z).unwrap_err();
        assert!(matches!(e, Error::MixedFactories { op: "dot", .. }), "{e}");
        let mut w = f.vctr(3).unwrap();
        crate::transfer_into(&z, &mut w).unwrap();
    }
}

/// The book's golden values: "Representing layers and connections" and "Bias and
/// activation function" (Part II).
pub fn book_values<T: Scalar>(f: &Factory<T>) {
    let round2 = |v: Vec<T>| {
        v.iter()
            .map(|x| (x.as_f64() * 100.0).round() / 100.0)
            .collect::<Vec<_>>()
    };
    let x = f.vctr_from(&ts::<T>(&[0.3, 0.9])).unwrap();
    let w1 = f
        .ge_from(
            4,
            2,
            &ts::<T>(&[0.3, 0.6, 0.1, 2.0, 0.9, 3.7, 0.0, 1.0]),
            Layout::RowMajor,
        )
        .unwrap();
    let mut h1 = f.vctr(4).unwrap();
    blas::mv_into(T::one(), &w1, &x, T::zero(), &mut h1).unwrap();
    assert_eq!(round2(h1.to_vec().unwrap()), vec![0.63, 1.83, 3.60, 0.90]);
    let w2 = f
        .ge_from(1, 4, &ts::<T>(&[0.75, 0.15, 0.22, 0.33]), Layout::RowMajor)
        .unwrap();
    assert_eq!(
        round2(blas::mv(&w2, &h1).unwrap().to_vec().unwrap()),
        vec![1.84]
    );

    let bias1 = f.vctr_from(&ts::<T>(&[0.7, 0.2, 1.1, 2.0])).unwrap();
    blas::axpy_into(t(-1.0), &bias1, &mut h1).unwrap();
    assert_eq!(
        round2(math::step(&h1).unwrap().to_vec().unwrap()),
        vec![0.0, 1.0, 1.0, 0.0]
    );
    assert_eq!(
        round2(math::relu(&h1).unwrap().to_vec().unwrap()),
        vec![0.0, 1.63, 2.50, 0.0]
    );
    assert_eq!(
        round2(math::tanh(&h1).unwrap().to_vec().unwrap()),
        vec![-0.07, 0.93, 0.99, -0.80]
    );
    assert_eq!(
        round2(math::sigmoid(&h1).unwrap().to_vec().unwrap()),
        vec![0.48, 0.84, 0.92, 0.25]
    );
    math::tanh_inplace(&mut h1).unwrap();
    let bias2 = f.vctr_from(&ts::<T>(&[0.3])).unwrap();
    let mut y = f.vctr(1).unwrap();
    blas::mv_into(T::one(), &w2, &h1, T::zero(), &mut y).unwrap();
    blas::axpy_into(t(-1.0), &bias2, &mut y).unwrap();
    math::sigmoid_inplace(&mut y).unwrap();
    assert_eq!(round2(y.to_vec().unwrap()), vec![0.44]);
}

/// The bad-input sweep on one factory: every public operation with mismatched shapes,
/// empty and huge sizes, out-of-range views, NaN values and (on a non-native factory)
/// a native argument, under `catch_unwind`. Any panic fails; bad shapes must be errors.
pub fn bad_input_sweep<T: Scalar>(f: &Factory<T>) {
    use crate::sweep::Sweep;
    let mut s = Sweep::new(format!("la-core sweep on {}", f.name()));
    let nan = T::nan();
    let vec_of = |n: usize| f.vctr_from(&ts::<T>(&data(n, n as u64))).unwrap();
    let dims = [0usize, 1, 3, 4];
    let vecs: Vec<Vector<T>> = dims.iter().map(|&n| vec_of(n)).collect();

    // Factories: huge and inconsistent sizes.
    s.rejects("vctr(usize::MAX)", || f.vctr(usize::MAX));
    s.rejects("ge(usize::MAX, 2)", || {
        f.ge(usize::MAX, 2, Layout::ColumnMajor)
    });
    s.rejects("ge(2^33, 2^33)", || {
        f.ge(1 << 33, 1 << 33, Layout::RowMajor)
    });
    s.rejects("ge_from(2, 2, 3 values)", || {
        f.ge_from(2, 2, &ts::<T>(&[1.0, 2.0, 3.0]), Layout::ColumnMajor)
    });
    s.no_panic("vctr_from([])", || f.vctr_from(&[]));
    s.no_panic("ge(0, 0)", || f.ge(0, 0, Layout::ColumnMajor));

    // Vector pairs: equal dims must not panic; different dims must be errors.
    for x in &vecs {
        for y in &vecs {
            let (m, n) = (x.dim(), y.dim());
            let same = m == n;
            let mut yc = f.vctr_from(&y.to_vec().unwrap()).unwrap();
            let mut z = f.vctr(m).unwrap();
            let mut run = |what: String, r: &mut dyn FnMut() -> Result<(), Error>| {
                if same {
                    s.no_panic(&what, r);
                } else {
                    s.rejects(&what, r);
                }
            };
            run(format!("dot({m}, {n})"), &mut || crate::dot(x, y).map(drop));
            run(format!("axpy_into({m}, {n})"), &mut || {
                crate::axpy_into(t(2.0), x, &mut yc)
            });
            run(format!("axpby_into({m}, {n})"), &mut || {
                crate::axpby_into(t(2.0), x, t(0.5), &mut yc)
            });
            run(format!("copy_into({m}, {n})"), &mut || {
                crate::copy_into(x, &mut yc)
            });
            run(format!("transfer_into({m}, {n})"), &mut || {
                crate::transfer_into(x, &mut yc)
            });
            run(format!("mul_into({m}, {n})"), &mut || {
                math::mul_into(x, y, &mut z)
            });
            run(format!("fmax_into({m}, {n})"), &mut || {
                math::fmax_into(x, y, &mut z)
            });
            run(format!("relu_into({m}, {n})"), &mut || {
                math::relu_into(y, &mut z)
            });
            run(format!("linear_frac_into({m}, {n})"), &mut || {
                math::linear_frac_into(t(1.0), y, t(0.0), t(0.0), t(0.0), &mut z)
            });
            let mut xc = f.vctr_from(&x.to_vec().unwrap()).unwrap();
            run(format!("swap({m}, {n})"), &mut || {
                crate::swap(&mut xc, &mut yc)
            });
        }
    }

    // Reductions and element-wise maths on empty, NaN and infinite values.
    let specials = [
        f.vctr(0).unwrap(),
        f.vctr_from(&[nan, t(1.0), nan]).unwrap(),
        f.vctr_from(&[T::infinity(), -T::infinity(), t(0.0)])
            .unwrap(),
    ];
    for (k, x) in specials.iter().enumerate() {
        let d = x.dim();
        s.no_panic(format!("nrm2(special {k})"), || crate::nrm2(x));
        s.no_panic(format!("asum(special {k})"), || crate::asum(x));
        s.no_panic(format!("sum(special {k})"), || crate::sum(x));
        s.no_panic(format!("amax(special {k})"), || crate::amax(x));
        if d == 0 {
            s.rejects("iamax(empty)", || crate::iamax(x));
        } else {
            s.no_panic(format!("iamax(special {k})"), || crate::iamax(x));
        }
        let mut y = f.vctr(d).unwrap();
        for (name, op) in [
            ("sqrt", Unary::Sqrt),
            ("log", Unary::Log),
            ("inv", Unary::Inv),
            ("sigmoid", Unary::Sigmoid),
            ("tanh", Unary::Tanh),
            ("pow(NaN)", Unary::Pow(nan)),
            ("elu(NaN)", Unary::Elu(nan)),
            (
                "linear_frac(0 denominator)",
                Unary::LinearFrac {
                    a: t(1.0),
                    b: t(1.0),
                    c: t(0.0),
                    d: t(0.0),
                },
            ),
        ] {
            s.no_panic(format!("{name}(special {k})"), || {
                math::unary_into(op, x, &mut y)
            });
        }
        s.no_panic(format!("scal(NaN, special {k})"), || {
            crate::scal_inplace(nan, &mut y)
        });
        s.no_panic(format!("fill(NaN, special {k})"), || {
            math::fill(&mut y, nan)
        });
    }

    // Random numbers: bounds that cannot describe a distribution are errors.
    let mut rng = crate::seeded_rng(1);
    let mut v = f.vctr(8).unwrap();
    for (lo, hi) in [
        (t(1.0), t(0.0)),
        (nan, t(1.0)),
        (t(0.0), T::infinity()),
        (-T::max_value(), T::max_value()),
    ] {
        s.rejects(format!("rand_uniform_range({lo}, {hi})"), || {
            crate::rand_uniform_range(&mut rng, lo, hi, &mut v)
        });
    }
    for (mu, sigma) in [(nan, t(1.0)), (t(0.0), t(-1.0)), (t(0.0), T::infinity())] {
        s.rejects(format!("rand_normal({mu}, {sigma})"), || {
            crate::rand_normal(&mut rng, mu, sigma, &mut v)
        });
    }

    // Views out of range, including sizes whose sum overflows.
    let x = vec_of(5);
    for (start, len) in [(4, 2), (6, 0), (usize::MAX, 2), (2, usize::MAX)] {
        s.rejects(format!("subvector({start}, {len}) of 5"), || {
            x.subvector(start, len).map(|v| v.dim())
        });
    }
    for (start, len, step) in [(0, 3, 3), (0, 2, usize::MAX), (usize::MAX, 1, 1)] {
        s.rejects(
            format!("subvector_strided({start}, {len}, {step}) of 5"),
            || x.subvector_strided(start, len, step).map(|v| v.dim()),
        );
    }
    for (m, n) in [(2, 3), (usize::MAX, 2), (1 << 33, 1 << 33)] {
        s.rejects(format!("view_ge({m}, {n}) of 5"), || {
            x.view_ge(m, n, Layout::ColumnMajor).map(|v| v.mrows())
        });
    }
    s.rejects("entry(5) of 5", || x.entry(5));
    let mut xm = vec_of(5);
    s.rejects("set_entry(usize::MAX) of 5", || {
        xm.set_entry(usize::MAX, t(1.0))
    });

    let shapes = [(0, 0), (0, 3), (3, 0), (2, 3), (3, 2), (3, 3)];
    let mats: Vec<Matrix<T>> = shapes
        .iter()
        .enumerate()
        .map(|(k, &(m, n))| {
            let layout = if k % 2 == 0 {
                Layout::ColumnMajor
            } else {
                Layout::RowMajor
            };
            f.ge_from(m, n, &ts::<T>(&data(m * n, 7)), layout).unwrap()
        })
        .collect();
    let a = &mats[3]; // 2x3
    for (i, j, k, l) in [
        (1, 0, 2, 1),
        (0, 3, 1, 1),
        (usize::MAX, 0, 2, 2),
        (0, 0, 3, usize::MAX),
    ] {
        s.rejects(format!("submatrix({i}, {j}, {k}, {l}) of 2x3"), || {
            a.submatrix(i, j, k, l).map(|v| v.mrows())
        });
    }
    s.rejects("row(2) of 2x3", || a.row(2).map(|v| v.dim()));
    s.rejects("col(3) of 2x3", || a.col(3).map(|v| v.dim()));
    s.rejects("entry(2, 0) of 2x3", || a.entry(2, 0));
    s.no_panic("view_vctr of a 2x2 submatrix of 3x3", || {
        mats[5]
            .submatrix(0, 0, 2, 2)
            .and_then(|v| v.view_vctr().map(|v| v.dim()))
    });

    // BLAS 2 and 3 over every shape combination.
    for am in &mats {
        let (m, k) = (am.mrows(), am.ncols());
        for x in &vecs {
            for y in &vecs {
                let mv_ok = x.dim() == k && y.dim() == m;
                let mut yc = f.vctr_from(&y.to_vec().unwrap()).unwrap();
                let what = format!("mv_into({m}x{k}, {}, {})", x.dim(), y.dim());
                if mv_ok {
                    s.no_panic(&what, || crate::mv_into(t(1.0), am, x, t(1.0), &mut yc));
                } else {
                    s.rejects(&what, || crate::mv_into(t(1.0), am, x, t(1.0), &mut yc));
                }
                let rk_ok = x.dim() == m && y.dim() == k;
                let mut ac = f.ge_from(m, k, &am.to_vec().unwrap(), am.layout()).unwrap();
                let what = format!("rk_into({}, {}, {m}x{k})", x.dim(), y.dim());
                if rk_ok {
                    s.no_panic(&what, || crate::rk_into(t(1.0), x, y, &mut ac));
                } else {
                    s.rejects(&what, || crate::rk_into(t(1.0), x, y, &mut ac));
                }
            }
        }
        for bm in &mats {
            for cm in &mats {
                let ok = k == bm.mrows() && cm.mrows() == m && cm.ncols() == bm.ncols();
                let mut cc = f
                    .ge_from(cm.mrows(), cm.ncols(), &cm.to_vec().unwrap(), cm.layout())
                    .unwrap();
                let what = format!(
                    "mm_into({m}x{k}, {}x{}, {}x{})",
                    bm.mrows(),
                    bm.ncols(),
                    cm.mrows(),
                    cm.ncols()
                );
                if ok {
                    s.no_panic(&what, || crate::mm_into(t(1.0), am, bm, t(0.5), &mut cc));
                } else {
                    s.rejects(&what, || crate::mm_into(t(1.0), am, bm, t(0.5), &mut cc));
                }
                let tb = bm.trans();
                let ok_t = k == tb.mrows() && cm.mrows() == m && cm.ncols() == tb.ncols();
                if ok_t {
                    s.no_panic(format!("mm_into with bᵀ: {what}"), || {
                        crate::mm_into(t(1.0), am, &tb, t(0.5), &mut cc)
                    });
                } else {
                    s.rejects(format!("mm_into with bᵀ: {what}"), || {
                        crate::mm_into(t(1.0), am, &tb, t(0.5), &mut cc)
                    });
                }
            }
        }
    }

    // Mixed factories: a native argument on another backend.
    let native = crate::native::native_for::<T>();
    if native.name() != f.name() {
        let (x, y) = (
            vec_of(3),
            native.vctr_from(&ts::<T>(&[1.0, 2.0, 3.0])).unwrap(),
        );
        let mut yc = native.vctr(3).unwrap();
        s.rejects("dot(device, native)", || crate::dot(&x, &y));
        s.rejects("axpy_into(device, native)", || {
            crate::axpy_into(t(1.0), &x, &mut yc)
        });
        s.rejects("copy_into(device, native)", || {
            crate::copy_into(&x, &mut yc)
        });
        let mut z = f.vctr(3).unwrap();
        s.rejects("mul_into(device, native, device)", || {
            math::mul_into(&x, &y, &mut z)
        });
        let a = f.ge(3, 3, Layout::ColumnMajor).unwrap();
        let mut out = native.vctr(3).unwrap();
        s.rejects("mv_into(device, device, native)", || {
            crate::mv_into(t(1.0), &a, &x, t(0.0), &mut out)
        });
        s.no_panic("transfer_into(device, native)", || {
            crate::transfer_into(&x, &mut yc)
        });
    }
    s.finish();
}
