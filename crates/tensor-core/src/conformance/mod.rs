//! The tensor and DNN conformance suite: tests written once against `&Factory<T>`,
//! instantiated per backend with [`tensor_conformance_tests!`](crate::tensor_conformance_tests)
//! (feature `conformance`). Values are compared with f64 references under explicit
//! bounds (ulps of the result) or exactly (copies and reorders).

mod fully_connected;
mod update;

pub use fully_connected::fully_connected_on;
pub use update::optimizer_updates_on;

use la_core::conformance::{assert_ulps, data, f64s, matrix, ts, LAYOUTS};
use la_core::engine::Unary;
use la_core::prelude::*;
use la_core::reference::RefMatrix;

use crate::{
    batcher, connector, desc, shuffler, tensor, tensor_from, transformer, AsTensor, AsTensorMut,
    Connector, DataType, Desc, DnnFactory, TensorLayout,
};

/// Instantiates the suite as `#[test]`s in module `$name` for element type `$t`;
/// `$factory` evaluates to `Option<Factory<$t>>` (`None` prints `SKIP` and passes).
#[macro_export]
macro_rules! tensor_conformance_tests {
    ($name:ident, $t:ty, $factory:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn factory() -> Option<la_core::Factory<$t>> {
                let f: Option<la_core::Factory<$t>> = $factory;
                if f.is_none() {
                    println!("SKIP: {}: no factory available", stringify!($name));
                }
                f
            }
            $crate::tensor_conformance_tests!(@tests $t;
                tensors_and_views, reorders, batches, dnn_primitives, errors, bad_input_sweep);
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

fn iota<T: Scalar>(n: usize) -> Vec<T> {
    (0..n).map(|v| T::of(v as f64)).collect()
}

fn d<T: Scalar>(shape: &[usize], layout: TensorLayout) -> Desc {
    desc(shape, DataType::of::<T>(), layout).unwrap()
}

/// The logical-order elements of a tensor whose buffer holds `mem` (a host reference).
fn logical(desc: &Desc, mem: &[f64]) -> Vec<f64> {
    let mut out = vec![];
    crate::tensor::for_each_index(desc.shape(), |idx| {
        let k: usize = idx.iter().zip(desc.strides()).map(|(i, s)| i * s).sum();
        out.push(mem[k]);
    });
    out
}

/// Tensors on `f`: creation, entries, views as vectors and matrices, sub-tensors,
/// reshapes, BLAS on a tensor.
pub fn tensors_and_views<T: Scalar>(f: &Factory<T>) {
    let dx = d::<T>(&[2, 3, 4, 5], TensorLayout::Nchw);
    let mut x = tensor_from(f, dx, &iota::<T>(120)).unwrap();
    assert_eq!(x.shape(), vec![2, 3, 4, 5]);
    assert_eq!(x.entry(&[1, 2, 3, 4]).unwrap(), t(119.0));
    assert_eq!(x.entry(&[0, 1, 0, 2]).unwrap(), t(22.0));
    assert_eq!(x.to_vec().unwrap(), iota::<T>(120));
    // a tensor is a vector: BLAS applies
    assert_eq!(sum(&x.view_vctr().unwrap()).unwrap(), t(7140.0));
    scal_inplace(t(2.0), &mut x.view_vctr_mut().unwrap()).unwrap();
    assert_eq!(x.entry(&[0, 0, 0, 3]).unwrap(), t(6.0));
    // samples as columns: [2 3 4 5] nchw is a 60x2 column-major matrix
    let m = x.view_mat().unwrap();
    assert_eq!(
        (m.mrows(), m.ncols(), m.layout()),
        (60, 2, Layout::ColumnMajor)
    );
    assert_eq!(m.entry(59, 1).unwrap(), t(238.0));
    // a sub-tensor (mini-batch 1) and a reshape, both zero-copy
    let s = x.subtensor(0, 1, 1).unwrap();
    assert_eq!(s.entry(&[0, 0, 0, 0]).unwrap(), t(120.0));
    let r = x.view_tz(d::<T>(&[2, 60], TensorLayout::Nc)).unwrap();
    assert_eq!(r.entry(&[1, 59]).unwrap(), t(238.0));
    // writes through a view reach the tensor
    x.subtensor_mut(1, 2, 1)
        .unwrap()
        .set_entry(&[0, 0, 1, 1], t(-1.0))
        .unwrap();
    assert_eq!(x.entry(&[0, 2, 1, 1]).unwrap(), t(-1.0));
    // cn tensors are row-major matrices (samples innermost)
    let c = tensor_from(f, d::<T>(&[3, 2], TensorLayout::Cn), &iota::<T>(6)).unwrap();
    let cm = c.view_mat().unwrap();
    assert_eq!(
        (cm.mrows(), cm.ncols(), cm.layout()),
        (2, 3, Layout::RowMajor)
    );
    assert_eq!(cm.entry(1, 2).unwrap(), t(5.0));
    assert_eq!(
        c.to_vec().unwrap(),
        ts::<T>(&[0.0, 3.0, 1.0, 4.0, 2.0, 5.0])
    );
    // display names the descriptor
    let text = c.to_string();
    assert!(
        text.contains(":shape [3 2]") && text.contains(":layout :cn"),
        "{text}"
    );
}

/// Reorders between every pair of 4-D layouts (exact), 2-D and 5-D ones, an explicit
/// strided source, and connectors.
pub fn reorders<T: Scalar>(f: &Factory<T>) {
    use TensorLayout::*;
    let shapes: [&[usize]; 2] = [&[2, 3, 4, 5], &[3, 1, 2, 7]];
    for shape in shapes {
        let size: usize = shape.iter().product();
        let values: Vec<f64> = (0..size).map(|v| v as f64 * 0.5 - 3.0).collect();
        for from in [Nchw, Nhwc, Chwn] {
            for to in [Nchw, Nhwc, Chwn] {
                let dx = d::<T>(shape, from);
                let x = tensor_from(f, dx, &ts::<T>(&values)).unwrap();
                let mut y = tensor(f, dx.with_layout(to).unwrap()).unwrap();
                let tr = transformer(&x, &y).unwrap();
                tr.transform(&x, &mut y).unwrap();
                tr.transform(&x, &mut y).unwrap(); // reusable
                let expect = logical(&dx, &values);
                assert_eq!(
                    f64s(&y.to_vec().unwrap()),
                    expect,
                    "{shape:?} {from:?} -> {to:?}"
                );
            }
        }
    }
    for (from, to, shape) in [
        (Nc, Cn, &[5usize, 3][..]),
        (Cn, Nc, &[4, 6][..]),
        (Ncdhw, Ndhwc, &[2, 3, 2, 2, 3][..]),
        (Oihw, Hwio, &[4, 3, 3, 3][..]),
    ] {
        let dx = d::<T>(shape, from);
        let values: Vec<f64> = (0..dx.size()).map(|v| v as f64).collect();
        let x = tensor_from(f, dx, &ts::<T>(&values)).unwrap();
        let mut y = tensor(f, dx.with_layout(to).unwrap()).unwrap();
        transformer(&x, &y).unwrap().transform(&x, &mut y).unwrap();
        assert_eq!(
            f64s(&y.to_vec().unwrap()),
            logical(&dx, &values),
            "{from:?} -> {to:?}"
        );
    }
    // a strided view of a larger buffer (every other column of a 4x6 matrix)
    let big = tensor_from(f, d::<T>(&[24], X), &iota::<T>(24)).unwrap();
    let dv = Desc::with_strides(&[4, 3], DataType::of::<T>(), &[6, 2]).unwrap();
    let v = big.view_tz(dv).unwrap();
    let mut y = tensor(f, d::<T>(&[4, 3], Cn)).unwrap();
    transformer(&v, &y).unwrap().transform(&v, &mut y).unwrap();
    let expect: Vec<f64> = (0..4)
        .flat_map(|i| (0..3).map(move |j| (6 * i + 2 * j) as f64))
        .collect();
    assert_eq!(f64s(&y.to_vec().unwrap()), expect);
    // connectors: a view when the layouts agree, a reorder otherwise
    let x = tensor_from(f, d::<T>(&[2, 3], Nc), &iota::<T>(6)).unwrap();
    let mut same = connector(&x, x.desc()).unwrap();
    assert!(matches!(same, Connector::View(_)));
    assert_eq!(same.connect(&x).unwrap().to_vec().unwrap(), iota::<T>(6));
    let mut other = connector(&x, x.desc().with_layout(Cn).unwrap()).unwrap();
    let out = other.connect(&x).unwrap();
    assert_eq!(out.desc().layout(), Cn);
    assert_eq!(out.to_vec().unwrap(), iota::<T>(6));
    assert_eq!(
        out.buffer().to_vec().unwrap(),
        ts::<T>(&[0.0, 3.0, 1.0, 4.0, 2.0, 5.0])
    );
}

/// Batchers (with and without a layout change) and shufflers, exact.
pub fn batches<T: Scalar>(f: &Factory<T>) {
    let dx = d::<T>(&[10, 2, 3, 3], TensorLayout::Nchw);
    let x = tensor_from(f, dx, &iota::<T>(180)).unwrap();
    for to in [TensorLayout::Nchw, TensorLayout::Nhwc] {
        let mut y = tensor(f, d::<T>(&[4, 2, 3, 3], to)).unwrap();
        let b = batcher(&x, &y, 4).unwrap();
        assert_eq!(b.count(), 2);
        for i in 0..2 {
            b.copy(&x, &mut y, i).unwrap();
            let expect: Vec<T> = iota::<T>(180)[i * 72..(i + 1) * 72].to_vec();
            assert_eq!(y.to_vec().unwrap(), expect, "batch {i} to {to:?}");
        }
        let e = b.copy(&x, &mut y, 2).unwrap_err().to_string();
        assert!(
            e.contains("mini-batch 2 is out of the 2 whole mini-batches"),
            "{e}"
        );
    }
    let mut y = tensor(f, d::<T>(&[3, 2, 3, 3], TensorLayout::Nhwc)).unwrap();
    let s = shuffler(&x, &y).unwrap();
    s.shuffle(&x, &mut y, &[9, 0, 4]).unwrap();
    let all = iota::<T>(180);
    let expect: Vec<T> = [9usize, 0, 4]
        .iter()
        .flat_map(|&i| all[i * 18..(i + 1) * 18].to_vec())
        .collect();
    assert_eq!(y.to_vec().unwrap(), expect);
    let e = s.shuffle(&x, &mut y, &[10]).unwrap_err().to_string();
    assert!(e.contains("index 10 is out of x's 10 samples"), "{e}");
}

/// Errors name the operation and both descriptors; nothing panics.
pub fn errors<T: Scalar>(f: &Factory<T>) {
    let x = tensor(f, d::<T>(&[2, 3], TensorLayout::Nc)).unwrap();
    let wrong = desc(
        [2, 3],
        if T::NAME == "float" {
            DataType::Double
        } else {
            DataType::Float
        },
        TensorLayout::Nc,
    )
    .unwrap();
    let e = tensor(f, wrong).unwrap_err().to_string();
    assert!(
        e.contains("tensor") && e.contains("but the factory's elements are"),
        "{e}"
    );
    let y = tensor(f, d::<T>(&[3, 2], TensorLayout::Nc)).unwrap();
    let e = transformer(&x, &y).unwrap_err().to_string();
    assert!(
        e.contains("transformer") && e.contains(":shape [2 3]") && e.contains(":shape [3 2]"),
        "{e}"
    );
    let e = x
        .view_tz(d::<T>(&[7], TensorLayout::X))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("view_tz") && e.contains("reaches 7 elements"),
        "{e}"
    );
    let e = x.subtensor(0, 1, 2).unwrap_err().to_string();
    assert!(e.contains("elements 1..3 of dimension 0"), "{e}");
    let e = x.entry(&[2, 0]).unwrap_err().to_string();
    assert!(e.contains("the index [2, 0] is out of"), "{e}");
    let e = batcher(
        &x,
        &tensor(f, d::<T>(&[4, 3], TensorLayout::Nc)).unwrap(),
        4,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("fewer samples than one mini-batch of 4"), "{e}");
    let big = tensor(f, d::<T>(&[12], TensorLayout::X)).unwrap();
    let gappy = big
        .view_tz(Desc::with_strides(&[2, 3], DataType::of::<T>(), &[6, 2]).unwrap())
        .unwrap();
    let e = gappy.view_vctr().unwrap_err().to_string();
    assert!(e.contains("gaps"), "{e}");
    let native = la_core::native::native_for::<T>();
    if !f.same(&native) {
        let h = tensor(&native, d::<T>(&[2, 3], TensorLayout::Nc)).unwrap();
        let e = transformer(&x, &h).unwrap_err().to_string();
        assert!(
            e.contains("transformer") && e.contains("different factories"),
            "{e}"
        );
    }
}

/// The DNN primitives ([`crate::dnn`]) through a [`DnnFactory`] on `f`: bias + activation, activation
/// derivative × error, column softmax, on both layouts and a submatrix, against f64;
/// the fully connected layer and the optimizer update.
pub fn dnn_primitives<T: Scalar>(f: &Factory<T>) {
    dnn_primitives_on(&DnnFactory::new(f));
}

/// [`dnn_primitives`] through a given DNN implementation (tensor-dnnl's, say), its
/// fully connected layer ([`fully_connected_on`]) and its optimizer update
/// ([`optimizer_updates_on`]).
pub fn dnn_primitives_on<T: Scalar>(dnn: &DnnFactory<T>) {
    fully_connected_on(dnn);
    optimizer_updates_on(dnn);
    let f = dnn.la();
    let (m, n) = (7usize, 300usize);
    let zd = f64s(&ts::<T>(
        &data(m * n, 51).iter().map(|v| 3.0 * v).collect::<Vec<_>>(),
    ));
    let bd = f64s(&ts::<T>(&data(m, 52)));
    let dd = f64s(&ts::<T>(&data(m * n, 53)));
    let b = f.vctr_from(&ts::<T>(&bd)).unwrap();
    let sig = |v: f64| 1.0 / (1.0 + (-v).exp());
    let elu = |v: f64| if v > 0.0 { v } else { 0.7 * v.exp_m1() };
    type F<'a> = &'a dyn Fn(f64) -> f64;
    let acts: [(Option<Unary<T>>, F, F); 5] = [
        (None, &|v| v, &|_| 1.0),
        (Some(Unary::Sigmoid), &sig, &|a| a * (1.0 - a)),
        (Some(Unary::Tanh), &|v: f64| v.tanh(), &|a| 1.0 - a * a),
        (Some(Unary::Relu), &|v: f64| v.max(0.0), &|a| {
            if a > 0.0 {
                1.0
            } else {
                0.0
            }
        }),
        (Some(Unary::Elu(t(0.7))), &elu, &|a| {
            if a > 0.0 {
                1.0
            } else {
                a + 0.7
            }
        }),
    ];
    for layout in LAYOUTS {
        for (op, fwd, grad) in acts {
            let name = op.map_or("identity", |o| o.name());
            let what = format!("bias_activation {name} {layout:?}");
            // in a submatrix of a larger buffer, so strides are not the trivial ones
            let mut big = f.ge(m + 2, n + 1, layout).unwrap();
            let mut y = big.submatrix_mut(1, 1, m, n).unwrap();
            y.set_from(&ts::<T>(&zd)).unwrap();
            dnn.bias_activation(op, &b, &mut y).unwrap();
            let a_exp: Vec<f64> = (0..m * n).map(|k| fwd(zd[k] + bd[k % m])).collect();
            let got = y.to_vec().unwrap();
            assert_ulps(&what, &got, &a_exp, 4.0);
            let Some(op) = op else { continue };
            let what = format!("activation_grad {name} {layout:?}");
            let a = matrix(
                f,
                &RefMatrix {
                    m,
                    n,
                    data: f64s(&got),
                },
                layout,
            );
            let mut d = matrix(
                f,
                &RefMatrix {
                    m,
                    n,
                    data: dd.clone(),
                },
                Layout::ColumnMajor,
            );
            dnn.activation_grad(op, &a, &mut d).unwrap();
            let e: Vec<f64> = f64s(&got)
                .iter()
                .zip(&dd)
                .map(|(a, d)| d * grad(*a))
                .collect();
            assert_ulps(&what, &d.to_vec().unwrap(), &e, 4.0);
        }
        let what = format!("softmax {layout:?}");
        let xs = f64s(&ts::<T>(&zd.iter().map(|v| 30.0 * v).collect::<Vec<_>>()));
        let mut x = matrix(
            f,
            &RefMatrix {
                m,
                n,
                data: xs.clone(),
            },
            layout,
        );
        dnn.softmax(&mut x).unwrap();
        let mut e = Vec::with_capacity(m * n);
        for col in xs.chunks(m) {
            let mx = col.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = col.iter().map(|v| (v - mx).exp()).sum();
            e.extend(col.iter().map(|v| (v - mx).exp() / s));
        }
        assert_ulps(&what, &x.to_vec().unwrap(), &e, 8.0);
    }
    // preconditions
    let a = f.ge(2, 3, Layout::ColumnMajor).unwrap();
    let mut d = f.ge(3, 2, Layout::ColumnMajor).unwrap();
    let err = dnn
        .activation_grad(Unary::Exp, &a, &mut d)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("a is 2x3") && err.contains("exp has no element-wise derivative"),
        "{err}"
    );
    let err = dnn
        .bias_activation(None, &b, &mut d)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the bias has 7 entries but y has 3 rows"),
        "{err}"
    );
}

