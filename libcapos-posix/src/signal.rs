//! Signals over the kernel's (`capos_abi::signal`): `rt_sigaction`,
//! `rt_sigprocmask`, `rt_sigpending`, `rt_sigsuspend`, `pause`, `kill`,
//! `tkill`/`tgkill`, `setitimer`/`getitimer` (`alarm`), process groups and
//! sessions (`setpgid`, `getpgid`, `getpgrp`, `setsid`, `getsid`), and
//! the trampoline that runs a handler.
//!
//! The kernel keeps the actions, masks and pending signals and runs a
//! handler on a return to user mode; what is left here:
//! - **The trampoline** (`__capos_signal_entry`), every action's
//!   `restorer`: saves the FPU registers in the kernel's frame, calls the
//!   handler, restores them and ends with `sigreturn`.
//! - **Deferral**: this adapter holds locks (the ring's, the heap's, the
//!   fd table's) while it serves a call, and a handler may make calls
//!   (`write` is async-signal-safe). So while a thread is inside
//!   [`crate::__capos_syscall`] the kernel runs no handler
//!   ([`DEFER`], `op::DEFER`); on the way out, or where a wait is
//!   interrupted, the handler runs (`op::TAKE`) with no lock held.
//! - **`EINTR`**: waits that POSIX lets a signal interrupt (pipes, `poll`,
//!   `select`, `wait4`, `nanosleep`, the terminal's Ctrl-C) fail with
//!   `EINTR` when a handler without `SA_RESTART` ran ([`interrupted`]),
//!   and go on otherwise.
//!
//! Stop signals (`SIGSTOP`, `SIGTSTP`, `SIGTTIN`, `SIGTTOU`) stop the
//! process in the kernel and `SIGCONT` continues it; `wait4` reports both
//! (`crate::children`).
//!
//! `tkill`/`tgkill` (so `pthread_kill` and `raise`) signal one thread, by
//! the Linux-style thread id the kernel gives (the main thread's is the
//! pid); `rt_sigtimedwait` waits in the kernel (`op::WAIT`).
//!
//! Partial: a handler's third
//! argument points to the kernel's frame, not a `ucontext_t`; no alternate
//! signal stack; no `SIGTTOU` for background terminal writes or mode
//! changes (a background read gets `SIGTTIN` from the kernel's terminal).

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use capos_abi::error::CapError;
use capos_abi::signal::{self as abi, SignalAction, op};

use crate::errno::{Errno, SysResult};
use crate::musl;
use crate::user;

/// The deferral words the kernel reads: how many threads are inside the
/// adapter, and whether a handler waits for them to leave.
#[repr(C, align(8))]
struct Defer([AtomicU32; 2]);

static DEFER: Defer = Defer([AtomicU32::new(0), AtomicU32::new(0)]);
/// Handlers run so far, and the count when the last one without
/// `SA_RESTART` ran.
static HANDLED: AtomicU64 = AtomicU64::new(0);
static LAST_NO_RESTART: AtomicU64 = AtomicU64::new(0);

fn sys(op: u64, a: u64, b: u64, c: u64) -> Result<u64, CapError> {
    let r = capos_rt::syscall::signal(op, a, b, c);
    if r < 0 { Err(CapError::from_result(r as i32).unwrap_or(CapError::Unsupported)) } else { Ok(r as u64) }
}

/// Registers the deferral words (the program start does; `exec` forgets
/// them with the old image) and learns whether `SIGCHLD` is ignored (an
/// ignored signal stays ignored across `exec`).
pub fn init() {
    let _ = sys(op::DEFER, core::ptr::from_ref(&DEFER) as u64, 0, 0);
    let mut chld = [0u8; SignalAction::SIZE];
    if sys(op::ACTION, u64::from(abi::number::SIGCHLD), 0, chld.as_mut_ptr() as u64).is_ok() {
        note_sigchld(&SignalAction::from_bytes(&chld));
    }
}

/// Set while `SIGCHLD` is ignored or has `SA_NOCLDWAIT`: ended children
/// leave no zombies.
static NO_ZOMBIES: AtomicU32 = AtomicU32::new(0);

fn note_sigchld(action: &SignalAction) {
    let none = action.handler == abi::SIG_IGN || action.flags & abi::SA_NOCLDWAIT != 0;
    NO_ZOMBIES.store(u32::from(none), Ordering::Release);
}

/// Whether ended children leave no zombies (`SIGCHLD` ignored or
/// `SA_NOCLDWAIT`).
pub fn no_zombies() -> bool {
    NO_ZOMBIES.load(Ordering::Acquire) != 0
}

