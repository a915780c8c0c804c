//! CPU time: how long each thread, and each process in all, has held the
//! CPU (`capos_abi::syscall::SYS_CPU_TIME`, POSIX's
//! `CLOCK_PROCESS_CPUTIME_ID` and `CLOCK_THREAD_CPUTIME_ID`, WASI's CPU
//! clocks).
//!
//! Counted in TSC cycles at each context switch (`sched::switch_away`):
//! the thread leaving the CPU adds the cycles since it got it to its own
//! count and to its process's. A read adds the running thread's cycles
//! so far. Time in the kernel on a thread's behalf and interrupts that
//! arrive while it runs count as its time; the idle thread's counts for
//! nobody. A process that ends adds its total and its ended children's
//! to its parent's children count ([`on_end`]; Linux adds them when the
//! parent waits).

use core::sync::atomic::{AtomicU64, Ordering};

use capos_abi::error::CapError;
use capos_abi::syscall::cpu_time;

use crate::arch::x86_64::cpu::rdtsc;
use crate::process::Process;
use crate::thread::Thread;

/// A thread's CPU clock.
#[derive(Default)]
pub struct ThreadClock {
    /// Cycles of its finished turns on the CPU.
    used: AtomicU64,
    /// The TSC when its current turn began (0: not on the CPU).
    since: AtomicU64,
}

impl ThreadClock {
    /// Cycles it has used, its current turn included.
    fn cycles(&self, now: u64) -> u64 {
        let since = self.since.load(Ordering::Relaxed);
        let running = if since == 0 { 0 } else { now.saturating_sub(since) };
        self.used.load(Ordering::Relaxed).saturating_add(running)
    }
}

/// `prev` leaves the CPU and `next` gets it (interrupts off).
pub fn switch(prev: &Thread, next: &Thread) {
    let now = rdtsc();
    let since = prev.cpu.since.swap(0, Ordering::Relaxed);
    if since != 0 {
        let turn = now.saturating_sub(since);
        prev.cpu.used.fetch_add(turn, Ordering::Relaxed);
        if let Some(process) = prev.process() {
            process.cpu_cycles.fetch_add(turn, Ordering::Relaxed);
        }
    }
    next.cpu.since.store(now, Ordering::Relaxed);
}

/// Cycles `process` has used: its threads' finished turns, and the turn
/// of the thread on the CPU if it is one of them (one CPU).
fn process_cycles(process: &Process) -> u64 {
    let ended_turns = process.cpu_cycles.load(Ordering::Relaxed);
    let current =
        crate::sched::current().filter(|t| t.process().is_some_and(|p| core::ptr::eq(&*p, process)));
    let current_turn = current.map_or(0, |t| {
        let since = t.cpu.since.load(Ordering::Relaxed);
        if since == 0 { 0 } else { rdtsc().saturating_sub(since) }
    });
    ended_turns.saturating_add(current_turn)
}

/// `process` ended: its cycles and its ended children's go to `parent`'s
/// children count.
pub fn on_end(process: &Process, parent: Option<&Process>) {
    if let Some(parent) = parent {
        let total = process_cycles(process).saturating_add(process.children_cycles.load(Ordering::Relaxed));
        parent.children_cycles.fetch_add(total, Ordering::Relaxed);
    }
}

/// `SYS_CPU_TIME`: nanoseconds of CPU of the calling `thread`, its whole
/// `process`, or the process's ended children.
pub fn syscall(process: &Process, thread: &Thread, which: u64) -> Result<u64, CapError> {
    let cycles = match which {
        cpu_time::THREAD => thread.cpu.cycles(rdtsc()),
        cpu_time::PROCESS => process_cycles(process),
        cpu_time::CHILDREN => process.children_cycles.load(Ordering::Relaxed),
        _ => return Err(CapError::InvalidArgument),
    };
    Ok(crate::time::cycles_to_ns(cycles))
}
