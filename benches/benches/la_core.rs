//! Criterion benchmarks of la-core's native backend (f32 and f64).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use la_core::prelude::*;
use std::time::Duration;

fn random_matrix<T: Scalar>(f: &Factory<T>, m: usize, n: usize, seed: u64) -> Matrix<T> {
    let mut a = f.ge(m, n, Layout::ColumnMajor).unwrap();
    rand_uniform(&mut seeded_rng(seed), &mut a).unwrap();
    a
}

fn gemm_group<T: Scalar>(c: &mut Criterion, f: &Factory<T>, sizes: &[usize]) {
    let mut g = c.benchmark_group(format!("gemm_{}", T::NAME));
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    for &n in sizes {
        let a = random_matrix(f, n, n, 1);
        let b = random_matrix(f, n, n, 2);
        let mut cm = f.ge(n, n, Layout::ColumnMajor).unwrap();
        // Throughput in "elements" = floating-point operations: criterion prints FLOP/s as elem/s.
        g.throughput(Throughput::Elements(2 * (n as u64).pow(3)));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |bch, _| {
            bch.iter(|| mm_into(T::one(), &a, &b, T::zero(), &mut cm).unwrap())
        });
    }
    g.finish();
}

fn gemm(c: &mut Criterion) {
    gemm_group(c, &native_float(), &[256, 512, 1024, 2048, 4096]);
    gemm_group(c, &native_double(), &[1024, 2048]);
}

fn gemv(c: &mut Criterion) {
    let mut g = c.benchmark_group("gemv_f32");
    g.sample_size(20);
    let f = native_float();
    let (m, n) = (5000usize, 10000usize);
    let x = {
        let mut x = f.vctr(n).unwrap();
        rand_uniform(&mut seeded_rng(3), &mut x).unwrap();
        x
    };
    for layout in [Layout::ColumnMajor, Layout::RowMajor] {
        let mut a = f.ge(m, n, layout).unwrap();
        rand_uniform(&mut seeded_rng(4), &mut a).unwrap();
        let mut y = f.vctr(m).unwrap();
        g.throughput(Throughput::Bytes((m * n * 4) as u64));
        g.bench_function(BenchmarkId::new("5000x10000", layout.name()), |b| {
            b.iter(|| mv_into(1.0, &a, &x, 0.0, &mut y).unwrap())
        });
    }
    g.finish();
}

fn vector_math(c: &mut Criterion) {
    let mut g = c.benchmark_group("vect_math_f32_1M");
    let f = native_float();
    let n = 1 << 20;
    let mut x = f.vctr(n).unwrap();
    rand_uniform_range(&mut seeded_rng(5), -5.0, 5.0, &mut x).unwrap();
    let mut y = f.vctr(n).unwrap();
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("tanh", |b| b.iter(|| tanh_into(&x, &mut y).unwrap()));
    g.bench_function("exp", |b| b.iter(|| exp_into(&x, &mut y).unwrap()));
    g.bench_function("sigmoid", |b| b.iter(|| sigmoid_into(&x, &mut y).unwrap()));
    g.bench_function("log", |b| b.iter(|| log_into(&y, &mut x).unwrap()));
    g.finish();
}

mod group {
    #![allow(missing_docs)]
    use super::*;
    criterion_group!(benches, gemm, gemv, vector_math);
}
criterion_main!(group::benches);
