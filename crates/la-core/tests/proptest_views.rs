//! Property tests: random shapes, layouts, sub-views, transposes and strides, every
//! result compared with the f64 reference under the error bound of `reference::dot_bound`.

use la_core::conformance::assert_within;
use la_core::engine::Unary;
use la_core::prelude::*;
use la_core::reference::{self, dot_bound, RefMatrix};
use proptest::prelude::*;

/// A view of an `m x n` matrix: a submatrix at (`di`, `dj`) of a padded parent in
/// `layout`, optionally seen through `trans` (then the parent block is `n x m`).
#[derive(Debug, Clone)]
struct ViewSpec {
    m: usize,
    n: usize,
    layout: Layout,
    di: usize,
    dj: usize,
    pad: usize,
    trans: bool,
}

fn layout() -> impl Strategy<Value = Layout> {
    prop_oneof![Just(Layout::ColumnMajor), Just(Layout::RowMajor)]
}

fn view(m: usize, n: usize) -> impl Strategy<Value = ViewSpec> {
    (layout(), 0usize..3, 0usize..3, 0usize..3, any::<bool>()).prop_map(
        move |(layout, di, dj, pad, trans)| ViewSpec {
            m,
            n,
            layout,
            di,
            dj,
            pad,
            trans,
        },
    )
}

/// Deterministic values in [-1, 1].
fn values(len: usize, seed: u64) -> Vec<f64> {
    (0..len)
        .map(|k| (((k as u64 * 2654435761 + seed * 97) % 2001) as f64 / 1000.0) - 1.0)
        .collect()
}

/// The parent matrix of a spec, and the reference values of the view.
fn build<T: Scalar>(s: &ViewSpec, seed: u64) -> (Matrix<T>, RefMatrix) {
    let (bm, bn) = if s.trans { (s.n, s.m) } else { (s.m, s.n) };
    let (pm, pn) = (bm + s.di + s.pad, bn + s.dj + s.pad);
    let vals = values(pm * pn, seed);
    let data: Vec<T> = vals.iter().map(|v| T::of(*v)).collect();
    let mut parent = native_for::<T>().ge(pm, pn, s.layout).unwrap();
    parent.set_from(&data).unwrap();
    let block = RefMatrix::from_fn(bm, bn, |i, j| {
        T::of(vals[(i + s.di) + (j + s.dj) * pm]).as_f64()
    });
    let expected = if s.trans { block.t() } else { block };
    (parent, expected)
}

fn native_for<T: Scalar>() -> Factory<T> {
    la_core::native::native_for::<T>()
}

fn the_view<'a, T: Scalar>(parent: &'a Matrix<T>, s: &ViewSpec) -> MatrixView<'a, T> {
    let (bm, bn) = if s.trans { (s.n, s.m) } else { (s.m, s.n) };
    let v = parent.submatrix(s.di, s.dj, bm, bn).unwrap();
    if s.trans {
        v.into_trans()
    } else {
        v
    }
}

fn the_view_mut<'a, T: Scalar>(parent: &'a mut Matrix<T>, s: &ViewSpec) -> MatrixViewMut<'a, T> {
    let (bm, bn) = if s.trans { (s.n, s.m) } else { (s.m, s.n) };
    let v = parent.submatrix_mut(s.di, s.dj, bm, bn).unwrap();
    if s.trans {
        v.into_trans_mut()
    } else {
        v
    }
}

fn check_mm<T: Scalar>(sa: &ViewSpec, sb: &ViewSpec, sc: &ViewSpec, alpha: f64, beta: f64) {
    let (pa, ra) = build::<T>(sa, 1);
    let (pb, rb) = build::<T>(sb, 2);
    let (mut pc, rc) = build::<T>(sc, 3);
    let a = the_view(&pa, sa);
    let b = the_view(&pb, sb);
    let mut c = the_view_mut(&mut pc, sc);
    mm_into(T::of(alpha), &a, &b, T::of(beta), &mut c).unwrap();
    let (e, bd) = reference::gemm(alpha, &ra, &rb, beta, &rc);
    let bound: Vec<f64> = bd
        .data
        .iter()
        .map(|v| dot_bound::<T>(ra.n + 1, *v))
        .collect();
    assert_within("mm!", &c.to_vec().unwrap(), &e.data, &bound);
}

fn check_mv<T: Scalar>(sa: &ViewSpec, xs: usize, ys: usize, alpha: f64, beta: f64) {
    let (pa, ra) = build::<T>(sa, 4);
    let a = the_view(&pa, sa);
    let f = native_for::<T>();
    // x and y as rows of column-major matrices: stride = the number of rows.
    let xv = values(sa.n * xs, 5);
    let xm = f
        .ge_from(
            xs,
            sa.n,
            &xv.iter().map(|v| T::of(*v)).collect::<Vec<_>>(),
            Layout::ColumnMajor,
        )
        .unwrap();
    let x = xm.row(xs - 1).unwrap();
    let xr: Vec<f64> = (0..sa.n)
        .map(|j| T::of(xv[xs - 1 + j * xs]).as_f64())
        .collect();
    let yv = values(sa.m * ys, 6);
    let mut ym = f
        .ge_from(
            ys,
            sa.m,
            &yv.iter().map(|v| T::of(*v)).collect::<Vec<_>>(),
            Layout::ColumnMajor,
        )
        .unwrap();
    let yr: Vec<f64> = (0..sa.m).map(|i| T::of(yv[i * ys]).as_f64()).collect();
    let mut y = ym.row_mut(0).unwrap();
    mv_into(T::of(alpha), &a, &x, T::of(beta), &mut y).unwrap();
    let (e, b) = reference::gemv(alpha, &ra, &xr, beta, &yr);
    let bound: Vec<f64> = b.iter().map(|v| dot_bound::<T>(sa.n + 1, *v)).collect();
    assert_within("mv!", &y.to_vec().unwrap(), &e, &bound);
}

