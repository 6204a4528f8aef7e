//! Convolution and pooling primitives: Deep Diamond's golden values (dnnl_test.clj),
//! an f64 plain-loop reference on random shapes (strides, padding, dilation), and the
//! errors a user can provoke.

use la_core::prelude::*;
use proptest::prelude::*;
use tensor_core::dnn::{Convolution, PoolAlgo, Pooling};
use tensor_core::{desc, tensor, tensor_from, AsTensor, DataType, DnnFactory, TensorLayout};

fn close<T: Scalar>(got: &[T], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let g = g.as_f64();
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "element {i}: {g} vs {w}\n{got:?}\nvs {want:?}"
        );
    }
}

fn of<T: Scalar>(v: &[f64]) -> Vec<T> {
    v.iter().map(|&x| T::of(x)).collect()
}

fn nchw<T: Scalar>(shape: [usize; 4]) -> tensor_core::Desc {
    desc(shape, DataType::of::<T>(), TensorLayout::Nchw).unwrap()
}

fn factories_f32() -> Vec<Factory<f32>> {
    let mut v = vec![native_float()];
    v.extend(la_mkl::test_factory(
        la_mkl::openblas_float,
        "DLFP_REQUIRE_OPENBLAS",
    ));
    v
}

fn factories_f64() -> Vec<Factory<f64>> {
    let mut v = vec![native_double()];
    v.extend(la_mkl::test_factory(la_mkl::mkl_double, "DLFP_REQUIRE_MKL"));
    v
}

#[test]
fn deep_diamond_golden_values() {
    for f in factories_f32() {
        tensor_core::conformance::dnn_golden_values_on(&DnnFactory::new(&f));
    }
    for f in factories_f64() {
        tensor_core::conformance::dnn_golden_values_on(&DnnFactory::new(&f));
    }
}

/// Plain-loop f64 convolution: forward, and the two adjoints.
struct Reference {
    g: Convolution,
}

