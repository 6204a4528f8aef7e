//! The benchmark table printed by `cargo xtask bench`: medians of repeated runs,
//! throughput, the ratio to this machine's measured FMA peak, and the issue targets.

mod bandwidth;
mod cnn_workload;
mod cuda_rows;

use std::time::Instant;

use la_core::native::simd::{measure_peak_gflops_f32, simd_level};
use la_core::prelude::*;

/// Median wall time of `reps` runs of `f` after one warm-up run, in seconds.
/// Appends `workload seconds` to the file named by `DLFP_BENCH_RECORD` (what `cargo
/// xtask bench --peers` compares with the peers' figures; workload names are the peer
/// scripts').
fn record(workload: &str, seconds: f64) {
    if let Some(path) = std::env::var_os("DLFP_BENCH_RECORD") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(f, "{workload} {seconds}");
        }
    }
}

/// The OpenCL small-network workload (issue 19): the 4-16-16-1 regression network on
/// 2,048 samples, 20 epochs of mini-batches of 128 with Adam; the median of three runs.
fn small_network_secs(dnn: &tensor_core::DnnFactory<f32>) -> f64 {
    use nn_train::regression::{regression_data, regression_network_with};
    use nn_train::{sgd_train, training_network, Adam, Cost, TrainOptions};
    let (x, y) = regression_data(dnn.la(), 2048, 1).unwrap();
    median_secs(3, || {
        let mut net = regression_network_with(dnn, &[16, 16], 2).unwrap();
        let first = x.submatrix(0, 0, 4, 128).expect("view");
        let mut train = training_network(&mut net, &first, Adam::default()).expect("network");
        let opts = TrainOptions::new(20, 0.01);
        sgd_train(&mut train, &x, &y, Cost::Quadratic, &opts).expect("training");
    })
}

fn median_secs(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    t[reps / 2]
}

fn random_matrix<T: Scalar>(f: &Factory<T>, m: usize, n: usize, layout: Layout) -> Matrix<T> {
    let mut a = f.ge(m, n, layout).expect("allocation");
    rand_uniform(&mut seeded_rng(m as u64 * 31 + n as u64), &mut a).expect("rand");
    a
}

/// An element-wise operation under test: `y := f(x)`.
type VectOp<T> = fn(&Vector<T>, &mut Vector<T>) -> Result<()>;

/// tanh, exp, sigmoid and log over 1M elements of `f`'s type, per element.
fn vect_math_rows<T: Scalar>(f: &Factory<T>, rows: &mut Vec<Row>) {
    let len = 1 << 20;
    let mut v = f.vctr(len).expect("allocation");
    rand_uniform_range(&mut seeded_rng(2), T::of(-5.0), T::of(5.0), &mut v).expect("rand");
    let mut w = f.vctr(len).expect("allocation");
    let ops: [(&str, VectOp<T>); 4] = [
        ("tanh", |x, y| tanh_into(x, y)),
        ("exp", |x, y| exp_into(x, y)),
        ("sigmoid", |x, y| sigmoid_into(x, y)),
        ("log", |x, y| {
            abs_into(x, y)?;
            log_inplace(y)
        }),
    ];
    let ty = if T::NAME == "float" { "f32" } else { "f64" };
    for (name, op) in ops {
        let s = median_secs(51, || op(&v, &mut w).expect(name));
        rows.push(Row {
            what: format!("{name} {ty} 1M"),
            time: format!("{:.3} ms", s * 1e3),
            rate: format!("{:.2} ns/elem", s * 1e9 / len as f64),
            peak: String::new(),
            target: match (name, ty) {
                ("log", _) => "(abs + log)".into(),
                (_, "f32") => "≤ 1 ns/elem".into(),
                _ => "vectorised like f32 (examples/f64_math: std's scalar calls before)".into(),
            },
        });
    }
}

/// A factory constructor of la-mkl.
type MakeFactory = fn() -> Result<Factory<f32>>;

struct Row {
    what: String,
    time: String,
    rate: String,
    peak: String,
    target: String,
}

