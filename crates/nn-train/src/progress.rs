//! Progress of the training loops: an `indicatif` bar in a terminal, plain lines in logs.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use la_core::Scalar;

use nn_dnn::Epoch;

/// Reports the epochs of a run on stderr: in a terminal, a bar with the epoch, the
/// cost and the ETA; otherwise (CI logs, pipes) one plain line every `epochs / 10`
/// epochs and at the last, e.g. `epoch 4/20  cost 0.123456  1.2 s, ETA 4.8 s`.
///
/// Cheap enough to call every epoch of a 4000-epoch run: between reports it compares
/// two integers.
///
/// ```
/// let mut p = nn_train::EpochProgress::new(20);
/// for e in 1..=20 {
///     p.epoch(e, 1.0 / e as f64);
/// }
/// ```
#[derive(Debug)]
pub struct EpochProgress {
    bar: Option<ProgressBar>,
    epochs: usize,
    every: usize,
    start: Instant,
}

impl EpochProgress {
    /// Progress over `epochs` epochs: a bar when stderr is a terminal, plain lines
    /// otherwise.
    pub fn new(epochs: usize) -> Self {
        Self::with_terminal(epochs, std::io::stderr().is_terminal())
    }

    /// [`EpochProgress::new`] with the choice made by the caller (`true`: the bar).
    pub fn with_terminal(epochs: usize, terminal: bool) -> Self {
        let bar = terminal.then(|| {
            let bar = ProgressBar::new(epochs as u64);
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:40} {pos}/{len} epochs  {msg}  [{elapsed_precise}, ETA {eta}]",
            ) {
                bar.set_style(style);
            }
            bar
        });
        // The bar redraws a few times a second. Formatting the cost every epoch
        // allocated a String per epoch and cost up to 3% of the regression chapter's
        // 62 µs steps; the bar's message changes about 200 times over the run, a log
        // gets about 10 lines.
        let every = if terminal { epochs / 200 } else { epochs / 10 }.max(1);
        EpochProgress {
            bar,
            epochs,
            every,
            start: Instant::now(),
        }
    }

    /// Whether `epoch` gets a report (every `every` epochs, the first and the last).
    fn reports(&self, epoch: usize) -> bool {
        epoch == 1 || epoch.is_multiple_of(self.every) || epoch >= self.epochs
    }

    /// Records that `epoch` (from 1) finished with mean cost `cost`.
    pub fn epoch(&mut self, epoch: usize, cost: f64) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(epoch as u64);
                if self.reports(epoch) {
                    bar.set_message(format!("cost {cost:.6}"));
                }
                if epoch >= self.epochs {
                    bar.finish();
                }
            }
            None if self.reports(epoch) => {
                let secs = self.start.elapsed().as_secs_f64();
                let eta = secs / epoch as f64 * self.epochs.saturating_sub(epoch) as f64;
                eprintln!(
                    "epoch {epoch}/{}  cost {cost:.6}  {secs:.1} s, ETA {eta:.1} s",
                    self.epochs
                );
            }
            None => {}
        }
    }
}

/// An [`EpochProgress`] over `epochs` epochs as a callback for [`fit`](crate::fit).
///
/// ```
/// let mut bar = nn_train::progress_bar::<f32>(10);
/// bar(&nn_train::Epoch {
///     epoch: 10, epochs: 10, cost: 0.5, learning_rate: 0.1, seconds: 0.2, validation: None,
/// });
/// ```
pub fn progress_bar<T: Scalar>(epochs: usize) -> impl FnMut(&Epoch<T>) {
    let mut p = EpochProgress::new(epochs);
    move |e: &Epoch<T>| p.epoch(e.epoch, e.cost.as_f64())
}