impl Reference {
    /// Calls `f(image, in_index, out_index, weight_index)` for every multiply-add.
    fn visit(&self, mut f: impl FnMut(usize, usize, usize)) {
        let g = &self.g;
        let ([h, w], [oh, ow]) = (g.in_size(), g.out_size());
        for n in 0..g.batch() {
            for o in 0..g.out_channels() {
                for oy in 0..oh {
                    for ox in 0..ow {
                        let out = ((n * g.out_channels() + o) * oh + oy) * ow + ox;
                        for c in 0..g.in_channels() {
                            for r in 0..g.kernel()[0] {
                                for s in 0..g.kernel()[1] {
                                    let iy = (oy * g.strides()[0] + r * g.dilation()[0]) as isize
                                        - g.padding()[0] as isize;
                                    let ix = (ox * g.strides()[1] + s * g.dilation()[1]) as isize
                                        - g.padding()[1] as isize;
                                    if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                                        continue;
                                    }
                                    let inp = ((n * g.in_channels() + c) * h + iy as usize) * w
                                        + ix as usize;
                                    let wi = ((o * g.in_channels() + c) * g.kernel()[0] + r)
                                        * g.kernel()[1]
                                        + s;
                                    f(inp, out, wi);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn forward(&self, x: &[f64], w: &[f64], b: &[f64]) -> Vec<f64> {
        let ohw = self.g.out_size()[0] * self.g.out_size()[1];
        let mut y: Vec<f64> = (0..self.g.output_len())
            .map(|i| b[(i / ohw) % self.g.out_channels()])
            .collect();
        self.visit(|i, o, k| y[o] += x[i] * w[k]);
        y
    }

    fn backward_data(&self, dy: &[f64], w: &[f64]) -> Vec<f64> {
        let mut dx = vec![0.0; self.g.input_len()];
        self.visit(|i, o, k| dx[i] += dy[o] * w[k]);
        dx
    }

    fn backward_weights(&self, x: &[f64], dy: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut dw = vec![0.0; self.g.weights_len()];
        self.visit(|i, o, k| dw[k] += x[i] * dy[o]);
        let ohw = self.g.out_size()[0] * self.g.out_size()[1];
        let mut db = vec![0.0; self.g.out_channels()];
        for (i, v) in dy.iter().enumerate() {
            db[(i / ohw) % self.g.out_channels()] += v;
        }
        (dw, db)
    }
}

fn values(seed: u64, n: usize) -> Vec<f64> {
    // a small deterministic generator: values in [-1, 1)
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

fn matches_reference<T: Scalar>(f: &Factory<T>, g: Convolution, seed: u64, tol: f64) {
    let dnn = DnnFactory::new(f);
    let r = Reference { g };
    let (xv, wv, bv) = (
        values(seed, g.input_len()),
        values(seed + 1, g.weights_len()),
        values(seed + 2, g.out_channels()),
    );
    let dyv = values(seed + 3, g.output_len());
    let x = tensor_from(f, g.input_desc(), &of::<T>(&xv)).unwrap();
    let w = f.vctr_from(&of::<T>(&wv)).unwrap();
    let b = f.vctr_from(&of::<T>(&bv)).unwrap();
    let dy = tensor_from(f, g.output_desc(), &of::<T>(&dyv)).unwrap();
    let mut y = tensor(f, g.output_desc()).unwrap();
    dnn.convolution_forward(&g, &x, &w, &b, &mut y).unwrap();
    close(&y.to_vec().unwrap(), &r.forward(&xv, &wv, &bv), tol);
    let mut dx = tensor(f, g.input_desc()).unwrap();
    dnn.convolution_backward_data(&g, &dy, &w, &mut dx).unwrap();
    close(&dx.to_vec().unwrap(), &r.backward_data(&dyv, &wv), tol);
    let (mut dw, mut db) = (
        f.vctr(g.weights_len()).unwrap(),
        f.vctr(g.out_channels()).unwrap(),
    );
    let half = T::of(0.5);
    dnn.convolution_backward_weights(&g, half, &x, &dy, &mut dw, &mut db)
        .unwrap();
    let (rw, rb) = r.backward_weights(&xv, &dyv);
    let scaled = |v: Vec<f64>| v.into_iter().map(|e| e * 0.5).collect::<Vec<_>>();
    close(&dw.to_vec().unwrap(), &scaled(rw), tol);
    close(&db.to_vec().unwrap(), &scaled(rb), tol);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn convolution_matches_the_f64_reference(
        n in 1usize..5, c in 1usize..4, oc in 1usize..5, h in 1usize..10, w in 1usize..10,
        kh in 1usize..4, kw in 1usize..4, sh in 1usize..3, sw in 1usize..4,
        ph in 0usize..3, pw in 0usize..2, dh in 1usize..3, dw in 1usize..3, seed in 0u64..1000,
    ) {
        let xd = nchw::<f64>([n, c, h, w]);
        if let Ok(g) = Convolution::new(&xd, oc, [kh, kw], [sh, sw], [ph, pw], [dh, dw]) {
            matches_reference(&native_double(), g, seed, 1e-12);
            let xf = nchw::<f32>([n, c, h, w]);
            let gf = Convolution::new(&xf, oc, [kh, kw], [sh, sw], [ph, pw], [dh, dw]).unwrap();
            matches_reference(&native_float(), gf, seed, 1e-4);
        } else {
            // only a kernel that does not fit is refused
            prop_assert!((kh - 1) * dh + 1 > h + 2 * ph || (kw - 1) * dw + 1 > w + 2 * pw);
        }
    }
}

/// Plain-loop f64 pooling forward and backward.
fn pooling_reference(g: &Pooling, x: &[f64], dy: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let ([h, w], [oh, ow]) = (g.in_size(), g.out_size());
    let mut y = vec![0.0; g.output_len()];
    let mut dx = vec![0.0; g.input_len()];
    for p in 0..g.batch() * g.channels() {
        for oy in 0..oh {
            for ox in 0..ow {
                let o = (p * oh + oy) * ow + ox;
                let mut cells = vec![];
                for r in 0..g.kernel()[0] {
                    for s in 0..g.kernel()[1] {
                        let iy = (oy * g.strides()[0] + r) as isize - g.padding()[0] as isize;
                        let ix = (ox * g.strides()[1] + s) as isize - g.padding()[1] as isize;
                        if iy >= 0 && ix >= 0 && iy < h as isize && ix < w as isize {
                            cells.push((p * h + iy as usize) * w + ix as usize);
                        }
                    }
                }
                match g.algo() {
                    PoolAlgo::Max => {
                        let best = cells
                            .iter()
                            .copied()
                            .reduce(|a, b| if x[b] > x[a] { b } else { a })
                            .unwrap();
                        y[o] = x[best];
                        dx[best] += dy[o];
                    }
                    algo => {
                        let count = if algo == PoolAlgo::AvgIncludePadding {
                            (g.kernel()[0] * g.kernel()[1]) as f64
                        } else {
                            cells.len() as f64
                        };
                        y[o] = cells.iter().map(|&i| x[i]).sum::<f64>() / count;
                        cells.iter().for_each(|&i| dx[i] += dy[o] / count);
                    }
                }
            }
        }
    }
    (y, dx)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn pooling_matches_the_f64_reference(
        n in 1usize..4, c in 1usize..4, h in 1usize..9, w in 1usize..9,
        kh in 1usize..4, kw in 1usize..4, sh in 1usize..4, sw in 1usize..3,
        ph in 0usize..2, pw in 0usize..2, algo in 0usize..3, seed in 0u64..1000,
    ) {
        let algo = [PoolAlgo::Max, PoolAlgo::AvgIncludePadding, PoolAlgo::AvgExcludePadding][algo];
        let xd = nchw::<f64>([n, c, h, w]);
        let Ok(g) = Pooling::new(&xd, algo, [kh, kw], [sh, sw], [ph, pw]) else {
            prop_assert!(ph >= kh || pw >= kw || kh > h + 2 * ph || kw > w + 2 * pw);
            return Ok(());
        };
        let f = native_double();
        let dnn = DnnFactory::new(&f);
        let xv = values(seed, g.input_len());
        let dyv = values(seed + 1, g.output_len());
        let (ry, rdx) = pooling_reference(&g, &xv, &dyv);
        let x = tensor_from(&f, xd, &xv).unwrap();
        let mut y = tensor(&f, g.output_desc()).unwrap();
        let mut arg = f.vctr(g.workspace_len()).unwrap();
        dnn.pooling_forward(&g, &x, &mut y, &mut arg).unwrap();
        close(&y.to_vec().unwrap(), &ry, 1e-12);
        let dy = tensor_from(&f, g.output_desc(), &dyv).unwrap();
        let mut dx = tensor(&f, xd).unwrap();
        dnn.pooling_backward(&g, &dy, &arg, &mut dx).unwrap();
        close(&dx.to_vec().unwrap(), &rdx, 1e-12);
    }
}

#[test]
fn max_pooling_ties_go_to_the_first_element() {
    let f = native_float();
    let xd = nchw::<f32>([1, 1, 2, 2]);
    let x = tensor_from(&f, xd, &[3.0, 3.0, 3.0, 3.0]).unwrap();
    let g = Pooling::new(&xd, PoolAlgo::Max, [2, 2], [2, 2], [0, 0]).unwrap();
    let dnn = DnnFactory::new(&f);
    let (mut y, mut arg) = (tensor(&f, g.output_desc()).unwrap(), f.vctr(1).unwrap());
    dnn.pooling_forward(&g, &x, &mut y, &mut arg).unwrap();
    let dy = tensor_from(&f, g.output_desc(), &[1.0]).unwrap();
    let mut dx = tensor(&f, xd).unwrap();
    dnn.pooling_backward(&g, &dy, &arg, &mut dx).unwrap();
    assert_eq!(dx.to_vec().unwrap(), vec![1.0, 0.0, 0.0, 0.0]);
}

#[test]
fn errors_name_the_call_and_the_values() {
    let f = native_float();
    let xd = nchw::<f32>([2, 3, 8, 8]);
    // geometry
    let e = Convolution::new(&xd, 4, [9, 9], [1, 1], [0, 0], [1, 1]).unwrap_err();
    assert!(e.to_string().contains("does not fit"), "{e}");
    let e = Convolution::new(&xd, 0, [3, 3], [0, 1], [0, 0], [1, 1]).unwrap_err();
    assert!(e.to_string().contains("0 output channels"), "{e}");
    assert!(e.to_string().contains("strides"), "{e}");
    let flat = desc([2, 192], DataType::Float, TensorLayout::Nc).unwrap();
    let e = Convolution::new(&flat, 4, [3, 3], [1, 1], [0, 0], [1, 1]).unwrap_err();
    assert!(e.to_string().contains("4-D"), "{e}");
    let e = Pooling::new(&xd, PoolAlgo::Max, [2, 2], [2, 2], [2, 0]).unwrap_err();
    assert!(e.to_string().contains("padding"), "{e}");
    if let Ok(d) = desc(
        [1, usize::MAX / 8, 1, 1],
        DataType::Float,
        TensorLayout::Nchw,
    ) {
        assert!(Convolution::new(&d, usize::MAX / 4, [1, 1], [1, 1], [0, 0], [1, 1]).is_err());
    }

    // tensors that do not match the geometry
    let dnn = DnnFactory::new(&f);
    let g = Convolution::new(&xd, 4, [3, 3], [1, 1], [1, 1], [1, 1]).unwrap();
    let x = tensor(&f, xd).unwrap();
    let w = f.vctr(g.weights_len()).unwrap();
    let b = f.vctr(4).unwrap();
    let mut wrong = tensor(&f, nchw::<f32>([2, 4, 6, 6])).unwrap();
    let e = dnn
        .convolution_forward(&g, &x, &w, &b, &mut wrong)
        .unwrap_err();
    assert!(e.to_string().contains("convolution_forward"), "{e}");
    assert!(e.to_string().contains("[2 4 8 8]"), "{e}");
    let mut y = tensor(&f, g.output_desc()).unwrap();
    let e = dnn
        .convolution_forward(&g, &x, &f.vctr(3).unwrap(), &b, &mut y)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("w must have 108 elements but it has 3"),
        "{e}"
    );
    let nhwc = tensor(&f, xd.with_layout(TensorLayout::Nhwc).unwrap()).unwrap();
    assert!(dnn.convolution_forward(&g, &nhwc, &w, &b, &mut y).is_err());
    // pooling without its workspace
    let p = Pooling::new(&xd, PoolAlgo::Max, [2, 2], [2, 2], [0, 0]).unwrap();
    let mut py = tensor(&f, p.output_desc()).unwrap();
    let e = dnn
        .pooling_forward(&p, &x, &mut py, &mut f.vctr(1).unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("workspace"), "{e}");
}

#[test]
fn device_factories_run_through_host_memory() {
    // OpenCL has no convolution kernels of its own: the composed default copies through
    // host memory and gives the native results
    if let Some(f) = la_opencl::test_factory::<f32>() {
        tensor_core::conformance::dnn_golden_values_on(&DnnFactory::new(&f));
        let xd = nchw::<f32>([3, 2, 7, 6]);
        let g = Convolution::new(&xd, 3, [3, 2], [2, 1], [1, 1], [1, 2]).unwrap();
        matches_reference(&f, g, 11, 1e-4);
    }
    if let Some(f) = la_opencl::test_factory::<f64>() {
        tensor_core::conformance::dnn_golden_values_on(&DnnFactory::new(&f));
    }
}

#[test]
fn max_pooling_2x2_fast_path_matches_the_reference_with_ties() {
    // odd sizes (the last row and column fall outside every window) and small
    // integers, so that windows often hold equal values
    for (h, w, seed) in [(7, 9, 1u64), (8, 8, 2), (5, 12, 3)] {
        let f = native_double();
        let xd = nchw::<f64>([3, 2, h, w]);
        let g = Pooling::new(&xd, PoolAlgo::Max, [2, 2], [2, 2], [0, 0]).unwrap();
        let xv: Vec<f64> = values(seed, g.input_len())
            .iter()
            .map(|v| (v * 3.0).round())
            .collect();
        let dyv = values(seed + 7, g.output_len());
        let (ry, rdx) = pooling_reference(&g, &xv, &dyv);
        let dnn = DnnFactory::new(&f);
        let x = tensor_from(&f, xd, &xv).unwrap();
        let mut y = tensor(&f, g.output_desc()).unwrap();
        let mut arg = f.vctr(g.workspace_len()).unwrap();
        dnn.pooling_forward(&g, &x, &mut y, &mut arg).unwrap();
        close(&y.to_vec().unwrap(), &ry, 0.0);
        let dy = tensor_from(&f, g.output_desc(), &dyv).unwrap();
        let mut dx = tensor(&f, xd).unwrap();
        dnn.pooling_backward(&g, &dy, &arg, &mut dx).unwrap();
        close(&dx.to_vec().unwrap(), &rdx, 0.0);
    }
}
