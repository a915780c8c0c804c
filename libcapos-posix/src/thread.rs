//! Threads for `pthread_create`: `clone` with `CLONE_VM|CLONE_THREAD`
//! over the `thread_create` syscall, thread exit with `CLONE_CHILD_CLEARTID`
//! over `thread_exit`'s notify word, `futex` over ParkSpace (PARK and
//! UNPARK), `set_tid_address`, `gettid`, `arch_prctl(ARCH_SET_FS)` over
//! `set_fs_base`, `sched_yield`.
//!
//! A thread is known by its thread pointer (musl's `pthread` struct, whose
//! first word points to itself: `%fs:0`); the table maps it to the
//! thread's id and its clear-on-exit word.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use capos_abi::error::CapError;
use capos_config::ring::{Opcode, Sqe};
use spin::Mutex;

use crate::errno::{Errno, SysResult};
use crate::musl;
use crate::user;

/// What each thread other than the main one is known by.
struct ThreadInfo {
    tid: u64,
    /// The word the kernel clears (and wakes) when the thread ends (0:
    /// none).
    clear: u64,
}

/// Threads by thread pointer (the main thread's entry comes from
/// `set_tid_address`).
static THREADS: Mutex<BTreeMap<u64, ThreadInfo>> = Mutex::new(BTreeMap::new());
/// Set once the main thread has a thread pointer (reading `%fs:0` before
/// would fault).
static TLS_READY: AtomicBool = AtomicBool::new(false);
/// How many threads `clone` started that have not exited.
static CHILDREN: AtomicU64 = AtomicU64::new(0);

/// The calling thread's thread pointer, once there is one.
fn thread_pointer() -> Option<u64> {
    if !TLS_READY.load(Ordering::Acquire) {
        return None;
    }
    let tp: u64;
    // SAFETY: with TLS set up (musl's `__init_tp` ran), `%fs:0` is the
    // thread's `pthread` struct's self pointer, readable by its thread.
    unsafe { core::arch::asm!("mov {}, fs:[0]", out(reg) tp, options(nostack, readonly, preserves_flags)) };
    Some(tp)
}

/// The process's pid (the main thread's tid).
fn pid() -> u64 {
    capos_rt::entry::caps().map_or(1, |c| c.pid())
}

/// `gettid()`.
pub fn gettid() -> SysResult {
    let tid = thread_pointer().and_then(|tp| THREADS.lock().get(&tp).map(|t| t.tid)).unwrap_or_else(pid);
    Ok(tid as i64)
}

/// `set_tid_address(word)`: the calling thread's clear-on-exit word.
pub fn set_tid_address(word: u64) -> SysResult {
    let tid = gettid()?;
    if let Some(tp) = thread_pointer() {
        THREADS.lock().entry(tp).or_insert(ThreadInfo { tid: tid as u64, clear: 0 }).clear = word;
    }
    Ok(tid)
}

