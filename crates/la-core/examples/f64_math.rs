//! f64 vector math, before and after vectorisation, in one run: std's scalar calls
//! (what the native engine used for f64 until 2026-12-05) against la-core's `tanh_into`,
//! `exp_into`, `sigmoid_into`, `log_into` on 1M elements (2 threads like the engine:
//! the scalar loop runs on rayon's pool too).
//!
//! `cargo run --release -p la-core --example f64_math`

use la_core::prelude::*;
use rayon::prelude::*;

fn median(mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..21)
        .map(|_| {
            let s = std::time::Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[10]
}

type Op = fn(&Vector<f64>, &mut Vector<f64>) -> Result<()>;
/// (name, std's scalar function, la-core's vector operation)
type Case = (&'static str, fn(f64) -> f64, Op);

fn main() -> Result<()> {
    let n = 1 << 20;
    let f = native_double();
    let mut x = f.vctr(n)?;
    rand_uniform_range(&mut seeded_rng(2), 0.01, 5.0, &mut x)?;
    let mut y = f.vctr(n)?;
    let host = x.to_vec()?;
    let mut out = vec![0.0; n];
    let sigmoid = |v: f64| 1.0 / (1.0 + (-v).exp());
    let ops: [Case; 4] = [
        ("tanh", f64::tanh, |x, y| tanh_into(x, y)),
        ("exp", f64::exp, |x, y| exp_into(x, y)),
        ("sigmoid", sigmoid, |x, y| sigmoid_into(x, y)),
        ("log", f64::ln, |x, y| log_into(x, y)),
    ];
    println!("| f64, 1M elements | std scalar (before) | la-core (after) | speed-up |");
    println!("|---|---|---|---|");
    for (name, scalar, op) in ops {
        let before = median(|| {
            out.par_chunks_mut(1 << 14)
                .zip(host.par_chunks(1 << 14))
                .for_each(|(o, i)| o.iter_mut().zip(i).for_each(|(o, &v)| *o = scalar(v)))
        });
        let after = median(|| op(&x, &mut y).expect(name));
        println!(
            "| {name} | {:.2} ns/elem | {:.2} ns/elem | {:.1}x |",
            before * 1e9 / n as f64,
            after * 1e9 / n as f64,
            before / after
        );
    }
    Ok(())
}
