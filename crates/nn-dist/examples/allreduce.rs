//! All-reduce bandwidth: `mpirun -np 2 target/release/examples/allreduce`. Sums
//! buffers of 1K to 4M f32 across the ranks through [`nn_dist::Mpi`] (the path
//! `DataParallel` takes) and prints the median time and the algorithm bandwidth
//! (bytes of the buffer / time) on rank 0.

use std::time::Instant;

use la_core::prelude::*;
use nn_dist::{Collective, Mpi, Ranks};

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let mut mpi = Mpi::init()?;
    let f = native_float();
    if mpi.rank() == 0 {
        println!("ranks {}", mpi.size());
        println!("{:>10} {:>12} {:>10}", "f32s", "median ms", "GB/s");
    }
    for n in [1 << 10, 1 << 14, 1 << 18, 407_050, 1 << 20, 1 << 22] {
        let mut x = f.vctr(n)?;
        fill(&mut x, 1.0)?;
        let mut times = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            mpi.all_reduce_sum(&mut x.view_mut())?;
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let med = times[times.len() / 2];
        if mpi.rank() == 0 {
            println!(
                "{n:>10} {:>12.3} {:>10.2}",
                med * 1e3,
                (n * 4) as f64 / med / 1e9
            );
        }
    }
    Ok(())
}
