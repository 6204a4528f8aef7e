//! The CUDA rows of the benchmark table (la-cuda, tensor-cudnn), printed only where a
//! GPU exists: every timed region ends with `la_cuda::synchronize`, so the figures are
//! of work done, not of work queued.

use std::time::Instant;

use la_core::prelude::*;

/// One row of the table.
pub struct CudaRow {
    /// The workload's id in `DLFP_BENCH_RECORD` (no spaces).
    pub id: &'static str,
    /// What the row measures.
    pub what: String,
    /// The median, in seconds.
    pub seconds: f64,
    /// Throughput, where it means something.
    pub rate: String,
    /// The book's figure or a note.
    pub target: String,
}

fn median_synced(f: &Factory<f32>, reps: usize, mut op: impl FnMut()) -> f64 {
    op();
    la_cuda::synchronize(f).expect("synchronize");
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            op();
            la_cuda::synchronize(f).expect("synchronize");
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[reps / 2]
}

/// The rows, or why there are none (no GPU, no driver, no cuBLAS).
pub fn cuda_rows() -> std::result::Result<Vec<CudaRow>, String> {
    let setup = la_cuda::default_setup().map_err(|e| e.to_string())?;
    let f = la_cuda::cuda_float(&setup.context, &setup.stream).map_err(|e| e.to_string())?;
    let device = setup.device.name.clone();
    let mut rows = vec![];

    let n = 4096;
    let rand = |m, k| {
        let mut a = f.ge(m, k, Layout::ColumnMajor).expect("allocation");
        rand_uniform(&mut seeded_rng(7), &mut a).expect("rand");
        a
    };
    let (a, b) = (rand(n, n), rand(n, n));
    let mut c = f.ge(n, n, Layout::ColumnMajor).expect("allocation");
    let s = median_synced(&f, 9, || mm_into(1.0, &a, &b, 0.0, &mut c).expect("mm"));
    let flops = 2.0 * (n as f64).powi(3);
    rows.push(CudaRow {
        id: "cuda_sgemm_4096",
        what: format!("cuda sgemm {n} ({device})"),
        seconds: s,
        rate: format!("{:.0} GFLOP/s", flops / s / 1e9),
        target: "report".into(),
    });

    use nn_inference::{fully_connected, inference_network, Activation, Init};
    let mut net = inference_network(
        &f,
        10_000,
        &[
            fully_connected(5_000, Activation::Tanh),
            fully_connected(1_000, Activation::Sigmoid),
            fully_connected(10, Activation::Sigmoid),
        ],
    )
    .expect("network");
    net.init(&mut seeded_rng(1), Init::Book).expect("init");
    let x = rand(10_000, 10_000);
    let s = median_synced(&f, 5, || {
        net.infer(&x).expect("infer");
    });
    let flops = 2.0 * 10_000.0 * (10_000.0 * 5_000.0 + 5_000.0 * 1_000.0 + 1_000.0 * 10.0);
    rows.push(CudaRow {
        id: "cuda_inference_batch10000",
        what: "cuda inference 10000-5000-1000-10, batch 10000".into(),
        seconds: s,
        rate: format!("{:.0} GFLOP/s", flops / s / 1e9),
        target: "book: 122 ms on a GTX 1080 Ti".into(),
    });

    use nn_train::{sgd, training_network, Cost, Optimizer};
    let (x, y) = nn_train::regression::regression_data(&f, 10_000, 1).unwrap();
    let mut net = nn_train::regression::regression_network_with(&f, &[8, 8], 2).unwrap();
    let mut cost = 0.0;
    let s = median_synced(&f, 3, || {
        net.init(&mut seeded_rng(2), Init::Book).expect("init");
        let mut train = training_network(&mut net, &x, Optimizer::default()).expect("training");
        cost = sgd(&mut train, &y, Cost::Quadratic, &[(4000, 0.05)]).expect("sgd")[0];
    });
    rows.push(CudaRow {
        id: "cuda_regression_4-8-8-1",
        what: format!("cuda regression 4-8-8-1, 4000 epochs (cost {cost:.4})"),
        seconds: s,
        rate: String::new(),
        target: "report (IMDB: sparse input is a host path, no CUDA row)".into(),
    });
    Ok(rows)
}