fn gemm_gflops<T: Scalar>(f: &Factory<T>, n: usize) -> (f64, f64) {
    let a = random_matrix(f, n, n, Layout::ColumnMajor);
    let b = random_matrix(f, n, n, Layout::ColumnMajor);
    let mut c = f.ge(n, n, Layout::ColumnMajor).expect("allocation");
    let reps = if n >= 4096 {
        3
    } else if n >= 2048 {
        5
    } else {
        15
    };
    let s = median_secs(reps, || {
        mm_into(T::one(), &a, &b, T::zero(), &mut c).expect("mm")
    });
    (s, 2.0 * (n as f64).powi(3) / s / 1e9)
}

fn main() {
    let threads = rayon::current_num_threads();
    let peak1 = measure_peak_gflops_f32();
    let peak = |threads: usize, f64_: bool| peak1 * threads as f64 / if f64_ { 2.0 } else { 1.0 };
    println!(
        "dlfp benchmark table — native backend, {threads} threads, SIMD {:?}; measured FMA peak {:.0} GFLOP/s f32 per thread\n",
        simd_level(),
        peak1
    );
    let mut rows = Vec::new();
    let ratio = |g: f64, p: f64| {
        if p > 0.0 {
            format!("{:.0}%", 100.0 * g / p)
        } else {
            "-".into()
        }
    };
    let ff = native_float();
    let fd = native_double();
    for n in [256usize, 512, 1024, 2048, 4096] {
        let (s, g) = gemm_gflops(&ff, n);
        record(&format!("sgemm_{n}"), s);
        rows.push(Row {
            what: format!("gemm f32 {n}x{n}x{n}"),
            time: format!("{:.2} ms", s * 1e3),
            rate: format!("{g:.0} GFLOP/s"),
            peak: ratio(g, peak(threads, false)),
            target: if n == 2048 {
                "≥ 480 GFLOP/s (Zen 5 figure)".into()
            } else {
                String::new()
            },
        });
    }
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let (s, g) = one.install(|| gemm_gflops(&ff, 2048));
    rows.push(Row {
        what: "gemm f32 2048, 1 thread".into(),
        time: format!("{:.2} ms", s * 1e3),
        rate: format!("{g:.0} GFLOP/s"),
        peak: ratio(g, peak(1, false)),
        target: "≈ 265 GFLOP/s (Zen 5 figure)".into(),
    });
    let (s, g) = gemm_gflops(&fd, 2048);
    rows.push(Row {
        what: "gemm f64 2048".into(),
        time: format!("{:.2} ms", s * 1e3),
        rate: format!("{g:.0} GFLOP/s"),
        peak: ratio(g, peak(threads, true)),
        target: "≥ 220 GFLOP/s".into(),
    });

    // Memory-bound rows are reported against the read bandwidth measured here (the
    // "of peak" column of gemv and batch-1 inference is the share of it).
    let bw = bandwidth::read_bandwidth(10);
    record("read_bandwidth_256MiB", (256u64 << 20) as f64 / bw);
    rows.push(Row {
        what: format!(
            "read bandwidth (sum of 256 MiB, {} page-streams per thread)",
            bandwidth::STREAMS
        ),
        time: format!("{:.2} ms", (256u64 << 20) as f64 / bw * 1e3),
        rate: format!("{:.1} GB/s", bw / 1e9),
        peak: String::new(),
        target: "the bound of the memory-bound rows".into(),
    });
    let of_bw = |bytes: f64, s: f64| ratio(bytes / s, bw);

    let (m, n) = (5000usize, 10000usize);
    let mut x = ff.vctr(n).expect("allocation");
    rand_uniform(&mut seeded_rng(1), &mut x).expect("rand");
    let mut y = ff.vctr(m).expect("allocation");
    for layout in [Layout::ColumnMajor, Layout::RowMajor] {
        let a = random_matrix(&ff, m, n, layout);
        let s = median_secs(21, || mv_into(1.0, &a, &x, 0.0, &mut y).expect("mv"));
        rows.push(Row {
            what: format!("gemv f32 5000x10000 {}", layout.name()),
            time: format!("{:.2} ms", s * 1e3),
            rate: format!("{:.0} GB/s", (m * n * 4) as f64 / s / 1e9),
            peak: of_bw((m * n * 4) as f64, s),
            target: "≥ 90% of the read bandwidth".into(),
        });
    }

    vect_math_rows(&ff, &mut rows);
    vect_math_rows(&fd, &mut rows);

    // nn-inference: the network, 10000 -> 5000 (tanh) -> 1000 (sigmoid) -> 10
    // (sigmoid), with the figures measured for other frameworks on this class of machine.
    {
        use nn_inference::{fully_connected, inference_network, Activation, Init};
        let mut net = inference_network(
            &ff,
            10_000,
            &[
                fully_connected(5_000, Activation::Tanh),
                fully_connected(1_000, Activation::Sigmoid),
                fully_connected(10, Activation::Sigmoid),
            ],
        )
        .expect("network");
        net.init(&mut seeded_rng(1), Init::Book).expect("init");
        for (batch, reps, others, target) in [
            (
                1usize,
                21usize,
                "JAX 3.8 ms, PyTorch 8.1, candle 7.1, book 18 (f64)",
                "≤ 3.3 ms",
            ),
            (
                10_000,
                3,
                "JAX 3.6 s, PyTorch 5.3, candle 5.3, book ~6",
                "≤ 2.4 s",
            ),
        ] {
            let x = random_matrix(&ff, 10_000, batch, Layout::ColumnMajor);
            let s = median_secs(reps, || {
                net.infer(&x).expect("infer");
            });
            record(&format!("inference_batch{batch}"), s);
            let flops =
                2.0 * batch as f64 * (10_000.0 * 5_000.0 + 5_000.0 * 1_000.0 + 1_000.0 * 10.0);
            rows.push(Row {
                what: format!("inference 10000-5000-1000-10, batch {batch}"),
                time: if s < 1.0 {
                    format!("{:.2} ms", s * 1e3)
                } else {
                    format!("{s:.2} s")
                },
                rate: format!("{:.0} GFLOP/s", flops / s / 1e9),
                // batch 1 streams the weights once: its bound is the read bandwidth
                peak: if batch == 1 {
                    of_bw(
                        4.0 * (10_000.0 * 5_000.0 + 5_000.0 * 1_000.0 + 1_000.0 * 10.0),
                        s,
                    )
                } else {
                    ratio(flops / s / 1e9, peak(threads, false))
                },
                target: format!("{target} ({others})"),
            });
        }
    }

    // nn-train: the regression chapter, full-batch gradient descent on 10,000 samples
    // for 4000 epochs (the networks), f32 on the native factory.
    {
        use nn_inference::Init;
        use nn_train::{sgd, training_network, Cost, Optimizer};
        let (x, y) = nn_train::regression::regression_data(&ff, 10_000, 1).unwrap();
        let nets: [(&str, &[usize], &str, &str); 2] = [
            (
                "4-8-8-1",
                &[8, 8],
                "JAX 0.73 s, PyTorch 2.6, candle 18, book 2.9",
                "≤ 0.25 s",
            ),
            (
                "4-16-64-8-1",
                &[16, 64, 8],
                "JAX 3.2 s, PyTorch 14, candle 99",
                "≤ 1.0 s",
            ),
        ];
        for (name, hidden, others, target) in nets {
            let mut net = nn_train::regression::regression_network_with(&ff, hidden, 2).unwrap();
            let mut cost = 0.0;
            let s = median_secs(3, || {
                net.init(&mut seeded_rng(2), Init::Book).expect("init");
                let mut train =
                    training_network(&mut net, &x, Optimizer::default()).expect("training");
                cost = sgd(&mut train, &y, Cost::Quadratic, &[(4000, 0.05)]).expect("sgd")[0];
            });
            record(&format!("regression_{name}"), s);
            let mut flops = 0.0;
            let mut fan_in = 4.0;
            for n in hidden.iter().map(|n| *n as f64).chain([1.0]) {
                flops += 3.0 * 2.0 * fan_in * n; // forward, weight gradient, backward error
                fan_in = n;
            }
            flops *= 10_000.0 * 4000.0;
            rows.push(Row {
                what: format!("regression {name}, 4000 epochs (cost {cost:.4})"),
                time: format!("{s:.3} s"),
                rate: format!("{:.0} GFLOP/s", flops / s / 1e9),
                peak: ratio(flops / s / 1e9, peak(threads, false)),
                target: format!("{target} ({others})"),
            });
        }
    }

    // nn-dnn: the peer CNN workload (../shared/peers/cnn.py), seconds per training step
    // at batch 128, and each layer's share (benches/examples/cnn_step.rs prints more),
    // on the native kernels and on oneDNN (tensor-dnnl) when it is installed.
    // `cnn_fashion_step` (the peers' workload name) is the faster of the two: what the
    // CNN chapters run (tensor_dnnl::fastest_float).
    let p32 = peak(threads, false);
    let native = tensor_core::DnnFactory::new(&ff);
    let (r, mut fastest) = cnn_rows(native, "cnn_fashion_step_native", p32, &ratio);
    rows.extend(r);
    match tensor_dnnl::dnnl_float(&ff) {
        Ok(dnnl) => {
            let (r, s) = cnn_rows(dnnl, "cnn_fashion_step_dnnl", p32, &ratio);
            rows.extend(r);
            fastest = fastest.min(s);
        }
        Err(e) => println!("(oneDNN rows skipped: {e})"),
    }
    record("cnn_fashion_step", fastest);

    // datasets: loading and encoding the real files (skipped without them), and the
    // IMDB chapter's training (10000-16-16-1, 20 epochs, mini-batches of 512).
    if datasets::dir("mnist")
        .join("train-images-idx3-ubyte.gz")
        .exists()
    {
        let s = median_secs(3, || {
            datasets::mnist(&datasets::dir("mnist")).expect("mnist");
        });
        rows.push(Row {
            what: "MNIST load (70,000 images, gzip IDX -> f32)".into(),
            time: format!("{s:.2} s"),
            rate: String::new(),
            peak: String::new(),
            target: "< 1 s".into(),
        });
    }
    if datasets::dir("imdb")
        .join("imdb_labelled_50k.csv.gz")
        .exists()
    {
        use chapters::e2e::{imdb, ImdbConfig, ImdbData};
        let s = median_secs(3, || {
            let d = datasets::imdb(&datasets::dir("imdb")).expect("imdb");
            let texts: Vec<&str> = d
                .train
                .iter()
                .chain(&d.test)
                .map(|r| r.text.as_str())
                .collect();
            let v = datasets::Vocabulary::build(&texts, 10_000, datasets::Tokenizer::Plain)
                .expect("vocabulary");
            v.encode(&texts);
        });
        rows.push(Row {
            what: "IMDB load + vocabulary + multi-hot, 50,000 reviews".into(),
            time: format!("{s:.2} s"),
            rate: String::new(),
            peak: String::new(),
            target: "< 5 s".into(),
        });
        let mut cfg = ImdbConfig::book();
        cfg.run.progress = false;
        let data = ImdbData::load(&datasets::dir("imdb"), &cfg).expect("imdb");
        for sparse in [true, false] {
            cfg.sparse = sparse;
            // Training time only (the run's own clock), median of the repetitions.
            let reps = if sparse { 3 } else { 1 };
            let mut acc = 0.0;
            let mut t: Vec<f64> = (0..reps)
                .map(|_| {
                    let r = imdb(&data, &cfg).expect("imdb run");
                    acc = r.value;
                    r.train_seconds
                })
                .collect();
            t.sort_by(|a, b| a.total_cmp(b));
            let s = t[reps / 2];
            if sparse {
                record("imdb_real_mlp_adam_20ep", s);
            }
            rows.push(Row {
                what: format!(
                    "IMDB 10000-16-16-1, 20 epochs, {} input (test acc {acc:.4})",
                    if sparse { "sparse" } else { "dense" }
                ),
                time: format!("{s:.2} s"),
                rate: String::new(),
                peak: String::new(),
                target: "≤ 1.5 s (PyTorch 4.3, JAX 4.7, book 5.4)".into(),
            });
        }
    } else {
        println!(
            "(IMDB rows skipped: no {}; run `cargo xtask fetch-datasets imdb`)",
            datasets::dir("imdb")
                .join("imdb_labelled_50k.csv.gz")
                .display()
        );
    }

    // The BLAS-library factories (la-mkl): the same workloads through MKL and OpenBLAS.
    let libs: [(&str, MakeFactory); 2] = [
        ("mkl", la_mkl::mkl_float),
        ("openblas", la_mkl::openblas_float),
    ];
    for (lib, make) in libs {
        let f = match make() {
            Ok(f) => f,
            Err(e) => {
                println!("{lib} rows skipped: {e}");
                continue;
            }
        };
        let (s, g) = gemm_gflops(&f, 2048);
        rows.push(Row {
            what: format!("gemm f32 2048 {lib}"),
            time: format!("{:.2} ms", s * 1e3),
            rate: format!("{g:.0} GFLOP/s"),
            peak: ratio(g, peak(threads, false)),
            target: "report".into(),
        });
        let a = random_matrix(&f, m, n, Layout::ColumnMajor);
        let xf = x.transfer(&f).expect("transfer");
        let mut yf = f.vctr(m).expect("allocation");
        let s = median_secs(21, || mv_into(1.0, &a, &xf, 0.0, &mut yf).expect("mv"));
        rows.push(Row {
            what: format!("gemv f32 5000x10000 column {lib}"),
            time: format!("{:.2} ms", s * 1e3),
            rate: format!("{:.0} GB/s", (m * n * 4) as f64 / s / 1e9),
            peak: String::new(),
            target: "report".into(),
        });
        let len = 1 << 20;
        let mut v = f.vctr(len).expect("allocation");
        rand_uniform_range(&mut seeded_rng(2), -5.0, 5.0, &mut v).expect("rand");
        let mut w = f.vctr(len).expect("allocation");
        let s = median_secs(51, || tanh_into(&v, &mut w).expect("tanh"));
        rows.push(Row {
            what: format!("tanh f32 1M {lib}"),
            time: format!("{:.3} ms", s * 1e3),
            rate: format!("{:.2} ns/elem", s * 1e9 / len as f64),
            peak: String::new(),
            target: "report".into(),
        });
    }
    if let Ok(info) = la_mkl::openblas_info() {
        println!("OpenBLAS: {info}");
    }

    // OpenCL through PoCL on this CPU: CLBlast's GEMM (report only, no target). A
    // one-element blocking read inside the timed region waits for the queue.
    match la_opencl::default_setup()
        .and_then(|cl| la_opencl::opencl_float(&cl.context, &cl.queue).map(|f| (cl, f)))
    {
        Ok((cl, gpu)) => {
            let n = 1024;
            let a = random_matrix(&ff, n, n, Layout::ColumnMajor)
                .transfer(&gpu)
                .expect("transfer");
            let b = random_matrix(&ff, n, n, Layout::ColumnMajor)
                .transfer(&gpu)
                .expect("transfer");
            let mut c = gpu.ge(n, n, Layout::ColumnMajor).expect("allocation");
            let s = median_secs(5, || {
                mm_into(1.0, &a, &b, 0.0, &mut c).expect("mm");
                c.entry(0, 0).expect("sync");
            });
            rows.push(Row {
                what: format!(
                    "gemm f32 {n} opencl ({})",
                    cl.device
                        .platform_name
                        .split_whitespace()
                        .next()
                        .unwrap_or("?")
                ),
                time: format!("{:.2} ms", s * 1e3),
                rate: format!("{:.0} GFLOP/s", 2.0 * (n as f64).powi(3) / s / 1e9),
                peak: String::new(),
                target: "report (CLBlast on PoCL ~17-18 measured before)".into(),
            });
            use tensor_core::DnnFactory;
            let native = small_network_secs(&DnnFactory::new(&ff));
            let composed = small_network_secs(&DnnFactory::new(&gpu));
            record("opencl_small_network_20ep", composed);
            rows.push(Row {
                what: "regression 4-16-16-1 opencl (composed DNN), 20 epochs".into(),
                time: format!("{:.3} s", composed),
                rate: format!("{:.0}x native ({:.1} ms)", composed / native, native * 1e3),
                peak: String::new(),
                target: "report (72 launches a step)".into(),
            });
            match tensor_opencl::opencl_dnn(&gpu) {
                Ok(dnn) => {
                    let fused = small_network_secs(&dnn);
                    record("opencl_fused_small_network_20ep", fused);
                    rows.push(Row {
                        what: "regression 4-16-16-1 opencl + tensor-opencl, 20 epochs".into(),
                        time: format!("{:.3} s", fused),
                        rate: format!("{:.0}x native", fused / native),
                        peak: String::new(),
                        target: "<= 20x native (131x before issue 19's fixes)".into(),
                    });
                }
                Err(e) => println!("tensor-opencl row skipped: {e}"),
            }
        }
        Err(e) => println!("opencl rows skipped: {e}"),
    }

    match cuda_rows::cuda_rows() {
        Ok(cuda) => rows.extend(cuda.into_iter().map(|r| {
            record(r.id, r.seconds);
            Row {
                what: r.what,
                time: format!("{:.2} ms", r.seconds * 1e3),
                rate: r.rate,
                peak: String::new(),
                target: r.target,
            }
        })),
        Err(e) => println!("(CUDA rows skipped: {e})"),
    }

    let w0 = rows.iter().map(|r| r.what.len()).max().unwrap_or(0);
    println!(
        "| {:w0$} | {:>10} | {:>14} | {:>7} | target |",
        "workload", "median", "throughput", "of peak"
    );
    println!(
        "|{}|{}|{}|{}|---|",
        "-".repeat(w0 + 2),
        "-".repeat(12),
        "-".repeat(16),
        "-".repeat(9)
    );
    for r in rows {
        println!(
            "| {:w0$} | {:>10} | {:>14} | {:>7} | {} |",
            r.what, r.time, r.rate, r.peak, r.target
        );
    }
}