fn check_elementwise<T: Scalar>(sx: &ViewSpec, sy: &ViewSpec, alpha: f64, beta: f64) {
    let (px, rx) = build::<T>(sx, 7);
    let (mut py, ry) = build::<T>(sy, 8);
    let x = the_view(&px, sx);
    let mut y = the_view_mut(&mut py, sy);
    axpby_into(T::of(alpha), &x, T::of(beta), &mut y).unwrap();
    let e: Vec<f64> = rx
        .data
        .iter()
        .zip(&ry.data)
        .map(|(p, q)| alpha * p + beta * q)
        .collect();
    let bound: Vec<f64> = e
        .iter()
        .map(|v| 4.0 * T::EPSILON.as_f64() * (v.abs() + 2.0))
        .collect();
    assert_within("axpby!", &y.to_vec().unwrap(), &e, &bound);
    tanh_into(&x, &mut y).unwrap();
    let e: Vec<f64> = rx
        .data
        .iter()
        .map(|p| reference::unary(Unary::Tanh, *p))
        .collect();
    la_core::conformance::assert_ulps("tanh!", &y.to_vec().unwrap(), &e, 4.0);
    // The parent's last element lies outside the view when there is padding: untouched.
    if sy.pad > 0 {
        let (pm, pn) = (py.mrows(), py.ncols());
        let original = T::of(values(pm * pn, 8)[pm * pn - 1]);
        assert_eq!(
            py.entry(pm - 1, pn - 1).unwrap(),
            original,
            "axpby!/tanh! wrote outside the view"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn mm_matches_reference_f32(
        (m, k, n) in (1usize..24, 0usize..24, 1usize..24),
        sel in (any::<u64>(), -2.0f64..2.0, prop_oneof![Just(0.0), -2.0f64..2.0]),
        va in view(0, 0), vb in view(0, 0), vc in view(0, 0),
    ) {
        let (_, alpha, beta) = sel;
        check_mm::<f32>(&ViewSpec { m, n: k, ..va }, &ViewSpec { m: k, n, ..vb }, &ViewSpec { m, n, ..vc }, alpha, beta);
    }

    #[test]
    fn mm_matches_reference_f64(
        (m, k, n) in (1usize..24, 0usize..24, 1usize..24),
        alpha in -2.0f64..2.0, beta in prop_oneof![Just(0.0), -2.0f64..2.0],
        va in view(0, 0), vb in view(0, 0), vc in view(0, 0),
    ) {
        check_mm::<f64>(&ViewSpec { m, n: k, ..va }, &ViewSpec { m: k, n, ..vb }, &ViewSpec { m, n, ..vc }, alpha, beta);
    }

    #[test]
    fn mv_matches_reference(
        (m, n) in (1usize..40, 1usize..40), xs in 1usize..4, ys in 1usize..4,
        alpha in -2.0f64..2.0, beta in prop_oneof![Just(0.0), Just(1.0), -2.0f64..2.0],
        va in view(0, 0),
    ) {
        check_mv::<f32>(&ViewSpec { m, n, ..va.clone() }, xs, ys, alpha, beta);
        check_mv::<f64>(&ViewSpec { m, n, ..va }, xs, ys, alpha, beta);
    }

    #[test]
    fn elementwise_on_views(
        (m, n) in (1usize..30, 1usize..30),
        alpha in -2.0f64..2.0, beta in prop_oneof![Just(0.0), Just(1.0), -2.0f64..2.0],
        vx in view(0, 0), vy in view(0, 0),
    ) {
        check_elementwise::<f32>(&ViewSpec { m, n, ..vx.clone() }, &ViewSpec { m, n, ..vy.clone() }, alpha, beta);
        check_elementwise::<f64>(&ViewSpec { m, n, ..vx }, &ViewSpec { m, n, ..vy }, alpha, beta);
    }

    #[test]
    fn view_algebra(
        (m, n) in (1usize..20, 1usize..20), l in layout(),
        (i, j) in (0usize..20, 0usize..20), (k, w) in (0usize..20, 0usize..20),
    ) {
        let vals: Vec<f64> = values(m * n, 9);
        let a = dge(m, n, &vals, l).unwrap();
        // trans ∘ trans is the identity; row i of the transpose is column i.
        prop_assert_eq!(a.trans().into_trans().to_vec().unwrap(), a.to_vec().unwrap());
        if i < n {
            prop_assert_eq!(a.trans().row(i).unwrap().to_vec().unwrap(), a.col(i).unwrap().to_vec().unwrap());
        }
        // A submatrix of a submatrix is the submatrix at the summed offset.
        let fits = i + k <= m && j + w <= n;
        let sub = a.submatrix(i, j, k, w);
        prop_assert_eq!(sub.is_ok(), fits);
        if fits && k > 0 && w > 0 {
            let s = sub.unwrap();
            let inner = s.into_submatrix(k / 2, w / 2, k - k / 2, w - w / 2).unwrap();
            let direct = a.submatrix(i + k / 2, j + w / 2, k - k / 2, w - w / 2).unwrap();
            prop_assert_eq!(inner.to_vec().unwrap(), direct.to_vec().unwrap());
            // Entries agree with the reference layout rule.
            let e = |p: usize, q: usize| match l {
                Layout::ColumnMajor => vals[p + q * m],
                Layout::RowMajor => vals[p * n + q],
            };
            prop_assert_eq!(s.entry(k - 1, w - 1).unwrap(), e(i + k - 1, j + w - 1));
        }
    }
}
