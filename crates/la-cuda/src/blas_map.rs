//! How la-core's matrices map onto cuBLAS's column-major calls. A row-major matrix is
//! its transpose stored column-major, so every layout combination becomes one
//! column-major call with the right transposes, dimensions and operand order. Kept
//! apart from the engine so the tests below check the mapping on any machine, against
//! a reference of cuBLAS's column-major semantics: no GPU needed.

/// `c := alpha op(p) op(q) + beta c`, column-major, for `c := alpha a b + beta c`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GemmCall<D> {
    /// Whether `p` is `b` and `q` is `a` (when `c` is row-major: `cᵀ = bᵀ aᵀ`).
    pub swap: bool,
    /// Whether `p` is read transposed.
    pub tp: bool,
    /// Whether `q` is read transposed.
    pub tq: bool,
    /// `[m, n, k]` of the column-major call.
    pub dims: [D; 3],
}

/// The call for `c (m x n) := a (m x k) b (k x n)` with each operand column-major
/// (`true`) or row-major (`false`).
pub(crate) fn gemm_call<D: Copy>(
    acol: bool,
    bcol: bool,
    ccol: bool,
    [m, n, k]: [D; 3],
) -> GemmCall<D> {
    if ccol {
        // c := op(a) op(b): an operand stored row-major is read transposed
        GemmCall {
            swap: false,
            tp: !acol,
            tq: !bcol,
            dims: [m, n, k],
        }
    } else {
        // cᵀ := bᵀ aᵀ: now a column-major operand is the one read transposed
        GemmCall {
            swap: true,
            tp: bcol,
            tq: acol,
            dims: [n, m, k],
        }
    }
}

/// `y := alpha op(s) x + beta y` where `s` is the stored matrix, `dims` its rows and
/// columns, for `y := alpha a x + beta y` with `a` `m x n`.
pub(crate) fn gemv_call<D: Copy>(col: bool, m: D, n: D) -> (bool, [D; 2]) {
    if col {
        (false, [m, n])
    } else {
        // aᵀ is stored column-major (n x m): y := (aᵀ)ᵀ x
        (true, [n, m])
    }
}

/// `s := alpha u vᵀ + s` on the stored matrix (`dims`), for `a := alpha x yᵀ + a`:
/// `true` when `u, v` are `y, x` (a row-major `a`: `aᵀ += alpha y xᵀ`).
pub(crate) fn ger_call<D: Copy>(col: bool, m: D, n: D) -> (bool, [D; 2]) {
    if col {
        (false, [m, n])
    } else {
        (true, [n, m])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use la_core::engine::Region;

    /// cuBLAS's column-major gemm, by definition.
    #[allow(clippy::too_many_arguments)]
    fn ref_gemm(
        (tp, tq): (bool, bool),
        [m, n, k]: [usize; 3],
        (p, ldp): (&[f64], usize),
        (q, ldq): (&[f64], usize),
        (c, ldc): (&mut [f64], usize),
    ) {
        for j in 0..n {
            for i in 0..m {
                let s: f64 = (0..k)
                    .map(|l| {
                        let pv = if tp { p[l + i * ldp] } else { p[i + l * ldp] };
                        let qv = if tq { q[j + l * ldq] } else { q[l + j * ldq] };
                        pv * qv
                    })
                    .sum();
                c[i + j * ldc] = s;
            }
        }
    }

    /// A matrix stored in `layout` with a padded leading dimension, as a la-core region.
    fn store(
        rows: usize,
        cols: usize,
        col: bool,
        f: impl Fn(usize, usize) -> f64,
    ) -> (Vec<f64>, Region) {
        let r = if col {
            Region {
                offset: 0,
                m: rows,
                n: cols,
                rs: 1,
                cs: rows + 2,
            }
        } else {
            Region {
                offset: 0,
                m: rows,
                n: cols,
                rs: cols + 3,
                cs: 1,
            }
        };
        let mut buf = vec![f64::NAN; r.end() + 4];
        for i in 0..rows {
            for j in 0..cols {
                buf[r.index(i, j)] = f(i, j);
            }
        }
        (buf, r)
    }

    fn ld(r: &Region, col: bool) -> usize {
        let (c, ld) = r.blas_layout().unwrap();
        assert_eq!(c, col);
        ld
    }

    #[test]
    fn gemm_mapping_is_right_for_every_layout_combination() {
        let (m, n, k) = (3, 4, 5);
        let av = |i: usize, l: usize| (i * 7 + l * 3) as f64 - 4.0;
        let bv = |l: usize, j: usize| (l * 2 + j * 5) as f64 * 0.5 - 3.0;
        for (acol, bcol, ccol) in (0..8).map(|b| (b & 1 == 0, b & 2 == 0, b & 4 == 0)) {
            let (a, ra) = store(m, k, acol, av);
            let (b, rb) = store(k, n, bcol, bv);
            let (mut c, rc) = store(m, n, ccol, |_, _| 0.0);
            let call = gemm_call(acol, bcol, ccol, [m, n, k]);
            let (pa, pb) = ((&a[..], ld(&ra, acol)), (&b[..], ld(&rb, bcol)));
            let (p, q) = if call.swap { (pb, pa) } else { (pa, pb) };
            let ldc = ld(&rc, ccol);
            ref_gemm((call.tp, call.tq), call.dims, p, q, (&mut c, ldc));
            for i in 0..m {
                for j in 0..n {
                    let want: f64 = (0..k).map(|l| av(i, l) * bv(l, j)).sum();
                    assert_eq!(c[rc.index(i, j)], want, "{acol} {bcol} {ccol} ({i}, {j})");
                }
            }
        }
    }

    #[test]
    fn gemv_and_ger_mappings_are_right_for_both_layouts() {
        let (m, n) = (3, 5);
        let av = |i: usize, j: usize| (i * 5 + j) as f64 - 6.0;
        let x: Vec<f64> = (0..n).map(|j| j as f64 + 1.0).collect();
        for col in [true, false] {
            let (a, ra) = store(m, n, col, av);
            // gemv as a gemm with one column: y := op(s) x
            let (trans, [sm, sn]) = gemv_call(col, m, n);
            let rows = if trans { sn } else { sm };
            let mut out = vec![0.0; rows];
            ref_gemm(
                (trans, false),
                [rows, 1, if trans { sm } else { sn }],
                (&a, ld(&ra, col)),
                (&x, n),
                (&mut out, rows),
            );
            let want: Vec<f64> = (0..m)
                .map(|i| (0..n).map(|j| av(i, j) * x[j]).sum())
                .collect();
            assert_eq!(out, want, "gemv, column-major {col}");
            // ger, a := x yᵀ + a with x of m and y of n entries, as cuBLAS does it
            // on the stored matrix: s(ii, jj) += u_ii v_jj
            let xg: Vec<f64> = (0..m).map(|i| i as f64 + 1.0).collect();
            let yg: Vec<f64> = (0..n).map(|j| 2.0 - j as f64).collect();
            let (swap, [gm, gn]) = ger_call(col, m, n);
            let (u, v) = if swap { (&yg, &xg) } else { (&xg, &yg) };
            let mut s = a.clone();
            let lds = ld(&ra, col);
            for jj in 0..gn {
                for ii in 0..gm {
                    s[ii + jj * lds] += u[ii] * v[jj];
                }
            }
            for i in 0..m {
                for j in 0..n {
                    let want = av(i, j) + xg[i] * yg[j];
                    assert_eq!(s[ra.index(i, j)], want, "ger {col} ({i}, {j})");
                }
            }
        }
    }
}
