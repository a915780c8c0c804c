//! POSIX signals (`capos_abi::signal`): a process's actions, pending
//! signals, process group and session, alarm; a thread's blocked mask;
//! sending (`kill`, the terminal's Ctrl-C, `SIGCHLD`, `SIGALRM`) and
//! delivery on the return to user mode.
//!
//! Sending decides at once what can be decided: an ignored signal is
//! dropped, a signal whose action ends the process (`SIGKILL`, or a default
//! action of "terminate" that some thread does not block) ends it there
//! and then — so a CPU-bound process is stopped without running again —
//! and a signal with a handler becomes pending and wakes a thread that
//! can take it (a thread blocked in `cap_enter` returns `Interrupted`).
//! Delivery ([`on_user_return`]) runs on every return to user mode, a
//! timer tick's included: the first pending signal the thread does not
//! block gets its handler run through the action's trampoline
//! (`capos_abi::signal::SignalFrame`), and `sigreturn` comes back.
//!
//! Interrupt handlers (the terminal's Ctrl-C and Ctrl-Z, an alarm's
//! expiry on the tick) never do that work: in interrupt context [`send`]
//! and [`send_group`] only record the signal in a fixed table (no lock
//! but the table's, no allocation) and the tick only notes that an alarm
//! is due; [`run_deferred`] does the sending in thread context, on the
//! next return to user mode of whatever thread runs ([`on_user_return`])
//! or when the idle loop wakes (`sched::idle_wait`) — so ending a
//! process, tearing down its address space and dropping its caps never
//! run in an interrupt, on the stack of whichever thread it interrupted.
//!
//! Who may signal whom: a process may signal itself, the processes it
//! started (spawned or forked) and theirs in turn — the processes its
//! `ProcessHandle`s reach — and the processes of its own process group
//! (so a child can signal the parent it shares a group with). The kernel
//! itself (terminal, timers, children ending) signals without that check.

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use capos_abi::error::CapError;
use capos_abi::layout::{USER_END, USER_MIN};
use capos_abi::signal::{
    self as abi, Disposition, FRAME_INFO_OFFSET, SavedRegisters, SigInfo, SignalAction, UNBLOCKABLE, bit,
    number::*,
};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::Mutex;

use crate::arch::x86_64::trap::TrapFrame;
use crate::process::{ExitStatus, Process};
use crate::thread::Thread;

/// Who sent a pending signal, as `siginfo` tells it: the sender's pid (0
/// for the kernel), `si_code`, and `si_status` (a `SIGCHLD`'s exit code or
/// signal; 0 otherwise).
pub type Sender = (u32, i32, i32);

/// A process's signal state behind its own lock (never held while taking
/// another lock but the scheduler's and a thread's `senders`, which is
/// held while taking none).
pub struct SignalState {
    actions: [SignalAction; abi::MAX_SIGNAL as usize],
    /// Who sent each pending signal (`siginfo`'s pid and code).
    senders: [Sender; abi::MAX_SIGNAL as usize],
    /// Process group id.
    pub pgid: u64,
    /// Session id.
    pub sid: u64,
    /// `ITIMER_REAL`: uptime of the next `SIGALRM`, and the interval.
    alarm: Option<(u64, u64)>,
    /// Whether [`ALARMS`] lists the process (once at most, however often
    /// it sets and clears its alarm between two ticks).
    alarm_listed: bool,
}

impl SignalState {
    /// A process's state: default actions, in group `pgid` of session `sid`.
    pub const fn new(pgid: u64, sid: u64) -> Self {
        Self {
            actions: [SignalAction { handler: 0, flags: 0, restorer: 0, mask: 0 }; abi::MAX_SIGNAL as usize],
            senders: [(0, 0, 0); abi::MAX_SIGNAL as usize],
            pgid,
            sid,
            alarm: None,
            alarm_listed: false,
        }
    }

    fn action(&self, sig: u8) -> SignalAction {
        self.actions[usize::from(sig - 1)]
    }
}

/// Processes with an alarm set, and the earliest deadline among them
/// (`u64::MAX`: none), so a tick without a due alarm costs one load.
static ALARMS: Mutex<Vec<Weak<Process>>> = Mutex::new(Vec::new());
static NEXT_ALARM: AtomicU64 = AtomicU64::new(u64::MAX);

/// Who a signal recorded in interrupt context is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DeferredTarget {
    Process(u64),
    Group(u64),
}

/// Signals sent in interrupt context, waiting for [`run_deferred`]: each
/// target with the set of signals it gets (a signal recorded twice before
/// the drain is sent once, as a standard signal is queued once).
const DEFERRED_SLOTS: usize = 32;
static DEFERRED: Mutex<[Option<(DeferredTarget, u64)>; DEFERRED_SLOTS]> = Mutex::new([None; DEFERRED_SLOTS]);
/// Whether [`DEFERRED`] or [`ALARMS_DUE`] holds work (one load when not).
static DEFERRED_ANY: AtomicBool = AtomicBool::new(false);
/// Whether a tick saw an alarm due.
static ALARMS_DUE: AtomicBool = AtomicBool::new(false);

/// Records `sig` for `target` (interrupt context). Pids and group ids are
/// never reused, so a target gone by the drain is simply not found. With
/// the table full the signal is dropped and said so (32 distinct targets
/// between two returns to user mode do not happen: the terminal signals
/// one group at a time).
fn defer(target: DeferredTarget, sig: u8) {
    let mut table = DEFERRED.lock();
    let slot = match table.iter().position(|e| e.is_some_and(|(t, _)| t == target)) {
        Some(i) => Some(i),
        None => table.iter().position(Option::is_none),
    };
    match slot {
        Some(i) => {
            let bits = table[i].map_or(0, |(_, b)| b);
            table[i] = Some((target, bits | bit(sig)));
            DEFERRED_ANY.store(true, Ordering::Release);
        }
        None => log::warn!("signal {sig} from an interrupt dropped: deferred-signal table full"),
    }
}

/// Sends what interrupt handlers recorded ([`defer`], due alarms). Thread
/// context only: the idle loop, or a thread about to return to user mode
/// (which must then check whether its own process ended).
#[inline]
pub fn run_deferred() {
    // Read first (inline, on every return to user mode): the swap (a
    // locked write) and the rest only when something waits.
    if DEFERRED_ANY.load(Ordering::Acquire) {
        send_deferred();
    }
}