/// `arch_prctl(code, address)`: `ARCH_SET_FS` and `ARCH_GET_FS`.
pub fn arch_prctl(code: u64, address: u64) -> SysResult {
    match code as i32 {
        musl::ARCH_SET_FS => {
            let r = capos_rt::syscall::set_fs_base(address);
            if r < 0 {
                return Err(Errno::EPERM);
            }
            TLS_READY.store(address != 0, Ordering::Release);
            Ok(0)
        }
        musl::ARCH_GET_FS => {
            user::write(address, thread_pointer().unwrap_or(0))?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// `sched_yield()`.
pub fn sched_yield() -> SysResult {
    capos_rt::syscall::yield_now();
    Ok(0)
}

/// Ends the calling thread: clears and wakes its clear-on-exit word. The
/// last thread ends the process with `code`.
pub fn exit_thread(code: i32) -> ! {
    let clear = thread_pointer().and_then(|tp| THREADS.lock().remove(&tp)).map_or(0, |t| t.clear);
    let is_child = clear != 0 || CHILDREN.load(Ordering::Acquire) > 0;
    if !is_child {
        capos_rt::syscall::exit(code);
    }
    CHILDREN.fetch_sub(1, Ordering::AcqRel);
    let notify = if clear.is_multiple_of(4) { clear } else { 0 };
    capos_rt::syscall::thread_exit(notify)
}

/// In a forked child: the calling thread is the only one, and its id is
/// the child's pid.
pub fn after_fork_in_child() {
    if THREADS.is_locked() {
        // SAFETY: only the calling thread exists in the child.
        unsafe { THREADS.force_unlock() };
    }
    let tp = thread_pointer();
    let mut threads = THREADS.lock();
    let clear = tp.and_then(|tp| threads.get(&tp)).map_or(0, |t| t.clear);
    threads.clear();
    if let Some(tp) = tp {
        threads.insert(tp, ThreadInfo { tid: pid(), clear });
    }
    CHILDREN.store(0, Ordering::Release);
}

/// What a new thread starts with.
struct Start {
    func: extern "C" fn(u64) -> i32,
    arg: u64,
    parent_tid: u64,
    tid: AtomicU64,
}

extern "C" fn thread_start(start: u64) -> ! {
    // SAFETY: `start` is the `Box<Start>` `clone` leaked for this thread
    // alone; taken back once, here.
    let start = unsafe { Box::from_raw(start as *mut Start) };
    // Wait for the parent to know the id, then store it where asked
    // (CLONE_PARENT_SETTID: the parent stores it too).
    let mut tid = start.tid.load(Ordering::Acquire);
    while tid == 0 {
        capos_rt::syscall::yield_now();
        tid = start.tid.load(Ordering::Acquire);
    }
    if start.parent_tid != 0 {
        let _ = user::write(start.parent_tid, tid as i32);
    }
    let code = (start.func)(start.arg);
    drop(start);
    exit_thread(code)
}

/// musl's `__clone(func, stack, flags, arg, ptid, tls, ctid)` (called by
/// the capOS ARCH's `clone.c`): a thread of this process running
/// `func(arg)` on `stack` with thread pointer `tls`; or, without
/// `CLONE_THREAD` (musl's `posix_spawn`, hence `system` and `popen`,
/// clones with `CLONE_VM|CLONE_VFORK`), a forked child running `func(arg)`
/// on `stack` and exiting with its result — the child's writes stay its
/// own, which `posix_spawn` does not need (it reports through a pipe).
/// Returns the thread id or child pid, or `-errno`.
#[unsafe(no_mangle)]
pub extern "C" fn __capos_clone(
    func: extern "C" fn(u64) -> i32,
    stack: u64,
    flags: i32,
    arg: u64,
    ptid: u64,
    tls: u64,
    ctid: u64,
) -> i64 {
    crate::table::traced("clone", &[flags as u64, stack, ptid, ctid, tls], || {
        clone(func, stack, flags, arg, ptid, tls, ctid)
    })
}

/// `clone` of a process: `fork`, and `func(arg)` on `stack` in the child.
fn spawn_like(func: extern "C" fn(u64) -> i32, stack: u64, arg: u64) -> SysResult {
    let pid = crate::children::fork()?;
    if pid != 0 {
        return Ok(pid);
    }
    let top = stack & !15;
    // SAFETY: the child is a copy of the caller, and `stack` is memory the
    // caller set aside for the child (in the child's copy it is its own);
    // `func` takes `arg` as musl arranged and the child never comes back
    // here: `child_exit` ends it with `func`'s result.
    unsafe {
        core::arch::asm!(
            "mov rsp, {top}",
            "call {func}",
            "mov edi, eax",
            "call {exit}",
            "ud2",
            top = in(reg) top,
            func = in(reg) func,
            exit = sym child_exit,
            in("rdi") arg,
            options(noreturn),
        )
    }
}

/// Ends a `clone`d child with the status its function returned.
extern "C" fn child_exit(code: i32) -> ! {
    capos_rt::syscall::exit(code)
}

fn clone(
    func: extern "C" fn(u64) -> i32,
    stack: u64,
    flags: i32,
    arg: u64,
    ptid: u64,
    tls: u64,
    ctid: u64,
) -> SysResult {
    if flags & musl::CLONE_THREAD == 0 {
        return spawn_like(func, stack, arg);
    }
    if flags & musl::CLONE_VM == 0 {
        return Err(Errno::EINVAL);
    }
    let tls = if flags & musl::CLONE_SETTLS != 0 { tls } else { 0 };
    let parent_tid = if flags & musl::CLONE_PARENT_SETTID != 0 { ptid } else { 0 };
    let clear = if flags & musl::CLONE_CHILD_CLEARTID != 0 { ctid } else { 0 };
    let start = Box::into_raw(Box::new(Start { func, arg, parent_tid, tid: AtomicU64::new(0) }));
    // Known before it runs (its exit looks itself up).
    if tls != 0 {
        THREADS.lock().insert(tls, ThreadInfo { tid: 0, clear });
    }
    CHILDREN.fetch_add(1, Ordering::AcqRel);
    let top = stack & !15;
    // SAFETY: the stack is the one musl made for this thread; `start` is
    // handed over to `thread_start`, which takes it back.
    let result = unsafe { capos_rt::syscall::thread_create(thread_start, top, start as u64, tls) };
    if result < 0 {
        CHILDREN.fetch_sub(1, Ordering::AcqRel);
        if tls != 0 {
            THREADS.lock().remove(&tls);
        }
        // SAFETY: the thread did not start; the box is still ours.
        drop(unsafe { Box::from_raw(start) });
        return Err(match CapError::from_result(result as i32) {
            Some(CapError::QuotaExceeded | CapError::OutOfMemory) => Errno::EAGAIN,
            Some(e) => e.into(),
            None => Errno::EINVAL,
        });
    }
    let tid = result as u64;
    if tls != 0
        && let Some(t) = THREADS.lock().get_mut(&tls)
    {
        t.tid = tid;
    }
    if parent_tid != 0 {
        user::write(parent_tid, tid as i32)?;
    }
    // SAFETY: the thread frees `start` only after it sees the id, so it is
    // still alive here.
    unsafe { (*start).tid.store(tid, Ordering::Release) };
    Ok(tid as i64)
}

/// PARK or UNPARK on `word`.
fn park_op(opcode: Opcode, word: u64, value: u32, timeout_ns: u64) -> Result<i64, CapError> {
    let sqe = Sqe {
        opcode: opcode as u8,
        params_addr: word,
        params_len: value,
        interface_id: timeout_ns,
        ..Sqe::default()
    };
    let done = capos_rt::call::submit_raw(sqe, alloc::vec::Vec::new())?.wait_raw()?;
    Ok(i64::from(done.cqe.result))
}

/// `futex(word, op, value, timeout, word2, value3)`: `FUTEX_WAIT`,
/// `FUTEX_WAIT_BITSET` (any bit set), `FUTEX_WAKE`, `FUTEX_WAKE_BITSET`;
/// `FUTEX_REQUEUE` and `FUTEX_CMP_REQUEUE` are partial: the waiters they
/// would move are woken instead (futex waiters re-check their word).
pub fn futex(word: u64, op: u64, value: u64, timeout: u64, _word2: u64, value3: u64) -> SysResult {
    let atomic = user::futex_word(word)?;
    let realtime = op as i32 & musl::FUTEX_CLOCK_REALTIME != 0;
    let value32 = value as u32;
    match op as i32 & !(musl::FUTEX_PRIVATE_FLAG | musl::FUTEX_CLOCK_REALTIME) {
        musl::FUTEX_WAIT | musl::FUTEX_WAIT_BITSET => {
            let absolute = op as i32 & 127 == musl::FUTEX_WAIT_BITSET;
            let timeout_ns = if timeout == 0 {
                0
            } else {
                let ts: musl::timespec = user::read(timeout)?;
                if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
                    return Err(Errno::EINVAL);
                }
                let mut ns = i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec);
                if absolute {
                    let clock = if realtime { musl::CLOCK_REALTIME } else { musl::CLOCK_MONOTONIC };
                    let mut now = musl::timespec::default();
                    crate::time::clock_gettime(clock as u64, &raw mut now as u64)?;
                    ns -= i128::from(now.tv_sec) * 1_000_000_000 + i128::from(now.tv_nsec);
                }
                if ns <= 0 {
                    return Err(Errno::ETIMEDOUT);
                }
                u64::try_from(ns).unwrap_or(u64::MAX - 1)
            };
            if atomic.load(Ordering::Acquire) != value32 {
                return Err(Errno::EAGAIN);
            }
            match park_op(Opcode::Park, word, value32, timeout_ns) {
                Ok(_) => Ok(0),
                Err(CapError::WouldBlock) => Err(Errno::EAGAIN),
                Err(CapError::TimedOut) => Err(Errno::ETIMEDOUT),
                Err(e) => Err(e.into()),
            }
        }
        musl::FUTEX_WAKE | musl::FUTEX_WAKE_BITSET => Ok(park_op(Opcode::Unpark, word, value32, 0)?),
        musl::FUTEX_REQUEUE | 4 => {
            if op as i32 & 127 == 4 && atomic.load(Ordering::Acquire) != value3 as u32 {
                return Err(Errno::EAGAIN);
            }
            let count = value32.saturating_add(timeout as u32);
            Ok(park_op(Opcode::Unpark, word, count, 0)?)
        }
        _ => Err(Errno::ENOSYS),
    }
}
