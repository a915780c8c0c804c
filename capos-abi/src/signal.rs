//! POSIX signals as the kernel keeps them (the `signal`, `sigreturn` and
//! `process_group` syscalls, `crate::syscall`): signal numbers and
//! actions as Linux x86_64 numbers them (so a C library's values pass
//! through unchanged), the frame the kernel writes on the user stack to
//! run a handler, and the default action of each signal.
//!
//! A process's signal state is the kernel's: an action per signal (default,
//! ignore, or a handler), a blocked mask per thread, the pending signals,
//! its process group and session, and an `ITIMER_REAL` alarm. A handler
//! runs on the next return to user mode of a thread that does not block
//! the signal: the kernel saves the interrupted registers in a
//! [`SignalFrame`] below the thread's stack pointer and enters the action's
//! `restorer` — the runtime's trampoline, which saves the FPU registers in
//! the frame, calls the handler and ends with `sigreturn(frame)`.

/// Signal numbers (Linux x86_64) the kernel itself uses, named as Linux
/// names them.
#[allow(missing_docs)]
pub mod number {
    pub const SIGHUP: u8 = 1;
    pub const SIGINT: u8 = 2;
    pub const SIGQUIT: u8 = 3;
    pub const SIGILL: u8 = 4;
    pub const SIGTRAP: u8 = 5;
    pub const SIGABRT: u8 = 6;
    pub const SIGBUS: u8 = 7;
    pub const SIGFPE: u8 = 8;
    pub const SIGKILL: u8 = 9;
    pub const SIGUSR1: u8 = 10;
    pub const SIGSEGV: u8 = 11;
    pub const SIGUSR2: u8 = 12;
    pub const SIGPIPE: u8 = 13;
    pub const SIGALRM: u8 = 14;
    pub const SIGTERM: u8 = 15;
    pub const SIGCHLD: u8 = 17;
    pub const SIGCONT: u8 = 18;
    pub const SIGSTOP: u8 = 19;
    pub const SIGTSTP: u8 = 20;
    pub const SIGTTIN: u8 = 21;
    pub const SIGTTOU: u8 = 22;
    pub const SIGURG: u8 = 23;
    pub const SIGWINCH: u8 = 28;
}

/// The highest signal number (real-time signals included).
pub const MAX_SIGNAL: u8 = 64;

/// The bit of signal `sig` in a mask (bit `sig - 1`, as Linux's
/// `sigset_t`); 0 for a number out of range.
pub const fn bit(sig: u8) -> u64 {
    if sig == 0 || sig > MAX_SIGNAL { 0 } else { 1 << (sig - 1) }
}

/// Signals no mask blocks and no action catches or ignores.
pub const UNBLOCKABLE: u64 = bit(number::SIGKILL) | bit(number::SIGSTOP);

/// `handler` value: the default action.
pub const SIG_DFL: u64 = 0;
/// `handler` value: ignore the signal.
pub const SIG_IGN: u64 = 1;

/// `flags`: the handler takes `(sig, siginfo *, context *)`.
pub const SA_SIGINFO: u64 = 4;
/// `flags`: a call the handler interrupted is restarted, not failed with
/// `EINTR` (the runtime decides; the kernel only reports it).
pub const SA_RESTART: u64 = 0x1000_0000;
/// `flags`: the signal is not blocked while its handler runs.
pub const SA_NODEFER: u64 = 0x4000_0000;
/// `flags`: the action goes back to the default once the handler starts.
pub const SA_RESETHAND: u64 = 0x8000_0000;
/// `flags`: `restorer` is set (a C library always sets it).
pub const SA_RESTORER: u64 = 0x0400_0000;
/// `flags`: no `SIGCHLD` when a child stops or continues.
pub const SA_NOCLDSTOP: u64 = 1;
/// `flags`: children do not become zombies (accepted, not acted on).
pub const SA_NOCLDWAIT: u64 = 2;
/// `flags`: run on an alternate stack (no alternate stacks yet: the
/// handler runs on the thread's stack).
pub const SA_ONSTACK: u64 = 0x0800_0000;