/// [`run_deferred`] with something recorded.
#[cold]
fn send_deferred() {
    if !DEFERRED_ANY.swap(false, Ordering::AcqRel) {
        return;
    }
    debug_assert!(!crate::arch::x86_64::trap::in_interrupt());
    if ALARMS_DUE.swap(false, Ordering::AcqRel) {
        send_due_alarms(crate::time::uptime_ns());
    }
    loop {
        // One entry at a time, the lock released before sending (a send
        // may take any lock; nothing records meanwhile on one CPU with
        // interrupts off, but the table is left consistent anyway).
        let entry = DEFERRED.lock().iter_mut().find_map(Option::take);
        let Some((target, bits)) = entry else { break };
        for sig in (1..=abi::MAX_SIGNAL).filter(|&s| bits & bit(s) != 0) {
            match target {
                DeferredTarget::Group(pgid) => {
                    send_group(pgid, sig);
                }
                DeferredTarget::Process(pid) => {
                    if let Some(p) = crate::process::by_pid(pid) {
                        send(&p, sig, 0, abi::SI_KERNEL);
                    }
                }
            }
        }
    }
}

fn valid(sig: u64) -> Result<u8, CapError> {
    u8::try_from(sig).ok().filter(|s| (1..=abi::MAX_SIGNAL).contains(s)).ok_or(CapError::InvalidArgument)
}

/// The stop signals (job control).
const STOP_SIGNALS: u64 = bit(SIGSTOP) | bit(SIGTSTP) | bit(SIGTTIN) | bit(SIGTTOU);

/// Sends `sig` to `target` as `sender` (`siginfo` pid; 0 for the kernel)
/// with `siginfo` code `code`.
///
/// Job control: `SIGCONT` continues a stopped process whatever its action
/// (and is then handled like any signal) and discards pending stop
/// signals; a stop signal discards a pending `SIGCONT` and, with the
/// default action and a thread that does not block it (`SIGSTOP` always),
/// stops the process at once — unless it is `SIGTSTP`, `SIGTTIN` or
/// `SIGTTOU` and the process's group is orphaned (POSIX: discarded).
///
/// In interrupt context it only records the signal (as the kernel's; the
/// senders there are the kernel's own), for [`run_deferred`].
pub fn send(target: &Arc<Process>, sig: u8, sender: u64, code: i32) {
    if crate::arch::x86_64::trap::in_interrupt() {
        defer(DeferredTarget::Process(target.pid), sig);
        return;
    }
    send_to(target, None, sig, (sender as u32, code, 0));
}

/// [`send`] in thread context, to the process (`to` `None`: any thread
/// that does not block it takes it) or to one of its threads (`tkill`:
/// pending for that thread alone, and only its mask counts; what the
/// signal does, ending or stopping the process included, is the
/// process's).
fn send_to(target: &Arc<Process>, to: Option<&Arc<Thread>>, sig: u8, from: Sender) {
    if target.exit_status().is_some() || bit(sig) == 0 {
        return;
    }
    // Discarded from the process's pending signals and every thread's.
    let discard = match sig {
        SIGCONT => STOP_SIGNALS,
        _ if bit(sig) & STOP_SIGNALS != 0 => bit(SIGCONT),
        _ => 0,
    };
    if discard != 0 {
        target.pending.fetch_and(!discard, Ordering::AcqRel);
        for thread in &target.inner.lock().threads {
            thread.pending.fetch_and(!discard, Ordering::AcqRel);
        }
    }
    if sig == SIGCONT {
        continue_process(target);
    }
    let threads: Vec<Arc<Thread>> = match to {
        Some(thread) => vec_of(thread.clone()).unwrap_or_default(),
        None => target.inner.lock().threads.clone(),
    };
    let unblocked = |t: &Arc<Thread>| t.blocked() & bit(sig) == 0;
    // A stopped process takes signals once continued (as Linux: only
    // `SIGKILL` ends it while it is stopped).
    let stopped = target.stopped.load(Ordering::Acquire) && sig != SIGKILL;
    let now = sig == SIGKILL || sig == SIGSTOP || (!stopped && threads.iter().any(unblocked));
    let waited = threads.iter().any(|t| t.waiting_for() & bit(sig) != 0);
    let (disposition, queued) = {
        let mut s = target.signals.lock();
        let d = abi::disposition(sig, &s.action(sig));
        let later = matches!(d, Disposition::Terminate | Disposition::Stop) && !now;
        // As Linux, a blocked signal is never discarded as ignored (its
        // action may change before it is unblocked, or `sigwait` takes
        // it).
        let kept = d == Disposition::Ignore && (waited || !threads.iter().any(unblocked));
        let queued = d == Disposition::Catch || later || kept;
        if queued {
            // A signal already pending keeps its first sender (Linux
            // queues one instance of a standard signal).
            match to {
                Some(thread) => {
                    if thread.pending.fetch_or(bit(sig), Ordering::AcqRel) & bit(sig) == 0 {
                        thread.senders.lock()[usize::from(sig - 1)] = from;
                    }
                }
                None => {
                    if target.pending.fetch_or(bit(sig), Ordering::AcqRel) & bit(sig) == 0 {
                        s.senders[usize::from(sig - 1)] = from;
                    }
                }
            }
        }
        (d, queued)
    };
    // A `sigtimedwait` for it takes it (unless it ended or stopped the
    // process already).
    if queued && waited && !target.stopped.load(Ordering::Acquire) {
        let waiter = threads.iter().find(|t| {
            t.waiting_for() & bit(sig) != 0
                && matches!(t.state(), crate::thread::ThreadState::BlockedOnRing { .. })
        });
        if let Some(thread) = waiter {
            crate::sched::wake(thread);
            return;
        }
    }
    match disposition {
        Disposition::Terminate if now => {
            target.terminate(ExitStatus::Signaled(sig));
        }
        Disposition::Stop if now => stop_by(target, sig),
        Disposition::Catch if !target.stopped.load(Ordering::Acquire) => {
            // Wake one thread that can take it, if one waits in the kernel;
            // one in user mode takes it at its next return (a tick at most).
            // A stopped process takes it once continued.
            let waiting = threads.iter().find(|t| {
                unblocked(t) && matches!(t.state(), crate::thread::ThreadState::BlockedOnRing { .. })
            });
            if let Some(thread) = waiting {
                crate::sched::wake(thread);
            }
        }
        _ => {}
    }
}

/// A stop signal with the default action took effect on `process`: it
/// stops, unless the signal is one a terminal sends and its group is
/// orphaned (POSIX discards those, since no shell would continue it).
fn stop_by(process: &Arc<Process>, sig: u8) {
    if sig != SIGSTOP {
        let (pgid, sid) = {
            let s = process.signals.lock();
            (s.pgid, s.sid)
        };
        if group_orphaned(pgid, sid) {
            return;
        }
    }
    stop(process, sig);
}