/// The bad-input sweep on `f`: descriptors, tensors, views, reorders, batches and the
/// DNN primitives called with wrong ranks, sizes, layouts, dtypes, out-of-range and
/// overflowing indices, NaN and (on a non-native factory) native arguments, under
/// `catch_unwind`; any panic fails, and bad shapes must be errors.
pub fn bad_input_sweep<T: Scalar>(f: &Factory<T>) {
    use crate::dnn::{Convolution, PoolAlgo, Pooling};
    use la_core::sweep::Sweep;
    use TensorLayout::*;
    let mut s = Sweep::new(format!("tensor-core sweep on {}", f.name()));
    let dt = DataType::of::<T>();

    // Descriptors.
    for (shape, layout) in [
        (vec![], X),
        (vec![1, 2, 3, 4, 5, 6], X),
        (vec![2, 3], Nchw),
        (vec![2, 3, 4, 5], Nc),
        (vec![usize::MAX, 2], Nc),
        (vec![1 << 40, 1 << 40, 1, 1], Nchw),
    ] {
        s.rejects(format!("desc({shape:?}, {layout:?})"), || {
            desc(&shape, dt, layout)
        });
    }
    s.rejects("with_strides rank mismatch", || {
        Desc::with_strides(&[2, 3], dt, &[1])
    });
    s.rejects("with_strides overflowing span", || {
        Desc::with_strides(&[2, 3], dt, &[usize::MAX, 1])
    });
    s.no_panic("desc with a zero dimension", || desc([0, 3], dt, Nc));
    let other = if T::NAME == "float" {
        DataType::Double
    } else {
        DataType::Float
    };
    s.rejects("tensor of the other dtype", || {
        tensor(f, desc([2, 3], other, Nc).unwrap()).map(drop)
    });
    s.rejects("tensor_from with too few values", || {
        tensor_from(f, d::<T>(&[2, 3], Nc), &iota::<T>(5)).map(drop)
    });

    // Views, entries, sub-tensors.
    let x = tensor_from(f, d::<T>(&[2, 3, 4, 5], Nchw), &iota::<T>(120)).unwrap();
    for (dim, start, len) in [(4, 0, 1), (0, 2, 1), (0, 1, usize::MAX), (1, usize::MAX, 2)] {
        s.rejects(format!("subtensor({dim}, {start}, {len})"), || {
            x.subtensor(dim, start, len).map(|v| v.desc())
        });
    }
    for idx in [
        vec![0, 0, 0],
        vec![2, 0, 0, 0],
        vec![0, 0, 0, usize::MAX],
        vec![],
    ] {
        s.rejects(format!("entry({idx:?})"), || x.entry(&idx));
    }
    let mut xm = tensor(f, d::<T>(&[2, 3], Nc)).unwrap();
    s.rejects("set_entry([0, 3])", || xm.set_entry(&[0, 3], t(1.0)));
    s.no_panic("set_entry(NaN)", || xm.set_entry(&[0, 0], T::nan()));
    for shape in [vec![121], vec![2, 3, 4, 6], vec![usize::MAX, 2]] {
        s.rejects(format!("view_tz({shape:?})"), || {
            desc(&shape, dt, TensorLayout::default_for(shape.len()))
                .map_err(|e| e.to_string())
                .and_then(|dd| x.view_tz(dd).map(|v| v.desc()).map_err(|e| e.to_string()))
        });
    }

    // Reorders, batches, shuffles.
    let y = tensor(f, d::<T>(&[2, 3, 4, 5], Nhwc)).unwrap();
    let small = tensor(f, d::<T>(&[2, 3, 4, 4], Nhwc)).unwrap();
    s.rejects("transformer(2x3x4x5, 2x3x4x4)", || {
        transformer(&x, &small).map(drop)
    });
    let tr = transformer(&x, &y).unwrap();
    let mut wrong = tensor(f, d::<T>(&[2, 3, 5, 4], Nchw)).unwrap();
    s.rejects("transform into a tensor of another shape", || {
        tr.transform(&x, &mut wrong)
    });
    s.rejects("connector to another size", || {
        connector(&x, d::<T>(&[2, 60], Nc)).map(drop)
    });
    let data = tensor_from(f, d::<T>(&[10, 3], Nc), &iota::<T>(30)).unwrap();
    let mut batch = tensor(f, d::<T>(&[4, 3], Nc)).unwrap();
    s.rejects("batcher(batch 0)", || {
        batcher(&data, &tensor(f, d::<T>(&[0, 3], Nc)).unwrap(), 0).map(drop)
    });
    s.rejects("batcher(batch 11 of 10)", || {
        batcher(&data, &tensor(f, d::<T>(&[11, 3], Nc)).unwrap(), 11).map(drop)
    });
    let b = batcher(&data, &batch, 4).unwrap();
    for i in [b.count(), usize::MAX] {
        s.rejects(format!("batcher copy({i})"), || {
            b.copy(&data, &mut batch, i)
        });
    }
    let sh = shuffler(&data, &batch).unwrap();
    // (fewer indices than y's samples is allowed: the rest of y is left alone)
    for idx in [
        vec![0, 1, 2, 3, 4],
        vec![0, 1, 2, 10],
        vec![0, 1, 2, usize::MAX],
    ] {
        s.rejects(format!("shuffle({idx:?})"), || {
            sh.shuffle(&data, &mut batch, &idx)
        });
    }

    // DNN geometry and primitives.
    let input = d::<T>(&[2, 3, 8, 8], Nchw);
    for (k, st, pad, dil) in [
        ([9, 9], [1, 1], [0, 0], [1, 1]),
        ([3, 3], [0, 1], [0, 0], [1, 1]),
        ([3, 3], [1, 1], [0, 0], [0, 1]),
        ([3, 3], [1, 1], [usize::MAX, 0], [1, 1]),
        ([usize::MAX, 3], [1, 1], [0, 0], [1, 1]),
        ([3, 3], [1, 1], [0, 0], [usize::MAX, 1]),
    ] {
        s.rejects(
            format!("Convolution::new(k {k:?}, s {st:?}, p {pad:?}, d {dil:?})"),
            || Convolution::new(&input, 4, k, st, pad, dil).map(drop),
        );
    }
    s.rejects("Convolution::new(0 channels)", || {
        Convolution::new(&input, 0, [3, 3], [1, 1], [0, 0], [1, 1]).map(drop)
    });
    s.rejects("Convolution::new on a 2-D input", || {
        Convolution::new(&d::<T>(&[2, 3], Nc), 4, [1, 1], [1, 1], [0, 0], [1, 1]).map(drop)
    });
    for (k, st, pad) in [
        ([2, 2], [2, 2], [2, 0]),
        ([9, 2], [1, 1], [0, 0]),
        ([2, 2], [0, 2], [0, 0]),
    ] {
        s.rejects(
            format!("Pooling::new(k {k:?}, s {st:?}, p {pad:?})"),
            || Pooling::new(&input, PoolAlgo::Max, k, st, pad).map(drop),
        );
    }
    let dnn = DnnFactory::new(f);
    s.rejects("reserve(usize::MAX)", || dnn.reserve(usize::MAX));
    let g = Convolution::new(&input, 4, [3, 3], [1, 1], [1, 1], [1, 1]).unwrap();
    let xin = tensor(f, input).unwrap();
    let mut yout = tensor(f, g.output_desc()).unwrap();
    let w = f.vctr(g.weights_len()).unwrap();
    let bias = f.vctr(4).unwrap();
    let short = f.vctr(g.weights_len() - 1).unwrap();
    s.no_panic("convolution_forward", || {
        dnn.convolution_forward(&g, &xin, &w, &bias, &mut yout)
    });
    s.rejects("convolution_forward with short weights", || {
        dnn.convolution_forward(&g, &xin, &short, &bias, &mut yout)
    });
    s.rejects("convolution_forward with x and y swapped", || {
        dnn.convolution_forward(&g, &yout, &w, &bias, &mut tensor(f, input).unwrap())
    });
    let mut nhwc_out = tensor(f, g.output_desc().with_layout(Nhwc).unwrap()).unwrap();
    s.rejects("convolution_forward into an nhwc y", || {
        dnn.convolution_forward(&g, &xin, &w, &bias, &mut nhwc_out)
    });
    let p = Pooling::new(&input, PoolAlgo::Max, [2, 2], [2, 2], [0, 0]).unwrap();
    let mut py = tensor(f, p.output_desc()).unwrap();
    let mut arg = f.vctr(1).unwrap();
    s.rejects("pooling_forward with a 1-element argmax", || {
        dnn.pooling_forward(&p, &xin, &mut py, &mut arg)
    });
    let mut m = f.ge(3, 2, Layout::ColumnMajor).unwrap();
    s.rejects("bias_activation with a 2-element bias for 3 rows", || {
        dnn.bias_activation(Some(Unary::Relu), &f.vctr(2).unwrap(), &mut m)
    });
    s.rejects("activation_grad(3x2, 2x3)", || {
        dnn.activation_grad(
            Unary::Sigmoid,
            &f.ge(2, 3, Layout::ColumnMajor).unwrap(),
            &mut m,
        )
    });
    s.no_panic("softmax of 0 columns", || {
        dnn.softmax(&mut f.ge(3, 0, Layout::ColumnMajor).unwrap())
    });
    let mut nans = f
        .ge_from(2, 2, &[T::nan(); 4], Layout::ColumnMajor)
        .unwrap();
    s.no_panic("softmax of NaN", || dnn.softmax(&mut nans));

    // Mixed factories.
    let native = la_core::native::native_for::<T>();
    if !f.same(&native) {
        let hx = tensor(&native, input).unwrap();
        s.rejects("convolution_forward(native x)", || {
            dnn.convolution_forward(&g, &hx, &w, &bias, &mut yout)
        });
        let hy = tensor(&native, d::<T>(&[2, 3, 4, 5], Nhwc)).unwrap();
        s.rejects("transformer(device, native)", || {
            transformer(&x, &hy).map(drop)
        });
        let hb = native.vctr(4).unwrap();
        s.rejects("bias_activation(native bias)", || {
            dnn.bias_activation(None, &hb, &mut f.ge(4, 2, Layout::ColumnMajor).unwrap())
        });
    }
    s.finish();
}

