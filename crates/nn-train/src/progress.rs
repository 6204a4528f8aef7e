//! A terminal progress bar for the training loops.

use indicatif::{ProgressBar, ProgressStyle};
use la_core::Scalar;

use crate::network::Epoch;

/// A progress bar over `epochs` epochs showing the current cost, as a callback for
/// [`sgd_with`](crate::sgd_with) and [`sgd_train_with`](crate::sgd_train_with).
/// Hidden when stderr is not a terminal; finishes itself at the last epoch.
///
/// ```
/// let mut bar = nn_train::progress_bar::<f32>(10);
/// bar(&nn_train::Epoch { epoch: 10, epochs: 10, cost: 0.5, learning_rate: 0.1 });
/// ```
pub fn progress_bar<T: Scalar>(epochs: usize) -> impl FnMut(&Epoch<T>) {
    let bar = ProgressBar::new(epochs as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} epochs  {msg}  [{elapsed_precise}]")
    {
        bar.set_style(style);
    }
    move |e: &Epoch<T>| {
        bar.set_position(e.epoch as u64);
        bar.set_message(format!("cost {:.6}", e.cost.as_f64()));
        if e.epoch >= e.epochs {
            bar.finish();
        }
    }
}