/// Stops `process` (no effect if it is stopped or ended): its threads
/// stay off the CPU from their next return to user mode
/// ([`on_user_return`]; a thread waiting in the kernel stops once its wait
/// ends) until [`continue_process`] or its end. Its `jobState` waiters
/// complete and its parent gets `SIGCHLD` (`CLD_STOPPED`) unless that
/// one's action has `SA_NOCLDSTOP`.
fn stop(process: &Arc<Process>, sig: u8) {
    if process.stopped.swap(true, Ordering::AcqRel) {
        return;
    }
    let (changes, waiters) = {
        let mut inner = process.inner.lock();
        if inner.exit.is_some() {
            process.stopped.store(false, Ordering::Release);
            return;
        }
        inner.job_changes += 1;
        inner.stop_signal = sig;
        (inner.job_changes, core::mem::take(&mut inner.job_waiters))
    };
    for waiter in waiters {
        waiter.complete(crate::cap::process_spawner::job_state_reply(changes, sig, false));
    }
    const CLD_STOPPED: i32 = 5;
    notify_parent_cldstop(process, CLD_STOPPED);
}

/// Continues a stopped `process` (`SIGCONT`): its held threads are made
/// ready, its `jobState` waiters complete and its parent gets `SIGCHLD`
/// (`CLD_CONTINUED`) unless `SA_NOCLDSTOP`. No effect on one that runs.
fn continue_process(process: &Arc<Process>) {
    if !process.stopped.swap(false, Ordering::AcqRel) {
        return;
    }
    let (changes, waiters, threads) = {
        let mut inner = process.inner.lock();
        if inner.exit.is_some() {
            return;
        }
        inner.job_changes += 1;
        inner.stop_signal = 0;
        (inner.job_changes, core::mem::take(&mut inner.job_waiters), inner.threads.clone())
    };
    for thread in &threads {
        match thread.state() {
            crate::thread::ThreadState::Stopped => crate::sched::make_ready(thread.clone()),
            // A signal caught while it was stopped woke no waiting thread:
            // it does now.
            crate::thread::ThreadState::BlockedOnRing { .. } if interrupts(process, thread) => {
                crate::sched::wake(thread);
            }
            _ => {}
        }
    }
    for waiter in waiters {
        waiter.complete(crate::cap::process_spawner::job_state_reply(changes, 0, false));
    }
    const CLD_CONTINUED: i32 = 6;
    notify_parent_cldstop(process, CLD_CONTINUED);
    // A terminating signal sent while it was stopped ends it now (a thread
    // waiting in the kernel would take it only when its wait ends).
    if let Some(sig) = pending_fatal(process, &threads) {
        process.terminate(ExitStatus::Signaled(sig));
    }
}

/// The lowest pending signal whose action ends `process` and that one of
/// `threads` does not block.
fn pending_fatal(process: &Process, threads: &[Arc<Thread>]) -> Option<u8> {
    let pending = process.pending.load(Ordering::Acquire);
    let s = process.signals.lock();
    (1..=abi::MAX_SIGNAL).find(|&sig| {
        abi::disposition(sig, &s.action(sig)) == Disposition::Terminate
            && threads.iter().any(|t| {
                let ready = pending | t.pending.load(Ordering::Acquire);
                ready & bit(sig) != 0 && t.blocked() & bit(sig) == 0
            })
    })
}

/// `SIGCHLD` to `child`'s parent for a stop or continue, unless the
/// parent's `SIGCHLD` action has `SA_NOCLDSTOP`.
fn notify_parent_cldstop(child: &Arc<Process>, code: i32) {
    let Some(parent) = child.posix_parent() else { return };
    let quiet = parent.signals.lock().action(SIGCHLD).flags & abi::SA_NOCLDSTOP != 0;
    if !quiet {
        send(&parent, SIGCHLD, child.pid, code);
    }
}

/// Whether process group `pgid` of session `sid` is orphaned (POSIX: no
/// member has a parent in another group of the same session), looking at
/// live processes only. An empty group counts as orphaned.
fn group_orphaned(pgid: u64, sid: u64) -> bool {
    let Ok(group) = members(pgid) else { return false };
    !group.iter().any(|p| {
        p.posix_parent().is_some_and(|parent| {
            let s = parent.signals.lock();
            s.pgid != pgid && s.sid == sid
        })
    })
}

/// The process groups of `children` (the live ones), for [`after_end`].
pub fn groups_of(children: &[Weak<Process>]) -> Vec<(u64, u64)> {
    let mut groups: Vec<(u64, u64)> = Vec::new();
    for child in children.iter().filter_map(Weak::upgrade) {
        let g = {
            let s = child.signals.lock();
            (s.pgid, s.sid)
        };
        if !groups.contains(&g) && groups.try_reserve(1).is_ok() {
            groups.push(g);
        }
    }
    groups
}

/// After `ended` ended (no longer among the live processes): a process
/// group it kept from being orphaned — its own, when its parent is in
/// another group of the same session, or one of its children's in its
/// session — that is orphaned now and has a stopped member gets `SIGHUP`
/// then `SIGCONT` (POSIX, as Linux's `kill_orphaned_pgrp`), so a stopped
/// job no shell can continue does not stay stopped for good.
pub fn after_end(ended: &Process, parent: Option<&Arc<Process>>, child_groups: Vec<(u64, u64)>) {
    let (pgid, sid) = {
        let s = ended.signals.lock();
        (s.pgid, s.sid)
    };
    let mut candidates = child_groups;
    candidates.retain(|&(g, s)| g != pgid && s == sid);
    let own_link = parent.is_some_and(|p| {
        let s = p.signals.lock();
        s.pgid != pgid && s.sid == sid
    });
    if own_link && candidates.try_reserve(1).is_ok() {
        candidates.push((pgid, sid));
    }
    for (g, s) in candidates {
        let Ok(group) = members(g) else { continue };
        let any_stopped = group.iter().any(|p| p.stopped.load(Ordering::Acquire));
        if any_stopped && group_orphaned(g, s) {
            for p in &group {
                send(p, SIGHUP, 0, abi::SI_KERNEL);
                send(p, SIGCONT, 0, abi::SI_KERNEL);
            }
        }
    }
}

/// Whether `thread` has a signal to take that should end its wait in the
/// kernel (`cap_enter` then returns `Interrupted`).
pub fn interrupts(process: &Process, thread: &Thread) -> bool {
    pending_for(process, thread) & !thread.blocked() != 0
}

/// The signals pending for `thread`: its process's and its own.
fn pending_for(process: &Process, thread: &Thread) -> u64 {
    process.pending.load(Ordering::Acquire) | thread.pending.load(Ordering::Acquire)
}