/// A thread enters the adapter.
pub fn enter() {
    DEFER.0[0].fetch_add(1, Ordering::SeqCst);
}

/// A thread leaves the adapter: a handler the kernel held back runs now.
pub fn leave() {
    DEFER.0[0].fetch_sub(1, Ordering::SeqCst);
    if DEFER.0[1].swap(0, Ordering::SeqCst) != 0 {
        take();
    }
}

/// Runs the handlers of pending signals this thread does not block (the
/// caller holds no lock of the adapter's).
fn take() {
    let _ = sys(op::TAKE, 0, 0, 0);
}

/// A count of handlers run, taken when a call starts (for
/// [`interrupted`]).
pub fn generation() -> u64 {
    HANDLED.load(Ordering::Acquire)
}

/// A wait was interrupted (`cap_enter` said `Interrupted`; no lock is
/// held): runs the pending handlers and says whether the call fails with
/// `EINTR` — a handler without `SA_RESTART` ran since `since` — or goes
/// on waiting.
pub fn interrupted(since: u64) -> bool {
    DEFER.0[1].store(0, Ordering::SeqCst);
    take();
    LAST_NO_RESTART.load(Ordering::Acquire) > since
}

/// Whether any handler ran since `since` (after [`interrupted`] ran them):
/// `poll`, `select` and `nanosleep` fail with `EINTR` then, whatever
/// `SA_RESTART` says, as on Linux.
pub fn handled_since(since: u64) -> bool {
    generation() != since
}

/// Whether any handler is installed (so a wait must be interruptible).
pub fn any_handlers() -> bool {
    HANDLERS.load(Ordering::Acquire) != 0
}

/// Signals with a handler installed (bit `n - 1`).
static HANDLERS: AtomicU64 = AtomicU64::new(0);

core::arch::global_asm!(
    r#"
    .text
    .globl __capos_signal_entry
    .type __capos_signal_entry, @function
__capos_signal_entry:
    # RDI signal, RSI &siginfo, RDX the frame, RCX the handler, R8 flags;
    # RSP = the frame - 8. The frame keeps every register but the FPU's.
    fxsave64 {fpu}(%rdx)
    mov %rdx, %rbx
    and $-16, %rsp
    call {run}
    fxrstor64 {fpu}(%rbx)
    mov %rbx, %rdi
    mov ${sigreturn}, %eax
    syscall
    ud2
"#,
    fpu = const abi::FRAME_FPU_OFFSET,
    run = sym run_handler,
    sigreturn = const capos_abi::syscall::SYS_SIGRETURN,
    options(att_syntax)
);

unsafe extern "C" {
    fn __capos_signal_entry();
}

/// Called by the trampoline: counts the handler and runs it.
extern "C" fn run_handler(sig: i32, info: *mut u8, frame: *mut u8, handler: usize, flags: u64) {
    let n = HANDLED.fetch_add(1, Ordering::AcqRel) + 1;
    if flags & abi::SA_RESTART == 0 {
        LAST_NO_RESTART.fetch_max(n, Ordering::AcqRel);
    }
    if flags & abi::SA_SIGINFO != 0 {
        // SAFETY: the program installed this as an SA_SIGINFO handler,
        // `void (*)(int, siginfo_t *, void *)`; the kernel checked it is a
        // user address.
        let f: extern "C" fn(i32, *mut u8, *mut u8) = unsafe { core::mem::transmute(handler) };
        f(sig, info, frame);
    } else {
        // SAFETY: the program installed this as `void (*)(int)`.
        let f: extern "C" fn(i32) = unsafe { core::mem::transmute(handler) };
        f(sig);
    }
}

fn errno(e: CapError) -> Errno {
    match e {
        CapError::NotFound => Errno::ESRCH,
        CapError::PermissionDenied => Errno::EPERM,
        CapError::InvalidArgument => Errno::EINVAL,
        CapError::BadAddress => Errno::EFAULT,
        CapError::Interrupted => Errno::EINTR,
        e => e.into(),
    }
}

fn call(op: u64, a: u64, b: u64, c: u64) -> SysResult {
    sys(op, a, b, c).map(|v| v as i64).map_err(errno)
}

/// An operation that returns a signal set (`MASK`, `PENDING`): any `u64`,
/// so one with signal 64 in it reads as a negative number. Such a set
/// never holds `SIGKILL` or `SIGSTOP` (no mask blocks them, neither is
/// ever left pending), while every error code, a small negative number,
/// has both bits set: that tells them apart.
fn call_set(op: u64, a: u64, b: u64) -> Result<u64, Errno> {
    let r = capos_rt::syscall::signal(op, a, b, 0);
    if r < 0 && (r as u64) & abi::UNBLOCKABLE == abi::UNBLOCKABLE {
        Err(errno(CapError::from_result(r as i32).unwrap_or(CapError::Unsupported)))
    } else {
        Ok(r as u64)
    }
}

