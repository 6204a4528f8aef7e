//! Part II, "GPU computing with CUDA and OpenCL": the same network code on
//! native-double, native-float, cuda-float (where an NVIDIA GPU exists) and
//! opencl-float, and moving data between factories.

use chapters::{this_particular_network, two_decimals};
use la_core::prelude::*;

fn main() -> nn_inference::Result<()> {
    chapters::heading("Part II", "GPU computing with CUDA and OpenCL");

    println!(
        "native-double: {}",
        two_decimals(&this_particular_network(&native_double())?)
    );
    println!(
        "native-float:  {}",
        two_decimals(&this_particular_network(&native_float())?)
    );
    match la_cuda::default_setup() {
        Ok(cuda) => {
            println!(
                "(CUDA device: {}, sm_{}{})",
                cuda.device.name,
                cuda.device.compute_capability.0,
                cuda.device.compute_capability.1
            );
            let f = la_cuda::cuda_float(&cuda.context, &cuda.stream)?;
            println!(
                "cuda-float:    {}",
                two_decimals(&this_particular_network(&f)?)
            );
        }
        Err(e) => println!("cuda-float:    SKIP: {e}"),
    }
    let cl = match la_opencl::default_setup() {
        Ok(cl) => cl,
        Err(e) => {
            println!("opencl-float:  SKIP: {e}");
            return Ok(());
        }
    };
    println!(
        "(OpenCL device: {} on {})",
        cl.device.device_name, cl.device.platform_name
    );
    let gpu = match la_opencl::opencl_float(&cl.context, &cl.queue) {
        Ok(gpu) => gpu,
        Err(e) => {
            println!("opencl-float:  SKIP: {e}");
            return Ok(());
        }
    };
    println!(
        "opencl-float:  {}",
        two_decimals(&this_particular_network(&gpu)?)
    );

    // Mixing: data lives on one factory; operations never copy silently.
    println!("\nmixing factories:");
    let host = fv(&[1.0, 2.0, 3.0]);
    let device = host.transfer(&gpu)?;
    match dot(&host, &device) {
        Err(e) => println!("  (dot host device) => error: {e}"),
        Ok(v) => println!("  (dot host device) => {v} (unexpected)"),
    }
    let mut doubled = scal(2.0, &device)?;
    println!("  on the device: (scal 2 x) =>\n{doubled}");
    let mut back = native_float().vctr(3)?;
    transfer_into(&doubled, &mut back)?;
    println!("  (transfer! device host) =>\n{back}");
    axpy_into(1.0, &device, &mut doubled)?;
    println!(
        "  (axpy! x (scal 2 x)) on the device, read back: {:?}",
        doubled.to_vec()?
    );
    Ok(())
}