/// The parent's side of a child's end: `SIGCHLD` (ignored unless caught).
pub fn child_ended(parent: &Arc<Process>, child_pid: u64, status: ExitStatus) {
    const CLD_EXITED: i32 = 1;
    const CLD_KILLED: i32 = 2;
    // `si_status`: the exit code's low byte (as `WEXITSTATUS`), or the
    // signal.
    let (code, value) = match (status, status.signal()) {
        (ExitStatus::Exited(c), _) => (CLD_EXITED, c & 0xff),
        (_, sig) => (CLD_KILLED, i32::from(sig.unwrap_or(SIGKILL))),
    };
    if crate::arch::x86_64::trap::in_interrupt() {
        defer(DeferredTarget::Process(parent.pid), SIGCHLD);
        return;
    }
    send_to(parent, None, SIGCHLD, (child_pid as u32, code, value));
}

/// Whether `sender` may signal `target`: itself, a process below it in the
/// tree of processes started, or a process of its own process group.
fn may_signal(sender: &Arc<Process>, target: &Arc<Process>) -> bool {
    let group = sender.signals.lock().pgid;
    if target.signals.lock().pgid == group {
        return true;
    }
    let mut next = Some(target.clone());
    // Bounded by the number of kernel stacks (every process has a thread):
    // the tree has no cycles, but a bound costs nothing.
    for _ in 0..=crate::mem::kstack::STACKS {
        let Some(p) = next else { return false };
        if Arc::ptr_eq(&p, sender) {
            return true;
        }
        next = p.parent();
    }
    false
}

/// `kill(target, sig)` from `sender` (see `capos_abi::signal::op::KILL`).
fn kill(sender: &Arc<Process>, target: i64, sig: u64) -> Result<u64, CapError> {
    let sig = if sig == 0 { 0 } else { valid(sig)? };
    let targets: Vec<Arc<Process>> = match target {
        t if t > 0 => vec_of(crate::process::by_pid(t as u64).ok_or(CapError::NotFound)?)?,
        // A group with only zombies left still exists (the signal is lost
        // on them, as on Linux).
        0 => members_with_zombies(sender.signals.lock().pgid)?,
        -1 => crate::process::live()?.into_iter().filter(|p| !Arc::ptr_eq(p, sender)).collect(),
        t => members_with_zombies(t.unsigned_abs())?,
    };
    if targets.is_empty() {
        return Err(CapError::NotFound);
    }
    let allowed: Vec<&Arc<Process>> = targets.iter().filter(|t| may_signal(sender, t)).collect();
    if allowed.is_empty() {
        return Err(if target == -1 { CapError::NotFound } else { CapError::PermissionDenied });
    }
    if sig != 0 {
        for t in allowed.into_iter().filter(|t| t.exit_status().is_none()) {
            send(t, sig, sender.pid, abi::SI_USER);
        }
    }
    Ok(0)
}

/// `tgkill(pid, tid, sig)` from `sender` (`pid` 0: `tkill`; see
/// `capos_abi::signal::op::KILL_THREAD`).
fn kill_thread(sender: &Arc<Process>, pid: u64, tid: u64, sig: u64) -> Result<u64, CapError> {
    let sig = if sig == 0 { 0 } else { valid(sig)? };
    if (tid as i64) <= 0 || (pid as i64) < 0 {
        return Err(CapError::InvalidArgument);
    }
    let candidates = if pid != 0 {
        vec_of(crate::process::by_pid(pid).ok_or(CapError::NotFound)?)?
    } else {
        crate::process::live()?
    };
    let found = candidates.into_iter().find_map(|p| {
        let thread = p.inner.lock().threads.iter().find(|t| t.tid() == tid).cloned();
        thread.map(|t| (p, t))
    });
    let (process, thread) = found.ok_or(CapError::NotFound)?;
    if !may_signal(sender, &process) {
        return Err(CapError::PermissionDenied);
    }
    if sig != 0 {
        send_to(&process, Some(&thread), sig, (sender.pid as u32, abi::SI_TKILL, 0));
    }
    Ok(0)
}

/// `rt_sigtimedwait` for `thread` (see `capos_abi::signal::op::WAIT`).
/// The wait is a block with the deadline: a sender of a signal of `set`
/// wakes it ([`send_to`]), as does an unblocked signal or the deadline.
fn wait(
    process: &Arc<Process>,
    thread: &Arc<Thread>,
    set: u64,
    timeout_ns: u64,
    info: u64,
) -> Result<u64, CapError> {
    let set = set & !UNBLOCKABLE;
    let deadline = (timeout_ns != abi::FOREVER).then(|| crate::time::uptime_ns().saturating_add(timeout_ns));
    let result = loop {
        let ready = pending_for(process, thread) & set;
        if ready != 0 {
            let sig = ready.trailing_zeros() as u8 + 1;
            let Some((sender, code, status)) = take_pending(process, thread, sig) else { continue };
            if info != 0 {
                let mut bytes = [0u8; 128];
                bytes[..4].copy_from_slice(&i32::from(sig).to_le_bytes());
                bytes[8..12].copy_from_slice(&code.to_le_bytes());
                bytes[16..20].copy_from_slice(&sender.to_le_bytes());
                bytes[24..28].copy_from_slice(&status.to_le_bytes());
                if let Err(e) = write_user(process, info, &bytes) {
                    break Err(e);
                }
            }
            break Ok(u64::from(sig));
        }
        if interrupts(process, thread) {
            // The handler runs on the way out, as after `TAKE`.
            thread.set_suspend_mask(thread.blocked());
            break Err(CapError::Interrupted);
        }
        if process.exit_status().is_some() || thread.killed() {
            break Err(CapError::Cancelled);
        }
        if deadline.is_some_and(|d| crate::time::uptime_ns() >= d) {
            break Err(CapError::WouldBlock);
        }
        thread.set_waiting_for(set);
        crate::sched::block(crate::thread::ThreadState::BlockedOnRing {
            min_complete: u32::MAX,
            deadline_ns: deadline,
        });
        thread.set_waiting_for(0);
    };
    thread.set_waiting_for(0);
    result
}

fn vec_of<T>(p: T) -> Result<Vec<T>, CapError> {
    let mut v = Vec::new();
    v.try_reserve(1).map_err(|_| CapError::OutOfMemory)?;
    v.push(p);
    Ok(v)
}

/// The live processes of group `pgid`.
fn members(pgid: u64) -> Result<Vec<Arc<Process>>, CapError> {
    let mut all = crate::process::live()?;
    all.retain(|p| p.signals.lock().pgid == pgid);
    Ok(all)
}

