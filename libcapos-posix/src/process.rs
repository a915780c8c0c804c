//! The process: `exit`, `exit_group`, ids, `uname`, `getrandom`,
//! `getrlimit`/`prlimit64`, `ioctl`'s dispatch, and the signal calls.
//!
//! Signals are partial until "POSIX processes" brings their delivery:
//! `rt_sigaction` and `rt_sigprocmask` keep the actions and the mask
//! (`rt_sigpending` reports the blocked signals waiting), and
//! a signal a process sends itself (`raise`, `abort`, `kill(getpid())`)
//! is delivered at once (when not blocked; else when unblocked): its
//! handler runs, or its default action ends the process with status
//! 128 + the signal number (what a shell reports for a killed child).
//! Signals to other processes are `ESRCH` (`EPERM` for pid 1).

use core::sync::atomic::{AtomicU64, Ordering};

use spin::Mutex;

use crate::errno::{Errno, SysResult};
use crate::fd::{self, Object};
use crate::musl;
use crate::user;

/// `exit_group(code)`: ends the process.
pub fn exit_group(code: u64) -> ! {
    capos_rt::syscall::exit(code as i32)
}

/// `exit(code)`: ends the calling thread (the last one ends the process).
pub fn exit(code: u64) -> ! {
    crate::thread::exit_thread(code as i32)
}

/// `getpid()`.
pub fn getpid() -> SysResult {
    Ok(capos_rt::entry::caps().map_or(0, |c| c.pid()) as i64)
}

/// `getppid()`: the spawner's pid.
pub fn getppid() -> SysResult {
    Ok(capos_rt::entry::caps().map_or(0, |c| c.parent_pid()) as i64)
}

/// `getuid()` and the other id calls: capOS has no users; every process
/// reports uid and gid 0.
pub fn id() -> SysResult {
    Ok(0)
}

fn field<const N: usize>(text: &str) -> [core::ffi::c_char; N] {
    let mut out = [0 as core::ffi::c_char; N];
    for (o, b) in out.iter_mut().zip(text.bytes().take(N - 1)) {
        *o = b as core::ffi::c_char;
    }
    out
}

/// `uname(buf)`.
pub fn uname(buf: u64) -> SysResult {
    let u = musl::utsname {
        sysname: field("capOS"),
        nodename: field("capos"),
        release: field(env!("CARGO_PKG_VERSION")),
        version: field("capOS"),
        machine: field("x86_64"),
        domainname: field("(none)"),
    };
    user::write(buf, u)?;
    Ok(0)
}

