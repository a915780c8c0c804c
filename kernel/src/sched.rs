//! The scheduler: one CPU, preemptive round robin on the timer tick.
//!
//! The kernel runs with interrupts disabled; a thread leaves the CPU only
//! at well-defined points: a timer tick that arrived in user mode or in the
//! idle loop (preemption), `cap_enter` blocking, or the thread's end. So
//! kernel data structures need no finer locking than spin locks that are
//! never held across a switch.
//!
//! Blocked threads with a deadline are checked on every tick; completions
//! posted to a process wake its thread when enough have arrived.
//!
//! The queues never allocate once a thread exists: each thread, when made,
//! reserves a place in every queue ([`admit`]; `OutOfMemory` to whoever
//! creates it when the heap has no room), and a thread is in each queue
//! at most once. So waking, blocking and ending a thread cannot fail, and
//! the tick (an interrupt) allocates nothing.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use capos_abi::error::CapError;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use spin::Mutex;
use x86_64::registers::model_specific::FsBase;

use crate::arch::x86_64::{context, gdt, percpu};
use crate::thread::{Thread, ThreadState};

struct Scheduler {
    ready: VecDeque<Arc<Thread>>,
    current: Option<Arc<Thread>>,
    idle: Option<Arc<Thread>>,
    /// Blocked threads with a deadline.
    timed: Vec<Arc<Thread>>,
    /// Dead threads whose stacks can be freed once another thread runs.
    reap: Vec<Arc<Thread>>,
}

static SCHED: Mutex<Scheduler> = Mutex::new(Scheduler {
    ready: VecDeque::new(),
    current: None,
    idle: None,
    timed: Vec::new(),
    reap: Vec::new(),
});

/// The user thread whose FPU/SSE state the CPU's registers hold (its saved
/// area is then out of date), if any. The kernel is soft-float and its own
/// threads (idle) never touch the registers, so a switch to one leaves
/// them as they are: a user thread that waits while the CPU idles and
/// then runs again (a reply, a sleep, an interrupt) is neither saved nor
/// restored. Between two user threads the state is always switched:
/// every program touches the SSE registers (`memcpy`), so trapping the
/// first use instead (lazy switching with CR0.TS) would cost a fault per
/// switch and leak register contents to speculation (LazyFP,
/// docs/decisions.md).
static FPU_OWNER: Mutex<Option<Arc<Thread>>> = Mutex::new(None);

/// Threads made and not yet freed (the idle thread aside): each queue has
/// room for this many.
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// A thread's place in the scheduler's queues, reserved by [`admit`] and
/// given up when dropped with the thread.
pub struct Room(());