/// Every process of group `pgid` that exists for POSIX: the live ones and
/// the zombies (ended, not yet reaped). A group lives while any of these
/// does: a pipeline stage may join the group of a stage that already
/// ended, and a shell may make that group the terminal's foreground.
fn members_with_zombies(pgid: u64) -> Result<Vec<Arc<Process>>, CapError> {
    let mut all = crate::process::with_zombies()?;
    all.retain(|p| p.signals.lock().pgid == pgid);
    Ok(all)
}

/// Sends `sig` to every process of group `pgid`, as the kernel (the
/// terminal's Ctrl-C). Returns whether the group had a member.
///
/// In interrupt context (the terminal's input interrupt or tick) it only
/// records the signal for the group, for [`run_deferred`], and returns
/// `true`.
pub fn send_group(pgid: u64, sig: u8) -> bool {
    if crate::arch::x86_64::trap::in_interrupt() {
        defer(DeferredTarget::Group(pgid), sig);
        return true;
    }
    let Ok(group) = members(pgid) else { return false };
    for p in &group {
        send(p, sig, 0, abi::SI_KERNEL);
    }
    !group.is_empty()
}

/// Whether `process` may use a terminal whose foreground process group is
/// `foreground` (0: none) without job control stepping in: no foreground
/// is set, it is in that group, or that group is of another session.
pub fn in_foreground(process: &Process, foreground: u64) -> bool {
    let (pgid, sid) = {
        let s = process.signals.lock();
        (s.pgid, s.sid)
    };
    foreground == 0 || pgid == foreground || !group_in_session(foreground, sid)
}

/// A terminal read by `caller` (POSIX job control): from a background
/// process group of the terminal's session it sends `SIGTTIN` to that
/// group (the read then waits until the group is the foreground), or
/// fails with `PermissionDenied` (`EIO`) when the caller ignores or blocks
/// `SIGTTIN` or its group is orphaned (nothing would continue it).
pub fn terminal_read(caller: &Arc<Process>, foreground: u64) -> Result<(), CapError> {
    if in_foreground(caller, foreground) {
        return Ok(());
    }
    let (pgid, sid, ignored) = {
        let s = caller.signals.lock();
        (s.pgid, s.sid, abi::disposition(SIGTTIN, &s.action(SIGTTIN)) == Disposition::Ignore)
    };
    let threads: Vec<Arc<Thread>> = caller.inner.lock().threads.clone();
    let blocked = threads.iter().all(|t| t.blocked() & bit(SIGTTIN) != 0);
    if ignored || blocked || group_orphaned(pgid, sid) {
        return Err(CapError::PermissionDenied);
    }
    send_group(pgid, SIGTTIN);
    Ok(())
}

/// A terminal write (`mode_change` false; checked under `tostop`) or
/// mode change (`tcsetattr`, true) by `caller` (POSIX job control,
/// `capos_lib::line_discipline::background_write`): from a background
/// process group of the terminal's session it sends `SIGTTOU` to that
/// group and fails with `Interrupted` (the runtime makes it again once
/// the group is continued), or with `PermissionDenied` (`EIO`) when the
/// group is orphaned; a caller that ignores or blocks `SIGTTOU` goes
/// through.
pub fn terminal_write(
    caller: &Arc<Process>,
    foreground: u64,
    tostop: bool,
    mode_change: bool,
) -> Result<(), CapError> {
    use capos_lib::line_discipline::{BackgroundWrite, background_write};
    let background = !in_foreground(caller, foreground);
    if !background {
        return Ok(());
    }
    let (pgid, sid, ignored) = {
        let s = caller.signals.lock();
        (s.pgid, s.sid, abi::disposition(SIGTTOU, &s.action(SIGTTOU)) == Disposition::Ignore)
    };
    // The calling thread's mask (the call is served in its `cap_enter`);
    // else every thread's.
    let blocked =
        match crate::sched::current().filter(|t| t.process().is_some_and(|p| Arc::ptr_eq(&p, caller))) {
            Some(thread) => thread.blocked() & bit(SIGTTOU) != 0,
            None => caller.inner.lock().threads.iter().all(|t| t.blocked() & bit(SIGTTOU) != 0),
        };
    match background_write(tostop, mode_change, background, ignored || blocked, group_orphaned(pgid, sid)) {
        BackgroundWrite::Allow => Ok(()),
        BackgroundWrite::Fail => Err(CapError::PermissionDenied),
        BackgroundWrite::Stop => {
            send_group(pgid, SIGTTOU);
            Err(CapError::Interrupted)
        }
    }
}

/// Whether a process of session `sid`, live or a zombie, is in group
/// `pgid`.
pub fn group_in_session(pgid: u64, sid: u64) -> bool {
    members_with_zombies(pgid).is_ok_and(|g| g.iter().any(|p| p.signals.lock().sid == sid))
}

/// The `signal` syscall for `thread` of `process`.
pub fn syscall(process: &Arc<Process>, thread: &Arc<Thread>, args: [u64; 4]) -> Result<u64, CapError> {
    let [op, a, b, c] = args;
    match op {
        abi::op::ACTION => action(process, a, b, c),
        abi::op::MASK => {
            let old = thread.blocked();
            let new = match a {
                abi::BLOCK => old | b,
                abi::UNBLOCK => old & !b,
                abi::SET_MASK => b,
                abi::QUERY => old,
                _ => return Err(CapError::InvalidArgument),
            };
            thread.set_blocked(new);
            Ok(old)
        }
        abi::op::PENDING => Ok(pending_for(process, thread)),
        abi::op::KILL => kill(process, a as i64, b),
        abi::op::KILL_THREAD => kill_thread(process, a, b, c),
        abi::op::WAIT => wait(process, thread, a, b, c),
        abi::op::ALARM => alarm(process, a, b, c),
        abi::op::SUSPEND => suspend(process, thread, a),
        abi::op::TAKE => {
            // Marks the return as a point where handlers run (as after a
            // `sigsuspend`, with the mask unchanged).
            thread.set_suspend_mask(thread.blocked());
            Ok(0)
        }
        abi::op::DEFER => {
            if a != 0 && (!a.is_multiple_of(8) || !(USER_MIN..USER_END - 8).contains(&a)) {
                return Err(CapError::InvalidArgument);
            }
            process.signal_defer.store(a, Ordering::Release);
            Ok(0)
        }
        _ => Err(CapError::InvalidArgument),
    }
}