/// The CNN step rows (the step, then each layer's forward + backward) on `dnn` and
/// the step's seconds, recorded as `workload`.
fn cnn_rows(
    dnn: tensor_core::DnnFactory<f32>,
    workload: &str,
    peak: f64,
    ratio: &dyn Fn(f64, f64) -> String,
) -> (Vec<Row>, f64) {
    let mut rows = vec![];
    let name = dnn.dnn_name();
    use nn_dnn::LayerTime;
    use nn_train::Cost;
    let (mut net, x, y) =
        cnn_workload::cnn_and_batch(dnn, &cnn_workload::peer_cnn()).expect("the CNN workload");
    let mut step = || {
        net.train_step(&x, &y, Cost::SoftmaxCrossEntropy, 1e-3)
            .expect("step");
    };
    for _ in 0..5 {
        step();
    }
    let s = median_secs(5, || {
        for _ in 0..10 {
            step();
        }
    }) / 10.0;
    record(workload, s);
    // forward + backward FLOPs of the two convolutions and two dense layers
    let flops = 3.0
        * 2.0
        * 128.0
        * (676.0 * 32.0 * 9.0 + 121.0 * 64.0 * 288.0 + 128.0 * 1600.0 + 10.0 * 128.0);
    rows.push(Row {
        what: format!("CNN training step, batch 128 (cnn.py network, Adam), {name}"),
        time: format!("{:.1} ms", s * 1e3),
        rate: format!("{:.0} GFLOP/s", flops / s / 1e9),
        peak: ratio(flops / s / 1e9, peak),
        target: "≤ 0.8x PyTorch (PyTorch 40.3 ms, JAX 88.4 ms measured 2026-12-01)".into(),
    });
    let mut times = vec![LayerTime::default(); net.layers().len()];
    for _ in 0..10 {
        net.forward_backward_timed(&x, &y, Cost::SoftmaxCrossEntropy, &mut times)
            .expect("timed");
    }
    for (l, t) in net.layers().iter().zip(&times) {
        rows.push(Row {
            what: format!("  CNN layer {} {:?}", l.kind(), l.output_desc().shape()),
            time: format!("{:.2} + {:.2} ms", t.forward * 100.0, t.backward * 100.0),
            rate: "forward + backward".into(),
            peak: String::new(),
            target: String::new(),
        });
    }
    (rows, s)
}