/// `getrandom(buf, length, flags)`.
pub fn getrandom(buf: u64, length: u64, flags: u64) -> SysResult {
    if flags & !((musl::GRND_NONBLOCK | musl::GRND_RANDOM) as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    let length = length.min(32 * 1024 * 1024);
    crate::terminal::random_bytes(user::bytes_mut(buf, length as usize)?)?;
    Ok(length as i64)
}

/// The limit of resource `resource`: `(current, maximum)`.
fn limit(resource: u64) -> Result<(u64, u64), Errno> {
    let infinity = u64::MAX;
    Ok(match resource as i32 {
        // Every open file and pipe end holds a cap: the cap-table quota
        // bounds them before the fd table does.
        musl::RLIMIT_NOFILE => {
            let n = (fd::MAX_FDS as u64).min(u64::from(capos_abi::process::DEFAULT_CAP_SLOTS));
            (n, n)
        }
        musl::RLIMIT_STACK => (capos_abi::layout::STACK_SIZE, capos_abi::layout::STACK_SIZE),
        musl::RLIMIT_NPROC => {
            (capos_abi::syscall::MAX_THREADS as u64, capos_abi::syscall::MAX_THREADS as u64)
        }
        r if (0..16).contains(&r) => (infinity, infinity),
        _ => return Err(Errno::EINVAL),
    })
}

/// `prlimit64(pid, resource, new, old)` for this process: reads limits;
/// changing one is `EPERM` (they are capOS's, not the program's).
pub fn prlimit64(pid: u64, resource: u64, new: u64, old: u64) -> SysResult {
    if pid != 0 && pid as i64 != getpid()? {
        return Err(Errno::ESRCH);
    }
    let (cur, max) = limit(resource)?;
    if new != 0 {
        return Err(Errno::EPERM);
    }
    if old != 0 {
        user::write(old, musl::rlimit { rlim_cur: cur, rlim_max: max })?;
    }
    Ok(0)
}

/// `getrlimit(resource, buf)`.
pub fn getrlimit(resource: u64, buf: u64) -> SysResult {
    prlimit64(0, resource, 0, buf)
}

/// `ioctl(fd, request, arg)`.
pub fn ioctl(fd: i64, request: u64, arg: u64) -> SysResult {
    let d = fd::get(fd)?;
    match &d.object {
        Object::File(_) | Object::Dir(_) | Object::Pipe(_) => Err(Errno::ENOTTY),
        device => crate::terminal::ioctl(device, request, arg),
    }
}

/// A signal action as the kernel's `k_sigaction` (what musl passes).
#[derive(Clone, Copy, Default)]
#[repr(C)]
struct KSigaction {
    handler: u64,
    flags: u64,
    restorer: u64,
    mask: u64,
}

const SIG_DFL: u64 = 0;
const SIG_IGN: u64 = 1;
const SA_SIGINFO: u64 = 4;
const SA_RESETHAND: u64 = 0x8000_0000;

static ACTIONS: Mutex<[KSigaction; 65]> =
    Mutex::new([KSigaction { handler: 0, flags: 0, restorer: 0, mask: 0 }; 65]);
/// The blocked signals (bit `n - 1` for signal `n`).
static MASK: AtomicU64 = AtomicU64::new(0);
/// Signals sent to self while blocked.
static PENDING: AtomicU64 = AtomicU64::new(0);

fn signal_number(sig: u64) -> Result<usize, Errno> {
    usize::try_from(sig).ok().filter(|s| (1..=64).contains(s)).ok_or(Errno::EINVAL)
}

/// `rt_sigaction(sig, act, oldact, size)`.
pub fn rt_sigaction(sig: u64, act: u64, old: u64, size: u64) -> SysResult {
    let sig = signal_number(sig)?;
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let mut actions = ACTIONS.lock();
    if old != 0 {
        user::write(old, actions[sig])?;
    }
    if act != 0 {
        if sig == musl::SIGKILL as usize || sig == musl::SIGSTOP as usize {
            return Err(Errno::EINVAL);
        }
        actions[sig] = user::read(act)?;
    }
    Ok(0)
}

/// `rt_sigprocmask(how, set, oldset, size)`; unblocking a pending signal
/// delivers it.
pub fn rt_sigprocmask(how: u64, set: u64, old: u64, size: u64) -> SysResult {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let current = MASK.load(Ordering::Acquire);
    if old != 0 {
        user::write(old, current)?;
    }
    if set != 0 {
        let bits: u64 = user::read(set)?;
        let unblockable = (1u64 << (musl::SIGKILL - 1)) | (1u64 << (musl::SIGSTOP - 1));
        let new = match how as i32 {
            musl::SIG_BLOCK => current | bits,
            musl::SIG_UNBLOCK => current & !bits,
            musl::SIG_SETMASK => bits,
            _ => return Err(Errno::EINVAL),
        } & !unblockable;
        MASK.store(new, Ordering::Release);
        deliver_pending();
    }
    Ok(0)
}

/// `rt_sigpending(set, size)`: the signals sent to self while blocked and
/// still blocked (Linux reports pending signals ANDed with the mask).
pub fn rt_sigpending(set: u64, size: u64) -> SysResult {
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let pending = PENDING.load(Ordering::Acquire) & MASK.load(Ordering::Acquire);
    user::write(set, pending)?;
    Ok(0)
}

fn deliver_pending() {
    loop {
        let ready = PENDING.load(Ordering::Acquire) & !MASK.load(Ordering::Acquire);
        if ready == 0 {
            return;
        }
        let sig = ready.trailing_zeros() as usize + 1;
        PENDING.fetch_and(!(1 << (sig - 1)), Ordering::AcqRel);
        deliver(sig);
    }
}

/// Delivers `sig` to this process now.
fn deliver(sig: usize) {
    let action = {
        let mut actions = ACTIONS.lock();
        let action = actions[sig];
        if action.flags & SA_RESETHAND != 0 && action.handler > SIG_IGN {
            actions[sig].handler = SIG_DFL;
        }
        action
    };
    match action.handler {
        SIG_IGN => {}
        SIG_DFL => {
            let ignored = [musl::SIGCHLD, musl::SIGURG, musl::SIGWINCH, musl::SIGCONT];
            if !ignored.contains(&(sig as i32)) {
                capos_rt::syscall::exit(128 + sig as i32);
            }
        }
        handler => {
            let old_mask = MASK.fetch_or(action.mask | (1 << (sig - 1)), Ordering::AcqRel);
            if action.flags & SA_SIGINFO != 0 {
                let mut info = [0u64; 16];
                info[0] = sig as u64;
                // SAFETY: the program installed this as an SA_SIGINFO
                // handler: `void (*)(int, siginfo_t *, void *)`.
                let f: extern "C" fn(i32, *mut u64, *mut u8) =
                    unsafe { core::mem::transmute(handler as usize) };
                f(sig as i32, info.as_mut_ptr(), core::ptr::null_mut());
            } else {
                // SAFETY: the program installed this as `void (*)(int)`.
                let f: extern "C" fn(i32) = unsafe { core::mem::transmute(handler as usize) };
                f(sig as i32);
            }
            MASK.store(old_mask, Ordering::Release);
        }
    }
}

/// Sends `sig` to this process (as `raise` does; a `SIGPIPE` from a
/// write to a pipe without a reader).
pub fn raise(sig: u64) {
    let _ = send_self(sig);
}

/// A signal sent to this process (by `kill`, `tkill`, `tgkill`).
fn send_self(sig: u64) -> SysResult {
    if sig == 0 {
        return Ok(0);
    }
    let sig = signal_number(sig)?;
    if MASK.load(Ordering::Acquire) & (1 << (sig - 1)) != 0 {
        PENDING.fetch_or(1 << (sig - 1), Ordering::AcqRel);
    } else {
        deliver(sig);
    }
    Ok(0)
}

/// `kill(pid, sig)`: to this process (its pid, 0 or -1 mean itself here).
pub fn kill(pid: u64, sig: u64) -> SysResult {
    let me = getpid()?;
    match pid as i64 {
        p if p == me || p == 0 || p == -1 || p == -me => send_self(sig),
        1 => Err(Errno::EPERM),
        _ => Err(Errno::ESRCH),
    }
}

/// `tkill(tid, sig)`, `tgkill(pid, tid, sig)`: to a thread of this process.
pub fn tkill(_tid: u64, sig: u64) -> SysResult {
    send_self(sig)
}