/// An action, laid out as Linux's `struct k_sigaction` for x86_64 (what a
/// C library passes to `rt_sigaction`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignalAction {
    /// [`SIG_DFL`], [`SIG_IGN`] or the handler's address.
    pub handler: u64,
    /// `SA_*` flags.
    pub flags: u64,
    /// The trampoline the kernel enters to run `handler` (capOS: the
    /// runtime's, which ends with `sigreturn`). A handler without one
    /// cannot run: the signal takes its default action.
    pub restorer: u64,
    /// Signals blocked while the handler runs (besides the signal itself,
    /// unless [`SA_NODEFER`]).
    pub mask: u64,
}

impl SignalAction {
    /// The size of the struct in user memory.
    pub const SIZE: usize = 32;

    /// Reads one from its 32 bytes.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Self {
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i * 8..i * 8 + 8]);
            u64::from_le_bytes(w)
        };
        Self { handler: word(0), flags: word(1), restorer: word(2), mask: word(3) }
    }

    /// Its 32 bytes.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        for (i, w) in [self.handler, self.flags, self.restorer, self.mask].iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
        }
        b
    }
}

/// What a signal does to the process it reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Nothing; it is discarded.
    Ignore,
    /// The process ends, killed by the signal.
    Terminate,
    /// Stop the process (job control): its threads stay off the CPU until
    /// `SIGCONT` or `SIGKILL`; its parent is told (`SIGCHLD`, `jobState`).
    Stop,
    /// Nothing more: the sending already continued a stopped process
    /// (`SIGCONT` continues it whatever its action).
    Continue,
    /// Run the action's handler.
    Catch,
}

/// The default action of `sig` (Linux's: `core` counts as terminate).
pub const fn default_disposition(sig: u8) -> Disposition {
    use number::*;
    match sig {
        SIGCHLD | SIGURG | SIGWINCH => Disposition::Ignore,
        SIGCONT => Disposition::Continue,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => Disposition::Stop,
        _ => Disposition::Terminate,
    }
}

/// What `sig` does under `action`.
pub const fn disposition(sig: u8, action: &SignalAction) -> Disposition {
    if sig == number::SIGKILL {
        return Disposition::Terminate;
    }
    if sig == number::SIGSTOP {
        return Disposition::Stop;
    }
    match action.handler {
        SIG_IGN => Disposition::Ignore,
        SIG_DFL => default_disposition(sig),
        _ if action.restorer == 0 => default_disposition(sig),
        _ => Disposition::Catch,
    }
}