/// `rt_sigaction(sig, act, oldact, size)`: musl's `k_sigaction` is the
/// kernel's layout; the restorer becomes this adapter's trampoline.
pub fn rt_sigaction(sig: u64, act: u64, old: u64, size: u64) -> SysResult {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let mut new = None;
    if act != 0 {
        let bytes: [u8; SignalAction::SIZE] = user::read(act)?;
        let mut action = SignalAction::from_bytes(&bytes);
        action.restorer = __capos_signal_entry as *const () as u64;
        action.flags |= abi::SA_RESTORER;
        new = Some(action.to_bytes());
    }
    let new_ptr = new.as_ref().map_or(0, |b| b.as_ptr() as u64);
    let mut previous = [0u8; SignalAction::SIZE];
    call(op::ACTION, sig, new_ptr, previous.as_mut_ptr() as u64)?;
    if old != 0 {
        user::write(old, previous)?;
    }
    if let Some(bytes) = new {
        if sig == u64::from(abi::number::SIGCHLD) {
            note_sigchld(&SignalAction::from_bytes(&bytes));
        }
        let handler = SignalAction::from_bytes(&bytes).handler;
        let bit = abi::bit(sig as u8);
        if handler > abi::SIG_IGN {
            HANDLERS.fetch_or(bit, Ordering::AcqRel);
        } else {
            HANDLERS.fetch_and(!bit, Ordering::AcqRel);
        }
    }
    Ok(0)
}

/// `rt_sigprocmask(how, set, oldset, size)`.
pub fn rt_sigprocmask(how: u64, set: u64, old: u64, size: u64) -> SysResult {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let (how, bits) = if set == 0 {
        (abi::QUERY, 0)
    } else {
        let how = match how as i32 {
            musl::SIG_BLOCK => abi::BLOCK,
            musl::SIG_UNBLOCK => abi::UNBLOCK,
            musl::SIG_SETMASK => abi::SET_MASK,
            _ => return Err(Errno::EINVAL),
        };
        (how, user::read::<u64>(set)?)
    };
    let before = call_set(op::MASK, how, bits)?;
    if old != 0 {
        user::write(old, before)?;
    }
    Ok(0)
}

/// `rt_sigpending(set, size)`: pending signals that are blocked.
pub fn rt_sigpending(set: u64, size: u64) -> SysResult {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let pending = call_set(op::PENDING, 0, 0)?;
    let mask = call_set(op::MASK, abi::QUERY, 0)?;
    user::write(set, pending & mask)?;
    Ok(0)
}

/// `rt_sigsuspend(mask, size)`: always `EINTR`, after the handler ran.
pub fn rt_sigsuspend(mask: u64, size: u64) -> SysResult {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let mask: u64 = user::read(mask)?;
    call(op::SUSPEND, mask, 0, 0)
}

/// `pause()`: waits for a handler to run; `EINTR`.
pub fn pause() -> SysResult {
    let mask = call_set(op::MASK, abi::QUERY, 0)?;
    call(op::SUSPEND, mask, 0, 0)
}

/// `kill(pid, sig)`. A child that ended and is not yet reaped (a zombie)
/// is still found: the call succeeds and does nothing.
pub fn kill(pid: u64, sig: u64) -> SysResult {
    let pid = pid as i32 as i64;
    match call(op::KILL, pid as u64, sig, 0) {
        Err(Errno::ESRCH) if pid > 0 && !no_zombies() && crate::children::is_unreaped(pid as u64) => Ok(0),
        r => r,
    }
}

/// `tgkill(pid, tid, sig)`, and `tkill(tid, sig)` as `pid` 0: to thread
/// `tid` alone (`pthread_kill`, `raise`); `EINVAL` for a `tid` or `pid`
/// of 0 or below (`pid` 0 is `tkill`'s here), `ESRCH` when no such thread
/// (of process `pid`) exists.
pub fn tgkill(pid: u64, tid: u64, sig: u64) -> SysResult {
    let (pid, tid) = (pid as i32 as i64, tid as i32 as i64);
    if tid <= 0 || pid < 0 {
        return Err(Errno::EINVAL);
    }
    call(op::KILL_THREAD, pid as u64, tid as u64, sig)
}

/// Sends `sig` to the calling thread (`SIGPIPE` from a write to a pipe
/// without a reader, as Linux directs it); its handler runs before the
/// adapter returns.
pub fn raise(sig: u8) {
    let tid = crate::thread::gettid().unwrap_or(0) as u64;
    let _ = tgkill(0, tid, u64::from(sig));
}