fn action(process: &Arc<Process>, sig: u64, new: u64, old: u64) -> Result<u64, CapError> {
    let sig = valid(sig)?;
    let new = if new == 0 {
        None
    } else {
        let mut bytes = [0u8; SignalAction::SIZE];
        read_user(process, new, &mut bytes)?;
        let mut action = SignalAction::from_bytes(&bytes);
        // C's `sa_flags` is an `int`: the high half is sign extension.
        // Unknown flags are kept and do nothing, as on Linux.
        action.flags &= u64::from(u32::MAX);
        let user = USER_MIN..USER_END;
        if bit(sig) & UNBLOCKABLE != 0
            || (action.handler > abi::SIG_IGN
                && !(user.contains(&action.handler) && user.contains(&action.restorer)))
        {
            return Err(CapError::InvalidArgument);
        }
        Some(action)
    };
    let previous = process.signals.lock().action(sig);
    if old != 0 {
        write_user(process, old, &previous.to_bytes())?;
    }
    if let Some(action) = new {
        process.signals.lock().actions[usize::from(sig - 1)] = action;
        // POSIX: setting a pending signal to be ignored discards it.
        if abi::disposition(sig, &action) == Disposition::Ignore {
            process.pending.fetch_and(!bit(sig), Ordering::AcqRel);
            for thread in &process.inner.lock().threads {
                thread.pending.fetch_and(!bit(sig), Ordering::AcqRel);
            }
        }
    }
    Ok(0)
}

fn alarm(process: &Arc<Process>, value_ns: u64, interval_ns: u64, old: u64) -> Result<u64, CapError> {
    let now = crate::time::uptime_ns();
    let before = process.signals.lock().alarm;
    if old != 0 {
        let (left, interval) = before.map_or((0, 0), |(at, every)| (at.saturating_sub(now).max(1), every));
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&left.to_le_bytes());
        bytes[8..].copy_from_slice(&interval.to_le_bytes());
        write_user(process, old, &bytes)?;
    }
    if value_ns == u64::MAX {
        return Ok(0);
    }
    let listed = process.signals.lock().alarm_listed;
    if value_ns != 0 && !listed {
        let mut alarms = ALARMS.lock();
        alarms.try_reserve(1).map_err(|_| CapError::OutOfMemory)?;
        alarms.push(Arc::downgrade(process));
    }
    let at = now.saturating_add(value_ns);
    {
        let mut s = process.signals.lock();
        s.alarm = (value_ns != 0).then_some((at, interval_ns));
        s.alarm_listed |= value_ns != 0;
    }
    if value_ns != 0 {
        NEXT_ALARM.fetch_min(at, Ordering::AcqRel);
    }
    Ok(0)
}

/// Called on every timer tick (interrupt context): notes that an alarm is
/// due, for [`run_deferred`] to send.
pub fn on_tick(now: u64) {
    if NEXT_ALARM.load(Ordering::Acquire) <= now {
        ALARMS_DUE.store(true, Ordering::Release);
        DEFERRED_ANY.store(true, Ordering::Release);
    }
}

/// Sends the alarms due at `now` (thread context).
fn send_due_alarms(now: u64) {
    if NEXT_ALARM.load(Ordering::Acquire) > now {
        return;
    }
    let mut due: Vec<Arc<Process>> = Vec::new();
    let mut next = u64::MAX;
    {
        let mut alarms = ALARMS.lock();
        alarms.retain(|weak| {
            let Some(p) = weak.upgrade() else { return false };
            if p.exit_status().is_some() {
                return false;
            }
            let mut s = p.signals.lock();
            let Some((at, every)) = s.alarm else {
                s.alarm_listed = false;
                return false;
            };
            if at > now {
                next = next.min(at);
                return true;
            }
            s.alarm = (every != 0).then(|| (now.saturating_add(every), every));
            if let Some((again, _)) = s.alarm {
                next = next.min(again);
            }
            s.alarm_listed = every != 0;
            drop(s);
            if due.try_reserve(1).is_ok() {
                due.push(p.clone());
            }
            every != 0
        });
    }
    NEXT_ALARM.store(next, Ordering::Release);
    for p in due {
        send(&p, SIGALRM, 0, abi::SI_KERNEL);
    }
}

fn suspend(process: &Arc<Process>, thread: &Arc<Thread>, mask: u64) -> Result<u64, CapError> {
    let old = thread.blocked();
    thread.set_suspend_mask(old);
    thread.set_blocked(mask);
    // Spurious wake-ups (a completion) only go round again.
    while !interrupts(process, thread) && process.exit_status().is_none() && !thread.killed() {
        crate::sched::block(crate::thread::ThreadState::BlockedOnRing {
            min_complete: u32::MAX,
            deadline_ns: None,
        });
    }
    Err(CapError::Interrupted)
}

/// Runs before every return to user mode of the current thread, whose
/// user registers are `frame`: ends the thread if its process ended;
/// delivers the first pending signal it does not block.
///
/// Every syscall and interrupt returns through here, so the common case
/// (nothing pending) costs two atomic loads after the thread lookup.
pub fn on_user_return(frame: &mut TrapFrame) {
    // What interrupt handlers recorded is sent first, here in thread
    // context (it may end this very process).
    run_deferred();
    let Some(thread) = crate::sched::current() else { return };
    let Some(process) = thread.process() else { return };
    user_return_checks(frame, thread, process);
}

/// [`on_user_return`] at the end of a syscall, which already holds the
/// running thread and its process (no second lookup).
pub fn on_syscall_return(frame: &mut TrapFrame, thread: Arc<Thread>, process: Arc<Process>) {
    run_deferred();
    user_return_checks(frame, thread, process);
}

/// What [`on_user_return`] does once it has the thread and its process.
fn user_return_checks(frame: &mut TrapFrame, thread: Arc<Thread>, process: Arc<Process>) {
    // The signals just sent (a tick's alarm, the terminal's Ctrl-C), or
    // another process's `kill` while this thread was preempted, may have
    // ended its process.
    if process.has_ended() || thread.killed() {
        leave(thread, process);
    }
    loop {
        let stopped = process.stopped.load(Ordering::Acquire);
        let pending = interrupts(&process, &thread);
        if !stopped && !pending && !thread.has_suspend_mask() {
            return;
        }
        if stopped {
            // Job control: held off the CPU (no user code runs, whatever
            // the runtime defers) until continued or ended; then the
            // signals that came meanwhile (a caught `SIGCONT`) are taken.
            hold_while_stopped(&process, &thread);
            if process.exit_status().is_some() || thread.killed() {
                leave(thread, process);
            }
            continue;
        }
        if pending {
            deliver(&process, &thread, frame);
        }
        // A `sigsuspend` that ran no handler (an ignored signal woke it)
        // puts its mask back.
        if let Some(mask) = thread.take_suspend_mask() {
            thread.set_blocked(mask);
        }
        if process.exit_status().is_some() {
            leave(thread, process);
        }
        // A stop signal taken from the pending ones stops it now.
        if !process.stopped.load(Ordering::Acquire) {
            return;
        }
    }
}

