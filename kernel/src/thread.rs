//! Threads: a kernel stack, the saved context of a thread that is not
//! running, and its scheduling state. A thread belongs to a process, except
//! the idle thread, which is the boot context itself.

use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::Mutex;

use crate::arch::x86_64::context::FpuState;
use crate::mem::kstack::KernelStack;
use crate::process::Process;

/// Scheduling state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadState {
    /// In the ready queue.
    Ready,
    /// On the CPU.
    Running,
    /// Waiting in `cap_enter` for `min_complete` completions, until
    /// `deadline_ns` of uptime (if any).
    BlockedOnRing {
        /// Completions wanted.
        min_complete: u32,
        /// Uptime at which to give up.
        deadline_ns: Option<u64>,
    },
    /// Held off the CPU by a stop signal (on its way back to user mode)
    /// until its process continues or ends (`crate::signal`).
    Stopped,
    /// Finished; its stack is freed once another thread runs.
    Dead,
}

/// What `switch_context` and the FPU code keep for a thread off the CPU.
pub struct Context {
    /// Saved kernel stack pointer.
    pub rsp: u64,
    /// FPU/SSE registers.
    pub fpu: FpuState,
    /// User FS base (TLS).
    pub fs_base: u64,
}

/// A thread.
pub struct Thread {
    /// Thread id, unique for the kernel's life (0 is the idle thread),
    /// from the same count as pids, as Linux numbers tasks: a process's
    /// first thread has the pid as its id, and a thread that `exec`s takes
    /// it over ([`Self::tid`]).
    tid: AtomicU64,
    /// The owning process (`None` for the idle thread). A strong reference:
    /// a process with threads stays alive; `Process::terminate` takes the
    /// threads out of the process, which breaks the cycle.
    pub process: Option<Arc<Process>>,
    /// Its kernel stack (`None` for the idle thread, which runs on the boot
    /// stack).
    pub kstack: Option<KernelStack>,
    context: UnsafeCell<Context>,
    /// Scheduling state.
    pub state: Mutex<ThreadState>,
    /// Set while the thread is inside a syscall (`syscall::dispatch`): if
    /// it is off the CPU then, its kernel stack holds references (its own
    /// `Arc<Thread>`, its process) that only running to the end of the
    /// syscall releases.
    in_syscall: AtomicBool,
    /// Signals it blocks (bit `n - 1` for signal `n`; `crate::signal`).
    blocked: AtomicU64,
    /// Signals sent to this thread alone (`tkill`, `tgkill`), pending.
    pub pending: AtomicU64,
    /// Who sent each of [`Self::pending`] (`siginfo`'s pid and code).
    pub senders: Mutex<[crate::signal::Sender; capos_abi::signal::MAX_SIGNAL as usize]>,
    /// The signals a `sigtimedwait` of this thread waits for (0: none).
    waiting_for: AtomicU64,
    /// Set when its process ends it alone (`exec` ends the other threads):
    /// it leaves at its next return to user mode or the end of its
    /// syscall, never running user code again.
    killed: AtomicBool,
    /// The mask a `sigsuspend` replaced, put back once a handler ran
    /// ([`NO_MASK`] when none: a mask never holds the unblockable bits).
    suspend_mask: AtomicU64,
    /// Its kernel memory, charged to its process (`None` for idle).
    _kmem: Option<crate::mem::kmem_quota::Charge>,
    /// Its place in the scheduler's queues (`None` for idle, never queued).
    _room: Option<crate::sched::Room>,
    /// The CPU time it used (`crate::cpu_time`).
    pub cpu: crate::cpu_time::ThreadClock,
}

/// `Thread::suspend_mask` when no `sigsuspend` (or `TAKE`) is pending.
const NO_MASK: u64 = u64::MAX;

// SAFETY: `context` is touched only by the scheduler with interrupts off on
// the one CPU, for a thread that is not running (or is being switched away
// from); everything else is behind locks or immutable.
unsafe impl Sync for Thread {}
// SAFETY: as above; nothing in a thread is tied to the CPU that made it.
unsafe impl Send for Thread {}

impl Thread {
    /// A new thread of `process` whose first switch-in runs from saved
    /// stack pointer `rsp` on `kstack`, charged to the process's kernel
    /// memory: `OutOfMemory` past its quota or when the heap is full. Its
    /// id is `tid` (a process's first thread: the pid) or a new one.
    pub fn new(
        process: &Arc<Process>,
        kstack: KernelStack,
        rsp: u64,
        tid: Option<u64>,
    ) -> Result<Arc<Self>, capos_abi::error::CapError> {
        use crate::mem::kmem_quota;
        let charge = kmem_quota::charge(&process.kmem, kmem_quota::THREAD_COST)?;
        let room = crate::sched::admit()?;
        Arc::try_new(Self {
            tid: AtomicU64::new(tid.unwrap_or_else(crate::process::next_id)),
            process: Some(process.clone()),
            kstack: Some(kstack),
            context: UnsafeCell::new(Context { rsp, fpu: FpuState::initial(), fs_base: 0 }),
            state: Mutex::new(ThreadState::Ready),
            in_syscall: AtomicBool::new(false),
            blocked: AtomicU64::new(0),
            pending: AtomicU64::new(0),
            senders: Mutex::new([(0, 0, 0); capos_abi::signal::MAX_SIGNAL as usize]),
            waiting_for: AtomicU64::new(0),
            killed: AtomicBool::new(false),
            suspend_mask: AtomicU64::new(NO_MASK),
            _kmem: Some(charge),
            _room: Some(room),
            cpu: Default::default(),
        })
        .map_err(|_| capos_abi::error::CapError::OutOfMemory)
    }

