//! oneDNN's convolutions against the native kernels (which tensor-core checks against
//! an f64 reference) on geometries with strides, padding, dilation, odd sizes and
//! small batches, in all three directions (a whole network trained on oneDNN is
//! nn-dnn's `tests/dnnl.rs`). Prints `SKIP` without oneDNN (`DLFP_REQUIRE_DNNL=1`
//! fails instead).

use la_core::prelude::*;
use tensor_core::dnn::{Convolution, PoolAlgo};
use tensor_core::{desc, tensor_from, AsTensor, DataType, DnnFactory, TensorLayout};

fn values(seed: u64, n: usize) -> Vec<f32> {
    let f = native_float();
    let mut v = f.vctr(n).unwrap();
    rand_uniform(&mut seeded_rng(seed), &mut v).unwrap();
    v.to_vec().unwrap().iter().map(|x| 2.0 * x - 1.0).collect()
}

/// Relative to the larger values' scale: f32 sums of up to a few thousand products.
fn close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}");
    let scale = want.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 2e-5 * scale * (1.0 + (want.len() as f32).log10()),
            "{what}[{i}]: dnnl {g} vs native {w} (scale {scale})"
        );
    }
}

/// The three directions of `g` on `dnn` (y, dx, dw, db), alpha 0.5.
fn run(dnn: &DnnFactory<f32>, g: &Convolution) -> [Vec<f32>; 4] {
    let f = dnn.la();
    let v = |seed, n| f.vctr_from(&values(seed, n)).unwrap();
    let t = |seed, d: tensor_core::Desc| tensor_from(f, d, &values(seed, d.size())).unwrap();
    let (x, w, b, dy) = (
        t(1, g.input_desc()),
        v(2, g.weights_len()),
        v(3, g.out_channels()),
        t(4, g.output_desc()),
    );
    let mut y = tensor_core::tensor(f, g.output_desc()).unwrap();
    let mut dx = tensor_core::tensor(f, g.input_desc()).unwrap();
    let mut dw = f.vctr(g.weights_len()).unwrap();
    let mut db = f.vctr(g.out_channels()).unwrap();
    dnn.convolution_forward(g, &x, &w, &b, &mut y).unwrap();
    dnn.convolution_backward_data(g, &dy, &w, &mut dx).unwrap();
    dnn.convolution_backward_weights(g, 0.5, &x, &dy, &mut dw, &mut db)
        .unwrap();
    [
        y.to_vec().unwrap(),
        dx.to_vec().unwrap(),
        dw.to_vec().unwrap(),
        db.to_vec().unwrap(),
    ]
}

/// (n, c, h, w, oc, kernel, strides, padding, dilation)
type Case = (
    usize,
    usize,
    usize,
    usize,
    usize,
    [usize; 2],
    [usize; 2],
    [usize; 2],
    [usize; 2],
);

#[test]
fn convolutions_match_the_native_kernels() {
    if tensor_dnnl::test_factory().is_none() {
        return;
    }
    // the implementation kept at hand, to ask which primitives oneDNN chose
    let dn = std::sync::Arc::new(tensor_dnnl::DnnlDnn::new().unwrap());
    let dnnl = DnnFactory::with(&native_float(), dn.clone());
    let native = DnnFactory::new(&native_float());
    // (n, c, h, w, oc, kernel, strides, padding, dilation)
    let cases: &[Case] = &[
        (2, 1, 28, 28, 32, [3, 3], [1, 1], [0, 0], [1, 1]),
        (3, 32, 13, 13, 64, [3, 3], [1, 1], [0, 0], [1, 1]),
        (1, 3, 9, 7, 5, [3, 2], [2, 1], [1, 0], [1, 1]),
        (2, 4, 11, 10, 6, [3, 3], [2, 2], [1, 1], [1, 1]),
        (2, 2, 12, 12, 3, [3, 3], [1, 1], [2, 2], [2, 2]),
        (1, 16, 8, 8, 16, [1, 1], [1, 1], [0, 0], [1, 1]),
        (4, 3, 5, 5, 2, [5, 5], [1, 1], [0, 0], [1, 1]),
        (2, 2, 6, 9, 3, [2, 2], [2, 2], [0, 0], [1, 1]),
    ];
    for &(n, c, h, w, oc, k, s, p, d) in cases {
        let input = desc([n, c, h, w], DataType::Float, TensorLayout::Nchw).unwrap();
        let g = Convolution::new(&input, oc, k, s, p, d).unwrap();
        let what = format!(
            "{n}x{c}x{h}x{w} → {oc}, kernel {k:?}, strides {s:?}, padding {p:?}, dilation {d:?}"
        );
        let a = run(&dnnl, &g);
        let b = run(&native, &g);
        // oneDNN ran it (no silent fallback to the native kernels)
        let imp = dn.convolution_implementation(&g);
        println!("{what}: {imp:?}");
        let imp = imp.unwrap_or_else(|| panic!("{what}: oneDNN has no implementation"));
        assert_eq!(imp.split(" / ").count(), 3, "{imp}");
        for (name, i) in [("y", 0), ("dx", 1), ("dw", 2), ("db", 3)] {
            close(&format!("{what}: {name}"), &a[i], &b[i]);
        }
        // the same call again reuses the primitives and gives the same numbers
        assert_eq!(run(&dnnl, &g), a, "{what}: a second run differs");
    }
}