/// `rt_sigtimedwait(set, info, timeout, size)` (`sigwait`, `sigwaitinfo`,
/// `sigtimedwait`): takes a signal of `set` pending for the calling
/// thread or its process, waiting up to `timeout` (NULL: no limit) for
/// one; its `siginfo_t` goes to `info` (NULL: nowhere). `EAGAIN` when the
/// time passes, `EINTR` when another signal's handler ran, `EINVAL` for a
/// bad time or size.
pub fn rt_sigtimedwait(set: u64, info: u64, timeout: u64, size: u64) -> SysResult {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let set: u64 = user::read(set)?;
    let timeout_ns = if timeout == 0 {
        abi::FOREVER
    } else {
        let ts: musl::timespec = user::read(timeout)?;
        if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
            return Err(Errno::EINVAL);
        }
        (ts.tv_sec as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(ts.tv_nsec as u64)
            .min(abi::FOREVER - 1)
    };
    match sys(op::WAIT, set, timeout_ns, info) {
        Ok(sig) => Ok(sig as i64),
        Err(CapError::WouldBlock) => Err(Errno::EAGAIN),
        Err(e) => Err(errno(e)),
    }
}

const ITIMER_REAL: u64 = 0;

fn timeval_ns(tv: musl::timeval) -> Result<u64, Errno> {
    if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
        return Err(Errno::EINVAL);
    }
    Ok((tv.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(tv.tv_usec as u64 * 1000))
}

fn ns_timeval(ns: u64) -> musl::timeval {
    // Round up, as Linux does, so a timer that is set never reads as 0.
    let us = ns.div_ceil(1000);
    musl::timeval { tv_sec: (us / 1_000_000) as i64, tv_usec: (us % 1_000_000) as i64 }
}

/// `setitimer(which, new, old)`: `ITIMER_REAL` only (`EINVAL` otherwise).
pub fn setitimer(which: u64, new: u64, old: u64) -> SysResult {
    if which != ITIMER_REAL {
        return Err(Errno::EINVAL);
    }
    let (value, interval) = if new == 0 {
        (u64::MAX, 0)
    } else {
        let it: musl::itimerval = user::read(new)?;
        (timeval_ns(it.it_value)?, timeval_ns(it.it_interval)?)
    };
    let mut before = [0u64; 2];
    call(op::ALARM, value, interval, before.as_mut_ptr() as u64)?;
    if old != 0 {
        let it = musl::itimerval { it_interval: ns_timeval(before[1]), it_value: ns_timeval(before[0]) };
        user::write(old, it)?;
    }
    Ok(0)
}

/// `getitimer(which, cur)`.
pub fn getitimer(which: u64, cur: u64) -> SysResult {
    if cur == 0 {
        return Err(Errno::EFAULT);
    }
    setitimer(which, 0, cur)
}

/// `alarm(seconds)`: the seconds left of the previous alarm.
pub fn alarm(seconds: u64) -> SysResult {
    let mut before = [0u64; 2];
    call(op::ALARM, seconds.saturating_mul(1_000_000_000), 0, before.as_mut_ptr() as u64)?;
    Ok(before[0].div_ceil(1_000_000_000) as i64)
}

fn group(op: u64, a: u64, b: u64) -> SysResult {
    let r = capos_rt::syscall::process_group(op, a, b);
    if r < 0 { Err(errno(CapError::from_result(r as i32).unwrap_or(CapError::Unsupported))) } else { Ok(r) }
}

/// `setpgid(pid, pgid)`.
pub fn setpgid(pid: u64, pgid: u64) -> SysResult {
    if (pid as i32) < 0 || (pgid as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let r = group(abi::group_op::SET_PGID, u64::from(pid as u32), u64::from(pgid as u32))?;
    let (pid, pgid) = (u64::from(pid as u32), u64::from(pgid as u32));
    if pid != 0 {
        crate::children::note_group(pid, if pgid == 0 { pid } else { pgid });
    }
    Ok(r)
}

/// `getpgid(pid)`.
pub fn getpgid(pid: u64) -> SysResult {
    group(abi::group_op::GET_PGID, u64::from(pid as u32), 0)
}

/// `getsid(pid)`.
pub fn getsid(pid: u64) -> SysResult {
    group(abi::group_op::GET_SID, u64::from(pid as u32), 0)
}

/// `getppid()`.
pub fn getppid() -> SysResult {
    group(abi::group_op::GET_PPID, 0, 0)
}

/// `setsid()`.
pub fn setsid() -> SysResult {
    group(abi::group_op::SET_SID, 0, 0)
}
