//! The sparse products against an f64 loop over the dense equivalent, on both layouts,
//! submatrix views, `β ≠ 0`, and NaN in `c` with `β = 0`; shape errors name the shapes.

use la_core::prelude::*;
use la_core::sparse::{sparse_mm_into, sparse_mm_t_into, CscMatrix};

/// A k x n sparse matrix (~25% nonzero) and its dense column-major values.
fn sparse(k: usize, n: usize) -> (CscMatrix<f64>, Vec<f64>) {
    let mut b = CscMatrix::with_capacity(k, n, 0);
    let mut dense = vec![0.0; k * n];
    for j in 0..n {
        let (mut r, mut v) = (vec![], vec![]);
        for i in 0..k {
            if (i * 5 + j * 3) % 4 == 0 {
                let x = (i as f64 - j as f64) * 0.25 + 0.5;
                r.push(i as u32);
                v.push(x);
                dense[j * k + i] = x;
            }
        }
        b.push_col(&r, &v).unwrap();
    }
    (b, dense)
}

fn filled<T: Scalar>(f: &Factory<T>, m: usize, n: usize, layout: Layout, seed: u64) -> Matrix<T> {
    let mut a = f.ge(m, n, layout).unwrap();
    rand_uniform(&mut seeded_rng(seed), &mut a).unwrap();
    a
}

fn as_f64<T: Scalar>(m: &impl AsMatrix<T>) -> Vec<Vec<f64>> {
    m.to_rows()
        .unwrap()
        .into_iter()
        .map(|r| r.into_iter().map(Scalar::as_f64).collect())
        .collect()
}

fn check<T: Scalar>(f: &Factory<T>, tol: f64) {
    let (m, k, n) = (7, 9, 5);
    let (b64, bd) = sparse(k, n);
    let mut b = CscMatrix::<T>::with_capacity(k, n, 0);
    for j in 0..n {
        let (r, v) = b64.col(j);
        let v: Vec<T> = v.iter().map(|&x| T::of(x)).collect();
        b.push_col(r, &v).unwrap();
    }
    for layout in [Layout::ColumnMajor, Layout::RowMajor] {
        // c := 2 a b + 0.5 c, with a a submatrix view of a larger matrix.
        let big = filled(f, m + 2, k + 1, layout, 1);
        let a = big.submatrix(1, 1, m, k).unwrap();
        let mut c = filled(f, m, n, layout, 2);
        let (a0, c0) = (as_f64(&a), as_f64(&c));
        sparse_mm_into(T::of(2.0), &a, &b, T::of(0.5), &mut c).unwrap();
        let got = as_f64(&c);
        for i in 0..m {
            for j in 0..n {
                let want: f64 =
                    (0..k).map(|p| a0[i][p] * bd[j * k + p]).sum::<f64>() * 2.0 + 0.5 * c0[i][j];
                assert!(
                    (got[i][j] - want).abs() <= tol,
                    "{layout:?} ({i},{j}): {} vs {want}",
                    got[i][j]
                );
            }
        }
        // c := a bᵀ (β = 0 overwrites NaN), a is m x n, c is m x k.
        let a = filled(f, m, n, layout, 3);
        let mut c = f.ge(m, k, layout).unwrap();
        fill(&mut c, T::of(f64::NAN)).unwrap();
        sparse_mm_t_into(T::one(), &a, &b, T::zero(), &mut c).unwrap();
        let (a0, got) = (as_f64(&a), as_f64(&c));
        for i in 0..m {
            for p in 0..k {
                let want: f64 = (0..n).map(|j| a0[i][j] * bd[j * k + p]).sum();
                assert!(
                    (got[i][p] - want).abs() <= tol,
                    "{layout:?} ({i},{p}): {} vs {want}",
                    got[i][p]
                );
            }
        }
    }
    let a = filled(f, m, k + 1, Layout::ColumnMajor, 4);
    let mut c = f.ge(m, n, Layout::ColumnMajor).unwrap();
    let e = sparse_mm_into(T::one(), &a, &b, T::zero(), &mut c).unwrap_err();
    assert_eq!(
        e.to_string(),
        "sparse_mm: a is 7x10, b is 9x5 (sparse), c is 7x5; need a: m x k, b: k x n, c: m x n"
    );
}

#[test]
fn sparse_products_match_f64_f32() {
    check(&native_float(), 1e-5);
}

#[test]
fn sparse_products_match_f64_f64() {
    check(&native_double(), 1e-12);
}

#[test]
fn csc_checks_its_parts() {
    let e = CscMatrix::new(2, vec![0, 2, 1], vec![0, 1], vec![1.0f32, 2.0]).unwrap_err();
    assert!(e.to_string().contains("col_ptr must not decrease"), "{e}");
    let e = CscMatrix::new(2, vec![0, 2], vec![0, 1], vec![1.0f32]).unwrap_err();
    assert!(e.to_string().contains("2 row indices and 1 values"), "{e}");
    let mut b = CscMatrix::<f32>::with_capacity(3, 1, 2);
    assert!(b.push_col(&[3], &[1.0]).is_err());
    b.push_col(&[0, 2], &[1.0, 2.0]).unwrap();
    assert_eq!((b.ncols(), b.nnz()), (1, 2));
    b.clear();
    assert_eq!((b.ncols(), b.nnz()), (0, 0));
}

/// Large enough for `sparse_mm_into` to split C's columns over two threads: the same
/// as the dense product, and `push_col_from` gathers what `col` reads.
#[test]
fn sparse_product_split_over_threads_matches_dense() {
    let f = native_double();
    let (m, k, n) = (16, 2000, 600);
    let mut b = CscMatrix::with_capacity(k, n, 0);
    let mut dense = vec![0.0; k * n];
    for j in 0..n {
        let rows: Vec<u32> = (0..k as u32)
            .filter(|i| (i * 7 + j as u32 * 11).is_multiple_of(97))
            .collect();
        let vals: Vec<f64> = rows.iter().map(|&i| 1.0 + (i % 5) as f64).collect();
        for (&i, &v) in rows.iter().zip(&vals) {
            dense[j * k + i as usize] = v;
        }
        b.push_col(&rows, &vals).unwrap();
    }
    assert!(b.nnz() * m >= 1 << 16, "not large enough to split");
    let a = filled(&f, m, k, Layout::ColumnMajor, 9);
    let bd = f.ge_from(k, n, &dense, Layout::ColumnMajor).unwrap();
    let mut want = f.ge(m, n, Layout::ColumnMajor).unwrap();
    mm_into(1.0, &a, &bd, 0.0, &mut want).unwrap();
    let mut got = f.ge(m, n, Layout::ColumnMajor).unwrap();
    sparse_mm_into(1.0, &a, &b, 0.0, &mut got).unwrap();
    for (x, y) in got.to_vec().unwrap().iter().zip(want.to_vec().unwrap()) {
        assert!((x - y).abs() <= 1e-12 * (1.0 + y.abs()), "{x} vs {y}");
    }
    let mut gathered = CscMatrix::with_capacity(k, 2, 0);
    gathered.push_col_from(&b, 5).unwrap();
    gathered.push_col_from(&b, 0).unwrap();
    assert_eq!(gathered.col(0), b.col(5));
    assert_eq!(gathered.col(1), b.col(0));
    let e = gathered.push_col_from(&b, n).unwrap_err().to_string();
    assert!(e.contains("column 600 of a 2000x600 matrix"), "{e}");
}