/// `signal` syscall operations (first argument).
pub mod op {
    /// `(op, sig, new, old)`: `rt_sigaction`; `new` and `old` point to a
    /// [`super::SignalAction`] (0: none). `InvalidArgument` for a bad
    /// number, `SIGKILL`/`SIGSTOP` with a new action, or a handler or
    /// restorer outside user memory; `BadAddress` for unreadable memory.
    /// Flags are the low 32 bits; unknown ones are kept and do nothing.
    pub const ACTION: u64 = 0;
    /// `(op, how, set)`: the calling thread's blocked mask; `how` is
    /// [`super::BLOCK`], [`super::UNBLOCK`], [`super::SET_MASK`] or
    /// [`super::QUERY`] (`set` unused). Returns the mask before: with
    /// signal 64 in it the result is negative, but a mask never holds
    /// [`super::UNBLOCKABLE`] while every error code has both its bits.
    /// `PENDING`'s set is told from an error the same way.
    pub const MASK: u64 = 1;
    /// `(op)`: the pending signals (of the process and the thread).
    pub const PENDING: u64 = 2;
    /// `(op, target, sig)`: sends `sig` (0: only checks) to `target`: a pid
    /// (> 0), the caller's process group (0), every process the caller
    /// may signal (-1), or process group `-target`. A process may signal
    /// itself and the processes it started, and theirs in turn
    /// (`PermissionDenied` otherwise); `NotFound` when no such process
    /// (group) exists; `InvalidArgument` for a bad number.
    pub const KILL: u64 = 3;
    /// `(op, value_ns, interval_ns, old)`: `setitimer(ITIMER_REAL)`:
    /// `SIGALRM` after `value_ns` (0: disarm), then every `interval_ns`.
    /// Writes the time left and the interval before (two `u64`, ns) to
    /// `old` unless it is 0. `value_ns` = `u64::MAX` only reads.
    pub const ALARM: u64 = 4;
    /// `(op, mask)`: waits with `mask` as the blocked mask until a signal
    /// runs a handler (or ends the process); the mask goes back on return.
    /// Returns `Interrupted` (`sigsuspend`, `pause`).
    pub const SUSPEND: u64 = 5;
    /// `(op, addr)`: registers the process's deferral words (two `u32`
    /// at `addr`, 8-aligned; 0: none). While the first is not 0 (a thread
    /// is inside the runtime, which may hold its locks), the kernel runs
    /// no handler but stores 1 in the second; the runtime, once out, makes
    /// any syscall to have the handler run. `cap_enter` waits with
    /// [`crate::syscall::CAP_ENTER_INTERRUPTIBLE`] and `SUSPEND` still end
    /// at a signal.
    pub const DEFER: u64 = 6;
    /// `(op)`: the calling thread takes its pending signals now, even
    /// while deferred: the runtime is at a point where a handler may run.
    pub const TAKE: u64 = 7;
    /// `(op, pid, tid, sig)`: `tgkill(pid, tid, sig)` (`pid` 0: `tkill`,
    /// the thread of any process): sends `sig` (0: only checks) to thread
    /// `tid` alone: it is pending for that thread, and only its mask
    /// counts; what the signal does (ending or stopping the process
    /// included) is the process's. Thread ids are Linux's: a process's
    /// first thread has the pid. `NotFound` when no such thread (of
    /// process `pid`) exists; `PermissionDenied` and `InvalidArgument`
    /// as [`KILL`].
    pub const KILL_THREAD: u64 = 8;
    /// `(op, set, timeout_ns, info)`: `rt_sigtimedwait`: takes a signal of
    /// `set` pending for the calling thread (its own first, then its
    /// process's; the lowest first), blocked or not, waiting up to
    /// `timeout_ns` ([`super::FOREVER`]: no limit) for one; writes its
    /// [`super::SigInfo`] at `info` (0: nowhere) and returns its number.
    /// `WouldBlock` when the time passes, `Interrupted` when a signal
    /// outside `set` that the thread does not block comes first (its
    /// handler runs on the way out, as after `TAKE`). `SIGKILL` and
    /// `SIGSTOP` are never taken.
    pub const WAIT: u64 = 9;
}

/// `WAIT` timeout: none.
pub const FOREVER: u64 = u64::MAX;

/// `MASK` how: add `set` to the mask.
pub const BLOCK: u64 = 0;
/// `MASK` how: remove `set` from the mask.
pub const UNBLOCK: u64 = 1;
/// `MASK` how: the mask becomes `set`.
pub const SET_MASK: u64 = 2;
/// `MASK` how: only return the mask.
pub const QUERY: u64 = 3;

/// `process_group` syscall operations (first argument).
pub mod group_op {
    /// `(op, pid)`: the process group of `pid` (0: the caller).
    pub const GET_PGID: u64 = 0;
    /// `(op, pid, pgid)`: moves `pid` (0: the caller; else the caller or
    /// a child of it, in its session) into group `pgid` (0: `pid`'s own
    /// id), which must be `pid` or a group of the same session.
    pub const SET_PGID: u64 = 1;
    /// `(op, pid)`: the session of `pid` (0: the caller).
    pub const GET_SID: u64 = 2;
    /// `(op)`: a new session and group led by the caller; returns its id.
    /// `PermissionDenied` if the caller already leads a group.
    pub const SET_SID: u64 = 3;
    /// `(op)`: the pid of the caller's parent: its spawner, or the process
    /// that adopted it when that one ended (0 for init).
    pub const GET_PPID: u64 = 4;
}

/// Linux's `siginfo_t`, the fields the kernel fills (128 bytes in all),
/// named as Linux names them (`si_signo` …).
#[allow(missing_docs)]
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigInfo {
    pub signo: i32,
    pub errno: i32,
    pub code: i32,
    pub pad: i32,
    /// The sender's pid (`SI_USER`), or 0 from the kernel.
    pub pid: i32,
    pub uid: u32,
    pub rest: [u64; 13],
}

/// `SigInfo::code` of a signal sent by `kill`.
pub const SI_USER: i32 = 0;
/// `SigInfo::code` of a signal the kernel sent (terminal, alarm, child).
pub const SI_KERNEL: i32 = 0x80;
/// `SigInfo::code` of a signal sent by `tkill` or `tgkill`.
pub const SI_TKILL: i32 = -6;