/// Blocks the current thread while `process` is stopped: `continue_process`
/// or the process's end makes it ready again. No busy wait.
///
/// Marked as inside a syscall meanwhile: its stack holds references
/// (`thread`, `process`), so an end of the process that finds it off the
/// CPU — still held, or made ready by a `SIGCONT` that then ended the
/// process — must let it run to release them, not retire it in place.
fn hold_while_stopped(process: &Process, thread: &Thread) {
    let inside = thread.in_syscall();
    thread.set_in_syscall(true);
    while process.stopped.load(Ordering::Acquire) && process.exit_status().is_none() && !thread.killed() {
        crate::sched::block(crate::thread::ThreadState::Stopped);
    }
    thread.set_in_syscall(inside);
}

/// Leaves the current thread of an ended process for good (the handles
/// dropped first: this stack is never unwound).
fn leave(thread: Arc<Thread>, process: Arc<Process>) -> ! {
    drop(process);
    drop(thread);
    crate::sched::exit_current();
}

/// Whether the runtime is inside a section that cannot take a handler
/// (then it is told one waits).
fn deferred(process: &Process) -> bool {
    let at = process.signal_defer.load(Ordering::Acquire);
    if at == 0 {
        return false;
    }
    let mut word = [0u8; 4];
    if read_user(process, at, &mut word).is_err() || word == [0; 4] {
        return false;
    }
    let _ = write_user(process, at + 4, &1u32.to_le_bytes());
    true
}

fn deliver(process: &Arc<Process>, thread: &Arc<Thread>, frame: &mut TrapFrame) {
    // A `sigsuspend` or `TAKE` is a point where the runtime takes
    // handlers.
    if !thread.has_suspend_mask() && deferred(process) {
        return;
    }
    loop {
        let ready = pending_for(process, thread) & !thread.blocked();
        if ready == 0 {
            return;
        }
        let sig = if ready & bit(SIGKILL) != 0 { SIGKILL } else { ready.trailing_zeros() as u8 + 1 };
        let Some((action, sender)) = dequeue(process, thread, sig) else { continue };
        match abi::disposition(sig, &action) {
            Disposition::Terminate => {
                process.terminate(ExitStatus::Signaled(sig));
                return;
            }
            Disposition::Catch => {
                if enter_handler(process, thread, frame, sig, &action, sender).is_err() {
                    // No room for the frame on the stack: as Linux, SIGSEGV.
                    process.terminate(ExitStatus::Signaled(SIGSEGV));
                }
                return;
            }
            Disposition::Stop => {
                // A stop signal that was blocked when sent.
                stop_by(process, sig);
                return;
            }
            Disposition::Ignore | Disposition::Continue => {}
        }
    }
}

/// Takes `sig` from the signals pending for `thread` (its own first, then
/// its process's): the action it meets (an `SA_RESETHAND` one is reset)
/// and who sent it; `None` if it was not pending (another thread took it).
fn dequeue(process: &Process, thread: &Thread, sig: u8) -> Option<(SignalAction, Sender)> {
    let sender = take_pending(process, thread, sig)?;
    let mut s = process.signals.lock();
    let action = s.action(sig);
    if action.flags & abi::SA_RESETHAND != 0 && action.handler > abi::SIG_IGN {
        s.actions[usize::from(sig - 1)] = SignalAction::default();
    }
    Some((action, sender))
}

/// Takes `sig` from the signals pending for `thread` (its own first, then
/// its process's); who sent it, or `None` if it was not pending.
fn take_pending(process: &Process, thread: &Thread, sig: u8) -> Option<Sender> {
    if thread.pending.fetch_and(!bit(sig), Ordering::AcqRel) & bit(sig) != 0 {
        return Some(thread.senders.lock()[usize::from(sig - 1)]);
    }
    let s = process.signals.lock();
    if process.pending.fetch_and(!bit(sig), Ordering::AcqRel) & bit(sig) != 0 {
        return Some(s.senders[usize::from(sig - 1)]);
    }
    None
}

