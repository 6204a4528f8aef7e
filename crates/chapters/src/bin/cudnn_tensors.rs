//! Part VII, "cuDNN: Tensor operations on GPU": Deep Diamond's convolution example —
//! a `[2 1 4 4]` tensor, a 3x3 kernel, bias 0.5 — then relu and max pooling, computed
//! with the same tensor-core calls on the native kernels and, where an NVIDIA GPU with
//! cuDNN exists, on `cuda-float` with cuDNN (it says why it skipped otherwise).

use la_core::prelude::*;
use tensor_core::dnn::{Convolution, PoolAlgo, Pooling};
use tensor_core::{
    desc, tensor, tensor_from, AsTensor, AsTensorMut, DataType, DnnFactory, TensorLayout,
};

const X: [f32; 32] = [
    0.0, 43.0, 3.0, 30.0, 0.0, 98.0, 0.0, 0.0, 7.0, 38.0, 0.0, 0.0, 19.0, 20.0, 175.0, 50.0, 0.0,
    0.0, 7.0, 19.0, 43.0, 98.0, 38.0, 20.0, 3.0, 0.0, 0.0, 175.0, 30.0, 0.0, 0.0, 50.0,
];
const W: [f32; 9] = [-2.0, 0.0, 1.0, 0.0, 1.0, 0.0, -1.0, -2.0, 0.0];

/// Convolution, relu (as a bias-free bias + activation) and 1x2 max pooling on `dnn`.
fn run(dnn: &DnnFactory<f32>) -> Result<Vec<f32>> {
    let f = dnn.la();
    let xd = desc([2, 1, 4, 4], DataType::Float, TensorLayout::Nchw)?;
    let x = tensor_from(f, xd, &X)?;
    let g = Convolution::new(&xd, 1, [3, 3], [1, 1], [0, 0], [1, 1])?;
    let (w, b) = (f.vctr_from(&W)?, f.vctr_from(&[0.5])?);
    let mut y = tensor(f, g.output_desc())?;
    dnn.convolution_forward(&g, &x, &w, &b, &mut y)?;
    println!("  (convo x w b):  {:?}", y.to_vec()?);
    // relu over the whole output, seen (zero-copy) as 8 samples of 1 feature, zero bias
    {
        let mut flat = y.view_tz_mut(desc([8, 1], DataType::Float, TensorLayout::Nc)?)?;
        let mut m = flat.view_mat_mut()?;
        let zero_bias = f.vctr(m.mrows())?;
        dnn.bias_activation(Some(la_core::engine::Unary::Relu), &zero_bias, &mut m)?;
    }
    println!("  relu:           {:?}", y.to_vec()?);
    let p = Pooling::new(&g.output_desc(), PoolAlgo::Max, [1, 2], [1, 2], [0, 0])?;
    let mut z = tensor(f, p.output_desc())?;
    let mut arg = f.vctr(p.workspace_len())?;
    dnn.pooling_forward(&p, &y, &mut z, &mut arg)?;
    let out = z.to_vec()?;
    println!("  (pooling [1 2]): {out:?}");
    Ok(out)
}

fn main() -> Result<()> {
    chapters::heading("Part VII", "cuDNN: Tensor operations on GPU");
    println!(
        "native-float ({}):",
        DnnFactory::new(&native_float()).dnn_name()
    );
    let cpu = run(&DnnFactory::new(&native_float()))?;
    let gpu = la_cuda::default_setup()
        .and_then(|s| la_cuda::cuda_float(&s.context, &s.stream))
        .and_then(|la| tensor_cudnn::cudnn_float(&la));
    match gpu {
        Ok(dnn) => {
            println!("cuda-float ({}):", dnn.dnn_name());
            let out = run(&dnn)?;
            println!("the same on both: {}", out == cpu);
        }
        Err(e) => println!("cuda-float with cuDNN: SKIP: {e}"),
    }
    Ok(())
}