/// Deep Diamond's source and weights for its convolution and pooling tests
/// (dnnl_test.clj).
const SRC: [f64; 32] = [
    0.0, 43.0, 3.0, 30.0, 0.0, 98.0, 0.0, 0.0, 7.0, 38.0, 0.0, 0.0, 19.0, 20.0, 175.0, 50.0, 0.0,
    0.0, 7.0, 19.0, 43.0, 98.0, 38.0, 20.0, 3.0, 0.0, 0.0, 175.0, 30.0, 0.0, 0.0, 50.0,
];
const WEIGHTS: [f64; 9] = [-2.0, 0.0, 1.0, 0.0, 1.0, 0.0, -1.0, -2.0, 0.0];

fn golden_close<T: Scalar>(got: &[T], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let g = g.as_f64();
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "element {i}: {g} vs {w}\n{got:?}\nvs {want:?}"
        );
    }
}

fn golden_of<T: Scalar>(v: &[f64]) -> Vec<T> {
    v.iter().map(|&x| T::of(x)).collect()
}

fn golden_desc<T: Scalar>(shape: [usize; 4]) -> Desc {
    desc(shape, DataType::of::<T>(), TensorLayout::Nchw).unwrap()
}

/// Deep Diamond's golden values (its dnnl_test.clj) for convolution forward, backward
/// data, backward weights, max and average pooling forward and backward, through the
/// DNN implementation of `dnn` (native, composed, oneDNN, ...).
pub fn dnn_golden_values_on<T: Scalar>(dnn: &DnnFactory<T>) {
    golden_convolution(dnn);
    golden_pooling(dnn);
}