    /// The idle thread: the boot context, which becomes the thread that runs
    /// when nothing else can.
    pub fn idle() -> Arc<Self> {
        Arc::new(Self {
            tid: AtomicU64::new(0),
            process: None,
            kstack: None,
            context: UnsafeCell::new(Context { rsp: 0, fpu: FpuState::initial(), fs_base: 0 }),
            state: Mutex::new(ThreadState::Running),
            in_syscall: AtomicBool::new(false),
            blocked: AtomicU64::new(0),
            pending: AtomicU64::new(0),
            senders: Mutex::new([(0, 0, 0); capos_abi::signal::MAX_SIGNAL as usize]),
            waiting_for: AtomicU64::new(0),
            killed: AtomicBool::new(false),
            suspend_mask: AtomicU64::new(NO_MASK),
            _kmem: None,
            _room: None,
            cpu: Default::default(),
        })
    }

    /// Its id (`gettid`).
    pub fn tid(&self) -> u64 {
        self.tid.load(Ordering::Acquire)
    }

    /// Takes over `tid` (the pid, once it is the one thread left after
    /// `exec`).
    pub fn set_tid(&self, tid: u64) {
        self.tid.store(tid, Ordering::Release);
    }

    /// Whether its process ended it alone (it must leave, see
    /// [`Self::kill`]).
    pub fn killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }

    /// Ends it alone: it leaves at its next return to user mode or the
    /// end of its syscall.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::Release);
    }

    /// The signals its `sigtimedwait` waits for (0: none).
    pub fn waiting_for(&self) -> u64 {
        self.waiting_for.load(Ordering::Acquire)
    }

    /// Sets the signals its `sigtimedwait` waits for (0: done).
    pub fn set_waiting_for(&self, set: u64) {
        self.waiting_for.store(set, Ordering::Release);
    }

    /// The owning process.
    pub fn process(&self) -> Option<Arc<Process>> {
        self.process.clone()
    }

    /// The saved context.
    ///
    /// # Safety
    /// Only the scheduler may call this, with interrupts disabled, and
    /// only for the thread being switched away from or to.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn context(&self) -> &mut Context {
        // SAFETY: exclusive access is the caller's obligation (see above).
        unsafe { &mut *self.context.get() }
    }

    /// Sets the user FS base the thread starts with (before it first runs).
    pub fn set_fs_base(&self, fs_base: u64) {
        // SAFETY: called right after creation, before the thread is in any
        // scheduler queue, so nothing else touches its context.
        unsafe { self.context().fs_base = fs_base };
    }

    /// Gives the thread (before it first runs) the FPU/SSE state the CPU
    /// holds now: a forked child's copy of its parent's registers.
    pub fn copy_fpu_from_cpu(&self) {
        // SAFETY: called right after creation, before the thread is in any
        // scheduler queue, so nothing else touches its context; the CPU's
        // FPU registers hold the calling user thread's state (the kernel
        // does not use them).
        unsafe { self.context().fpu.save() };
    }

    /// Current state.
    pub fn state(&self) -> ThreadState {
        *self.state.lock()
    }

    /// Sets the state.
    pub fn set_state(&self, state: ThreadState) {
        *self.state.lock() = state;
    }

    /// Whether it is inside a syscall.
    pub fn in_syscall(&self) -> bool {
        self.in_syscall.load(Ordering::Relaxed)
    }

    /// The signals it blocks.
    pub fn blocked(&self) -> u64 {
        self.blocked.load(Ordering::Acquire)
    }

    /// Sets the signals it blocks (never `SIGKILL` or `SIGSTOP`).
    pub fn set_blocked(&self, mask: u64) {
        self.blocked.store(mask & !capos_abi::signal::UNBLOCKABLE, Ordering::Release);
    }

    /// Notes the mask to put back after the handler this return to user
    /// mode runs (`sigsuspend`, `TAKE`): handlers run even while the
    /// runtime defers them.
    pub fn set_suspend_mask(&self, mask: u64) {
        self.suspend_mask.store(mask & !capos_abi::signal::UNBLOCKABLE, Ordering::Release);
    }

    /// Takes the mask [`Self::set_suspend_mask`] noted, if any.
    pub fn take_suspend_mask(&self) -> Option<u64> {
        Some(self.suspend_mask.swap(NO_MASK, Ordering::AcqRel)).filter(|&m| m != NO_MASK)
    }

    /// Whether a mask is noted (a `sigsuspend` or `TAKE` returns).
    pub fn has_suspend_mask(&self) -> bool {
        self.suspend_mask.load(Ordering::Acquire) != NO_MASK
    }

    /// Marks the start (true) or end (false) of a syscall.
    pub fn set_in_syscall(&self, inside: bool) {
        self.in_syscall.store(inside, Ordering::Relaxed);
    }
}
