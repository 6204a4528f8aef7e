//! The epochs' records of a checkpointed run, kept beside its checkpoints
//! (`history.tsv`, written atomically after every epoch), so a resumed run's report
//! has the finished epochs' evaluation figures too: the checkpoint itself holds only
//! their training costs.

use std::path::{Path, PathBuf};

use nn_dnn::Checkpoints;

use crate::e2e::Error;
use crate::report::EpochRecord;

/// A run's epoch records as it trains: those a resumed run's records file had, then
/// each new epoch's, written to the file after every epoch.
#[derive(Debug)]
pub struct Records {
    file: Option<PathBuf>,
    records: Vec<EpochRecord>,
}

impl Records {
    /// Records epoch `r.epoch` (dropping what a resumed file had for it and later
    /// epochs) and rewrites the records file, if the run has one.
    pub fn record(&mut self, r: EpochRecord) -> std::io::Result<()> {
        self.records.retain(|old| old.epoch < r.epoch);
        self.records.push(r);
        match &self.file {
            Some(file) => write_history(file, &self.records),
            None => Ok(()),
        }
    }

    /// The records file, if the run has one.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// One record per epoch of the finished run ([`complete_history`] with every
    /// epoch's training cost).
    pub fn finish(mut self, costs: &[f32]) -> Vec<EpochRecord> {
        complete_history(&mut self.records, costs);
        self.records
    }
}

/// What a run that checkpoints into `dir` (none: no checkpoints) needs: the policy
/// (a checkpoint every epoch, the newest two kept), the checkpoint to resume from
/// (the newest, when `resume`; `None` when there is none yet) and its records (the
/// finished epochs', read back when resuming). Resuming without a folder is an error.
pub fn checkpointing(
    dir: Option<&Path>,
    resume: bool,
) -> Result<(Option<Checkpoints>, Option<PathBuf>, Records), Error> {
    let policy = dir.map(Checkpoints::new);
    let from = match (&policy, resume) {
        (Some(p), true) => p.latest()?,
        (None, true) => return Err("resume: the run has no checkpoint folder".into()),
        (_, false) => None,
    };
    let file = policy.as_ref().map(|p| history_file(&p.dir));
    let records = match (&from, &file) {
        (Some(_), Some(f)) => read_history(f),
        _ => vec![],
    };
    Ok((policy, from, Records { file, records }))
}

/// The records file of a run that checkpoints into `dir`.
pub fn history_file(dir: &Path) -> PathBuf {
    dir.join("history.tsv")
}

/// Writes the epochs' records to `file`: tab-separated, each figure as the bits of
/// its `f64` (`-` when not measured), written atomically.
pub fn write_history(file: &Path, history: &[EpochRecord]) -> std::io::Result<()> {
    let bits = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:016x}", v.to_bits()));
    let mut text = String::from("epoch\ttrain_cost\ttrain_metric\teval_cost\teval_metric\n");
    for r in history {
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            r.epoch,
            bits(Some(r.train_cost)),
            bits(r.train_metric),
            bits(r.eval_cost),
            bits(r.eval_metric)
        ));
    }
    la_core::atomic_file::write_atomic(file, text.as_bytes())
}

/// The records [`write_history`] wrote; none when the file is missing or damaged (the
/// report then lacks the finished epochs' evaluation figures, nothing else).
pub fn read_history(file: &Path) -> Vec<EpochRecord> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let value = |f: &str| match f {
        "-" => Some(None),
        bits => u64::from_str_radix(bits, 16)
            .ok()
            .map(|b| Some(f64::from_bits(b))),
    };
    let parsed: Option<Vec<EpochRecord>> = text
        .lines()
        .skip(1)
        .map(
            |line| match line.split('\t').collect::<Vec<_>>().as_slice() {
                [e, tc, tm, ec, em] => Some(EpochRecord {
                    epoch: e.parse().ok()?,
                    train_cost: value(tc)??,
                    train_metric: value(tm)?,
                    eval_cost: value(ec)?,
                    eval_metric: value(em)?,
                }),
                _ => None,
            },
        )
        .collect();
    parsed.unwrap_or_default()
}

/// Completes a resumed run's records: `history` holds what the records file had and
/// the epochs run since; `costs` is every epoch's training cost (the checkpoint's
/// and the new ones). An epoch with no record gets one with its cost alone; records
/// beyond the checkpoint's epochs that the run replaced are dropped; the result is in
/// epoch order, one record per epoch.
pub fn complete_history(history: &mut Vec<EpochRecord>, costs: &[f32]) {
    history.retain(|r| r.epoch >= 1 && r.epoch <= costs.len());
    history.sort_by_key(|r| r.epoch);
    // the last record of an epoch is the newest (the resumed run's)
    history.dedup_by(|later, earlier| {
        if later.epoch == earlier.epoch {
            *earlier = *later;
            true
        } else {
            false
        }
    });
    for (i, c) in costs.iter().enumerate() {
        if history.get(i).is_none_or(|r| r.epoch != i + 1) {
            history.insert(
                i,
                EpochRecord {
                    epoch: i + 1,
                    train_cost: f64::from(*c),
                    train_metric: None,
                    eval_cost: None,
                    eval_metric: None,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(epoch: usize, cost: f64, eval: Option<f64>) -> EpochRecord {
        EpochRecord {
            epoch,
            train_cost: cost,
            train_metric: eval.map(|e| e / 2.0),
            eval_cost: eval,
            eval_metric: None,
        }
    }

    #[test]
    fn records_round_trip_exactly_and_damage_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let file = history_file(dir.path());
        let h = vec![
            rec(1, 0.1, Some(1.0 / 3.0)),
            rec(2, f64::MIN_POSITIVE, None),
        ];
        write_history(&file, &h).unwrap();
        assert_eq!(read_history(&file), h);
        std::fs::write(&file, "epoch\n1\tzz\t-\t-\t-\n").unwrap();
        assert!(read_history(&file).is_empty());
        assert!(read_history(&dir.path().join("missing.tsv")).is_empty());
    }

    #[test]
    fn a_resumed_history_has_one_record_per_epoch() {
        // the file knew epochs 1-3; the run resumed from epoch 2's checkpoint and
        // recorded 3 and 4 again
        let mut h = vec![
            rec(1, 1.0, Some(1.0)),
            rec(2, 2.0, Some(2.0)),
            rec(3, 9.0, Some(9.0)),
            rec(3, 3.0, Some(3.0)),
            rec(4, 4.0, Some(4.0)),
        ];
        complete_history(&mut h, &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(
            h.iter().map(|r| r.train_cost).collect::<Vec<_>>(),
            [1.0, 2.0, 3.0, 4.0]
        );
        // no file: the checkpoint's costs fill in
        let mut h = vec![rec(3, 3.0, Some(3.0))];
        complete_history(&mut h, &[1.0, 2.0, 3.0]);
        assert_eq!(h.iter().map(|r| r.epoch).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!((h[0].train_cost, h[0].eval_cost), (1.0, None));
    }
}