#[test]
fn the_dnn_conformance_suite_passes_on_dnnl() {
    if let Some(dnnl) = tensor_dnnl::test_factory() {
        tensor_core::conformance::dnn_primitives_on(&dnnl);
        tensor_core::conformance::dnn_golden_values_on(&dnnl);
        // every operation on oneDNN: Deep Diamond's golden values hold there too
        let all = tensor_dnnl::DnnlDnn::with_ops(tensor_dnnl::DnnlOps::all()).unwrap();
        let all = DnnFactory::with(&native_float(), std::sync::Arc::new(all));
        tensor_core::conformance::dnn_primitives_on(&all);
        tensor_core::conformance::dnn_golden_values_on(&all);
    }
}

/// Pooling forward and backward (y, dx) on `dnn`.
fn pool_run(dnn: &DnnFactory<f32>, g: &tensor_core::dnn::Pooling) -> [Vec<f32>; 2] {
    let f = dnn.la();
    let t = |seed, d: tensor_core::Desc| tensor_from(f, d, &values(seed, d.size())).unwrap();
    let (x, dy) = (t(5, g.input_desc()), t(6, g.output_desc()));
    let mut y = tensor_core::tensor(f, g.output_desc()).unwrap();
    let mut dx = tensor_core::tensor(f, g.input_desc()).unwrap();
    let mut arg = f.vctr(g.workspace_len().max(1)).unwrap();
    dnn.pooling_forward(
        g,
        &x,
        &mut y,
        &mut arg.subvector_mut(0, g.workspace_len()).unwrap(),
    )
    .unwrap();
    dnn.pooling_backward(
        g,
        &dy,
        &arg.subvector(0, g.workspace_len()).unwrap(),
        &mut dx,
    )
    .unwrap();
    [y.to_vec().unwrap(), dx.to_vec().unwrap()]
}

#[test]
fn pooling_and_softmax_on_dnnl_match_the_native_kernels() {
    if tensor_dnnl::test_factory().is_none() {
        return;
    }
    let dn =
        std::sync::Arc::new(tensor_dnnl::DnnlDnn::with_ops(tensor_dnnl::DnnlOps::all()).unwrap());
    let dnnl = DnnFactory::with(&native_float(), dn.clone());
    let native = DnnFactory::new(&native_float());
    for (shape, k, s, p, algo) in [
        ([2, 3, 8, 8], [2, 2], [2, 2], [0, 0], PoolAlgo::Max),
        ([1, 2, 7, 9], [3, 3], [2, 2], [1, 1], PoolAlgo::Max),
        (
            [2, 2, 6, 6],
            [3, 3],
            [1, 1],
            [1, 1],
            PoolAlgo::AvgIncludePadding,
        ),
        (
            [2, 2, 6, 5],
            [3, 3],
            [1, 1],
            [1, 1],
            PoolAlgo::AvgExcludePadding,
        ),
        (
            [3, 4, 5, 5],
            [2, 2],
            [2, 2],
            [0, 0],
            PoolAlgo::AvgExcludePadding,
        ),
    ] {
        let input = desc(shape, DataType::Float, TensorLayout::Nchw).unwrap();
        let g = tensor_core::dnn::Pooling::new(&input, algo, k, s, p).unwrap();
        let (a, b) = (pool_run(&dnnl, &g), pool_run(&native, &g));
        let what = format!("{shape:?} {algo:?} kernel {k:?} strides {s:?} padding {p:?}");
        close(&format!("{what}: y"), &a[0], &b[0]);
        close(&format!("{what}: dx"), &a[1], &b[1]);
        let imp = dn.pooling_implementation(&g);
        println!("{what}: {imp:?}");
        assert!(imp.is_some(), "{what}: oneDNN has no implementation");
    }
    // softmax of each column, on a whole matrix and on a submatrix, both layouts
    for layout in [Layout::ColumnMajor, Layout::RowMajor] {
        let v = values(9, 12 * 40);
        let mut outs = vec![];
        for dnn in [&dnnl, &native] {
            let mut m = dnn.la().ge_from(12, 40, &v, layout).unwrap();
            dnn.softmax(&mut m).unwrap();
            let mut sub = dnn.la().ge_from(12, 40, &v, layout).unwrap();
            dnn.softmax(&mut sub.submatrix_mut(1, 2, 10, 30).unwrap())
                .unwrap();
            outs.push((m.to_vec().unwrap(), sub.to_vec().unwrap()));
        }
        close(&format!("softmax {layout:?}"), &outs[0].0, &outs[1].0);
        close(
            &format!("softmax of a submatrix {layout:?}"),
            &outs[0].1,
            &outs[1].1,
        );
    }
}