/// Saves the interrupted registers in a frame on the user stack and points
/// the registers at the action's trampoline.
fn enter_handler(
    process: &Arc<Process>,
    thread: &Arc<Thread>,
    frame: &mut TrapFrame,
    sig: u8,
    action: &SignalAction,
    (sender, code, status): Sender,
) -> Result<(), CapError> {
    let restore = thread.take_suspend_mask().unwrap_or(thread.blocked());
    let at = frame
        .rsp
        .checked_sub(128 + abi::FRAME_SIZE as u64)
        .map(|a| a & !63)
        .filter(|a| *a >= USER_MIN + 8 && a + abi::FRAME_SIZE as u64 <= USER_END)
        .ok_or(CapError::BadAddress)?;
    let regs = SavedRegisters {
        r15: frame.r15,
        r14: frame.r14,
        r13: frame.r13,
        r12: frame.r12,
        r11: frame.r11,
        r10: frame.r10,
        r9: frame.r9,
        r8: frame.r8,
        rbp: frame.rbp,
        rdi: frame.rdi,
        rsi: frame.rsi,
        rdx: frame.rdx,
        rcx: frame.rcx,
        rbx: frame.rbx,
        rax: frame.rax,
        rip: frame.rip,
        rflags: frame.rflags,
        rsp: frame.rsp,
    };
    let info = SigInfo {
        signo: i32::from(sig),
        errno: 0,
        code,
        pad: 0,
        pid: sender as i32,
        uid: 0,
        rest: [u64::from(status as u32), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    };
    // The return-address slot (0: a trampoline never returns), the
    // registers, the mask, the reserved words, the siginfo.
    let mut bytes = [0u8; 8 + FRAME_INFO_OFFSET + 128];
    let words = [
        regs.r15,
        regs.r14,
        regs.r13,
        regs.r12,
        regs.r11,
        regs.r10,
        regs.r9,
        regs.r8,
        regs.rbp,
        regs.rdi,
        regs.rsi,
        regs.rdx,
        regs.rcx,
        regs.rbx,
        regs.rax,
        regs.rip,
        regs.rflags,
        regs.rsp,
        restore,
    ];
    for (i, w) in words.iter().enumerate() {
        bytes[8 + i * 8..16 + i * 8].copy_from_slice(&w.to_le_bytes());
    }
    let info_at = 8 + FRAME_INFO_OFFSET;
    bytes[info_at..info_at + 4].copy_from_slice(&info.signo.to_le_bytes());
    bytes[info_at + 8..info_at + 12].copy_from_slice(&info.code.to_le_bytes());
    bytes[info_at + 16..info_at + 20].copy_from_slice(&info.pid.to_le_bytes());
    // `si_status` (a `SIGCHLD`'s), after `si_uid`.
    bytes[info_at + 24..info_at + 28].copy_from_slice(&(info.rest[0] as u32).to_le_bytes());
    if let Err(e) = write_user(process, at - 8, &bytes) {
        thread.set_blocked(restore);
        return Err(e);
    }
    let mut blocked = restore | action.mask;
    if action.flags & abi::SA_NODEFER == 0 {
        blocked |= bit(sig);
    }
    thread.set_blocked(blocked);
    frame.rip = action.restorer;
    frame.rsp = at - 8;
    frame.rdi = u64::from(sig);
    frame.rsi = at + FRAME_INFO_OFFSET as u64;
    frame.rdx = at;
    frame.rcx = action.handler;
    frame.r8 = action.flags;
    frame.rflags = USER_RFLAGS;
    Ok(())
}

/// RFLAGS a handler starts with: interrupts on (bit 9), bit 1 (always set).
const USER_RFLAGS: u64 = 0x202;
/// The RFLAGS bits `sigreturn` takes from a frame: the arithmetic flags
/// (CF, PF, AF, ZF, SF, OF) and DF; never IOPL, TF, NT, VM or IF.
const RESTORABLE_RFLAGS: u64 = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x400 | 0x800;

/// The `sigreturn` syscall: `frame.rdi` is the [`abi::SignalFrame`] the
/// handler ran with. Restores its registers and mask, or ends the process
/// with `SIGSEGV` for a frame it cannot read or that points outside user
/// memory.
pub fn sigreturn(frame: &mut TrapFrame) {
    let Some(thread) = crate::sched::current() else { return };
    let Some(process) = thread.process() else { return };
    let mut bytes = [0u8; 19 * 8];
    let read = read_user(&process, frame.rdi, &mut bytes);
    let word = |i: usize| u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
    let (rip, rsp) = (word(15), word(17));
    let user = USER_MIN..USER_END;
    if read.is_err() || !user.contains(&rip) || rsp > USER_END {
        process.terminate(ExitStatus::Signaled(SIGSEGV));
        leave(thread, process);
    }
    frame.r15 = word(0);
    frame.r14 = word(1);
    frame.r13 = word(2);
    frame.r12 = word(3);
    frame.r11 = word(4);
    frame.r10 = word(5);
    frame.r9 = word(6);
    frame.r8 = word(7);
    frame.rbp = word(8);
    frame.rdi = word(9);
    frame.rsi = word(10);
    frame.rdx = word(11);
    frame.rcx = word(12);
    frame.rbx = word(13);
    frame.rax = word(14);
    frame.rip = rip;
    frame.rflags = (word(16) & RESTORABLE_RFLAGS) | USER_RFLAGS;
    frame.rsp = rsp;
    thread.set_blocked(word(18));
}

/// What a forked child inherits: the actions, group and session, and the
/// forking thread's mask (no pending signals, no alarm).
pub fn fork_child(parent: &Process, parent_thread: &Thread, child: &Process, child_thread: &Thread) {
    let (actions, pgid, sid) = {
        let s = parent.signals.lock();
        (s.actions, s.pgid, s.sid)
    };
    let mut c = child.signals.lock();
    c.actions = actions;
    c.pgid = pgid;
    c.sid = sid;
    child_thread.set_blocked(parent_thread.blocked());
    child.signal_defer.store(parent.signal_defer.load(Ordering::Acquire), Ordering::Release);
}

/// `exec`: handlers are gone with the old image, so caught signals go back
/// to their default action; ignored stay ignored; the mask, the pending
/// signals and the alarm stay.
pub fn on_exec(process: &Process) {
    process.signal_defer.store(0, Ordering::Release);
    let mut s = process.signals.lock();
    for action in s.actions.iter_mut() {
        if action.handler > abi::SIG_IGN {
            *action = SignalAction::default();
        }
    }
}

/// The `process_group` syscall.
pub fn group_syscall(process: &Arc<Process>, args: [u64; 4]) -> Result<u64, CapError> {
    let [op, a, b, _] = args;
    // A zombie keeps its group and session until reaped.
    let any =
        |pid: u64| if pid == 0 { Some(process.clone()) } else { crate::process::by_pid_with_zombies(pid) };
    match op {
        abi::group_op::GET_PGID => Ok(any(a).ok_or(CapError::NotFound)?.signals.lock().pgid),
        abi::group_op::GET_SID => Ok(any(a).ok_or(CapError::NotFound)?.signals.lock().sid),
        abi::group_op::SET_PGID => {
            let who = any(a).ok_or(CapError::NotFound)?;
            let own = Arc::ptr_eq(&who, process);
            if !own && !who.posix_parent().is_some_and(|p| Arc::ptr_eq(&p, process)) {
                return Err(CapError::NotFound);
            }
            let sid = process.signals.lock().sid;
            let (who_sid, leader) = {
                let s = who.signals.lock();
                (s.sid, s.sid == who.pid)
            };
            if who_sid != sid || leader {
                return Err(CapError::PermissionDenied);
            }
            let pgid = if b == 0 { who.pid } else { b };
            if (pgid as i64) < 0 {
                return Err(CapError::InvalidArgument);
            }
            if pgid != who.pid && !group_in_session(pgid, sid) {
                return Err(CapError::PermissionDenied);
            }
            who.signals.lock().pgid = pgid;
            Ok(0)
        }
        abi::group_op::GET_PPID => Ok(process.posix_ppid()),
        abi::group_op::SET_SID => {
            if !members_with_zombies(process.pid)?.is_empty() {
                return Err(CapError::PermissionDenied);
            }
            let mut s = process.signals.lock();
            s.sid = process.pid;
            s.pgid = process.pid;
            Ok(process.pid)
        }
        _ => Err(CapError::InvalidArgument),
    }
}

fn read_user(process: &Process, addr: u64, out: &mut [u8]) -> Result<(), CapError> {
    let inner = process.inner.lock();
    let space = inner.space.as_ref().ok_or(CapError::Cancelled)?;
    if space.copy_from_user(addr, out) { Ok(()) } else { Err(CapError::BadAddress) }
}

fn write_user(process: &Process, addr: u64, data: &[u8]) -> Result<(), CapError> {
    let mut inner = process.inner.lock();
    let space = inner.space.as_mut().ok_or(CapError::Cancelled)?;
    Ok(space.copy_to_user(addr, data)?)
}