/// The registers a signal interrupted, as the kernel saves and `sigreturn`
/// restores them (named as the registers are).
#[allow(missing_docs)]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SavedRegisters {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub rip: u64,
    pub rflags: u64,
    pub rsp: u64,
}

/// What the kernel writes below the interrupted stack pointer (past the
/// 128-byte red zone), 64-byte aligned, to run a handler. The trampoline
/// is entered with RSP = the frame's address - 8 (as after a `call`), RDI
/// = the signal, RSI = `&info`, RDX = the frame, RCX = the handler, R8 =
/// the action's flags.
#[repr(C, align(64))]
#[derive(Clone, Copy)]
pub struct SignalFrame {
    /// The interrupted registers.
    pub regs: SavedRegisters,
    /// The blocked mask to restore.
    pub blocked: u64,
    /// Unused (keeps `info` 8-aligned and `fpu` 64-aligned).
    pub reserved: [u64; 5],
    /// What the handler gets as `siginfo_t`.
    pub info: SigInfo,
    /// The FPU/SSE registers (`fxsave` area), saved and restored by the
    /// trampoline: the kernel neither reads nor writes them.
    pub fpu: [u8; 512],
}

/// Byte offset of [`SignalFrame::fpu`] (for the trampoline).
pub const FRAME_FPU_OFFSET: usize = core::mem::offset_of!(SignalFrame, fpu);
/// Byte offset of [`SignalFrame::info`].
pub const FRAME_INFO_OFFSET: usize = core::mem::offset_of!(SignalFrame, info);
/// Bytes of a [`SignalFrame`].
pub const FRAME_SIZE: usize = core::mem::size_of::<SignalFrame>();

const _: () = assert!(FRAME_FPU_OFFSET.is_multiple_of(64));
const _: () = assert!(core::mem::size_of::<SigInfo>() == 128);
const _: () = assert!(core::mem::size_of::<SignalAction>() == SignalAction::SIZE);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_linux() {
        assert_eq!(default_disposition(number::SIGCHLD), Disposition::Ignore);
        assert_eq!(default_disposition(number::SIGTERM), Disposition::Terminate);
        assert_eq!(default_disposition(number::SIGSEGV), Disposition::Terminate);
        assert_eq!(default_disposition(number::SIGTSTP), Disposition::Stop);
        assert_eq!(default_disposition(number::SIGCONT), Disposition::Continue);
        assert_eq!(default_disposition(40), Disposition::Terminate);
    }

    #[test]
    fn kill_and_stop_cannot_be_caught_or_ignored() {
        let ignore = SignalAction { handler: SIG_IGN, ..Default::default() };
        let catch = SignalAction { handler: 0x1000, restorer: 0x2000, ..Default::default() };
        assert_eq!(disposition(number::SIGKILL, &ignore), Disposition::Terminate);
        assert_eq!(disposition(number::SIGKILL, &catch), Disposition::Terminate);
        assert_eq!(disposition(number::SIGSTOP, &catch), Disposition::Stop);
        assert_eq!(disposition(number::SIGINT, &catch), Disposition::Catch);
        assert_eq!(disposition(number::SIGINT, &ignore), Disposition::Ignore);
    }

    #[test]
    fn a_handler_without_a_trampoline_takes_the_default() {
        let no_restorer = SignalAction { handler: 0x1000, ..Default::default() };
        assert_eq!(disposition(number::SIGINT, &no_restorer), Disposition::Terminate);
        assert_eq!(disposition(number::SIGCHLD, &no_restorer), Disposition::Ignore);
    }

    #[test]
    fn bits_match_sigset() {
        assert_eq!(bit(1), 1);
        assert_eq!(bit(64), 1 << 63);
        assert_eq!(bit(0), 0);
        assert_eq!(bit(65), 0);
        assert_eq!(UNBLOCKABLE, (1 << 8) | (1 << 18));
    }

    #[test]
    fn actions_round_trip() {
        let a = SignalAction { handler: 1, flags: 2, restorer: 3, mask: 4 };
        assert_eq!(SignalAction::from_bytes(&a.to_bytes()), a);
    }
}
