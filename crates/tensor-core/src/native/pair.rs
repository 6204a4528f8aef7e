//! A two-way fork-join for short parallel phases: [`join`] runs one closure on the
//! calling thread and the other on a helper thread that spins for 2 ms after each job
//! instead of going to sleep.
//!
//! Why not `rayon::join`: called from outside rayon's pool it hands both halves to the
//! pool and puts the caller to sleep, and the pool's idle workers sleep too. Each
//! sleeping thread costs a wake-up, which on a virtual machine takes tens of
//! microseconds: on a 2-core VM, splitting 60 µs of work over two threads with
//! `rayon::join` took 55–60 µs, as long as running both halves on one thread. A
//! full-batch training step of a small network (`dnn::mlp_gradients`) is about that
//! size, and runs thousands of times.
//!
//! The helper spins with `spin_loop` rather than `yield_now`: a yielding helper was
//! sometimes left by the scheduler on the caller's CPU (both threads always "cache
//! hot", so never migrated), and then ran nothing until the caller waited; the
//! 4-8-8-1 regression step took 72–128 µs over eight runs, against 71–91 µs spinning.
//!
//! Measured again on 2026-12-07 (a 2-core AMD EPYC VM, `cargo run --release -p
//! dlfp-benches --example regression_profile -- fused`, eight alternating runs of
//! each build): the 4-8-8-1 step on 10,000 samples took 259–310 µs (median 267) with
//! this helper and 269–293 µs (median 282) with `rayon::join` in its place, so it
//! buys about 5% where a step is 270 µs, and more where a step is as short as on the
//! Ice Lake VMs (62–68 µs), on which `rayon::join` gained nothing over one thread.
//!
//! The helper is one thread, started on first use. A second caller that finds it
//! busy runs both closures itself. Panics in either closure reach the caller after
//! both have finished.
#![allow(unsafe_code)]

use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Mutex, OnceLock, TryLockError};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// How long the helper spins for the next job before it parks.
const AWAKE: Duration = Duration::from_millis(2);

/// A job on the caller's stack: the closure and, after it ran, its panic if any.
struct Job<'a> {
    run: &'a mut (dyn FnMut() + Send + 'a),
    panic: Option<Box<dyn Any + Send>>,
}

struct Helper {
    /// The posted job (a `*mut Job`), or null.
    slot: AtomicPtr<Job<'static>>,
    /// Set by the helper when the posted job has finished.
    done: AtomicBool,
    /// Held by the one caller whose job is in flight.
    busy: Mutex<()>,
    thread: Thread,
}

fn helper() -> Option<&'static Helper> {
    static HELPER: OnceLock<Option<&'static Helper>> = OnceLock::new();
    *HELPER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        thread::Builder::new()
            .name("la-core-pair".into())
            .spawn(move || {
                let h: &'static Helper = Box::leak(Box::new(Helper {
                    slot: AtomicPtr::new(std::ptr::null_mut()),
                    done: AtomicBool::new(false),
                    busy: Mutex::new(()),
                    thread: thread::current(),
                }));
                if tx.send(h).is_ok() {
                    serve(h);
                }
            })
            .ok()?;
        rx.recv().ok()
    })
}

/// The helper's loop: take a job, run it, report; spin, then park while idle.
fn serve(h: &Helper) -> ! {
    let mut idle_since = Instant::now();
    loop {
        let p = h.slot.swap(std::ptr::null_mut(), Ordering::Acquire);
        if p.is_null() {
            if idle_since.elapsed() >= AWAKE {
                thread::park();
                idle_since = Instant::now();
            } else {
                std::hint::spin_loop();
            }
            continue;
        }
        // SAFETY: `join` posted a pointer to a `Job` on its stack and, once the swap
        // above has taken it (so `join` cannot take it back), does not return, unwind
        // or touch the job until it sees `done`, which is set below after the last use
        // of `job`. The `'static` in the slot's type is a lie confined to
        // this block: the job's borrows are live until `done`.
        let job = unsafe { &mut *p };
        job.panic = catch_unwind(AssertUnwindSafe(&mut *job.run)).err();
        h.done.store(true, Ordering::Release);
        idle_since = Instant::now();
    }
}

/// Runs `a` on this thread and `b` on the helper thread, and returns both results
/// (both closures have finished when it returns, even if one panicked; the panic is
/// then resumed). If the helper is busy with another caller's job, or could not be
/// started, or has not picked `b` up by the time `a` has finished, runs `b` here.
///
/// The last case is the scheduler keeping the helper queued behind this thread on the
/// same CPU (seen on a 2-core VM). Waiting for it then would let it run a moment on
/// every call, which keeps it "cache hot" and so never migrated to the idle CPU (the
/// step then took as long as on one thread, for whole runs); not waiting lets the
/// load balancer move it.
pub(crate) fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB + Send,
    RB: Send,
{
    let Some(h) = helper() else {
        return (a(), b());
    };
    // A panic resumed below poisons the lock; the helper is still sound.
    let _busy = match h.busy.try_lock() {
        Ok(guard) => guard,
        Err(TryLockError::Poisoned(e)) => e.into_inner(),
        Err(TryLockError::WouldBlock) => return (a(), b()),
    };
    let mut b = Some(b);
    let mut rb = None;
    let mut run_b = || rb = b.take().map(|b| b());
    let mut job = Job {
        run: &mut run_b,
        panic: None,
    };
    h.done.store(false, Ordering::Relaxed);
    let p: *mut Job<'_> = &mut job;
    // The helper only dereferences it until it sets `done`; see `serve`.
    h.slot.store(p.cast(), Ordering::Release);
    h.thread.unpark();
    let ra = catch_unwind(AssertUnwindSafe(a));
    let unclaimed = h
        .slot
        .compare_exchange(
            p.cast(),
            std::ptr::null_mut(),
            Ordering::Acquire,
            Ordering::Relaxed,
        )
        .is_ok();
    if unclaimed {
        job.panic = catch_unwind(AssertUnwindSafe(&mut *job.run)).err();
    } else {
        while !h.done.load(Ordering::Acquire) {
            thread::yield_now();
        }
    }
    if let Some(p) = job.panic.take() {
        resume_unwind(p);
    }
    let ra = ra.unwrap_or_else(|p| resume_unwind(p));
    (ra, rb.expect("the helper ran b"))
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn both_sides_run_and_borrow() {
        let mut left = vec![0u64; 1000];
        let mut right = vec![0u64; 1000];
        for round in 0..200u64 {
            let (a, b) = join(
                || {
                    left.iter_mut().for_each(|v| *v += round);
                    left.iter().sum::<u64>()
                },
                || {
                    right.iter_mut().for_each(|v| *v += 2 * round);
                    right.iter().sum::<u64>()
                },
            );
            let s: u64 = (0..=round).sum();
            assert_eq!((a, b), (1000 * s, 2000 * s));
        }
    }

    #[test]
    fn panics_reach_the_caller_after_both_finish() {
        let mut ran = false;
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            join(|| ran = true, || panic!("helper side"))
        }));
        assert!(r.is_err());
        assert!(ran);
        // The helper still serves jobs.
        assert_eq!(join(|| 1, || 2), (1, 2));
    }

    #[test]
    fn concurrent_callers_fall_back_to_running_both() {
        std::thread::scope(|s| {
            for t in 0..4u32 {
                s.spawn(move || {
                    for i in 0..100u32 {
                        assert_eq!(join(|| i + t, || i * t), (i + t, i * t));
                    }
                });
            }
        });
    }
}