impl Drop for Room {
    fn drop(&mut self) {
        // Takes no lock: a thread may be freed while the scheduler's is
        // held. The queues keep their capacity.
        THREADS.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Reserves room in every queue for one more thread, or `OutOfMemory`.
pub fn admit() -> Result<Room, CapError> {
    let mut s = SCHED.lock();
    let want = THREADS.load(Ordering::Acquire) + 1;
    let grow_deque = |q: &mut VecDeque<Arc<Thread>>| q.try_reserve(want.saturating_sub(q.len()));
    let grow = |q: &mut Vec<Arc<Thread>>| q.try_reserve(want.saturating_sub(q.len()));
    grow_deque(&mut s.ready).map_err(|_| CapError::OutOfMemory)?;
    grow(&mut s.timed).map_err(|_| CapError::OutOfMemory)?;
    grow(&mut s.reap).map_err(|_| CapError::OutOfMemory)?;
    THREADS.fetch_add(1, Ordering::AcqRel);
    Ok(Room(()))
}

/// Makes the running boot context the idle thread.
pub fn init() {
    let idle = Thread::idle();
    let mut s = SCHED.lock();
    s.current = Some(idle.clone());
    s.idle = Some(idle);
}

/// The running thread.
pub fn current() -> Option<Arc<Thread>> {
    SCHED.lock().current.clone()
}

/// Puts a new or woken thread at the back of the ready queue.
pub fn make_ready(thread: Arc<Thread>) {
    thread.set_state(ThreadState::Ready);
    let mut s = SCHED.lock();
    s.timed.retain(|t| !Arc::ptr_eq(t, &thread));
    if !s.ready.iter().any(|t| Arc::ptr_eq(t, &thread)) {
        s.ready.push_back(thread);
    }
}

/// Direct handoff: if an IPC delivery just made `thread` ready, it runs
/// next, ahead of the rest of the ready queue.
pub fn handoff(thread: &Arc<Thread>) {
    if thread.state() != ThreadState::Ready {
        return;
    }
    let mut s = SCHED.lock();
    s.ready.retain(|t| !Arc::ptr_eq(t, thread));
    s.ready.push_front(thread.clone());
}

/// Wakes `thread` if it is blocked.
pub fn wake(thread: &Arc<Thread>) {
    if matches!(thread.state(), ThreadState::BlockedOnRing { .. }) {
        make_ready(thread.clone());
    }
}

/// Removes a thread from every queue (its process is ending) and marks it
/// dead. Does not switch: the caller does if it was the running thread.
pub fn retire(thread: &Arc<Thread>) {
    thread.set_state(ThreadState::Dead);
    let mut s = SCHED.lock();
    s.ready.retain(|t| !Arc::ptr_eq(t, thread));
    s.timed.retain(|t| !Arc::ptr_eq(t, thread));
    let running = s.current.as_ref().is_some_and(|c| Arc::ptr_eq(c, thread));
    if !running {
        s.reap.push(thread.clone());
        REAP_WAITING.store(true, Ordering::Release);
    }
}

/// Called on every timer tick with interrupts off: wakes threads whose
/// deadline passed. Returns whether another thread is ready to run.
pub fn on_tick(now_ns: u64) -> bool {
    // One at a time, without allocating (an interrupt): a due thread is
    // taken out under the lock and woken after it.
    loop {
        let due = {
            let mut s = SCHED.lock();
            let at = s.timed.iter().position(|t| match t.state() {
                ThreadState::BlockedOnRing { deadline_ns: Some(d), .. } => d <= now_ns,
                _ => true,
            });
            at.map(|i| s.timed.swap_remove(i))
        };
        let Some(thread) = due else { break };
        wake(&thread);
    }
    !SCHED.lock().ready.is_empty()
}

/// Sleeps until an interrupt (interrupts are on only for the `hlt`), then
/// runs any thread that became ready. What the idle loop (and kernel code
/// waiting for user processes, like `ktest`) does.
pub fn idle_wait() {
    x86_64::instructions::interrupts::enable_and_hlt();
    x86_64::instructions::interrupts::disable();
    // The signals the interrupt recorded are sent here, in the idle
    // thread's context (no process of its own to end).
    crate::signal::run_deferred();
    yield_now();
    reap();
}

/// Gives the CPU to the next ready thread, keeping the current one ready
/// (preemption). Returns when the current thread is scheduled again.
pub fn yield_now() {
    {
        let s = SCHED.lock();
        if s.ready.is_empty() {
            return;
        }
    }
    switch_away(true);
}

/// Blocks the current thread in `state` (with a deadline, if it has one)
/// and runs others until it is woken.
pub fn block(state: ThreadState) {
    let Some(current) = current() else { return };
    current.set_state(state);
    if matches!(state, ThreadState::BlockedOnRing { deadline_ns: Some(_), .. }) {
        SCHED.lock().timed.push(current.clone());
    }
    switch_away(false);
}

/// Leaves the current (dead) thread for good.
pub fn exit_current() -> ! {
    if let Some(current) = current() {
        current.set_state(ThreadState::Dead);
        let mut s = SCHED.lock();
        if !s.reap.iter().any(|t| Arc::ptr_eq(t, &current)) {
            s.reap.push(current);
            REAP_WAITING.store(true, Ordering::Release);
        }
    }
    switch_away(false);
    unreachable!("a dead thread was scheduled again");
}

/// Whether no dead thread waits to be reaped.
#[cfg(not(feature = "ktest"))]
pub fn nothing_to_reap() -> bool {
    SCHED.lock().reap.is_empty()
}

/// Set when a dead thread is put on the reap list, cleared when the list
/// is found empty: every syscall calls [`reap`], which then takes no lock
/// when there is nothing to free (all but a few syscalls).
static REAP_WAITING: AtomicBool = AtomicBool::new(false);

/// Frees the stacks of dead threads other than the running one.
#[inline]
pub fn reap() {
    if REAP_WAITING.load(Ordering::Acquire) {
        reap_waiting();
    }
}

/// [`reap`] with dead threads waiting.
#[cold]
fn reap_waiting() {
    // One at a time, each freed outside the lock, without allocating.
    loop {
        let dead = {
            let mut s = SCHED.lock();
            let current = s.current.clone();
            let at = s.reap.iter().position(|t| !current.as_ref().is_some_and(|c| Arc::ptr_eq(c, t)));
            let dead = at.map(|i| s.reap.swap_remove(i));
            if s.reap.is_empty() {
                REAP_WAITING.store(false, Ordering::Release);
            }
            dead
        };
        let Some(thread) = dead else { break };
        // A dead thread owns no registers worth keeping: let go of it so
        // its stack is freed now.
        let owner = {
            let mut owner = FPU_OWNER.lock();
            if owner.as_ref().is_some_and(|o| Arc::ptr_eq(o, &thread)) { owner.take() } else { None }
        };
        drop(owner);
        drop(thread);
    }
}

fn switch_away(requeue_current: bool) {
    let (prev, next) = {
        let mut s = SCHED.lock();
        let Some(prev) = s.current.clone() else { return };
        let idle = s.idle.clone().expect("sched::init ran at boot");
        let next = match s.ready.pop_front() {
            Some(next) => next,
            None if requeue_current && prev.state() == ThreadState::Running => return,
            None => idle.clone(),
        };
        if requeue_current && prev.state() == ThreadState::Running && !Arc::ptr_eq(&prev, &idle) {
            prev.set_state(ThreadState::Ready);
            s.ready.push_back(prev.clone());
        }
        // A running thread retired (its process ended) and switched away
        // from by something else than `exit_current` is in no list: the
        // reap list keeps it, or dropping `prev` below would free the
        // stack this very code runs on.
        if prev.state() == ThreadState::Dead && !s.reap.iter().any(|t| Arc::ptr_eq(t, &prev)) {
            s.reap.push(prev.clone());
            REAP_WAITING.store(true, Ordering::Release);
        }
        if Arc::ptr_eq(&prev, &next) {
            prev.set_state(ThreadState::Running);
            return;
        }
        next.set_state(ThreadState::Running);
        crate::cpu_time::switch(&prev, &next);
        s.current = Some(next.clone());
        crate::profile::count(capos_abi::profile::Counter::Switches);
        (prev, next)
    };
    // SAFETY: interrupts are off; `prev` is being switched away from and
    // `next` is not running, so their contexts are ours to touch.
    let (prev_ctx, next_ctx) = unsafe { (prev.context(), next.context()) };
    prev_ctx.fs_base = FsBase::read().as_u64();
    let process = next.process();
    if process.is_some() {
        switch_fpu(&next);
    }
    FsBase::write(x86_64::VirtAddr::new_truncate(next_ctx.fs_base));
    if let Some(stack) = &next.kstack {
        gdt::set_rsp0(stack.top());
        percpu::set_kernel_rsp(stack.top());
    }
    if let Some(process) = process {
        process.activate_address_space();
    }
    let save = &raw mut prev_ctx.rsp;
    let target = next_ctx.rsp;
    // Keep `prev` alive across the switch through the scheduler's lists
    // (current/ready/reap); drop our handles first so a dead thread's
    // last reference is the reap list.
    drop(prev);
    drop(next);
    // SAFETY: `save` points into `prev`'s context, kept alive by the
    // scheduler's lists until it is reaped (which happens only while
    // another thread runs); `target` was saved by `switch_context` or set
    // by `prepare_user_entry`.
    unsafe { context::switch(save, target) };
    reap();
}

/// Gives the FPU/SSE registers to user thread `next` (about to run): the
/// owner's state saved (unless it is dead) and `next`'s loaded, unless
/// `next` owns them already ([`FPU_OWNER`]).
fn switch_fpu(next: &Arc<Thread>) {
    let old = {
        let mut owner = FPU_OWNER.lock();
        if owner.as_ref().is_some_and(|o| Arc::ptr_eq(o, next)) {
            return;
        }
        if let Some(o) = owner.as_ref()
            && o.state() != ThreadState::Dead
        {
            // SAFETY: interrupts are off and `o` is not running (`next`
            // is about to, and `o` is not `next`), so its context is ours
            // to touch; the registers hold its state.
            unsafe { o.context() }.fpu.save();
        }
        // SAFETY: as above for `next`, which is not running yet.
        unsafe { next.context() }.fpu.restore();
        owner.replace(next.clone())
    };
    // Dropped outside the lock. Not the last reference to a thread this
    // code runs on: a dead running thread is in the reap list until
    // another thread runs.
    drop(old);
}