fn golden_convolution<T: Scalar>(dnn: &DnnFactory<T>) {
    use crate::dnn::Convolution;
    let f = dnn.la();
    let xd = golden_desc::<T>([2, 1, 4, 4]);
    let g = Convolution::new(&xd, 1, [3, 3], [1, 1], [0, 0], [1, 1]).unwrap();
    let x = tensor_from(f, xd, &golden_of::<T>(&SRC)).unwrap();
    let w = f.vctr_from(&golden_of::<T>(&WEIGHTS)).unwrap();
    let b = f.vctr_from(&golden_of::<T>(&[0.5])).unwrap();
    let mut y = tensor(f, g.output_desc()).unwrap();
    dnn.convolution_forward(&g, &x, &w, &b, &mut y).unwrap();
    golden_close(
        &y.to_vec().unwrap(),
        &[18.5, -93.5, -20.5, -565.5, 102.5, 57.5, -77.5, -175.5],
        1e-6,
    );

    let dy = tensor_from(
        f,
        g.output_desc(),
        &golden_of::<T>(&[0.2, 0.3, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0]),
    )
    .unwrap();
    let mut dx = tensor(f, xd).unwrap();
    dnn.convolution_backward_data(&g, &dy, &w, &mut dx).unwrap();
    golden_close(
        &dx.to_vec().unwrap(),
        &[
            -0.4, -0.6, 0.2, 0.3, -1.6, -1.8, 1.1, 1.0, -0.2, 0.1, 0.4, 0.0, -0.8, -2.6, -2.0, 0.0,
            -2.0, -2.0, 1.0, 1.0, -2.0, -1.0, 2.0, 1.0, -1.0, -2.0, -1.0, 0.0, -1.0, -3.0, -2.0,
            0.0,
        ],
        1e-6,
    );
    let (mut dw, mut db) = (f.vctr(9).unwrap(), f.vctr(1).unwrap());
    dnn.convolution_backward_weights(&g, T::one(), &x, &dy, &mut dw, &mut db)
        .unwrap();
    golden_close(
        &dw.to_vec().unwrap(),
        &[251.9, 230.9, 93.6, 217.0, 186.0, 233.0, 81.0, 198.6, 415.0],
        1e-6,
    );
    golden_close(&db.to_vec().unwrap(), &[6.3], 1e-6);
}

fn golden_pooling<T: Scalar>(dnn: &DnnFactory<T>) {
    use crate::dnn::{PoolAlgo, Pooling};
    let f = dnn.la();
    let xd = golden_desc::<T>([2, 1, 4, 4]);
    let x = tensor_from(f, xd, &golden_of::<T>(&SRC)).unwrap();
    let g = Pooling::new(&xd, PoolAlgo::Max, [2, 2], [2, 2], [0, 0]).unwrap();
    let mut y = tensor(f, g.output_desc()).unwrap();
    let mut arg = f.vctr(g.workspace_len()).unwrap();
    dnn.pooling_forward(&g, &x, &mut y, &mut arg).unwrap();
    golden_close(
        &y.to_vec().unwrap(),
        &[98.0, 30.0, 38.0, 175.0, 98.0, 38.0, 30.0, 175.0],
        0.0,
    );
    let dy = tensor_from(f, g.output_desc(), &golden_of::<T>(&[2.0; 8])).unwrap();
    let mut dx = tensor(f, xd).unwrap();
    dnn.pooling_backward(&g, &dy, &arg, &mut dx).unwrap();
    golden_close(
        &dx.to_vec().unwrap(),
        &[
            0.0, 0.0, 0.0, 2.0, 0.0, 2.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0,
            0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 0.0, 0.0, 0.0,
        ],
        0.0,
    );

    let g = Pooling::new(&xd, PoolAlgo::AvgIncludePadding, [2, 2], [2, 2], [0, 0]).unwrap();
    dnn.pooling_forward(&g, &x, &mut y, &mut f.vctr(0).unwrap())
        .unwrap();
    golden_close(
        &y.to_vec().unwrap(),
        &[35.25, 8.25, 21.0, 56.25, 35.25, 21.0, 8.25, 56.25],
        0.0,
    );
    let dy = tensor_from(f, g.output_desc(), &golden_of::<T>(&[4.0; 8])).unwrap();
    dnn.pooling_backward(&g, &dy, &f.vctr(0).unwrap(), &mut dx)
        .unwrap();
    golden_close(&dx.to_vec().unwrap(), &[1.0; 32], 0.0);
}
